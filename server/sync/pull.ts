import {
  GLOBAL_BUCKET,
  MAX_PUSH_MUTATIONS,
  bucketCustomerId,
  customerBucket,
  type MutationResult,
  type PullRequest,
  type PullResponse,
} from '../../shared/sync/wire';
import { ApiFailure } from '../errors';
import { comparePositions, readLogFrame, type LogFrame } from '../repo/change-log';
import type { Principal } from '../repo/tokens';
import type { Queryable, Storage } from '../storage/types';
import { BadTokenError, decodeCursor, decodePageToken, encodeCursor, encodePageToken, type BootstrapState } from './cursor';
import { advanceComplete, advanceTruncated, earliestMissing, positionOfSnapshot, type FeedPosition } from './feed-position';
import {
  EVENT_ROW_COLUMNS,
  NO_EVENT_COLUMNS,
  OpList,
  pullResponseBytes,
  type BucketEntryJson,
  type BucketPageJson,
  type EventRowText,
} from './wire-json';

/**
 * How many of a client's latest mutation results a pull acknowledges: one full
 * push batch, so a push whose response was lost is fully answered by the next pull.
 */
const ACKED_RESULT_WINDOW = MAX_PUSH_MUTATIONS;

/**
 * One entity of a bucket's bootstrap, paged by its primary key (`key`; keyset,
 * never OFFSET). `from` names the table and the bucket's rows; `$scope` in it
 * stands for the customer id.
 */
type Phase = {
  entity: string;
  from: string;
  key: string;
  rowId: string;
  ver: string;
  /** The wire row as JSON text; absent for events, whose rows are written from their columns. */
  row?: string;
};

/** The phases of a kind of bucket, in order, and the statement that reads a page of them. */
type BucketKind = { phases: readonly Phase[]; statement: string };

/**
 * One statement reads a whole page of a bucket, across its phases (one round
 * trip per bucket instead of one per entity, plus one to learn whether
 * changes are waiting): each phase from the key after which the page starts,
 * then a last row telling whether the log holds changes the bootstrap's
 * snapshot did not show (they are visible now, or they would not be read).
 * Parameters: $1 the row limit, $2 the bucket, $3 the xmax of the snapshot the
 * bootstrap started at, $4 the transactions running in it, then one `after`
 * key per phase (null for phases already served), then the customer id.
 */
function bucketKind(phases: readonly Phase[]): BucketKind {
  const scope = `$${5 + phases.length}`;
  const branches = phases.map(
    (phase, index) =>
      `(select ${index} as phase, ${phase.key} as key, ${phase.rowId} as row_id, ${phase.ver} as ver, ${phase.row ?? 'null::text'} as row,
               ${phase.row ? NO_EVENT_COLUMNS : EVENT_ROW_COLUMNS}, null::boolean as pending
          from ${phase.from.replace('$scope', scope)} and ${phase.key} > $${5 + index}
         order by ${phase.key} limit $1)`,
  );
  branches.push(
    `(select ${phases.length}, '', '', 0::bigint, null::text, ${NO_EVENT_COLUMNS},
             exists (select 1 from change_log where bucket = $2 and (xid >= $3::xid8 or xid = any($4::xid8[]))))`,
  );
  return { phases, statement: `select * from (${branches.join(' union all ')}) page order by phase, key limit $1` };
}

const CUSTOMER_BUCKET = bucketKind([
  {
    entity: 'customer',
    from: 'customers c where c.id = $scope',
    key: 'c.id',
    rowId: 'c.id',
    ver: 'c.ver',
    row: 'lk_customer_row(c)::text',
  },
  {
    entity: 'feature',
    from: 'customer_features f where f.customer_id = $scope',
    key: 'f.feature',
    rowId: `f.customer_id || ':' || f.feature`,
    ver: 'f.ver',
    row: 'lk_feature_row(f)::text',
  },
  { entity: 'event', from: 'events e where e.customer_id = $scope', key: 'e.id', rowId: 'e.id', ver: '1::bigint' },
  {
    entity: 'note',
    from: 'notes n where n.customer_id = $scope',
    key: 'n.id',
    rowId: 'n.id',
    ver: 'n.ver',
    row: 'lk_note_row(n)::text',
  },
  // Appended last, so page tokens of bootstraps begun before it keep their phase numbers (issue 9).
  {
    entity: 'revision',
    from: `revisions r where r.bucket = 'customer:' || $scope`,
    key: 'r.id',
    rowId: 'r.id',
    ver: '1::bigint',
    row: 'lk_revision_row(r)::text',
  },
  // Follow-ups (issue 12), appended last for the same reason.
  {
    entity: 'follow_up',
    from: 'follow_ups f where f.customer_id = $scope',
    key: 'f.id',
    rowId: 'f.id',
    ver: 'f.ver',
    row: 'lk_follow_up_row(f)::text',
  },
]);

const GLOBAL_BUCKET_KIND = bucketKind([
  {
    entity: 'release',
    from: 'releases r where true',
    key: 'r.version',
    rowId: 'r.version',
    ver: 'r.ver',
    row: 'lk_release_row(r)::text',
  },
  // The wizard library (issue 5): published versions, id '<id>@<version>'.
  {
    entity: 'wizard',
    from: 'wizards w where true',
    key: `w.id || '@' || w.version`,
    rowId: `w.id || '@' || w.version`,
    ver: 'w.ver',
    row: 'lk_wizard_row(w)::text',
  },
  // The effective catalog (issue 11): one row, id 'effective'; names and types, never calls or secrets.
  {
    entity: 'catalog',
    from: 'catalogs c where true',
    key: 'c.name',
    rowId: 'c.name',
    ver: 'c.ver',
    row: 'lk_catalog_row(c)::text',
  },
  // Known problems (issue 12): title, rules, lifecycle; who is hit is read from events.
  {
    entity: 'problem',
    from: 'problems p where true',
    key: 'p.id',
    rowId: 'p.id',
    ver: 'p.ver',
    row: 'lk_problem_row(p)::text',
  },
  // Their revisions (who changed what, what an edit replaced), appended last so older page tokens keep their phases.
  {
    entity: 'revision',
    from: `revisions r where r.bucket = '${GLOBAL_BUCKET}'`,
    key: 'r.id',
    rowId: 'r.id',
    ver: '1::bigint',
    row: 'lk_revision_row(r)::text',
  },
  // Link templates (issue 14): one row, id 'effective'; appended last so older page tokens keep their phases.
  {
    entity: 'links',
    from: 'link_templates l where true',
    key: 'l.name',
    rowId: 'l.name',
    ver: 'l.ver',
    row: 'lk_links_row(l)::text',
  },
]);

/** A row of a bootstrap page: an entity's row, or the last one, which only says whether changes are pending. */
type PageRow = { phase: number; key: string; row_id: string; ver: number; row: string | null; pending: boolean | null } & {
  [Column in keyof EventRowText]: EventRowText[Column] | null;
};

function kindOf(bucket: string): { kind: BucketKind; scope: string[] } {
  const customerId = bucketCustomerId(bucket);
  return customerId === null ? { kind: GLOBAL_BUCKET_KIND, scope: [] } : { kind: CUSTOMER_BUCKET, scope: [customerId] };
}

type Plan =
  | { kind: 'reset'; reason: 'cursor_expired' | 'rekeyed' }
  | { kind: 'catchUp'; position: FeedPosition }
  | { kind: 'bootstrap'; state: BootstrapState };

function badToken(bucket: string, error: unknown): ApiFailure {
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiFailure(400, 'bad_cursor', `bucket ${bucket}: ${reason}`);
}

function planBucket(entry: PullRequest['buckets'][number], frame: LogFrame): Plan {
  const { bucket } = entry;
  if (entry.pageToken) {
    let state: BootstrapState;
    try {
      state = decodePageToken(entry.pageToken);
    } catch (error) {
      throw badToken(bucket, error);
    }
    if (state.epoch !== frame.epoch) return { kind: 'reset', reason: 'rekeyed' };
    if (state.bucket !== bucket || state.phase >= kindOf(bucket).kind.phases.length) {
      throw badToken(bucket, new BadTokenError('the page token belongs to another bucket'));
    }
    if (state.start.xmax > frame.snapshot.xmax) return { kind: 'reset', reason: 'rekeyed' };
    // The log rows the bootstrap will catch up on after its last page are gone.
    if (comparePositions(earliestMissing(state.start), frame.horizon) < 0) return { kind: 'reset', reason: 'cursor_expired' };
    return { kind: 'bootstrap', state };
  }
  if (entry.cursor === null) {
    return {
      kind: 'bootstrap',
      state: { epoch: frame.epoch, bucket, start: positionOfSnapshot(frame.snapshot), phase: 0, key: null },
    };
  }
  let decoded: ReturnType<typeof decodeCursor>;
  try {
    decoded = decodeCursor(entry.cursor);
  } catch (error) {
    throw badToken(bucket, error);
  }
  // A cursor from another database, or from the future of a restored one, can only be answered by starting over.
  if (decoded.epoch !== frame.epoch || decoded.position.xmax > frame.snapshot.xmax) return { kind: 'reset', reason: 'rekeyed' };
  if (comparePositions(earliestMissing(decoded.position), frame.horizon) < 0) return { kind: 'reset', reason: 'cursor_expired' };
  return { kind: 'catchUp', position: decoded.position };
}

/** A change-log row, with the columns of its event when it is an event put (all null when the event is gone). */
type LogRow = {
  bucket: string;
  xid: string;
  id: number;
  entity: string;
  row_id: string;
  op: 'put' | 'del';
  ver: number;
  /** The stored wire row as JSON text; null for event puts (built from the events columns). */
  row: string | null;
  /** True when some bucket filled its share of the read: the rows stop where the merge is still complete. */
  is_cut: boolean;
} & { [Column in keyof EventRowText]: EventRowText[Column] | null };

/** The row carries an event: its columns are all there (the table has them not null where the wire needs it). */
function hasEvent<Row extends { e_id: string | null }>(row: Row): row is Row & EventRowText {
  return row.e_id !== null;
}

/**
 * The ordered merge of what the buckets' positions have not delivered yet (the
 * rows of their gap transactions and every row above their xmax; the snapshot
 * shows only committed rows), as far as it is certainly complete, and at most
 * `limit` rows of it. Each bucket contributes at most `share` rows; a bucket
 * that filled its share may have more after its last one, so the merge is
 * complete only up to the earliest such last row. Event rows are joined only
 * for the rows answered.
 */
async function readLogPrefix(
  db: Queryable,
  starts: ReadonlyMap<string, FeedPosition>,
  share: number,
  limit: number,
): Promise<LogRow[]> {
  const buckets = [...starts.keys()];
  const positions = buckets.map((bucket) => starts.get(bucket) ?? { xmax: 0n, gaps: [] });
  return db.query<LogRow>(
    `with fetched as materialized (
       select c.*
         from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as r(bucket, xmax, gap_xids, gap_afters)
         cross join lateral (
           -- Numbered in the bucket's order: row number $5 is the last row of a bucket that filled its share.
           -- Gap transactions are all below xmax, so their rows come first.
           select page.*, row_number() over (order by page.xid, page.id) as number from (
             (select c.bucket, c.xid, c.id, c.entity, c.row_id, c.op, c.ver, c.row
                from unnest(string_to_array(r.gap_xids, ',')::xid8[], string_to_array(r.gap_afters, ',')::int8[]) as g(xid, after)
                join change_log c on c.bucket = r.bucket and c.xid = g.xid and c.id > g.after
               order by c.xid, c.id limit $5)
             union all
             (select c.bucket, c.xid, c.id, c.entity, c.row_id, c.op, c.ver, c.row from change_log c
               where c.bucket = r.bucket and c.xid >= r.xmax::xid8
               order by c.xid, c.id limit $5)
             order by xid, id limit $5
           ) page
         ) c
     ), cut as (
       select xid, id from fetched where number = $5 order by xid, id limit 1
     ), prefix as (
       select * from fetched f
        where not exists (select 1 from cut) or (f.xid, f.id) <= (select xid, id from cut)
        order by f.xid, f.id limit $6
     )
     select p.bucket, p.xid::text as xid, p.id, p.entity, p.row_id, p.op, p.ver, p.row::text as row,
            exists (select 1 from cut) as is_cut, ${EVENT_ROW_COLUMNS}
       from prefix p
       left join lateral (
         select * from events e where p.entity = 'event' and p.op = 'put' and p.row is null and e.id = p.row_id limit 1
       ) e on true
      order by p.xid, p.id`,
    [
      buckets,
      positions.map((position) => position.xmax.toString()),
      positions.map((position) => position.gaps.map((gap) => gap.xid.toString()).join(',')),
      positions.map((position) => position.gaps.map((gap) => String(gap.after)).join(',')),
      share,
      limit,
    ],
    { isPrepared: true },
  );
}

/** Rows per bucket the first catch-up read asks for, at least: small pages of many buckets stay one query. */
const MIN_ROWS_PER_BUCKET = 64;

/**
 * The first `budget + 1` rows of the ordered merge of the buckets' logs.
 * Reading `budget + 1` rows of every bucket would read up to buckets × budget
 * rows to keep `budget`; instead each bucket first gets about twice its even
 * share. Only when that cannot fill the page (pending rows very unevenly spread)
 * is every bucket read to `budget + 1`, which is exact.
 */
async function mergeLogs(db: Queryable, starts: ReadonlyMap<string, FeedPosition>, budget: number): Promise<LogRow[]> {
  const wanted = budget + 1;
  const share = Math.min(wanted, Math.max(MIN_ROWS_PER_BUCKET, Math.ceil((2 * wanted) / starts.size)));
  const rows = await readLogPrefix(db, starts, share, wanted);
  if (share === wanted || rows.length >= wanted || rows[0]?.is_cut !== true) return rows;
  return readLogPrefix(db, starts, wanted, wanted);
}

/**
 * Catches several buckets up from the change log, in (xid, id) order: what
 * each position has not delivered yet and the snapshot shows. A transaction
 * still running stays a gap of the new position, so its rows are found when it
 * commits, wherever its ids fall.
 */
async function catchUp(
  db: Queryable,
  frame: LogFrame,
  positions: ReadonlyMap<string, FeedPosition>,
  budget: number,
): Promise<{ pages: Map<string, BucketPageJson>; delivered: number; isCapped: boolean }> {
  const pages = new Map<string, BucketPageJson>();
  if (positions.size === 0) return { pages, delivered: 0, isCapped: false };
  const rows = await mergeLogs(db, positions, budget);
  const isTruncated = rows.length > budget;
  const delivered = rows.slice(0, budget);
  const last = delivered.at(-1);
  // Every candidate row of every bucket up to the last delivered one was delivered (they are a prefix of one
  // ordered merge); when nothing was cut, every bucket has what the snapshot shows. Idle cursors thus move forward.
  const cut = isTruncated && last ? { xid: BigInt(last.xid), id: last.id } : null;
  const opsByBucket = new Map<string, OpList>();
  for (const row of delivered) {
    let ops = opsByBucket.get(row.bucket);
    if (!ops) {
      ops = new OpList();
      opsByBucket.set(row.bucket, ops);
    }
    if (row.op === 'del') {
      ops.del(row.entity, row.row_id, row.ver);
    } else if (row.row !== null) {
      ops.put(row.entity, row.row_id, row.ver, row.row);
    } else {
      // An event put whose event is gone has nothing to put (its removal is logged separately).
      if (row.entity === 'event' && hasEvent(row)) ops.putEvent(row);
    }
  }
  let isCapped = false;
  for (const [bucket, position] of positions) {
    const next = cut ? advanceTruncated(position, frame.snapshot, cut) : advanceComplete(position, frame.snapshot);
    isCapped ||= next.isCapped;
    pages.set(bucket, {
      bucket,
      ops: opsByBucket.get(bucket) ?? new OpList(),
      cursor: encodeCursor(frame.epoch, next),
      hasMore: isTruncated || next.isCapped,
    });
  }
  return { pages, delivered: delivered.length, isCapped };
}

/** Serves up to `budget` rows of one bucket's bootstrap from the current tables, by primary key. */
async function bootstrapPage(db: Queryable, frame: LogFrame, start: BootstrapState, budget: number): Promise<BucketPageJson> {
  const { kind, scope } = kindOf(start.bucket);
  const ops = new OpList();
  const cursor = encodeCursor(frame.epoch, start.start);
  if (budget <= 0)
    return { bucket: start.bucket, ops, cursor, hasMore: true, bootstrap: { pageToken: encodePageToken(start), done: false } };
  const afters = kind.phases.map((_phase, index) =>
    index < start.phase ? null : index === start.phase ? (start.key ?? '') : '',
  );
  // One row more than the budget: either the last row (the bucket is done) or a row proving there is more.
  const rows = await db.query<PageRow>(
    kind.statement,
    [
      budget + 1,
      start.bucket,
      start.start.xmax.toString(),
      start.start.gaps.map((gap) => gap.xid.toString()),
      ...afters,
      ...scope,
    ],
    { isPrepared: true },
  );
  const last = rows.at(-1);
  const isDone = last?.phase === kind.phases.length;
  const served = isDone ? rows.slice(0, -1) : rows.slice(0, budget);
  for (const row of served) {
    const phase = kind.phases[row.phase];
    if (!phase) continue;
    if (row.row !== null) ops.put(phase.entity, row.row_id, row.ver, row.row);
    else if (hasEvent(row)) ops.putEvent(row);
  }
  const end = served.at(-1);
  if (!isDone && end) {
    const state: BootstrapState = { ...start, phase: end.phase, key: end.key };
    return { bucket: start.bucket, ops, cursor, hasMore: true, bootstrap: { pageToken: encodePageToken(state), done: false } };
  }
  // Done: changes the bootstrap's snapshot did not show wait in the log after its position.
  return { bucket: start.bucket, ops, cursor, hasMore: last?.pending === true, bootstrap: { pageToken: null, done: true } };
}

async function visibleBuckets(db: Queryable, principal: Principal): Promise<string[]> {
  const rows =
    principal.scope === null
      ? await db.query<{ id: string }>('select id from customers order by id', [], { isPrepared: true })
      : await db.query<{ id: string }>(
          'select id from customers where id = any($1::text[]) order by id',
          [[...principal.scope]],
          { isPrepared: true },
        );
  return [GLOBAL_BUCKET, ...rows.map((row) => customerBucket(row.id))];
}

async function readAcked(db: Queryable, principal: Principal, clientId: string): Promise<PullResponse['acked']> {
  const [client] = await db.query<{ user_id: string; last_seq: number }>(
    'select user_id, last_seq from sync_client where client_id = $1',
    [clientId],
  );
  if (!client) return { lastSeq: 0, results: [] };
  if (client.user_id !== principal.userId) {
    throw new ApiFailure(403, 'client_owned_by_other_user', `client ${clientId} belongs to another user; use a new client id`);
  }
  const rows = await db.query<StoredResult>(
    'select seq, status, code, message, produced, conflict from sync_mutation_result where client_id = $1 and seq > $2 order by seq',
    [clientId, client.last_seq - ACKED_RESULT_WINDOW],
  );
  return { lastSeq: client.last_seq, results: rows.map(toMutationResult) };
}

/** A row of sync_mutation_result as read back. */
export type StoredResult = {
  seq: number;
  status: 'applied' | 'rejected';
  code: string | null;
  message: string | null;
  produced: MutationResult['produced'] | null;
  conflict: MutationResult['conflict'] | null;
};

export function toMutationResult(row: StoredResult): MutationResult {
  return {
    seq: row.seq,
    status: row.status,
    ...(row.code === null ? {} : { code: row.code }),
    ...(row.message === null ? {} : { message: row.message }),
    ...(row.produced === null || row.produced === undefined ? {} : { produced: row.produced }),
    ...(row.conflict === null || row.conflict === undefined ? {} : { conflict: row.conflict }),
  };
}

/**
 * Answers one pull as UTF-8 JSON (a `PullResponse`). Every requested bucket the
 * token may see gets exactly one entry (a page or a reset), in request order;
 * the others are listed in `removedBuckets`. Log catch-up is served before
 * bootstrap pages, so a large bootstrap never delays live changes. At most
 * `limit` ops in total.
 */
export type PullOptions = {
  /** A write transaction of this database running longer than this is reported as `delayedSince`. */
  delayNoticeMs?: number;
};

export async function pullChangesBody(
  storage: Storage,
  principal: Principal,
  request: PullRequest,
  options: PullOptions = {},
): Promise<Buffer<ArrayBuffer>> {
  const seen = new Set<string>();
  for (const entry of request.buckets) {
    if (seen.has(entry.bucket)) throw new ApiFailure(400, 'duplicate_bucket', `bucket ${entry.bucket} is requested twice`);
    seen.add(entry.bucket);
  }
  // One snapshot for the whole pull: one frame, and pages and log reads consistent with it.
  return storage.transaction(
    async (db) => {
      // Catch-up over many buckets is costed high enough to trigger JIT compilation, which takes longer than the query.
      await db.query('set local jit = off');
      const frame = await readLogFrame(db, { delayNoticeMs: options.delayNoticeMs });
      const visible = await visibleBuckets(db, principal);
      const visibleSet = new Set(visible);
      const acked = await readAcked(db, principal, request.clientId);

      const plans = new Map<string, Plan>();
      const removedBuckets: string[] = [];
      for (const entry of request.buckets) {
        if (!visibleSet.has(entry.bucket)) removedBuckets.push(entry.bucket);
        else plans.set(entry.bucket, planBucket(entry, frame));
      }

      const catchUpPositions = new Map<string, FeedPosition>();
      for (const [bucket, plan] of plans) if (plan.kind === 'catchUp') catchUpPositions.set(bucket, plan.position);
      const caught = await catchUp(db, frame, catchUpPositions, request.limit);

      let remaining = request.limit - caught.delivered;
      const buckets: BucketEntryJson[] = [];
      for (const [bucket, plan] of plans) {
        if (plan.kind === 'reset') {
          buckets.push({ bucket, reset: true, reason: plan.reason });
        } else if (plan.kind === 'catchUp') {
          const page = caught.pages.get(bucket);
          if (page) buckets.push(page);
        } else {
          const page = await bootstrapPage(db, frame, plan.state, remaining);
          remaining -= page.ops.count;
          buckets.push(page);
        }
      }
      return pullResponseBytes({
        buckets,
        addedBuckets: visible.filter((bucket) => !seen.has(bucket)),
        removedBuckets,
        acked,
        // More transactions running at once than a cursor holds also holds committed rows back, for a moment.
        delayedSince: frame.delayedSince ?? (caught.isCapped ? new Date().toISOString() : null),
      });
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}

/**
 * Answers one pull as an HTTP response ready to send (Fastify sends a `Response`
 * as it is): the JSON is written once, as bytes, from row text the database
 * produced, and never parsed or serialised again on the way out. `Server-Timing`
 * says how long the answer took to build (benchmarks read it; clients may ignore it).
 */
export async function pullChanges(
  storage: Storage,
  principal: Principal,
  request: PullRequest,
  options: PullOptions = {},
): Promise<Response> {
  const started = performance.now();
  const body = await pullChangesBody(storage, principal, request, options);
  return new Response(body, {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'server-timing': `pull;dur=${(performance.now() - started).toFixed(1)}`,
    },
  });
}

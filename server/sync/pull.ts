import {
  GLOBAL_BUCKET,
  MAX_PUSH_MUTATIONS,
  bucketCustomerId,
  customerBucket,
  type BucketPage,
  type MutationResult,
  type Op,
  type PullRequest,
  type PullResponse,
} from '../../shared/sync/wire';
import { ApiFailure } from '../errors';
import { comparePositions, readLogFrame, type LogFrame, type LogPosition } from '../repo/change-log';
import type { Principal } from '../repo/tokens';
import type { Queryable, Storage } from '../storage/types';
import { BadTokenError, decodeCursor, decodePageToken, encodeCursor, encodePageToken, type BootstrapState } from './cursor';

/**
 * How many of a client's latest mutation results a pull acknowledges: one full
 * push batch, so a push whose response was lost is fully answered by the next pull.
 */
const ACKED_RESULT_WINDOW = MAX_PUSH_MUTATIONS;

type PhaseRow = { key: string; row_id: string; ver: number; row: unknown };

/** One entity of a bucket's bootstrap, paged by its primary key (`key`, keyset, never OFFSET). */
type Phase = { entity: string; read: (db: Queryable, scope: string, afterKey: string | null, limit: number) => Promise<PhaseRow[]> };

const CUSTOMER_PHASES: readonly Phase[] = [
  {
    entity: 'customer',
    read: (db, customerId, afterKey, limit) =>
      db.query<PhaseRow>(
        `select id as key, id as row_id, ver, lk_customer_row(c) as row from customers c
          where id = $1 and id > coalesce($2, '') limit $3`,
        [customerId, afterKey, limit],
      ),
  },
  {
    entity: 'feature',
    read: (db, customerId, afterKey, limit) =>
      db.query<PhaseRow>(
        `select feature as key, customer_id || ':' || feature as row_id, ver, lk_feature_row(f) as row from customer_features f
          where customer_id = $1 and feature > coalesce($2, '') order by feature limit $3`,
        [customerId, afterKey, limit],
      ),
  },
  {
    entity: 'event',
    read: (db, customerId, afterKey, limit) =>
      db.query<PhaseRow>(
        `select id as key, id as row_id, 1 as ver, lk_event_row(e) as row from events e
          where customer_id = $1 and id > coalesce($2, '') order by id limit $3`,
        [customerId, afterKey, limit],
      ),
  },
  {
    entity: 'note',
    read: (db, customerId, afterKey, limit) =>
      db.query<PhaseRow>(
        `select id as key, id as row_id, ver, lk_note_row(n) as row from notes n
          where customer_id = $1 and id > coalesce($2, '') order by id limit $3`,
        [customerId, afterKey, limit],
      ),
  },
];

const GLOBAL_PHASES: readonly Phase[] = [
  {
    entity: 'release',
    read: (db, _scope, afterKey, limit) =>
      db.query<PhaseRow>(
        `select version as key, version as row_id, ver, lk_release_row(r) as row from releases r
          where version > coalesce($1, '') order by version limit $2`,
        [afterKey, limit],
      ),
  },
  {
    // The wizard library (issue 5): published versions, id '<id>@<version>'.
    entity: 'wizard',
    read: (db, _scope, afterKey, limit) =>
      db.query<PhaseRow>(
        `select id || '@' || version as key, id || '@' || version as row_id, ver, lk_wizard_row(w) as row from wizards w
          where id || '@' || version > coalesce($1, '') order by id || '@' || version limit $2`,
        [afterKey, limit],
      ),
  },
];

function phasesOf(bucket: string): { phases: readonly Phase[]; scope: string } {
  const customerId = bucketCustomerId(bucket);
  return customerId === null ? { phases: GLOBAL_PHASES, scope: GLOBAL_BUCKET } : { phases: CUSTOMER_PHASES, scope: customerId };
}

type Plan =
  | { kind: 'reset'; reason: 'cursor_expired' | 'rekeyed' }
  | { kind: 'catchUp'; position: LogPosition }
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
    if (state.bucket !== bucket || state.phase >= phasesOf(bucket).phases.length) {
      throw badToken(bucket, new BadTokenError('the page token belongs to another bucket'));
    }
    if (state.fence > frame.fence) return { kind: 'reset', reason: 'rekeyed' };
    // The log rows the bootstrap will catch up on after its last page are gone.
    if (comparePositions({ xid: state.fence, id: 0 }, frame.horizon) < 0) return { kind: 'reset', reason: 'cursor_expired' };
    return { kind: 'bootstrap', state };
  }
  if (entry.cursor === null) {
    return { kind: 'bootstrap', state: { epoch: frame.epoch, bucket, fence: frame.fence, phase: 0, key: null } };
  }
  let decoded: ReturnType<typeof decodeCursor>;
  try {
    decoded = decodeCursor(entry.cursor);
  } catch (error) {
    throw badToken(bucket, error);
  }
  // A cursor from another database, or from the future of a restored one, can only be answered by starting over.
  if (decoded.epoch !== frame.epoch || decoded.position.xid > frame.fence) return { kind: 'reset', reason: 'rekeyed' };
  if (comparePositions(decoded.position, frame.horizon) < 0) return { kind: 'reset', reason: 'cursor_expired' };
  return { kind: 'catchUp', position: decoded.position };
}

function maxPosition(a: LogPosition, b: LogPosition): LogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

type LogRow = { bucket: string; xid: string; id: number; entity: string; row_id: string; op: 'put' | 'del'; ver: number; row: unknown };

function toOp(row: { op: 'put' | 'del'; entity: string; row_id: string; ver: number; row: unknown }): Op {
  return row.op === 'del' ? { op: 'del', entity: row.entity, id: row.row_id, ver: row.ver } : { op: 'put', entity: row.entity, id: row.row_id, ver: row.ver, row: row.row };
}

/**
 * Catches several buckets up from the change log in one statement, in (xid, id)
 * order, only below the fence (a transaction still running there may yet commit
 * rows with smaller ids; reading past it would skip them for good).
 */
async function catchUp(
  db: Queryable,
  frame: LogFrame,
  positions: ReadonlyMap<string, LogPosition>,
  budget: number,
): Promise<{ pages: Map<string, BucketPage>; delivered: number }> {
  const pages = new Map<string, BucketPage>();
  if (positions.size === 0) return { pages, delivered: 0 };
  const starts = [...positions].map(([bucket, position]) => ({ bucket, xid: position.xid.toString(), id: position.id }));
  const rows = await db.query<LogRow>(
    `select c.bucket, c.xid::text as xid, c.id, c.entity, c.row_id, c.op, c.ver,
            case when c.entity = 'event' and c.op = 'put' and c.row is null
                 then case when e.id is null then null else lk_event_row(e) end
                 else c.row end as row
       from (
         select c.*
           from json_to_recordset($1::json) as r(bucket text, xid text, id bigint)
           cross join lateral (
             select * from change_log c
              where c.bucket = r.bucket and (c.xid, c.id) > (r.xid::xid8, r.id) and c.xid < $2::xid8
              order by c.xid, c.id limit $3
           ) c
          order by c.xid, c.id
          limit $3
       ) c
       left join events e on c.entity = 'event' and c.row is null and e.id = c.row_id
      order by c.xid, c.id`,
    [JSON.stringify(starts), frame.fence.toString(), budget + 1],
  );
  const isTruncated = rows.length > budget;
  const delivered = rows.slice(0, budget);
  const last = delivered.at(-1);
  // Every row of every bucket up to the last delivered one was delivered (they are a prefix of one ordered merge);
  // when nothing was cut, every bucket is complete up to the fence. Idle cursors thus move forward and do not expire.
  const reached: LogPosition = isTruncated && last ? { xid: BigInt(last.xid), id: last.id } : { xid: frame.fence, id: 0 };
  const opsByBucket = new Map<string, Op[]>();
  for (const row of delivered) {
    // An event put whose event is gone has nothing to put (its removal is logged separately).
    if (row.op === 'put' && row.row === null) continue;
    const ops = opsByBucket.get(row.bucket) ?? [];
    ops.push(toOp(row));
    opsByBucket.set(row.bucket, ops);
  }
  for (const [bucket, position] of positions) {
    pages.set(bucket, {
      bucket,
      ops: opsByBucket.get(bucket) ?? [],
      cursor: encodeCursor(frame.epoch, maxPosition(position, reached)),
      hasMore: isTruncated,
    });
  }
  return { pages, delivered: delivered.length };
}

/** Serves up to `budget` rows of one bucket's bootstrap from the current tables, by primary key. */
async function bootstrapPage(db: Queryable, frame: LogFrame, start: BootstrapState, budget: number): Promise<BucketPage> {
  const { phases, scope } = phasesOf(start.bucket);
  const ops: Op[] = [];
  const state = { ...start };
  while (state.phase < phases.length && ops.length < budget) {
    const phase = phases[state.phase];
    if (!phase) break;
    const rows = await phase.read(db, scope, state.key, budget - ops.length);
    for (const row of rows) ops.push({ op: 'put', entity: phase.entity, id: row.row_id, ver: row.ver, row: row.row });
    const lastRow = rows.at(-1);
    if (ops.length >= budget && lastRow) {
      state.key = lastRow.key;
      break;
    }
    state.phase += 1;
    state.key = null;
  }
  const cursor = encodeCursor(frame.epoch, { xid: start.fence, id: 0 });
  if (state.phase < phases.length) {
    return { bucket: start.bucket, ops, cursor, hasMore: true, bootstrap: { pageToken: encodePageToken(state), done: false } };
  }
  // Done: changes committed since the bootstrap began wait in the log from (fence, 0).
  const pending = await db.query<{ has: boolean }>(
    `select exists (select 1 from change_log where bucket = $1 and (xid, id) > ($2::xid8, 0) and xid < $3::xid8) as has`,
    [start.bucket, start.fence.toString(), frame.fence.toString()],
  );
  return { bucket: start.bucket, ops, cursor, hasMore: pending[0]?.has === true, bootstrap: { pageToken: null, done: true } };
}

async function visibleBuckets(db: Queryable, principal: Principal): Promise<string[]> {
  const rows =
    principal.scope === null
      ? await db.query<{ id: string }>('select id from customers order by id')
      : await db.query<{ id: string }>('select id from customers where id = any($1::text[]) order by id', [[...principal.scope]]);
  return [GLOBAL_BUCKET, ...rows.map((row) => customerBucket(row.id))];
}

async function readAcked(db: Queryable, principal: Principal, clientId: string): Promise<PullResponse['acked']> {
  const [client] = await db.query<{ user_id: string; last_seq: number }>('select user_id, last_seq from sync_client where client_id = $1', [clientId]);
  if (!client) return { lastSeq: 0, results: [] };
  if (client.user_id !== principal.userId) {
    throw new ApiFailure(403, 'client_owned_by_other_user', `client ${clientId} belongs to another user; use a new client id`);
  }
  const rows = await db.query<{ seq: number; status: 'applied' | 'rejected'; code: string | null; message: string | null }>(
    'select seq, status, code, message from sync_mutation_result where client_id = $1 and seq > $2 order by seq',
    [clientId, client.last_seq - ACKED_RESULT_WINDOW],
  );
  return { lastSeq: client.last_seq, results: rows.map(toMutationResult) };
}

export function toMutationResult(row: { seq: number; status: 'applied' | 'rejected'; code: string | null; message: string | null }): MutationResult {
  return {
    seq: row.seq,
    status: row.status,
    ...(row.code === null ? {} : { code: row.code }),
    ...(row.message === null ? {} : { message: row.message }),
  };
}

/**
 * Answers one pull. Every requested bucket the token may see gets exactly one
 * entry (a page or a reset), in request order; the others are listed in
 * `removedBuckets`. Log catch-up is served before bootstrap pages, so a large
 * bootstrap never delays live changes. At most `limit` ops in total.
 */
export async function pullChanges(storage: Storage, principal: Principal, request: PullRequest): Promise<PullResponse> {
  const seen = new Set<string>();
  for (const entry of request.buckets) {
    if (seen.has(entry.bucket)) throw new ApiFailure(400, 'duplicate_bucket', `bucket ${entry.bucket} is requested twice`);
    seen.add(entry.bucket);
  }
  // One snapshot for the whole pull: one fence, and pages consistent with it.
  return storage.transaction(
    async (db) => {
      const frame = await readLogFrame(db);
      const visible = await visibleBuckets(db, principal);
      const visibleSet = new Set(visible);
      const acked = await readAcked(db, principal, request.clientId);

      const plans = new Map<string, Plan>();
      const removedBuckets: string[] = [];
      for (const entry of request.buckets) {
        if (!visibleSet.has(entry.bucket)) removedBuckets.push(entry.bucket);
        else plans.set(entry.bucket, planBucket(entry, frame));
      }

      const catchUpPositions = new Map<string, LogPosition>();
      for (const [bucket, plan] of plans) if (plan.kind === 'catchUp') catchUpPositions.set(bucket, plan.position);
      const caught = await catchUp(db, frame, catchUpPositions, request.limit);

      let remaining = request.limit - caught.delivered;
      const buckets: PullResponse['buckets'] = [];
      for (const [bucket, plan] of plans) {
        if (plan.kind === 'reset') {
          buckets.push({ bucket, reset: true, reason: plan.reason });
        } else if (plan.kind === 'catchUp') {
          const page = caught.pages.get(bucket);
          if (page) buckets.push(page);
        } else {
          const page = await bootstrapPage(db, frame, plan.state, remaining);
          remaining -= page.ops.length;
          buckets.push(page);
        }
      }
      return {
        buckets,
        addedBuckets: visible.filter((bucket) => !seen.has(bucket)),
        removedBuckets,
        acked,
      };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}

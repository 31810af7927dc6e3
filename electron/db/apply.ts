import type Database from 'better-sqlite3';
import { Ajv } from 'ajv';
import { z } from 'zod';
import {
  CHANGE_KINDS,
  CustomerFeatureSchema,
  CustomerSchema,
  NoteSchema,
  ReleaseSchema,
  SEVERITIES,
  type TimelineEvent,
} from '../../shared/domain';
import { changeKey } from '../../shared/diagnosis/changes';
import { threadOf } from '../../shared/threads';
import { PublishedCatalogSchema } from '../../shared/catalog/format';
import { LinkTemplatesSchema } from '../../shared/links';
import { WizardRowSchema } from '../../shared/remediation/wire';
import { FollowUpSchema, type FollowUp } from '../../shared/follow-ups';
import { ProblemSchema, type Problem } from '../../shared/problems';
import {
  bucketCustomerId,
  RevisionSchema,
  type Op,
  type ProducedRow,
  type PullResponse,
  type Revision,
} from '../../shared/sync/wire';
import type { Outbox } from './outbox';
import { customerSearchKey } from './search-key';
import { isEventIndexed, type SearchIndexPosition } from './search-index';

const SyncedNoteSchema = NoteSchema;

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/;

/**
 * Event rows as they arrive in a pull: every field the cache stores is checked
 * for type and shape (so a corrupt or foreign payload never reaches a STRICT
 * table), but not re-checked against every ingest rule the server already
 * enforced — at bootstrap this runs a million times, and the full domain schema
 * costs twice as much. The free JSON fields are JSON by construction here.
 */
const WireEventSchema = z.object({
  id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
  customerId: z.string().min(1).max(128),
  occurredAt: z.string().regex(ISO_TIME),
  recordedAt: z.string().regex(ISO_TIME),
  kind: z.string().min(1).max(48),
  severity: z.enum(SEVERITIES),
  source: z.object({ system: z.string().min(1).max(64), externalId: z.string().min(1).max(256) }),
  actor: z.string().nullable(),
  summary: z.string(),
  body: z.string().nullable(),
  feature: z.string().nullable(),
  prevValue: z.unknown().transform((value) => value ?? null),
  newValue: z.unknown().transform((value) => value ?? null),
  links: z.record(z.string(), z.string()),
  properties: z.record(z.string(), z.unknown()),
  // Servers before signatures send none.
  signature: z
    .string()
    .max(200)
    .nullish()
    .transform((value) => value ?? null),
});

/**
 * The same schema compiled to plain JavaScript by Ajv, for the million-row path: measured on 5,000-event
 * pages, zod's check took ~80 ms a page and Ajv's ~14 ms (issue 13: parse and validation kept a bootstrap at
 * a quarter of the raw insert rate). Zod stays the definition and writes the error message of a bad row.
 * One difference, harmless for these sanity bounds: Ajv counts a length limit in characters, zod in UTF-16
 * units, so a text of astral characters (emoji) may be up to twice as long in units before it is refused.
 */
const isWireEvent = new Ajv({ strict: false }).compile(z.toJSONSchema(WireEventSchema, { io: 'input', target: 'draft-7' }));

/** Row schemas per synced entity; ops of unknown entities are skipped (newer servers may add some). */
const ROW_SCHEMAS = {
  customer: CustomerSchema,
  feature: CustomerFeatureSchema,
  event: WireEventSchema,
  note: SyncedNoteSchema,
  release: ReleaseSchema,
  wizard: WizardRowSchema,
  catalog: PublishedCatalogSchema,
  revision: RevisionSchema,
  follow_up: FollowUpSchema,
  problem: ProblemSchema,
  links: LinkTemplatesSchema,
} as const;

/** Fleet-wide entities: they travel only in the global bucket. */
const GLOBAL_ENTITIES = new Set(['release', 'wizard', 'catalog', 'problem', 'links']);

/** A pulled response whose rows all passed validation. */
export type ValidatedPull = PullResponse;

/**
 * Checks every `put` row against its entity schema and that customer rows belong
 * to the bucket they came in. Throws on the first problem, before anything is written.
 */
export function validatePullRows(response: PullResponse): void {
  for (const page of response.buckets) {
    if ('reset' in page) continue;
    const owner = bucketCustomerId(page.bucket);
    for (const [index, op] of page.ops.entries()) {
      if (op.op !== 'put') continue;
      const schema = ROW_SCHEMAS[op.entity as keyof typeof ROW_SCHEMAS];
      if (!schema) continue;
      let data: unknown = op.row;
      if (op.entity !== 'event' || !isWireEvent(op.row)) {
        const parsed = (schema as z.ZodType).safeParse(op.row);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${page.bucket} op ${index} (${op.entity} ${op.id}): ${issue?.path.join('.')} ${issue?.message}`);
        }
        data = parsed.data;
      }
      const row = data as { customerId?: string; id?: string };
      const rowCustomer = op.entity === 'customer' ? row.id : row.customerId;
      if (owner !== null && rowCustomer !== undefined && rowCustomer !== owner) {
        throw new Error(`${page.bucket} op ${index} carries a row of customer ${rowCustomer}`);
      }
      // Revisions travel with their row: a known problem's in the global bucket, every other in its customer's.
      const isProblemRevision = op.entity === 'revision' && (data as { entity?: string }).entity === 'problem';
      if (owner === null && !GLOBAL_ENTITIES.has(op.entity) && !isProblemRevision) {
        throw new Error(`global bucket op ${index} carries a ${op.entity} row`);
      }
      if (owner !== null && GLOBAL_ENTITIES.has(op.entity)) {
        throw new Error(`${page.bucket} op ${index} carries a fleet-wide ${op.entity} row`);
      }
      if (op.entity === 'wizard') {
        const wizard = data as { id: string; version: number };
        if (op.id !== `${wizard.id}@${wizard.version}`)
          throw new Error(`${page.bucket} op ${index}: wizard op id ${op.id} is not ${wizard.id}@${wizard.version}`);
      }
    }
  }
}

type EventRow = TimelineEvent;
/** A thread's row in the cache (`threads`), as apply reads and writes it. */
type ThreadState = {
  status: string;
  eventId: string;
  severity: string;
  summary: string;
  feature: string | null;
  openedAt: string;
  lastAt: string;
};
type PendingThread = { customerId: string; kind: string; thread: string; state: ThreadState | null; isChanged: boolean };
type BucketRow = {
  bucket: string;
  cursor: string | null;
  page_token: string | null;
  state: string;
  is_search_indexed: number;
  search_after_time: string | null;
  search_after_id: string | null;
};

/** How far a bucket's events are in the search index (cache migration 20). */
function indexPositionOf(row: BucketRow | undefined): SearchIndexPosition {
  if (!row) return { isIndexed: false, after: null };
  const after =
    row.search_after_time !== null && row.search_after_id !== null
      ? ([row.search_after_time, row.search_after_id] as const)
      : null;
  return { isIndexed: row.is_search_indexed === 1, after };
}

/** What one applied page changed, for the renderer's refresh event. */
export type ApplySummary = { customerIds: Set<string>; global: boolean; ops: number };

/** Prepared statements that write pulled pages into the cache. */
export function createApplier(db: Database.Database, outbox: Outbox) {
  const upsertCustomer = db.prepare(`
    insert into customers (id, name, plan, region, environment, version, lifecycle, health, owner, created_at, updated_at, ver)
    values (@id, @name, @plan, @region, @environment, @version, @lifecycle, @health, @owner, @createdAt, @updatedAt, @ver)
    on conflict (id) do update set name = excluded.name, plan = excluded.plan, region = excluded.region,
      environment = excluded.environment, version = excluded.version, lifecycle = excluded.lifecycle,
      health = excluded.health, owner = excluded.owner, created_at = excluded.created_at,
      updated_at = excluded.updated_at, ver = excluded.ver
    where excluded.ver > customers.ver`);
  const upsertFeature = db.prepare(`
    insert into customer_features (customer_id, feature, entitled, enabled, health, last_signal_at, ver)
    values (@customerId, @feature, @entitled, @enabled, @health, @lastSignalAt, @ver)
    on conflict (customer_id, feature) do update set entitled = excluded.entitled, enabled = excluded.enabled,
      health = excluded.health, last_signal_at = excluded.last_signal_at, ver = excluded.ver
    where excluded.ver > customer_features.ver`);
  const insertEvent = db.prepare(`
    insert or ignore into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, actor, body, prev_value, new_value, links, properties, signature, change_key, search_key, ver)
    values (@id, @customerId, @occurredAt, @recordedAt, @kind, @severity, @summary, @feature,
      @sourceSystem, @sourceExternalId, @actor, @body, @prevValue, @newValue, @links, @properties, @signature, @changeKey, @searchKey, @ver)`);
  const existingEvent = db.prepare<
    [string],
    {
      rid: number;
      ver: number;
      occurred_at: string;
      kind: string;
      severity: string;
      feature: string | null;
      source_system: string;
    }
  >('select rid, ver, occurred_at, kind, severity, feature, source_system from events where id = ?');
  const replaceEvent = db.prepare(`
    update events set occurred_at = @occurredAt, recorded_at = @recordedAt, kind = @kind, severity = @severity,
      summary = @summary, feature = @feature, source_system = @sourceSystem, source_external_id = @sourceExternalId,
      actor = @actor, body = @body, prev_value = @prevValue, new_value = @newValue, links = @links,
      properties = @properties, signature = @signature, change_key = @changeKey, ver = @ver
    where id = @id`);
  const ftsInsert = db.prepare(
    'insert into events_fts (rowid, summary, body, kind, feature, actor, search_key) select rid, summary, body, kind, feature, actor, search_key from events where rid = ?',
  );
  const ftsDelete = db.prepare(`
    insert into events_fts (events_fts, rowid, summary, body, kind, feature, actor, search_key)
    select 'delete', rid, summary, body, kind, feature, actor, search_key from events where rid = ?`);
  const ftsDeleteCustomer = db.prepare(`
    insert into events_fts (events_fts, rowid, summary, body, kind, feature, actor, search_key)
    select 'delete', rid, summary, body, kind, feature, actor, search_key from events where customer_id = ? order by rid`);
  // A customer whose index was being built after its bootstrap: only the events the indexer has passed are in it.
  const ftsDeleteCustomerThrough = db.prepare(`
    insert into events_fts (events_fts, rowid, summary, body, kind, feature, actor, search_key)
    select 'delete', rid, summary, body, kind, feature, actor, search_key from events
     where rid in (select rid from events indexed by events_by_customer_time
                    where customer_id = ? and (occurred_at, id) <= (?, ?)) order by rid`);
  const forgetSearchIndex = db.prepare(
    'update sync_bucket set is_search_indexed = 0, search_after_time = null, search_after_id = null where bucket = ?',
  );
  // Threads (open alerts, incidents, tickets) are folded per pull response: each thread's state is read once, every
  // event of the thread in the response applied to it in memory by the rule below, and the result written once
  // (issue 13: at bootstrap 34,433 thread events of 100,000 touched 17,228 threads).
  const threadRow = db.prepare<[string, string, string], ThreadState>(`
    select status, event_id as eventId, severity, summary, feature, opened_at as openedAt, last_at as lastAt
      from threads where customer_id = ? and kind = ? and thread = ?`);
  const writeThread = db.prepare(`
    insert into threads (customer_id, kind, thread, status, event_id, severity, summary, feature, opened_at, last_at)
    values (@customerId, @kind, @thread, @status, @eventId, @severity, @summary, @feature, @openedAt, @lastAt)
    on conflict (customer_id, kind, thread) do update set status = excluded.status, event_id = excluded.event_id,
      severity = excluded.severity, summary = excluded.summary, feature = excluded.feature,
      opened_at = excluded.opened_at, last_at = excluded.last_at`);
  /** Threads touched in this transaction, keyed `customer \0 kind \0 thread`: their state so far, and whether it changed. */
  const pendingThreads = new Map<string, PendingThread>();
  /**
   * One event of a thread: the newest event by when it happened says the thread's state (a late event changes
   * nothing); a thread open before and open still keeps the time it opened.
   */
  const foldThread = (event: EventRow, thread: { thread: string; status: string }) => {
    const key = `${event.customerId}\0${event.kind}\0${thread.thread}`;
    let pending = pendingThreads.get(key);
    if (!pending) {
      const stored = threadRow.get(event.customerId, event.kind, thread.thread) ?? null;
      pending = { customerId: event.customerId, kind: event.kind, thread: thread.thread, state: stored, isChanged: false };
      pendingThreads.set(key, pending);
    }
    const current = pending.state;
    if (current !== null && event.occurredAt < current.lastAt) return;
    pending.state = {
      status: thread.status,
      eventId: event.id,
      severity: event.severity,
      summary: event.summary,
      feature: event.feature,
      openedAt: current !== null && current.status === 'open' && thread.status === 'open' ? current.openedAt : event.occurredAt,
      lastAt: event.occurredAt,
    };
    pending.isChanged = true;
  };
  const flushThreads = () => {
    for (const pending of pendingThreads.values()) {
      if (pending.isChanged && pending.state !== null) {
        writeThread.run({ customerId: pending.customerId, kind: pending.kind, thread: pending.thread, ...pending.state });
      }
    }
    pendingThreads.clear();
  };
  const bumpStats = db.prepare(`
    insert into customer_stats (customer_id, last_event_at, event_count) values (?, ?, ?)
    on conflict (customer_id) do update set event_count = event_count + excluded.event_count,
      last_event_at = max(coalesce(last_event_at, ''), excluded.last_event_at)`);
  const upsertNote = db.prepare(`
    insert into notes (id, customer_id, event_id, author, body, created_at, updated_at, ver)
    values (@id, @customerId, @eventId, @author, @body, @createdAt, @updatedAt, @ver)
    on conflict (id) do update set body = excluded.body, author = excluded.author, updated_at = excluded.updated_at,
      event_id = excluded.event_id, ver = excluded.ver
    where excluded.ver > notes.ver`);
  const upsertRelease = db.prepare(`
    insert into releases (version, released_at, notes, ver) values (@version, @releasedAt, @notes, @ver)
    on conflict (version) do update set released_at = excluded.released_at, notes = excluded.notes, ver = excluded.ver
    where excluded.ver > releases.ver`);
  const upsertWizard = db.prepare(`
    insert into wizard_library (id, version, title, source, hash, published_at, published_by, ver)
    values (@id, @version, @title, @source, @hash, @publishedAt, @publishedBy, @ver)
    on conflict (id, version) do update set title = excluded.title, source = excluded.source, hash = excluded.hash,
      published_at = excluded.published_at, published_by = excluded.published_by, ver = excluded.ver
    where excluded.ver > wizard_library.ver`);
  const upsertCatalog = db.prepare(`
    insert into catalog (name, catalog, hash, ver) values (@name, @catalog, @hash, @ver)
    on conflict (name) do update set catalog = excluded.catalog, hash = excluded.hash, ver = excluded.ver
    where excluded.ver > catalog.ver`);
  const upsertLinks = db.prepare(`
    insert into link_templates (name, templates, ver) values (@name, @templates, @ver)
    on conflict (name) do update set templates = excluded.templates, ver = excluded.ver
    where excluded.ver > link_templates.ver`);
  const upsertFollowUp = db.prepare(`
    insert into follow_ups (id, customer_id, title, owner, state, due_date, run_id, problem_id, release, ticket_url,
      source, created_by, created_at, updated_at, ver)
    values (@id, @customerId, @title, @owner, @state, @dueDate, @runId, @problemId, @release, @ticketUrl,
      @source, @createdBy, @createdAt, @updatedAt, @ver)
    on conflict (id) do update set title = excluded.title, owner = excluded.owner, state = excluded.state,
      due_date = excluded.due_date, run_id = excluded.run_id, problem_id = excluded.problem_id, release = excluded.release,
      ticket_url = excluded.ticket_url, updated_at = excluded.updated_at, ver = excluded.ver
    where excluded.ver > follow_ups.ver`);
  const upsertProblem = db.prepare(`
    insert into problems (id, title, status, rules, customers, workaround_wizard, fixed_version, fixed_at, owner,
      workaround, ticket_url, fix_url, created_by, created_at, updated_at, ver)
    values (@id, @title, @status, @rules, @customers, @workaroundWizard, @fixedVersion, @fixedAt, @owner,
      @workaround, @ticketUrl, @fixUrl, @createdBy, @createdAt, @updatedAt, @ver)
    on conflict (id) do update set title = excluded.title, status = excluded.status, rules = excluded.rules,
      customers = excluded.customers, workaround_wizard = excluded.workaround_wizard, fixed_version = excluded.fixed_version,
      fixed_at = excluded.fixed_at, owner = excluded.owner, workaround = excluded.workaround,
      ticket_url = excluded.ticket_url, fix_url = excluded.fix_url, updated_at = excluded.updated_at, ver = excluded.ver
    where excluded.ver > problems.ver`);
  const deleteBy = {
    customer: db.prepare('delete from customers where id = ?'),
    feature: db.prepare("delete from customer_features where customer_id || ':' || feature = ?"),
    note: db.prepare('delete from notes where id = ?'),
    follow_up: db.prepare('delete from follow_ups where id = ?'),
    problem: db.prepare('delete from problems where id = ?'),
    release: db.prepare('delete from releases where version = ?'),
    wizard: db.prepare("delete from wizard_library where id || '@' || version = ?"),
    catalog: db.prepare('delete from catalog where name = ?'),
    links: db.prepare('delete from link_templates where name = ?'),
  };
  const getBucket = db.prepare<[string], BucketRow>('select * from sync_bucket where bucket = ?');
  const saveBucket = db.prepare(`
    insert into sync_bucket (bucket, cursor, page_token, state, updated_at) values (@bucket, @cursor, @pageToken, @state, @now)
    on conflict (bucket) do update set cursor = excluded.cursor, page_token = excluded.page_token,
      state = excluded.state, updated_at = excluded.updated_at`);
  const addBucket = db.prepare(
    "insert into sync_bucket (bucket, cursor, page_token, state, updated_at) values (?, null, null, 'new', ?) on conflict do nothing",
  );
  const removeBucketRow = db.prepare('delete from sync_bucket where bucket = ?');
  const clearCustomer = [
    db.prepare('delete from events where customer_id = ?'),
    db.prepare('delete from threads where customer_id = ?'),
    db.prepare('delete from customer_stats where customer_id = ?'),
    db.prepare('delete from customer_facets where customer_id = ?'),
    db.prepare('delete from customer_features where customer_id = ?'),
    db.prepare('delete from notes where customer_id = ?'),
    db.prepare('delete from revisions where customer_id = ?'),
    db.prepare('delete from follow_ups where customer_id = ?'),
    db.prepare('delete from customers where id = ?'),
  ];
  const insertRevision = db.prepare(`
    insert or ignore into revisions (id, customer_id, entity, row_id, ver, kind, actor, at, base_ver, fields)
    values (@id, @customerId, @entity, @rowId, @ver, @kind, @actor, @at, @baseVer, @fields)`);
  const clearGlobal = [
    db.prepare('delete from releases'),
    db.prepare('delete from wizard_library'),
    db.prepare('delete from catalog'),
    db.prepare('delete from link_templates'),
    db.prepare('delete from problems'),
    db.prepare("delete from revisions where customer_id = ''"),
  ];

  /** The cached version of a row, per entity the desk keeps (events are immutable: version 1). */
  const cachedVersion: Record<string, Database.Statement<[string], number>> = {
    customer: db.prepare<[string], number>('select ver from customers where id = ?').pluck(),
    feature: db.prepare<[string], number>("select ver from customer_features where customer_id || ':' || feature = ?").pluck(),
    event: db.prepare<[string], number>('select ver from events where id = ?').pluck(),
    note: db.prepare<[string], number>('select ver from notes where id = ?').pluck(),
    follow_up: db.prepare<[string], number>('select ver from follow_ups where id = ?').pluck(),
    problem: db.prepare<[string], number>('select ver from problems where id = ?').pluck(),
    release: db.prepare<[string], number>('select ver from releases where version = ?').pluck(),
    wizard: db.prepare<[string], number>("select ver from wizard_library where id || '@' || version = ?").pluck(),
  };

  /**
   * Whether a row a mutation produced is in the cache at that version or newer.
   * Rows this desk will never hold count as there: an entity it does not keep,
   * or a bucket it does not sync (out of scope).
   */
  function hasRow(row: ProducedRow): boolean {
    const statement = cachedVersion[row.entity];
    if (!statement) return true;
    if (!getBucket.get(row.bucket)) return true;
    return (statement.get(row.id) ?? 0) >= row.ver;
  }

  /** Per-customer event counts and newest time, written once per transaction instead of once per event. */
  const pendingStats = new Map<string, { count: number; last: string }>();
  /** How many events each facet value gained (or lost) in this transaction, keyed `customer \0 facet \0 value`. */
  const pendingFacets = new Map<string, number>();
  const addFacets = (
    customerId: string,
    values: { kind: string; severity: string; feature: string | null; source: string },
    delta: number,
  ) => {
    const bump = (facet: string, value: string) => {
      const key = `${customerId}\0${facet}\0${value}`;
      pendingFacets.set(key, (pendingFacets.get(key) ?? 0) + delta);
    };
    bump('kind', values.kind);
    bump('severity', values.severity);
    bump('source', values.source);
    if (values.feature !== null) bump('feature', values.feature);
  };
  const upsertFacet = db.prepare(`
    insert into customer_facets (customer_id, facet, value, n) values (@customerId, @facet, @value, max(@delta, 0))
    on conflict (customer_id, facet, value) do update set n = max(n + @delta, 0)`);
  const facetsOf = (event: EventRow) => ({
    kind: event.kind,
    severity: event.severity,
    feature: event.feature,
    source: event.source.system,
  });

  function applyEvent(op: Op, index: SearchIndexPosition, summary: ApplySummary): void {
    const event = op.row as EventRow;
    const params = {
      id: event.id,
      customerId: event.customerId,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      kind: event.kind,
      severity: event.severity,
      summary: event.summary,
      feature: event.feature,
      sourceSystem: event.source.system,
      sourceExternalId: event.source.externalId,
      actor: event.actor,
      body: event.body,
      prevValue: event.prevValue === null ? null : JSON.stringify(event.prevValue),
      newValue: event.newValue === null ? null : JSON.stringify(event.newValue),
      links: JSON.stringify(event.links),
      properties: JSON.stringify(event.properties),
      signature: event.signature ?? null,
      // Who-else groups the affected customers' changes by it (cache migration 15).
      changeKey: (CHANGE_KINDS as readonly string[]).includes(event.kind) ? changeKey(event) : null,
      searchKey: customerSearchKey(event.customerId),
      ver: op.ver,
    };
    const inserted = insertEvent.run(params);
    if (inserted.changes === 1) {
      // Not yet indexed: the indexer reaches it (it walks the customer's events after its position).
      if (isEventIndexed(index, event.occurredAt, event.id)) ftsInsert.run(inserted.lastInsertRowid);
      addFacets(event.customerId, facetsOf(event), 1);
      const stats = pendingStats.get(event.customerId);
      if (!stats) pendingStats.set(event.customerId, { count: 1, last: event.occurredAt });
      else {
        stats.count += 1;
        if (event.occurredAt > stats.last) stats.last = event.occurredAt;
      }
    } else {
      const existing = existingEvent.get(event.id);
      if (!existing || existing.ver >= op.ver) return;
      if (isEventIndexed(index, existing.occurred_at, event.id)) ftsDelete.run(existing.rid);
      addFacets(
        event.customerId,
        { kind: existing.kind, severity: existing.severity, feature: existing.feature, source: existing.source_system },
        -1,
      );
      addFacets(event.customerId, facetsOf(event), 1);
      replaceEvent.run(params);
      if (isEventIndexed(index, event.occurredAt, event.id)) ftsInsert.run(existing.rid);
    }
    const thread = threadOf(event);
    if (thread) foldThread(event, thread);
    summary.customerIds.add(event.customerId);
  }

  function applyOp(op: Op, bucket: string, index: SearchIndexPosition, summary: ApplySummary): void {
    summary.ops += 1;
    if (op.op === 'del') {
      const statement = deleteBy[op.entity as keyof typeof deleteBy];
      statement?.run(op.id);
      if (GLOBAL_ENTITIES.has(op.entity)) summary.global = true;
      return;
    }
    switch (op.entity) {
      case 'customer': {
        const row = op.row as z.infer<typeof CustomerSchema>;
        upsertCustomer.run({ ...row, ver: op.ver });
        summary.customerIds.add(row.id);
        return;
      }
      case 'feature': {
        const row = op.row as z.infer<typeof CustomerFeatureSchema>;
        upsertFeature.run({ ...row, entitled: row.entitled ? 1 : 0, enabled: row.enabled ? 1 : 0, ver: op.ver });
        summary.customerIds.add(row.customerId);
        return;
      }
      case 'event':
        applyEvent(op, index, summary);
        return;
      case 'note': {
        const row = op.row as z.infer<typeof SyncedNoteSchema>;
        upsertNote.run({ ...row, ver: op.ver });
        summary.customerIds.add(row.customerId);
        return;
      }
      case 'follow_up': {
        const row = op.row as FollowUp;
        upsertFollowUp.run({ ...row, ver: op.ver });
        summary.customerIds.add(row.customerId);
        return;
      }
      case 'problem': {
        const row = op.row as Problem;
        upsertProblem.run({ ...row, rules: JSON.stringify(row.rules), customers: JSON.stringify(row.customers), ver: op.ver });
        summary.global = true;
        return;
      }
      case 'revision': {
        // Revisions never change: the first copy is the only one.
        const row = op.row as Revision;
        const customerId = bucketCustomerId(bucket);
        if (customerId === null) {
          // A known problem's revision (global bucket): kept under no customer.
          if (row.entity !== 'problem') return;
          insertRevision.run({ ...row, customerId: '', fields: JSON.stringify(row.fields) });
          summary.global = true;
          return;
        }
        insertRevision.run({ ...row, customerId, fields: JSON.stringify(row.fields) });
        summary.customerIds.add(customerId);
        return;
      }
      case 'release':
        upsertRelease.run({ ...(op.row as z.infer<typeof ReleaseSchema>), ver: op.ver });
        summary.global = true;
        return;
      case 'wizard':
        upsertWizard.run({ ...(op.row as z.infer<typeof WizardRowSchema>), ver: op.ver });
        summary.global = true;
        return;
      case 'catalog': {
        const row = op.row as z.infer<typeof PublishedCatalogSchema>;
        upsertCatalog.run({ name: op.id, catalog: JSON.stringify(row), hash: row.hash, ver: op.ver });
        summary.global = true;
        return;
      }
      case 'links':
        upsertLinks.run({ name: op.id, templates: JSON.stringify(op.row), ver: op.ver });
        summary.global = true;
        return;
      default:
        return;
    }
  }

  function clearBucket(bucket: string, index: SearchIndexPosition): void {
    flushThreads();
    const customerId = bucketCustomerId(bucket);
    if (customerId === null) {
      for (const statement of clearGlobal) statement.run();
      return;
    }
    // Only the terms of indexed events are deleted: deleting an event FTS5 never indexed corrupts the index.
    if (index.isIndexed) ftsDeleteCustomer.run(customerId);
    else if (index.after !== null) ftsDeleteCustomerThrough.run(customerId, index.after[0], index.after[1]);
    for (const statement of clearCustomer) statement.run(customerId);
    forgetSearchIndex.run(bucket);
  }

  /**
   * Applies one validated pull response in ONE transaction: rows, bucket cursors,
   * bucket membership, and the outbox acknowledgement. A crash leaves either all
   * of it or none of it in the cache file.
   */
  const applyInTransaction = db.transaction((response: ValidatedPull, now: string, lane: string | null): ApplySummary => {
    const summary: ApplySummary = { customerIds: new Set(), global: false, ops: 0 };
    for (const page of response.buckets) {
      const current = getBucket.get(page.bucket);
      const index = indexPositionOf(current);
      if ('reset' in page) {
        clearBucket(page.bucket, index);
        saveBucket.run({ bucket: page.bucket, cursor: null, pageToken: null, state: 'new', now });
        const customerId = bucketCustomerId(page.bucket);
        if (customerId) summary.customerIds.add(customerId);
        else summary.global = true;
        continue;
      }
      if (!current) continue; // A page for a bucket we no longer track (removed meanwhile).
      const isBootstrapping = page.bootstrap !== undefined && !page.bootstrap.done;
      for (const op of page.ops) applyOp(op, page.bucket, index, summary);
      let state = current.state;
      // A finished bootstrap goes live unindexed: search-index.ts builds its index afterwards.
      if (isBootstrapping) state = 'bootstrapping';
      else if (state !== 'live') state = 'live';
      saveBucket.run({
        bucket: page.bucket,
        cursor: page.cursor,
        pageToken: isBootstrapping ? (page.bootstrap?.pageToken ?? null) : null,
        state,
        now,
      });
    }
    // Flush before removals so a removed customer's counters and threads are deleted, not re-created.
    flushThreads();
    for (const [customerId, stats] of pendingStats) bumpStats.run(customerId, stats.last, stats.count);
    pendingStats.clear();
    for (const [key, delta] of pendingFacets) {
      const [customerId, facet, value] = key.split('\0');
      upsertFacet.run({ customerId, facet, value, delta });
    }
    pendingFacets.clear();
    for (const bucket of response.addedBuckets) addBucket.run(bucket, now);
    for (const bucket of response.removedBuckets) {
      const current = getBucket.get(bucket);
      clearBucket(bucket, indexPositionOf(current));
      removeBucketRow.run(bucket);
      const customerId = bucketCustomerId(bucket);
      if (customerId) summary.customerIds.add(customerId);
    }
    // The rows just written may be what applied outbox rows were waiting for: they go in the same transaction.
    if (lane !== null) outbox.acknowledge(lane, response.acked.results);
    outbox.settle(hasRow);
    return summary;
  });

  /**
   * See {@link applyInTransaction}; a failed transaction leaves no counters behind for the next one. `lane` is
   * the client id the pull was made with: its acknowledged results are recorded in the same transaction.
   */
  const applyPull = (response: ValidatedPull, now: string, lane: string | null = null): ApplySummary => {
    try {
      return applyInTransaction(response, now, lane);
    } finally {
      pendingStats.clear();
      pendingFacets.clear();
      pendingThreads.clear();
    }
  };

  return {
    applyPull,
    hasRow,
    buckets: db.prepare<[], BucketRow>('select * from sync_bucket order by bucket'),
  };
}

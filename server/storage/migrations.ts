import { eventSignature } from '../../shared/signature';
import type { Queryable, Storage } from './types';

/**
 * One forward-only schema step; statements run in order, in one transaction,
 * then `fill` (data that SQL alone cannot compute, e.g. signatures) in the same transaction.
 */
export type Migration = {
  version: number;
  name: string;
  statements: readonly string[];
  fill?: (tx: Queryable) => Promise<void>;
};

/** Rows per signature backfill statement. */
const FILL_ROWS = 5_000;

/** Signatures of events stored before migration 3, computed by the same shared function as new ones. */
async function fillSignatures(tx: Queryable): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await tx.query<{
      id: string;
      customer_id: string;
      kind: string;
      summary: string;
      feature: string | null;
      properties: Record<string, unknown>;
    }>(
      `select id, customer_id, kind, summary, feature, properties from events
        where id > $1 and kind in ('alert', 'error', 'error_spike', 'exception', 'incident') order by id limit ${FILL_ROWS}`,
      [after],
    );
    if (rows.length === 0) return;
    const signatures = rows.map((row) =>
      eventSignature({
        customerId: row.customer_id,
        kind: row.kind,
        summary: row.summary,
        feature: row.feature,
        properties: row.properties,
      }),
    );
    await tx.query(
      `update events e set signature = x.signature
         from rows from (json_array_elements_text($1::json), json_array_elements_text($2::json)) as x(id, signature)
        where e.id = x.id`,
      [JSON.stringify(rows.map((row) => row.id)), JSON.stringify(signatures)],
    );
    after = rows[rows.length - 1]?.id ?? after;
  }
}

const ISO = `to_char(value at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The server schema. Never edit a shipped step: append a new one. Wire rows are
 * built in SQL (`lk_*_row`) so bootstrap pages and change-log rows are the same
 * JSON, with times normalised to UTC milliseconds (lexical order = time order).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'customers, events, notes, releases, change log, sync clients, tokens',
    statements: [
      `create table server_meta (key text primary key, value jsonb not null)`,
      // Cursors carry this epoch: a cursor from another database (the desk switched backends) is answered with a reset.
      `insert into server_meta (key, value) values ('epoch', to_jsonb(replace(gen_random_uuid()::text, '-', '')))`,
      `create function lk_iso(value timestamptz) returns text language sql stable strict as $$ select ${ISO} $$`,

      `create table customers (
         id text primary key,
         name text not null,
         plan text not null,
         region text not null,
         environment text not null,
         version text not null,
         lifecycle text not null,
         health text not null,
         owner text,
         created_at timestamptz not null,
         updated_at timestamptz not null,
         ver bigint not null default 1
       )`,
      `create function lk_customer_row(c customers) returns jsonb language sql stable as $$
         select jsonb_build_object('id', c.id, 'name', c.name, 'plan', c.plan, 'region', c.region,
           'environment', c.environment, 'version', c.version, 'lifecycle', c.lifecycle, 'health', c.health,
           'owner', c.owner, 'createdAt', lk_iso(c.created_at), 'updatedAt', lk_iso(c.updated_at)) $$`,

      `create table customer_features (
         customer_id text not null references customers (id),
         feature text not null,
         entitled boolean not null,
         enabled boolean not null,
         health text not null,
         last_signal_at timestamptz,
         ver bigint not null default 1,
         primary key (customer_id, feature)
       )`,
      `create function lk_feature_row(f customer_features) returns jsonb language sql stable as $$
         select jsonb_build_object('customerId', f.customer_id, 'feature', f.feature, 'entitled', f.entitled,
           'enabled', f.enabled, 'health', f.health, 'lastSignalAt', lk_iso(f.last_signal_at)) $$`,

      `create table events (
         id text primary key,
         customer_id text not null references customers (id),
         occurred_at timestamptz not null,
         recorded_at timestamptz not null,
         kind text not null,
         severity text not null,
         source_system text not null,
         external_id text not null,
         actor text,
         summary text not null,
         body text,
         feature text,
         prev_value jsonb,
         new_value jsonb,
         links jsonb not null default '{}',
         properties jsonb not null default '{}',
         constraint events_by_source_system_external_id unique (source_system, external_id)
       )`,
      `create index events_by_customer_id_id on events (customer_id, id)`,
      `create function lk_event_row(e events) returns jsonb language sql stable as $$
         select jsonb_build_object('id', e.id, 'customerId', e.customer_id, 'occurredAt', lk_iso(e.occurred_at),
           'recordedAt', lk_iso(e.recorded_at), 'kind', e.kind, 'severity', e.severity,
           'source', jsonb_build_object('system', e.source_system, 'externalId', e.external_id),
           'actor', e.actor, 'summary', e.summary, 'body', e.body, 'feature', e.feature,
           'prevValue', e.prev_value, 'newValue', e.new_value, 'links', e.links, 'properties', e.properties) $$`,

      `create table notes (
         id text primary key,
         customer_id text not null references customers (id),
         event_id text references events (id),
         author text not null,
         body text not null,
         created_at timestamptz not null,
         updated_at timestamptz not null,
         ver bigint not null default 1
       )`,
      `create index notes_by_customer_id_id on notes (customer_id, id)`,
      `create function lk_note_row(n notes) returns jsonb language sql stable as $$
         select jsonb_build_object('id', n.id, 'customerId', n.customer_id, 'eventId', n.event_id, 'author', n.author,
           'body', n.body, 'createdAt', lk_iso(n.created_at), 'updatedAt', lk_iso(n.updated_at), 'ver', n.ver) $$`,

      `create table releases (
         version text primary key,
         released_at timestamptz not null,
         notes text,
         ver bigint not null default 1
       )`,
      `create function lk_release_row(r releases) returns jsonb language sql stable as $$
         select jsonb_build_object('version', r.version, 'releasedAt', lk_iso(r.released_at), 'notes', r.notes) $$`,

      `create table customer_state (
         customer_id text primary key references customers (id),
         state jsonb not null,
         updated_at timestamptz not null default now()
       )`,

      // bucket is 'global' or 'customer:<id>' (a customer may be called "global").
      `create table change_log (
         bucket text not null,
         xid xid8 not null default pg_current_xact_id(),
         id bigint generated always as identity,
         entity text not null,
         row_id text not null,
         op text not null check (op in ('put', 'del')),
         ver bigint not null,
         row jsonb,
         created_at timestamptz not null default now(),
         primary key (xid, id)
       )`,
      `create index change_log_by_bucket_xid_id on change_log (bucket, xid, id)`,
      // Cursors below this point have lost rows to trimming and get a reset.
      `create table change_log_horizon (
         singleton boolean primary key default true check (singleton),
         xid xid8 not null,
         id bigint not null
       )`,
      `insert into change_log_horizon (xid, id) values ('0', 0)`,

      `create table sync_client (
         client_id text primary key,
         user_id text not null,
         last_seq bigint not null default 0,
         updated_at timestamptz not null default now()
       )`,
      `create table sync_mutation_result (
         client_id text not null references sync_client (client_id),
         seq bigint not null,
         mutation_id text not null,
         status text not null check (status in ('applied', 'rejected')),
         code text,
         message text,
         primary key (client_id, seq)
       )`,

      `create table api_tokens (
         id text primary key,
         token_hash text not null unique,
         user_id text not null,
         role text not null check (role in ('admin', 'desk', 'ingest')),
         customer_scope text[],
         label text,
         created_at timestamptz not null default now(),
         check (role <> 'admin' or customer_scope is null)
       )`,
    ],
  },
  {
    version: 2,
    name: 'remediation plans, approvals, executions, audit; wizard library',
    statements: [
      // The wizard library syncs in the global bucket (entity 'wizard', id '<id>@<version>'); versions never change once published.
      `create table wizards (
         id text not null,
         version integer not null,
         title text not null,
         source text not null,
         hash text not null,
         published_at timestamptz not null,
         published_by text not null,
         ver bigint not null default 1,
         primary key (id, version)
       )`,
      `create function lk_wizard_row(w wizards) returns jsonb language sql stable as $$
         select jsonb_build_object('id', w.id, 'version', w.version, 'title', w.title, 'source', w.source, 'hash', w.hash,
           'publishedAt', lk_iso(w.published_at), 'publishedBy', w.published_by) $$`,

      // A dry run, kept until it expires so execute can refuse stale or foreign plans without server memory.
      `create table action_plans (
         id text primary key,
         customer_id text not null references customers (id),
         action text not null,
         action_version integer not null,
         risk text not null check (risk in ('low', 'medium', 'high')),
         params jsonb not null,
         plan jsonb not null,
         details jsonb,
         run_id text,
         wizard jsonb,
         created_by text not null,
         created_at timestamptz not null,
         expires_at timestamptz not null
       )`,
      `create table action_approvals (
         id text primary key,
         plan_id text not null references action_plans (id),
         status text not null check (status in ('pending', 'granted', 'denied')),
         requested_by text not null,
         reason text not null,
         decided_by text,
         note text not null default '',
         created_at timestamptz not null,
         decided_at timestamptz,
         -- One approval per plan: asking again answers the same one.
         constraint action_approvals_by_plan_id unique (plan_id),
         check (decided_by is null or decided_by <> requested_by)
       )`,
      `create index action_approvals_by_status_created_at on action_approvals (status, created_at)`,
      // One row per idempotency key and per plan: the unique keys are what makes a replay or a race execute once.
      `create table action_executions (
         id text primary key,
         idempotency_key text not null,
         plan_id text not null references action_plans (id),
         customer_id text not null references customers (id),
         user_id text not null,
         run_id text,
         status text not null check (status in ('running', 'succeeded', 'failed')),
         changes jsonb,
         result jsonb,
         error text,
         audit_id text,
         event_id text,
         created_at timestamptz not null,
         executed_at timestamptz,
         constraint action_executions_by_idempotency_key unique (idempotency_key),
         constraint action_executions_by_plan_id unique (plan_id)
       )`,
      `create index action_executions_by_user_id_created_at on action_executions (user_id, created_at)`,
      `create index action_executions_by_customer_id_created_at on action_executions (customer_id, created_at)`,
      `create index action_executions_by_run_id on action_executions (run_id) where run_id is not null`,
      `create table action_audit (
         id text primary key,
         at timestamptz not null,
         user_id text not null,
         customer_id text not null,
         action text not null,
         action_version integer not null,
         params jsonb not null,
         plan jsonb not null,
         approval jsonb,
         idempotency_key text,
         run_id text,
         execution_id text,
         event_id text,
         outcome text not null check (outcome in ('succeeded', 'failed', 'refused')),
         error text
       )`,
      `create index action_audit_by_customer_id_id on action_audit (customer_id, id)`,
    ],
  },
  {
    version: 3,
    name: 'event signatures',
    statements: [
      // shared/signature.ts: "the same failure" across customers; null for kinds that are not failures.
      `alter table events add column signature text`,
      // "Other customers with the same signature in a window" (issue 12): one range scan per signature.
      `create index events_by_signature_occurred_at on events (signature, occurred_at) include (customer_id)
         where signature is not null`,
      `create or replace function lk_event_row(e events) returns jsonb language sql stable as $$
         select jsonb_build_object('id', e.id, 'customerId', e.customer_id, 'occurredAt', lk_iso(e.occurred_at),
           'recordedAt', lk_iso(e.recorded_at), 'kind', e.kind, 'severity', e.severity,
           'source', jsonb_build_object('system', e.source_system, 'externalId', e.external_id),
           'actor', e.actor, 'summary', e.summary, 'body', e.body, 'feature', e.feature,
           'prevValue', e.prev_value, 'newValue', e.new_value, 'links', e.links, 'properties', e.properties,
           'signature', e.signature) $$`,
    ],
    fill: fillSignatures,
  },
  {
    version: 4,
    name: 'effective catalog',
    statements: [
      // The catalog desks see (issue 11): one row, synced in the global bucket (entity 'catalog', id 'effective').
      `create table catalogs (
         name text primary key,
         catalog jsonb not null,
         hash text not null,
         published_at timestamptz not null,
         ver bigint not null default 1
       )`,
      `create function lk_catalog_row(c catalogs) returns jsonb language sql stable as $$ select c.catalog $$`,
    ],
  },
  {
    version: 5,
    name: 'mutation results name the rows they produced and the conflict that refused them',
    statements: [
      // The desk drops an outbox row only once its cache holds these rows (issue 9): an acknowledgement alone
      // can arrive before the data does.
      `alter table sync_mutation_result add column produced jsonb, add column conflict jsonb`,
    ],
  },
  {
    version: 6,
    name: 'revisions: every write of a synced text field, who, when, what',
    statements: [
      // Issue 9: nothing is overwritten without a record. Applied writes carry the row version they made; a
      // refused concurrent edit (kind conflict) keeps its text with ver null. Synced in the row's bucket.
      `create table revisions (
         id text primary key,
         bucket text not null,
         entity text not null,
         row_id text not null,
         ver bigint,
         kind text not null check (kind in ('create', 'edit', 'merge', 'conflict')),
         actor text not null,
         client_id text,
         mutation_id text,
         at timestamptz not null,
         base_ver bigint,
         fields jsonb not null
       )`,
      `create index revisions_by_entity_row_id_ver on revisions (entity, row_id, ver)`,
      `create index revisions_by_bucket_id on revisions (bucket, id)`,
      `create function lk_revision_row(r revisions) returns jsonb language sql stable as $$
         select jsonb_build_object('id', r.id, 'entity', r.entity, 'rowId', r.row_id, 'ver', r.ver, 'kind', r.kind,
           'actor', r.actor, 'at', lk_iso(r.at), 'baseVer', r.base_ver, 'fields', r.fields) $$`,
      // Notes written before revisions existed get their current text as a first revision, logged for desks.
      `with written as (
         insert into revisions as r (id, bucket, entity, row_id, ver, kind, actor, at, base_ver, fields)
         select 'n' || n.id || '-' || n.ver, 'customer:' || n.customer_id, 'note', n.id, n.ver,
                case when n.ver = 1 then 'create' else 'edit' end, n.author, n.updated_at, null,
                jsonb_build_object('body', n.body)
           from notes n
         returning r.id, r.bucket, lk_revision_row(r) as row
       )
       insert into change_log (bucket, entity, row_id, op, ver, row) select bucket, 'revision', id, 'put', 1, row from written`,
    ],
  },
  {
    version: 7,
    name: 'people: names on records, revoked sign-ins',
    statements: [
      // Records keep the stable user id for ownership checks and the name people read, as it was when written.
      `alter table api_tokens add column display_name text`,
      `alter table action_approvals add column requested_by_name text`,
      `alter table action_approvals add column decided_by_name text`,
      `alter table action_audit add column user_name text`,
      `alter table notes add column author_id text`,
      // One signed-out access token (by its jti), kept until it would have expired anyway.
      `create table revoked_tokens (
         token_id text primary key,
         user_id text not null,
         expires_at timestamptz not null,
         revoked_at timestamptz not null
       )`,
      `create index revoked_tokens_by_expires_at on revoked_tokens (expires_at)`,
      // Every access token of a person issued at or before this time is refused (an admin revoked them).
      `create table revoked_people (
         user_id text primary key,
         revoked_before timestamptz not null,
         revoked_by text not null
       )`,
    ],
  },
  {
    version: 8,
    name: 'follow-ups: assignable, dated, closable work left by runs, problems and people',
    statements: [
      // Issue 12. Synced in the customer's bucket (entity 'follow_up'); every write is also a revision.
      `create table follow_ups (
         id text primary key,
         customer_id text not null references customers (id),
         title text not null,
         owner text,
         state text not null check (state in ('open', 'in_progress', 'done', 'wont_do')),
         due_date date,
         run_id text,
         problem_id text,
         release text,
         ticket_url text,
         source text not null check (source in ('hand', 'run', 'problem')),
         created_by text not null,
         created_by_id text,
         created_at timestamptz not null,
         updated_at timestamptz not null,
         ver bigint not null default 1
       )`,
      `create index follow_ups_by_customer_id_id on follow_ups (customer_id, id)`,
      `create index follow_ups_by_problem_id on follow_ups (problem_id) where problem_id is not null`,
      `create index follow_ups_by_owner_state on follow_ups (owner, state)`,
      `create function lk_follow_up_row(f follow_ups) returns jsonb language sql stable as $$
         select jsonb_build_object('id', f.id, 'customerId', f.customer_id, 'title', f.title, 'owner', f.owner,
           'state', f.state, 'dueDate', to_char(f.due_date, 'YYYY-MM-DD'), 'runId', f.run_id, 'problemId', f.problem_id,
           'release', f.release, 'ticketUrl', f.ticket_url, 'source', f.source, 'createdBy', f.created_by,
           'createdAt', lk_iso(f.created_at), 'updatedAt', lk_iso(f.updated_at), 'ver', f.ver) $$`,
    ],
  },
  {
    version: 9,
    name: 'ingest sources, customer aliases, unmatched payloads',
    statements: [
      // Issue 10: every producer (an Alertmanager, a GitHub hook, a CloudEvents sender) is a source with its own
      // credential: a URL token (only its SHA-256 is kept) or an HMAC secret (kept, because verifying needs it).
      `create table ingest_sources (
         id text primary key,
         kind text not null,
         name text not null,
         config jsonb not null,
         token_hash text unique,
         secret text,
         origin text not null check (origin in ('api', 'file')),
         created_at timestamptz not null,
         updated_at timestamptz not null
       )`,
      // A customer known by another name: per source (source_id = the source) or everywhere (source_id = '').
      `create table customer_aliases (
         source_id text not null,
         alias text not null,
         customer_id text not null references customers (id),
         created_at timestamptz not null,
         primary key (source_id, alias)
       )`,
      `create index customer_aliases_by_customer_id on customer_aliases (customer_id)`,
      // Payload items that matched no customer: kept with the reason until an alias maps them (remap).
      `create table ingest_unmatched (
         id text primary key,
         source_id text not null,
         idempotency_key text not null,
         customer_refs jsonb not null,
         reason text not null,
         event jsonb not null,
         received_at timestamptz not null,
         constraint ingest_unmatched_by_source_id_idempotency_key unique (source_id, idempotency_key)
       )`,
    ],
  },
  {
    version: 10,
    name: 'known problems: signature rules, lifecycle, fix version',
    statements: [
      // Issue 12. Fleet-wide, synced in the global bucket (entity 'problem'). Customers are linked by signature
      // (read from events at query time, so a rule edit applies to history too) and by hand (customers).
      `create table problems (
         id text primary key,
         title text not null,
         status text not null check (status in ('investigating', 'known_error', 'fixed', 'closed')),
         rules jsonb not null default '[]',
         customers jsonb not null default '[]',
         workaround_wizard text,
         fixed_version text,
         fixed_at timestamptz,
         owner text,
         created_by text not null,
         created_by_id text,
         created_at timestamptz not null,
         updated_at timestamptz not null,
         ver bigint not null default 1
       )`,
      `create function lk_problem_row(p problems) returns jsonb language sql stable as $$
         select jsonb_build_object('id', p.id, 'title', p.title, 'status', p.status, 'rules', p.rules,
           'customers', p.customers, 'workaroundWizard', p.workaround_wizard, 'fixedVersion', p.fixed_version,
           'fixedAt', lk_iso(p.fixed_at), 'owner', p.owner, 'createdBy', p.created_by,
           'createdAt', lk_iso(p.created_at), 'updatedAt', lk_iso(p.updated_at), 'ver', p.ver) $$`,
    ],
  },
  {
    version: 11,
    name: 'known problems: workaround in words, ticket and fix links',
    statements: [
      // Issue 12: edited on the desk (per field, last writer wins, reported as follow-ups are).
      `alter table problems add column workaround text, add column ticket_url text, add column fix_url text`,
      `create or replace function lk_problem_row(p problems) returns jsonb language sql stable as $$
         select jsonb_build_object('id', p.id, 'title', p.title, 'status', p.status, 'rules', p.rules,
           'customers', p.customers, 'workaroundWizard', p.workaround_wizard, 'fixedVersion', p.fixed_version,
           'fixedAt', lk_iso(p.fixed_at), 'owner', p.owner, 'workaround', p.workaround, 'ticketUrl', p.ticket_url,
           'fixUrl', p.fix_url, 'createdBy', p.created_by,
           'createdAt', lk_iso(p.created_at), 'updatedAt', lk_iso(p.updated_at), 'ver', p.ver) $$`,
    ],
  },
  {
    version: 12,
    name: 'ingest rate budgets shared by every server process',
    statements: [
      // Issue 10: a source's requests per minute is one budget however many server processes take its traffic
      // (a token bucket per source; in process memory each process granted the whole budget again).
      `create table ingest_rate_buckets (
         source_id text primary key,
         tokens double precision not null,
         at_ms bigint not null,
         last_allowed boolean not null
       )`,
    ],
  },
  {
    version: 13,
    name: 'ingest deliveries per source: counts, last delivery, last refusal',
    statements: [
      // Issue 10: the desk's Sources page says whether a producer reaches the server and why it was last refused.
      `create table ingest_source_deliveries (
         source_id text primary key,
         accepted bigint not null default 0,
         refused bigint not null default 0,
         last_delivery_at timestamptz,
         last_refusal_at timestamptz,
         last_refusal_reason text
       )`,
    ],
  },
  {
    version: 14,
    name: 'link templates',
    statements: [
      // Issue 14: where each source system's tickets, incidents and alerts are read (--links-config); one row,
      // synced in the global bucket (entity 'links', id 'effective').
      `create table link_templates (
         name text primary key,
         templates jsonb not null,
         ver bigint not null default 1
       )`,
      `create function lk_links_row(l link_templates) returns jsonb language sql stable as $$ select l.templates $$`,
    ],
  },
  {
    version: 15,
    name: 'action executions: attempts sent to the target',
    statements: [
      // Issue 11: a catalog action may retry its call with the same idempotency key; the execution says how many
      // times the call was sent (1 for every execution before this version).
      `alter table action_executions add column attempts integer not null default 1 check (attempts >= 1)`,
    ],
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((highest, migration) => Math.max(highest, migration.version), 0);

// Any constant works; it only has to be the same for every server process over one database.
const MIGRATION_LOCK = 4_700_001;

/**
 * Brings the database up to `SCHEMA_VERSION`, one transaction per step, under an
 * advisory lock so several processes starting together apply each step once.
 * Refuses a database written by newer code.
 */
export async function migrate(storage: Storage, migrations: readonly Migration[] = MIGRATIONS): Promise<{ applied: number[] }> {
  const latest = migrations.reduce((highest, migration) => Math.max(highest, migration.version), 0);
  const applied: number[] = [];
  const steps = [...migrations].sort((a, b) => a.version - b.version);
  // An empty list still checks that the database is not newer than the code.
  for (const migration of steps.length > 0 ? steps : [null]) {
    await storage.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.query(`create table if not exists server_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`);
      const [row] = await tx.query<{ version: number | null }>('select max(version) as version from server_migrations');
      const current = row?.version ?? 0;
      if (current > latest) {
        throw new Error(
          `The database schema is version ${current}, newer than this server understands (${latest}). Upgrade the server.`,
        );
      }
      if (migration === null || current >= migration.version) return;
      for (const statement of migration.statements) await tx.query(statement);
      if (migration.fill) await migration.fill(tx);
      await tx.query('insert into server_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    });
  }
  return { applied };
}

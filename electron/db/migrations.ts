import type Database from 'better-sqlite3';
import { ulid } from '../../shared/ulid';
import { eventSignature, SIGNATURE_FAMILIES } from '../../shared/signature';
import { CHANGE_KINDS } from '../../shared/domain-values';
import { changeKey } from '../../shared/diagnosis/changes';
import { storedChangeFacts, type StoredChangeColumns } from './stored-change';
import { customerSearchKey } from './search-key';

/** One forward-only schema step of a database. */
export type Migration = { version: number; name: string; up: (db: Database.Database) => void };

/**
 * The cache schema, oldest first. Versions are consecutive; each runs in its own
 * transaction together with the `user_version` bump. Never edit a shipped one:
 * add a new one. The cache is rebuildable from the server; the outbox is not and
 * lives in its own file (OUTBOX_MIGRATIONS).
 */
/** Bytes of pending terms the search index keeps in memory before writing a segment (cache migration 17). */
export const FTS_HASH_SIZE_BYTES = 32 * 1024 * 1024;

export const CACHE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'app metadata',
    up(db) {
      db.exec(`
        create table app_meta (
          key   text primary key,
          value text not null
        ) strict;
      `);
    },
  },
  {
    version: 2,
    name: 'synced customer history, sync state and full-text search',
    up(db) {
      db.exec(`
        create table customers (
          id          text primary key,
          name        text not null,
          plan        text not null,
          region      text not null,
          environment text not null,
          version     text not null,
          lifecycle   text not null,
          health      text not null,
          owner       text,
          created_at  text not null,
          updated_at  text not null,
          ver         integer not null
        ) strict;

        create table customer_features (
          customer_id    text not null,
          feature        text not null,
          entitled       integer not null,
          enabled        integer not null,
          health         text not null,
          last_signal_at text,
          ver            integer not null,
          primary key (customer_id, feature)
        ) strict, without rowid;

        -- rid is the FTS rowid; id is the server's ULID.
        create table events (
          rid                integer primary key,
          id                 text not null unique,
          customer_id        text not null,
          occurred_at        text not null,
          recorded_at        text not null,
          kind               text not null,
          severity           text not null,
          summary            text not null,
          feature            text,
          source_system      text not null,
          source_external_id text not null,
          actor              text,
          body               text,
          prev_value         text,
          new_value          text,
          links              text not null,
          properties         text not null,
          ver                integer not null
        ) strict;
        create index events_by_customer_occurred_at on events (customer_id, occurred_at, id);
        create index events_by_customer_kind_occurred_at on events (customer_id, kind, occurred_at);

        -- Alerts, incidents and tickets are threads; the newest event of a thread says whether it is open.
        create table threads (
          customer_id  text not null,
          kind         text not null,
          thread       text not null,
          status       text not null,
          event_id     text not null,
          severity     text not null,
          summary      text not null,
          feature      text,
          opened_at    text not null,
          last_at      text not null,
          primary key (customer_id, kind, thread)
        ) strict, without rowid;
        create index threads_by_customer_status on threads (customer_id, status);

        create table customer_stats (
          customer_id   text primary key,
          last_event_at text,
          event_count   integer not null default 0
        ) strict;

        create table notes (
          id          text primary key,
          customer_id text not null,
          event_id    text,
          author      text not null,
          body        text not null,
          created_at  text not null,
          updated_at  text not null,
          ver         integer not null
        ) strict;
        create index notes_by_customer on notes (customer_id, created_at);
        create index notes_by_event on notes (event_id);

        create table releases (
          version     text primary key,
          released_at text not null,
          notes       text,
          ver         integer not null
        ) strict;

        -- state: new (never pulled), bootstrapping (paging the server's current rows), live (catching up).
        create table sync_bucket (
          bucket     text primary key,
          cursor     text,
          page_token text,
          state      text not null default 'new',
          updated_at text not null
        ) strict;

        create virtual table events_fts using fts5(
          summary, body, kind, feature, actor,
          content = 'events', content_rowid = 'rid',
          tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
        );
        create virtual table customers_fts using fts5(
          id, name, owner, region, plan,
          content = 'customers', content_rowid = 'rowid',
          tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
        );
        -- Customers are few: keep their index in step with triggers. Events are indexed by the
        -- sync apply code instead, in bulk after a bootstrap and one by one afterwards.
        create trigger customers_fts_insert after insert on customers begin
          insert into customers_fts (rowid, id, name, owner, region, plan)
          values (new.rowid, new.id, new.name, new.owner, new.region, new.plan);
        end;
        create trigger customers_fts_delete after delete on customers begin
          insert into customers_fts (customers_fts, rowid, id, name, owner, region, plan)
          values ('delete', old.rowid, old.id, old.name, old.owner, old.region, old.plan);
        end;
        create trigger customers_fts_update after update on customers begin
          insert into customers_fts (customers_fts, rowid, id, name, owner, region, plan)
          values ('delete', old.rowid, old.id, old.name, old.owner, old.region, old.plan);
          insert into customers_fts (rowid, id, name, owner, region, plan)
          values (new.rowid, new.id, new.name, new.owner, new.region, new.plan);
        end;
      `);
    },
  },
  {
    version: 3,
    name: 'wizard library and wizard runs',
    up(db) {
      db.exec(`
        -- Wizard versions published on the server (global bucket, entity 'wizard', op id '<id>@<version>').
        create table wizard_library (
          id           text not null,
          version      integer not null,
          title        text not null,
          source       text not null,
          hash         text not null,
          published_at text not null,
          published_by text not null,
          ver          integer not null,
          primary key (id, version)
        ) strict;

        -- One row per wizard run: the engine's state and current need, rewritten after every event.
        -- pinned holds the definitions the run follows, so library updates never change a running run.
        create table wizard_runs (
          id                 text primary key,
          wizard_id          text not null,
          wizard_version     integer not null,
          wizard_hash        text not null,
          title              text not null,
          customer_id        text not null,
          customer_name      text not null,
          event_id           text,
          practice           integer not null,
          status             text not null,
          state              text not null,
          need               text,
          pinned             text not null,
          plan               text,
          execution          text,
          approval           text,
          confirmation       text,
          blocked_reason     text,
          record_mutation_id text,
          started_at         text not null,
          updated_at         text not null,
          finished_at        text
        ) strict;
        create index wizard_runs_by_customer_updated_at on wizard_runs (customer_id, updated_at);
        create index wizard_runs_by_status_updated_at on wizard_runs (status, updated_at);

        -- Every engine event a run received, in order: the run's audit trail on this desk.
        create table wizard_run_log (
          run_id text not null,
          seq    integer not null,
          at     text not null,
          event  text not null,
          primary key (run_id, seq)
        ) strict, without rowid;
      `);
    },
  },
  {
    version: 4,
    name: 'per-customer timeline facets',
    up(db) {
      // The filter menus list each customer's kinds, features and sources; reading them with
      // DISTINCT over a 100,000-event history took most of a second, so they are kept as rows.
      db.exec(`
        create table customer_facets (
          customer_id text not null,
          facet       text not null,
          value       text not null,
          primary key (customer_id, facet, value)
        ) strict, without rowid;
        insert into customer_facets (customer_id, facet, value)
          select distinct customer_id, 'kind', kind from events
          union select distinct customer_id, 'feature', feature from events where feature is not null
          union select distinct customer_id, 'source', source_system from events;
      `);
    },
  },
  {
    version: 5,
    name: 'event signatures',
    up(db) {
      // The server sends each event's signature (shared/signature.ts); rows cached before it did get the
      // same value from the same function, so grouping never depends on when a row was synced.
      db.exec(`
        alter table events add column signature text;
        -- "Other customers with the same signature in a window" (issue 12): one range scan per signature.
        create index events_by_signature_occurred_at on events (signature, occurred_at, customer_id)
          where signature is not null;
      `);
      const kinds = Object.keys(SIGNATURE_FAMILIES);
      const rows = db
        .prepare<
          string[],
          { rid: number; customer_id: string; kind: string; summary: string; feature: string | null; properties: string }
        >(
          `select rid, customer_id, kind, summary, feature, properties from events where kind in (${kinds.map(() => '?').join(', ')})`,
        )
        .iterate(...kinds);
      const update = db.prepare('update events set signature = ? where rid = ?');
      const pending: [string | null, number][] = [];
      for (const row of rows) {
        let properties: Record<string, unknown> = {};
        try {
          properties = JSON.parse(row.properties) as Record<string, unknown>;
        } catch {
          // A property blob that is not JSON cannot be read by anything; its event keeps an empty set.
        }
        pending.push([
          eventSignature({ customerId: row.customer_id, kind: row.kind, summary: row.summary, feature: row.feature, properties }),
          row.rid,
        ]);
      }
      for (const [signature, rid] of pending) update.run(signature, rid);
    },
  },
  {
    version: 6,
    name: 'effective catalog',
    up(db) {
      // The server's catalog (issue 11): names, parameter and result types, risks; never calls or secrets.
      db.exec(`
        create table catalog (
          name    text primary key,
          catalog text not null,
          hash    text not null,
          ver     integer not null
        ) strict;
      `);
    },
  },
  {
    version: 7,
    name: 'revisions of synced text fields',
    up(db) {
      // Issue 9: who wrote what, when — the history a note's details show, and the author of a concurrent edit.
      db.exec(`
        create table revisions (
          id          text primary key,
          customer_id text not null,
          entity      text not null,
          row_id      text not null,
          ver         integer,
          kind        text not null,
          actor       text not null,
          at          text not null,
          base_ver    integer,
          fields      text not null
        ) strict;
        create index revisions_by_entity_row_id_at on revisions (entity, row_id, at, id);
        create index revisions_by_customer on revisions (customer_id);
      `);
    },
  },
  {
    version: 8,
    name: 'follow-ups',
    up(db) {
      // Issue 12: the work runs, problems and people leave behind, synced per customer (entity follow_up).
      db.exec(`
        create table follow_ups (
          id          text primary key,
          customer_id text not null,
          title       text not null,
          owner       text,
          state       text not null,
          due_date    text,
          run_id      text,
          problem_id  text,
          release     text,
          ticket_url  text,
          source      text not null,
          created_by  text not null,
          created_at  text not null,
          updated_at  text not null,
          ver         integer not null
        ) strict;
        create index follow_ups_by_customer on follow_ups (customer_id, created_at);
        create index follow_ups_by_owner_state on follow_ups (owner, state);
        create index follow_ups_by_problem on follow_ups (problem_id) where problem_id is not null;
      `);
    },
  },
  {
    version: 9,
    name: 'fast search and timeline filters at a million events',
    up(db) {
      // Issue 13; the measurements behind each choice are in docs/performance.md.
      // Timeline: one covering index in time order that carries every filter column (a filtered page is read
      // off the index, fetching only the rows shown), one per filter column for rare values, and a count per
      // facet value so a filter's total is a sum, never a scan of the customer.
      db.exec(`
        drop index events_by_customer_occurred_at;
        drop index events_by_customer_kind_occurred_at;
        create index events_by_customer_kind on events (customer_id, kind, occurred_at, id);
        create index events_by_customer_time on events (customer_id, occurred_at, id, kind, severity, feature, source_system);
        create index events_by_customer_severity on events (customer_id, severity, occurred_at, id);
        create index events_by_customer_feature on events (customer_id, feature, occurred_at, id);
        create index events_by_customer_source on events (customer_id, source_system, occurred_at, id);
        alter table customer_facets add column n integer not null default 0;
        delete from customer_facets;
        insert into customer_facets (customer_id, facet, value, n)
          select customer_id, 'kind', kind, count(*) from events group by customer_id, kind
          union all select customer_id, 'feature', feature, count(*) from events where feature is not null group by customer_id, feature
          union all select customer_id, 'source', source_system, count(*) from events group by customer_id, source_system
          union all select customer_id, 'severity', severity, count(*) from events group by customer_id, severity;
      `);
      // Search: prefix indexes for every prefix length 2 to 12, so a word being typed reads one list instead of
      // merging the lists of every word it starts. Only customers whose bootstrap finished are indexed (the
      // others are indexed in bulk when theirs does, as before).
      db.exec(`
        drop table events_fts;
        create virtual table events_fts using fts5(
          summary, body, kind, feature, actor,
          content = 'events', content_rowid = 'rid',
          tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8 9 10 11 12'
        );
        insert into events_fts (rowid, summary, body, kind, feature, actor)
          select rid, summary, body, kind, feature, actor from events
          where customer_id in (select substr(bucket, 10) from sync_bucket where state = 'live' and bucket like 'customer:%')
          order by rid;
      `);
    },
  },
  {
    version: 10,
    name: 'known problems',
    up(db) {
      // Issue 12: fleet-wide problems (global bucket, entity problem); who they hit is read from events by signature.
      db.exec(`
        create table problems (
          id                text primary key,
          title             text not null,
          status            text not null,
          rules             text not null,
          customers         text not null,
          workaround_wizard text,
          fixed_version     text,
          fixed_at          text,
          owner             text,
          created_by        text not null,
          created_at        text not null,
          updated_at        text not null,
          ver               integer not null
        ) strict;
      `);
    },
  },
  {
    version: 11,
    name: 'known problems: workaround in words, ticket and fix links',
    up(db) {
      // Issue 12: problems are edited on the desk. Their revisions sync in the global bucket; they are kept
      // with customer_id '' (no customer), so clearing a customer never touches them.
      db.exec(`
        alter table problems add column workaround text;
        alter table problems add column ticket_url text;
        alter table problems add column fix_url text;
      `);
    },
  },
  {
    version: 12,
    name: 'link templates',
    up(db) {
      // Issue 14: where each source system's tickets, incidents and alerts are read (global bucket, entity
      // 'links', one row 'effective'); event details turn ids into links with them.
      db.exec(`
        create table link_templates (
          name      text primary key,
          templates text not null,
          ver       integer not null
        ) strict;
      `);
    },
  },
  {
    version: 13,
    name: 'who started a wizard run',
    up(db) {
      // Issue 14: a run names its starter ("Started by Dana Desk (you)"); runs from before stay without one.
      db.exec(`
        alter table wizard_runs add column started_by text;
        alter table wizard_runs add column started_by_name text;
      `);
    },
  },
  {
    version: 14,
    name: 'run history by finish time',
    up(db) {
      // Issue 15, item 14: the Wizards page lists finished runs of every desk newest first — the wizard_run events
      // by time (and by run id, to tell this desk's runs whose record has arrived), and this desk's own finished runs.
      db.exec(`
        create index events_by_occurred_at_wizard_run on events (occurred_at, source_external_id) where kind = 'wizard_run';
        create index events_by_source_external_id_wizard_run on events (source_external_id) where kind = 'wizard_run';
        create index wizard_runs_by_finished_at on wizard_runs (finished_at, id) where finished_at is not null;
      `);
    },
  },
  {
    version: 15,
    name: 'change keys for the fleet evidence',
    up(db) {
      // Issue 12 at a million events: "which changes did the affected customers share before their first signal"
      // groups every affected customer's changes of the day before by shared/diagnosis/changes.ts changeKey. Read
      // from the rows, that was a table lookup and four JSON parses per change of every affected customer (most of
      // who-else's time); kept per row on apply, it is one covering index range per customer. A change of the
      // changeKey rule needs a migration that recomputes the column, like this one.
      db.exec('alter table events add column change_key text');
      const rows = db
        .prepare<string[], StoredChangeColumns & { rid: number }>(
          `select rid, kind, summary, feature, prev_value, new_value, links, properties from events
           where kind in (${CHANGE_KINDS.map(() => '?').join(', ')})`,
        )
        .iterate(...CHANGE_KINDS);
      const pending: [string, number][] = [];
      for (const row of rows) pending.push([changeKey(storedChangeFacts(row)), row.rid]);
      const update = db.prepare('update events set change_key = ? where rid = ?');
      for (const [key, rid] of pending) update.run(key, rid);
      db.exec(`
        create index events_by_customer_occurred_at_change_key on events (customer_id, occurred_at, change_key, kind, id)
          where change_key is not null;
      `);
    },
  },
  {
    version: 16,
    name: "a customer's term in the search index",
    up(db) {
      // Issue 13: the timeline's text filter asks the index for one customer's matches ("<key>" AND the words) instead
      // of reading the whole fleet's (search-key.ts; the trade in docs/performance.md). The key is stored with the event
      // (external content: FTS5 reads indexed columns from the table) and indexed again for finished bootstraps only.
      db.function('lk_customer_search_key', { deterministic: true }, (customerId: unknown) =>
        customerSearchKey(String(customerId)),
      );
      db.exec(`
        alter table events add column search_key text;
        update events set search_key = lk_customer_search_key(customer_id);
        drop table events_fts;
        create virtual table events_fts using fts5(
          summary, body, kind, feature, actor, search_key,
          content = 'events', content_rowid = 'rid',
          tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8 9 10 11 12'
        );
        insert into events_fts (rowid, summary, body, kind, feature, actor, search_key)
          select rid, summary, body, kind, feature, actor, search_key from events
          where customer_id in (select substr(bucket, 10) from sync_bucket where state = 'live' and bucket like 'customer:%')
          order by rid;
      `);
    },
  },
  {
    version: 17,
    name: 'search index keeps more pending terms in memory',
    up(db) {
      // Issue 13: FTS5 writes its pending terms out as a new segment whenever they pass `hashsize` (1 MB by
      // default), and merges those segments again later. With prefix indexes 2–12 a bootstrap's bulk build of a
      // finished customer passed 1 MB every few hundred events: building 100,000 events' index took ~1.4 s of
      // CPU at 1 MB against ~1.1 s at 8–64 MB (one segment per pull response; same index, same size). The cost
      // is memory while a transaction indexes: at most this much. The setting lives in events_fts_config, so a
      // migration that recreates events_fts must set it again.
      db.exec(`insert into events_fts (events_fts, rank) values ('hashsize', ${FTS_HASH_SIZE_BYTES})`);
    },
  },
  {
    version: 18,
    name: 'filter indexes carry every filter column',
    up(db) {
      // Issue 13: a timeline filtered on several facets (severity and feature, or kinds + severities + features + source)
      // read each facet's entries and intersected them by row id, then looked the result up in the table: 8-11 ms on a
      // 100,000-event customer. Each facet index now carries the other filter columns, so the rarest facet's entries
      // alone answer the page and its count (timeline.ts); same names, so the planner's choice is unchanged otherwise.
      db.exec(`
        drop index events_by_customer_kind;
        create index events_by_customer_kind on events (customer_id, kind, occurred_at, id, severity, feature, source_system);
        drop index events_by_customer_severity;
        create index events_by_customer_severity on events (customer_id, severity, occurred_at, id, kind, feature, source_system);
        drop index events_by_customer_feature;
        create index events_by_customer_feature on events (customer_id, feature, occurred_at, id, kind, severity, source_system);
        drop index events_by_customer_source;
        create index events_by_customer_source on events (customer_id, source_system, occurred_at, id, kind, severity, feature);
      `);
    },
  },
  {
    version: 19,
    name: "a timeline page's rows from the time index",
    up(db) {
      // Issue 13: a timeline page read its 400 rows from the table, each on a page of its own (a customer's events are
      // spread over the file): ~2.7 ms of a heavy customer's ~3 ms page at a million events. The time index now also
      // holds the columns a timeline row shows (recorded_at, actor, summary), so the rows are read next to each other
      // in it (queries.ts timelinePage); event details still come from the table.
      db.exec(`
        drop index events_by_customer_time;
        create index events_by_customer_time on events
          (customer_id, occurred_at, id, kind, severity, feature, source_system, recorded_at, actor, summary);
      `);
    },
  },
  {
    version: 20,
    name: "a customer's search index built after its bootstrap",
    up(db) {
      // Issue 13: building a customer's search index was a third of the desk's work in a bootstrap. It is now built
      // after the bootstrap, in chunks in the customer's time order (search-index.ts), and the bucket says how far:
      // is_search_indexed = 1 when every event is indexed (apply then indexes each changed row), else the events at
      // or before (search_after_time, search_after_id) are, and none if those are null. Live buckets were indexed
      // in full by the code before.
      db.exec(`
        alter table sync_bucket add column is_search_indexed integer not null default 0;
        alter table sync_bucket add column search_after_time text;
        alter table sync_bucket add column search_after_id text;
        update sync_bucket set is_search_indexed = 1 where state = 'live' and bucket like 'customer:%';
      `);
    },
  },
];

/**
 * The outbox: local writes waiting for the server. Its own file, synchronous=FULL,
 * never deleted with the cache. `seq` is gapless per lane (client id); the
 * high-water mark lives with the lane (outbox_meta before version 3) so deleting
 * acknowledged rows never reuses a number.
 */
export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox',
    up(db) {
      db.exec(`
        create table outbox (
          seq         integer primary key,
          id          text not null unique,
          name        text not null,
          v           integer not null,
          args        text not null,
          client_time text not null,
          status      text not null default 'pending',
          attempts    integer not null default 0,
          last_error  text,
          result_code text
        ) strict;
        create table outbox_meta (
          key   text primary key,
          value text not null
        ) strict;
      `);
    },
  },
  {
    version: 2,
    name: 'applied rows wait for their data',
    up(db) {
      // status 'applied': the server applied it; the row stays until the cache holds the rows it produced
      // (a JSON array of ProducedRow), so a pending note never vanishes while its data is on its way (issue 9).
      db.exec('alter table outbox add column produced text');
    },
  },
  {
    version: 3,
    name: 'writes bound to their backend and user, in lanes',
    up(db) {
      // Issue 9: every write belongs to the backend and user it was written for (see outbox.ts). A lane is one
      // client id with its gapless sequence; existing rows keep theirs in a lane bound to "legacy" (the backend
      // the desk used before), which the desk hands to that backend's writes when it connects to it again.
      db.exec(`
        create table outbox_lane (
          lane       text primary key,
          binding    text not null,
          label      text not null,
          last_seq   integer not null default 0,
          created_at text not null
        ) strict;
        create index outbox_lane_by_binding on outbox_lane (binding);
        create table outbox_next (
          rid         integer primary key,
          lane        text not null,
          seq         integer not null,
          id          text not null unique,
          name        text not null,
          v           integer not null,
          args        text not null,
          client_time text not null,
          status      text not null default 'pending',
          attempts    integer not null default 0,
          last_error  text,
          result_code text,
          produced    text,
          conflict    text,
          unique (lane, seq)
        ) strict;
      `);
      const meta = (key: string) => db.prepare<[string], string>('select value from outbox_meta where key = ?').pluck().get(key);
      const rows = db.prepare<[], number>('select count(*) from outbox').pluck().get() ?? 0;
      const clientId = meta('client_id');
      if (clientId !== undefined || rows > 0) {
        const lane = clientId ?? `desk-${ulid()}`;
        db.prepare(
          "insert into outbox_lane (lane, binding, label, last_seq, created_at) values (?, 'legacy', 'the backend this desk used before', ?, ?)",
        ).run(lane, Number(meta('last_seq') ?? '0'), new Date().toISOString());
        db.prepare(
          `insert into outbox_next (lane, seq, id, name, v, args, client_time, status, attempts, last_error, result_code, produced)
           select ?, seq, id, name, v, args, client_time, status, attempts, last_error, result_code, produced from outbox order by seq`,
        ).run(lane);
      }
      db.exec(`
        drop table outbox;
        alter table outbox_next rename to outbox;
        delete from outbox_meta where key in ('client_id', 'last_seq');
      `);
    },
  },
];

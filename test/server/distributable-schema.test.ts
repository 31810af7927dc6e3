import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/database';

/**
 * Issue 13, "scale past one server": the path past one PostgreSQL is distribution by customer on a
 * distributed PostgreSQL (Citus). A distributed table's primary key and unique constraints must include
 * its distribution column, or the database cannot enforce them shard by shard. This test reads the real
 * migrated schema (information_schema) and holds every table to one of three lists:
 *
 * - **per customer, distributable**: it has the customer's key column and every primary key and unique
 *   constraint includes it (the default for any table with a `customer_id` column);
 * - **global** (`GLOBAL_TABLES`): fleet-wide or per-token data, small, replicated to every node
 *   (a Citus reference table) — with the reason;
 * - **per customer, not yet distributable** (`NOT_YET_DISTRIBUTABLE`): known debts, each with what keeps
 *   it keyed without the customer today. Each entry must still fail the rule: fixing a table makes the
 *   test ask for its entry to be removed, so the list only shrinks.
 *
 * A new table that fits none of them fails here: give it `customer_id` in its keys, or list it as global
 * with the reason.
 */

/** The column a per-customer table would be distributed by, where it is not `customer_id`. */
const DISTRIBUTION_COLUMN: Record<string, string> = {
  // The customers table's own key is the customer id.
  customers: 'id',
  // Synced rows carry their bucket: 'customer:<id>' or 'global' (shared/sync/wire.ts, customerBucket).
  change_log: 'bucket',
  revisions: 'bucket',
};

const GLOBAL_TABLES: Record<string, string> = {
  server_meta: 'server-wide settings (database epoch, demo seed marker); a handful of rows',
  server_migrations: 'the schema version of the whole database',
  releases: 'product releases are the same for every customer',
  catalogs: 'the one catalog of probes and actions every desk sees (global bucket)',
  wizards: 'published wizards are fleet-wide (global bucket)',
  problems: 'known problems span customers (global bucket; the customers they affect are a column)',
  link_templates: 'per source system, not per customer (global bucket)',
  api_tokens: 'a token may see many customers or all; looked up by hash on every request',
  revoked_tokens: 'per token, checked on every request',
  revoked_people: 'per person, checked on every request',
  sync_client: 'one row per desk client id, which syncs many customers at once',
  sync_mutation_result: 'per desk client id and sequence (the push idempotency record), across customers',
  change_log_horizon: 'one row: the trimming point of the whole change log',
  ingest_sources: 'an ingest source (producer) sends events for many customers',
  ingest_rate_buckets: 'per ingest source',
  ingest_source_deliveries: 'per ingest source',
  customer_aliases:
    'how an incoming name finds its customer: read before the customer is known, so it must be on every node (a reference table)',
  ingest_unmatched: 'payload items that matched no customer yet: by definition without one',
};

const NOT_YET_DISTRIBUTABLE: Record<string, string> = {
  events:
    'primary key (id): notes.event_id references events (id); unique (source_system, external_id) is the fleet-wide ingest dedupe (insertEvents: on conflict (source_system, external_id)) — per customer it would accept the same producer id for two customers',
  notes: 'primary key (id): note.update carries only noteId, so the server finds a note by id alone',
  follow_ups: 'primary key (id): createFollowUps inserts with on conflict (id); followUp.update names only the id',
  action_plans: 'primary key (id): action_approvals and action_executions reference action_plans (id)',
  action_approvals:
    'no customer_id column: an approval reaches its customer through its plan (unique (plan_id), on conflict (plan_id))',
  action_executions:
    'primary key (id), unique (idempotency_key) and unique (plan_id): an action runs once per key fleet-wide, checked by on conflict',
  action_audit: 'primary key (id) only: nothing needs the id alone, but no migration has rekeyed it yet',
  change_log:
    'primary key (xid, id): the feed is read in (xid, id) order across buckets by the poke tailer; rows are found by bucket through change_log_by_bucket_xid_id',
  revisions: 'primary key (id): revision ids are global (n<noteId>-<ver>)',
};

type Column = { table_name: string; column_name: string };
type KeyColumn = { table_name: string; constraint_name: string; constraint_type: string; column_name: string };
type Key = { name: string; type: string; columns: string[] };
type Schema = { columns: Map<string, Set<string>>; keys: Map<string, Key[]> };

/** Every table's columns, primary key, unique constraints and unique indexes, as the database has them. */
async function readSchema(storage: TestDatabase['storage']): Promise<Schema> {
  const columns = new Map<string, Set<string>>();
  const keys = new Map<string, Key[]>();
  const columnRows = await storage.query<Column>(
    `select c.table_name, c.column_name
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`,
  );
  for (const row of columnRows) {
    if (!columns.has(row.table_name)) columns.set(row.table_name, new Set());
    columns.get(row.table_name)!.add(row.column_name);
  }
  const keyRows = await storage.query<KeyColumn>(
    `select tc.table_name, tc.constraint_name, tc.constraint_type, k.column_name
       from information_schema.table_constraints tc
       join information_schema.key_column_usage k
         on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name and k.table_name = tc.table_name
      where tc.table_schema = 'public' and tc.constraint_type in ('PRIMARY KEY', 'UNIQUE')
      order by tc.table_name, tc.constraint_name, k.ordinal_position`,
  );
  const keysOf = (table: string) => {
    const list = keys.get(table) ?? [];
    keys.set(table, list);
    return list;
  };
  for (const row of keyRows) {
    const list = keysOf(row.table_name);
    let key = list.find((entry) => entry.name === row.constraint_name);
    if (!key) list.push((key = { name: row.constraint_name, type: row.constraint_type, columns: [] }));
    key.columns.push(row.column_name);
  }
  // Unique indexes made with `create unique index` are not constraints in information_schema: read them from the catalog.
  const indexRows = await storage.query<{ table_name: string; index_name: string; columns: string[] }>(
    `select t.relname as table_name, i.relname as index_name,
            array(select a.attname::text from unnest(x.indkey) with ordinality as k(attnum, n)
                    join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n) as columns
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       join pg_namespace s on s.oid = t.relnamespace
      where s.nspname = 'public' and x.indisunique and not x.indisprimary
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
  );
  for (const row of indexRows) keysOf(row.table_name).push({ name: row.index_name, type: 'UNIQUE INDEX', columns: row.columns });
  return { columns, keys };
}

/** Why a table cannot be distributed by customer as it stands, or null when it can. */
function problemOf(schema: Schema, table: string): string | null {
  const distribution = DISTRIBUTION_COLUMN[table] ?? 'customer_id';
  if (!schema.columns.get(table)?.has(distribution)) return `it has no ${distribution} column`;
  const tableKeys = schema.keys.get(table) ?? [];
  if (!tableKeys.some((key) => key.type === 'PRIMARY KEY')) return 'it has no primary key';
  const missing = tableKeys.filter((key) => !key.columns.includes(distribution));
  if (missing.length === 0) return null;
  return missing
    .map((key) => `${key.type.toLowerCase()} ${key.name} (${key.columns.join(', ')}) lacks ${distribution}`)
    .join('; ');
}

/** Every table the classification rejects, with what to do. */
function unclassifiedFailures(schema: Schema): string[] {
  const failures: string[] = [];
  for (const table of [...schema.columns.keys()].sort()) {
    if (table in GLOBAL_TABLES || table in NOT_YET_DISTRIBUTABLE) continue;
    const problem = problemOf(schema, table);
    if (problem) {
      failures.push(
        `${table}: ${problem} — put customer_id in its primary key and unique constraints (a new server migration), or, if it is not per customer, list it in GLOBAL_TABLES with the reason`,
      );
    }
  }
  return failures;
}

let database: TestDatabase;
let schema: Schema;

beforeAll(async () => {
  database = await createTestDatabase();
  schema = await readSchema(database.storage);
});
afterAll(async () => {
  await database?.dispose();
});

describe('the server schema can be distributed by customer id (#13)', () => {
  it('reads the migrated schema', () => {
    // Guards the test itself: a query that found nothing would pass everything below.
    expect(schema.columns.get('events')?.has('customer_id')).toBe(true);
    expect(schema.keys.get('customer_features')?.find((key) => key.type === 'PRIMARY KEY')?.columns).toEqual([
      'customer_id',
      'feature',
    ]);
  });

  it('keys every per-customer table by its customer, or lists it as global with the reason', () => {
    expect(unclassifiedFailures(schema)).toEqual([]);
  });

  it('lists as global only tables that exist and hold no customer column', () => {
    const wrong = Object.keys(GLOBAL_TABLES).filter(
      (table) => !schema.columns.has(table) || schema.columns.get(table)!.has('customer_id'),
    );
    // customer_aliases maps a name to a customer: its customer_id is the answer of the lookup, not its key.
    expect(wrong).toEqual(['customer_aliases']);
  });

  it('keeps the not-yet-distributable list honest: each entry still fails, and names a table that exists', () => {
    const stale = Object.keys(NOT_YET_DISTRIBUTABLE).filter(
      (table) => !schema.columns.has(table) || problemOf(schema, table) === null,
    );
    expect(stale, 'these tables are distributable now: remove them from NOT_YET_DISTRIBUTABLE').toEqual([]);
  });

  it('fails when a per-customer table keyed without its customer is added, by a constraint or a unique index', async () => {
    const probes = ['lk_probe_by_id', 'lk_probe_by_code', 'lk_probe_keyed'];
    await database.storage.query('create table lk_probe_by_id (id text primary key, customer_id text not null)');
    await database.storage.query(
      'create table lk_probe_by_code (customer_id text not null, id text not null, code text, primary key (customer_id, id))',
    );
    await database.storage.query('create unique index lk_probe_by_code_code on lk_probe_by_code (code)');
    await database.storage.query(
      'create table lk_probe_keyed (customer_id text not null, id text not null, code text, primary key (customer_id, id), unique (customer_id, code))',
    );
    try {
      const failures = unclassifiedFailures(await readSchema(database.storage));
      expect(failures.map((failure) => failure.split(':')[0])).toEqual(['lk_probe_by_code', 'lk_probe_by_id']);
      expect(failures[0]).toMatch(/unique index lk_probe_by_code_code \(code\) lacks customer_id/);
      expect(failures[1]).toMatch(/primary key lk_probe_by_id_pkey \(id\) lacks customer_id/);
    } finally {
      for (const table of probes) await database.storage.query(`drop table ${table}`);
    }
  });
});

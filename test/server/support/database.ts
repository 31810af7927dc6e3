import crypto from 'node:crypto';
import pg from 'pg';
import { openStorage } from '../../../server/storage/open';
import type { Storage } from '../../../server/storage/types';

const ADMIN_URL = process.env.LIGHTKEEPER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = {
  storage: Storage;
  /** The connection string of the test's own PostgreSQL database; null on PGlite. */
  databaseUrl: string | null;
  /** Opens a second, independent storage over the same database (PostgreSQL only). */
  openAnother(): Promise<Storage>;
  dispose(): Promise<void>;
};

async function isPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A fresh, migrated database for one test file: its own PostgreSQL database at
 * 127.0.0.1:5432 when that is reachable (dropped afterwards), embedded PGlite in
 * memory otherwise. In CI an unreachable PostgreSQL is an error, never a silent
 * fallback. LIGHTKEEPER_TEST_STORAGE=pglite|postgres forces one.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const forced = process.env.LIGHTKEEPER_TEST_STORAGE;
  const usePostgres = forced === 'postgres' || (forced !== 'pglite' && (await isPostgresReachable()));
  if (!usePostgres) {
    if (process.env.CI) {
      throw new Error(
        `CI is set but PostgreSQL at ${ADMIN_URL} is unreachable: start it (pg_ctlcluster … main start); the server tests must run against it.`,
      );
    }
    const storage = await openStorage({});
    return {
      storage,
      databaseUrl: null,
      openAnother: () => Promise.reject(new Error('PGlite has a single session; a second connection needs PostgreSQL')),
      dispose: () => storage.close(),
    };
  }

  const database = `lk_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = withDatabase(ADMIN_URL, database);
  const extra: Storage[] = [];
  const storage = await openStorage({ databaseUrl });
  return {
    storage,
    databaseUrl,
    async openAnother() {
      const another = await openStorage({ databaseUrl });
      extra.push(another);
      return another;
    },
    async dispose() {
      await Promise.all([storage, ...extra].map((item) => item.close()));
      const cleanup = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${database} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/**
 * The row count of every table of the server's schema, in one round trip:
 * equal before and after a request that was refused means it stored nothing
 * (new tables are covered without a list to keep).
 */
export async function storedRows(storage: Storage): Promise<Record<string, number>> {
  const tables = await storage.query<{ name: string }>(
    "select tablename as name from pg_tables where schemaname = current_schema() and tablename not like 'server_migrations%' order by 1",
  );
  const [row] = await storage.query<Record<string, number>>(
    `select ${tables.map(({ name }) => `(select count(*)::integer from "${name}") as "${name}"`).join(', ')}`,
  );
  return row ?? {};
}

import crypto from 'node:crypto';
import pg from 'pg';
import { openStorage } from '../server/storage/open';
import type { Storage } from '../server/storage/types';

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Formats milliseconds with sensible precision. */
export function ms(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

const ADMIN_URL = process.env.LIGHTKEEPER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway PostgreSQL database URL when the machine has one (null otherwise), and its cleanup. */
export async function benchDatabaseUrl(): Promise<{ url: string | null; dispose(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return { url: null, dispose: async () => {} };
  }
  const name = `lk_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** A throwaway PostgreSQL database when the machine has one, else in-memory PGlite. */
export async function benchStorage(): Promise<{ storage: Storage; kind: string; dispose(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    const storage = await openStorage({});
    return { storage, kind: 'PGlite (no PostgreSQL reachable)', dispose: () => storage.close() };
  }
  const name = `lk_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const storage = await openStorage({ databaseUrl: url.toString() });
  return {
    storage,
    kind: 'PostgreSQL',
    async dispose() {
      await storage.close();
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

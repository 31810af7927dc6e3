import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../server/ids';
import { insertEvents } from '../../server/repo/writes';
import { customerBucket } from '../../shared/sync/wire';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, startTestServer, token, type TestServer } from './support/server';

/**
 * Issue 9, item 2: what a write transaction held open elsewhere does to the
 * change feed. Another database of the cluster must delay nothing; one in the
 * same database only its own rows. Needs PostgreSQL (PGlite has one session,
 * so nothing can be held open beside a pull).
 */
let database: TestDatabase;
let server: TestServer;
let adminToken: string;
const newId = createIdGenerator();
const ADMIN_URL = process.env.LIGHTKEEPER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { delayNoticeMs: 0 });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function commitEvent(customerId: string, summary: string): Promise<string> {
  const { ids } = await database.storage.transaction((db) =>
    insertEvents(db, [event(customerId, { summary })], { now: Date.now(), newId }),
  );
  return ids[0] ?? '';
}

/** A session on another database of the same cluster, inside a write transaction (it has an xid) until released. */
async function holdTransactionInAnotherDatabase(): Promise<{ release(): Promise<void> }> {
  const name = `lk_other_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const other = new pg.Client({ connectionString: url.toString() });
  await other.connect();
  await other.query('begin');
  await other.query('create table report_scratch (n integer)');
  await other.query('insert into report_scratch values (1)');
  return {
    async release() {
      await other.query('rollback').catch(() => undefined);
      await other.end();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

describe('change feed isolation', () => {
  it('a write transaction held open in another database delays nothing', async (context) => {
    if (database.databaseUrl === null) context.skip();
    const desk = new MiniDesk(server.url, adminToken);
    await desk.sync();
    const held = await holdTransactionInAnotherDatabase();
    try {
      const id = await commitEvent('acme', 'committed while another database has an open transaction');
      // One sync, not "until": nothing this database wrote is held back by the other database.
      await desk.sync();
      expect(desk.row(customerBucket('acme'), 'event', id)).toBeDefined();
      expect(desk.responses.at(-1)?.delayedSince ?? null).toBeNull();
    } finally {
      await held.release();
    }
  });

  it('a long transaction in the same database holds back only its own rows, which arrive when it commits', async (context) => {
    if (database.databaseUrl === null) context.skip();
    const desk = new MiniDesk(server.url, adminToken);
    await desk.sync();
    let release = () => {};
    const mayCommit = new Promise<void>((resolve) => (release = resolve));
    let inserted = (_id: string) => {};
    const heldRow = new Promise<string>((resolve) => (inserted = resolve));
    const long = database.storage.transaction(async (db) => {
      const { ids } = await insertEvents(db, [event('acme', { summary: 'held by a long transaction' })], {
        now: Date.now(),
        newId,
      });
      inserted(ids[0] ?? '');
      await mayCommit;
    });
    const heldId = await heldRow;
    try {
      const acmeId = await commitEvent('acme', 'same customer, committed meanwhile');
      const globexId = await commitEvent('globex', 'other customer, committed meanwhile');
      await desk.sync();
      expect(desk.row(customerBucket('acme'), 'event', acmeId)).toBeDefined();
      expect(desk.row(customerBucket('globex'), 'event', globexId)).toBeDefined();
      expect(desk.row(customerBucket('acme'), 'event', heldId)).toBeUndefined();
      // The server knows it may be holding rows back (delayNoticeMs is 0 here) and says since when.
      const delayedSince = desk.responses.at(-1)?.delayedSince ?? null;
      expect(delayedSince).not.toBeNull();
      expect(Date.parse(delayedSince ?? '')).toBeLessThanOrEqual(Date.now());
    } finally {
      release();
    }
    await long;
    // It committed with a smaller transaction id than rows already delivered: it must still arrive.
    await desk.sync();
    expect(desk.row(customerBucket('acme'), 'event', heldId)).toBeDefined();
    expect(desk.responses.at(-1)?.delayedSince ?? null).toBeNull();
  });

  it('a paged catch-up across a late commit delivers every row exactly once', async (context) => {
    if (database.databaseUrl === null) context.skip();
    const desk = new MiniDesk(server.url, adminToken, undefined, 3);
    await desk.sync();
    let release = () => {};
    const mayCommit = new Promise<void>((resolve) => (release = resolve));
    let inserted = () => {};
    const started = new Promise<void>((resolve) => (inserted = resolve));
    const long = database.storage.transaction(async (db) => {
      await insertEvents(
        db,
        Array.from({ length: 7 }, (_, index) => event(index % 2 ? 'acme' : 'globex', { summary: `late ${index}` })),
        { now: Date.now(), newId },
      );
      inserted();
      await mayCommit;
    });
    await started;
    const early: string[] = [];
    try {
      for (let index = 0; index < 8; index += 1) early.push(await commitEvent(index % 2 ? 'acme' : 'globex', `early ${index}`));
      await desk.sync();
      for (const id of early)
        expect(
          desk.entityIds(customerBucket('acme'), 'event').concat(desk.entityIds(customerBucket('globex'), 'event')),
        ).toContain(id);
    } finally {
      release();
    }
    await long;
    await desk.sync();
    const all = await database.storage.query<{ id: string; customer_id: string }>('select id, customer_id from events');
    const delivered = [...desk.entityIds(customerBucket('acme'), 'event'), ...desk.entityIds(customerBucket('globex'), 'event')];
    expect(delivered.sort()).toEqual(all.map((row) => row.id).sort());
    // Ops per event put, counted over every response: each event exactly once, never again.
    const puts = desk.responses.flatMap((response) =>
      response.buckets.flatMap((entry) =>
        'ops' in entry ? entry.ops.filter((op) => op.entity === 'event').map((op) => op.id) : [],
      ),
    );
    expect(new Set(puts).size).toBe(puts.length);
  });
});

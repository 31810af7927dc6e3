import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerFeatureSchema, CustomerSchema, ReleaseSchema, TimelineEventSchema } from '../../shared/domain';
import { GLOBAL_BUCKET, customerBucket } from '../../shared/sync/wire';
import { trimChangeLog } from '../../server/repo/change-log';
import { insertEvents, upsertFeatures, upsertReleases } from '../../server/repo/writes';
import { encodeCursor } from '../../server/sync/cursor';
import { createIdGenerator } from '../../server/ids';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, pull, pullRequest, request, startTestServer, token, type TestServer } from './support/server';

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
const newId = createIdGenerator();

async function ingest(customerId: string, count: number): Promise<string[]> {
  const result = await database.storage.transaction((db) =>
    insertEvents(
      db,
      Array.from({ length: count }, () => event(customerId)),
      { now: Date.now(), newId },
    ),
  );
  return result.ids;
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex', 'initech']);
  await database.storage.transaction(async (db) => {
    await upsertFeatures(db, [
      { customerId: 'acme', feature: 'sso', entitled: true, enabled: true, health: 'ok', lastSignalAt: null },
      {
        customerId: 'acme',
        feature: 'exports',
        entitled: true,
        enabled: false,
        health: 'degraded',
        lastSignalAt: '2026-02-01T00:00:00Z',
      },
      { customerId: 'acme', feature: 'billing_sync', entitled: false, enabled: false, health: 'unknown', lastSignalAt: null },
    ]);
    await upsertReleases(db, [{ version: '5.2.0', releasedAt: '2026-01-15T00:00:00Z', notes: 'wave 1' }]);
  });
  await ingest('acme', 25);
  await ingest('globex', 3);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('POST /v1/sync/pull', () => {
  it('discovers the global bucket and every customer in scope through addedBuckets', async () => {
    const response = await pull(server.url, adminToken, pullRequest('discover-01', []));
    expect(response.addedBuckets).toEqual([
      GLOBAL_BUCKET,
      customerBucket('acme'),
      customerBucket('globex'),
      customerBucket('initech'),
    ]);
    expect(response.buckets).toEqual([]);
    expect(response.acked).toEqual({ lastSeq: 0, results: [] });
  });

  it('bootstraps a bucket in resumable pages and ends with a cursor that then catches up', async () => {
    const bucket = customerBucket('acme');
    const pages: number[] = [];
    let state: { cursor: string | null; pageToken: string | null } = { cursor: null, pageToken: null };
    const ids = new Set<string>();
    for (let round = 0; round < 50; round += 1) {
      const response = await pull(server.url, adminToken, pullRequest('bootstrap-1', [{ bucket, ...state }], 7));
      const page = response.buckets[0];
      if (!page || 'reset' in page) throw new Error('expected a page');
      expect(page.ops.length).toBeLessThanOrEqual(7);
      pages.push(page.ops.length);
      for (const op of page.ops) {
        ids.add(`${op.entity}:${op.id}`);
        if (op.entity === 'customer') CustomerSchema.parse(op.row);
        if (op.entity === 'feature') CustomerFeatureSchema.parse(op.row);
        if (op.entity === 'event') TimelineEventSchema.parse(op.row);
      }
      if (page.bootstrap?.done) {
        state = { cursor: page.cursor, pageToken: null };
        break;
      }
      expect(page.bootstrap?.pageToken).toEqual(expect.any(String));
      state = { cursor: null, pageToken: page.bootstrap?.pageToken ?? null };
    }
    // 1 customer + 3 features + 25 events, in more than one page, none twice.
    expect(ids.size).toBe(29);
    expect(pages.reduce((sum, count) => sum + count, 0)).toBe(29);
    expect(pages.length).toBeGreaterThan(4);
    expect(state.cursor).not.toBeNull();

    const added = await ingest('acme', 2);
    const desk = new MiniDesk(server.url, adminToken);
    desk.buckets.set(bucket, { cursor: state.cursor, pageToken: null });
    await desk.syncUntil((current) => added.every((id) => current.row(bucket, 'event', id) !== undefined));
    // Catch-up carries only what changed after the bootstrap, not the whole bucket again.
    expect(desk.entityIds(bucket, 'event').sort()).toEqual([...added].sort());
    // A row from the log is the same JSON a bootstrap page builds from the table.
    const fresh = new MiniDesk(server.url, adminToken);
    await fresh.sync();
    for (const id of added) {
      expect(TimelineEventSchema.parse(desk.row(bucket, 'event', id))).toEqual(
        TimelineEventSchema.parse(fresh.row(bucket, 'event', id)),
      );
      expect(desk.row(bucket, 'event', id)).toEqual(fresh.row(bucket, 'event', id));
    }
  });

  it('serves the global bucket with releases and validates every row', async () => {
    const desk = new MiniDesk(server.url, adminToken);
    await desk.sync();
    expect(ReleaseSchema.parse(desk.row(GLOBAL_BUCKET, 'release', '5.2.0'))).toMatchObject({ version: '5.2.0', notes: 'wave 1' });
    expect(desk.entityIds(customerBucket('acme'), 'feature').sort()).toEqual(['acme:billing_sync', 'acme:exports', 'acme:sso']);
    expect(CustomerSchema.parse(desk.row(customerBucket('globex'), 'customer', 'globex')).id).toBe('globex');
  });

  it('caps the ops of one response at limit across all buckets', async () => {
    const buckets = ['acme', 'globex', 'initech'].map((id) => ({ bucket: customerBucket(id), cursor: null }));
    const response = await pull(server.url, adminToken, pullRequest('limit-0001', buckets, 10));
    const total = response.buckets.reduce((sum, entry) => sum + ('ops' in entry ? entry.ops.length : 0), 0);
    expect(total).toBe(10);
    // Every requested bucket is answered, even the ones the budget did not reach.
    expect(response.buckets.map((entry) => entry.bucket)).toEqual(buckets.map((entry) => entry.bucket));
  });

  it('answers a cursor older than the retained change log with reset: cursor_expired', async () => {
    const bucket = customerBucket('globex');
    const desk = new MiniDesk(server.url, adminToken);
    await desk.sync();
    const oldCursor = desk.buckets.get(bucket)?.cursor ?? null;
    expect(oldCursor).not.toBeNull();

    const [added] = await ingest('globex', 1);
    // Once another client sees the new row, the fence is past it and trimming removes it.
    const witness = new MiniDesk(server.url, adminToken);
    await witness.syncUntil((current) => current.row(bucket, 'event', added ?? '') !== undefined);
    const trimmed = await database.storage.transaction((db) => trimChangeLog(db));
    expect(trimmed.deleted).toBeGreaterThan(0);

    const response = await pull(server.url, adminToken, pullRequest('expired-01', [{ bucket, cursor: oldCursor }]));
    expect(response.buckets).toEqual([{ bucket, reset: true, reason: 'cursor_expired' }]);

    // The reset bucket bootstraps again and gets everything, including the trimmed row.
    desk.buckets.set(bucket, { cursor: null, pageToken: null });
    await desk.sync();
    expect(desk.row(bucket, 'event', added ?? '')).toBeDefined();
  });

  it('trims by age: rows older than the cut go, cursors after it stay valid', async () => {
    const bucket = customerBucket('initech');
    const [older] = await ingest('initech', 1);
    const desk = new MiniDesk(server.url, adminToken);
    await desk.syncUntil((current) => current.row(bucket, 'event', older ?? '') !== undefined);
    const cursorAfterOlder = desk.buckets.get(bucket)?.cursor ?? null;
    // created_at is the transaction's start time: wait until the clock has visibly moved on.
    const [cut] = await database.storage.query<{ now: string }>(
      "select (clock_timestamp() + interval '1 millisecond')::text as now",
    );
    const cutAt = new Date(Date.parse(cut?.now.replace(' ', 'T').replace(/\+00$/, 'Z') ?? ''));
    while (Date.now() <= cutAt.getTime() + 5) await new Promise((resolve) => setTimeout(resolve, 5));
    const [newer] = await ingest('initech', 1);
    const witness = new MiniDesk(server.url, adminToken);
    await witness.syncUntil((current) => current.row(bucket, 'event', newer ?? '') !== undefined);

    const trimmed = await database.storage.transaction((db) => trimChangeLog(db, { olderThan: cutAt }));
    expect(trimmed.deleted).toBeGreaterThan(0);
    const [kept] = await database.storage.query<{ count: number }>(
      'select count(*)::integer as count from change_log where row_id = $1',
      [newer],
    );
    expect(kept?.count).toBe(1);
    const [gone] = await database.storage.query<{ count: number }>(
      'select count(*)::integer as count from change_log where row_id = $1',
      [older],
    );
    expect(gone?.count).toBe(0);

    const response = await pull(server.url, adminToken, pullRequest('age-trim-01', [{ bucket, cursor: cursorAfterOlder }]));
    const page = response.buckets[0];
    if (!page || 'reset' in page) throw new Error(`expected a page, got ${JSON.stringify(page)}`);
    expect(page.ops.map((op) => op.id)).toContain(newer);
  });

  it('answers a cursor from another database with reset: rekeyed', async () => {
    const bucket = customerBucket('acme');
    const foreign = encodeCursor('0123456789abcdef0123456789abcdef', { xmax: 6n, gaps: [{ xid: 5n, after: 1 }] });
    const response = await pull(server.url, adminToken, pullRequest('rekeyed-01', [{ bucket, cursor: foreign }]));
    expect(response.buckets).toEqual([{ bucket, reset: true, reason: 'rekeyed' }]);
  });

  it('refuses a cursor it did not issue with 400 and refuses the same bucket twice', async () => {
    const bucket = customerBucket('acme');
    const bad = await request(
      server.url,
      'POST',
      '/v1/sync/pull',
      adminToken,
      pullRequest('badcursor-1', [{ bucket, cursor: 'not-a-cursor' }]),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_cursor' });
    const twice = await request(
      server.url,
      'POST',
      '/v1/sync/pull',
      adminToken,
      pullRequest('twice-0001', [
        { bucket, cursor: null },
        { bucket, cursor: null },
      ]),
    );
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ error: 'duplicate_bucket' });
  });

  it('never pulls a customer outside the token scope: it is listed as removed, with no data', async () => {
    const scoped = await token(database.storage, { userId: 'bob', role: 'desk', scope: ['acme'] });
    const response = await pull(
      server.url,
      scoped,
      pullRequest('scoped-0001', [
        { bucket: customerBucket('globex'), cursor: null },
        { bucket: customerBucket('acme'), cursor: null },
      ]),
    );
    expect(response.removedBuckets).toEqual([customerBucket('globex')]);
    expect(response.buckets.map((entry) => entry.bucket)).toEqual([customerBucket('acme')]);
    expect(response.addedBuckets).toEqual([GLOBAL_BUCKET]);
    const desk = new MiniDesk(server.url, scoped);
    await desk.sync();
    expect([...desk.buckets.keys()].sort()).toEqual([customerBucket('acme'), GLOBAL_BUCKET]);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { customerBucket } from '../../shared/sync/wire';
import { createIdGenerator } from '../../server/ids';
import { insertEvents } from '../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, startTestServer, token, type TestServer } from './support/server';

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
const newId = createIdGenerator();

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

it('delivers both events when the transaction that started first commits last', async (context) => {
  // PGlite has one session, so its transactions cannot interleave; this needs two PostgreSQL connections.
  if (database.databaseUrl === null) context.skip();
  const bucket = customerBucket('acme');
  const desk = new MiniDesk(server.url, adminToken);
  await desk.sync();

  let releaseFirst = () => {};
  const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
  let firstInserted = (_id: string) => {};
  const firstRow = new Promise<string>((resolve) => (firstInserted = resolve));
  const first = database.storage.transaction(async (db) => {
    const { ids } = await insertEvents(db, [event('acme', { summary: 'first to start, last to commit' })], {
      now: Date.now(),
      newId,
    });
    firstInserted(ids[0] ?? '');
    await firstMayCommit;
    return ids[0] ?? '';
  });
  const firstId = await firstRow;
  let secondId = '';
  let secondLogId: number;
  try {
    secondId = await database.storage.transaction(async (db) => {
      const { ids } = await insertEvents(db, [event('acme', { summary: 'second to start, first to commit' })], {
        now: Date.now(),
        newId,
      });
      return ids[0] ?? '';
    });
    const [secondLog] = await database.storage.query<{ id: number }>(
      "select id from change_log where entity = 'event' and row_id = $1",
      [secondId],
    );
    secondLogId = secondLog?.id ?? 0;

    // The committed row is delivered at once (the open transaction holds back only its own row), the open one not yet.
    await desk.sync();
    expect(desk.row(bucket, 'event', secondId)).toBeDefined();
    expect(desk.row(bucket, 'event', firstId)).toBeUndefined();
  } finally {
    // Also on failure: an open transaction would hold the test database until the hook timeout.
    releaseFirst();
  }
  await first;
  // The scenario is real: the row committed first has the larger log id, so a plain
  // "id > last seen" cursor would have handed it out above and skipped the other forever;
  // the desk's cursor already moved past the second row, and the first must still arrive.
  const [firstLog] = await database.storage.query<{ id: number }>(
    "select id from change_log where entity = 'event' and row_id = $1",
    [firstId],
  );
  expect(firstLog?.id).toBeLessThan(secondLogId);

  await desk.syncUntil(
    (current) => current.row(bucket, 'event', firstId) !== undefined && current.row(bucket, 'event', secondId) !== undefined,
  );
  expect(desk.entityIds(bucket, 'event').sort()).toEqual([firstId, secondId].sort());
});

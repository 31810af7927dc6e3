import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBucket, type PullRequest } from '../../shared/sync/wire';
import { createIdGenerator } from '../../server/ids';
import { insertEvents } from '../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, pull, pullRequest, startTestServer, token, type TestServer } from './support/server';

/*
 * Catch-up of many buckets reads each bucket's log only partly at first and
 * reads further only where the page needs it (server/sync/pull.ts, mergeLogs).
 * Whatever the spread of pending rows, every page must be exactly the next
 * rows of the one (xid, id) order of all requested buckets, and full while
 * more remain.
 */

const CUSTOMERS = Array.from({ length: 30 }, (_, index) => `cust-${String(index).padStart(2, '0')}`);
const LIMIT = 100;
const newId = createIdGenerator();

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, CUSTOMERS);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

/** Waits until no transaction on the cluster (other test files) holds the fence at or below a logged row. */
async function waitForFence(): Promise<void> {
  for (;;) {
    const [row] = await database.storage.query<{ isPast: boolean }>(
      'select pg_snapshot_xmin(pg_current_snapshot()) > coalesce((select max(xid) from change_log), \'0\') as "isPast"',
    );
    if (row?.isPast) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Bootstraps every customer bucket and answers their cursors, past every row logged so far. */
async function caughtUpCursors(): Promise<Map<string, string>> {
  await waitForFence();
  const desk = new MiniDesk(server.url, adminToken);
  await desk.sync();
  const cursors = new Map<string, string>();
  for (const customerId of CUSTOMERS) {
    const cursor = desk.buckets.get(customerBucket(customerId))?.cursor;
    if (!cursor) throw new Error(`no cursor for ${customerId}`);
    cursors.set(customerBucket(customerId), cursor);
  }
  return cursors;
}

async function write(batches: readonly (readonly string[])[]): Promise<void> {
  for (const customers of batches) {
    await database.storage.transaction((db) =>
      insertEvents(
        db,
        customers.map((customerId) => event(customerId)),
        { now: Date.now(), newId },
      ),
    );
  }
  await waitForFence();
}

/** Pulls with `cursors` until done; checks each page against the log's own order. */
async function expectExactPages(cursors: Map<string, string>, expectedOrder: readonly string[]): Promise<number> {
  let delivered: string[] = [];
  let pages = 0;
  for (;;) {
    const buckets: PullRequest['buckets'] = [...cursors].map(([bucket, cursor]) => ({ bucket, cursor }));
    const response = await pull(server.url, adminToken, pullRequest('catch-up-01', buckets, LIMIT));
    pages += 1;
    const ids: string[] = [];
    let hasMore = false;
    for (const entry of response.buckets) {
      if ('reset' in entry) throw new Error(`unexpected reset of ${entry.bucket}`);
      ids.push(...entry.ops.map((op) => op.id));
      cursors.set(entry.bucket, entry.cursor);
      hasMore ||= entry.hasMore;
    }
    // The page is the next LIMIT rows of the merged order: no row skipped, none early, none twice.
    expect(new Set(ids)).toEqual(new Set(expectedOrder.slice(delivered.length, delivered.length + ids.length)));
    expect(ids.length).toBe(hasMore ? LIMIT : expectedOrder.length - delivered.length);
    delivered = [...delivered, ...ids];
    if (!hasMore) break;
    if (pages > 1_000) throw new Error('catch-up did not finish');
  }
  expect(delivered.length).toBe(expectedOrder.length);
  return pages;
}

async function logOrder(since: number): Promise<string[]> {
  const rows = await database.storage.query<{ row_id: string }>('select row_id from change_log where id > $1 order by xid, id', [
    since,
  ]);
  return rows.map((row) => row.row_id);
}

async function lastLogId(): Promise<number> {
  const [row] = await database.storage.query<{ id: number | null }>('select max(id) as id from change_log');
  return row?.id ?? 0;
}

describe('catch-up of many buckets', () => {
  it('serves one hot bucket in full pages, in log order, even when the others are quiet', async () => {
    const cursors = await caughtUpCursors();
    const since = await lastLogId();
    const [hot = '', ...others] = CUSTOMERS;
    await write([Array(300).fill(hot), others.flatMap((customerId) => [customerId, customerId]), Array(50).fill(hot)]);
    const pages = await expectExactPages(cursors, await logOrder(since));
    expect(pages).toBe(Math.ceil((350 + others.length * 2) / LIMIT));
  });

  it('serves rows spread evenly over every bucket in full pages, in log order', async () => {
    const cursors = await caughtUpCursors();
    const since = await lastLogId();
    await write(Array.from({ length: 80 }, () => CUSTOMERS));
    await expectExactPages(cursors, await logOrder(since));
  });

  it('serves a mix of busy and idle buckets committed in alternating transactions, in log order', async () => {
    const cursors = await caughtUpCursors();
    const since = await lastLogId();
    const busy = CUSTOMERS.slice(0, 3);
    await write(
      Array.from({ length: 40 }, (_, index) =>
        index % 2 === 0
          ? busy.flatMap((customerId) => Array(9).fill(customerId))
          : CUSTOMERS.slice(3 + (index % 27), 5 + (index % 27)),
      ),
    );
    await expectExactPages(cursors, await logOrder(since));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { MAX_PULL_BUCKETS } from '../../../shared/sync/wire';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';

/**
 * More customers than one pull may name: the desk pulls in chunks, and the server
 * lists every bucket a chunk did not name as "added". Those must not restart
 * buckets the desk already has, nor keep the pull loop going for ever.
 */
const dirs = tempDirs('lk-many-');
let database: TestDatabase;
let server: TestServer;
let deskToken: string;
const COUNT = MAX_PULL_BUCKETS + 20;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  deskToken = await token(database.storage, { userId: 'dana', role: 'desk' });
  await addCustomers(
    database.storage,
    Array.from({ length: COUNT }, (_, index) => `tenant-${String(index).padStart(4, '0')}`),
  );
}, 120_000);
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

describe('a desk with more buckets than one pull may name', () => {
  it('bootstraps them all in chunks, then syncs again without restarting any bucket', async () => {
    const desk: Desk = createDesk({
      dataDir: dirs.make(),
      mode: 'browser',
      appVersion: 'test',
      platform: 'linux',
      log: silentLogger,
      backoff: { baseMs: 20, capMs: 200 },
    });
    try {
      const set = await desk.dispatch('backend:set', { mode: 'remote', url: server.url, token: deskToken });
      expect(set.ok).toBe(true);
      const buckets = () =>
        desk.cache.prepare("select count(*) as n, sum(state = 'live') as live from sync_bucket").get() as {
          n: number;
          live: number;
        };
      await waitFor(
        () => {
          const { n, live } = buckets();
          return n === COUNT + 1 && live === COUNT + 1;
        },
        'every bucket live',
        60_000,
      );
      const cursorsBefore = desk.cache.prepare('select bucket, cursor from sync_bucket order by bucket').all();
      const status = await desk.dispatch('sync:now', undefined);
      expect(status.ok && (status.value as { state: string }).state).toBe('online');
      const after = buckets();
      expect(after.live).toBe(COUNT + 1);
      // Cursors only move forward; none went back to a fresh bootstrap.
      const cursorsAfter = desk.cache.prepare('select bucket, cursor from sync_bucket order by bucket').all() as {
        cursor: string | null;
      }[];
      expect(cursorsAfter.every((row) => row.cursor !== null)).toBe(true);
      expect(cursorsAfter).toHaveLength(cursorsBefore.length);
      expect((desk.cache.prepare('select count(*) as n from customers').get() as { n: number }).n).toBe(COUNT);
    } finally {
      await desk.stop();
      desk.close();
    }
  }, 120_000);
});

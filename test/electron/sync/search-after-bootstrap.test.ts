import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, event, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call } from './support/desks';

/**
 * Issue 13: a bootstrapped customer is indexed for search after its bootstrap, in chunks, against the real server
 * over HTTP and a real cache file: search says it is still indexing until then, a desk closed mid-way goes on
 * where it stopped, and once done every event is found and each new one is indexed as it arrives.
 */
const dirs = tempDirs('lk-search-after-');
let database: TestDatabase;
let server: TestServer;
let deskToken: string;
let ingestToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  deskToken = await token(database.storage, { userId: 'dana', role: 'desk' });
  ingestToken = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(database.storage, ['acme', 'globex']);
  const events = ['acme', 'globex'].flatMap((customerId) =>
    Array.from({ length: 20 }, (_, index) =>
      event(customerId, {
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, index)).toISOString(),
        summary: `zephyr ${customerId} wave${index}`,
      }),
    ),
  );
  const response = await request(server.url, 'POST', '/v1/events', ingestToken, { events });
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

function openDesk(dataDir: string): Desk {
  return createDesk({
    dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 2000,
    backoff: { baseMs: 20, capMs: 300 },
    bundledWizardsDir: null,
    // acme's 20 events take two chunks; the second finishes it.
    searchIndexChunkRows: 10,
  });
}

const foundIds = async (desk: Desk, text: string) =>
  (await call(desk, 'search:query', { text, limit: 100 })).groups.flatMap((group) =>
    group.events.map((found) => found.summary.map((part) => part.text).join('')),
  );
const isIndexed = (desk: Desk, bucket: string) =>
  desk.cache.prepare('select is_search_indexed from sync_bucket where bucket = ?').pluck().get(bucket) === 1;

describe('search after a bootstrap', () => {
  it('says it is indexing, survives a restart mid-way, then finds every event and each new one', async () => {
    const dataDir = dirs.make();
    const first = openDesk(dataDir);
    // The moment acme's index is done and globex's not begun, the desk is closed (in the same turn of the event loop,
    // before the indexer's next chunk).
    let stopped: Promise<void> | null = null;
    first.events.on((name) => {
      if (name !== 'cache:changed' || stopped) return;
      if (isIndexed(first, 'customer:acme') && !isIndexed(first, 'customer:globex')) stopped = first.stop();
    });
    await call(first, 'backend:set', { mode: 'remote', url: server.url, token: deskToken });
    await waitFor(() => stopped !== null, 'acme indexed');
    await stopped;
    // The bootstrap was complete: both timelines hold every event.
    for (const customerId of ['acme', 'globex']) {
      const page = await call(first, 'timeline:page', { customerId, limit: 50 });
      expect(page.rows).toHaveLength(20);
    }
    first.close();

    // Opened again, before it syncs: acme is searchable, globex is still to be indexed and search says so.
    const second = openDesk(dataDir);
    try {
      const before = await call(second, 'search:query', { text: 'zephyr', limit: 100 });
      expect(before.indexing).toEqual({ customers: 1, events: 20 });
      expect(before.groups.map((group) => group.customerId)).toEqual(['acme']);
      expect(await foundIds(second, 'wave7')).toEqual(['zephyr acme wave7']);
      // The timeline's text filter says so too, for the customer still to be indexed only.
      const textPage = (customerId: string) =>
        call(second, 'timeline:page', { customerId, limit: 50, filters: { text: 'zephyr' } });
      expect(await textPage('globex')).toMatchObject({ rows: [], isTextIndexing: true });
      expect(await textPage('acme')).toMatchObject({ isTextIndexing: false });
      expect((await textPage('acme')).rows).toHaveLength(20);
      expect(await call(second, 'timeline:page', { customerId: 'globex', limit: 50 })).not.toHaveProperty('isTextIndexing');

      await call(second, 'backend:set', { mode: 'remote', url: server.url, token: deskToken });
      await waitFor(async () => (await call(second, 'search:query', { text: 'zephyr' })).indexing === null, 'indexed');
      const after = await call(second, 'search:query', { text: 'zephyr', limit: 100 });
      expect(after.groups.map((group) => [group.customerId, group.events.length]).sort()).toEqual([
        ['acme', 20],
        ['globex', 20],
      ]);
      expect((await foundIds(second, 'wave7')).sort()).toEqual(['zephyr acme wave7', 'zephyr globex wave7']);
      expect(await textPage('globex')).toMatchObject({ isTextIndexing: false });
      expect((await textPage('globex')).rows).toHaveLength(20);
      // Every event is in the index once (FTS5 keeps one size row per indexed row) and the index is sound.
      expect(second.cache.prepare('select count(*) from events_fts_docsize').pluck().get()).toBe(40);
      second.cache.exec("insert into events_fts (events_fts) values ('integrity-check')");

      // A new event after the bootstrap is indexed as it is applied.
      const fresh = event('globex', { occurredAt: '2026-11-02T00:00:00.000Z', summary: 'zephyr globex nimbus' });
      expect((await request(server.url, 'POST', '/v1/events', ingestToken, { events: [fresh] })).status).toBe(200);
      await waitFor(async () => (await foundIds(second, 'nimbus')).length === 1, 'the new event found');
      expect(await foundIds(second, 'nimbus')).toEqual(['zephyr globex nimbus']);
    } finally {
      await second.stop();
      second.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, event, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call } from './support/desks';

/**
 * Bootstrap pipelining (#13): while the desk applies page k, its request for page k+1 is already out,
 * against the real server over HTTP; the cache it ends with is the one a single-page pull gives.
 */
const dirs = tempDirs('lk-pipeline-');
let database: TestDatabase;
let server: TestServer;
let deskToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  deskToken = await token(database.storage, { userId: 'dana', role: 'desk' });
  const ingestToken = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(database.storage, ['acme', 'globex']);
  const events = Array.from({ length: 40 }, (_, index) =>
    event(index % 2 ? 'acme' : 'globex', {
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, index)).toISOString(),
      summary: `pipelined event marker${index}`,
    }),
  );
  const response = await request(server.url, 'POST', '/v1/events', ingestToken, { events });
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

type Step = 'request' | 'applied';

/** A desk whose pulls and applied pages are written, in order, to `log`. */
async function openLoggedDesk(pullLimit: number, log: Step[]): Promise<Desk> {
  const logged: typeof fetch = (input, init) => {
    if (!String(input instanceof Request ? input.url : input).endsWith('/v1/sync/pull')) return fetch(input, init);
    log.push('request');
    return fetch(input, init);
  };
  const desk = createDesk({
    dataDir: dirs.make(),
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 2000,
    backoff: { baseMs: 20, capMs: 300 },
    pullLimit,
    bundledWizardsDir: null,
    fetch: logged,
  });
  desk.events.on((name, payload) => {
    const changed = payload as { customerIds?: string[]; searchIndexed?: boolean };
    // Pages applied; the search index built after the bootstrap is not a page.
    if (name === 'cache:changed' && (changed.customerIds?.length ?? 0) > 0 && !changed.searchIndexed) log.push('applied');
  });
  await call(desk, 'backend:set', { mode: 'remote', url: server.url, token: deskToken });
  await waitFor(async () => {
    const status = await call(desk, 'sync:status', undefined);
    return status.state === 'online' && !status.isBootstrapping;
  }, 'bootstrap');
  return desk;
}

function cacheContent(desk: Desk) {
  return {
    events: desk.cache.prepare('select id, customer_id, summary from events order by id').all(),
    // Cursors are the server's snapshot positions: another transaction of the server between the two desks'
    // bootstraps moves them, so they are compared as "has one", not by value.
    buckets: desk.cache
      .prepare("select bucket, cursor is not null and cursor <> '' as hasCursor, state from sync_bucket order by bucket")
      .all(),
  };
}

describe('bootstrap pull pipelining', () => {
  it('asks for the next page before the previous one is applied, and ends with the single-page result', async () => {
    const paged: Step[] = [];
    const single: Step[] = [];
    const pipelined = await openLoggedDesk(7, paged);
    const whole = await openLoggedDesk(5000, single);
    try {
      const requestsBefore = (log: Step[], index: number) => log.slice(0, index).filter((step) => step === 'request').length;
      // The requests that carry no page (learning the buckets): those before the single-page desk wrote its one page.
      const leading = requestsBefore(single, single.indexOf('applied')) - 1;
      // Many pages; when page k (all but the last) was written, the request for page k+1 had gone out already.
      const applied = paged.flatMap((step, index) => (step === 'applied' ? [index] : []));
      expect(applied.length).toBeGreaterThan(3);
      applied.slice(0, -1).forEach((index, page) => {
        expect(requestsBefore(paged, index), paged.join(' ')).toBe(leading + page + 2);
      });
      expect(cacheContent(pipelined)).toEqual(cacheContent(whole));
      expect(cacheContent(pipelined).events).toHaveLength(40);
      // The search index holds every event applied over the pages, once the desk has indexed them (after the bootstrap).
      await waitFor(async () => (await call(pipelined, 'search:query', { text: 'pipelined' })).indexing === null, 'indexed');
      for (let index = 0; index < 40; index += 1) {
        const found = await call(pipelined, 'search:query', { text: `marker${index}` });
        expect(found.groups.flatMap((group) => group.events).length, `marker${index}`).toBeGreaterThan(0);
      }
    } finally {
      for (const desk of [pipelined, whole]) {
        await desk.stop();
        desk.close();
      }
    }
  });
});

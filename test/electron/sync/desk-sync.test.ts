import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import type { Storage } from '../../../server/storage/types';
import type { Result } from '../../../shared/ipc/result';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, event, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { startFaultProxy, type Fault } from '../../support/fault-proxy';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';

/**
 * The desk's sync engine against the real reference server and a real database,
 * with a scripted fault proxy between them.
 */
const dirs = tempDirs('lk-sync-');
let database: TestDatabase;
let storage: Storage;
let server: TestServer;
let deskToken: string;
let ingestToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  storage = database.storage;
  server = await startTestServer(storage);
  deskToken = await token(storage, { userId: 'dana', role: 'desk' });
  ingestToken = await token(storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(storage, ['acme', 'globex']);
  await ingest(
    Array.from({ length: 30 }, (_, index) =>
      event(index % 2 ? 'acme' : 'globex', {
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, index)).toISOString(),
        summary: `seed event ${index}`,
      }),
    ),
  );
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

async function ingest(events: ReturnType<typeof event>[]) {
  const response = await request(server.url, 'POST', '/v1/events', ingestToken, { events });
  expect(response.status).toBe(200);
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function serverCount(sql: string): Promise<number> {
  const rows = await storage.query<{ n: number | string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

function localCount(desk: Desk, table: string): number {
  return (desk.cache.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}

async function openDesk(url: string, dataDir = dirs.make()): Promise<Desk> {
  const desk = createDesk({
    dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 400,
    backoff: { baseMs: 20, capMs: 300 },
    pullLimit: 7,
  });
  unwrap(await desk.dispatch('backend:set', { mode: 'remote', url, token: deskToken }));
  return desk;
}

async function converged(desk: Desk): Promise<boolean> {
  const events = await serverCount('select count(*) as n from events');
  const notes = await serverCount('select count(*) as n from notes');
  const status = unwrap(await desk.dispatch('sync:status', undefined)) as { pendingOutbox: number; state: string };
  return (
    localCount(desk, 'events') === events &&
    localCount(desk, 'notes') === notes &&
    status.pendingOutbox === 0 &&
    status.state === 'online'
  );
}

describe('desk sync against the real server', () => {
  let desk: Desk;
  afterEach(async () => {
    await desk?.stop();
    desk?.close();
  });

  it('bootstraps every visible customer in pages, indexes it, and receives new events through pokes', async () => {
    desk = await openDesk(server.url);
    await waitFor(() => converged(desk), 'initial sync');
    const search = unwrap(await desk.dispatch('search:query', { text: 'seed event' })) as { groups: { customerId: string }[] };
    expect(search.groups.map((group) => group.customerId).sort()).toEqual(['acme', 'globex']);
    const before = localCount(desk, 'events');
    await ingest([event('acme', { summary: 'poked into view' })]);
    // No sync call: the poke on the event stream must trigger the pull.
    await waitFor(() => localCount(desk, 'events') === before + 1, 'poke-driven pull');
  });

  it('pulls only the poked customer when a poke names it, and everything on a full sync', async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(proxy.url);
    await waitFor(() => converged(desk), 'initial sync');
    const pulledBuckets = (entry: { body: string }) =>
      (JSON.parse(entry.body) as { buckets: { bucket: string }[] }).buckets.map((item) => item.bucket);
    const before = proxy.seen.length;
    const count = localCount(desk, 'events');
    await ingest([event('acme', { summary: 'only acme changed' })]);
    await waitFor(() => localCount(desk, 'events') === count + 1, 'poke-driven pull');
    const pokePulls = proxy.seen.slice(before).filter((entry) => entry.path === '/v1/sync/pull');
    expect(pokePulls.length).toBeGreaterThan(0);
    expect(pulledBuckets(pokePulls[0]!)).toEqual(['customer:acme']);
    const fullBefore = proxy.seen.length;
    unwrap(await desk.dispatch('sync:now', undefined));
    const full = proxy.seen.slice(fullBefore).find((entry) => entry.path === '/v1/sync/pull')!;
    expect(pulledBuckets(full).sort()).toEqual(['customer:acme', 'customer:globex', 'global']);
    await proxy.close();
  });

  it('sends notes written offline once the server is back, exactly once', async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(proxy.url);
    await waitFor(() => converged(desk), 'initial sync');
    const notesBefore = await serverCount('select count(*) as n from notes');
    await proxy.close();
    // Offline: browsing, search and writing keep working from the cache.
    const page = unwrap(await desk.dispatch('timeline:page', { customerId: 'acme' })) as { rows: unknown[] };
    expect(page.rows.length).toBeGreaterThan(0);
    const note = unwrap(
      await desk.dispatch('notes:create', { customerId: 'acme', body: 'Called the customer while offline' }),
    ) as { pending: boolean };
    expect(note.pending).toBe(true);
    await waitFor(
      async () => (unwrap(await desk.dispatch('sync:status', undefined)) as { state: string }).state === 'offline',
      'offline state',
    );
    expect(unwrap(await desk.dispatch('sync:status', undefined))).toMatchObject({ pendingOutbox: 1 });

    const back = await startFaultProxy(server.url);
    unwrap(await desk.dispatch('backend:set', { mode: 'remote', url: back.url, token: deskToken }));
    await waitFor(() => converged(desk), 'sync after reconnect');
    expect(await serverCount('select count(*) as n from notes')).toBe(notesBefore + 1);
    const detail = unwrap(await desk.dispatch('customers:get', { customerId: 'acme' })) as {
      notes: { body: string; pending: boolean; author: string }[];
    };
    expect(detail.notes.find((item) => item.body === 'Called the customer while offline')).toMatchObject({
      pending: false,
      author: 'dana',
    });
    await back.close();
  });
});

describe('when the backend goes away', () => {
  it('says Offline as soon as the event stream breaks, not at the next poll (#15)', async () => {
    const proxy = await startFaultProxy(server.url);
    const desk = await openDesk(proxy.url);
    try {
      await waitFor(() => converged(desk), 'initial sync');
      // Wait for the live stream to be up (the status drops its "reconnecting" note once it is).
      await waitFor(async () => {
        unwrap(await desk.dispatch('sync:now', undefined));
        return (unwrap(await desk.dispatch('sync:status', undefined)) as { message: string | null }).message === null;
      }, 'event stream open');
      await proxy.close();
      // The poll runs every 30 s; Offline must come from the broken stream, well before that.
      const status = await waitFor(
        async () => {
          const current = unwrap(await desk.dispatch('sync:status', undefined)) as { state: string; message: string };
          return current.state === 'offline' ? current : null;
        },
        'offline after the stream broke',
        8_000,
      );
      expect(status.message).toMatch(/^Offline: .*Everything already synced stays available; retrying in \d+ s\.$/);
    } finally {
      await desk.stop();
      desk.close();
    }
  });
});

const FAULTS: [Fault, '/v1/sync/push' | '/v1/sync/pull'][] = [
  ['drop-before-headers', '/v1/sync/pull'],
  ['drop-before-headers', '/v1/sync/push'],
  ['hang', '/v1/sync/pull'],
  ['hang', '/v1/sync/push'],
  ['truncated-body', '/v1/sync/pull'],
  ['cut-connection-mid-body', '/v1/sync/pull'],
  ['status-500', '/v1/sync/pull'],
  ['status-500', '/v1/sync/push'],
  ['status-503-retry-after', '/v1/sync/pull'],
  ['status-429', '/v1/sync/push'],
  ['malformed-json', '/v1/sync/pull'],
  ['schema-invalid', '/v1/sync/pull'],
  ['schema-invalid', '/v1/sync/push'],
  ['lose-response', '/v1/sync/push'],
  ['lose-response', '/v1/sync/pull'],
];

describe('fault injection between desk and server', () => {
  let desk: Desk;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeEach(async () => {
    proxy = await startFaultProxy(server.url);
    desk = await openDesk(proxy.url);
    await waitFor(() => converged(desk), 'initial sync');
  });
  afterEach(async () => {
    await desk.stop();
    desk.close();
    await proxy.close();
  });

  it.each(FAULTS)('%s on %s: nothing lost, nothing applied twice, cursor never ahead, converges', async (fault, path) => {
    const snapshot = () => ({
      cursors: desk.cache.prepare('select bucket, cursor from sync_bucket order by bucket').all(),
      events: localCount(desk, 'events'),
    });
    const before = snapshot();
    const notesOnServerBefore = await serverCount('select count(*) as n from notes');
    // The state right after the first failed cycle, taken synchronously when the engine reports the failure
    // (before any retry can run): a failed pull must have written nothing and moved no cursor.
    let atFailure: ReturnType<typeof snapshot> | null = null;
    const stop = desk.events.on((name, payload) => {
      const state = (payload as { state?: string }).state;
      if (name === 'sync:changed' && (state === 'offline' || state === 'error') && atFailure === null) atFailure = snapshot();
    });
    proxy.inject(fault, path, fault === 'status-503-retry-after' || fault === 'status-429' ? 2 : 1);
    const bodies = [`first note during ${fault} on ${path}`, `second note during ${fault} on ${path}`];
    for (const body of bodies) unwrap(await desk.dispatch('notes:create', { customerId: 'globex', body }));
    await ingest([
      event('acme', { summary: `new event during ${fault}` }),
      event('globex', { summary: `another during ${fault}` }),
    ]);

    if (fault !== 'lose-response' || path === '/v1/sync/pull') {
      await waitFor(() => atFailure !== null, 'the engine reported the failure');
      if (path === '/v1/sync/pull') expect(atFailure).toEqual(before);
    }
    stop();
    await waitFor(() => converged(desk), `convergence after ${fault}`, 20_000);
    const rows = await storage.query<{ body: string; n: number | string }>(
      'select body, count(*) as n from notes where body = any($1) group by body order by body',
      [bodies],
    );
    expect(rows.map((row) => [row.body, Number(row.n)])).toEqual(bodies.map((body) => [body, 1]).sort());
    expect(await serverCount('select count(*) as n from notes')).toBe(notesOnServerBefore + 2);
    expect(desk.cache.pragma('quick_check', { simple: true })).toBe('ok');
    expect(proxy.seen.some((entry) => entry.fault === fault)).toBe(true);
    if (fault === 'status-503-retry-after' || fault === 'status-429') {
      // Retry-After: 1 — the engine must not come back sooner, pokes and local writes notwithstanding.
      const onPath = proxy.seen.filter((entry) => entry.path === path);
      const lastFaulted = onPath.findLastIndex((entry) => entry.fault === fault);
      const firstFaulted = onPath.findIndex((entry) => entry.fault === fault);
      expect(onPath[firstFaulted + 1]!.at - onPath[firstFaulted]!.at).toBeGreaterThanOrEqual(950);
      expect(onPath[lastFaulted + 1]!.at - onPath[lastFaulted]!.at).toBeGreaterThanOrEqual(950);
    }
  });
});

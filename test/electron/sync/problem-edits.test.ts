import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { upsertCustomers } from '../../../server/repo/writes';
import { eventSignature } from '../../../shared/signature';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import {
  customer,
  event,
  publishStarterWizards,
  request,
  startTestServer,
  token,
  type TestServer,
} from '../../server/support/server';
import { startFaultProxy } from '../../support/fault-proxy';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Known problems made and edited on the desk (issue 12): from a signal, shown
 * at once (offline too, with who it hits from the cache), sent once when the
 * backend is back; the server's refusals reach the problem with their reason;
 * an edit that replaced a colleague's newer value is applied and shown to both,
 * with both values in the history — the follow-ups' rule.
 */
const dirs = tempDirs('lk-problem-edits-');
let database: TestDatabase;
let server: TestServer;
let dana: string;
let bob: string;

const lag = (customerId: string, occurredAt: string) =>
  event(customerId, {
    kind: 'alert',
    feature: 'exports',
    summary: 'ExportJobLag',
    occurredAt,
    properties: { alertname: 'ExportJobLag', job: 'exp-1', status: 'open', thread: `t-${customerId}-${occurredAt}` },
  });
const SIGNATURE = eventSignature({ ...lag('acme', '2026-11-20T10:00:00.000Z') }) ?? '';

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  await publishStarterWizards(database.storage);
  await database.storage.transaction((db) =>
    upsertCustomers(db, [customer('acme', { version: '26.12.1' }), customer('globex', { version: '26.11.0' })]),
  );
  dana = await token(database.storage, { userId: 'dana', role: 'desk' });
  bob = await token(database.storage, { userId: 'bob', role: 'desk' });
  const ingest = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  const sent = await request(server.url, 'POST', '/v1/events', ingest, {
    events: [
      lag('acme', '2026-11-20T10:00:00.000Z'),
      lag('acme', '2026-11-25T10:00:00.000Z'),
      lag('globex', '2026-11-26T10:00:00.000Z'),
    ],
  });
  expect(sent.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

async function settled(desk: Desk): Promise<boolean> {
  const status = await call(desk, 'sync:status', undefined);
  const [onServer] = await database.storage.query<{ n: number }>('select count(*)::integer as n from problems');
  const local = (desk.cache.prepare('select count(*) as n from problems').get() as { n: number }).n;
  return status.state === 'online' && status.pendingOutbox === 0 && local === onServer?.n;
}

describe('known problems edited on the desk', () => {
  let desk: Desk;
  afterEach(async () => {
    await desk?.stop();
    desk?.close();
  });

  it('are made from a signal offline, shown at once with who they hit, and sent once when the backend is back', async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(dirs.make(), proxy.url, dana);
    await waitFor(() => settled(desk), 'initial sync');
    await waitFor(
      async () => (await call(desk, 'timeline:page', { customerId: 'globex', limit: 10 })).rows.length === 1,
      'events',
    );
    await proxy.close();

    const created = await call(desk, 'problems:create', {
      title: 'Export jobs lag after the queue change',
      rules: [{ signature: SIGNATURE }],
      customers: ['acme'],
      ticketUrl: 'https://tickets.example.com/OPS-12',
    });
    // Optimistic: there before the server has it, who it hits read from the cache.
    expect(created).toMatchObject({
      pending: true,
      ver: 0,
      status: 'investigating',
      customersHit: 2,
      occurrences: 3,
      ticketUrl: 'https://tickets.example.com/OPS-12',
    });
    const edited = await call(desk, 'problems:update', {
      problemId: created.id,
      set: { workaround: 'Restart the export worker.', status: 'known_error', workaroundWizard: 'export-job-behind' },
    });
    expect(edited).toMatchObject({ pending: true, status: 'known_error', workaround: 'Restart the export worker.' });
    expect((await call(desk, 'problems:list', undefined)).rows.map((row) => row.id)).toEqual([created.id]);
    // The lifecycle rule is checked before anything is queued.
    const refused = await desk.dispatch('problems:update', { problemId: created.id, set: { status: 'fixed' } });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('fixedVersion') },
    });

    const back = await startFaultProxy(server.url);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: dana });
    await waitFor(() => settled(desk), 'sync after reconnect');
    const rows = await database.storage.query<{ id: string; status: string; workaround: string; ver: number }>(
      'select id, status, workaround, ver::integer as ver from problems',
    );
    expect(rows).toEqual([{ id: created.id, status: 'known_error', workaround: 'Restart the export worker.', ver: 2 }]);
    const detail = await call(desk, 'problems:get', { problemId: created.id });
    expect(detail.problem).toMatchObject({ pending: false, ver: 2, createdBy: 'dana', error: null, replaced: null });
    expect(detail.hits.map((hit) => [hit.customerId, hit.customerName, hit.linkedBy, hit.occurrences])).toEqual([
      ['acme', 'Customer acme', 'both', 2],
      ['globex', 'Customer globex', 'signature', 1],
    ]);
    // Its signature counted over 30 days by default, or over as many days as asked: back to 25 November, two of three.
    expect(detail.signatures.map((seen) => [seen.hits, seen.customers])).toEqual([[3, 2]]);
    const sinceThe25th = Math.ceil((Date.now() - Date.parse('2026-11-25T09:00:00.000Z')) / 86_400_000);
    const recent = await call(desk, 'problems:get', { problemId: created.id, days: sinceThe25th });
    expect(recent.signatures.map((seen) => [seen.hits, seen.customers])).toEqual([[2, 2]]);
    expect(Date.parse(recent.signatures[0]?.to ?? '') - Date.parse(recent.signatures[0]?.from ?? '')).toBe(
      sinceThe25th * 86_400_000,
    );
    expect(await desk.dispatch('problems:get', { problemId: created.id, days: 0 })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    // Insights read the same cache: the signature hit two customers, the problem three signals, one recurrence.
    const insights = await call(desk, 'insights:get', { days: 366 });
    expect(insights.tables.find((table) => table.id === 'signatures')?.rows[0]).toEqual([
      SIGNATURE,
      2,
      3,
      '2026-11-20T10:00:00.000Z',
      null,
    ]);
    expect(insights.tables.find((table) => table.id === 'problems')?.rows[0]).toEqual([
      'Export jobs lag after the queue change',
      'known_error',
      2,
      3,
      1,
      0,
      expect.any(Number),
      0,
    ]);
    // The customer page sees the same problem, its workaround first.
    expect((await call(desk, 'problems:forCustomer', { customerId: 'acme' })).problems[0]).toMatchObject({
      suggestedWizard: 'export-job-behind',
    });
    await back.close();
  });

  it("shows the server's refusal on the problem, with its reason", async () => {
    desk = await openDesk(dirs.make(), server.url, dana);
    await waitFor(() => settled(desk), 'initial sync');
    const [problem] = (await call(desk, 'problems:list', undefined)).rows;
    await call(desk, 'problems:update', { problemId: problem?.id ?? '', set: { workaroundWizard: 'no-such-wizard' } });
    await waitFor(
      async () => (await call(desk, 'problems:get', { problemId: problem?.id ?? '' })).problem.error !== null,
      'refused',
    );
    expect((await call(desk, 'problems:get', { problemId: problem?.id ?? '' })).problem.error).toContain(
      'no wizard no-such-wizard in the library',
    );
  });

  it("shows both people when an offline edit replaced a colleague's newer value, and closes when the fix ships", async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(dirs.make(), proxy.url, dana);
    await waitFor(() => settled(desk), 'initial sync');
    const created = await call(desk, 'problems:create', { title: 'SSO loops after IdP rotation', customers: ['globex'] });
    await waitFor(() => settled(desk), 'the problem reached the server');
    await proxy.close();
    await call(desk, 'problems:update', { problemId: created.id, set: { owner: 'dana' } });
    const theirs = await request(server.url, 'PATCH', `/v1/problems/${created.id}`, bob, {
      baseVer: 1,
      set: { owner: 'bob' },
      base: { owner: '' },
    });
    expect(theirs.status).toBe(200);

    const back = await startFaultProxy(server.url);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: dana });
    await waitFor(async () => (await call(desk, 'problems:get', { problemId: created.id })).problem.ver === 3, 'synced');
    expect((await call(desk, 'problems:get', { problemId: created.id })).problem).toMatchObject({
      owner: 'dana',
      replaced: { actor: 'dana', fields: [{ field: 'owner', previous: 'bob' }] },
    });
    const history = await call(desk, 'problems:history', { problemId: created.id });
    expect(
      history.revisions.map((revision) => [revision.actor, revision.changes.find((change) => change.field === 'owner')]),
    ).toEqual([
      ['dana', undefined],
      ['bob', { field: 'owner', value: 'bob', replaced: null }],
      ['dana', { field: 'owner', value: 'dana', replaced: 'bob' }],
    ]);

    // The fix ships: fixed in a version, then closed; the fix is kept.
    await call(desk, 'problems:update', {
      problemId: created.id,
      set: { status: 'fixed', fixedVersion: '26.12.1', fixUrl: 'https://git.example.com/pr/9' },
    });
    await call(desk, 'problems:update', { problemId: created.id, set: { status: 'closed' } });
    await waitFor(async () => (await call(desk, 'problems:get', { problemId: created.id })).problem.ver === 5, 'closed');
    expect((await call(desk, 'problems:get', { problemId: created.id })).problem).toMatchObject({
      status: 'closed',
      fixedVersion: '26.12.1',
      fixUrl: 'https://git.example.com/pr/9',
      fixedAt: expect.any(String),
      pending: false,
    });
    await back.close();
  });
});

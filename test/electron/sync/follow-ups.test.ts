import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import type { Storage } from '../../../server/storage/types';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { startFaultProxy, type Fault } from '../../support/fault-proxy';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Follow-ups edited on the desk (issue 12) reach the server through the outbox
 * with the guarantees notes have: written offline, sent once the server is
 * back, through every fault the proxy injects — none lost, none made or
 * applied twice — and an edit that replaced a colleague's newer value is
 * applied and shown to both, with both values in the history.
 */
const dirs = tempDirs('lk-follow-ups-');
let database: TestDatabase;
let storage: Storage;
let server: TestServer;
let danaToken: string;
let bobToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  storage = database.storage;
  server = await startTestServer(storage);
  danaToken = await token(storage, { userId: 'dana', role: 'desk' });
  bobToken = await token(storage, { userId: 'bob', role: 'desk' });
  await addCustomers(storage, ['acme', 'globex']);
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

async function onServer(title: string) {
  return storage.query<{ id: string; state: string; owner: string | null; due_date: string | null; ver: number }>(
    `select id, state, owner, to_char(due_date, 'YYYY-MM-DD') as due_date, ver::integer as ver from follow_ups where title = $1`,
    [title],
  );
}

async function revisionCount(id: string): Promise<number> {
  const [row] = await storage.query<{ n: number }>(
    "select count(*)::integer as n from revisions where entity = 'follow_up' and row_id = $1",
    [id],
  );
  return row?.n ?? 0;
}

async function settled(desk: Desk): Promise<boolean> {
  const status = await call(desk, 'sync:status', undefined);
  const [server] = await storage.query<{ n: number }>('select count(*)::integer as n from follow_ups');
  const local = (desk.cache.prepare('select count(*) as n from follow_ups').get() as { n: number }).n;
  return status.state === 'online' && status.pendingOutbox === 0 && local === server?.n;
}

describe('follow-ups on the desk', () => {
  let desk: Desk;
  afterEach(async () => {
    await desk?.stop();
    desk?.close();
  });

  it('are made and edited offline, shown at once, and sent once when the server is back', async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(dirs.make(), proxy.url, danaToken);
    await waitFor(() => settled(desk), 'initial sync');
    await proxy.close();

    const created = await call(desk, 'followUps:create', {
      customerId: 'acme',
      title: 'Renew the IdP certificate with acme IT',
      dueDate: '2026-01-05',
    });
    expect(created).toMatchObject({ pending: true, ver: 0, state: 'open', customerName: 'Customer acme', source: 'hand' });
    await call(desk, 'followUps:update', { followUpId: created.id, set: { state: 'in_progress', owner: 'dana' } });
    const edited = await call(desk, 'followUps:update', { followUpId: created.id, set: { dueDate: '2026-01-20' } });
    expect(edited).toMatchObject({ state: 'in_progress', owner: 'dana', dueDate: '2026-01-20', pending: true, overdue: true });
    // Counted while offline: on the customer page and the fleet.
    expect(await call(desk, 'followUps:counts', undefined)).toMatchObject({
      open: 1,
      overdue: 1,
      byCustomer: [{ customerId: 'acme', open: 1, overdue: 1 }],
    });

    const back = await startFaultProxy(server.url);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: danaToken });
    await waitFor(() => settled(desk), 'sync after reconnect');
    expect(await onServer('Renew the IdP certificate with acme IT')).toEqual([
      { id: created.id, state: 'in_progress', owner: 'dana', due_date: '2026-01-20', ver: 3 },
    ]);
    const list = await call(desk, 'followUps:list', { customerId: 'acme' });
    expect(list.rows).toEqual([expect.objectContaining({ id: created.id, pending: false, ver: 3, createdBy: 'dana' })]);
    // The backend said who this is: "mine" finds what dana owns.
    expect(list.me).toBe('dana');
    expect((await call(desk, 'followUps:list', { scope: 'mine' })).rows.map((row) => row.id)).toEqual([created.id]);
    expect((await call(desk, 'followUps:list', { scope: 'overdue' })).rows.map((row) => row.id)).toEqual([created.id]);
    await back.close();
  });

  it("shows both people when an offline edit replaced a colleague's newer value (last writer wins, reported)", async () => {
    const proxy = await startFaultProxy(server.url);
    desk = await openDesk(dirs.make(), proxy.url, danaToken);
    await waitFor(() => settled(desk), 'initial sync');
    const created = await call(desk, 'followUps:create', { customerId: 'globex', title: 'Remove the temporary SSO bypass' });
    await waitFor(() => settled(desk), 'the follow-up reached the server');
    await proxy.close();
    // Dana, offline, marks it done; meanwhile Bob sets it to won't do on the server.
    await call(desk, 'followUps:update', { followUpId: created.id, set: { state: 'done' } });
    const bob = await request(server.url, 'PATCH', `/v1/follow-ups/${created.id}`, bobToken, {
      baseVer: 1,
      set: { state: 'wont_do' },
      base: { state: 'open' },
    });
    expect(bob.status).toBe(200);

    const back = await startFaultProxy(server.url);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: danaToken });
    await waitFor(
      async () => (await call(desk, 'followUps:list', { customerId: 'globex', includeClosed: true })).rows[0]?.ver === 3,
      'dana’s edit synced',
    );
    const [shown] = (await call(desk, 'followUps:list', { customerId: 'globex', includeClosed: true })).rows;
    expect(shown).toMatchObject({
      state: 'done',
      replaced: { actor: 'dana', fields: [{ field: 'state', previous: 'wont_do' }] },
    });
    const history = await call(desk, 'followUps:history', { followUpId: created.id });
    expect(
      history.revisions.map((revision) => [revision.actor, revision.changes.find((change) => change.field === 'state')]),
    ).toEqual([
      ['dana', { field: 'state', value: 'open', replaced: null }],
      ['bob', { field: 'state', value: 'wont_do', replaced: null }],
      ['dana', { field: 'state', value: 'done', replaced: 'wont_do' }],
    ]);
    await back.close();
  });
});

const FAULTS: [Fault, '/v1/sync/push' | '/v1/sync/pull'][] = [
  ['drop-before-headers', '/v1/sync/push'],
  ['hang', '/v1/sync/push'],
  ['status-500', '/v1/sync/push'],
  ['schema-invalid', '/v1/sync/push'],
  ['lose-response', '/v1/sync/push'],
  ['cut-connection-mid-body', '/v1/sync/pull'],
  ['lose-response', '/v1/sync/pull'],
];

describe('follow-up edits through the fault proxy', () => {
  let desk: Desk;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  afterEach(async () => {
    await desk.stop();
    desk.close();
    await proxy.close();
  });

  it.each(FAULTS)('%s on %s: every follow-up once, every edit once, the desk shows what the server has', async (fault, path) => {
    proxy = await startFaultProxy(server.url);
    desk = await openDesk(dirs.make(), proxy.url, danaToken);
    await waitFor(() => settled(desk), 'initial sync');
    proxy.inject(fault, path, 1);
    const titles = [`First follow-up during ${fault} on ${path}`, `Second follow-up during ${fault} on ${path}`];
    const ids: string[] = [];
    for (const title of titles) ids.push((await call(desk, 'followUps:create', { customerId: 'acme', title })).id);
    await call(desk, 'followUps:update', { followUpId: ids[0] ?? '', set: { state: 'in_progress' } });
    await call(desk, 'followUps:update', { followUpId: ids[0] ?? '', set: { state: 'done', dueDate: '2027-03-01' } });
    await call(desk, 'followUps:update', { followUpId: ids[1] ?? '', set: { owner: 'bob' } });

    await waitFor(() => settled(desk), `convergence after ${fault}`, 20_000);
    expect(proxy.seen.some((entry) => entry.fault === fault)).toBe(true);
    expect(await onServer(titles[0] ?? '')).toEqual([{ id: ids[0], state: 'done', owner: null, due_date: '2027-03-01', ver: 3 }]);
    expect(await onServer(titles[1] ?? '')).toEqual([{ id: ids[1], state: 'open', owner: 'bob', due_date: null, ver: 2 }]);
    // One revision per write: nothing applied twice.
    expect(await revisionCount(ids[0] ?? '')).toBe(3);
    expect(await revisionCount(ids[1] ?? '')).toBe(2);
    const shown = (await call(desk, 'followUps:list', { customerId: 'acme', includeClosed: true })).rows.filter((row) =>
      ids.includes(row.id),
    );
    expect(shown.map((row) => [row.id, row.state, row.owner, row.pending, row.replaced])).toEqual(
      expect.arrayContaining([
        [ids[0], 'done', null, false, null],
        [ids[1], 'open', 'bob', false, null],
      ]),
    );
    expect(shown).toHaveLength(2);
  });
});

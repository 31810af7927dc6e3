import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../../server/support/server';
import { startFaultProxy } from '../../support/fault-proxy';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, online, openDesk } from './support/desks';

/**
 * Issue 9, item 3: local writes belong to the backend and the identity they
 * were written for. Switching backends keeps them waiting, never sends them to
 * the other backend; switching back sends them; discarding is the user's call.
 */
const dirs = tempDirs('lk-binding-');
type Backend = { database: TestDatabase; server: TestServer; dana: string; erin: string };
let a: Backend;
let b: Backend;
const proxies: Awaited<ReturnType<typeof startFaultProxy>>[] = [];
let desk: Desk | null = null;

async function backend(): Promise<Backend> {
  const database = await createTestDatabase();
  const server = await startTestServer(database.storage);
  await addCustomers(database.storage, ['acme']);
  return {
    database,
    server,
    dana: await token(database.storage, { userId: 'dana', role: 'desk' }),
    erin: await token(database.storage, { userId: 'erin', role: 'desk' }),
  };
}

beforeAll(async () => {
  a = await backend();
  b = await backend();
});
afterEach(async () => {
  await desk?.stop();
  desk?.close();
  desk = null;
  for (const proxy of proxies.splice(0)) await proxy.close();
});
afterAll(async () => {
  for (const item of [a, b]) {
    await item.server.close();
    await item.database.dispose();
  }
  dirs.cleanup();
});

async function proxyTo(target: Backend) {
  const proxy = await startFaultProxy(target.server.url);
  proxies.push(proxy);
  return proxy;
}

async function notesOn(target: Backend): Promise<string[]> {
  const rows = await target.database.storage.query<{ body: string }>('select body from notes order by body');
  return rows.map((row) => row.body);
}

/** A desk on backend A through a proxy that is then closed: A is down, the desk writes offline. */
async function deskWithABehindClosedProxy(bearer: string): Promise<Desk> {
  const gate = await proxyTo(a);
  const opened = await openDesk(dirs.make(), gate.url, bearer);
  await online(opened);
  await gate.close();
  await waitFor(async () => {
    await call(opened, 'sync:now', undefined);
    return (await call(opened, 'sync:status', undefined)).state === 'offline';
  }, 'offline');
  return opened;
}

describe('an outbox belongs to its backend', () => {
  it('keeps notes for A waiting while on B, never sends them to B, and sends them when back on A', async () => {
    desk = await deskWithABehindClosedProxy(a.dana);
    await call(desk, 'notes:create', { customerId: 'acme', body: 'Confidential: written for backend A' });

    await call(desk, 'backend:set', { mode: 'remote', url: b.server.url, token: b.dana });
    await online(desk);
    await call(desk, 'notes:create', { customerId: 'acme', body: 'Written for backend B' });
    await waitFor(async () => (await call(desk!, 'sync:now', undefined)).pendingOutbox === 0, 'B note sent');
    expect(await notesOn(b)).toEqual(['Written for backend B']);

    const status = await call(desk, 'sync:status', undefined);
    expect(status.waitingOutbox).toBe(1);
    const outbox = await call(desk, 'outbox:list', undefined);
    const waiting = outbox.groups.find((group) => !group.isCurrent);
    expect(waiting?.items.map((item) => item.summary)).toEqual([expect.stringContaining('Confidential: written for backend A')]);
    expect(waiting?.label).toContain('dana');
    // The note for A is not shown among B's notes either.
    const onB = await call(desk, 'customers:get', { customerId: 'acme' });
    expect(onB.notes.map((note) => note.body)).toEqual(['Written for backend B']);

    const back = await proxyTo(a);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: a.dana });
    await waitFor(async () => (await notesOn(a)).length === 1, 'the waiting note reached A');
    expect(await notesOn(a)).toEqual(['Confidential: written for backend A']);
    expect(await notesOn(b)).toEqual(['Written for backend B']);
    expect((await call(desk, 'sync:status', undefined)).waitingOutbox).toBe(0);
  });

  it('does not send a note as another user of the same backend', async () => {
    desk = await deskWithABehindClosedProxy(a.dana);
    await call(desk, 'notes:create', { customerId: 'acme', body: 'dana wrote this' });
    const back = await proxyTo(a);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: a.erin });
    await online(desk);
    await call(desk, 'sync:now', undefined);
    expect(await notesOn(a)).not.toContain('dana wrote this');
    expect((await call(desk, 'sync:status', undefined)).waitingOutbox).toBe(1);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: a.dana });
    await waitFor(async () => (await notesOn(a)).includes('dana wrote this'), 'sent as dana');
  });

  it('discards the waiting notes only when the user asks, and they never arrive anywhere', async () => {
    desk = await deskWithABehindClosedProxy(a.dana);
    await call(desk, 'notes:create', { customerId: 'acme', body: 'Draft the user throws away' });
    await call(desk, 'backend:set', { mode: 'remote', url: b.server.url, token: b.dana });
    await online(desk);
    const before = await call(desk, 'outbox:list', undefined);
    const waiting = before.groups.find((group) => !group.isCurrent);
    expect(waiting).toBeDefined();
    expect(await call(desk, 'outbox:discard', { backendKey: waiting!.backendKey })).toEqual({ discarded: 1 });
    expect((await call(desk, 'outbox:list', undefined)).groups.filter((group) => !group.isCurrent)).toEqual([]);

    const back = await proxyTo(a);
    await call(desk, 'backend:set', { mode: 'remote', url: back.url, token: a.dana });
    await online(desk);
    await call(desk, 'sync:now', undefined);
    expect(await notesOn(a)).not.toContain('Draft the user throws away');
    expect(await notesOn(b)).not.toContain('Draft the user throws away');
  });
});

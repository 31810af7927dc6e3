import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import type { Storage } from '../../../server/storage/types';
import type { NoteView } from '../../../shared/ipc/views';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../../server/support/server';
import { startFaultProxy } from '../../support/fault-proxy';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Issue 9, item 1: two desks (alice and bob) edit the same note online and
 * offline. Nothing may be overwritten silently: the edit that lost is shown to
 * its author with both texts, and the server keeps every revision.
 */
const dirs = tempDirs('lk-conflict-');
let database: TestDatabase;
let storage: Storage;
let server: TestServer;
let aliceToken: string;
let bobToken: string;
const open: Desk[] = [];
const proxies: Awaited<ReturnType<typeof startFaultProxy>>[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  storage = database.storage;
  server = await startTestServer(storage);
  aliceToken = await token(storage, { userId: 'alice', role: 'desk' });
  bobToken = await token(storage, { userId: 'bob', role: 'desk' });
  await addCustomers(storage, ['acme']);
});
afterEach(async () => {
  for (const desk of open.splice(0)) {
    await desk.stop();
    desk.close();
  }
  for (const proxy of proxies.splice(0)) await proxy.close();
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

async function proxy() {
  const started = await startFaultProxy(server.url);
  proxies.push(started);
  return started;
}

async function desk(bearer: string, url = server.url): Promise<Desk> {
  const opened = await openDesk(dirs.make(), url, bearer);
  open.push(opened);
  await waitFor(async () => (await call(opened, 'customers:get', { customerId: 'acme' })) !== null, 'acme in the cache');
  return opened;
}

async function noteOn(current: Desk, noteId: string): Promise<NoteView | undefined> {
  const detail = await call(current, 'customers:get', { customerId: 'acme' });
  return detail.notes.find((note) => note.id === noteId);
}

async function serverNote(noteId: string): Promise<{ body: string; ver: number }> {
  const [row] = await storage.query<{ body: string; ver: number }>('select body, ver::integer as ver from notes where id = $1', [
    noteId,
  ]);
  if (!row) throw new Error(`note ${noteId} is not on the server`);
  return row;
}

/** Syncs until the note is on both desks as the server has it, and neither has anything waiting. */
async function settle(desks: Desk[], noteId: string): Promise<void> {
  for (const current of desks) {
    await waitFor(async () => {
      const status = await call(current, 'sync:now', undefined);
      const shown = await noteOn(current, noteId);
      const onServer = await serverNote(noteId).catch(() => null);
      return status.state === 'online' && status.pendingOutbox === 0 && onServer !== null && shown?.ver === onServer.ver;
    }, `note ${noteId} settled`);
  }
}

async function createShared(alice: Desk, bob: Desk, body: string): Promise<string> {
  const note = await call(alice, 'notes:create', { customerId: 'acme', body });
  await settle([alice, bob], note.id);
  return note.id;
}

/** Switches a desk to a closed proxy's address: the backend is unreachable, the desk works offline. */
async function goOffline(current: Desk, bearer: string): Promise<{ back(): Promise<void> }> {
  const gate = await proxy();
  await call(current, 'backend:set', { mode: 'remote', url: gate.url, token: bearer });
  await waitFor(async () => (await call(current, 'sync:status', undefined)).state === 'online', 'online through the proxy');
  await gate.close();
  return {
    async back() {
      const reopened = await proxy();
      await call(current, 'backend:set', { mode: 'remote', url: reopened.url, token: bearer });
    },
  };
}

describe('concurrent edits of one note', () => {
  it('online and online: the edit that lost is shown to its author with both texts; nothing is overwritten', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const noteId = await createShared(alice, bob, 'Customer reports an SSO login loop.');

    // Both edit the version they see before either edit reaches the server.
    await Promise.all([
      call(alice, 'notes:update', { noteId, body: 'SSO loop: the IdP metadata expired.' }),
      call(bob, 'notes:update', { noteId, body: 'SSO loop: the customer rotated the signing certificate.' }),
    ]);
    await waitFor(async () => {
      const [a, b] = await Promise.all([noteOn(alice, noteId), noteOn(bob, noteId)]);
      await Promise.all([call(alice, 'sync:now', undefined), call(bob, 'sync:now', undefined)]);
      return (a?.conflict ?? null) !== null || (b?.conflict ?? null) !== null;
    }, 'one desk shows the conflict');

    const [a, b] = await Promise.all([noteOn(alice, noteId), noteOn(bob, noteId)]);
    const loser = a?.conflict ? { view: a, winner: 'bob' } : { view: b, winner: 'alice' };
    const winnerText =
      loser.winner === 'alice'
        ? 'SSO loop: the IdP metadata expired.'
        : 'SSO loop: the customer rotated the signing certificate.';
    const loserText =
      loser.winner === 'alice'
        ? 'SSO loop: the customer rotated the signing certificate.'
        : 'SSO loop: the IdP metadata expired.';
    // Exactly one lost; the server kept the winner's text and did not let the loser's overwrite it.
    expect(a?.conflict && b?.conflict).toBeFalsy();
    expect((await serverNote(noteId)).body).toBe(winnerText);
    expect(loser.view?.conflict).toMatchObject({
      mine: loserText,
      theirs: { body: winnerText, actor: loser.winner },
    });
  });

  it('offline and online: an older offline edit does not overwrite a newer online one; its author is told', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const noteId = await createShared(alice, bob, 'Exports lag by two hours.');

    const bobOffline = await goOffline(bob, bobToken);
    await call(bob, 'notes:update', { noteId, body: 'Exports lag: worker pool was scaled to zero.' });
    await call(alice, 'notes:update', { noteId, body: 'Exports lag: fixed by restarting the export worker.' });
    await settle([alice], noteId);
    expect((await serverNote(noteId)).body).toBe('Exports lag: fixed by restarting the export worker.');

    await bobOffline.back();
    await waitFor(async () => {
      await call(bob, 'sync:now', undefined);
      return (await noteOn(bob, noteId))?.conflict ?? null;
    }, 'bob sees the conflict');
    expect((await serverNote(noteId)).body).toBe('Exports lag: fixed by restarting the export worker.');
    const shown = await noteOn(bob, noteId);
    expect(shown?.conflict).toMatchObject({
      mine: 'Exports lag: worker pool was scaled to zero.',
      theirs: { body: 'Exports lag: fixed by restarting the export worker.', actor: 'alice' },
    });
    // Nothing overwritten without a record: bob's text is in the server's history of the note, and it
    // reaches alice's desk with her next pull (the history is read from her cache).
    const expected = [
      ['alice', 'create', 'Exports lag by two hours.'],
      ['alice', 'edit', 'Exports lag: fixed by restarting the export worker.'],
      ['bob', 'conflict', 'Exports lag: worker pool was scaled to zero.'],
    ];
    const historyOnAlice = async () =>
      (await call(alice, 'notes:history', { noteId })).revisions.map((revision) => [
        revision.actor,
        revision.kind,
        revision.body,
      ]);
    await waitFor(async () => {
      await call(alice, 'sync:now', undefined);
      const seen = await historyOnAlice();
      return expected.every(([actor, kind, body]) => seen.some((row) => row[0] === actor && row[1] === kind && row[2] === body));
    }, "bob's refused edit in alice's history");
    expect(await historyOnAlice()).toEqual(expect.arrayContaining(expected));
  });

  it('both offline: the second to reach the server is told', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const noteId = await createShared(alice, bob, 'Billing sync failed overnight.');
    const aliceOffline = await goOffline(alice, aliceToken);
    const bobOffline = await goOffline(bob, bobToken);
    await call(alice, 'notes:update', { noteId, body: 'Billing sync: the API key was revoked.' });
    await call(bob, 'notes:update', { noteId, body: 'Billing sync: rate limited by the provider.' });

    await aliceOffline.back();
    await settle([alice], noteId);
    await bobOffline.back();
    await waitFor(async () => {
      await call(bob, 'sync:now', undefined);
      return (await noteOn(bob, noteId))?.conflict ?? null;
    }, 'bob sees the conflict');
    expect((await serverNote(noteId)).body).toBe('Billing sync: the API key was revoked.');
    expect((await noteOn(alice, noteId))?.conflict ?? null).toBeNull();
  });

  it('two offline edits in a row on one desk are one line of edits: no false conflict, the second wins', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const noteId = await createShared(alice, bob, 'Onboarding stuck at DNS.');
    const bobOffline = await goOffline(bob, bobToken);
    await call(bob, 'notes:update', { noteId, body: 'Onboarding stuck at DNS: CNAME missing.' });
    await call(bob, 'notes:update', { noteId, body: 'Onboarding stuck at DNS: CNAME missing; asked the customer to add it.' });
    await bobOffline.back();
    await settle([bob, alice], noteId);
    expect((await serverNote(noteId)).body).toBe('Onboarding stuck at DNS: CNAME missing; asked the customer to add it.');
    expect((await noteOn(bob, noteId))?.conflict ?? null).toBeNull();
    expect((await noteOn(alice, noteId))?.body).toBe('Onboarding stuck at DNS: CNAME missing; asked the customer to add it.');
    const history = await call(bob, 'notes:history', { noteId });
    expect(history.revisions.filter((revision) => revision.kind === 'conflict')).toEqual([]);
    expect(history.revisions.filter((revision) => revision.actor === 'bob').map((revision) => revision.body)).toEqual([
      'Onboarding stuck at DNS: CNAME missing.',
      'Onboarding stuck at DNS: CNAME missing; asked the customer to add it.',
    ]);
  });

  it('edits to different lines are merged, recorded as a merge, and shown to nobody as a conflict', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const noteId = await createShared(alice, bob, 'Symptom: slow dashboards\nCause: unknown\nNext: check the cache');
    const bobOffline = await goOffline(bob, bobToken);
    await call(bob, 'notes:update', { noteId, body: 'Symptom: slow dashboards\nCause: unknown\nNext: flushed the cache' });
    await call(alice, 'notes:update', {
      noteId,
      body: 'Symptom: slow dashboards since 09:00\nCause: unknown\nNext: check the cache',
    });
    await settle([alice], noteId);
    await bobOffline.back();
    await settle([bob, alice], noteId);
    expect((await serverNote(noteId)).body).toBe('Symptom: slow dashboards since 09:00\nCause: unknown\nNext: flushed the cache');
    expect((await noteOn(bob, noteId))?.conflict ?? null).toBeNull();
    const history = await call(alice, 'notes:history', { noteId });
    expect(history.revisions.at(-1)).toMatchObject({ actor: 'bob', kind: 'merge' });
  });

  it('the loser can keep theirs, take the other text, or merge by hand', async () => {
    const alice = await desk(aliceToken);
    const bob = await desk(bobToken);
    const conflictOn = async (noteId: string) => {
      const bobOffline = await goOffline(bob, bobToken);
      await call(bob, 'notes:update', { noteId, body: `bob's view of ${noteId}` });
      await call(alice, 'notes:update', { noteId, body: `alice's view of ${noteId}` });
      await settle([alice], noteId);
      await bobOffline.back();
      await waitFor(async () => {
        await call(bob, 'sync:now', undefined);
        return (await noteOn(bob, noteId))?.conflict ?? null;
      }, 'bob sees the conflict');
    };

    const kept = await createShared(alice, bob, 'first');
    await conflictOn(kept);
    await call(bob, 'notes:resolveConflict', { noteId: kept, choice: 'mine' });
    await settle([bob, alice], kept);
    expect((await serverNote(kept)).body).toBe(`bob's view of ${kept}`);

    const taken = await createShared(alice, bob, 'second');
    await conflictOn(taken);
    await call(bob, 'notes:resolveConflict', { noteId: taken, choice: 'theirs' });
    await settle([bob, alice], taken);
    expect((await serverNote(taken)).body).toBe(`alice's view of ${taken}`);
    expect((await noteOn(bob, taken))?.conflict ?? null).toBeNull();

    const merged = await createShared(alice, bob, 'third');
    await conflictOn(merged);
    await call(bob, 'notes:resolveConflict', { noteId: merged, choice: 'merge', body: 'both views, merged by bob' });
    await settle([bob, alice], merged);
    expect((await serverNote(merged)).body).toBe('both views, merged by bob');
    expect((await noteOn(alice, merged))?.body).toBe('both views, merged by bob');
    for (const noteId of [kept, taken, merged]) expect((await noteOn(bob, noteId))?.conflict ?? null).toBeNull();
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createIdGenerator } from '../../../server/ids';
import { insertEvents } from '../../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, event, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Issue 9, item 2: a note the desk wrote must never vanish. The outbox row goes
 * only once the note is in the cache, even while a long transaction in the same
 * database is open, and the desk says when the server may be holding rows back.
 */
const dirs = tempDirs('lk-own-');
let database: TestDatabase;
let server: TestServer;
let deskToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { delayNoticeMs: 0 });
  deskToken = await token(database.storage, { userId: 'dana', role: 'desk' });
  await addCustomers(database.storage, ['acme']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
  dirs.cleanup();
});

it('keeps its own note visible while a same-database transaction is open, and says the server is delayed', async (context) => {
  if (database.databaseUrl === null) context.skip();
  const desk = await openDesk(dirs.make(), server.url, deskToken);
  await waitFor(async () => (await call(desk, 'sync:status', undefined)).state === 'online', 'first sync');
  await waitFor(async () => (await desk.dispatch('customers:get', { customerId: 'acme' })).ok, 'acme in the cache');

  // Checked after every page the desk applies: the note is in the cache or still in the outbox, never neither.
  let noteId: string | null = null;
  const vanished: string[] = [];
  const isVisible = () =>
    noteId === null ||
    desk.cache.prepare('select 1 from notes where id = ?').get(noteId) !== undefined ||
    desk.cache.prepare("select 1 from outbox.outbox where args like '%' || ? || '%'").get(noteId) !== undefined;
  const stop = desk.events.on((name) => {
    if (name === 'cache:changed' && !isVisible()) vanished.push('after a pulled page');
  });

  let release = () => {};
  const mayCommit = new Promise<void>((resolve) => (release = resolve));
  let inserted = () => {};
  const started = new Promise<void>((resolve) => (inserted = resolve));
  const long = database.storage.transaction(async (db) => {
    await insertEvents(db, [event('acme', { summary: 'a long import' })], { now: Date.now(), newId: createIdGenerator() });
    inserted();
    await mayCommit;
  });
  await started;
  try {
    const note = await call(desk, 'notes:create', {
      customerId: 'acme',
      body: 'Written while the server had a long import open',
    });
    noteId = note.id;
    const status = await waitFor(async () => {
      const current = await call(desk, 'sync:now', undefined);
      return current.state === 'online' && current.pendingOutbox === 0 ? current : null;
    }, 'the note was sent and came back');
    // The desk's own write came back although the long transaction is still open.
    expect(desk.cache.prepare('select body from notes where id = ?').pluck().get(note.id)).toBe(
      'Written while the server had a long import open',
    );
    expect(status.serverDelayedSince).not.toBeNull();
    expect(vanished).toEqual([]);
  } finally {
    release();
  }
  await long;
  const after = await waitFor(async () => {
    const current = await call(desk, 'sync:now', undefined);
    return current.serverDelayedSince === null ? current : null;
  }, 'the delay notice clears once the transaction ended');
  expect(after.state).toBe('online');
  stop();
  await desk.stop();
  desk.close();
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerBucket } from '../../shared/sync/wire';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, createPusher, startTestServer, token, type TestServer } from './support/server';

/**
 * Issue 9, item 1 on the wire: note edits are checked against the text their
 * author started from; a concurrent change is merged when the edits touch
 * different lines and otherwise refused as a conflict that names the other
 * text and its author. Every write is a revision (who, when, what), synced.
 */
let database: TestDatabase;
let server: TestServer;
let aliceToken: string;
let bobToken: string;
let push: ReturnType<typeof createPusher>;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  push = createPusher(server.url);
  aliceToken = await token(database.storage, { userId: 'alice', role: 'desk' });
  bobToken = await token(database.storage, { userId: 'bob', role: 'desk' });
  await addCustomers(database.storage, ['acme']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function note(id: string): Promise<{ body: string; ver: number }> {
  const [row] = await database.storage.query<{ body: string; ver: number }>(
    'select body, ver::integer as ver from notes where id = $1',
    [id],
  );
  if (!row) throw new Error(`no note ${id}`);
  return row;
}

const create = (noteId: string, body: string) => ({
  name: 'note.create',
  args: { noteId, customerId: 'acme', eventId: null, body },
});
const update = (noteId: string, body: string, baseVer: number, baseBody: string) => ({
  name: 'note.update',
  v: 2,
  args: { noteId, body, baseVer, baseBody },
});

describe('note edits against their base text', () => {
  it('applies chained edits from one desk as a line of edits, each produced row named for the acknowledgement', async () => {
    const created = await push(aliceToken, 'alice-chain', [
      create('n-chain', 'one'),
      update('n-chain', 'one two', 0, 'one'),
      update('n-chain', 'one two three', 0, 'one two'),
    ]);
    expect(created.results.map((result) => [result.status, result.code ?? null])).toEqual([
      ['applied', null],
      ['applied', null],
      ['applied', null],
    ]);
    expect(created.results.map((result) => result.produced)).toEqual([
      [{ bucket: customerBucket('acme'), entity: 'note', id: 'n-chain', ver: 1 }],
      [{ bucket: customerBucket('acme'), entity: 'note', id: 'n-chain', ver: 2 }],
      [{ bucket: customerBucket('acme'), entity: 'note', id: 'n-chain', ver: 3 }],
    ]);
    expect(await note('n-chain')).toEqual({ body: 'one two three', ver: 3 });
  });

  it('refuses an edit whose base text changed meanwhile as a conflict naming the other text and author', async () => {
    await push(aliceToken, 'alice-c', [create('n-conflict', 'Customer on 5.1')]);
    await push(aliceToken, 'alice-c', [update('n-conflict', 'Customer on 5.2 after the upgrade', 1, 'Customer on 5.1')]);
    const stale = await push(bobToken, 'bob-c', [update('n-conflict', 'Customer on 5.1, upgrade blocked', 1, 'Customer on 5.1')]);
    expect(stale.results[0]).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      message: expect.stringContaining('alice'),
      conflict: {
        entity: 'note',
        id: 'n-conflict',
        field: 'body',
        ver: 2,
        value: 'Customer on 5.2 after the upgrade',
        actor: 'alice',
      },
    });
    expect(await note('n-conflict')).toEqual({ body: 'Customer on 5.2 after the upgrade', ver: 2 });
  });

  it('an old desk (note.update v1, base version only) cannot overwrite a newer text either', async () => {
    await push(aliceToken, 'alice-v1', [create('n-v1', 'base')]);
    await push(aliceToken, 'alice-v1', [update('n-v1', 'newer', 1, 'base')]);
    const old = await push(bobToken, 'bob-v1', [
      { name: 'note.update', v: 1, args: { noteId: 'n-v1', body: 'older', baseVer: 1 } },
    ]);
    expect(old.results[0]).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(await note('n-v1')).toEqual({ body: 'newer', ver: 2 });
  });

  it('merges edits to different lines and says so', async () => {
    const base = 'Symptom: 502s\nCause: unknown\nNext: check the gateway';
    await push(aliceToken, 'alice-m', [create('n-merge', base)]);
    await push(aliceToken, 'alice-m', [
      update('n-merge', 'Symptom: 502s since 08:10\nCause: unknown\nNext: check the gateway', 1, base),
    ]);
    const merged = await push(bobToken, 'bob-m', [
      update('n-merge', 'Symptom: 502s\nCause: unknown\nNext: gateway restarted', 1, base),
    ]);
    expect(merged.results[0]).toMatchObject({ status: 'applied', code: 'merged', message: expect.stringContaining('alice') });
    expect(await note('n-merge')).toEqual({ body: 'Symptom: 502s since 08:10\nCause: unknown\nNext: gateway restarted', ver: 3 });
  });

  it('keeps every write as a revision (who, when, what), synced in the customer bucket', async () => {
    await push(aliceToken, 'alice-h', [create('n-history', 'first text')]);
    await push(bobToken, 'bob-h', [update('n-history', 'bob rewrote it', 1, 'first text')]);
    await push(aliceToken, 'alice-h', [update('n-history', 'alice, stale', 1, 'first text')]);
    const desk = new MiniDesk(server.url, aliceToken);
    await desk.syncUntil((current) => current.entityIds(customerBucket('acme'), 'revision').length > 0);
    const revisions = desk
      .entityIds(customerBucket('acme'), 'revision')
      .map((id) => desk.row(customerBucket('acme'), 'revision', id) as Record<string, unknown>)
      .filter((row) => row.rowId === 'n-history')
      .sort((x, y) => String(x.id).localeCompare(String(y.id)));
    expect(revisions.map((row) => [row.entity, row.actor, row.kind, (row.fields as { body: string }).body, row.ver])).toEqual([
      ['note', 'alice', 'create', 'first text', 1],
      ['note', 'bob', 'edit', 'bob rewrote it', 2],
      ['note', 'alice', 'conflict', 'alice, stale', null],
    ]);
    for (const row of revisions) expect(Date.parse(String(row.at))).not.toBeNaN();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoteSchema } from '../../shared/domain';
import { PROTOCOL_VERSION, PushResponseSchema, customerBucket, type Mutation, type PushRequest } from '../../shared/sync/wire';
import { createIdGenerator } from '../../server/ids';
import { insertEvents } from '../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, pull, pullRequest, request, startTestServer, token, type TestServer } from './support/server';

let database: TestDatabase;
let server: TestServer;
let aliceToken: string;
let bobToken: string;
let acmeEventId: string;

function mutation(seq: number, name: string, args: unknown, overrides: Partial<Mutation> = {}): Mutation {
  return {
    seq,
    id: `m-${seq}-${name}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    v: 1,
    clientTime: '2026-03-01T12:00:00.000Z',
    args,
    ...overrides,
  };
}

function pushBody(clientId: string, mutations: Mutation[], schemaVersion = 1): PushRequest {
  return { protocol: PROTOCOL_VERSION, clientId, schemaVersion, mutations };
}

async function push(bearer: string, body: PushRequest) {
  const response = await request(server.url, 'POST', '/v1/sync/push', bearer, body);
  return { status: response.status, body: response.status === 200 ? PushResponseSchema.parse(response.body) : response.body };
}

async function countRows(table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await database.storage.query<{ count: number }>(
    `select count(*)::integer as count from ${table} where ${where}`,
    params,
  );
  return row?.count ?? 0;
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => Date.parse('2026-03-02T00:00:00.000Z') });
  aliceToken = await token(database.storage, { userId: 'alice', role: 'desk' });
  bobToken = await token(database.storage, { userId: 'bob', role: 'desk', scope: ['acme'] });
  await addCustomers(database.storage, ['acme', 'globex']);
  const { ids } = await database.storage.transaction((db) =>
    insertEvents(db, [event('acme')], { now: Date.now(), newId: createIdGenerator() }),
  );
  acmeEventId = ids[0] ?? '';
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('POST /v1/sync/push', () => {
  it('applies a note.create, records the client sequence and syncs the note back', async () => {
    const clientId = 'client-create-1';
    const body = pushBody(clientId, [
      mutation(1, 'note.create', {
        noteId: 'note-1',
        customerId: 'acme',
        eventId: acmeEventId,
        body: '  Checked the SSO config.  ',
      }),
    ]);
    const response = await push(aliceToken, body);
    const applied = {
      seq: 1,
      status: 'applied',
      produced: [{ bucket: customerBucket('acme'), entity: 'note', id: 'note-1', ver: 1 }],
    };
    expect(response).toEqual({ status: 200, body: { lastSeq: 1, results: [applied] } });

    const desk = new MiniDesk(server.url, aliceToken, clientId);
    await desk.syncUntil((current) => current.row(customerBucket('acme'), 'note', 'note-1') !== undefined);
    const note = desk.row(customerBucket('acme'), 'note', 'note-1') as Record<string, unknown>;
    expect(NoteSchema.parse(note)).toMatchObject({
      id: 'note-1',
      customerId: 'acme',
      eventId: acmeEventId,
      author: 'alice',
      body: 'Checked the SSO config.',
    });
    expect(note.ver).toBe(1);
    // The pull acknowledges what the push did, for a desk whose push response was lost.
    expect(desk.responses.at(-1)?.acked).toEqual({ lastSeq: 1, results: [applied] });
  });

  it('applies a resent batch once and answers it with the same results', async () => {
    const clientId = 'client-idempotent';
    const body = pushBody(clientId, [
      mutation(1, 'note.create', { noteId: 'note-idem-1', customerId: 'acme', eventId: null, body: 'one' }),
      mutation(2, 'note.create', { noteId: 'note-idem-2', customerId: 'nobody', eventId: null, body: 'two' }),
    ]);
    const first = await push(aliceToken, body);
    const logBefore = await countRows('change_log', "entity = 'note'");
    const second = await push(aliceToken, body);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(await countRows('notes', "id like 'note-idem-%'")).toBe(1);
    expect(await countRows('change_log', "entity = 'note'")).toBe(logBefore);

    // A batch overlapping the applied part applies only the new tail.
    const overlapping = pushBody(clientId, [
      body.mutations[1] as Mutation,
      mutation(3, 'note.create', { noteId: 'note-idem-3', customerId: 'acme', eventId: null, body: 'three' }),
    ]);
    const third = await push(aliceToken, overlapping);
    expect(third).toEqual({
      status: 200,
      body: {
        lastSeq: 3,
        results: [
          (first.body as { results: unknown[] }).results[1],
          {
            seq: 3,
            status: 'applied',
            produced: [{ bucket: customerBucket('acme'), entity: 'note', id: 'note-idem-3', ver: 1 }],
          },
        ],
      },
    });
  });

  it('refuses a gap with 409 seq_gap naming the expected seq, and stores nothing', async () => {
    const clientId = 'client-gap-01';
    await push(
      aliceToken,
      pushBody(clientId, [mutation(1, 'note.create', { noteId: 'note-gap-1', customerId: 'acme', eventId: null, body: 'x' })]),
    );
    const response = await push(
      aliceToken,
      pushBody(clientId, [mutation(3, 'note.create', { noteId: 'note-gap-3', customerId: 'acme', eventId: null, body: 'y' })]),
    );
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ error: 'seq_gap', expected: 2, message: expect.any(String) });
    expect(await countRows('notes', "id = 'note-gap-3'")).toBe(0);
    const [client] = await database.storage.query<{ last_seq: number }>('select last_seq from sync_client where client_id = $1', [
      clientId,
    ]);
    expect(client?.last_seq).toBe(1);
  });

  it('rejects bad mutations one by one with a code and message, applying the rest', async () => {
    const clientId = 'client-rejects';
    const response = await push(
      bobToken,
      pushBody(clientId, [
        mutation(1, 'note.explode', {}),
        mutation(2, 'note.create', { noteId: 'n', customerId: 'acme', eventId: null, body: 'x', extra: true }),
        mutation(3, 'note.create', { noteId: 'note-globex', customerId: 'globex', eventId: null, body: 'not my customer' }),
        mutation(4, 'note.create', { noteId: 'note-bad-event', customerId: 'acme', eventId: 'no-such-event', body: 'x' }),
        mutation(5, 'note.create', { noteId: 'note-ok', customerId: 'acme', eventId: null, body: 'fine' }),
        mutation(6, 'note.create', { noteId: 'note-ok', customerId: 'acme', eventId: null, body: 'again' }),
        mutation(7, 'note.create', { noteId: 'note-v2', customerId: 'acme', eventId: null, body: 'x' }, { v: 2 }),
        mutation(8, 'note.update', { noteId: 'no-such-note', body: 'x', baseVer: 1 }),
      ]),
    );
    expect(response.status).toBe(200);
    const results = (response.body as { results: { seq: number; status: string; code?: string; message?: string }[] }).results;
    expect(results.map((result) => [result.seq, result.status, result.code])).toEqual([
      [1, 'rejected', 'unknown_mutation'],
      [2, 'rejected', 'invalid_args'],
      [3, 'rejected', 'forbidden'],
      [4, 'rejected', 'unknown_event'],
      [5, 'applied', undefined],
      [6, 'rejected', 'note_exists'],
      [7, 'rejected', 'unsupported_version'],
      [8, 'rejected', 'unknown_note'],
    ]);
    for (const result of results.filter((item) => item.status === 'rejected')) expect(result.message).toEqual(expect.any(String));
    expect((response.body as { lastSeq: number }).lastSeq).toBe(8);
    expect(await countRows('notes', "id in ('n', 'note-globex', 'note-bad-event', 'note-v2')")).toBe(0);
    expect(await countRows('notes', "id = 'note-ok' and body = 'fine'")).toBe(1);
  });

  it('never lets a stale base version overwrite a newer text: the edit is refused as a conflict, the newer text stays', async () => {
    await push(
      aliceToken,
      pushBody('client-lww-a', [
        mutation(1, 'note.create', { noteId: 'note-lww', customerId: 'acme', eventId: null, body: 'original' }),
      ]),
    );
    const bobFirst = await push(
      bobToken,
      pushBody('client-lww-b', [mutation(1, 'note.update', { noteId: 'note-lww', body: 'bob edits v1', baseVer: 1 })]),
    );
    expect(bobFirst.body).toMatchObject({ lastSeq: 1, results: [{ seq: 1, status: 'applied' }] });
    const aliceStale = await push(
      aliceToken,
      pushBody('client-lww-a', [mutation(2, 'note.update', { noteId: 'note-lww', body: 'alice edits v1 too', baseVer: 1 })]),
    );
    expect(aliceStale.body).toMatchObject({
      lastSeq: 2,
      results: [{ seq: 2, status: 'rejected', code: 'conflict', conflict: { value: 'bob edits v1', actor: 'bob', ver: 2 } }],
    });
    const [note] = await database.storage.query<{ body: string; ver: number }>(
      "select body, ver from notes where id = 'note-lww'",
    );
    expect(note).toEqual({ body: 'bob edits v1', ver: 2 });
  });

  it('refuses a reused seq with another mutation id, and a client id owned by another user', async () => {
    const clientId = 'client-reuse';
    await push(
      aliceToken,
      pushBody(clientId, [mutation(1, 'note.create', { noteId: 'note-reuse', customerId: 'acme', eventId: null, body: 'x' })]),
    );
    const reused = await push(
      aliceToken,
      pushBody(clientId, [mutation(1, 'note.create', { noteId: 'note-reuse-2', customerId: 'acme', eventId: null, body: 'y' })]),
    );
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: 'seq_reused' });
    const stolen = await push(
      bobToken,
      pushBody(clientId, [mutation(2, 'note.create', { noteId: 'note-stolen', customerId: 'acme', eventId: null, body: 'y' })]),
    );
    expect(stolen.status).toBe(403);
    expect(stolen.body).toMatchObject({ error: 'client_owned_by_other_user' });
    const stolenPull = await request(server.url, 'POST', '/v1/sync/pull', bobToken, pullRequest(clientId, []));
    expect(stolenPull.status).toBe(403);
    expect(await countRows('notes', "id in ('note-reuse-2', 'note-stolen')")).toBe(0);
  });

  it('refuses a batch whose seqs are not consecutive with 400', async () => {
    const response = await push(
      aliceToken,
      pushBody('client-holes', [
        mutation(1, 'note.create', { noteId: 'note-h1', customerId: 'acme', eventId: null, body: 'x' }),
        mutation(3, 'note.create', { noteId: 'note-h3', customerId: 'acme', eventId: null, body: 'y' }),
      ]),
    );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'bad_batch' });
    expect(await countRows('notes', "id in ('note-h1', 'note-h3')")).toBe(0);
  });

  it('answers 426 client_too_old below the minimum schema version', async () => {
    const strict = await startTestServer(database.storage, { minSchemaVersion: 3 });
    try {
      const response = await request(
        strict.url,
        'POST',
        '/v1/sync/push',
        aliceToken,
        pushBody(
          'client-too-old',
          [mutation(1, 'note.create', { noteId: 'note-old', customerId: 'acme', eventId: null, body: 'x' })],
          2,
        ),
      );
      expect(response.status).toBe(426);
      expect(response.body).toMatchObject({ error: 'client_too_old', minSchemaVersion: 3 });
      expect(await countRows('notes', "id = 'note-old'")).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('acknowledges pushed results on the next pull of the same client', async () => {
    const clientId = 'client-acked';
    await push(aliceToken, pushBody(clientId, [mutation(1, 'note.explode', {})]));
    const response = await pull(server.url, aliceToken, pullRequest(clientId, []));
    expect(response.acked).toMatchObject({ lastSeq: 1, results: [{ seq: 1, status: 'rejected', code: 'unknown_mutation' }] });
  });
});

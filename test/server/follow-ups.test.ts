import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowUpSchema } from '../../shared/follow-ups';
import { customerBucket } from '../../shared/sync/wire';
import { runFollowUpId } from '../../server/follow-ups/edits';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, createPusher, request, startTestServer, token, type TestServer } from './support/server';

/**
 * Follow-ups (issue 12) on the server: made by hand, by REST or from a run's
 * record step; edited per field, last writer wins, and an edit that replaced
 * someone else's newer value says so (result and revision); synced in the
 * customer's bucket; resends and run re-records never make a second one.
 */
let database: TestDatabase;
let server: TestServer;
let alice: string;
let bob: string;
let scoped: string;
let push: ReturnType<typeof createPusher>;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  push = createPusher(server.url);
  alice = await token(database.storage, { userId: 'alice', role: 'desk' });
  bob = await token(database.storage, { userId: 'bob', role: 'desk' });
  scoped = await token(database.storage, { userId: 'carol', role: 'desk', scope: ['globex'] });
  await addCustomers(database.storage, ['acme', 'globex']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function stored(id: string) {
  const [row] = await database.storage.query<{ row: Record<string, unknown> }>(
    'select lk_follow_up_row(f) as row from follow_ups f where id = $1',
    [id],
  );
  return row?.row ?? null;
}

async function revisionsOf(id: string) {
  return database.storage.query<{ kind: string; actor: string; ver: number | null; fields: Record<string, string> }>(
    `select kind, actor, ver::integer as ver, fields from revisions where entity = 'follow_up' and row_id = $1 order by id`,
    [id],
  );
}

const create = (followUpId: string, extra: Record<string, unknown> = {}) => ({
  name: 'followUp.create',
  args: { followUpId, customerId: 'acme', title: 'Ask the customer to renew the IdP certificate', ...extra },
});
const update = (followUpId: string, baseVer: number, set: Record<string, unknown>, base: Record<string, unknown>) => ({
  name: 'followUp.update',
  args: { followUpId, baseVer, set, base },
});

describe('follow-ups through sync push', () => {
  it('creates one, names the row for the acknowledgement, and keeps a create revision', async () => {
    const answer = await push(alice, 'alice-create', [create('fu-a', { dueDate: '2026-12-10', owner: 'alice' })]);
    expect(answer.results[0]).toMatchObject({
      status: 'applied',
      produced: [{ bucket: customerBucket('acme'), entity: 'follow_up', id: 'fu-a', ver: 1 }],
    });
    expect(FollowUpSchema.parse(await stored('fu-a'))).toMatchObject({
      customerId: 'acme',
      state: 'open',
      owner: 'alice',
      dueDate: '2026-12-10',
      source: 'hand',
      createdBy: 'alice',
    });
    expect((await revisionsOf('fu-a')).map((row) => [row.kind, row.actor, row.ver, row.fields.state])).toEqual([
      ['create', 'alice', 1, 'open'],
    ]);
  });

  it('applies a line of offline edits from one desk (base: its own pending values) without reporting a conflict', async () => {
    const answer = await push(alice, 'alice-offline', [
      create('fu-offline'),
      update('fu-offline', 0, { state: 'in_progress' }, { state: 'open' }),
      update('fu-offline', 0, { state: 'done', owner: 'alice' }, { state: 'in_progress', owner: null }),
    ]);
    expect(answer.results.map((result) => [result.status, result.code ?? null])).toEqual([
      ['applied', null],
      ['applied', null],
      ['applied', null],
    ]);
    expect(await stored('fu-offline')).toMatchObject({ state: 'done', owner: 'alice', ver: 3 });
  });

  it('last writer wins per field; replacing a newer value is applied, reported with its writer, and kept in history', async () => {
    await push(alice, 'alice-lww', [create('fu-lww')]);
    await push(alice, 'alice-lww', [update('fu-lww', 1, { state: 'done' }, { state: 'open' })]);
    // Bob's desk last saw version 1 (state open) and closes it as won't do.
    const late = await push(bob, 'bob-lww', [update('fu-lww', 1, { state: 'wont_do' }, { state: 'open' })]);
    expect(late.results[0]).toMatchObject({
      status: 'applied',
      code: 'overwrote',
      message: expect.stringContaining('alice'),
      conflict: { entity: 'follow_up', id: 'fu-lww', field: 'state', ver: 2, value: 'done', actor: 'alice' },
      produced: [{ bucket: customerBucket('acme'), entity: 'follow_up', id: 'fu-lww', ver: 3 }],
    });
    expect(await stored('fu-lww')).toMatchObject({ state: 'wont_do', ver: 3 });
    expect((await revisionsOf('fu-lww')).map((row) => [row.actor, row.kind, row.fields])).toEqual([
      ['alice', 'create', expect.objectContaining({ state: 'open' })],
      ['alice', 'edit', { state: 'done' }],
      ['bob', 'edit', { state: 'wont_do', 'replaced:state': 'done' }],
    ]);
  });

  it('edits of different fields from an old base both stand, with nothing reported', async () => {
    await push(alice, 'alice-fields', [create('fu-fields')]);
    await push(alice, 'alice-fields', [update('fu-fields', 1, { state: 'in_progress' }, { state: 'open' })]);
    const other = await push(bob, 'bob-fields', [update('fu-fields', 1, { dueDate: '2027-01-15' }, { dueDate: null })]);
    expect(other.results[0]).toMatchObject({ status: 'applied' });
    expect(other.results[0]?.code).toBeUndefined();
    expect(await stored('fu-fields')).toMatchObject({ state: 'in_progress', dueDate: '2027-01-15', ver: 3 });
  });

  it('a resent create (its answer lost) is answered from the stored result: one follow-up, one revision', async () => {
    const first = await push(alice, 'alice-resend', [create('fu-resend')]);
    const resend = await request(server.url, 'POST', '/v1/sync/push', alice, {
      protocol: 1,
      clientId: 'client-alice-resend',
      schemaVersion: 1,
      mutations: [
        {
          seq: 1,
          id: 'client-alice-resend-1',
          name: 'followUp.create',
          v: 1,
          clientTime: '2026-03-01T12:00:00.000Z',
          args: create('fu-resend').args,
        },
      ],
    });
    expect(resend.status).toBe(200);
    expect((resend.body as { results: unknown[] }).results[0]).toEqual(first.results[0]);
    expect(await revisionsOf('fu-resend')).toHaveLength(1);
    // The same id from another write is refused, never a second row.
    const again = await push(bob, 'bob-resend', [create('fu-resend')]);
    expect(again.results[0]).toMatchObject({ status: 'rejected', code: 'follow_up_exists' });
  });

  it('refuses bad input as a clear rejection and writes nothing', async () => {
    const answer = await push(alice, 'alice-bad', [
      create('fu-bad-date', { dueDate: '2026-02-30' }),
      create('fu-bad-url', { ticketUrl: 'javascript:alert(1)' }),
      create('fu-bad-customer', { customerId: 'nobody' }),
      update('fu-missing', 1, { state: 'done' }, {}),
      update('fu-a', 1, {}, {}),
      update('fu-a', 1, { state: 'closed' }, {}),
    ]);
    expect(answer.results.map((result) => result.code)).toEqual([
      'invalid_args',
      'invalid_args',
      'unknown_customer',
      'unknown_follow_up',
      'invalid_args',
      'invalid_args',
    ]);
    expect(answer.results[0]?.message).toContain('real calendar day');
    expect(answer.results[1]?.message).toContain('http(s)');
    const [count] = await database.storage.query<{ n: number }>(
      "select count(*)::integer as n from follow_ups where id like 'fu-bad-%'",
    );
    expect(count?.n).toBe(0);
  });
});

describe('follow-ups from a wizard run', () => {
  const run = {
    runId: 'run-followups-1',
    customerId: 'acme',
    wizardId: 'sso-sign-in-failing',
    wizardVersion: 1,
    outcome: 'workaround',
    rootCause: 'idp_certificate_expired',
    path: ['check', 'record'],
    followUps: ['Ask acme IT to renew the IdP certificate', 'Remove the temporary bypass after renewal'],
    startedAt: '2026-03-01T11:00:00.000Z',
    finishedAt: '2026-03-01T11:20:00.000Z',
    summary: 'SSO sign-in failing: workaround',
    body: 'Run record',
  };

  it("turns the record step's lines into open follow-ups linked to the run, owned by who ran it, once", async () => {
    const first = await push(alice, 'alice-run', [{ name: 'wizardRun.record', args: run }]);
    const ids = [runFollowUpId(run.runId, 0), runFollowUpId(run.runId, 1)];
    expect(first.results[0]?.produced?.filter((row) => row.entity === 'follow_up').map((row) => row.id)).toEqual(ids);
    expect(await stored(ids[0] ?? '')).toMatchObject({
      title: 'Ask acme IT to renew the IdP certificate',
      runId: run.runId,
      owner: 'alice',
      state: 'open',
      source: 'run',
    });
    // Recorded again (another desk's outbox, a replay): no second set.
    const again = await push(bob, 'bob-run', [{ name: 'wizardRun.record', args: run }]);
    expect(again.results[0]).toMatchObject({ status: 'applied', message: expect.stringContaining('already recorded') });
    const [count] = await database.storage.query<{ n: number }>(
      'select count(*)::integer as n from follow_ups where run_id = $1',
      [run.runId],
    );
    expect(count?.n).toBe(2);
  });
});

describe('follow-ups over REST and sync', () => {
  it('creates, edits and lists them (mine, overdue, by problem); bad input is a 4xx that stores nothing', async () => {
    const created = await request(server.url, 'POST', '/v1/follow-ups', alice, {
      customerId: 'acme',
      title: 'Ship the permanent fix for export timeouts',
      problemId: 'prob-exports',
      dueDate: '2026-01-31',
      owner: 'bob',
      ticketUrl: 'https://tickets.example.com/OPS-77',
    });
    expect(created.status).toBe(201);
    const row = FollowUpSchema.parse(created.body);
    expect(row).toMatchObject({ problemId: 'prob-exports', ticketUrl: 'https://tickets.example.com/OPS-77' });

    const list = async (query: string) =>
      (
        (await request(server.url, 'GET', `/v1/follow-ups?${query}`, alice)).body as { followUps: { id: string }[] }
      ).followUps.map((item) => item.id);
    expect(await list('problemId=prob-exports')).toEqual([row.id]);
    expect(await list('owner=bob&state=active')).toContain(row.id);
    expect(await list('overdueOn=2026-02-01')).toContain(row.id);
    expect(await list('overdueOn=2026-01-31')).not.toContain(row.id);

    const patched = await request(server.url, 'PATCH', `/v1/follow-ups/${row.id}`, bob, {
      baseVer: 1,
      set: { state: 'done' },
      base: { state: 'open' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ followUp: { state: 'done' } });
    expect(await list('overdueOn=2026-02-01')).not.toContain(row.id);

    for (const [method, path, body, status] of [
      ['POST', '/v1/follow-ups', { customerId: 'acme', title: '' }, 400],
      ['POST', '/v1/follow-ups', { customerId: 'acme', title: 'x', extra: 1 }, 400],
      ['POST', '/v1/follow-ups', { customerId: 'nobody', title: 'x' }, 404],
      ['POST', '/v1/follow-ups', [], 400],
      ['PATCH', `/v1/follow-ups/${row.id}`, { baseVer: 1, set: { dueDate: 'soon' } }, 400],
      ['PATCH', '/v1/follow-ups/nothing-here', { baseVer: 1, set: { state: 'done' } }, 404],
    ] as const) {
      const response = await request(server.url, method, path, alice, body);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(typeof (response.body as { message?: unknown }).message).toBe('string');
    }
    expect(await request(server.url, 'GET', '/v1/follow-ups?state=closed', alice)).toMatchObject({ status: 400 });
    expect(await stored(row.id)).toMatchObject({ state: 'done', ver: 2 });
  });

  it('a scoped token neither sees nor edits follow-ups of other customers', async () => {
    await push(alice, 'alice-scope', [create('fu-scope')]);
    expect((await request(server.url, 'GET', '/v1/follow-ups/fu-scope', scoped)).status).toBe(404);
    const listed = (await request(server.url, 'GET', '/v1/follow-ups', scoped)).body as { followUps: { customerId: string }[] };
    expect(listed.followUps.every((item) => item.customerId === 'globex')).toBe(true);
    const edit = await push(scoped, 'carol-scope', [update('fu-scope', 1, { state: 'done' }, { state: 'open' })]);
    expect(edit.results[0]).toMatchObject({ status: 'rejected', code: 'unknown_follow_up' });
  });

  it("syncs follow-ups and their revisions in the customer's bucket, at bootstrap and on catch-up", async () => {
    const desk = new MiniDesk(server.url, alice);
    await desk.syncUntil((current) => current.row(customerBucket('acme'), 'follow_up', 'fu-a') !== undefined);
    expect(FollowUpSchema.parse(desk.row(customerBucket('acme'), 'follow_up', 'fu-a'))).toMatchObject({ owner: 'alice' });
    await push(bob, 'bob-sync', [update('fu-a', 1, { owner: 'bob' }, { owner: 'alice' })]);
    await desk.syncUntil(
      (current) => (current.row(customerBucket('acme'), 'follow_up', 'fu-a') as { owner?: string } | undefined)?.owner === 'bob',
    );
    expect(desk.entityIds(customerBucket('globex'), 'follow_up')).toEqual([]);
    const revisions = desk
      .entityIds(customerBucket('acme'), 'revision')
      .map((id) => desk.row(customerBucket('acme'), 'revision', id) as { entity: string; rowId: string })
      .filter((revision) => revision.entity === 'follow_up' && revision.rowId === 'fu-a');
    expect(revisions).toHaveLength(2);
  });
});

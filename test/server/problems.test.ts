import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSignature } from '../../shared/signature';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import { upsertCustomers } from '../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import {
  createPusher,
  customer,
  event,
  request,
  publishStarterWizards,
  startTestServer,
  token,
  type TestServer,
} from './support/server';

/**
 * Known problems (issue 12) on the server: lifecycle (investigating → known
 * error with a workaround wizard → fixed in a version → closed), customers
 * linked by signature and by hand, recurrence per customer, and regression —
 * the signature on a customer already on a version ≥ the fixed one after the
 * fix — flagged on the problem, the customer and the fleet.
 */
let database: TestDatabase;
let server: TestServer;
let desk: string;
let ingest: string;
let push: ReturnType<typeof createPusher>;
let clock = Date.parse('2026-12-01T00:00:00.000Z');

const exportAlert = (customerId: string, occurredAt: string, job = 'exp-1') =>
  event(customerId, {
    kind: 'alert',
    severity: 'error',
    feature: 'exports',
    summary: 'ExportJobLag',
    occurredAt,
    properties: { alertname: 'ExportJobLag', job, status: 'open', thread: `lag-${customerId}-${occurredAt}` },
  });
const SIGNATURE = eventSignature({ ...exportAlert('acme', '2026-11-01T00:00:00.000Z'), customerId: 'acme' }) ?? '';

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => clock });
  await publishStarterWizards(database.storage);
  push = createPusher(server.url);
  desk = await token(database.storage, { userId: 'dana', role: 'desk' });
  ingest = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  await database.storage.transaction((db) =>
    upsertCustomers(db, [
      customer('acme', { version: '26.12.1' }),
      customer('globex', { version: '26.11.0' }),
      customer('initech', { version: '26.12.3' }),
      customer('hooli', { version: '26.12.1' }),
    ]),
  );
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function send(events: ReturnType<typeof event>[]) {
  const response = await request(server.url, 'POST', '/v1/events', ingest, { events });
  expect(response.status).toBe(200);
}

type Report = {
  problem: { id: string; status: string; fixedAt: string | null; fixedVersion: string | null };
  hits: {
    customerId: string;
    linkedBy: string;
    occurrences: number;
    lastAt: string | null;
    regression: { at: string; version: string } | null;
  }[];
  customerCount: number;
  occurrences: number;
  regressions: number;
};

describe('known problems', () => {
  let id = '';

  it('is made from a signal (its signature) and a set of customers, and finds every customer with that signature', async () => {
    // acme twice (recurrence), globex once, a different job label (normalised away: exp-# is one pool) on initech.
    await send([
      exportAlert('acme', '2026-11-20T10:00:00.000Z'),
      exportAlert('acme', '2026-11-22T10:00:00.000Z', 'exp-7'),
      exportAlert('globex', '2026-11-21T10:00:00.000Z'),
      exportAlert('initech', '2026-11-23T10:00:00.000Z', 'exp-12'),
    ]);
    const created = await request(server.url, 'POST', '/v1/problems', desk, {
      title: 'Export jobs lag behind after the queue change',
      rules: [{ signature: SIGNATURE }],
      customers: ['hooli'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const report = created.body as Report;
    id = report.problem.id;
    expect(report.problem).toMatchObject({ status: 'investigating', fixedAt: null });
    expect(report.hits.map((hit) => [hit.customerId, hit.linkedBy, hit.occurrences, hit.regression])).toEqual([
      ['acme', 'signature', 2, null],
      ['globex', 'signature', 1, null],
      ['hooli', 'hand', 0, null],
      ['initech', 'signature', 1, null],
    ]);
    expect(report).toMatchObject({ customerCount: 4, occurrences: 4, regressions: 0 });
    expect(report.hits[0]?.lastAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('moves through its lifecycle; each step needs what it promises', async () => {
    const patch = (set: Record<string, unknown>) => request(server.url, 'PATCH', `/v1/problems/${id}`, desk, { baseVer: 1, set });
    const noWizard = await patch({ status: 'known_error' });
    expect(noWizard).toMatchObject({
      status: 400,
      body: { error: 'invalid_args', message: expect.stringContaining('workaround wizard') },
    });
    expect(await patch({ status: 'known_error', workaroundWizard: 'export-job-behind' })).toMatchObject({
      status: 200,
      body: { problem: { status: 'known_error', workaroundWizard: 'export-job-behind' } },
    });
    const noVersion = await patch({ status: 'fixed' });
    expect(noVersion).toMatchObject({ status: 400, body: { message: expect.stringContaining('fixedVersion') } });
    clock = Date.parse('2026-12-02T00:00:00.000Z');
    const fixed = await patch({ status: 'fixed', fixedVersion: '26.12.1' });
    expect(fixed).toMatchObject({
      status: 200,
      body: { problem: { status: 'fixed', fixedVersion: '26.12.1', fixedAt: '2026-12-02T00:00:00.000Z' }, regressions: 0 },
    });
    // Bad input stores nothing.
    expect(await patch({ status: 'solved' })).toMatchObject({ status: 400 });
    expect(await patch({ customers: ['nobody'] })).toMatchObject({ status: 404, body: { error: 'unknown_customer' } });
    expect(
      await request(server.url, 'PATCH', '/v1/problems/nothing-here', desk, { baseVer: 1, set: { title: 'x' } }),
    ).toMatchObject({
      status: 404,
    });
    expect(await request(server.url, 'POST', '/v1/problems', desk, { title: 'No rules, no customers' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('signature rule or a customer') },
    });
    expect(((await request(server.url, 'GET', `/v1/problems/${id}`, desk)).body as Report).problem.status).toBe('fixed');
  });

  it('flags a regression: the signature after the fix on a customer already on the fixed version or newer', async () => {
    await send([
      // After the fix: acme (26.12.1 = fixed) and initech (26.12.3 > fixed) regress; globex (26.11.0) is simply not fixed yet.
      exportAlert('acme', '2026-12-03T08:00:00.000Z'),
      exportAlert('globex', '2026-12-03T09:00:00.000Z'),
      exportAlert('initech', '2026-12-03T10:00:00.000Z'),
    ]);
    const report = (await request(server.url, 'GET', `/v1/problems/${id}`, desk)).body as Report;
    expect(report.hits.map((hit) => [hit.customerId, hit.occurrences, hit.regression])).toEqual([
      ['acme', 3, { at: '2026-12-03T08:00:00.000Z', version: '26.12.1' }],
      ['globex', 2, null],
      ['hooli', 0, null],
      ['initech', 2, { at: '2026-12-03T10:00:00.000Z', version: '26.12.3' }],
    ]);
    expect(report.regressions).toBe(2);

    // On the fleet: only regressed problems.
    const fleet = (await request(server.url, 'GET', '/v1/problems?regressed=true', desk)).body as { problems: Report[] };
    expect(fleet.problems.map((item) => item.problem.id)).toEqual([id]);
    // On the customer: the problem, flagged, with its workaround wizard first.
    const acme = (await request(server.url, 'GET', '/v1/customers/acme/problems', desk)).body as {
      problems: { problem: { id: string }; hit: { regression: unknown }; suggestedWizard: string | null }[];
    };
    expect(acme.problems).toEqual([
      expect.objectContaining({
        problem: expect.objectContaining({ id }),
        suggestedWizard: 'export-job-behind',
        hit: expect.objectContaining({ regression: expect.anything() }),
      }),
    ]);
    expect((await request(server.url, 'GET', '/v1/customers/globex/problems', desk)).body).toMatchObject({
      problems: [{ hit: { regression: null }, suggestedWizard: null }],
    });
  });

  it('closing keeps the fix; reopening ends the watch for regressions', async () => {
    const closed = await request(server.url, 'PATCH', `/v1/problems/${id}`, desk, { baseVer: 3, set: { status: 'closed' } });
    expect(closed).toMatchObject({
      status: 200,
      body: { problem: { status: 'closed', fixedAt: '2026-12-02T00:00:00.000Z' }, regressions: 2 },
    });
    const reopened = await request(server.url, 'PATCH', `/v1/problems/${id}`, desk, {
      baseVer: 4,
      set: { status: 'investigating' },
    });
    expect(reopened).toMatchObject({
      status: 200,
      body: { problem: { status: 'investigating', fixedAt: null }, regressions: 0 },
    });
  });

  it('is written through sync push too, and synced fleet-wide in the global bucket', async () => {
    const answer = await push(desk, 'dana-problems', [
      { name: 'problem.create', args: { problemId: 'prob-sso', title: 'SSO fails after IdP rotation', customers: ['acme'] } },
      { name: 'problem.update', args: { problemId: 'prob-sso', baseVer: 1, set: { owner: 'dana' } } },
      { name: 'problem.create', args: { problemId: 'prob-sso', title: 'Again', customers: ['acme'] } },
    ]);
    expect(answer.results.map((result) => [result.status, result.code ?? null])).toEqual([
      ['applied', null],
      ['applied', null],
      ['rejected', 'problem_exists'],
    ]);
    expect(answer.results[1]?.produced).toEqual([{ bucket: GLOBAL_BUCKET, entity: 'problem', id: 'prob-sso', ver: 2 }]);
    const mini = new MiniDesk(server.url, desk);
    await mini.syncUntil(
      (current) => (current.row(GLOBAL_BUCKET, 'problem', 'prob-sso') as { owner?: string } | undefined)?.owner === 'dana',
    );
    expect(mini.entityIds(GLOBAL_BUCKET, 'problem').sort()).toEqual([id, 'prob-sso'].sort());
  });

  it('edits its workaround, ticket and fix links; refuses bad values with the reason, storing nothing', async () => {
    const created = await request(server.url, 'POST', '/v1/problems', desk, {
      title: 'Exports stall at midnight',
      customers: ['acme'],
      workaround: 'Restart the export worker.',
      ticketUrl: 'https://tickets.example.com/OPS-7',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const problem = (created.body as { problem: { id: string; workaround: string; ticketUrl: string; fixUrl: null } }).problem;
    expect(problem).toMatchObject({
      workaround: 'Restart the export worker.',
      ticketUrl: 'https://tickets.example.com/OPS-7',
      fixUrl: null,
    });
    const patch = (set: Record<string, unknown>, baseVer = 1) =>
      request(server.url, 'PATCH', `/v1/problems/${problem.id}`, desk, { baseVer, set });
    expect(await patch({ fixUrl: 'javascript:alert(1)' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('http(s) address') },
    });
    expect(await patch({ fixedVersion: 'soon', status: 'fixed' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('version such as 26.12.1') },
    });
    expect(await patch({ status: 'known_error', workaroundWizard: 'no-such-wizard' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('no wizard no-such-wizard in the library') },
    });
    const edited = await patch({
      fixUrl: 'https://git.example.com/pr/42',
      workaround: 'Restart the export worker, then re-run.',
    });
    expect(edited).toMatchObject({
      status: 200,
      body: { problem: { fixUrl: 'https://git.example.com/pr/42', workaround: 'Restart the export worker, then re-run.' } },
    });
    expect(edited.body).not.toHaveProperty('replaced');
    const [row] = await database.storage.query<{ ver: number }>('select ver::integer as ver from problems where id = $1', [
      problem.id,
    ]);
    expect(row?.ver).toBe(2);
  });

  it('two people editing one field: the last writer wins, is told whose value it replaced, and both are in the history', async () => {
    const bob = await token(database.storage, { userId: 'bob', role: 'desk' });
    const created = await request(server.url, 'POST', '/v1/problems', desk, {
      title: 'Billing sync drops invoices',
      customers: ['acme'],
    });
    const id2 = (created.body as { problem: { id: string } }).problem.id;
    // Both desks saw version 1 (owner none). Bob's edit lands first.
    const first = await request(server.url, 'PATCH', `/v1/problems/${id2}`, bob, {
      baseVer: 1,
      set: { owner: 'bob' },
      base: { owner: '' },
    });
    expect(first.body).not.toHaveProperty('replaced');
    const second = await request(server.url, 'PATCH', `/v1/problems/${id2}`, desk, {
      baseVer: 1,
      set: { owner: 'dana', title: 'Billing sync drops invoices over 1,000 lines' },
      base: { owner: '', title: 'Billing sync drops invoices' },
    });
    expect(second).toMatchObject({
      status: 200,
      body: {
        problem: { owner: 'dana', title: 'Billing sync drops invoices over 1,000 lines' },
        replaced: { entity: 'problem', field: 'owner', value: 'bob', actor: 'bob' },
        message: expect.stringContaining('replaced what bob set meanwhile (owner "bob")'),
      },
    });
    const revisions = await database.storage.query<{ bucket: string; actor: string; fields: Record<string, string> }>(
      "select bucket, actor, fields from revisions where entity = 'problem' and row_id = $1 order by ver",
      [id2],
    );
    expect(revisions).toEqual([
      {
        bucket: GLOBAL_BUCKET,
        actor: 'dana',
        fields: { title: 'Billing sync drops invoices', status: 'investigating', customers: '["acme"]' },
      },
      { bucket: GLOBAL_BUCKET, actor: 'bob', fields: { owner: 'bob' } },
      {
        bucket: GLOBAL_BUCKET,
        actor: 'dana',
        fields: { owner: 'dana', title: 'Billing sync drops invoices over 1,000 lines', 'replaced:owner': 'bob' },
      },
    ]);
    // Desks receive the revisions with the problem, in the global bucket.
    const mini = new MiniDesk(server.url, desk);
    await mini.syncUntil((current) => current.entityIds(GLOBAL_BUCKET, 'revision').length >= 3);
  });
});

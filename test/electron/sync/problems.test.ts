import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { upsertCustomers } from '../../../server/repo/writes';
import { eventSignature } from '../../../shared/signature';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import {
  customer,
  event,
  request,
  publishStarterWizards,
  startTestServer,
  token,
  type TestServer,
} from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, openDesk } from './support/desks';

/**
 * Known problems on the desk (issue 12): synced fleet-wide, and what hits one
 * customer — recurrence, a regression after the fix, the workaround wizard to
 * try first — read from the cache alone, with the server's rule.
 */
const dirs = tempDirs('lk-problems-');
let database: TestDatabase;
let server: TestServer;
let desk: Desk;
let clock = Date.parse('2026-12-01T00:00:00.000Z');

const lag = (customerId: string, occurredAt: string) =>
  event(customerId, {
    kind: 'alert',
    feature: 'exports',
    summary: 'ExportJobLag',
    occurredAt,
    properties: { alertname: 'ExportJobLag', job: 'exp-1', status: 'open', thread: `t-${occurredAt}` },
  });

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => clock });
  await publishStarterWizards(database.storage);
  await database.storage.transaction((db) =>
    upsertCustomers(db, [customer('acme', { version: '26.12.1' }), customer('globex', { version: '26.11.0' })]),
  );
});
afterAll(async () => {
  await desk?.stop();
  desk?.close();
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

it('shows a recurring known problem, then its regression after the fix, with the workaround wizard first, from the cache', async () => {
  const ingest = await token(database.storage, { userId: 'feeder', role: 'ingest' });
  const dana = await token(database.storage, { userId: 'dana', role: 'desk' });
  const send = async (events: ReturnType<typeof event>[]) =>
    expect((await request(server.url, 'POST', '/v1/events', ingest, { events })).status).toBe(200);
  await send([
    lag('acme', '2026-11-20T10:00:00.000Z'),
    lag('acme', '2026-11-25T10:00:00.000Z'),
    lag('globex', '2026-11-26T10:00:00.000Z'),
  ]);
  const signature = eventSignature({ ...lag('acme', '2026-11-20T10:00:00.000Z') }) ?? '';
  const created = await request(server.url, 'POST', '/v1/problems', dana, {
    title: 'Export jobs lag after the queue change',
    rules: [{ signature }],
    workaroundWizard: 'export-job-behind',
  });
  expect(created.status).toBe(201);
  const id = (created.body as { problem: { id: string } }).problem.id;

  desk = await openDesk(dirs.make(), server.url, dana);
  const acme = async () => (await call(desk, 'problems:forCustomer', { customerId: 'acme' })).problems;
  await waitFor(async () => (await acme()).length === 1 && (await acme())[0]?.hit.occurrences === 2, 'the problem synced');
  expect((await acme())[0]).toMatchObject({
    problem: { id, status: 'known_error' },
    hit: { linkedBy: 'signature', occurrences: 2, regression: null },
    suggestedWizard: 'export-job-behind',
  });

  clock = Date.parse('2026-12-02T00:00:00.000Z');
  const fixed = await request(server.url, 'PATCH', `/v1/problems/${id}`, dana, {
    baseVer: 1,
    set: { status: 'fixed', fixedVersion: '26.12.1' },
  });
  expect(fixed.status).toBe(200);
  await send([lag('acme', '2026-12-03T08:00:00.000Z'), lag('globex', '2026-12-03T09:00:00.000Z')]);
  await waitFor(async () => (await acme())[0]?.hit.occurrences === 3, 'the new signal synced');
  // acme runs the fixed version: a regression, its workaround first. globex (26.11.0) is just not fixed yet.
  expect((await acme())[0]).toMatchObject({
    problem: { status: 'fixed', fixedVersion: '26.12.1' },
    hit: { regression: { at: '2026-12-03T08:00:00.000Z', version: '26.12.1' } },
    suggestedWizard: 'export-job-behind',
  });
  expect((await call(desk, 'problems:forCustomer', { customerId: 'globex' })).problems[0]).toMatchObject({
    hit: { occurrences: 2, regression: null },
    suggestedWizard: null,
  });
  // The fleet marks acme, and only acme (globex is below the fixed version).
  expect((await call(desk, 'problems:regressions', undefined)).rows).toEqual([
    {
      customerId: 'acme',
      problemId: id,
      title: 'Export jobs lag after the queue change',
      fixedVersion: '26.12.1',
      at: '2026-12-03T08:00:00.000Z',
      version: '26.12.1',
    },
  ]);
  // The same answer as the server's.
  const report = (await request(server.url, 'GET', `/v1/problems/${id}`, dana)).body as {
    hits: { customerId: string; regression: unknown }[];
  };
  expect(report.hits.find((hit) => hit.customerId === 'acme')?.regression).toEqual((await acme())[0]?.hit.regression);
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';
import { createApprovalHandlers } from '../../../electron/core/approvals';
import { DeskError } from '../../../shared/ipc/result';
import { PlanSchema } from '../../../shared/remediation/wire';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { startTestServer, token, type TestServer } from '../../server/support/server';
import { client, seedSmallFleet, type SmallFleet } from '../../server/remediation/support';

/**
 * The approvals inbox (issue 14) against a real server: an approver sees other
 * people's requests waiting (who asked, the customer, why, the plan), never
 * their own; declining needs a reason; the decision carries the approver's name.
 */
let database: TestDatabase;
let server: TestServer;
let fleet: SmallFleet;

beforeAll(async () => {
  database = await createTestDatabase();
  fleet = await seedSmallFleet(database.storage);
  server = await startTestServer(database.storage);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

const handlersFor = (bearer: string, person: { userId: string; roles: string[] }) =>
  createApprovalHandlers({
    backend: () => createBackendClient({ baseUrl: server.url, token: bearer }),
    user: () => person,
  });

it('lists other people’s pending approvals for an approver, not their own, and records the decision', async () => {
  const aliceToken = await token(database.storage, { userId: 'alice', role: 'desk' });
  const bobToken = await token(database.storage, { userId: 'bob', role: 'desk' });
  const alice = client(server.url, aliceToken);
  const id = fleet.faulty.upgrade_regression;
  const regression = fleet.state(id).regression;
  const planned = await alice.post('/v1/actions/plan', {
    action: 'version.pin',
    customerId: id,
    params: { version: regression?.previousVersion, reason: 'regression' },
  });
  const plan = PlanSchema.parse(planned.body);
  expect((await alice.post('/v1/approvals', { planId: plan.planId, reason: 'customer down, rollback' })).status).toBe(201);

  const asAlice = handlersFor(aliceToken, { userId: 'alice', roles: ['admin'] });
  const own = await asAlice['approvals:inbox']();
  expect(own.approvals).toEqual([]);
  // Her own request is listed as hers, waiting for someone else (the page says she cannot approve it).
  expect(own.yours).toMatchObject([{ requestedBy: 'alice', status: 'pending', plan: { planId: plan.planId } }]);

  const asBob = handlersFor(bobToken, { userId: 'bob', roles: ['approver'] });
  const inbox = await asBob['approvals:inbox']();
  expect(inbox.unavailable).toBeNull();
  expect(inbox.approvals).toHaveLength(1);
  expect(inbox.approvals[0]).toMatchObject({
    status: 'pending',
    requestedBy: 'alice',
    reason: 'customer down, rollback',
    plan: { planId: plan.planId, action: 'version.pin', customer: { id }, changes: plan.changes },
  });
  const approvalId = inbox.approvals[0]?.approvalId ?? '';

  // Alice deciding her own request is refused by the server, with its reason.
  await expect(asAlice['approvals:decide']({ approvalId, decision: 'granted', note: '' })).rejects.toMatchObject({
    code: 'forbidden',
    message: expect.stringMatching(/different person/),
  });
  await expect(asBob['approvals:decide']({ approvalId, decision: 'denied', note: '  ' })).rejects.toBeInstanceOf(DeskError);
  const decided = await asBob['approvals:decide']({ approvalId, decision: 'granted', note: 'rollback is safe' });
  expect(decided).toMatchObject({ status: 'granted', decidedBy: 'bob', note: 'rollback is safe' });
  expect((await asBob['approvals:inbox']()).approvals).toEqual([]);

  const viewer = handlersFor(bobToken, { userId: 'bob', roles: ['viewer'] });
  expect(await viewer['approvals:inbox']()).toEqual({
    approvals: [],
    yours: [],
    unavailable: expect.stringMatching(/needs the approver role/),
  });
});

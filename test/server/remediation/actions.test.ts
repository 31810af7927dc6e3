import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerSchema, TimelineEventSchema } from '../../../shared/domain';
import {
  ApprovalSchema,
  ExecutionSchema,
  PlanSchema,
  type Approval,
  type Execution,
  type Plan,
} from '../../../shared/remediation/wire';
import { customerBucket } from '../../../shared/sync/wire';
import { readCustomerStates } from '../../../server/demo/state';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { MiniDesk } from '../support/desk';
import { startTestServer, token, type TestServer } from '../support/server';
import { client, count, newKey, NOW, seedSmallFleet, type Client, type SmallFleet } from './support';

let database: TestDatabase;
let server: TestServer;
let fleet: SmallFleet;
let alice: Client;
let bob: Client;
let admin: Client;
let scopedToOther: Client;
let aliceToken: string;
const clock = { now: NOW + 60_000 };
const PLAN_TTL_MS = 10 * 60_000;

beforeAll(async () => {
  database = await createTestDatabase();
  fleet = await seedSmallFleet(database.storage);
  // Limits out of the way here; limits.test.ts covers them.
  server = await startTestServer(database.storage, {
    clock: () => clock.now,
    remediation: {
      limits: { perUser: { max: 1000, windowMs: 60_000 }, perCustomer: { max: 1000, windowMs: 60_000 }, planTtlMs: PLAN_TTL_MS },
    },
  });
  aliceToken = await token(database.storage, { userId: 'alice', role: 'desk' });
  alice = client(server.url, aliceToken);
  bob = client(server.url, await token(database.storage, { userId: 'bob', role: 'desk' }));
  admin = client(server.url, await token(database.storage, { userId: 'root', role: 'admin' }));
  scopedToOther = client(
    server.url,
    await token(database.storage, { userId: 'erin', role: 'desk', scope: [fleet.healthy[0] ?? ''] }),
  );
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function plan(as: Client, body: Record<string, unknown>): Promise<Plan> {
  const response = await as.post('/v1/actions/plan', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return PlanSchema.parse(response.body);
}

async function execute(as: Client, body: Record<string, unknown>): Promise<Execution> {
  const response = await as.post('/v1/actions/execute', body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return ExecutionSchema.parse(response.body);
}

async function auditOf(customerId: string) {
  const response = await admin.get(`/v1/audit?customerId=${customerId}`);
  expect(response.status).toBe(200);
  return (response.body as { records: Array<Record<string, unknown>> }).records;
}

describe('plan → execute on the demo fleet', () => {
  it('stops enforcing SSO on the locked-out customer: health becomes ok and the remediation syncs to the timeline', async () => {
    const id = fleet.faulty.sso_enforced_without_idp;
    const runId = 'run-sso-1';
    const planned = await plan(alice, {
      action: 'flags.set',
      customerId: id,
      params: { key: 'sso.enforce', value: false },
      runId,
      wizard: { id: 'sso-sign-in-failing', version: 1 },
    });
    expect(planned).toMatchObject({
      action: 'flags.set',
      actionVersion: 1,
      risk: 'medium',
      customer: { id, name: fleet.name(id) },
      isNoop: false,
      requiresTypedConfirmation: false,
      requiresApproval: false,
      createdBy: 'alice',
      expiresAt: new Date(clock.now + PLAN_TTL_MS).toISOString(),
    });
    expect(planned.changes).toEqual(
      expect.arrayContaining([
        { target: 'flag sso.enforce', from: true, to: false },
        { target: 'customer health', from: 'down', to: 'ok' },
      ]),
    );
    // A dry run changes nothing.
    expect((await readCustomerStates(database.storage, [id]))[0]?.flags['sso.enforce']).toBe(true);

    const key = newKey('sso');
    const execution = await execute(alice, { planId: planned.planId, idempotencyKey: key });
    expect(execution).toMatchObject({
      planId: planned.planId,
      idempotencyKey: key,
      status: 'succeeded',
      isReplay: false,
      error: null,
    });
    expect(execution.changes).toContainEqual({ target: 'flag sso.enforce', from: true, to: false });
    expect((await readCustomerStates(database.storage, [id]))[0]?.flags['sso.enforce']).toBe(false);

    const login = await alice.post('/v1/probes/sso.login', { customerId: id });
    expect(login.body).toMatchObject({ result: { ok: true, status: 200 } });

    const desk = new MiniDesk(server.url, aliceToken);
    const bucket = customerBucket(id);
    await desk.syncUntil(
      (current) =>
        CustomerSchema.parse(current.row(bucket, 'customer', id)).health === 'ok' &&
        current.row(bucket, 'event', execution.eventId ?? '') !== undefined,
    );
    const event = TimelineEventSchema.parse(desk.row(bucket, 'event', execution.eventId ?? ''));
    expect(event).toMatchObject({
      kind: 'remediation',
      actor: 'alice',
      feature: 'sso',
      prevValue: true,
      newValue: false,
      links: { run: runId },
      properties: {
        action: 'flags.set',
        planId: planned.planId,
        executionId: execution.executionId,
        status: 'succeeded',
        wizardId: 'sso-sign-in-failing',
      },
    });
    expect(event.summary).toContain('flag sso.enforce');
    expect(event.body).toMatch(/\| flag sso\.enforce \| `true` \| `false` \|/);
    expect(desk.row(bucket, 'feature', `${id}:sso`)).toMatchObject({ health: 'ok' });
    // Monitoring notices like in the live loop: the SSO alert resolves and a recovery is recorded.
    const events = desk
      .entityIds(bucket, 'event')
      .map((eventId) => TimelineEventSchema.parse(desk.row(bucket, 'event', eventId)));
    expect(events.some((item) => item.kind === 'recovery' && item.properties['fault'] === 'sso_enforced_without_idp')).toBe(true);

    const [record] = await auditOf(id);
    expect(record).toMatchObject({
      userId: 'alice',
      customerId: id,
      action: 'flags.set',
      actionVersion: 1,
      params: { key: 'sso.enforce', value: false },
      idempotencyKey: key,
      runId,
      executionId: execution.executionId,
      eventId: execution.eventId,
      auditId: execution.auditId,
      outcome: 'succeeded',
      error: null,
      approval: null,
    });
    expect((record?.plan as Plan).planId).toBe(planned.planId);
  });

  it('validates the action, its parameters and the customer before planning', async () => {
    const id = fleet.healthy[1] ?? '';
    expect(await alice.post('/v1/actions/plan', { action: 'dns.flush', customerId: id, params: {} })).toMatchObject({
      status: 404,
      body: { error: 'unknown_action' },
    });
    expect(await alice.post('/v1/actions/plan', { action: 'flags.set', customerId: id, params: { key: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_params' },
    });
    expect(
      await alice.post('/v1/actions/plan', { action: 'jobs.restart', customerId: id, params: { jobId: 'nope' } }),
    ).toMatchObject({ status: 422, body: { error: 'action_not_applicable' } });
    expect(
      await alice.post('/v1/actions/plan', { action: 'flags.set', customerId: 'nobody', params: { key: 'a.b', value: true } }),
    ).toMatchObject({ status: 404, body: { error: 'unknown_customer' } });
    expect(
      await scopedToOther.post('/v1/actions/plan', { action: 'flags.set', customerId: id, params: { key: 'a.b', value: true } }),
    ).toMatchObject({ status: 404 });
    expect(await count(database.storage, 'action_plans', 'customer_id = $1', [id])).toBe(0);
  });
});

describe('idempotency', () => {
  it('answers a replayed key with the first execution and never runs twice', async () => {
    const id = fleet.healthy[0] ?? '';
    const planned = await plan(alice, { action: 'flags.set', customerId: id, params: { key: 'search.semantic', value: true } });
    const key = newKey('replay');
    const first = await execute(alice, { planId: planned.planId, idempotencyKey: key });
    const again = await execute(alice, { planId: planned.planId, idempotencyKey: key });
    expect(again).toEqual({ ...first, isReplay: true });
    expect(await count(database.storage, 'action_executions', 'plan_id = $1', [planned.planId])).toBe(1);
    expect(
      await count(database.storage, 'events', "kind = 'remediation' and properties ->> 'planId' = $1", [planned.planId]),
    ).toBe(1);

    // The key belongs to that execution; the plan runs once whatever the key.
    const other = await plan(alice, { action: 'flags.set', customerId: id, params: { key: 'search.semantic', value: false } });
    expect(await alice.post('/v1/actions/execute', { planId: other.planId, idempotencyKey: key })).toMatchObject({
      status: 409,
      body: { error: 'idempotency_key_reused' },
    });
    expect(await bob.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key })).toMatchObject({
      status: 409,
      body: { error: 'idempotency_key_reused' },
    });
    expect(await alice.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: newKey('second') })).toMatchObject({
      status: 409,
      body: { error: 'plan_already_executed' },
    });
  });

  it('runs once when several requests with the same key arrive at the same time', async () => {
    const id = fleet.healthy[2] ?? '';
    const planned = await plan(alice, {
      action: 'flags.set',
      customerId: id,
      params: { key: 'notifications.digest', value: true },
    });
    const key = newKey('race');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => execute(alice, { planId: planned.planId, idempotencyKey: key })),
    );
    expect(new Set(answers.map((answer) => answer.executionId)).size).toBe(1);
    expect(answers.filter((answer) => !answer.isReplay)).toHaveLength(1);
    expect(answers.every((answer) => answer.status === 'succeeded')).toBe(true);
    expect(await count(database.storage, 'action_executions', 'idempotency_key = $1', [key])).toBe(1);
    expect(await count(database.storage, 'action_audit', "idempotency_key = $1 and outcome = 'succeeded'", [key])).toBe(1);
    expect(await count(database.storage, 'events', "kind = 'remediation' and properties ->> 'idempotencyKey' = $1", [key])).toBe(
      1,
    );
  });
});

describe('plan expiry and ownership', () => {
  it('refuses an expired plan and audits the refusal', async () => {
    const id = fleet.healthy[3] ?? '';
    const planned = await plan(alice, {
      action: 'flags.set',
      customerId: id,
      params: { key: 'reports.scheduled_pdf', value: true },
    });
    clock.now += PLAN_TTL_MS + 1_000;
    const key = newKey('late');
    expect(await alice.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key })).toMatchObject({
      status: 410,
      body: { error: 'plan_expired' },
    });
    expect(await count(database.storage, 'action_executions', 'plan_id = $1', [planned.planId])).toBe(0);
    expect((await readCustomerStates(database.storage, [id]))[0]?.flags['reports.scheduled_pdf']).toBe(
      fleet.state(id).flags['reports.scheduled_pdf'],
    );
    const [record] = await auditOf(id);
    expect(record).toMatchObject({
      outcome: 'refused',
      idempotencyKey: key,
      executionId: null,
      eventId: null,
      error: expect.stringContaining('plan_expired'),
    });
  });

  it('lets only the planner execute a plan, and hides plans of customers out of scope', async () => {
    const id = fleet.healthy[4] ?? '';
    const planned = await plan(alice, { action: 'flags.set', customerId: id, params: { key: 'ui.new_navigation', value: true } });
    expect(await bob.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: newKey('bob') })).toMatchObject({
      status: 403,
      body: { error: 'not_plan_owner' },
    });
    expect(
      await scopedToOther.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: newKey('erin') }),
    ).toMatchObject({ status: 404, body: { error: 'unknown_plan' } });
    expect(await alice.post('/v1/actions/execute', { planId: 'plan_missing', idempotencyKey: newKey('missing') })).toMatchObject({
      status: 404,
      body: { error: 'unknown_plan' },
    });
  });
});

describe('failed executions', () => {
  it('records a failure (state moved on since the plan) in the execution, the audit trail and the timeline', async () => {
    const id = fleet.faulty.provisioning_stuck;
    const failed = fleet.state(id).provisioning.find((step) => step.status === 'failed')?.step ?? '';
    const planned = await plan(alice, { action: 'provisioning.retry', customerId: id, params: { step: failed } });
    expect(planned.changes).toContainEqual({ target: `provisioning step ${failed} status`, from: 'failed', to: 'done' });
    // Someone else fixed the step between plan and execution.
    await database.storage.query(
      `update customer_state set state = jsonb_set(state, '{provisioning}',
         (select jsonb_agg(case when step ->> 'step' = $2 then step || '{"status":"done"}' else step end) from jsonb_array_elements(state -> 'provisioning') as step))
       where customer_id = $1`,
      [id, failed],
    );
    const key = newKey('fail');
    const execution = await execute(alice, { planId: planned.planId, idempotencyKey: key });
    expect(execution).toMatchObject({
      status: 'failed',
      isReplay: false,
      error: expect.stringContaining('only a failed step can be retried'),
    });
    expect(execution.eventId).not.toBeNull();
    const [record] = await auditOf(id);
    expect(record).toMatchObject({
      outcome: 'failed',
      executionId: execution.executionId,
      error: execution.error,
      idempotencyKey: key,
    });
    const [event] = await database.storage.query<{ severity: string; summary: string }>(
      'select severity, summary from events where id = $1',
      [execution.eventId],
    );
    expect(event).toMatchObject({ severity: 'warning', summary: expect.stringContaining('provisioning.retry failed') });
    // A replay answers the same failure; it does not try again.
    expect(await execute(alice, { planId: planned.planId, idempotencyKey: key })).toEqual({ ...execution, isReplay: true });
  });

  it('keeps the audit trail for admins only', async () => {
    expect((await alice.get('/v1/audit')).status).toBe(403);
    const all = await admin.get('/v1/audit?limit=2');
    expect(all.status).toBe(200);
    const records = (all.body as { records: Array<{ auditId: string }> }).records;
    expect(records).toHaveLength(2);
    const next = await admin.get(`/v1/audit?limit=2&before=${records[1]?.auditId}`);
    expect(
      (next.body as { records: Array<{ auditId: string }> }).records.every(
        (record) => record.auditId < (records[1]?.auditId ?? ''),
      ),
    ).toBe(true);
    expect((await admin.get('/v1/audit?limit=0')).status).toBe(400);
  });
});

describe('high-risk actions', () => {
  async function planHighRisk(customerId: string, params: Record<string, unknown>, action = 'version.pin'): Promise<Plan> {
    const planned = await plan(alice, { action, customerId, params });
    expect(planned).toMatchObject({ risk: 'high', requiresTypedConfirmation: true, requiresApproval: true });
    return planned;
  }

  async function requestApproval(planId: string): Promise<Approval> {
    const response = await alice.post('/v1/approvals', { planId, reason: 'customer down, rollback' });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return ApprovalSchema.parse(response.body);
  }

  it('needs the typed customer name and a second person’s approval; then pins the previous version and the customer recovers', async () => {
    const id = fleet.faulty.upgrade_regression;
    const regression = fleet.state(id).regression;
    const planned = await planHighRisk(id, { version: regression?.previousVersion, reason: 'regression' });
    expect(planned.changes).toEqual(
      expect.arrayContaining([{ target: 'customer version', from: regression?.version, to: regression?.previousVersion }]),
    );

    expect(
      await alice.post('/v1/actions/execute', {
        planId: planned.planId,
        idempotencyKey: newKey('noappr'),
        typedConfirmation: fleet.name(id),
      }),
    ).toMatchObject({
      status: 403,
      body: { error: 'approval_required' },
    });

    const approval = await requestApproval(planned.planId);
    expect(approval).toMatchObject({
      status: 'pending',
      requestedBy: 'alice',
      decidedBy: null,
      plan: { planId: planned.planId, changes: planned.changes },
    });
    // Approvers are people: the plan stays open for an hour once an approval is asked for.
    expect(approval.plan.expiresAt).toBe(new Date(clock.now + 60 * 60_000).toISOString());
    // Asking again answers the same approval.
    expect(await alice.post('/v1/approvals', { planId: planned.planId })).toMatchObject({
      status: 200,
      body: { approvalId: approval.approvalId },
    });

    const pending = await bob.get('/v1/approvals?status=pending');
    expect((pending.body as { approvals: Approval[] }).approvals.map((item) => item.approvalId)).toContain(approval.approvalId);
    expect(await alice.post(`/v1/approvals/${approval.approvalId}/decision`, { decision: 'granted' })).toMatchObject({
      status: 403,
      body: { error: 'self_approval' },
    });
    expect(
      await alice.post('/v1/actions/execute', {
        planId: planned.planId,
        idempotencyKey: newKey('pending'),
        typedConfirmation: fleet.name(id),
        approvalId: approval.approvalId,
      }),
    ).toMatchObject({
      status: 403,
      body: { error: 'approval_pending' },
    });

    // Bob answers after the plan's own ten minutes: the plan is still open (an hour from the request, at least ten minutes from the grant).
    clock.now += 30 * 60_000;
    const granted = await bob.post(`/v1/approvals/${approval.approvalId}/decision`, { decision: 'granted', note: 'go ahead' });
    expect(ApprovalSchema.parse(granted.body).plan.expiresAt).toBe(new Date(clock.now + 30 * 60_000).toISOString());
    expect(granted).toMatchObject({ status: 200, body: { status: 'granted', decidedBy: 'bob', note: 'go ahead' } });
    expect(await bob.post(`/v1/approvals/${approval.approvalId}/decision`, { decision: 'denied' })).toMatchObject({
      status: 409,
      body: { error: 'approval_decided' },
    });
    expect(await alice.get(`/v1/approvals/${approval.approvalId}`)).toMatchObject({ status: 200, body: { status: 'granted' } });

    expect(
      await alice.post('/v1/actions/execute', {
        planId: planned.planId,
        idempotencyKey: newKey('noname'),
        approvalId: approval.approvalId,
      }),
    ).toMatchObject({
      status: 422,
      body: { error: 'confirmation_required' },
    });
    expect(
      await alice.post('/v1/actions/execute', {
        planId: planned.planId,
        idempotencyKey: newKey('wrong'),
        typedConfirmation: 'Some Other Co',
        approvalId: approval.approvalId,
      }),
    ).toMatchObject({
      status: 422,
      body: { error: 'confirmation_mismatch' },
    });
    expect(await count(database.storage, 'action_executions', 'plan_id = $1', [planned.planId])).toBe(0);

    const key = newKey('pin');
    const execution = await execute(alice, {
      planId: planned.planId,
      idempotencyKey: key,
      typedConfirmation: `  ${fleet.name(id).toUpperCase()} `,
      approvalId: approval.approvalId,
    });
    expect(execution.status).toBe('succeeded');
    const [row] = await database.storage.query<{ version: string; health: string }>(
      'select version, health from customers where id = $1',
      [id],
    );
    expect(row).toEqual({ version: regression?.previousVersion, health: 'ok' });

    const records = await auditOf(id);
    expect(records.map((record) => record.outcome)).toEqual(['succeeded', 'refused', 'refused', 'refused', 'refused']);
    expect(records[0]).toMatchObject({
      approval: { approvalId: approval.approvalId, status: 'granted', decidedBy: 'bob' },
      idempotencyKey: key,
    });
  });

  it('blocks execution when the approver denies', async () => {
    const id = fleet.faulty.export_lag;
    const planned = await planHighRisk(id, { key: 'exports.schedule', value: '*/30 * * * *' }, 'config.set');
    const approval = await requestApproval(planned.planId);
    expect(
      await bob.post(`/v1/approvals/${approval.approvalId}/decision`, { decision: 'denied', note: 'wait for the customer' }),
    ).toMatchObject({
      status: 200,
      body: { status: 'denied', decidedBy: 'bob' },
    });
    const response = await alice.post('/v1/actions/execute', {
      planId: planned.planId,
      idempotencyKey: newKey('denied'),
      typedConfirmation: fleet.name(id),
      approvalId: approval.approvalId,
    });
    expect(response).toMatchObject({
      status: 403,
      body: { error: 'approval_denied', message: expect.stringContaining('wait for the customer') },
    });
    expect(await count(database.storage, 'action_executions', 'plan_id = $1', [planned.planId])).toBe(0);
    const denied = await bob.get('/v1/approvals?status=denied');
    expect((denied.body as { approvals: Approval[] }).approvals.map((item) => item.approvalId)).toContain(approval.approvalId);
  });

  it('refuses approvals for plans that need none, and decisions on plans out of the approver’s scope', async () => {
    const low = await plan(alice, {
      action: 'flags.set',
      customerId: fleet.healthy[5] ?? '',
      params: { key: 'api.v2_pagination', value: true },
    });
    expect(await alice.post('/v1/approvals', { planId: low.planId })).toMatchObject({
      status: 409,
      body: { error: 'approval_not_required' },
    });
    const high = await planHighRisk(fleet.healthy[5] ?? '', { key: 'data_retention_days', value: 365 }, 'config.set');
    const approval = await requestApproval(high.planId);
    expect(await scopedToOther.post(`/v1/approvals/${approval.approvalId}/decision`, { decision: 'granted' })).toMatchObject({
      status: 404,
      body: { error: 'unknown_approval' },
    });
    expect(await scopedToOther.get(`/v1/approvals/${approval.approvalId}`)).toMatchObject({ status: 404 });
    expect(await count(database.storage, 'action_approvals', "id = $1 and status = 'pending'", [approval.approvalId])).toBe(1);
  });
});

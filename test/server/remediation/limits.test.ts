import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionSchema, PlanSchema } from '../../../shared/remediation/wire';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, token, type TestServer } from '../support/server';
import { client, count, newKey, NOW, seedSmallFleet, type Client, type SmallFleet } from './support';

let database: TestDatabase;
let server: TestServer;
let fleet: SmallFleet;
const clock = { now: NOW + 60_000 };
const WINDOW_MS = 10 * 60_000;

beforeAll(async () => {
  database = await createTestDatabase();
  fleet = await seedSmallFleet(database.storage);
  server = await startTestServer(database.storage, {
    clock: () => clock.now,
    remediation: {
      limits: {
        perUser: { max: 3, windowMs: WINDOW_MS },
        perCustomer: { max: 2, windowMs: WINDOW_MS },
        maxCustomersPerRun: 2,
        planTtlMs: 24 * 60 * 60_000,
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

async function deskUser(userId: string): Promise<Client> {
  return client(server.url, await token(database.storage, { userId, role: 'desk' }));
}

let flagCounter = 0;

/** A harmless low-risk change: a fresh flag each time, so every plan really changes something. */
async function planFlag(as: Client, customerId: string, runId: string | null = null) {
  flagCounter += 1;
  const response = await as.post('/v1/actions/plan', {
    action: 'flags.set',
    customerId,
    params: { key: `limits.test_${flagCounter}`, value: true },
    runId,
  });
  return response;
}

async function planAndExecute(as: Client, customerId: string, runId: string | null = null) {
  const planned = await planFlag(as, customerId, runId);
  expect(planned.status, JSON.stringify(planned.body)).toBe(201);
  return as.post('/v1/actions/execute', { planId: PlanSchema.parse(planned.body).planId, idempotencyKey: newKey('limit') });
}

describe('rate limits and run limits', () => {
  it('limits executions per customer, answering 429 with Retry-After until the window frees a slot', async () => {
    const [first, second] = [await deskUser('pia'), await deskUser('quinn')];
    const id = fleet.healthy[0] ?? '';
    const startedAt = clock.now;
    expect((await planAndExecute(first, id)).status).toBe(200);
    clock.now += 60_000;
    expect((await planAndExecute(second, id)).status).toBe(200);
    clock.now += 30_000;
    // The plan is still fine; only the execution is refused, and the refusal is audited.
    const planned = PlanSchema.parse((await planFlag(first, id)).body);
    const key = newKey('limited');
    const refused = await first.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('limit 2') });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBe(Math.ceil((startedAt + WINDOW_MS - clock.now) / 1000));
    expect(await count(database.storage, 'action_executions', 'idempotency_key = $1', [key])).toBe(0);
    expect(
      await count(
        database.storage,
        'action_audit',
        "idempotency_key = $1 and outcome = 'refused' and error like 'rate_limited%'",
        [key],
      ),
    ).toBe(1);

    // Once the first execution leaves the window, the same request (same key) goes through.
    clock.now = startedAt + WINDOW_MS + 1_000;
    const retried = await first.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key });
    expect(retried.status).toBe(200);
    expect(ExecutionSchema.parse(retried.body)).toMatchObject({ status: 'succeeded', isReplay: false });
  });

  it('limits executions per user across customers', async () => {
    const user = await deskUser('rhea');
    const customers = fleet.healthy.slice(1, 5);
    for (const id of customers.slice(0, 3)) expect((await planAndExecute(user, id)).status).toBe(200);
    const refused = await planAndExecute(user, customers[3] ?? '');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('rhea') });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await planAndExecute(await deskUser('sol'), customers[3] ?? '')).status).toBe(200);
    clock.now += WINDOW_MS + 1_000;
  });

  it('refuses a run that reaches more customers than allowed, at plan and at execution', async () => {
    const user = await deskUser('tara');
    const runId = 'run-many-customers';
    const [a, b, c] = fleet.healthy.slice(5, 8);
    expect((await planAndExecute(user, a ?? '', runId)).status).toBe(200);
    // A plan made before the run reached its limit is still checked when it executes.
    const early = PlanSchema.parse((await planFlag(user, c ?? '', runId)).body);
    expect((await planAndExecute(user, b ?? '', runId)).status).toBe(200);
    // The same customers again are fine; a third is not.
    expect((await planAndExecute(user, a ?? '', runId)).status).toBe(200);
    const atPlan = await planFlag(user, c ?? '', runId);
    expect(atPlan.status).toBe(409);
    expect(atPlan.body).toMatchObject({ error: 'run_customer_limit', message: expect.stringContaining('at most 2') });
    const atExecute = await user.post('/v1/actions/execute', { planId: early.planId, idempotencyKey: newKey('run') });
    expect(atExecute).toMatchObject({ status: 409, body: { error: 'run_customer_limit' } });
    expect(await count(database.storage, 'action_executions', 'run_id = $1', [runId])).toBe(3);
    // In another run the customer is reachable (another user: tara used up her own rate limit).
    expect((await planAndExecute(await deskUser('uma'), c ?? '', 'another-run')).status).toBe(200);
  });
});

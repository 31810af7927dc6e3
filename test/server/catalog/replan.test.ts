import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogHolder, type CatalogHolder } from '../../../server/catalog/loader';
import { silentLogger } from '../../../server/log';
import { ExecutionSchema, PlanSchema, type Plan } from '../../../shared/remediation/wire';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../support/server';
import { client, count, newKey, type Client } from '../remediation/support';

/*
 * A confirmed plan that no longer holds is never executed (issue 11): at
 * execution the server makes the dry run again; when the target now answers
 * other changes, it refuses with 409 plan_changed, nothing reaches the target's
 * execution endpoint, the refusal is audited, and the answer carries a new plan
 * for the operator to review and confirm. The target is a real HTTP server whose
 * dry-run answer the test changes between plan and execution.
 */

/** The target's state: the seat limit of each tenant, changed by the test behind the server's back. */
const seats = new Map<string, number>([['acme-corp', 10]]);
const executions: string[] = [];

let target: http.Server;
let directory: string;
let database: TestDatabase;
let server: TestServer;
let holder: CatalogHolder;
let desk: Client;
let admin: Client;

function catalogText(base: string): string {
  return `catalog: seats
actions:
  seats.set:
    summary: Sets the customer's seat limit.
    risk: low
    params:
      type: object
      properties: { seats: { type: integer, minimum: 1 } }
      required: [seats]
    call:
      kind: http
      method: PUT
      url: '${base}/tenants/\${customer.id}/seats'
      body: { seats: '\${params.seats}' }
    plan:
      from: target
      call: { kind: http, method: GET, url: '${base}/tenants/\${customer.id}/seats/dry-run?to=\${params.seats}' }
      noop: 'size(response.body.changes) == 0'
`;
}

beforeAll(async () => {
  target = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://target');
      const tenant = url.pathname.split('/')[2] ?? '';
      const current = seats.get(tenant) ?? 0;
      response.setHeader('content-type', 'application/json');
      if (url.pathname.endsWith('/dry-run')) {
        const wanted = Number(url.searchParams.get('to'));
        const changes = wanted === current ? [] : [{ target: `seat limit of ${tenant}`, from: current, to: wanted }];
        response.end(JSON.stringify({ changes }));
        return;
      }
      executions.push(tenant);
      response.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-replan-'));
  const file = path.join(directory, 'seats.catalog.yaml');
  fs.writeFileSync(file, catalogText(base));
  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme-corp']);
  holder = await createCatalogHolder({
    file,
    secretsFile: null,
    env: {},
    connectors: {},
    scriptAllowlist: [],
    storage: database.storage,
    log: silentLogger,
    now: Date.now,
  });
  server = await startTestServer(database.storage, { remediation: { catalog: holder } });
  desk = client(server.url, await token(database.storage, { userId: 'dana' }));
  admin = client(server.url, await token(database.storage, { userId: 'root', role: 'admin' }));
});

afterAll(async () => {
  holder.close();
  await server.close();
  await database.dispose();
  await new Promise<void>((resolve) => target.close(() => resolve()));
  fs.rmSync(directory, { recursive: true, force: true });
});

async function planSeats(value: number): Promise<Plan> {
  const planned = await desk.post('/v1/actions/plan', { action: 'seats.set', customerId: 'acme-corp', params: { seats: value } });
  expect(planned.status, JSON.stringify(planned.body)).toBe(201);
  return PlanSchema.parse(planned.body);
}

describe('a confirmed plan that no longer holds (issue 11)', () => {
  it('executes a plan whose dry run still answers the same', async () => {
    seats.set('acme-corp', 10);
    const plan = await planSeats(20);
    expect(plan.changes).toEqual([{ target: 'seat limit of acme-corp', from: 10, to: 20 }]);
    const executed = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: newKey('same') });
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(ExecutionSchema.parse(executed.body).status).toBe('succeeded');
    expect(executions).toEqual(['acme-corp']);
  });

  it('refuses with 409 plan_changed and a new plan when the target now answers other changes; nothing is executed', async () => {
    executions.length = 0;
    seats.set('acme-corp', 10);
    const confirmed = await planSeats(20);
    // Someone changes the limit on the target after the operator saw the plan.
    seats.set('acme-corp', 15);
    const key = newKey('changed');
    const refused = await desk.post('/v1/actions/execute', { planId: confirmed.planId, idempotencyKey: key });
    expect(refused.status).toBe(409);
    const body = refused.body as { error: string; message: string; plan: unknown };
    expect(body.error).toBe('plan_changed');
    expect(body.message).toBe(
      `the dry run of seats.set on Customer acme-corp changed since plan ${confirmed.planId} was confirmed (seat limit of acme-corp: confirmed 10 → 20, now 15 → 20); nothing was executed — review the new plan ${PlanSchema.parse(body.plan).planId} and confirm it`,
    );
    const fresh = PlanSchema.parse(body.plan);
    expect(fresh.planId).not.toBe(confirmed.planId);
    expect(fresh).toMatchObject({
      action: 'seats.set',
      params: { seats: 20 },
      changes: [{ target: 'seat limit of acme-corp', from: 15, to: 20 }],
      isNoop: false,
      createdBy: 'dana',
    });
    expect(executions).toEqual([]);
    expect(await count(database.storage, 'action_executions', 'plan_id = $1', [confirmed.planId])).toBe(0);
    const audit = await admin.get('/v1/audit?customerId=acme-corp');
    expect(audit.status).toBe(200);
    const records = (audit.body as { records: Array<Record<string, unknown>> }).records;
    expect(records.find((record) => record['idempotencyKey'] === key)).toMatchObject({
      outcome: 'refused',
      error: expect.stringMatching(/^plan_changed: the dry run of seats.set/),
    });

    // The new plan, confirmed, runs (with the same key: the refusal used nothing up).
    const executed = await desk.post('/v1/actions/execute', { planId: fresh.planId, idempotencyKey: key });
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(ExecutionSchema.parse(executed.body)).toMatchObject({ planId: fresh.planId, status: 'succeeded', isReplay: false });
    expect(executions).toEqual(['acme-corp']);
  });

  it('says so when the change is no longer needed, and a replay of an executed plan is answered without a new dry run', async () => {
    executions.length = 0;
    seats.set('acme-corp', 10);
    const confirmed = await planSeats(30);
    const key = newKey('replay');
    expect((await desk.post('/v1/actions/execute', { planId: confirmed.planId, idempotencyKey: key })).status).toBe(200);
    seats.set('acme-corp', 30);
    // The same request again (a retry after a lost answer) is the stored execution, though the dry run now differs.
    const replay = await desk.post('/v1/actions/execute', { planId: confirmed.planId, idempotencyKey: key });
    expect(replay.status).toBe(200);
    expect(ExecutionSchema.parse(replay.body).isReplay).toBe(true);

    const second = await planSeats(40);
    seats.set('acme-corp', 40);
    const refused = await desk.post('/v1/actions/execute', { planId: second.planId, idempotencyKey: newKey('noop') });
    expect(refused.status).toBe(409);
    expect((refused.body as { message: string }).message).toContain(
      '(seat limit of acme-corp no longer changes; it would now change nothing)',
    );
    expect(PlanSchema.parse((refused.body as { plan: unknown }).plan)).toMatchObject({ changes: [], isNoop: true });
    expect(executions).toEqual(['acme-corp']);
  });
});

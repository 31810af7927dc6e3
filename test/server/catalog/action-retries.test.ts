import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogHolder, CatalogRejectedError, type CatalogHolder } from '../../../server/catalog/loader';
import { silentLogger } from '../../../server/log';
import { parseCatalog } from '../../../shared/catalog/parse';
import { ExecutionSchema, PlanSchema } from '../../../shared/remediation/wire';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../support/server';
import { client, newKey, type Client } from '../remediation/support';

/*
 * Action retries (issue 11): an action whose execution call carries its
 * idempotency key in a header the action names may retry that call on network
 * errors, 5xx and 429 (honouring Retry-After), sending the same key every time;
 * the execution and its timeline event say how many attempts were made. A
 * catalog that retries an action without such a header is refused at load.
 * The target is a real HTTP server that fails a chosen number of times.
 */

type Received = { orderId: string; key: string | undefined; at: number };
const received: Received[] = [];
/** Failures left to answer per order before the target succeeds. */
const failuresLeft = new Map<string, number>();

function failureFor(orderId: string): 'reset' | '503' | '429' | '429-long' | '400' | null {
  if (orderId === 'bad') return '400';
  if (orderId === 'down') return '503';
  const left = failuresLeft.get(orderId) ?? 0;
  if (left <= 0) return null;
  failuresLeft.set(orderId, left - 1);
  if (orderId.startsWith('net')) return 'reset';
  if (orderId.startsWith('limited')) return '429';
  if (orderId.startsWith('slow-down')) return '429-long';
  return '503';
}

let target: http.Server;
let targetUrl: string;
let directory: string;
let database: TestDatabase;
let server: TestServer;
let holder: CatalogHolder;
let desk: Client;

function catalogText(base: string): string {
  return `catalog: refunds
actions:
  orders.refund:
    summary: Refunds an order through the shop's payments API.
    risk: low
    params:
      type: object
      properties: { orderId: { type: string } }
      required: [orderId]
    idempotencyKeyHeader: X-Request-Key
    call:
      kind: http
      method: POST
      url: '${base}/orders/\${params.orderId}/refund'
      body: { reason: support }
      retries: { attempts: 4, backoff: 10ms, maxWait: 5s }
    event: { summary: 'Refunded order \${params.orderId}' }
`;
}

beforeAll(async () => {
  target = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const orderId = (request.url ?? '').split('/')[2] ?? '';
      const key = request.headers['x-request-key'];
      received.push({ orderId, key: typeof key === 'string' ? key : undefined, at: Date.now() });
      const failure = failureFor(orderId);
      if (failure === 'reset') {
        request.socket.destroy();
        return;
      }
      if (failure === '503') {
        response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
        return;
      }
      if (failure === '429' || failure === '429-long') {
        response
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': failure === '429' ? '1' : '120' })
          .end('{"error":"slow down"}');
        return;
      }
      if (failure === '400') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"order cannot be refunded"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ refunded: orderId }));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-retries-'));
  const file = path.join(directory, 'refunds.catalog.yaml');
  fs.writeFileSync(file, catalogText(targetUrl));
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
  server = await startTestServer(database.storage, {
    remediation: {
      catalog: holder,
      limits: {
        perUser: { max: 100, windowMs: 60_000 },
        perCustomer: { max: 100, windowMs: 60_000 },
        maxCustomersPerRun: 5,
        planTtlMs: 600_000,
        approvalTtlMs: 600_000,
        replayWaitMs: 20_000,
      },
    },
  });
  desk = client(server.url, await token(database.storage, { userId: 'dana' }));
});

afterAll(async () => {
  holder.close();
  await server.close();
  await database.dispose();
  await new Promise<void>((resolve) => target.close(() => resolve()));
  fs.rmSync(directory, { recursive: true, force: true });
});

async function refund(orderId: string) {
  const planned = await desk.post('/v1/actions/plan', { action: 'orders.refund', customerId: 'acme-corp', params: { orderId } });
  expect(planned.status).toBe(201);
  const plan = PlanSchema.parse(planned.body);
  const key = newKey('refund');
  const executed = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: key });
  expect(executed.status).toBe(200);
  return { key, execution: ExecutionSchema.parse(executed.body), calls: received.filter((call) => call.orderId === orderId) };
}

async function timelineEvent(eventId: string | null) {
  const rows = await database.storage.query<{ summary: string; body: string; properties: Record<string, unknown> }>(
    'select summary, body, properties from events where id = $1',
    [eventId],
  );
  return rows[0];
}

describe('retries of an action that sends its idempotency key', () => {
  it('retries 503 answers with the same key each time, and says how many attempts it made', async () => {
    failuresLeft.set('busy-1', 2);
    const { key, execution, calls } = await refund('busy-1');
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({ refunded: 'busy-1' });
    expect(execution.attempts).toBe(3);
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call.key)).toEqual([key, key, key]);
    const event = await timelineEvent(execution.eventId);
    expect(event?.summary).toBe('orders.refund: Refunded order busy-1 (3 attempts)');
    expect(event?.properties['attempts']).toBe(3);
    expect(event?.body).toContain(`Sent 3 times to the target, each time with idempotency key \`${key}\``);
  });

  it('retries a connection the target dropped', async () => {
    failuresLeft.set('net-1', 1);
    const { key, execution, calls } = await refund('net-1');
    expect(execution.status).toBe('succeeded');
    expect(execution.attempts).toBe(2);
    expect(calls.map((call) => call.key)).toEqual([key, key]);
  });

  it('waits as long as a 429 Retry-After asks before the next attempt', async () => {
    failuresLeft.set('limited-1', 1);
    const { execution, calls } = await refund('limited-1');
    expect(execution.status).toBe('succeeded');
    expect(execution.attempts).toBe(2);
    const [first, second] = calls;
    // Retry-After: 1 — never sooner (the backoff alone would be 10 ms).
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('stops when Retry-After asks for longer than maxWait, and says so', async () => {
    failuresLeft.set('slow-down-1', 1);
    const { execution, calls } = await refund('slow-down-1');
    expect(execution.status).toBe('failed');
    expect(execution.attempts).toBe(1);
    expect(calls).toHaveLength(1);
    expect(execution.error).toMatch(/answered 429.*asked to retry after 120 s, longer than the 5s this call waits/);
  });

  it('never retries an answer that is not transient (400)', async () => {
    const { execution, calls } = await refund('bad');
    expect(execution.status).toBe('failed');
    expect(execution.attempts).toBe(1);
    expect(calls).toHaveLength(1);
    expect(execution.error).toMatch(/answered 400/);
  });

  it('fails after its attempts with the count in the error, the execution and the event', async () => {
    const { key, execution, calls } = await refund('down');
    expect(execution.status).toBe('failed');
    expect(execution.attempts).toBe(4);
    expect(calls.map((call) => call.key)).toEqual([key, key, key, key]);
    expect(execution.error).toMatch(/answered 503.*\(after 4 attempts\)/);
    const event = await timelineEvent(execution.eventId);
    expect(event?.properties['attempts']).toBe(4);
    expect(event?.summary).toMatch(/^orders\.refund failed: .*after 4 attempts/);
  });

  it('answers a replay with the stored attempts and never sends the call again', async () => {
    failuresLeft.set('busy-2', 1);
    const planned = await desk.post('/v1/actions/plan', {
      action: 'orders.refund',
      customerId: 'acme-corp',
      params: { orderId: 'busy-2' },
    });
    const plan = PlanSchema.parse(planned.body);
    const key = newKey('refund');
    const first = ExecutionSchema.parse(
      (await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: key })).body,
    );
    const again = ExecutionSchema.parse(
      (await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: key })).body,
    );
    expect(first.attempts).toBe(2);
    expect(again).toMatchObject({ isReplay: true, attempts: 2, executionId: first.executionId });
    expect(received.filter((call) => call.orderId === 'busy-2')).toHaveLength(2);
  });
});

describe('a catalog that would retry an action without an idempotency key header', () => {
  const action = (extra: string, call: string) => `catalog: refunds
actions:
  orders.refund:
    summary: Refunds an order.
    risk: low
${extra}    call:
${call}
`;
  const httpCall = (more = '') => `      kind: http
      method: POST
      url: 'https://payments.example/orders'
${more}      retries: { attempts: 3 }`;

  it('is refused with file:line at the retries, also when the call says idempotent: true', () => {
    for (const text of [action('', httpCall()), action('', httpCall('      idempotent: true\n'))]) {
      const parsed = parseCatalog(text, 'refunds.catalog.yaml');
      expect(parsed.definition).toBeNull();
      expect(parsed.issues).toEqual([
        expect.objectContaining({
          file: 'refunds.catalog.yaml',
          line: text.split('\n').findIndex((line) => line.includes('retries:')) + 1,
          code: 'retry-not-idempotent',
          message: expect.stringMatching(/name the header the target deduplicates by with "idempotencyKeyHeader"/),
        }),
      ]);
    }
  });

  it('is refused for a script action, which cannot send a header', () => {
    const text = action(
      '    idempotencyKeyHeader: Idempotency-Key\n',
      `      kind: script
      command: /usr/local/bin/refund
      retries: { attempts: 2 }`,
    );
    const parsed = parseCatalog(text, 'refunds.catalog.yaml');
    const line = text.split('\n').findIndex((candidate) => candidate.includes('retries:')) + 1;
    expect(parsed.issues.map((issue) => [issue.code, issue.line])).toEqual([['retry-not-idempotent', line]]);
    expect(parsed.issues[0]?.message).toMatch(/script call is never retried/);
  });

  it('is accepted once the action names the header', () => {
    const parsed = parseCatalog(action('    idempotencyKeyHeader: Idempotency-Key\n', httpCall()), 'refunds.catalog.yaml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.definition?.actions['orders.refund']?.call).toMatchObject({ retries: { attempts: 3, maxWait: '30s' } });
  });

  it('stops a server from starting on it', async () => {
    const file = path.join(directory, 'bad.catalog.yaml');
    fs.writeFileSync(file, action('', httpCall()));
    await expect(
      createCatalogHolder({
        file,
        secretsFile: null,
        env: {},
        connectors: {},
        scriptAllowlist: [],
        storage: database.storage,
        log: silentLogger,
        now: Date.now,
      }),
    ).rejects.toThrow(CatalogRejectedError);
  });
});

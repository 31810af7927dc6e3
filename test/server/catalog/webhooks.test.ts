import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCatalog, runWizardsCli } from '../../../scripts/wizards';
import { createCatalogHolder, type CatalogHolder } from '../../../server/catalog/loader';
import { createLogger } from '../../../server/log';
import { GLOBAL_BUCKET } from '../../../shared/sync/wire';
import { ExecutionSchema, PlanSchema } from '../../../shared/remediation/wire';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, pull, pullRequest, startTestServer, token, type TestServer } from '../support/server';
import { client, count, newKey, type Client } from '../remediation/support';

/*
 * The worked example of docs/catalog.md (test/fixtures/catalog/webhooks.catalog.yaml)
 * against a local stand-in for the shop's admin API, over real HTTP: probes with
 * timeouts, retries, 5xx, malformed answers and mapping failures; actions planned
 * from a template and from the target's dry run, executed once per key; secrets
 * kept out of answers, the audit, the timeline and the logs.
 */

const SECRET = 'acme-admin-secret-5b7c2e91';
const fixture = path.join(import.meta.dirname, '..', '..', 'fixtures', 'catalog', 'webhooks.catalog.yaml');

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
const received: Received[] = [];
let flakyCalls = 0;

function deliveries(tenant: string): { status: number; type: string; body: string; delayMs?: number } {
  const json = (body: unknown, status = 200) => ({ status, type: 'application/json', body: JSON.stringify(body) });
  switch (tenant) {
    case 'slow-co':
      return { ...json({ deliveries: [] }), delayMs: 3_000 };
    case 'flaky-co':
      flakyCalls += 1;
      return flakyCalls < 3 ? json({ error: 'overloaded' }, 503) : json({ endpoint: { id: 'ep_flaky1' }, deliveries: [] });
    case 'broken-co':
      return json({ error: 'database down' }, 500);
    case 'html-co':
      return { status: 200, type: 'text/html', body: '<html>Sign in to continue</html>' };
    case 'odd-co':
      return json({ endpoint: { id: 'ep_odd01' }, deliveries: [{ status: 'failed', error: null }] });
    default:
      return json({
        endpoint: { id: 'ep_acme01' },
        deliveries: [
          { id: 'dl_3', status: 401, error: 'signature_mismatch' },
          { id: 'dl_2', status: 401, error: 'signature_mismatch' },
          { id: 'dl_1', status: 200, error: null },
        ],
      });
  }
}

let api: http.Server;
let apiUrl: string;
let directory: string;
let catalogFile: string;
let database: TestDatabase;
let server: TestServer;
let holder: CatalogHolder;
let desk: Client;
let admin: Client;
let adminToken: string;
const logLines: string[] = [];

function catalogText(): string {
  return fs.readFileSync(fixture, 'utf8').replaceAll('https://admin.acme.example', apiUrl);
}

beforeAll(async () => {
  api = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.headers.authorization !== `Bearer ${SECRET}`) {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad token"}');
        return;
      }
      const url = new URL(request.url ?? '/', 'http://api');
      const [, , , tenant, , resource, endpointId, ...rest] = url.pathname.split('/');
      if (resource === 'deliveries' && tenant) {
        const answer = deliveries(tenant);
        const send = () => response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
        if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
        else send();
        return;
      }
      if (resource === 'endpoint') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            endpointId: 'ep_acme01',
            url: 'https://hooks.acme-customer.example/in',
            secretVersion: 3,
            secretSentAt: '2026-11-01T09:00:00Z',
          }),
        );
        return;
      }
      if (resource === 'endpoints' && rest.join('/') === 'signing-secret/resend') {
        if (tenant === 'broken-co') {
          response.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"mailer down"}');
          return;
        }
        // A careless admin API echoes the caller's token: it must never reach the audit or the timeline.
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ sentTo: 2, secretVersion: 3, debug: `authorized by ${SECRET}` }));
        return;
      }
      if (resource === 'endpoints' && rest.join('/') === 'replay') {
        const isDryRun = url.searchParams.get('dryRun') === 'true';
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify(
            isDryRun
              ? {
                  deliveries: [
                    { id: 'dl_2', status: 401 },
                    { id: 'dl_3', status: 401 },
                  ],
                }
              : { replayed: 2, endpointId },
          ),
        );
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-catalog-'));
  catalogFile = path.join(directory, 'acme.catalog.yaml');
  fs.writeFileSync(catalogFile, catalogText());

  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme-corp', 'slow-co', 'flaky-co', 'broken-co', 'html-co', 'odd-co']);
  const log = createLogger((line) => logLines.push(line));
  holder = await createCatalogHolder({
    file: catalogFile,
    secretsFile: null,
    env: { ACME_ADMIN_TOKEN: SECRET },
    connectors: {},
    scriptAllowlist: [],
    storage: database.storage,
    log,
    now: Date.now,
  });
  server = await startTestServer(database.storage, { log, remediation: { catalog: holder } });
  desk = client(server.url, await token(database.storage, { userId: 'dana' }));
  adminToken = await token(database.storage, { userId: 'root', role: 'admin' });
  admin = client(server.url, adminToken);
});

afterAll(async () => {
  holder.close();
  await server.close();
  await database.dispose();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  fs.rmSync(directory, { recursive: true, force: true });
});

function callsTo(fragment: string): Received[] {
  return received.filter((call) => call.url.includes(fragment));
}

describe('a shop-defined HTTP probe', () => {
  it('calls the admin API with the secret and maps the answer into the declared result', async () => {
    const response = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'acme-corp', params: { within: '1h' } });
    expect(response.status).toBe(200);
    expect((response.body as { result: unknown }).result).toEqual({
      endpointId: 'ep_acme01',
      attempted: 3,
      failed: 2,
      failureRate: 2 / 3,
      signatureFailures: 2,
      lastStatus: 401,
    });
    const [call] = callsTo('/tenants/acme-corp/webhooks/deliveries');
    expect(call?.url).toBe('/v1/tenants/acme-corp/webhooks/deliveries?within=1h');
    expect(call?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('refuses parameters the probe does not declare, before calling anything', async () => {
    const before = received.length;
    const response = await desk.post('/v1/probes/webhooks.deliveries', {
      customerId: 'acme-corp',
      params: { within: 'yesterday' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_params' });
    expect(received.length).toBe(before);
  });

  it('retries a read that times out, then fails with the reason', async () => {
    const response = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'slow-co', params: { within: '1h' } });
    expect(response.status).toBe(502);
    expect((response.body as { message: string }).message).toMatch(/no answer within 2s \(after 3 attempts\)/);
    expect(callsTo('/tenants/slow-co/')).toHaveLength(3);
  });

  it('retries transient 5xx answers with backoff and succeeds when the service recovers', async () => {
    const response = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'flaky-co', params: { within: '1h' } });
    expect(response.status).toBe(200);
    expect(callsTo('/tenants/flaky-co/')).toHaveLength(3);
  });

  it('fails with the status and the service’s words when it keeps answering 5xx', async () => {
    const response = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'broken-co', params: { within: '1h' } });
    expect(response.status).toBe(502);
    expect((response.body as { message: string }).message).toMatch(
      /answered 500: \{"error":"database down"\} \(after 3 attempts\)/,
    );
  });

  it('fails clearly on an answer that is not JSON, and on one that does not fit the declared result', async () => {
    const html = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'html-co', params: { within: '1h' } });
    expect(html.status).toBe(502);
    expect((html.body as { message: string }).message).toMatch(/the answer is not JSON: "<html>Sign in to continue<\/html>"/);
    const odd = await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'odd-co', params: { within: '1h' } });
    expect(odd.status).toBe(502);
    expect((odd.body as { message: string }).message).toMatch(
      /result mapping failed at "failed"|does not match its declared result/,
    );
  });
});

describe('a shop-defined HTTP action', () => {
  it('plans from a template with the current state read by a probe, then executes once per idempotency key', async () => {
    const planned = await desk.post('/v1/actions/plan', {
      action: 'webhooks.resendSigningSecret',
      customerId: 'acme-corp',
      params: { endpointId: 'ep_acme01' },
    });
    expect(planned.status).toBe(201);
    const plan = PlanSchema.parse(planned.body);
    expect(plan).toMatchObject({ risk: 'medium', requiresTypedConfirmation: false, requiresApproval: false, isNoop: false });
    expect(plan.changes).toEqual([
      {
        target: 'endpoint ep_acme01 signing secret (version 3)',
        from: 'last sent 2026-11-01T09:00:00Z',
        to: "sent again to the customer's admin contacts",
      },
    ]);
    expect(callsTo('/signing-secret/resend')).toHaveLength(0);

    const key = newKey('resend');
    const executed = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: key });
    expect(executed.status).toBe(200);
    const execution = ExecutionSchema.parse(executed.body);
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({ sentTo: 2, secretVersion: 3 });
    const [call] = callsTo('/signing-secret/resend');
    expect(call?.headers['idempotency-key']).toBe(key);
    expect(JSON.parse(call?.body ?? '{}')).toEqual({ reason: 'requested by support' });

    const again = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: key });
    expect(ExecutionSchema.parse(again.body)).toMatchObject({ isReplay: true, executionId: execution.executionId });
    expect(callsTo('/signing-secret/resend')).toHaveLength(1);

    const [event] = await database.storage.query<{ summary: string; feature: string | null }>(
      'select summary, feature from events where id = $1',
      [execution.eventId],
    );
    expect(event).toEqual({
      summary: 'webhooks.resendSigningSecret: Re-sent the webhook signing secret of ep_acme01',
      feature: 'webhooks',
    });
  });

  it('records a failed execution with the reason and never sends it twice', async () => {
    const planned = await desk.post('/v1/actions/plan', {
      action: 'webhooks.resendSigningSecret',
      customerId: 'broken-co',
      params: { endpointId: 'ep_broken1' },
    });
    const plan = PlanSchema.parse(planned.body);
    const executed = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: newKey('broken') });
    const execution = ExecutionSchema.parse(executed.body);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatch(/answered 502, expected 200 or 202: \{"error":"mailer down"\}/);
    expect(callsTo('/tenants/broken-co/webhooks/endpoints/ep_broken1/signing-secret/resend')).toHaveLength(1);
  });

  it('plans from the target system’s dry run', async () => {
    const planned = await desk.post('/v1/actions/plan', {
      action: 'webhooks.replayFailed',
      customerId: 'acme-corp',
      params: { endpointId: 'ep_acme01', within: '24h' },
    });
    expect(planned.status).toBe(201);
    const plan = PlanSchema.parse(planned.body);
    expect(plan.changes).toEqual([
      { target: 'delivery dl_2', from: 'failed (401)', to: 'queued again' },
      { target: 'delivery dl_3', from: 'failed (401)', to: 'queued again' },
    ]);
    expect(callsTo('/replay?dryRun=true')).toHaveLength(1);
    expect(callsTo('/replay').filter((call) => !call.url.includes('dryRun'))).toHaveLength(0);
  });

  it('enforces the action’s own limit per customer', async () => {
    // acme-corp had one resend above; the catalog allows two per hour.
    for (const expected of [200, 429]) {
      const planned = await desk.post('/v1/actions/plan', {
        action: 'webhooks.resendSigningSecret',
        customerId: 'acme-corp',
        params: { endpointId: 'ep_acme01' },
      });
      const plan = PlanSchema.parse(planned.body);
      const executed = await desk.post('/v1/actions/execute', { planId: plan.planId, idempotencyKey: newKey('limit') });
      expect(executed.status).toBe(expected);
    }
    expect(callsTo('/tenants/acme-corp/webhooks/endpoints/ep_acme01/signing-secret/resend')).toHaveLength(2);
  });

  it('keeps the secret out of answers, plans, the audit, the timeline and the logs', async () => {
    const stored = await database.storage.query<{ text: string }>(
      `select coalesce(string_agg(x::text, ' '), '') as text from (
         select to_jsonb(a) as x from action_audit a
         union all select to_jsonb(p) from action_plans p
         union all select to_jsonb(e) from action_executions e
         union all select to_jsonb(v) from events v) rows`,
    );
    expect(stored[0]?.text).toContain('[secret adminToken]');
    expect(stored[0]?.text).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(SECRET);
  });
});

describe('the effective catalog', () => {
  it('is served to desks and synced in the global bucket without calls or secrets', async () => {
    const served = await desk.get('/v1/catalog');
    expect(served.status).toBe(200);
    const response = await pull(server.url, adminToken, pullRequest('catalog-desk', [{ bucket: GLOBAL_BUCKET, cursor: null }]));
    const page = response.buckets[0];
    const ops = page && 'ops' in page ? page.ops : [];
    const catalogOps = ops.filter((op) => op.entity === 'catalog');
    expect(catalogOps).toHaveLength(1);
    const row = catalogOps[0] && 'row' in catalogOps[0] ? catalogOps[0].row : null;
    expect(row).toEqual(served.body);
    const text = JSON.stringify(row);
    expect(text).toContain('webhooks.resendSigningSecret');
    expect(text).not.toContain(apiUrl);
    expect(text).not.toContain('ACME_ADMIN_TOKEN');
  });

  it('is what `npm run wizards -- lint --catalog <url>` checks wizards against', async () => {
    const root = path.join(import.meta.dirname, '..', '..', '..');
    const run = (catalog?: Awaited<ReturnType<typeof fetchCatalog>>) => {
      const out: string[] = [];
      const status = runWizardsCli(
        ['lint', 'test/fixtures/catalog'],
        { out: (line) => out.push(line), err: (line) => out.push(line) },
        { cwd: root, libraryDirectory: path.join(directory, 'no-library'), ...(catalog ? { catalog } : {}) },
      );
      return { status, out };
    };
    const published = await fetchCatalog(server.url, adminToken);
    expect(run(published)).toEqual({ status: 0, out: ['1 passed, 0 failed (2 scenario files skipped)'] });
    // Against the built-in demo list the shop's probes are unknown.
    const demo = run();
    expect(demo.status).toBe(1);
    expect(demo.out.join('\n')).toMatch(/unknown-probe unknown probe "webhooks.deliveries"/);
    await expect(fetchCatalog(server.url, 'not-a-token')).rejects.toThrow(/answered 401/);
  });

  it('is reloaded on request; a broken file is refused with file:line and the catalog in force keeps running', async () => {
    const before = (await desk.get('/v1/catalog')).body as { hash: string };
    fs.writeFileSync(catalogFile, catalogText().replace('risk: low', 'risk: tiny'));
    const refused = await admin.post('/v1/catalog/reload', {});
    expect(refused.status).toBe(422);
    const issues = (refused.body as { issues: { file: string; line: number; code: string }[] }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'acme.catalog.yaml', code: 'schema' });
    expect(issues[0]?.line).toBe(
      catalogText()
        .split('\n')
        .findIndex((line) => line.includes('risk: low')) + 1,
    );
    expect(((await desk.get('/v1/catalog')).body as { hash: string }).hash).toBe(before.hash);
    expect(
      (await desk.post('/v1/probes/webhooks.deliveries', { customerId: 'acme-corp', params: { within: '1h' } })).status,
    ).toBe(200);
    expect((await desk.post('/v1/catalog/reload', {})).status).toBe(403);

    fs.writeFileSync(catalogFile, catalogText().replace('risk: low', 'risk: medium'));
    const loaded = await admin.post('/v1/catalog/reload', {});
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ status: 'loaded' });
    const after = (await desk.get('/v1/catalog')).body as { hash: string; actions: { name: string; risk: string }[] };
    expect(after.hash).not.toBe(before.hash);
    expect(after.actions.find((action) => action.name === 'webhooks.replayFailed')?.risk).toBe('medium');
    expect(await count(database.storage, 'change_log', "entity = 'catalog'")).toBe(2);
    expect((await admin.post('/v1/catalog/reload', {})).body).toMatchObject({ status: 'unchanged' });
  });
});

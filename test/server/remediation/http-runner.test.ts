import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionSchema, PlanSchema } from '../../../shared/remediation/wire';
import { loadActionsConfig } from '../../../server/remediation/http-runner';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../support/server';
import { client, count, newKey, NOW, type Client } from './support';

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

const SECRET = 'admin-api-secret-7f3a9c1e';
let database: TestDatabase;
let server: TestServer;
let adminApi: http.Server;
let adminApiUrl: string;
let closedPortUrl: string;
let directory: string;
let desk: Client;
const received: Received[] = [];
const clock = { now: NOW };

function writeConfig(name: string, config: unknown): string {
  const file = path.join(directory, name);
  fs.writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-actions-'));
  // The company's admin API: records every call; job restarts are down.
  adminApi = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url?.startsWith('/jobs/')) {
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'scheduler maintenance' }));
        return;
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => adminApi.listen(0, '127.0.0.1', resolve));
  adminApiUrl = `http://127.0.0.1:${(adminApi.address() as AddressInfo).port}`;
  // A port nobody listens on: bound, noted, released.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPortUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const env = { ADMIN_API_TOKEN: SECRET };
  const file = writeConfig('actions.json', {
    actions: {
      'flags.set': {
        method: 'PUT',
        url: `${adminApiUrl}/tenants/{{customerId}}/flags/{{params.key}}`,
        headers: { authorization: { env: 'ADMIN_API_TOKEN', prefix: 'Bearer ' }, 'idempotency-key': '{{idempotencyKey}}' },
        body: { value: '{{params.value}}', note: 'set by Lightkeeper for {{customer.name}}' },
        expectedStatus: 204,
        version: 3,
      },
      'jobs.restart': { method: 'POST', url: `${adminApiUrl}/jobs/{{params.jobId}}/restart`, expectedStatus: [200, 202] },
      'feature.setEnabled': {
        method: 'POST',
        url: `${closedPortUrl}/features/{{params.feature}}`,
        body: { enabled: '{{params.enabled}}' },
        timeoutMs: 2000,
      },
    },
  });
  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme-corp']);
  server = await startTestServer(database.storage, {
    clock: () => clock.now,
    remediation: { httpActions: loadActionsConfig(file, env), env },
  });
  desk = client(server.url, await token(database.storage, { userId: 'alice', role: 'desk' }));
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((resolve) => (adminApi ? adminApi.close(() => resolve()) : resolve()));
  await database?.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

async function planAction(action: string, params: Record<string, unknown>) {
  const response = await desk.post('/v1/actions/plan', { action, customerId: 'acme-corp', params });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return PlanSchema.parse(response.body);
}

describe('the HTTP runner', () => {
  it('registers the configured actions as HTTP actions with their version, and the rest as demo actions', async () => {
    const response = await desk.get('/v1/actions');
    const actions = (response.body as { actions: Array<{ name: string; runner: string; version: number }> }).actions;
    expect(actions.find((action) => action.name === 'flags.set')).toMatchObject({ runner: 'http', version: 3 });
    expect(actions.find((action) => action.name === 'provisioning.retry')).toMatchObject({ runner: 'demo', version: 1 });
  });

  it('plans the rendered request without the secret, then calls the admin API once with it', async () => {
    const planned = await planAction('flags.set', { key: 'sso/enforce now', value: false });
    const target = `PUT ${adminApiUrl}/tenants/acme-corp/flags/sso%2Fenforce%20now`;
    expect(planned).toMatchObject({ actionVersion: 3, isNoop: false, risk: 'medium' });
    expect(planned.changes).toEqual([
      {
        target,
        from: null,
        to: {
          headers: {
            authorization: 'Bearer [secret from $ADMIN_API_TOKEN]',
            'idempotency-key': '(idempotency key)',
            'content-type': 'application/json',
          },
          body: { value: false, note: 'set by Lightkeeper for Customer acme-corp' },
        },
      },
    ]);
    expect(received).toHaveLength(0);

    const key = newKey('http');
    const response = await desk.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const execution = ExecutionSchema.parse(response.body);
    expect(execution).toMatchObject({ status: 'succeeded', result: { status: 204, body: null }, error: null });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/tenants/acme-corp/flags/sso%2Fenforce%20now' });
    expect(received[0]?.headers).toMatchObject({
      authorization: `Bearer ${SECRET}`,
      'idempotency-key': key,
      'content-type': 'application/json',
    });
    // A whole-value placeholder keeps the JSON type: false stays a boolean.
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ value: false, note: 'set by Lightkeeper for Customer acme-corp' });

    const replay = ExecutionSchema.parse(
      (await desk.post('/v1/actions/execute', { planId: planned.planId, idempotencyKey: key })).body,
    );
    expect(replay.isReplay).toBe(true);
    expect(received).toHaveLength(1);
    const [event] = await database.storage.query<{ kind: string; summary: string }>(
      'select kind, summary from events where id = $1',
      [execution.eventId],
    );
    expect(event).toMatchObject({ kind: 'remediation', summary: expect.stringContaining(target) });
  });

  it('fails the execution when the API answers an unexpected status or cannot be reached, and audits it', async () => {
    const restart = await planAction('jobs.restart', { jobId: 'acme.export' });
    const failed = ExecutionSchema.parse(
      (await desk.post('/v1/actions/execute', { planId: restart.planId, idempotencyKey: newKey('503') })).body,
    );
    expect(failed).toMatchObject({ status: 'failed', result: { status: 503, body: { error: 'scheduler maintenance' } } });
    expect(failed.error).toContain('answered 503, expected 200 or 202');

    const unreachable = await planAction('feature.setEnabled', { feature: 'exports', enabled: true });
    const down = ExecutionSchema.parse(
      (await desk.post('/v1/actions/execute', { planId: unreachable.planId, idempotencyKey: newKey('down') })).body,
    );
    expect(down).toMatchObject({ status: 'failed', result: null });
    expect(down.error).toMatch(new RegExp(`^POST ${closedPortUrl}/features/exports failed: `));

    const audit = await database.storage.query<{ outcome: string; execution_id: string }>(
      "select outcome, execution_id from action_audit where outcome = 'failed' order by id",
    );
    expect(audit.map((row) => row.execution_id)).toEqual([failed.executionId, down.executionId]);
  });

  it('never stores the secret', async () => {
    for (const [table, column] of [
      ['action_plans', "plan::text || coalesce(details::text, '')"],
      ['action_executions', "coalesce(changes::text, '') || coalesce(result::text, '') || coalesce(error, '')"],
      ['action_audit', "plan::text || coalesce(error, '')"],
      ['events', "coalesce(body, '') || summary || properties::text"],
    ] as const) {
      expect(await count(database.storage, table, `${column} like $1`, [`%${SECRET}%`]), table).toBe(0);
    }
  });
});

describe('loadActionsConfig', () => {
  it('names every problem of a config: unknown actions, placeholders, missing secrets, bad URLs', () => {
    const file = writeConfig('bad.json', {
      actions: {
        'dns.flush': { method: 'POST', url: 'https://admin.example.com/dns' },
        'flags.set': {
          method: 'PUT',
          url: 'https://admin.example.com/{{params.flag}}/{{tenant}}',
          headers: { authorization: { env: 'MISSING_TOKEN' } },
        },
        'jobs.restart': { method: 'POST', url: 'ftp://admin.example.com/{{params.jobId}}' },
      },
    });
    let message = '';
    try {
      loadActionsConfig(file, {});
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain('actions.dns.flush: not an action of the catalog');
    expect(message).toContain('unknown placeholder {{params.flag}}');
    expect(message).toContain('unknown placeholder {{tenant}}');
    expect(message).toContain('environment variable MISSING_TOKEN is not set');
    expect(message).toContain('actions.jobs.restart.url: must start with http:// or https://');
    expect(message).not.toContain(SECRET);
  });

  it('refuses files that are not JSON or not the config shape', () => {
    expect(() => loadActionsConfig(writeConfig('broken.json', '{ "actions": '), {})).toThrow(/broken\.json/);
    expect(() =>
      loadActionsConfig(writeConfig('shape.json', { actions: { 'flags.set': { method: 'FETCH', url: 'https://x' } } }), {}),
    ).toThrow(/method/);
    expect(() => loadActionsConfig(path.join(directory, 'missing.json'), {})).toThrow(/missing\.json/);
  });
});

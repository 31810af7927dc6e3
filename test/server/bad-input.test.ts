import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema, MAX_PULL_LIMIT, MAX_PUSH_MUTATIONS, PROTOCOL_VERSION, customerBucket } from '../../shared/sync/wire';
import { createTestDatabase, storedRows, type TestDatabase } from './support/database';
import { addCustomers, customer, event, pullRequest, request, startTestServer, token, type TestServer } from './support/server';

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

const snapshotCounts = () => storedRows(database.storage);

const pushMutation = {
  seq: 1,
  id: 'm-1',
  name: 'note.create',
  v: 1,
  clientTime: '2026-03-01T00:00:00Z',
  args: { noteId: 'n1', customerId: 'acme', eventId: null, body: 'x' },
};

/** A valid body per endpoint; each case below breaks it one way. */
const ENDPOINTS: { method: string; path: string; valid: Record<string, unknown>; wrongType: Record<string, unknown> }[] = [
  {
    method: 'POST',
    path: '/v1/sync/pull',
    valid: pullRequest('client-bad-input', [{ bucket: customerBucket('acme'), cursor: null }]),
    wrongType: { ...pullRequest('client-bad-input', []), limit: 'lots' },
  },
  {
    method: 'POST',
    path: '/v1/sync/push',
    valid: { protocol: PROTOCOL_VERSION, clientId: 'client-bad-input', schemaVersion: 1, mutations: [pushMutation] },
    wrongType: {
      protocol: PROTOCOL_VERSION,
      clientId: 'client-bad-input',
      schemaVersion: 1,
      mutations: [{ ...pushMutation, seq: '1' }],
    },
  },
  { method: 'POST', path: '/v1/events', valid: { events: [event('acme')] }, wrongType: { events: 'many' } },
  {
    method: 'PUT',
    path: '/v1/aliases',
    valid: { aliases: [{ alias: 'acme-prod', customerId: 'acme' }] },
    wrongType: { aliases: [{ alias: 7, customerId: 'acme' }] },
  },
  {
    method: 'PUT',
    path: '/v1/customers',
    valid: { customers: [customer('umbrella')] },
    wrongType: { customers: [{ ...customer('umbrella'), plan: 7 }] },
  },
  {
    method: 'PUT',
    path: '/v1/customers/acme/features',
    valid: { features: [{ feature: 'sso', entitled: true, enabled: true, health: 'ok', lastSignalAt: null }] },
    wrongType: { features: [{ feature: 'sso', entitled: 'yes', enabled: true, health: 'ok', lastSignalAt: null }] },
  },
  {
    method: 'PUT',
    path: '/v1/releases',
    valid: { releases: [{ version: '9.0.0', releasedAt: '2026-01-01T00:00:00Z', notes: null }] },
    wrongType: { releases: [{ version: 9 }] },
  },
  {
    method: 'POST',
    path: '/v1/tokens',
    valid: { userId: 'carol', role: 'desk' },
    wrongType: { userId: 'carol', role: 'superuser' },
  },
];

async function send(method: string, path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: JSON.parse(await response.text()) as unknown };
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { bodyLimitBytes: 256 * 1024 });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('bad input', () => {
  it('answers every malformed request with a 4xx JSON error and stores nothing', async () => {
    const before = await snapshotCounts();
    for (const endpoint of ENDPOINTS) {
      const cases: { name: string; status: number; error?: string; response: Promise<{ status: number; body: unknown }> }[] = [
        {
          name: 'malformed JSON',
          status: 400,
          error: 'malformed_json',
          response: send(endpoint.method, endpoint.path, '{"protocol": 1, '),
        },
        { name: 'empty body', status: 400, error: 'malformed_json', response: send(endpoint.method, endpoint.path, '') },
        { name: 'a JSON array', status: 400, response: send(endpoint.method, endpoint.path, '[]') },
        { name: 'wrong types', status: 400, response: send(endpoint.method, endpoint.path, JSON.stringify(endpoint.wrongType)) },
        {
          name: 'unknown field',
          status: 400,
          response: send(endpoint.method, endpoint.path, JSON.stringify({ ...endpoint.valid, surprise: true })),
        },
        {
          name: 'prototype pollution',
          status: 400,
          response: send(
            endpoint.method,
            endpoint.path,
            `{"__proto__": {"admin": true}, ${JSON.stringify(endpoint.valid).slice(1)}`,
          ),
        },
        {
          name: 'not JSON',
          status: 415,
          error: 'unsupported_media_type',
          response: send(endpoint.method, endpoint.path, 'hello', 'text/plain'),
        },
        {
          name: 'too large',
          status: 413,
          error: 'payload_too_large',
          response: send(endpoint.method, endpoint.path, JSON.stringify({ ...endpoint.valid, padding: 'x'.repeat(300 * 1024) })),
        },
      ];
      for (const item of cases) {
        const response = await item.response;
        const label = `${endpoint.method} ${endpoint.path}: ${item.name}`;
        expect(response.status, label).toBe(item.status);
        const body = ApiErrorSchema.parse(response.body);
        if (item.error) expect(body.error, label).toBe(item.error);
        expect(body.message.length, label).toBeGreaterThan(0);
      }
    }
    expect(await snapshotCounts()).toEqual(before);
  });

  it('refuses oversized sync requests', async () => {
    const before = await snapshotCounts();
    const mutations = Array.from({ length: MAX_PUSH_MUTATIONS + 1 }, (_, index) => ({
      ...pushMutation,
      seq: index + 1,
      id: `m-${index}`,
    }));
    const push = await request(server.url, 'POST', '/v1/sync/push', adminToken, {
      protocol: PROTOCOL_VERSION,
      clientId: 'client-oversized',
      schemaVersion: 1,
      mutations,
    });
    expect(push.status).toBe(400);
    expect(ApiErrorSchema.parse(push.body).message).toContain('mutations');
    const pull = await request(
      server.url,
      'POST',
      '/v1/sync/pull',
      adminToken,
      pullRequest('client-oversized', [], MAX_PULL_LIMIT + 1),
    );
    expect(pull.status).toBe(400);
    const protocol = await request(server.url, 'POST', '/v1/sync/pull', adminToken, {
      ...pullRequest('client-oversized', []),
      protocol: 2,
    });
    expect(protocol.status).toBe(400);
    expect(await snapshotCounts()).toEqual(before);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await request(server.url, 'GET', '/v1/nothing-here', adminToken);
    expect(response.status).toBe(404);
    expect(ApiErrorSchema.parse(response.body).error).toBe('not_found');
  });
});

describe('authentication', () => {
  const protectedRoutes = [
    ...ENDPOINTS.map((endpoint) => ({ method: endpoint.method, path: endpoint.path, body: endpoint.valid })),
    { method: 'GET', path: '/v1/stream', body: undefined },
  ];

  it('answers 401 with a JSON body for a missing or unknown token, and stores nothing', async () => {
    const before = await snapshotCounts();
    for (const route of protectedRoutes) {
      for (const bearer of [null, 'lk_not-a-real-token']) {
        const response = await request(server.url, route.method, route.path, bearer, route.body);
        expect(response.status, `${route.method} ${route.path}`).toBe(401);
        expect(ApiErrorSchema.parse(response.body).error).toBe('unauthorized');
        // RFC 6750: a missing token gets the bare challenge, a wrong one says invalid_token.
        expect(response.headers.get('www-authenticate')).toBe(bearer === null ? 'Bearer' : 'Bearer error="invalid_token"');
      }
    }
    const malformed = await fetch(`${server.url}/v1/sync/pull`, {
      method: 'POST',
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    });
    expect(malformed.status).toBe(401);
    expect(await snapshotCounts()).toEqual(before);
  });

  it('keeps GET /v1/health public', async () => {
    const response = await request(server.url, 'GET', '/v1/health', null);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, version: 'dev', storage: database.storage.kind });
  });

  it('stops accepting a revoked token', async () => {
    const created = await request(server.url, 'POST', '/v1/tokens', adminToken, {
      userId: 'dave',
      role: 'desk',
      customers: ['acme'],
    });
    expect(created.status).toBe(201);
    const { token: daveToken, tokenId } = created.body as { token: string; tokenId: string };
    expect((await request(server.url, 'POST', '/v1/sync/pull', daveToken, pullRequest('client-dave-1', []))).status).toBe(200);
    expect((await request(server.url, 'DELETE', `/v1/tokens/${tokenId}`, adminToken)).status).toBe(204);
    expect((await request(server.url, 'POST', '/v1/sync/pull', daveToken, pullRequest('client-dave-1', []))).status).toBe(401);
    // Only the hash is stored.
    const stored = await database.storage.query<{ token_hash: string }>('select token_hash from api_tokens');
    expect(stored.some((row) => row.token_hash.includes(adminToken))).toBe(false);
  });
});

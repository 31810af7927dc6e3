import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../server/app';
import { ApiErrorSchema, PROTOCOL_VERSION, customerBucket } from '../../shared/sync/wire';
import { fuzzRuns, fuzzSeed, hostileString, INTERNAL_TEXT, nearValid } from '../support/fuzz';
import { createTestDatabase, storedRows, type TestDatabase } from './support/database';
import { addCustomers, customer, event, startTestServer, token, type TestServer } from './support/server';

/*
 * Property-based fuzzing of every server route (issue 9): for inputs near a
 * valid request and arbitrary JSON, in the body, the path and the query, the
 * server never answers 5xx, never shows internal text, stores nothing when it
 * refuses, and still answers afterwards. Seeded (printed; FUZZ_SEED replays),
 * bounded by FUZZ_RUNS per route. A route the server registers without an
 * entry here fails the completeness test: add it with a valid example.
 */

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
const seed = fuzzSeed('server routes');
const runs = fuzzRuns(15);

type RouteFuzz = {
  /** Path parameters with a valid example each. */
  params?: Record<string, string>;
  /** Query parameters with a valid example each. */
  query?: Record<string, string>;
  /** A valid body; omitted for routes without one. */
  body?: unknown;
  /** Event streams: only the status and headers are read. */
  stream?: boolean;
  /** Fewer runs for a slow route (a catalog reload reads and checks the whole file). */
  runsShare?: number;
};

/** A path segment; a lone surrogate cannot be UTF-8, so it goes as the invalid bytes a careless client sends. */
function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value
      .split(/([\ud800-\udfff])/)
      .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
      .join('');
  }
}

const noteArgs = { noteId: 'n-fuzz', customerId: 'acme', eventId: null, body: 'fuzzed note' };

/** Every route, by Fastify pattern, with a valid request to start from. */
const ROUTES: Record<string, RouteFuzz> = {
  'GET /v1/health': {},
  'GET /v1/identity': {},
  'GET /v1/me': {},
  'POST /v1/sign-out': {},
  'POST /v1/people/:userId/revoke': { params: { userId: 'someone' } },
  'GET /v1/sync/identity': {},
  'POST /v1/sync/pull': {
    body: {
      protocol: PROTOCOL_VERSION,
      clientId: 'client-fuzz-1',
      schemaVersion: 1,
      limit: 100,
      buckets: [{ bucket: customerBucket('acme'), cursor: null }],
    },
  },
  'POST /v1/sync/push': {
    body: {
      protocol: PROTOCOL_VERSION,
      clientId: 'client-fuzz-1',
      schemaVersion: 1,
      mutations: [{ seq: 1, id: 'm-fuzz-1', name: 'note.create', v: 1, clientTime: '2026-03-01T00:00:00Z', args: noteArgs }],
    },
  },
  'POST /v1/events': { body: { events: [event('acme')] } },
  'PUT /v1/customers': { body: { customers: [customer('fuzzco')] } },
  'PUT /v1/customers/:id/features': {
    params: { id: 'acme' },
    body: { features: [{ feature: 'sso', entitled: true, enabled: true, health: 'ok', lastSignalAt: null }] },
  },
  'PUT /v1/releases': { body: { releases: [{ version: '9.0.0', releasedAt: '2026-01-01T00:00:00Z', notes: null }] } },
  'POST /v1/tokens': { body: { userId: 'carol', role: 'desk', customers: ['acme'], label: 'fuzz' } },
  'DELETE /v1/tokens/:tokenId': { params: { tokenId: 'tok-unknown' } },
  'POST /v1/probes/:probe': { params: { probe: 'sso.login' }, body: { customerId: 'acme', params: {} } },
  'GET /v1/actions': {},
  'GET /v1/catalog': {},
  'POST /v1/catalog/reload': { runsShare: 0.2 },
  'POST /v1/actions/plan': {
    body: { action: 'feature.enable', customerId: 'acme', params: { feature: 'sso' }, runId: null, wizard: null },
  },
  'POST /v1/actions/execute': { body: { planId: 'plan-unknown', idempotencyKey: 'key-fuzz-0001' } },
  'POST /v1/approvals': { body: { planId: 'plan-unknown', reason: 'fuzz' } },
  'GET /v1/approvals': { query: { status: 'pending', limit: '10' } },
  'GET /v1/approvals/:id': { params: { id: 'approval-unknown' } },
  'POST /v1/approvals/:id/decision': { params: { id: 'approval-unknown' }, body: { decision: 'granted', note: 'ok' } },
  'GET /v1/audit': { query: { customerId: 'acme', before: 'zzz', limit: '5' } },
  'PUT /v1/wizards': { body: { source: 'id: fuzz\nversion: 1\n', file: 'fuzz.yaml' } },
  'GET /v1/wizards': {},
  'GET /v1/stream': { query: {}, stream: true },
  'GET /v1/follow-ups': { query: { customerId: 'acme', state: 'active', overdueOn: '2026-12-03', limit: '10' } },
  'GET /v1/follow-ups/:id': { params: { id: 'fu-unknown' } },
  'POST /v1/follow-ups': { body: { customerId: 'acme', title: 'call back', owner: 'dana', dueDate: '2026-12-10' } },
  'PATCH /v1/follow-ups/:id': { params: { id: 'fu-unknown' }, body: { baseVer: 0, set: { title: 'call back today' } } },
  'GET /v1/problems': { query: { regressed: 'true' } },
  'GET /v1/problems/:id': { params: { id: 'problem-unknown' } },
  'GET /v1/customers/:id/problems': { params: { id: 'acme' } },
  'POST /v1/problems': { body: { title: 'SSO login loops', rules: [], customers: ['acme'], owner: 'dana' } },
  'PATCH /v1/problems/:id': { params: { id: 'problem-unknown' }, body: { baseVer: 0, set: { title: 'SSO login loops again' } } },
  'GET /v1/sources': {},
  'POST /v1/sources': { body: { source: { id: 'fuzz-alerts', kind: 'alertmanager', name: 'Fuzz alerts' } } },
  'POST /v1/sources/:id/rotate': { params: { id: 'source-unknown' } },
  'PATCH /v1/sources/:id': { params: { id: 'source-unknown' }, body: { source: { defaults: { severity: 'error' } } } },
  'DELETE /v1/sources/:id': { params: { id: 'source-unknown' } },
  'GET /v1/sources/:id/unmatched': { params: { id: 'source-unknown' } },
  'POST /v1/sources/:id/remap': { params: { id: 'source-unknown' } },
  'GET /v1/aliases': {},
  'PUT /v1/aliases': { body: { aliases: [{ source: null, alias: 'ACME Inc.', customerId: 'acme' }] } },
  // Producer webhooks: authenticated by their source's credential; here the gate (unknown sources, tokens, bodies).
  'POST /v1/ingest/:sourceId': { params: { sourceId: 'source-unknown' }, body: { alerts: [] } },
  'POST /v1/ingest/:sourceId/:token': { params: { sourceId: 'source-unknown', token: 'not-a-token' }, body: { alerts: [] } },
  'OPTIONS /v1/ingest/:sourceId': { params: { sourceId: 'source-unknown' } },
  'OPTIONS /v1/ingest/:sourceId/:token': { params: { sourceId: 'source-unknown', token: 'not-a-token' } },
};

/** Every table's row count: equal before and after a refused request. */
const stored = async () => JSON.stringify(await storedRows(database.storage));

type Request = { url: string; body: unknown | undefined };

/** Requests near the route's valid example: hostile path parameters, query and body. */
function requestArb(pattern: string, route: RouteFuzz): fc.Arbitrary<Request> {
  const [, pathPattern = ''] = pattern.split(' ');
  const paramArb = fc.record(
    Object.fromEntries(
      Object.entries(route.params ?? {}).map(([name, valid]) => [name, fc.oneof(fc.constant(valid), hostileString)]),
    ),
  );
  const queryKeys = Object.keys(route.query ?? {});
  if (queryKeys.length === 0) queryKeys.push('limit');
  const queryArb = fc.oneof(
    fc.constant(route.query ?? {}),
    fc.dictionary(fc.oneof(fc.constantFrom(...queryKeys), hostileString), hostileString, { maxKeys: 3 }),
  );
  const bodyArb = route.body === undefined ? fc.constant(undefined) : nearValid(route.body);
  return fc.record({ params: paramArb, query: queryArb, body: bodyArb }).map(({ params, query, body }) => {
    const path = Object.entries(params).reduce(
      (text, [name, value]) => text.replace(`:${name}`, pathSegment(value)),
      pathPattern,
    );
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) search.append(key, value);
    const text = search.toString();
    return { url: `${path}${text ? `?${text}` : ''}`, body };
  });
}

async function send(pattern: string, route: RouteFuzz, request: Request) {
  const [method = 'GET'] = pattern.split(' ');
  const controller = new AbortController();
  const response = await fetch(`${server.url}${request.url}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: controller.signal,
  });
  if (route.stream && response.status === 200) {
    controller.abort();
    return { status: response.status, text: '' };
  }
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('fuzzing every server route (issue 9)', () => {
  it('covers exactly the routes the server registers', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(registeredRoutes(server.app));
  });

  for (const [pattern, route] of Object.entries(ROUTES)) {
    it(`${pattern}: never 5xx, never internal text, nothing stored on refusal, still answering`, async () => {
      await fc.assert(
        fc.asyncProperty(requestArb(pattern, route), async (request) => {
          const before = await stored();
          const answer = await send(pattern, route, request);
          const label = `${pattern} ${request.url} → ${answer.status} ${answer.text.slice(0, 300)}`;
          expect(answer.status, label).toBeLessThan(500);
          expect(answer.text, label).not.toMatch(INTERNAL_TEXT);
          if (answer.status >= 400) {
            const body = ApiErrorSchema.safeParse(JSON.parse(answer.text));
            expect(body.success, label).toBe(true);
            expect(await stored(), `${label}: stored something although it refused`).toBe(before);
          }
        }),
        { seed, numRuns: Math.max(1, Math.round(runs * (route.runsShare ?? 1))), endOnFailure: true },
      );
      const health = await fetch(`${server.url}/v1/health`);
      expect(health.status).toBe(200);
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorSchema, PROTOCOL_VERSION } from '../../shared/sync/wire';
import { createTestDatabase, storedRows, type TestDatabase } from './support/database';
import { addCustomers, customer, event, request, startTestServer, token, type TestServer } from './support/server';

/*
 * Issue 9 item 4: input that zod accepted and PostgreSQL refused came back as
 * a 500 (NUL bytes and lone surrogates in text and ids, year-0000 dates, JSON
 * nested thousands deep). Every one is the caller's mistake: a 400 that names
 * the field, and nothing stored. One case per defect class per place it reaches
 * the database, against a real server over HTTP.
 */

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

const snapshotCounts = () => storedRows(database.storage);

const NUL = 'a\u0000b';
const LONE_HIGH = 'a\ud800b';
const LONE_LOW = '\udc00';

function push(args: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    protocol: PROTOCOL_VERSION,
    clientId: 'client-hostile-1',
    schemaVersion: 1,
    mutations: [{ seq: 1, id: 'm-hostile-1', name: 'note.create', v: 1, clientTime: '2026-03-01T00:00:00Z', args, ...extra }],
  };
}
const noteArgs = { noteId: 'n-hostile', customerId: 'acme', eventId: null, body: 'fine' };

/** JSON text nesting `depth` objects where "<deep>" stands in `body` (JSON.stringify itself overflows at 10,000). */
function nested(body: unknown, depth: number): string {
  return JSON.stringify(body).replace('"<deep>"', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

type Case = { name: string; method: string; path: string; body?: unknown; status?: number; field?: string };

const CASES: Case[] = [
  // NUL in text fields
  {
    name: 'NUL in a customer name',
    method: 'PUT',
    path: '/v1/customers',
    body: { customers: [customer('umbrella', { name: NUL })] },
    field: 'customers[0].name',
  },
  {
    name: 'NUL in an event summary',
    method: 'POST',
    path: '/v1/events',
    body: { events: [event('acme', { summary: NUL })] },
    field: 'events[0].summary',
  },
  {
    name: 'NUL in an event property key',
    method: 'POST',
    path: '/v1/events',
    body: { events: [event('acme', { properties: { [NUL]: 1 } })] },
    field: 'events[0].properties',
  },
  {
    name: 'NUL in a note body',
    method: 'POST',
    path: '/v1/sync/push',
    body: push({ ...noteArgs, body: NUL }),
    field: 'mutations[0].args.body',
  },
  {
    name: 'NUL in a token label',
    method: 'POST',
    path: '/v1/tokens',
    body: { userId: 'carol', role: 'desk', label: NUL },
    field: 'label',
  },
  { name: 'NUL in a wizard source', method: 'PUT', path: '/v1/wizards', body: { source: `id: x\n${NUL}` }, field: 'source' },
  {
    name: 'NUL in probe params',
    method: 'POST',
    path: '/v1/probes/sso.login',
    body: { customerId: 'acme', params: { a: NUL } },
    field: 'params.a',
  },
  // NUL in ids (body, path, query)
  {
    name: 'NUL in an event external id',
    method: 'POST',
    path: '/v1/events',
    body: { events: [event('acme', { source: { system: 'test', externalId: NUL } })] },
    field: 'events[0].source.externalId',
  },
  { name: 'NUL in a token user id', method: 'POST', path: '/v1/tokens', body: { userId: NUL, role: 'desk' }, field: 'userId' },
  { name: 'NUL in a plan id', method: 'POST', path: '/v1/approvals', body: { planId: NUL }, field: 'planId' },
  { name: 'NUL in a token id (path)', method: 'DELETE', path: '/v1/tokens/a%00b', field: 'tokenId' },
  { name: 'NUL in an approval id (path)', method: 'GET', path: '/v1/approvals/a%00b', field: 'id' },
  { name: 'NUL in a user id (path)', method: 'POST', path: '/v1/people/a%00b/revoke', field: 'userId' },
  { name: 'NUL in an audit cursor (query)', method: 'GET', path: '/v1/audit?before=a%00b', field: 'before' },
  // lone surrogates
  {
    name: 'lone high surrogate in a customer name',
    method: 'PUT',
    path: '/v1/customers',
    body: { customers: [customer('umbrella', { name: LONE_HIGH })] },
    field: 'customers[0].name',
  },
  {
    name: 'lone low surrogate in an event property',
    method: 'POST',
    path: '/v1/events',
    body: { events: [event('acme', { properties: { x: LONE_LOW } })] },
    field: 'events[0].properties.x',
  },
  {
    name: 'lone surrogate in a note body',
    method: 'POST',
    path: '/v1/sync/push',
    body: push({ ...noteArgs, body: LONE_HIGH }),
    field: 'mutations[0].args.body',
  },
  {
    name: 'lone surrogate in an approval reason',
    method: 'POST',
    path: '/v1/approvals',
    body: { planId: 'p-1', reason: LONE_LOW },
    field: 'reason',
  },
  // year-0000 and out-of-range dates
  {
    name: 'year 0000 in an event time',
    method: 'POST',
    path: '/v1/events',
    body: { events: [event('acme', { occurredAt: '0000-01-01T00:00:00Z' })] },
    field: 'events[0].occurredAt',
  },
  {
    name: 'year 0000 in a customer',
    method: 'PUT',
    path: '/v1/customers',
    body: { customers: [customer('umbrella', { createdAt: '0000-06-01T00:00:00.000Z' })] },
    field: 'customers[0].createdAt',
  },
  {
    name: 'year 0000 in a feature signal',
    method: 'PUT',
    path: '/v1/customers/acme/features',
    body: { features: [{ feature: 'sso', entitled: true, enabled: true, health: 'ok', lastSignalAt: '0000-01-01T00:00:00Z' }] },
    field: 'features[0].lastSignalAt',
  },
  {
    name: 'year 0000 in a release',
    method: 'PUT',
    path: '/v1/releases',
    body: { releases: [{ version: '9.9.9', releasedAt: '0000-01-01T00:00:00Z', notes: null }] },
    field: 'releases[0].releasedAt',
  },
  {
    name: 'year 0000 in a mutation time',
    method: 'POST',
    path: '/v1/sync/push',
    body: push(noteArgs, { clientTime: '0000-01-01T00:00:00Z' }),
    field: 'mutations[0].clientTime',
  },
  // nesting depth
  {
    name: 'event property nested 10,000 deep',
    method: 'POST',
    path: '/v1/events',
    body: nested({ events: [event('acme', { properties: { deep: '<deep>' } })] }, 10_000),
    status: 400,
  },
  {
    name: 'probe params nested 10,000 deep',
    method: 'POST',
    path: '/v1/probes/sso.login',
    body: nested({ customerId: 'acme', params: { deep: '<deep>' } }, 10_000),
    status: 400,
  },
  {
    name: 'mutation args nested 10,000 deep',
    method: 'POST',
    path: '/v1/sync/push',
    body: nested(push({ ...noteArgs, deep: '<deep>' }), 10_000),
    status: 400,
  },
];

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

describe('hostile input (issue 9 item 4)', () => {
  for (const item of CASES) {
    it(`${item.name}: ${item.status ?? 400}${item.field ? ` naming ${item.field}` : ''}, nothing stored`, async () => {
      const before = await snapshotCounts();
      const response = await request(server.url, item.method, item.path, adminToken, item.body);
      expect(response.status, JSON.stringify(response.body)).toBe(item.status ?? 400);
      const body = ApiErrorSchema.parse(response.body);
      if (item.field) expect(body.message).toContain(item.field);
      expect(body.message).not.toMatch(/postgres|sql|stack|at .*\.ts/i);
      expect(await snapshotCounts()).toEqual(before);
      // Still answering.
      expect((await request(server.url, 'GET', '/v1/health', null)).status).toBe(200);
    });
  }

  it('a body over the limit is a 413 before it is parsed', async () => {
    const small = await startTestServer(database.storage, { bodyLimitBytes: 64 * 1024 });
    try {
      const response = await request(small.url, 'POST', '/v1/events', adminToken, {
        events: [event('acme', { body: 'x'.repeat(100 * 1024) })],
      });
      expect(response.status).toBe(413);
      expect(ApiErrorSchema.parse(response.body).error).toBe('payload_too_large');
    } finally {
      await small.close();
    }
  });

  it('text that is merely unusual is accepted: emoji (surrogate pairs), tabs, U+FFFD', async () => {
    const response = await request(server.url, 'PUT', '/v1/customers', adminToken, {
      customers: [customer('unusual', { name: 'Ünïcödé 🚀\tco \ufffd' })],
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [row] = await database.storage.query<{ name: string }>("select name from customers where id = 'unusual'");
    expect(row?.name).toBe('Ünïcödé 🚀\tco \ufffd');
  });
});

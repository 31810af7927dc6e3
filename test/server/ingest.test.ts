import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineEventSchema, type EventInput } from '../../shared/domain';
import { MAX_INGEST_BATCH, customerBucket } from '../../shared/sync/wire';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, customer, event, request, startTestServer, token, type TestServer } from './support/server';

const NOW = Date.parse('2026-04-01T08:00:00.000Z');
let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let ingestToken: string;

async function countRows(table: string, where = 'true'): Promise<number> {
  const [row] = await database.storage.query<{ count: number }>(`select count(*)::integer as count from ${table} where ${where}`);
  return row?.count ?? 0;
}

async function ingest(bearer: string, events: unknown) {
  return request(server.url, 'POST', '/v1/events', bearer, { events });
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => NOW });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  ingestToken = await token(database.storage, { userId: 'monitoring', role: 'ingest' });
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('POST /v1/events', () => {
  it('stores a batch with server ids and recordedAt, and the desk pulls exactly those events', async () => {
    const inputs: EventInput[] = [
      event('acme', {
        kind: 'flag_change',
        feature: 'sso',
        prevValue: false,
        newValue: true,
        links: { ticket: 'T-1' },
        properties: { flag: 'sso.enforce' },
      }),
      event('acme', { occurredAt: '2026-03-31T23:00:00+02:00', body: '## Details', actor: 'deploy-bot' }),
      event('globex', { severity: 'critical', kind: 'incident' }),
    ];
    const response = await ingest(ingestToken, inputs);
    expect(response.status).toBe(200);
    const body = response.body as { accepted: number; duplicates: number; ids: string[] };
    expect(body).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(body.ids).toHaveLength(3);
    // Ids sort in batch order: the desk's (customer, id) order matches arrival.
    expect([...body.ids].sort()).toEqual(body.ids);

    const desk = new MiniDesk(server.url, adminToken);
    await desk.syncUntil((current) =>
      body.ids.every((id, index) => current.row(customerBucket(inputs[index]?.customerId ?? ''), 'event', id) !== undefined),
    );
    const first = TimelineEventSchema.parse(desk.row(customerBucket('acme'), 'event', body.ids[0] ?? ''));
    expect(first).toMatchObject({
      customerId: 'acme',
      kind: 'flag_change',
      feature: 'sso',
      prevValue: false,
      newValue: true,
      links: { ticket: 'T-1' },
      properties: { flag: 'sso.enforce' },
      source: inputs[0]?.source,
      recordedAt: '2026-04-01T08:00:00.000Z',
    });
    // Times come back normalised to UTC milliseconds.
    expect(TimelineEventSchema.parse(desk.row(customerBucket('acme'), 'event', body.ids[1] ?? '')).occurredAt).toBe(
      '2026-03-31T21:00:00.000Z',
    );
  });

  it('is idempotent on (source.system, source.externalId), across and within batches', async () => {
    const inputs = [event('acme'), event('globex')];
    const first = await ingest(ingestToken, inputs);
    const again = await ingest(ingestToken, [...inputs, inputs[0]]);
    expect(again.status).toBe(200);
    const firstBody = first.body as { ids: string[] };
    expect(again.body).toEqual({ accepted: 0, duplicates: 3, ids: [...firstBody.ids, firstBody.ids[0]] });

    const twin = event('acme');
    const within = await ingest(ingestToken, [twin, twin]);
    expect(within.body).toMatchObject({ accepted: 1, duplicates: 1 });
    const ids = (within.body as { ids: string[] }).ids;
    expect(ids[0]).toBe(ids[1]);
    expect(await countRows('events', `external_id = '${twin.source.externalId}'`)).toBe(1);
    expect(await countRows('change_log', `entity = 'event' and row_id = '${ids[0]}'`)).toBe(1);
  });

  it('validates the whole batch first: one bad event names its index and field, and nothing is stored', async () => {
    const before = await countRows('events');
    const response = await ingest(ingestToken, [
      event('acme'),
      event('acme'),
      { ...event('acme'), severity: 'apocalyptic' },
      event('acme'),
    ]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'invalid_event',
      index: 2,
      field: 'severity',
      message: expect.stringContaining('events[2].severity'),
    });
    const unknownField = await ingest(ingestToken, [event('acme'), { ...event('acme'), colour: 'red' }]);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body).toMatchObject({ error: 'invalid_event', index: 1 });
    const nested = await ingest(ingestToken, [{ ...event('acme'), source: { system: 'x', externalId: 'y', extra: 1 } }]);
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ index: 0, field: 'source' });
    expect(await countRows('events')).toBe(before);
  });

  it('answers unknown customers with 422 listing them, storing nothing', async () => {
    const before = await countRows('events');
    const response = await ingest(ingestToken, [event('acme'), event('umbrella'), event('hooli'), event('umbrella')]);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: 'unknown_customers', customerIds: ['umbrella', 'hooli'] });
    expect(await countRows('events')).toBe(before);
  });

  it('refuses a batch over MAX_INGEST_BATCH with 413, storing nothing', async () => {
    const before = await countRows('events');
    const tooMany = Array.from({ length: MAX_INGEST_BATCH + 1 }, () => event('acme'));
    const response = await ingest(ingestToken, tooMany);
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'batch_too_large' });
    expect(await countRows('events')).toBe(before);
  });

  it('keeps a scoped ingest token to its customers, and desk tokens out', async () => {
    const scoped = await token(database.storage, { userId: 'acme-monitor', role: 'ingest', scope: ['acme'] });
    const before = await countRows('events');
    const response = await ingest(scoped, [event('acme'), event('globex')]);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: 'forbidden', customerIds: ['globex'] });
    const desk = await token(database.storage, { userId: 'alice', role: 'desk' });
    expect((await ingest(desk, [event('acme')])).status).toBe(403);
    expect(await countRows('events')).toBe(before);
  });
});

describe('admin feeds', () => {
  it('upserts customers, features and releases, versioning only real changes', async () => {
    const put = (path: string, body: unknown) => request(server.url, 'PUT', path, adminToken, body);
    const umbrella = customer('umbrella', { plan: 'enterprise' });
    expect((await put('/v1/customers', { customers: [umbrella] })).body).toEqual({ received: 1, changed: 1 });
    const logBefore = await countRows('change_log');
    expect((await put('/v1/customers', { customers: [umbrella] })).body).toEqual({ received: 1, changed: 0 });
    expect(await countRows('change_log')).toBe(logBefore);
    expect((await put('/v1/customers', { customers: [{ ...umbrella, health: 'degraded' }] })).body).toEqual({
      received: 1,
      changed: 1,
    });

    const features = [
      { feature: 'sso', entitled: true, enabled: false, health: 'down', lastSignalAt: '2026-03-30T00:00:00Z' },
      { customerId: 'umbrella', feature: 'exports', entitled: true, enabled: true, health: 'ok', lastSignalAt: null },
    ];
    expect((await put('/v1/customers/umbrella/features', { features })).body).toEqual({ received: 2, changed: 2 });
    const wrongCustomer = await put('/v1/customers/umbrella/features', { features: [{ ...features[1], customerId: 'acme' }] });
    expect(wrongCustomer.status).toBe(400);
    const missing = await put('/v1/customers/nobody/features', { features: [features[0]] });
    expect(missing.status).toBe(404);
    expect(
      (await put('/v1/releases', { releases: [{ version: '6.0.0', releasedAt: '2026-03-29T00:00:00Z', notes: null }] })).body,
    ).toEqual({ received: 1, changed: 1 });

    const desk = new MiniDesk(server.url, adminToken);
    await desk.syncUntil(
      (current) =>
        current.row(customerBucket('umbrella'), 'feature', 'umbrella:exports') !== undefined &&
        current.row('global', 'release', '6.0.0') !== undefined,
    );
    expect(desk.row(customerBucket('umbrella'), 'customer', 'umbrella')).toMatchObject({
      health: 'degraded',
      plan: 'enterprise',
    });
    expect(desk.rows.get(`${customerBucket('umbrella')}|customer|umbrella`)?.ver).toBe(2);
    expect(desk.row(customerBucket('umbrella'), 'feature', 'umbrella:sso')).toMatchObject({
      customerId: 'umbrella',
      health: 'down',
      lastSignalAt: '2026-03-30T00:00:00.000Z',
    });
  });

  it('is admin only', async () => {
    const response = await request(server.url, 'PUT', '/v1/customers', ingestToken, { customers: [customer('x1')] });
    expect(response.status).toBe(403);
    expect(await countRows('customers', "id = 'x1'")).toBe(0);
  });
});

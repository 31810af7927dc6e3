import { CloudEvent, emitterFor, HTTP, httpTransport, Mode, type Message } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { MiniDesk } from '../support/desk';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { addSource, produce } from './support';
import { customerBucket } from '../../../shared/sync/wire';
import { TimelineEventSchema } from '../../../shared/domain';

/*
 * CloudEvents 1.0 over HTTP (issue 10), produced with the official `cloudevents`
 * SDK: structured, binary and batch mode, the webhook validation handshake, and
 * spec violations. POST /v1/events answers a CloudEvent 415 (the defect): the
 * first test shows it, then sends the same event to the source.
 */

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let sourcePath: string;

async function count(sql: string): Promise<number> {
  const [row] = await database.storage.query<{ n: number }>(`select count(*)::integer as n from (${sql}) x`);
  return row?.n ?? 0;
}

function deployEvent(overrides: Partial<ConstructorParameters<typeof CloudEvent>[0]> = {}) {
  return new CloudEvent({
    specversion: '1.0',
    source: 'https://ci.example.com/pipelines/billing',
    type: 'com.example.deploy.finished',
    subject: 'acme',
    time: '2026-04-01T07:30:00.000Z',
    datacontenttype: 'application/json',
    data: { summary: 'Billing 5.3.1 deployed', severity: 'notice', feature: 'billing', previous: '5.3.0', current: '5.3.1' },
    region: 'eu-west-1',
    ...overrides,
  });
}

function send(message: Message, pathname = sourcePath) {
  return produce(server.url, pathname, message.body as string, message.headers as Record<string, string>);
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
  sourcePath = (
    await addSource(server.url, adminToken, {
      id: 'ci-events',
      kind: 'cloudevents',
      kinds: { 'com.example.deploy.*': 'deploy', 'com.example.flag.changed': 'flag_change' },
      aliases: { 'tenant-42': 'globex' },
      allowedOrigins: ['ci.example.com'],
    })
  ).path;
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('CloudEvents source', () => {
  it('stores a structured-mode event: subject → customer, type → kind, time → occurredAt, data kept', async () => {
    const event = deployEvent();
    const ingestToken = await token(database.storage, { userId: 'ci', role: 'ingest' });
    const structured = HTTP.structured(event);
    const native = await produce(server.url, '/v1/events', structured.body as string, {
      ...(structured.headers as Record<string, string>),
      authorization: `Bearer ${ingestToken}`,
    });
    expect(native.status).toBe(415);

    const response = await send(structured);
    expect(response.status).toBe(200);
    const id = (response.body as { items: { ids: string[] }[] }).items[0]?.ids[0] ?? '';
    const desk = new MiniDesk(server.url, adminToken);
    await desk.syncUntil((current) => current.row(customerBucket('acme'), 'event', id) !== undefined);
    expect(TimelineEventSchema.parse(desk.row(customerBucket('acme'), 'event', id))).toMatchObject({
      customerId: 'acme',
      kind: 'deploy',
      severity: 'notice',
      feature: 'billing',
      summary: 'Billing 5.3.1 deployed',
      occurredAt: '2026-04-01T07:30:00.000Z',
      prevValue: '5.3.0',
      newValue: '5.3.1',
      source: { system: 'ci-events', externalId: `https://ci.example.com/pipelines/billing#${event.id}` },
      properties: {
        cloudevent: { type: 'com.example.deploy.finished', id: event.id, subject: 'acme', region: 'eu-west-1' },
        data: { current: '5.3.1' },
      },
    });
    // source + id is the idempotency key: the SDK's resend changes nothing.
    expect((await send(HTTP.structured(event))).body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('stores a binary-mode event sent by the SDK’s own HTTP emitter', async () => {
    const event = deployEvent({ subject: 'tenant-42', type: 'com.example.flag.changed', data: { summary: 'sso.enforce on' } });
    const emit = emitterFor(httpTransport(`${server.url}${sourcePath}`), { binding: HTTP, mode: Mode.BINARY });
    await emit(event);
    const [row] = await database.storage.query<{ customer_id: string; kind: string; summary: string }>(
      'select customer_id, kind, summary from events where external_id = $1',
      [`https://ci.example.com/pipelines/billing#${event.id}`],
    );
    expect(row).toEqual({ customer_id: 'globex', kind: 'flag_change', summary: 'sso.enforce on' });
    // The same event binary-encoded by hand shows the answer the emitter does not return.
    const binary = HTTP.binary(deployEvent({ subject: 'acme', data: 'plain text data', datacontenttype: 'text/plain' }));
    expect(binary.headers['ce-id']).toBeDefined();
    const response = await send(binary);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 1, items: [{ status: 'stored', customers: ['acme'] }] });
  });

  it('stores a batch item by item: the unknown subject is unmatched, the others stored (207)', async () => {
    const events = [deployEvent(), deployEvent({ subject: 'nobody-knows' }), deployEvent({ subject: 'globex' })];
    const body = JSON.stringify(events.map((event) => JSON.parse(HTTP.structured(event).body as string) as unknown));
    const response = await produce(server.url, sourcePath, body, { 'content-type': 'application/cloudevents-batch+json' });
    expect(response.status).toBe(207);
    expect(response.body).toMatchObject({
      accepted: 2,
      unmatched: 1,
      items: [
        { item: 'events[0]', status: 'stored', customers: ['acme'] },
        { item: 'events[1]', status: 'unmatched', reason: expect.stringContaining('"nobody-knows"') },
        { item: 'events[2]', status: 'stored', customers: ['globex'] },
      ],
    });
  });

  it('answers spec violations with 400 naming the attribute, and stores nothing of the batch', async () => {
    const before = await count('select 1 from events');
    const good = JSON.parse(HTTP.structured(deployEvent()).body as string) as Record<string, unknown>;
    for (const attribute of ['specversion', 'id', 'source', 'type']) {
      const { [attribute]: _dropped, ...rest } = good;
      const response = await produce(server.url, sourcePath, JSON.stringify([good, rest]), {
        'content-type': 'application/cloudevents-batch+json',
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: 'invalid_cloudevent', item: 'events[1]', field: attribute });
      expect((response.body as { message: string }).message).toContain(`"${attribute}"`);
    }
    const old = await produce(server.url, sourcePath, JSON.stringify({ ...good, specversion: '0.3' }), {
      'content-type': 'application/cloudevents+json',
    });
    expect(old.body).toMatchObject({ field: 'specversion' });
    const binaryWithoutType = await produce(server.url, sourcePath, '{}', {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'x-1',
      'ce-source': '/ci',
    });
    expect(binaryWithoutType.body).toMatchObject({ error: 'invalid_cloudevent', field: 'type' });
    // Text data is not JSON-checked on the way in: what would be stored is.
    const nulText = await produce(server.url, sourcePath, 'a\u0000b', {
      'content-type': 'text/plain',
      'ce-specversion': '1.0',
      'ce-id': 'x-2',
      'ce-source': '/ci',
      'ce-type': 't',
      'ce-subject': 'acme',
    });
    expect(nulText.status).toBe(400);
    expect(nulText.body).toMatchObject({ error: 'invalid_text', field: 'properties.data' });
    const notCloudEvent = await produce(server.url, sourcePath, '{"hello":1}', { 'content-type': 'application/json' });
    expect(notCloudEvent.status).toBe(415);
    expect(await count('select 1 from events')).toBe(before);
  });

  it('answers the webhook validation handshake for allowed origins only', async () => {
    const allowed = await produce(server.url, sourcePath, '', { 'webhook-request-origin': 'ci.example.com' }, 'OPTIONS');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('webhook-allowed-origin')).toBe('ci.example.com');
    expect(Number(allowed.headers.get('webhook-allowed-rate'))).toBeGreaterThan(0);
    const other = await produce(server.url, sourcePath, '', { 'webhook-request-origin': 'evil.example' }, 'OPTIONS');
    expect(other.status).toBe(403);
    const wrongToken = await produce(
      server.url,
      sourcePath.replace(/[^/]+$/, 'lks_wrong'),
      '',
      { 'webhook-request-origin': 'ci.example.com' },
      'OPTIONS',
    );
    expect(wrongToken.status).toBe(401);
  });

  it('takes the token as a bearer header too', async () => {
    const token = sourcePath.split('/').pop() ?? '';
    const message = HTTP.structured(deployEvent());
    const response = await produce(server.url, '/v1/ingest/ci-events', message.body as string, {
      ...(message.headers as Record<string, string>),
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(200);
    expect((await request(server.url, 'GET', '/v1/sources', adminToken)).body).toMatchObject({
      sources: [{ id: 'ci-events', credential: 'url_token', path: '/v1/ingest/ci-events/<token>', unmatched: 1 }],
    });
  });
});

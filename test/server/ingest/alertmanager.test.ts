import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineEventSchema } from '../../../shared/domain';
import { customerBucket } from '../../../shared/sync/wire';
import { threadOf } from '../../../shared/threads';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { MiniDesk } from '../support/desk';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { addSource, produce } from './support';

/*
 * Prometheus Alertmanager's webhook receiver (issue 10). Before server/ingest the
 * only way in was POST /v1/events, which answers an Alertmanager notification
 * 400 (and Alertmanager then never sends "resolved"); the first test posts the
 * notification there to show it, then to the source URL.
 */

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/ingest/alertmanager-grouped.json');
const grouped = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  status: string;
  alerts: { status: string; endsAt: string; labels: Record<string, string> }[];
};
const NOW = Date.parse('2026-04-01T08:00:00.000Z');

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let sourcePath: string;

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await database.storage.query<{ n: number }>(`select count(*)::integer as n from (${sql}) x`, params);
  return row?.n ?? 0;
}

function post(body: unknown, pathname = sourcePath, contentType = 'application/json') {
  return produce(server.url, pathname, typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': contentType,
    'user-agent': 'Alertmanager/0.28.1',
  });
}

function resolvedCopy(index: number) {
  const alert = { ...grouped.alerts[index], status: 'resolved', endsAt: '2026-04-01T08:05:00Z' };
  return { ...grouped, status: 'resolved', alerts: [alert] };
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => NOW });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
  const created = await addSource(server.url, adminToken, {
    id: 'prod-alertmanager',
    kind: 'alertmanager',
    aliases: { 'globex-prod': 'globex' },
  });
  sourcePath = created.path;
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('Alertmanager webhook source', () => {
  it('stores a grouped notification as one alert per customer, keeps the unknown customer as unmatched, and answers 2xx', async () => {
    const ingestToken = await token(database.storage, { userId: 'am', role: 'ingest' });
    const native = await request(server.url, 'POST', '/v1/events', ingestToken, grouped);
    expect(native.status).toBe(400);

    const response = await post(grouped);
    expect(response.status).toBe(207);
    const body = response.body as {
      accepted: number;
      unmatched: number;
      items: { item: string; status: string; customers: string[]; ids: string[]; reason?: string }[];
    };
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, unmatched: 1 });
    expect(body.items.map((item) => [item.item, item.status, item.customers])).toEqual([
      ['alerts[0]', 'stored', ['acme']],
      ['alerts[1]', 'stored', ['globex']],
      ['alerts[2]', 'unmatched', []],
    ]);
    expect(body.items[2]?.reason).toContain('"initech"');

    const desk = new MiniDesk(server.url, adminToken);
    const acmeId = body.items[0]?.ids[0] ?? '';
    await desk.syncUntil((current) => current.row(customerBucket('acme'), 'event', acmeId) !== undefined);
    const acme = TimelineEventSchema.parse(desk.row(customerBucket('acme'), 'event', acmeId));
    expect(acme).toMatchObject({
      customerId: 'acme',
      kind: 'alert',
      severity: 'critical',
      feature: 'exports',
      summary: 'Export queue lagging',
      occurredAt: '2026-04-01T07:50:12.345Z',
      links: { url: 'http://prometheus.example:9090/graph?g0.expr=export_queue_lag_seconds+%3E+600&g0.tab=1' },
      source: { system: 'prod-alertmanager' },
      properties: {
        thread: 'am:6b3c1f2a9d8e7f01',
        status: 'open',
        alertname: 'ExportQueueLagging',
        labels: { instance: 'export-worker-7:9100', job: 'export-worker' },
        annotations: { description: 'The export queue of acme has been behind for 10 minutes.' },
      },
    });
    expect(acme.body).toContain('is firing');
    expect(acme.signature).toMatch(/^alert:exportqueuelagging:/);
    // One failure across customers: the instance and the customer label do not enter the signature.
    const globex = TimelineEventSchema.parse(desk.row(customerBucket('globex'), 'event', body.items[1]?.ids[0] ?? ''));
    expect(globex.signature).toBe(acme.signature);

    const sources = await request(server.url, 'GET', '/v1/sources', adminToken);
    expect(sources.body).toMatchObject({ sources: [{ id: 'prod-alertmanager', unmatched: 1 }] });
    const unmatched = await request(server.url, 'GET', '/v1/sources/prod-alertmanager/unmatched', adminToken);
    expect(unmatched.body).toMatchObject({
      unmatched: [{ customerRefs: ['initech'], reason: expect.stringContaining('alias') }],
    });
  });

  it('changes nothing when Alertmanager re-sends the group (repeat_interval)', async () => {
    const events = await count('select 1 from events');
    const logged = await count('select 1 from change_log');
    const again = await post(grouped);
    expect(again.status).toBe(207);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 2, unmatched: 1 });
    expect((again.body as { items: { status: string }[] }).items.map((item) => item.status)).toEqual([
      'duplicate',
      'duplicate',
      'unmatched',
    ]);
    expect(await count('select 1 from events')).toBe(events);
    expect(await count('select 1 from change_log')).toBe(logged);
    expect(await count('select 1 from ingest_unmatched')).toBe(1);
  });

  it('closes the thread with the resolved notification, once', async () => {
    const response = await post(resolvedCopy(0));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 1, items: [{ status: 'stored', customers: ['acme'] }] });
    expect((await post(resolvedCopy(0))).body).toMatchObject({ accepted: 0, duplicates: 1 });

    const desk = new MiniDesk(server.url, adminToken);
    const resolvedId = (response.body as { items: { ids: string[] }[] }).items[0]?.ids[0] ?? '';
    await desk.syncUntil((current) => current.row(customerBucket('acme'), 'event', resolvedId) !== undefined);
    const thread = desk
      .entityIds(customerBucket('acme'), 'event')
      .map((id) => TimelineEventSchema.parse(desk.row(customerBucket('acme'), 'event', id)))
      .filter((event) => threadOf(event)?.thread === 'am:6b3c1f2a9d8e7f01')
      .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));
    expect(thread.map((event) => threadOf(event)?.status)).toEqual(['open', 'resolved']);
    expect(thread[1]).toMatchObject({
      occurredAt: '2026-04-01T08:05:00.000Z',
      severity: 'info',
      summary: 'Resolved: Export queue lagging',
    });
  });

  it('stores the unmatched alert once an alias maps its customer (remap)', async () => {
    await addCustomers(database.storage, ['initech-corp']);
    const alias = await request(server.url, 'PUT', '/v1/aliases', adminToken, {
      aliases: [{ source: 'prod-alertmanager', alias: 'initech', customerId: 'initech-corp' }],
    });
    expect(alias.body).toEqual({ received: 1, changed: 1 });
    const remap = await request(server.url, 'POST', '/v1/sources/prod-alertmanager/remap', adminToken, {});
    expect(remap.body).toEqual({ remapped: 1, stillUnmatched: 0 });
    expect(await count("select 1 from events where customer_id = 'initech-corp'")).toBe(1);
    expect(await count('select 1 from ingest_unmatched')).toBe(0);
    // The next notification of that alert is a duplicate of the remapped one, not a second alert.
    const again = await post({ ...grouped, alerts: [grouped.alerts[2]] });
    expect(again.body).toMatchObject({
      accepted: 0,
      duplicates: 1,
      items: [{ status: 'duplicate', customers: ['initech-corp'] }],
    });
  });

  it('refuses a wrong or missing token with 401 and stores nothing', async () => {
    const events = await count('select 1 from events');
    const wrong = await post(grouped, sourcePath.replace(/[^/]+$/, 'lks_not-the-token'));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'unauthorized' });
    expect((await post(grouped, '/v1/ingest/prod-alertmanager')).status).toBe(401);
    expect((await post(grouped, '/v1/ingest/no-such-source/x')).status).toBe(404);
    // The admin token is not a source credential.
    const admin = await produce(server.url, '/v1/ingest/prod-alertmanager', JSON.stringify(grouped), {
      'content-type': 'application/json',
      authorization: `Bearer ${adminToken}`,
    });
    expect(admin.status).toBe(401);
    expect(await count('select 1 from events')).toBe(events);
  });

  it('answers payloads that are not a notification with 4xx naming what to fix, storing nothing', async () => {
    const events = await count('select 1 from events');
    const unmatched = await count('select 1 from ingest_unmatched');
    const badAlert = { ...grouped, alerts: [grouped.alerts[0], { ...grouped.alerts[1], startsAt: 'yesterday' }] };
    const bad = await post(badAlert);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_alert', item: 'alerts[1]', field: 'startsAt' });
    const version = await post({ ...grouped, version: '3' });
    expect(version.status).toBe(400);
    expect(version.body).toMatchObject({ field: 'version', message: expect.stringContaining('"4"') });
    expect((await post('{"version":')).body).toMatchObject({ error: 'malformed_json' });
    const nul = JSON.stringify(grouped).replace('export-worker-7:9100', 'export-worker-7\\u0000');
    expect((await post(nul)).body).toMatchObject({ error: 'invalid_text', field: 'alerts[0].labels.instance' });
    expect((await post(`${'['.repeat(100)}${']'.repeat(100)}`)).body).toMatchObject({ error: 'too_deep' });
    expect((await post(JSON.stringify(grouped), sourcePath, 'text/plain')).status).toBe(415);
    expect(await count('select 1 from events')).toBe(events);
    expect(await count('select 1 from ingest_unmatched')).toBe(unmatched);
  });

  it('stores an alert whose long summary is cut at an emoji, without splitting the emoji into a lone surrogate', async () => {
    // 498 letters then a rocket (two UTF-16 units at 498 and 499): a summary is cut to 499 units plus an ellipsis.
    const summary = `${'a'.repeat(498)}🚀${'b'.repeat(100)}`;
    const alert = { ...grouped.alerts[0], fingerprint: 'e1e1e1e1e1e1e1e1', annotations: { summary } };
    const response = await post({ ...grouped, alerts: [alert] });
    expect(response.status).toBe(200);
    const [row] = await database.storage.query<{ summary: string }>(
      "select summary from events where source_system = 'prod-alertmanager' and properties->>'fingerprint' = 'e1e1e1e1e1e1e1e1'",
    );
    expect(row?.summary).toBe(`${'a'.repeat(498)}…`);
  });

  it('refuses bodies over the source limit with 413 and rate-limits per source with 429 and Retry-After', async () => {
    const small = await addSource(server.url, adminToken, {
      id: 'tiny-alertmanager',
      kind: 'alertmanager',
      limits: { maxBodyBytes: 2048, requestsPerMinute: 3 },
    });
    const big = { ...grouped, alerts: Array.from({ length: 20 }, () => grouped.alerts[0]) };
    const tooBig = await post(big, small.path);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining('2048') });
    const one = { ...grouped, alerts: [grouped.alerts[0]] };
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof post>> | null = null;
    for (let index = 0; index < 4; index += 1) {
      const response = await post(one, small.path);
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps one rate budget per source for every server process over the database', async () => {
    // Two server processes (each its own connection pool on PostgreSQL) with one clock: 4 a minute is 4 in all.
    let now = NOW;
    const storages = [database.storage, database.databaseUrl === null ? database.storage : await database.openAnother()];
    const servers = await Promise.all(storages.map((storage) => startTestServer(storage, { clock: () => now })));
    try {
      const shared = await addSource(server.url, adminToken, {
        id: 'shared-alertmanager',
        kind: 'alertmanager',
        limits: { requestsPerMinute: 4 },
      });
      const one = JSON.stringify({ ...grouped, alerts: [grouped.alerts[0]] });
      const send = (index: number) =>
        produce(servers[index]!.url, shared.path, one, { 'content-type': 'application/json' }).then(
          (response) => response.status,
        );
      const statuses: number[] = [];
      for (const index of [0, 1, 0, 1, 1, 0]) statuses.push(await send(index));
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      // A quarter of a minute later one request's worth has come back, for either process.
      now += 15_000;
      expect([await send(1), await send(0)]).toEqual([200, 429]);
    } finally {
      // The second storage is closed with the test database.
      await Promise.all(servers.map((one) => one.close()));
    }
  });
});

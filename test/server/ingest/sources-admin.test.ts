import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { declareFileSource, parseSourceConfig } from '../../../server/ingest/sources';
import { addSource, produce } from './support';

/* What the desk's Sources page reads and does over the admin API (issue 10): deliveries per source, admin only. */

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/ingest/alertmanager-grouped.json');
const grouped = readFileSync(FIXTURE, 'utf8');
const NOW = Date.parse('2026-04-01T08:00:00.000Z');

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

type Listed = {
  id: string;
  customerMapping: string;
  accepted: number;
  refused: number;
  lastDeliveryAt: string | null;
  lastRefusal: { at: string; reason: string } | null;
};

async function listed(id: string): Promise<Listed | undefined> {
  const response = await request(server.url, 'GET', '/v1/sources', adminToken);
  expect(response.status).toBe(200);
  return (response.body as { sources: Listed[] }).sources.find((source) => source.id === id);
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage, { clock: () => NOW });
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('sources for the desk', () => {
  it('counts accepted and refused deliveries with the last refusal reason, never the credential', async () => {
    const created = await addSource(server.url, adminToken, {
      id: 'counted-am',
      kind: 'alertmanager',
      customerLabels: ['customer', 'tenant'],
      aliases: { 'globex-prod': 'globex' },
    });
    expect(await listed('counted-am')).toMatchObject({
      customerMapping: 'labels customer, tenant · 1 alias',
      accepted: 0,
      refused: 0,
      lastDeliveryAt: null,
      lastRefusal: null,
    });
    const good = await produce(server.url, created.path, grouped, { 'content-type': 'application/json' });
    expect(good.status).toBeLessThan(300);
    const wrongToken = `${created.token ?? ''}x`;
    const refused = await produce(server.url, `/v1/ingest/counted-am/${wrongToken}`, grouped, {
      'content-type': 'application/json',
    });
    expect(refused.status).toBe(401);
    const broken = await produce(server.url, created.path, '{"version":"4","alerts":[{}]}', {
      'content-type': 'application/json',
    });
    expect(broken.status).toBe(400);

    const row = await listed('counted-am');
    expect(row).toMatchObject({ accepted: 1, refused: 2, lastDeliveryAt: new Date(NOW).toISOString() });
    expect(row?.lastRefusal?.reason).toMatch(/^400 invalid_/);
    const text = JSON.stringify(await request(server.url, 'GET', '/v1/sources', adminToken));
    expect(text).not.toContain(created.token);
    expect(text).not.toContain(wrongToken);
  });

  it('forgets the counts of a removed source and counts nothing for an unknown one', async () => {
    const created = await addSource(server.url, adminToken, { id: 'short-lived', kind: 'cloudevents' });
    await produce(server.url, `/v1/ingest/short-lived/wrong-token-0123456789abcdef`, '{}', {
      'content-type': 'application/cloudevents+json',
    });
    expect((await listed('short-lived'))?.refused).toBe(1);
    expect((await request(server.url, 'DELETE', '/v1/sources/short-lived', adminToken)).status).toBe(204);
    await addSource(server.url, adminToken, { id: 'short-lived', kind: 'cloudevents' });
    expect(await listed('short-lived')).toMatchObject({ accepted: 0, refused: 0, lastRefusal: null });
    expect(created.token).toBeDefined();
    await produce(server.url, '/v1/ingest/never-registered/some-token-0123456789', '{}', { 'content-type': 'application/json' });
    const [row] = await database.storage.query<{ n: number }>(
      `select count(*)::integer as n from ingest_source_deliveries where source_id = 'never-registered'`,
    );
    expect(row?.n).toBe(0);
  });

  it('refuses every sources route to a person who is not an admin, saying what is needed', async () => {
    const operator = await token(database.storage, { userId: 'olga', role: 'desk' });
    await addSource(server.url, adminToken, { id: 'guarded', kind: 'alertmanager' });
    const calls: [string, string, unknown][] = [
      ['GET', '/v1/sources', undefined],
      ['POST', '/v1/sources', { source: { id: 'sneaky', kind: 'alertmanager' } }],
      ['POST', '/v1/sources/guarded/rotate', {}],
      ['PATCH', '/v1/sources/guarded', { source: { defaults: { severity: 'critical', feature: null } } }],
      ['DELETE', '/v1/sources/guarded', undefined],
    ];
    for (const [method, pathname, body] of calls) {
      const response = await request(server.url, method, pathname, operator, body);
      expect(response.status, `${method} ${pathname}`).toBe(403);
      expect(response.body).toMatchObject({ error: 'forbidden', message: expect.stringContaining('admin') });
    }
    expect(await listed('sneaky')).toBeUndefined();
    expect(await listed('guarded')).toBeDefined();
  });
});

type StoredEvent = { customer_id: string; kind: string; severity: string; feature: string | null; summary: string };

async function eventsOf(system: string): Promise<StoredEvent[]> {
  return database.storage.query<StoredEvent>(
    'select customer_id, kind, severity, feature, summary from events where source_system = $1 order by occurred_at',
    [system],
  );
}

async function configOf(id: string): Promise<Record<string, unknown>> {
  const response = await request(server.url, 'GET', '/v1/sources', adminToken);
  return (response.body as { sources: { id: string; config: Record<string, unknown> }[] }).sources.find(
    (source) => source.id === id,
  )?.config as Record<string, unknown>;
}

describe('changing a source’s mapping rules (PATCH /v1/sources/:id)', () => {
  it('changes how Alertmanager labels map to severity and feature; the next delivery follows, the credential stays', async () => {
    const created = await addSource(server.url, adminToken, { id: 'rules-am', kind: 'alertmanager' });
    const changed = await request(server.url, 'PATCH', '/v1/sources/rules-am', adminToken, {
      source: {
        name: 'Rules AM',
        severityLabel: 'priority',
        severities: { p1: 'critical', p3: 'notice' },
        featureLabel: 'component',
        defaults: { severity: 'info', feature: 'platform' },
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      source: {
        id: 'rules-am',
        name: 'Rules AM',
        config: { severityLabel: 'priority', severities: { p1: 'critical', p3: 'notice' }, featureLabel: 'component' },
        customerMapping: 'labels customer, tenant, customer_id',
      },
    });
    const notification = JSON.parse(grouped) as { alerts: { labels: Record<string, string> }[] };
    const [first, second] = notification.alerts;
    if (!first || !second) throw new Error('the fixture has alerts');
    first.labels = { ...first.labels, priority: 'p1', component: 'billing' };
    second.labels = { alertname: 'Unlabelled', customer: 'globex' };
    notification.alerts = [first, second];
    // The URL made at registration still works: a change of rules is not a change of credential.
    expect(
      (await produce(server.url, created.path, JSON.stringify(notification), { 'content-type': 'application/json' })).status,
    ).toBe(200);
    expect((await eventsOf('rules-am')).map((event) => [event.customer_id, event.severity, event.feature])).toEqual([
      ['acme', 'critical', 'billing'],
      ['globex', 'info', 'platform'],
    ]);
  });

  it('refuses bad rules naming the field, and keeps the source as it was', async () => {
    await addSource(server.url, adminToken, { id: 'strict-am', kind: 'alertmanager' });
    const before = await configOf('strict-am');
    const badSeverity = await request(server.url, 'PATCH', '/v1/sources/strict-am', adminToken, {
      source: { severities: { p1: 'urgent' }, featureLabel: '' },
    });
    expect(badSeverity.status).toBe(400);
    expect(badSeverity.body).toMatchObject({
      error: 'invalid_source',
      message: expect.stringMatching(/severities\.p1: .*featureLabel/),
    });
    const renamed = await request(server.url, 'PATCH', '/v1/sources/strict-am', adminToken, { source: { id: 'other' } });
    expect(renamed).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^id: a source's id cannot change/) } });
    const rekinded = await request(server.url, 'PATCH', '/v1/sources/strict-am', adminToken, { source: { kind: 'github' } });
    expect(rekinded).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^kind: /) } });
    expect(await configOf('strict-am')).toEqual(before);
    expect(await request(server.url, 'PATCH', '/v1/sources/nobody', adminToken, { source: {} })).toMatchObject({
      status: 404,
      body: { error: 'unknown_source' },
    });
    await declareFileSource(
      database.storage,
      parseSourceConfig({ id: 'from-file', kind: 'alertmanager' }),
      'lks_file-token-of-at-least-24-chars',
      new Date(NOW).toISOString(),
    );
    expect(
      await request(server.url, 'PATCH', '/v1/sources/from-file', adminToken, { source: { featureLabel: 'component' } }),
    ).toMatchObject({ status: 409, body: { error: 'source_from_file', message: expect.stringContaining('--sources file') } });
  });

  it('maps CloudEvents types to kinds, and switches a JSON webhook to an own JSONata mapping that must compile', async () => {
    const events = await addSource(server.url, adminToken, { id: 'rules-ce', kind: 'cloudevents' });
    expect(
      (
        await request(server.url, 'PATCH', '/v1/sources/rules-ce', adminToken, {
          source: { kinds: { 'com.example.deploy.*': 'deploy' }, defaultKind: 'incident' },
        })
      ).status,
    ).toBe(200);
    const cloudEvent = (id: string, type: string) =>
      JSON.stringify({ specversion: '1.0', id, source: 'ci', type, subject: 'acme', time: '2026-04-01T07:00:00Z' });
    const structured = { 'content-type': 'application/cloudevents+json' };
    expect((await produce(server.url, events.path, cloudEvent('1', 'com.example.deploy.finished'), structured)).status).toBe(200);
    expect((await produce(server.url, events.path, cloudEvent('2', 'com.example.other'), structured)).status).toBe(200);
    expect((await eventsOf('rules-ce')).map((event) => event.kind).sort()).toEqual(['deploy', 'incident']);

    const hook = await addSource(server.url, adminToken, { id: 'rules-hook', kind: 'generic', mapping: { preset: 'ticket' } });
    const broken = await request(server.url, 'PATCH', '/v1/sources/rules-hook', adminToken, {
      source: { mapping: { jsonata: '{ "key": id, ' } },
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({
      error: 'invalid_source',
      message: expect.stringMatching(/^mapping\.jsonata: does not compile: /),
    });
    expect((await configOf('rules-hook')).mapping).toEqual({ preset: 'ticket' });
    const own = '{ "key": id, "customer": org, "kind": "ticket", "summary": title }';
    expect(
      (await request(server.url, 'PATCH', '/v1/sources/rules-hook', adminToken, { source: { mapping: { jsonata: own } } }))
        .status,
    ).toBe(200);
    const delivered = await produce(server.url, hook.path, JSON.stringify({ id: 't-1', org: 'globex', title: 'Cannot export' }), {
      'content-type': 'application/json',
    });
    expect(delivered.status).toBe(200);
    expect(await eventsOf('rules-hook')).toMatchObject([{ customer_id: 'globex', kind: 'ticket', summary: 'Cannot export' }]);
  });
});

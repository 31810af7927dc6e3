import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
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

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSignature } from '../../../shared/signature';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { addSource, produce } from './support';

/* The generic JSON webhook with its shipped JSONata mappings and an admin's own (issue 10). */

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../fixtures/ingest', name), 'utf8')) as Record<string, unknown>;

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

async function stored(externalId: string) {
  const [row] = await database.storage.query<Record<string, unknown>>(
    `select customer_id, kind, severity, summary, feature, actor, prev_value, new_value, links, properties, signature, occurred_at
       from events where external_id = $1`,
    [externalId],
  );
  return row;
}

function post(pathname: string, body: unknown) {
  return produce(server.url, pathname, JSON.stringify(body), { 'content-type': 'application/json' });
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('generic webhook mappings', () => {
  it('ticket: a Zendesk ticket event lands on the customer its organization is an alias of, as a ticket thread', async () => {
    const source = await addSource(server.url, adminToken, { id: 'zendesk', kind: 'generic', mapping: { preset: 'ticket' } });
    const opened = fixture('zendesk-ticket-status-changed.json');
    const first = await post(source.path, opened);
    // Organization 12345 is nobody yet: kept as unmatched, then mapped by an alias.
    expect(first.status).toBe(207);
    await request(server.url, 'PUT', '/v1/aliases', adminToken, {
      aliases: [{ source: 'zendesk', alias: '12345', customerId: 'acme' }],
    });
    expect((await request(server.url, 'POST', '/v1/sources/zendesk/remap', adminToken, {})).body).toEqual({
      remapped: 1,
      stillUnmatched: 0,
    });
    expect(await stored(String(opened['id']))).toMatchObject({
      customer_id: 'acme',
      kind: 'ticket',
      severity: 'error',
      summary: '#35436 SSO login loops back to the login page',
      prev_value: 'NEW',
      new_value: 'OPEN',
      links: { ticket: '35436' },
      properties: { thread: 'zendesk:35436', status: 'open', ticketStatus: 'OPEN', tags: ['sso', 'login'] },
    });
    const detail = opened['detail'] as Record<string, unknown>;
    const solved = {
      ...opened,
      id: 'f00dfeed-0000-4000-8000-000000000001',
      detail: { ...detail, status: 'SOLVED' },
      event: { current: 'SOLVED', previous: 'OPEN' },
    };
    expect((await post(source.path, solved)).body).toMatchObject({ accepted: 1, items: [{ customers: ['acme'] }] });
    expect(await stored('f00dfeed-0000-4000-8000-000000000001')).toMatchObject({
      properties: { thread: 'zendesk:35436', status: 'resolved' },
    });
  });

  it('flag-change: an Unleash flag event with previous and new value on the customer its tag names', async () => {
    const source = await addSource(server.url, adminToken, {
      id: 'unleash',
      kind: 'generic',
      mapping: { preset: 'flag-change' },
    });
    const response = await post(source.path, fixture('unleash-feature-environment-enabled.json'));
    expect(response.status).toBe(200);
    expect(await stored('4217')).toMatchObject({
      customer_id: 'acme',
      kind: 'flag_change',
      feature: 'sso',
      actor: 'dana@example.com',
      summary: 'sso.enforce environment-enabled in production',
      prev_value: false,
      new_value: true,
      properties: { flag: 'sso.enforce', environment: 'production' },
    });
  });

  it('error-tracker: a Sentry issue alert as an error with the issue as its signature', async () => {
    const source = await addSource(server.url, adminToken, {
      id: 'sentry',
      kind: 'generic',
      mapping: { preset: 'error-tracker' },
    });
    const payload = fixture('sentry-event-alert.json');
    expect((await post(source.path, payload)).status).toBe(200);
    const row = await stored('d1e2f3a4b5c64d7e8f90a1b2c3d4e5f6');
    expect(row).toMatchObject({
      customer_id: 'acme',
      kind: 'error_spike',
      severity: 'error',
      feature: 'sso',
      summary: "TypeError: Cannot read properties of undefined (reading 'token')",
      links: { url: expect.stringContaining('/issues/4242/') },
      properties: { issueId: '4242', release: '5.3.1', rule: 'SSO errors for a customer' },
    });
    expect(row?.['signature']).toBe(
      eventSignature({
        customerId: 'globex',
        kind: 'error_spike',
        summary: String(row?.['summary']),
        properties: { issueId: '4242' },
      }),
    );
    // The issue is the failure: another customer's event of it has the same signature. Resent by Sentry: nothing new.
    expect((await post(source.path, payload)).body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('an admin’s own JSONata mapping; what it makes is checked, naming the item and field', async () => {
    const source = await addSource(server.url, adminToken, {
      id: 'status-page',
      kind: 'generic',
      mapping: {
        jsonata: "incidents.{ 'key': id, 'customer': tenant, 'kind': 'incident', 'summary': name, 'severity': impact }",
      },
    });
    const good = await post(source.path, {
      incidents: [
        { id: 'i-1', tenant: 'acme', name: 'Exports delayed', impact: 'warning' },
        { id: 'i-2', tenant: 'globex', name: 'Exports delayed', impact: 'warning' },
      ],
    });
    expect(good.body).toMatchObject({ accepted: 2, items: [{ item: 'events[0]' }, { item: 'events[1]' }] });
    const before = await database.storage.query('select id from events');
    const bad = await post(source.path, {
      incidents: [
        { id: 'i-3', tenant: 'acme', name: 'ok', impact: 'warning' },
        { id: 'i-4', tenant: 'acme', name: 'bad', impact: 'apocalyptic' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_item', item: 'events[1]', field: 'severity' });
    expect((await database.storage.query('select id from events')).length).toBe(before.length);
    const refused = await request(server.url, 'POST', '/v1/sources', adminToken, {
      source: { id: 'broken', kind: 'generic', mapping: { preset: 'nonsense' } },
    });
    expect(refused.status).toBe(400);
  });

  it('stops a mapping that recurses without end, loops too long or builds a huge sequence: 400, nothing stored, the server answers on', async () => {
    // Before JSONata's guardrails were set, each of these held the server's event loop until memory ran out.
    const mappings = {
      recurses: [
        '($f := function($x) { $f($x + 1) + 1 }; { "key": "k", "kind": "signal", "summary": $string($f(0)) })',
        'recursed deeper than 500',
      ],
      loops: [
        '($n := $map([1..90000], function($v) { $count($map([1..90000], function($w) { $w })) }); { "key": "k", "kind": "signal", "summary": $string($sum($n)) })',
        'ran longer than 250 ms',
      ],
      sequence: ['{ "key": "k", "kind": "signal", "summary": $string($count([1..5000000])) }', 'sequence longer than 100000'],
    };
    const before = (await database.storage.query('select id from events')).length;
    for (const [id, [jsonata, reason]] of Object.entries(mappings) as [string, [string, string]][]) {
      const source = await addSource(server.url, adminToken, { id: `costly-${id}`, kind: 'generic', mapping: { jsonata } });
      const response = await post(source.path, { customer: 'acme' });
      expect(response.status, id).toBe(400);
      expect(response.body, id).toMatchObject({ error: 'mapping_too_costly', message: expect.stringContaining(reason) });
    }
    expect((await database.storage.query('select id from events')).length).toBe(before);
    const fine = await addSource(server.url, adminToken, {
      id: 'after-costly',
      kind: 'generic',
      mapping: { jsonata: "{ 'key': id, 'customer': customer, 'kind': 'signal', 'summary': 'still answering' }" },
    });
    expect((await post(fine.path, { id: 'x-1', customer: 'acme' })).status).toBe(200);
  });
});

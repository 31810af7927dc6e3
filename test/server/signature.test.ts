import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../server/demo/fleet';
import { seedDemo } from '../../server/demo/seed';
import { silentLogger } from '../../server/log';
import { MIGRATIONS, migrate } from '../../server/storage/migrations';
import { openPgliteStorage } from '../../server/storage/pglite';
import { TimelineEventSchema } from '../../shared/domain';
import { eventSignature } from '../../shared/signature';
import { customerBucket } from '../../shared/sync/wire';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, request, startTestServer, token, type TestServer } from './support/server';

/*
 * Signatures (issue 12's "who else is hit") are computed by the server in the
 * one insert path every event takes, stored in a column and carried on the
 * wire row — for ingested events, the demo's seeded history and rows stored
 * before the column existed alike.
 */

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

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

describe('event signatures on the server', () => {
  it('are stored for ingested alerts and sent on the wire row; the same alert on two customers shares one', async () => {
    const labels = (customerId: string) => ({
      status: 'open',
      thread: `am-${customerId}`,
      alertname: 'ExportLag',
      job: 'exports',
    });
    const inputs = [
      event('acme', { kind: 'alert', feature: 'exports', properties: labels('acme') }),
      event('globex', { kind: 'alert', feature: 'exports', properties: { ...labels('globex'), customer: 'globex' } }),
      event('acme', { kind: 'deploy', summary: 'Deployed 5.3.0' }),
    ];
    const response = await request(server.url, 'POST', '/v1/events', adminToken, { events: inputs });
    expect(response.status).toBe(200);
    const ids = (response.body as { ids: string[] }).ids;
    const rows = await database.storage.query<{ id: string; signature: string | null }>(
      'select id, signature from events where id = any($1::text[])',
      [ids],
    );
    const stored = new Map(rows.map((row) => [row.id, row.signature]));
    const expected = eventSignature(inputs[0] ?? event('acme'));
    expect(expected).toMatch(/^alert:exportlag:[0-9a-f]{16}$/);
    expect(ids.map((id) => stored.get(id))).toEqual([expected, expected, null]);

    const desk = new MiniDesk(server.url, adminToken);
    await desk.syncUntil((current) =>
      ids.every((id, index) => current.row(customerBucket(inputs[index]?.customerId ?? ''), 'event', id)),
    );
    const wire = ids.map(
      (id, index) => TimelineEventSchema.parse(desk.row(customerBucket(inputs[index]?.customerId ?? ''), 'event', id)).signature,
    );
    expect(wire).toEqual([expected, expected, null]);
  });

  it('are stored for the demo fleet seeded through the repository', async () => {
    const demo = await createTestDatabase();
    try {
      const now = Date.parse('2026-06-01T12:00:00.000Z');
      const fleet = generateFleet({ seed: 3, now: new Date(now), customers: 50, days: 30 });
      await seedDemo(demo.storage, {
        seed: 3,
        customers: 50,
        now,
        log: silentLogger,
        generators: { generateFleet: () => fleet, padEvents: function* () {} },
      });
      const [counts] = await demo.storage.query<{ failures: number; signed: number; others_signed: number }>(
        `select count(*) filter (where kind in ('alert', 'error_spike', 'incident'))::integer as failures,
                count(*) filter (where kind in ('alert', 'error_spike', 'incident') and signature is not null)::integer as signed,
                count(*) filter (where kind not in ('alert', 'error_spike', 'incident') and signature is not null)::integer as others_signed
           from events`,
      );
      expect(counts?.failures).toBeGreaterThan(0);
      expect(counts?.signed).toBe(counts?.failures);
      expect(counts?.others_signed).toBe(0);
    } finally {
      await demo.dispose();
    }
  });
});

describe('server migration 3', () => {
  it('fills the signatures of events stored at version 2 with the shared function', async () => {
    const storage = await openPgliteStorage();
    try {
      await migrate(
        storage,
        MIGRATIONS.filter((migration) => migration.version <= 2),
      );
      await storage.query(
        `insert into customers (id, name, plan, region, environment, version, lifecycle, health, owner, created_at, updated_at)
         values ('acme', 'Acme', 'pro', 'eu', 'production', '5.2.0', 'live', 'ok', null, now(), now())`,
      );
      const insert = (id: string, kind: string, summary: string, properties: object) =>
        storage.query(
          `insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, source_system, external_id, summary, feature, properties)
           values ($1, 'acme', now(), now(), $2, 'warning', 'test', $1, $3, 'sso', $4::jsonb)`,
          [id, kind, summary, JSON.stringify(properties)],
        );
      await insert('01J000000000000000000000A1', 'alert', 'SSO failing', {
        alertname: 'SsoLoginFailures',
        thread: 't1',
        status: 'open',
      });
      await insert('01J000000000000000000000A2', 'incident', 'INC-7: SSO down', {});
      await insert('01J000000000000000000000A3', 'deploy', 'Deployed', {});
      await migrate(storage);
      const rows = await storage.query<{ id: string; signature: string | null; wire: { signature: string | null } }>(
        'select id, signature, lk_event_row(e) as wire from events e order by id',
      );
      expect(rows.map((row) => row.signature)).toEqual([
        eventSignature({
          customerId: 'acme',
          kind: 'alert',
          summary: 'SSO failing',
          feature: 'sso',
          properties: { alertname: 'SsoLoginFailures', thread: 't1', status: 'open' },
        }),
        eventSignature({ customerId: 'acme', kind: 'incident', summary: 'INC-7: SSO down', feature: 'sso', properties: {} }),
        null,
      ]);
      expect(rows.map((row) => row.wire.signature)).toEqual(rows.map((row) => row.signature));
    } finally {
      await storage.close();
    }
  }, 120_000); // migrates a database it creates: a minute under CI load
});

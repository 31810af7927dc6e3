import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeResponseSchema } from '../../../shared/remediation/wire';
import fs from 'node:fs';
import path from 'node:path';
import { catalogSpecs } from '../../../shared/catalog/publish';
import { demoPublishedCatalog } from '../../support/catalog';
import { tempDirs } from '../../support/temp';
import { upsertCustomers } from '../../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { customer, DEMO_CATALOG_FILE, demoCatalog, startTestServer, token, type TestServer } from '../support/server';
import { client, NOW, seedSmallFleet, type Client, type SmallFleet } from './support';

let database: TestDatabase;
let server: TestServer;
let brokenServer: TestServer;
let fleet: SmallFleet;
let desk: Client;
let scoped: Client;
let ingest: Client;
let deskOnBroken: Client;
const clock = { now: NOW + 60_000 };
const temp = tempDirs();

beforeAll(async () => {
  database = await createTestDatabase();
  fleet = await seedSmallFleet(database.storage, 2);
  // A customer the demo model does not simulate: probes cannot answer for it.
  await database.storage.transaction((db) => upsertCustomers(db, [customer('real-customer')]));
  server = await startTestServer(database.storage, { clock: () => clock.now });
  // A server whose catalog declares sso.login's status a text: the demo connector's number breaks that contract.
  const brokenFile = path.join(temp.make(), 'broken.catalog.yaml');
  const demoText = fs.readFileSync(DEMO_CATALOG_FILE, 'utf8');
  const brokenText = demoText.replace(
    'status: { type: number, description: HTTP status the sign-in ended with. }',
    'status: { type: string }',
  );
  expect(brokenText).not.toBe(demoText);
  fs.writeFileSync(brokenFile, brokenText.replace('example: { ok: true, status: 200,', 'example: { ok: true, status: "200",'));
  brokenServer = await startTestServer(database.storage, {
    clock: () => clock.now,
    remediation: { catalog: await demoCatalog(database.storage, brokenFile) },
  });
  desk = client(server.url, await token(database.storage, { userId: 'alice', role: 'desk' }));
  scoped = client(server.url, await token(database.storage, { userId: 'carol', role: 'desk', scope: [fleet.healthy[0] ?? ''] }));
  ingest = client(server.url, await token(database.storage, { userId: 'feeder', role: 'ingest' }));
  deskOnBroken = client(brokenServer.url, await token(database.storage, { userId: 'dave', role: 'desk' }));
});

afterAll(async () => {
  await brokenServer?.close();
  await server?.close();
  await database?.dispose();
  temp.cleanup();
});

async function probe(name: string, customerId: string, params: Record<string, unknown> = {}) {
  const response = await desk.post(`/v1/probes/${name}`, { customerId, params });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const body = ProbeResponseSchema.parse(response.body);
  expect(body).toMatchObject({ probe: name, customerId, observedAt: new Date(clock.now).toISOString() });
  // Every answer keeps the catalog's contract, which wizard conditions are written against.
  expect(catalogSpecs(demoPublishedCatalog()).probes.get(name)?.result.safeParse(body.result).success).toBe(true);
  return body.result;
}

describe('POST /v1/probes/:probe against the demo fleet', () => {
  it('sso.login and sso.metadata show the SSO customer locked out and a healthy customer signing in', async () => {
    const broken = fleet.faulty.sso_enforced_without_idp;
    expect(await probe('sso.login', broken)).toMatchObject({
      ok: false,
      status: 403,
      error: expect.stringContaining('no IdP metadata'),
    });
    expect(await probe('sso.metadata', broken)).toMatchObject({
      configured: false,
      enforced: true,
      idpReachable: true,
      certificateExpired: false,
    });
    const fine = fleet.healthy[0] ?? '';
    expect(await probe('sso.login', fine)).toMatchObject({ ok: true, status: 200, error: null });
    expect((await probe('sso.metadata', fine)).enforced).toBe(fleet.state(fine).flags['sso.enforce'] === true);
  });

  it('feature.state tells entitlement from flag for the customer whose feature is switched off', async () => {
    const id = fleet.faulty.feature_entitlement_mismatch;
    const state = fleet.state(id);
    const feature = (state.entitlements ?? []).find((name) => state.flags[`feature.${name}`] !== true) ?? '';
    expect(feature).not.toBe('');
    expect(await probe('feature.state', id, { feature })).toMatchObject({
      feature,
      entitled: true,
      enabled: false,
      health: 'down',
      flagKey: `feature.${feature}`,
    });
  });

  it('provisioning.status names the failed step of the stuck onboarding customer', async () => {
    const id = fleet.faulty.provisioning_stuck;
    const failed = fleet.state(id).provisioning.find((step) => step.status === 'failed');
    const result = await probe('provisioning.status', id);
    expect(result).toMatchObject({
      complete: false,
      failedStep: failed?.step,
      currentStep: failed?.step,
      error: failed?.error,
      attempts: failed?.attempts,
    });
    expect(result.steps).toHaveLength(fleet.state(id).provisioning.length);
  });

  it('jobs.lag reports the lagging export job (the worst one without a job id, or the one asked for)', async () => {
    const id = fleet.faulty.export_lag;
    const job = fleet.state(id).jobs.find((candidate) => candidate.kind === 'export');
    const worst = await probe('jobs.lag', id);
    expect(worst).toMatchObject({ jobId: job?.id, schedule: job?.schedule });
    expect(worst.lagMinutes).toBeGreaterThan(120);
    expect(['paused', 'stuck']).toContain(worst.state);
    const named = await probe('jobs.lag', id, { jobId: `${id}.billing_sync` });
    expect(named).toMatchObject({ jobId: `${id}.billing_sync`, state: 'running', workerHealthy: true });
  });

  it('customer.health names the failing feature and the version of the regressed customer', async () => {
    const id = fleet.faulty.upgrade_regression;
    const regression = fleet.state(id).regression;
    expect(await probe('customer.health', id)).toMatchObject({
      health: 'degraded',
      failingFeatures: [regression?.feature],
      version: regression?.version,
    });
    expect(await probe('customer.health', fleet.healthy[0] ?? '')).toMatchObject({ health: 'ok', failingFeatures: [] });
  });

  it('refuses unknown probes, bad parameters, other roles and customers it cannot see or simulate', async () => {
    const unknown = await desk.post('/v1/probes/dns.lookup', { customerId: fleet.healthy[0] });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'unknown_probe' });
    expect(await desk.post('/v1/probes/feature.state', { customerId: fleet.healthy[0], params: {} })).toMatchObject({
      status: 400,
      body: { error: 'invalid_params' },
    });
    expect(await desk.post('/v1/probes/sso.login', { customerId: fleet.healthy[0], extra: 1 })).toMatchObject({ status: 400 });
    expect(
      await desk.post('/v1/probes/jobs.lag', { customerId: fleet.healthy[0], params: { jobId: 'no-such-job' } }),
    ).toMatchObject({ status: 422, body: { error: 'probe_failed' } });
    expect(await desk.post('/v1/probes/sso.login', { customerId: 'real-customer' })).toMatchObject({
      status: 422,
      body: { error: 'not_simulated' },
    });
    expect(await desk.post('/v1/probes/sso.login', { customerId: 'nobody' })).toMatchObject({
      status: 404,
      body: { error: 'unknown_customer' },
    });
    // Out of scope reads exactly like missing.
    expect(await scoped.post('/v1/probes/sso.login', { customerId: fleet.faulty.sso_enforced_without_idp })).toMatchObject({
      status: 404,
      body: { error: 'unknown_customer' },
    });
    expect((await scoped.post('/v1/probes/sso.login', { customerId: fleet.healthy[0] })).status).toBe(200);
    expect((await ingest.post('/v1/probes/sso.login', { customerId: fleet.healthy[0] })).status).toBe(403);
  });

  it('answers 502 with a clear message when the answer breaks the catalog result type', async () => {
    const response = await deskOnBroken.post('/v1/probes/sso.login', { customerId: fleet.healthy[0] });
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({
      error: 'probe_failed',
      message: expect.stringMatching(/sso\.login .*declared result.*status/),
    });
    // The other probes of that server still answer.
    expect((await deskOnBroken.post('/v1/probes/customer.health', { customerId: fleet.healthy[0] })).status).toBe(200);
  });
});

describe('a server without a catalog', () => {
  it('offers no probes and no actions (nothing is built in), and says it has no catalog', async () => {
    const bare = await startTestServer(database.storage, { clock: () => clock.now, remediation: { catalog: null } });
    try {
      const as = client(bare.url, await token(database.storage, { userId: 'erin', role: 'desk' }));
      const probed = await as.post('/v1/probes/sso.login', { customerId: fleet.healthy[0] });
      expect(probed).toMatchObject({ status: 404, body: { error: 'unknown_probe' } });
      const planned = await as.post('/v1/actions/plan', {
        action: 'flags.set',
        customerId: fleet.healthy[0],
        params: { key: 'sso.enforce', value: false },
      });
      expect(planned).toMatchObject({ status: 404, body: { error: 'unknown_action' } });
      expect(await as.get('/v1/actions')).toMatchObject({ status: 200, body: { actions: [] } });
      expect(await as.get('/v1/catalog')).toMatchObject({ status: 404, body: { error: 'no_catalog' } });
    } finally {
      await bare.close();
    }
  });
});

describe('GET /v1/me', () => {
  it('names the caller and the roles of the token', async () => {
    expect(await desk.get('/v1/me')).toMatchObject({
      status: 200,
      body: { userId: 'alice', name: 'alice', kind: 'token', roles: ['viewer', 'operator', 'approver'], customers: 'all' },
    });
    expect(await ingest.get('/v1/me')).toMatchObject({ status: 200, body: { userId: 'feeder', roles: ['ingest'] } });
    expect((await client(server.url, 'not-a-token-at-all').get('/v1/me')).status).toBe(401);
  });
});

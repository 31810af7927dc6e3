import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineEventSchema } from '../../../shared/domain';
import { WizardRowSchema } from '../../../shared/remediation/wire';
import { GLOBAL_BUCKET, PROTOCOL_VERSION, PushResponseSchema, customerBucket, type Mutation } from '../../../shared/sync/wire';
import { definitionHash } from '../../../shared/wizards/engine';
import { parseWizard } from '../../../shared/wizards/validate';
import { demoPublishedCatalog } from '../../support/catalog';
import { silentLogger, type Logger } from '../../../server/log';
import { publishBundledWizards } from '../../../server/remediation/wizard-library';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { MiniDesk } from '../support/desk';
import { addCustomers, startTestServer, token, type TestServer } from '../support/server';
import { client, count, NOW, type Client } from './support';

let database: TestDatabase;
let server: TestServer;
let admin: Client;
let desk: Client;
let deskToken: string;
let scopedDesk: Client;
let directory: string;
const clock = { now: NOW };

const HEALTH_WIZARD = `# A small wizard used by the tests.
id: test-health-check
version: 1
title: Check live health
appliesTo: { features: [sso] }
steps:
  - id: health
    kind: check
    title: Live health
    source: probe
    probe: customer.health
    save: live
  - id: route
    kind: decision
    title: Healthy?
    branches:
      - when: "checks.live.health == 'ok'"
        goto: fine
    otherwise: escalate
  - id: fine
    kind: record
    title: Fine
    outcome: no_fault_found
    rootCause: unknown
  - id: escalate
    kind: escalate
    title: Escalate
    team: l2-support
    summary: not ok
`;

function linking(target: string, id = 'test-linking'): string {
  return `id: ${id}
version: 1
title: Runs another wizard
steps:
  - id: sub
    kind: link
    title: Health check
    wizard: ${target}
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;
}

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-wizards-'));
  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme', 'globex']);
  server = await startTestServer(database.storage, { clock: () => clock.now });
  admin = client(server.url, await token(database.storage, { userId: 'librarian', role: 'admin' }));
  deskToken = await token(database.storage, { userId: 'alice', role: 'desk' });
  desk = client(server.url, deskToken);
  scopedDesk = client(server.url, await token(database.storage, { userId: 'bob', role: 'desk', scope: ['globex'] }));
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('PUT /v1/wizards', () => {
  it('publishes a valid wizard, and a desk already syncing receives it in the global bucket', async () => {
    const syncing = new MiniDesk(server.url, deskToken);
    await syncing.sync();
    expect(syncing.entityIds(GLOBAL_BUCKET, 'wizard')).toEqual([]);

    const response = await admin.put('/v1/wizards', { source: HEALTH_WIZARD, file: 'test-health-check.yaml' });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const definition = parseWizard(HEALTH_WIZARD, 'x.yaml', { catalog: demoPublishedCatalog() }).definition;
    expect(definition).not.toBeNull();
    const expected = {
      id: 'test-health-check',
      version: 1,
      title: 'Check live health',
      source: HEALTH_WIZARD,
      hash: definitionHash(JSON.parse(JSON.stringify(definition))),
      publishedAt: new Date(clock.now).toISOString(),
      publishedBy: 'librarian',
    };
    expect(response.body).toEqual({ status: 'published', wizard: expected });

    await syncing.syncUntil((current) => current.row(GLOBAL_BUCKET, 'wizard', 'test-health-check@1') !== undefined);
    expect(WizardRowSchema.parse(syncing.row(GLOBAL_BUCKET, 'wizard', 'test-health-check@1'))).toEqual(expected);
    // A fresh desk gets it from the bootstrap, not only from the log.
    const fresh = new MiniDesk(server.url, deskToken);
    await fresh.sync();
    expect(fresh.row(GLOBAL_BUCKET, 'wizard', 'test-health-check@1')).toEqual(expected);
    expect((await desk.get('/v1/wizards')).body).toEqual({ wizards: [expected] });
  });

  it('is idempotent for the same content (layout and comments do not count) and refuses other content under the same version', async () => {
    const logRows = await count(database.storage, 'change_log', "entity = 'wizard'");
    const relaid = HEALTH_WIZARD.replace('# A small wizard used by the tests.\n', '').replace(
      'appliesTo: { features: [sso] }',
      'appliesTo:\n  features:\n    - sso',
    );
    const same = await admin.put('/v1/wizards', { source: relaid });
    expect(same).toMatchObject({
      status: 200,
      body: { status: 'unchanged', wizard: { id: 'test-health-check', version: 1, source: HEALTH_WIZARD } },
    });
    expect(await count(database.storage, 'change_log', "entity = 'wizard'")).toBe(logRows);

    const changed = await admin.put('/v1/wizards', {
      source: HEALTH_WIZARD.replace('title: Check live health', 'title: Check live health now'),
    });
    expect(changed).toMatchObject({
      status: 409,
      body: { error: 'wizard_version_exists', message: expect.stringContaining('raise the version') },
    });
    const next = await admin.put('/v1/wizards', {
      source: HEALTH_WIZARD.replace('version: 1', 'version: 2').replace(
        'title: Check live health',
        'title: Check live health now',
      ),
    });
    expect(next).toMatchObject({ status: 201, body: { wizard: { id: 'test-health-check', version: 2 } } });
    expect(await count(database.storage, 'wizards', "id = 'test-health-check'")).toBe(2);
  });

  it('refuses an invalid wizard with every issue (file, line, step) and stores nothing', async () => {
    const broken = HEALTH_WIZARD.replace('probe: customer.health', 'probe: customer.mood')
      .replace('goto: fine', 'goto: nowhere')
      .replace('id: test-health-check', 'id: test-broken');
    const response = await admin.put('/v1/wizards', { source: broken, file: 'broken.yaml' });
    expect(response.status).toBe(422);
    const body = response.body as {
      error: string;
      message: string;
      issues: Array<{ file: string; line: number; stepId?: string; code: string }>;
    };
    expect(body).toMatchObject({ error: 'invalid_wizard', message: expect.stringContaining('broken.yaml') });
    expect(body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'broken.yaml', line: 11, stepId: 'health', code: 'unknown-probe' }),
        expect.objectContaining({ file: 'broken.yaml', line: 18, stepId: 'route', code: 'dangling-target' }),
        expect.objectContaining({ file: 'broken.yaml', stepId: 'fine', code: 'unreachable-step' }),
      ]),
    );
    expect(await count(database.storage, 'wizards', "id = 'test-broken'")).toBe(0);
    expect((await admin.put('/v1/wizards', { source: 'id: [unclosed' })).status).toBe(422);
    expect((await admin.put('/v1/wizards', { source: '' })).status).toBe(400);
  });

  it('checks links against the library and lets only admins publish', async () => {
    const missing = await admin.put('/v1/wizards', { source: linking('not-published') });
    expect(missing.status).toBe(422);
    expect((missing.body as { issues: Array<{ code: string }> }).issues.map((issue) => issue.code)).toContain('unknown-wizard');
    expect((await admin.put('/v1/wizards', { source: linking('test-health-check') })).status).toBe(201);
    expect((await desk.put('/v1/wizards', { source: linking('test-health-check', 'test-other') })).status).toBe(403);
  });
});

describe('publishBundledWizards', () => {
  it('publishes the valid files of the folder, skips scenarios and logs invalid ones; a missing folder does nothing', async () => {
    const bundled = path.join(directory, 'bundled');
    fs.mkdirSync(bundled);
    // The linking wizard comes first by name: links resolve among the files published together.
    fs.writeFileSync(path.join(bundled, 'a-linking.yaml'), linking('z-target', 'bundled-linking'));
    fs.writeFileSync(path.join(bundled, 'z-target.yaml'), HEALTH_WIZARD.replace('id: test-health-check', 'id: z-target'));
    fs.writeFileSync(path.join(bundled, 'z-target.works.scenario.yaml'), 'scenario: works\nwizard: z-target\n');
    fs.writeFileSync(path.join(bundled, 'broken.yaml'), 'id: broken\nversion: 1\ntitle: Broken\nsteps: []\n');
    fs.writeFileSync(path.join(bundled, 'notes.txt'), 'not a wizard');
    const warnings: Array<{ message: string; details?: Record<string, unknown> }> = [];
    const log: Logger = { ...silentLogger, warn: (message, details) => warnings.push({ message, details }) };

    const report = await publishBundledWizards(database.storage, {
      directory: bundled,
      now: clock.now,
      log,
      catalog: demoPublishedCatalog(),
    });
    expect(report).toEqual({ published: ['a-linking.yaml', 'z-target.yaml'], unchanged: [], skipped: ['broken.yaml'] });
    expect(warnings).toEqual([
      { message: 'skipped a bundled wizard', details: { file: 'broken.yaml', problems: [expect.stringContaining('schema')] } },
    ]);
    const rows = await database.storage.query<{ id: string; published_by: string }>(
      "select id, published_by from wizards where id in ('bundled-linking', 'z-target') order by id",
    );
    expect(rows).toEqual([
      { id: 'bundled-linking', published_by: 'bundled' },
      { id: 'z-target', published_by: 'bundled' },
    ]);

    // The next start finds them published.
    expect(
      await publishBundledWizards(database.storage, { directory: bundled, now: clock.now, log, catalog: demoPublishedCatalog() }),
    ).toEqual({
      published: [],
      unchanged: ['a-linking.yaml', 'z-target.yaml'],
      skipped: ['broken.yaml'],
    });
    expect(
      await publishBundledWizards(database.storage, {
        directory: path.join(directory, 'missing'),
        now: clock.now,
        log,
        catalog: demoPublishedCatalog(),
      }),
    ).toEqual({ published: [], unchanged: [], skipped: [] });
  });

  it('publishes the starter library shipped in resources/wizards', async () => {
    const report = await publishBundledWizards(database.storage, {
      directory: path.resolve('resources/wizards'),
      now: clock.now,
      log: silentLogger,
      catalog: demoPublishedCatalog(),
    });
    expect(report.skipped).toEqual([]);
    expect(report.published.length).toBeGreaterThanOrEqual(5);
    expect(report.published.every((name) => !name.includes('.scenario.'))).toBe(true);
  });
});

describe('wizardRun.record', () => {
  let seq = 0;

  function mutation(args: unknown, overrides: Partial<Mutation> = {}): Mutation {
    seq += 1;
    return {
      seq,
      id: `m-${seq}-${Math.random().toString(36).slice(2, 8)}`,
      name: 'wizardRun.record',
      v: 1,
      clientTime: new Date(clock.now).toISOString(),
      args,
      ...overrides,
    };
  }

  function runArgs(overrides: Record<string, unknown> = {}) {
    return {
      runId: 'run-01',
      customerId: 'acme',
      wizardId: 'test-health-check',
      wizardVersion: 1,
      outcome: 'workaround',
      rootCause: 'configuration-change',
      path: ['health', 'route', 'fine'],
      followUps: ['Enforce SSO again once the IdP is ready'],
      startedAt: new Date(clock.now - 300_000).toISOString(),
      finishedAt: new Date(clock.now - 10_000).toISOString(),
      summary: 'Wizard "Check live health": workaround',
      body: '',
      ...overrides,
    };
  }

  async function push(as: Client, clientId: string, mutations: Mutation[]) {
    const response = await as.post('/v1/sync/push', { protocol: PROTOCOL_VERSION, clientId, schemaVersion: 1, mutations });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return PushResponseSchema.parse(response.body).results;
  }

  it('writes exactly one wizard_run event however often the run is pushed, and the desk syncs it', async () => {
    seq = 0;
    const [first] = await push(desk, 'client-wizard-1', [mutation(runArgs())]);
    // The result names the event it wrote (and the follow-up its record step listed, issue 12), so the desk keeps
    // the run's record until they are in its cache.
    expect(first).toEqual({
      seq: 1,
      status: 'applied',
      produced: [
        { bucket: customerBucket('acme'), entity: 'event', id: expect.any(String), ver: 1 },
        { bucket: customerBucket('acme'), entity: 'follow_up', id: expect.stringMatching(/^fu-run-/), ver: 1 },
      ],
    });
    // The same run again: a retry after a lost answer from another client, and a resent batch.
    expect((await push(desk, 'client-wizard-1', [mutation(runArgs())]))[0]).toMatchObject({ seq: 2, status: 'applied' });
    seq = 0;
    expect((await push(desk, 'client-wizard-2', [mutation(runArgs())]))[0]).toMatchObject({ seq: 1, status: 'applied' });
    expect(await count(database.storage, 'events', "kind = 'wizard_run' and external_id = 'run-01'")).toBe(1);

    const syncing = new MiniDesk(server.url, deskToken);
    const bucket = customerBucket('acme');
    const find = (current: MiniDesk) =>
      current
        .entityIds(bucket, 'event')
        .map((id) => TimelineEventSchema.parse(current.row(bucket, 'event', id)))
        .find((event) => event.kind === 'wizard_run');
    await syncing.syncUntil((current) => find(current) !== undefined);
    const event = find(syncing);
    expect(event?.id).toBe(first?.produced?.[0]?.id);
    expect(event).toMatchObject({
      customerId: 'acme',
      kind: 'wizard_run',
      severity: 'notice',
      actor: 'alice',
      feature: 'sso',
      occurredAt: runArgs().finishedAt,
      source: { system: 'lightkeeper-wizards', externalId: 'run-01' },
      summary: 'Wizard "Check live health": workaround',
      links: { run: 'run-01' },
      properties: {
        runId: 'run-01',
        wizardId: 'test-health-check',
        wizardVersion: 1,
        outcome: 'workaround',
        rootCause: 'configuration-change',
        path: ['health', 'route', 'fine'],
      },
    });
    // No body from the desk: the server writes one with the path, outcome, root cause and follow-ups.
    expect(event?.body).toContain('**Outcome:** workaround');
    expect(event?.body).toContain('**Root cause:** configuration-change');
    expect(event?.body).toContain('- route');
    expect(event?.body).toContain('- Enforce SSO again once the IdP is ready');
  });

  it('keeps the desk’s body, and refuses invalid args, customers out of scope and unknown customers', async () => {
    seq = 0;
    const results = await push(scopedDesk, 'client-wizard-3', [
      mutation(runArgs({ runId: 'run-02', customerId: 'globex', body: '### Path\n- custom' })),
      mutation(runArgs({ runId: 'run-03', customerId: 'acme' })),
      mutation(runArgs({ runId: 'run-04', customerId: 'globex', outcome: undefined })),
      mutation(runArgs({ runId: 'run-05', customerId: 'globex' }), { v: 2 }),
    ]);
    expect(results.map((result) => [result.status, result.code])).toEqual([
      ['applied', undefined],
      ['rejected', 'forbidden'],
      ['rejected', 'invalid_args'],
      ['rejected', 'unsupported_version'],
    ]);
    const [event] = await database.storage.query<{ body: string; actor: string }>(
      "select body, actor from events where external_id = 'run-02'",
    );
    expect(event).toEqual({ body: '### Path\n- custom', actor: 'bob' });
    seq = 0;
    expect(
      (await push(desk, 'client-wizard-4', [mutation(runArgs({ runId: 'run-06', customerId: 'nobody' }))]))[0],
    ).toMatchObject({ status: 'rejected', code: 'unknown_customer' });
    expect(
      await count(database.storage, 'events', "kind = 'wizard_run' and external_id in ('run-03', 'run-04', 'run-05', 'run-06')"),
    ).toBe(0);
  });
});

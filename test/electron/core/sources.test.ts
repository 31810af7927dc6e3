import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';
import { createSourceHandlers } from '../../../electron/core/sources';
import { contract } from '../../../shared/ipc/contract';
import type { SourceDraft } from '../../../shared/ingest-sources';
import { customerBucket } from '../../../shared/sync/wire';
import { MiniDesk } from '../../server/support/desk';
import { produce } from '../../server/ingest/support';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../../server/support/server';

/*
 * The Sources page's channels (issue 10) against a real server over HTTP on its
 * own PostgreSQL database: an admin lists, adds, rotates and removes sources with
 * their own token; the URL and credential made once really take deliveries;
 * refusals come back in support words; anyone else is told why, and the server
 * refuses them.
 */

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/ingest/alertmanager-grouped.json');
const grouped = readFileSync(FIXTURE, 'utf8');
const json = { 'content-type': 'application/json' };

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let operatorToken: string;
/** The first URL of prod-am, until it is rotated. */
let firstUrl = '';

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  operatorToken = await token(database.storage, { userId: 'olga', role: 'desk' });
  await addCustomers(database.storage, ['acme', 'globex', 'initech-inc']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

const known = new Set(['acme', 'globex', 'initech-inc']);

function handlersFor(
  bearer: string | null,
  roles: string[] | null = ['admin'],
  isKnownCustomer: (id: string) => boolean | null = (id) => known.has(id),
) {
  return createSourceHandlers({
    backend: () => (bearer === null ? null : createBackendClient({ baseUrl: server.url, token: bearer })),
    roles: () => roles,
    isKnownCustomer,
  });
}

const alertmanager: SourceDraft = {
  id: 'prod-am',
  kind: 'alertmanager',
  name: 'Production Alertmanager',
  customerLabels: ['customer', 'tenant'],
  aliases: [{ alias: 'globex-prod', customerId: 'globex' }],
  defaults: { severity: 'warning', feature: null },
};

/** Checks an answer against the channel's output schema, as the renderer's fake desk does. */
function satisfies<
  C extends
    | 'sources:list'
    | 'sources:add'
    | 'sources:rotate'
    | 'sources:unmatched'
    | 'sources:mapKey'
    | 'sources:remap'
    | 'sources:update',
>(channel: C, value: unknown) {
  const parsed = contract[channel].output.safeParse(value);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
}

describe('sources channels against a real server (issue 10)', () => {
  it('adds a source whose URL, shown once, takes the producer’s deliveries, and lists what arrived', async () => {
    const admin = handlersFor(adminToken);
    const before = await admin['sources:list']();
    expect(before).toEqual({ sources: [], unavailable: null });

    const added = await admin['sources:add'](alertmanager);
    satisfies('sources:add', added);
    if (added.status !== 'created') throw new Error(JSON.stringify(added));
    expect(added.credential.kind).toBe('url_token');
    firstUrl = added.credential.url;
    expect(added.credential.url).toBe(`${server.url}/v1/ingest/prod-am/${added.credential.value}`);
    expect(added.source).toMatchObject({
      id: 'prod-am',
      kind: 'alertmanager',
      name: 'Production Alertmanager',
      origin: 'api',
      url: `${server.url}/v1/ingest/prod-am/<token>`,
      customerMapping: 'labels customer, tenant · 1 alias',
      defaults: { severity: 'warning', feature: null },
      state: 'waiting',
      accepted: 0,
      refused: 0,
    });

    // Exactly what an Alertmanager receiver with that URL posts: acme and globex (by alias) match, initech is kept unmatched.
    const delivered = await produce(server.url, new URL(added.credential.url).pathname, grouped, json);
    expect(delivered.status).toBe(207);
    const listed = await admin['sources:list']();
    satisfies('sources:list', listed);
    expect(listed.sources[0]).toMatchObject({ id: 'prod-am', accepted: 1, refused: 0, unmatched: 1, state: 'receiving' });
    expect(JSON.stringify(listed)).not.toContain(added.credential.value);
  });

  it('says in support words why the newest delivery was refused and what to do; rotating gives a URL that works', async () => {
    const admin = handlersFor(adminToken);
    await produce(server.url, '/v1/ingest/prod-am/lks_not-the-token-of-this-source', grouped, json);
    const refused = (await admin['sources:list']()).sources.find((source) => source.id === 'prod-am');
    expect(refused).toMatchObject({ state: 'refusing', refused: 1 });
    expect(refused?.lastRefusal).toMatchObject({
      status: 401,
      code: 'unauthorized',
      message: expect.stringContaining('not the token of source prod-am'),
      headline: expect.stringContaining('no token, or an old one'),
      next: expect.stringContaining('Rotate the token'),
    });

    const rotated = await admin['sources:rotate']({ id: 'prod-am' });
    satisfies('sources:rotate', rotated);
    expect(rotated.credential.url).toBe(`${server.url}/v1/ingest/prod-am/${rotated.credential.value}`);
    expect((await produce(server.url, new URL(rotated.credential.url).pathname, grouped, json)).status).toBe(207);
    expect((await produce(server.url, new URL(firstUrl).pathname, grouped, json)).status).toBe(401);
    const after = (await admin['sources:list']()).sources.find((source) => source.id === 'prod-am');
    expect(after).toMatchObject({ state: 'refusing', accepted: 2, refused: 2 });
  });

  it('gives a GitHub source a secret (its URL carries none) and explains a bad signature', async () => {
    const admin = handlersFor(adminToken);
    const added = await admin['sources:add']({
      id: 'github',
      kind: 'github',
      customersFrom: ['payload.customers', 'environment'],
      aliases: [],
      defaults: { severity: 'notice', feature: 'deploys' },
    });
    if (added.status !== 'created') throw new Error(JSON.stringify(added));
    expect(added.credential).toMatchObject({ kind: 'hmac', url: `${server.url}/v1/ingest/github` });
    expect(added.credential.value).toMatch(/^[0-9a-f]{64}$/);
    expect(added.source).toMatchObject({ credential: 'hmac', url: `${server.url}/v1/ingest/github` });
    await produce(server.url, '/v1/ingest/github', '{"zen":"hi"}', {
      ...json,
      'x-github-event': 'ping',
      'x-github-delivery': '1',
      'x-hub-signature-256': 'sha256=00',
    });
    const source = (await admin['sources:list']()).sources.find((candidate) => candidate.id === 'github');
    expect(source?.defaults).toEqual({ severity: 'notice', feature: 'deploys' });
    expect(source?.lastRefusal?.headline).toMatch(/signature did not match/);
    expect(source?.lastRefusal?.next).toMatch(/Secret field/);
  });

  it('refuses a draft field by field: a taken id, an alias to an unknown customer, what the server refuses', async () => {
    const admin = handlersFor(adminToken);
    expect(await admin['sources:add'](alertmanager)).toEqual({
      status: 'refused',
      problems: [{ field: 'id', message: 'A source prod-am exists already; pick another id.' }],
    });
    const typo = await admin['sources:add']({
      ...alertmanager,
      id: 'typo-am',
      aliases: [
        { alias: 'acme-prod', customerId: 'acme' },
        { alias: 'initech-prod', customerId: 'initek' },
      ],
    });
    expect(typo).toEqual({
      status: 'refused',
      problems: [{ field: 'aliases', message: expect.stringMatching(/^Line 2: no customer initek/) }],
    });
    // A draft the contract would stop, sent past it: the server's own refusal lands on the field it names.
    const refused = await admin['sources:add']({ ...alertmanager, id: 'empty-labels', customerLabels: [] });
    expect(refused).toMatchObject({
      status: 'refused',
      problems: [{ field: 'customer', message: expect.stringMatching(/^customerLabels/) }],
    });
    const ids = (await admin['sources:list']()).sources.map((source) => source.id);
    expect(ids).not.toContain('typo-am');
    expect(ids).not.toContain('empty-labels');
  });

  it('tells anyone but an admin why, and the server refuses their changes', async () => {
    const operator = handlersFor(operatorToken, ['viewer', 'operator', 'approver']);
    const listed = await operator['sources:list']();
    satisfies('sources:list', listed);
    expect(listed.sources).toEqual([]);
    expect(listed.unavailable).toMatch(/managed by admins.*You are viewer, operator, approver\..*Ask an admin/);
    await expect(operator['sources:add']({ ...alertmanager, id: 'sneaky' })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^Only an admin of the server can add a source\./),
    });
    await expect(operator['sources:rotate']({ id: 'prod-am' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(operator['sources:remove']({ id: 'prod-am' })).rejects.toMatchObject({ code: 'forbidden' });
    const ids = (await handlersFor(adminToken)['sources:list']()).sources.map((source) => source.id);
    expect(ids).toContain('prod-am');
    expect(ids).not.toContain('sneaky');

    expect(await handlersFor(null)['sources:list']()).toEqual({ sources: [], unavailable: expect.stringMatching(/Sync page/) });
  });

  it('removes a source: its URL stops taking deliveries', async () => {
    const admin = handlersFor(adminToken);
    const added = await admin['sources:add']({ ...alertmanager, id: 'short-lived', aliases: [] });
    if (added.status !== 'created') throw new Error(JSON.stringify(added));
    expect(await admin['sources:remove']({ id: 'short-lived' })).toEqual({ removed: 'short-lived' });
    expect((await admin['sources:list']()).sources.map((source) => source.id)).not.toContain('short-lived');
    expect((await produce(server.url, new URL(added.credential.url).pathname, grouped, json)).status).toBe(404);
    await expect(admin['sources:remove']({ id: 'short-lived' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('unmatched items from the Sources page (issue 10)', () => {
  /** The grouped notification with credentials where producers put them: a label, URL user info, a query parameter. */
  const leaky = (() => {
    const notification = JSON.parse(grouped) as { alerts: { labels: Record<string, string>; generatorURL: string }[] };
    const initech = notification.alerts[2];
    if (!initech) throw new Error('the fixture has three alerts');
    initech.labels.api_token = 'label-secret-1234';
    initech.generatorURL =
      'http://scraper:url-password-5678@prometheus.example:9090/graph?access_token=query-secret-9012&g0.tab=1';
    return JSON.stringify(notification);
  })();

  it('lists what waits with the name it used, why, and a preview without secrets; mapping the name moves it to the customer', async () => {
    const admin = handlersFor(adminToken);
    const added = await admin['sources:add']({ ...alertmanager, id: 'waiting-am', aliases: [] });
    if (added.status !== 'created') throw new Error(JSON.stringify(added));
    const path = new URL(added.credential.url).pathname;
    expect((await produce(server.url, path, leaky, json)).status).toBe(207);

    const unmatched = await admin['sources:unmatched']({ id: 'waiting-am' });
    satisfies('sources:unmatched', unmatched);
    // globex-prod has no alias on this source: two names wait, each with its own item.
    expect(unmatched.items.map((item) => item.customerKey).sort()).toEqual(['globex-prod', 'initech']);
    expect(unmatched.isCut).toBe(false);
    const initech = unmatched.items.find((item) => item.customerKey === 'initech');
    expect(initech).toMatchObject({
      kind: 'alert',
      summary: 'Export queue lagging',
      occurredAt: '2026-04-01T07:52:00.000Z',
      reason: 'No customer is known as "initech" to this source: map that name to a customer and the item moves to its timeline.',
      receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(initech?.preview).toContain('"alertname": "ExportQueueLagging"');
    expect(initech?.preview).toContain('"api_token": "[hidden]"');
    expect(initech?.preview).toContain('http://scraper:[hidden]@prometheus.example:9090/graph?access_token=[hidden]&g0.tab=1');
    for (const secret of ['label-secret-1234', 'url-password-5678', 'query-secret-9012', added.credential.value])
      expect(JSON.stringify(unmatched)).not.toContain(secret);

    // A customer the cache does not know is refused before anything is sent; one the server does not know, by the server.
    expect(await admin['sources:mapKey']({ id: 'waiting-am', key: 'initech', customerId: 'initek' })).toEqual({
      status: 'refused',
      problems: [{ field: 'customer', message: expect.stringMatching(/^No customer initek is known here: pick one/) }],
    });
    const uncached = handlersFor(adminToken, ['admin'], () => null);
    const refused = await uncached['sources:mapKey']({ id: 'waiting-am', key: 'initech', customerId: 'initek' });
    satisfies('sources:mapKey', refused);
    expect(refused).toMatchObject({ status: 'refused', problems: [{ field: 'customer' }] });
    expect((await admin['sources:unmatched']({ id: 'waiting-am' })).items).toHaveLength(2);

    const mapped = await admin['sources:mapKey']({ id: 'waiting-am', key: 'initech', customerId: 'initech-inc' });
    satisfies('sources:mapKey', mapped);
    expect(mapped).toEqual({
      status: 'mapped',
      id: 'waiting-am',
      key: 'initech',
      customerId: 'initech-inc',
      remapped: 1,
      stillUnmatched: 1,
    });
    const left = await admin['sources:unmatched']({ id: 'waiting-am' });
    expect(left.items.map((item) => item.customerKey)).toEqual(['globex-prod']);
    const listed = (await admin['sources:list']()).sources.find((source) => source.id === 'waiting-am');
    expect(listed).toMatchObject({ unmatched: 1, customerMapping: 'labels customer, tenant' });

    // On the customer's timeline for a desk that syncs, with the source it came from.
    const desk = new MiniDesk(server.url, adminToken);
    const bucket = customerBucket('initech-inc');
    await desk.syncUntil((current) => current.entityIds(bucket, 'event').length > 0);
    const [eventId = ''] = desk.entityIds(bucket, 'event');
    expect(desk.row(bucket, 'event', eventId)).toMatchObject({
      customerId: 'initech-inc',
      kind: 'alert',
      summary: 'Export queue lagging',
      source: { system: 'waiting-am' },
    });

    // The next notification of that alert now lands on the customer directly, not in the queue again.
    expect((await produce(server.url, path, leaky, json)).status).toBe(207);
    expect((await admin['sources:unmatched']({ id: 'waiting-am' })).items).toHaveLength(1);

    // Re-map alone: nothing new maps, the counts say so.
    const again = await admin['sources:remap']({ id: 'waiting-am' });
    satisfies('sources:remap', again);
    expect(again).toEqual({ id: 'waiting-am', remapped: 0, stillUnmatched: 1 });
  });

  it('tells anyone but an admin why, and the server keeps their aliases out', async () => {
    const operator = handlersFor(operatorToken, ['operator']);
    await expect(operator['sources:unmatched']({ id: 'waiting-am' })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^Only an admin of the server can see a source’s unmatched items\. You are operator\./),
    });
    await expect(
      operator['sources:mapKey']({ id: 'waiting-am', key: 'globex-prod', customerId: 'globex' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(operator['sources:remap']({ id: 'waiting-am' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await handlersFor(adminToken)['sources:unmatched']({ id: 'waiting-am' })).items).toHaveLength(1);
    await expect(handlersFor(adminToken)['sources:unmatched']({ id: 'no-such-source' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(handlersFor(null)['sources:unmatched']({ id: 'waiting-am' })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/Sync page/),
    });
  });
});

describe('changing a source’s mapping rules from the Sources page (issue 10)', () => {
  it('shows the settings the server keeps, changes them, and the change shows in the list', async () => {
    const admin = handlersFor(adminToken);
    const added = await admin['sources:add']({
      ...alertmanager,
      id: 'rules-am',
      aliases: [{ alias: 'acme-prod', customerId: 'acme' }],
      severityLabel: 'priority',
    });
    if (added.status !== 'created') throw new Error(JSON.stringify(added));
    expect(added.source.settings).toEqual({
      id: 'rules-am',
      kind: 'alertmanager',
      name: 'Production Alertmanager',
      customerLabels: ['customer', 'tenant'],
      severityLabel: 'priority',
      severities: expect.objectContaining({ critical: 'critical', warn: 'warning', none: 'info' }),
      featureLabel: 'feature',
      defaults: { severity: 'warning', feature: null },
    });

    const updated = await admin['sources:update']({
      id: 'rules-am',
      kind: 'alertmanager',
      name: 'Rules',
      customerLabels: ['tenant'],
      severityLabel: 'priority',
      severities: { p1: 'critical', p2: 'error' },
      featureLabel: 'component',
      defaults: { severity: 'notice', feature: 'exports' },
    });
    satisfies('sources:update', updated);
    expect(updated).toMatchObject({
      status: 'updated',
      source: {
        id: 'rules-am',
        name: 'Rules',
        // The alias added with the source stays: a change of rules keeps the aliases.
        customerMapping: 'labels tenant · 1 alias',
        defaults: { severity: 'notice', feature: 'exports' },
        settings: { severities: { p1: 'critical', p2: 'error' }, featureLabel: 'component', customerLabels: ['tenant'] },
      },
    });
    const listed = (await admin['sources:list']()).sources.find((source) => source.id === 'rules-am');
    expect(listed?.settings).toEqual(updated.status === 'updated' ? updated.source.settings : null);
  });

  it('puts the server’s refusals under their fields: a JSONata mapping that does not compile, a severity it does not know', async () => {
    const admin = handlersFor(adminToken);
    const hook = await admin['sources:add']({
      id: 'rules-hook',
      kind: 'generic',
      preset: 'ticket',
      aliases: [],
      defaults: { severity: 'warning', feature: null },
    });
    if (hook.status !== 'created') throw new Error(JSON.stringify(hook));
    expect(hook.source.settings).toMatchObject({ kind: 'generic', preset: 'ticket' });
    const broken = await admin['sources:update']({
      id: 'rules-hook',
      kind: 'generic',
      jsonata: '{ "key": id, ',
      defaults: { severity: 'warning', feature: null },
    });
    expect(broken).toEqual({
      status: 'refused',
      problems: [{ field: 'jsonata', message: expect.stringMatching(/^mapping\.jsonata: does not compile: /) }],
    });
    const own = await admin['sources:update']({
      id: 'rules-hook',
      kind: 'generic',
      jsonata: '{ "key": id, "customer": org, "kind": "ticket", "summary": title }',
      defaults: { severity: 'warning', feature: null },
    });
    expect(own).toMatchObject({
      status: 'updated',
      source: { customerMapping: 'a JSONata mapping', settings: { jsonata: expect.stringContaining('"customer": org') } },
    });

    // Settings the contract would stop, sent past it: the server's own words land on the field.
    const unknownSeverity = await admin['sources:update']({
      id: 'rules-am',
      kind: 'alertmanager',
      customerLabels: ['tenant'],
      severities: { p1: 'urgent' as never },
      defaults: { severity: 'notice', feature: null },
    });
    expect(unknownSeverity).toMatchObject({
      status: 'refused',
      problems: [{ field: 'severities', message: expect.stringMatching(/^severities\.p1: /) }],
    });
    await expect(
      handlersFor(operatorToken, ['operator'])['sources:update']({
        id: 'rules-am',
        kind: 'alertmanager',
        customerLabels: ['customer'],
        defaults: { severity: 'critical', feature: null },
      }),
    ).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^Only an admin of the server can change a source\./),
    });
    expect((await admin['sources:list']()).sources.find((source) => source.id === 'rules-am')?.settings).toMatchObject({
      customerLabels: ['tenant'],
      severities: { p1: 'critical', p2: 'error' },
    });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';
import { createSourceHandlers } from '../../../electron/core/sources';
import { contract } from '../../../shared/ipc/contract';
import type { SourceDraft } from '../../../shared/ingest-sources';
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
  await addCustomers(database.storage, ['acme', 'globex']);
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

const known = new Set(['acme', 'globex']);

function handlersFor(bearer: string | null, roles: string[] | null = ['admin']) {
  return createSourceHandlers({
    backend: () => (bearer === null ? null : createBackendClient({ baseUrl: server.url, token: bearer })),
    roles: () => roles,
    isKnownCustomer: (id) => known.has(id),
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
function satisfies<C extends 'sources:list' | 'sources:add' | 'sources:rotate'>(channel: C, value: unknown) {
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

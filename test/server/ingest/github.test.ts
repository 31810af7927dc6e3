import examples from '@octokit/webhooks-examples';
import { sign } from '@octokit/webhooks-methods';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { addCustomers, request, startTestServer, token, type TestServer } from '../support/server';
import { addSource, produce } from './support';

/*
 * GitHub webhooks (issue 10) with GitHub's own recorded payloads
 * (@octokit/webhooks-examples) signed as GitHub signs them
 * (@octokit/webhooks-methods). Before server/ingest a hook could only reach
 * POST /v1/events, which answers 401: GitHub cannot send a bearer header, and
 * its signature was ignored. The first test shows that.
 */

type Example = { name: string; examples: Record<string, unknown>[] };
const catalog = examples as unknown as Example[];

function example(name: string, index = 0): Record<string, unknown> {
  const found = catalog.find((entry) => entry.name === name)?.examples[index];
  if (!found) throw new Error(`no example ${name}[${index}]`);
  return structuredClone(found);
}

let database: TestDatabase;
let server: TestServer;
let adminToken: string;
let secret: string;
let hookPath: string;

async function count(sql: string): Promise<number> {
  const [row] = await database.storage.query<{ n: number }>(`select count(*)::integer as n from (${sql}) x`);
  return row?.n ?? 0;
}

async function deliver(event: string, payload: unknown, options: { delivery?: string; signWith?: string | null } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'x-github-hook-id': '292430182',
  };
  if (options.signWith !== null) headers['x-hub-signature-256'] = await sign(options.signWith ?? secret, body);
  return produce(server.url, hookPath, body, headers);
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex', 'initech']);
  const created = await addSource(server.url, adminToken, {
    id: 'github',
    kind: 'github',
    aliases: { production: 'acme', 'Codertocat/Hello-World': 'initech' },
  });
  secret = created.secret ?? '';
  hookPath = created.path;
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('GitHub webhook source', () => {
  it('verifies the signature: bad or missing → 401 and nothing stored; a good one is stored', async () => {
    const payload = example('deployment_status');
    const native = await produce(server.url, '/v1/events', JSON.stringify(payload), {
      'content-type': 'application/json',
      'x-github-event': 'deployment_status',
      'x-hub-signature-256': await sign(secret, JSON.stringify(payload)),
    });
    expect(native.status).toBe(401);

    const before = await count('select 1 from events');
    const unsigned = await deliver('deployment_status', payload, { signWith: null });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ error: 'signature_missing' });
    const forged = await deliver('deployment_status', payload, { signWith: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: 'signature_invalid' });
    // A signature over other bytes (the payload changed in transit) fails too.
    const body = JSON.stringify(payload);
    const tampered = await produce(server.url, hookPath, body.replace('success', 'failure'), {
      'content-type': 'application/json',
      'x-github-event': 'deployment_status',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(secret, body),
    });
    expect(tampered.status).toBe(401);
    expect(await count('select 1 from events')).toBe(before);

    const delivery = randomUUID();
    const good = await deliver('deployment_status', payload, { delivery });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({
      accepted: 1,
      items: [{ item: 'deployment_status', status: 'stored', customers: ['acme'] }],
    });
    const [row] = await database.storage.query<Record<string, unknown>>(
      'select customer_id, kind, severity, summary, external_id, properties, links from events where external_id = $1',
      [delivery],
    );
    expect(row).toMatchObject({
      customer_id: 'acme',
      kind: 'deploy',
      severity: 'notice',
      summary: 'Deploy of Codertocat/Hello-World master (f95f852) to production: success',
      properties: { repository: 'Codertocat/Hello-World', environment: 'production', state: 'success' },
    });
    // GitHub's "Redeliver" sends the same X-GitHub-Delivery: nothing new.
    expect((await deliver('deployment_status', payload, { delivery })).body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('answers ping, records deployment and release, and accepts other events without storing them', async () => {
    const ping = await deliver('ping', example('ping'));
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ ok: true, event: 'ping' });
    expect((await deliver('deployment', example('deployment'))).body).toMatchObject({ accepted: 1 });
    const release = await deliver('release', example('release'));
    // A release names no environment: the repository is its customer reference (alias Codertocat/Hello-World).
    expect(release.status).toBe(207);
    const withRepository = await addSource(server.url, adminToken, {
      id: 'github-releases',
      kind: 'github',
      customersFrom: ['repository'],
      aliases: { 'Codertocat/Hello-World': 'initech' },
    });
    const body = JSON.stringify(example('release'));
    const stored = await produce(server.url, withRepository.path, body, {
      'content-type': 'application/json',
      'x-github-event': 'release',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(withRepository.secret ?? '', body),
    });
    expect(stored.body).toMatchObject({ accepted: 1, items: [{ customers: ['initech'] }] });
    const push = await deliver('push', { ref: 'refs/heads/main' });
    expect(push.status).toBe(202);
    expect(push.body).toMatchObject({ ignored: 'push' });
  });

  it('fans one rollout out to every customer its payload lists, each once', async () => {
    const payload = example('deployment_status');
    const deployment = payload['deployment'] as Record<string, unknown>;
    deployment['payload'] = { customers: ['acme', 'globex', 'unknown-co'] };
    const delivery = randomUUID();
    const response = await deliver('deployment_status', payload, { delivery });
    expect(response.status).toBe(207);
    expect(response.body).toMatchObject({
      accepted: 2,
      unmatched: 1,
      items: [{ status: 'stored', customers: ['acme', 'globex'], reason: expect.stringContaining('"unknown-co"') }],
    });
    expect(await count(`select 1 from events where external_id like '${delivery}@%'`)).toBe(2);
    const listed = await request(server.url, 'GET', '/v1/sources/github/unmatched', adminToken);
    expect((listed.body as { unmatched: { customerRefs: string[] }[] }).unmatched.map((row) => row.customerRefs)).toContainEqual([
      'unknown-co',
    ]);
  });

  it('refuses a payload that is not what its event header says with 400', async () => {
    const response = await deliver('deployment_status', { zen: 'Design for failure.' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_payload' });
  });
});

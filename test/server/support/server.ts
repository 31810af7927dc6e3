import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from '../../../server/app';
import { createCatalogHolder, type CatalogHolder } from '../../../server/catalog/loader';
import { createDemoConnector } from '../../../server/demo/connector';
import { silentLogger } from '../../../server/log';
import { publishBundledWizards } from '../../../server/remediation/wizard-library';
import { createApiToken, type NewToken } from '../../../server/repo/tokens';
import { upsertCustomers } from '../../../server/repo/writes';
import type { Storage } from '../../../server/storage/types';
import type { Customer, EventInput } from '../../../shared/domain';
import {
  PROTOCOL_VERSION,
  PushResponseSchema,
  type Mutation,
  type PullRequest,
  type PullResponse,
  type PushResponse,
} from '../../../shared/sync/wire';

export type TestServer = { app: FastifyInstance; url: string; close(): Promise<void> };

/** The demo fleet's catalog file, which `npm run server` runs by default. */
export const DEMO_CATALOG_FILE = path.resolve(import.meta.dirname, '../../../resources/catalogs/demo.catalog.yaml');

/** The demo catalog through the demo connector, as the server's composition root wires it. */
export function demoCatalog(storage: Storage, file = DEMO_CATALOG_FILE): Promise<CatalogHolder> {
  return createCatalogHolder({
    file,
    secretsFile: null,
    env: {},
    connectors: { demo: createDemoConnector() },
    scriptAllowlist: [],
    storage,
    log: silentLogger,
    now: Date.now,
  });
}

/**
 * A real server on a random loopback port over `storage`. Its probes and
 * actions come from the demo catalog unless `remediation.catalog` names another
 * (or null: a server without a catalog).
 */
export async function startTestServer(storage: Storage, options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const catalog = options.remediation?.catalog === undefined ? await demoCatalog(storage) : options.remediation.catalog;
  const app = await createServer({
    storage,
    log: silentLogger,
    pokeIntervalMs: 20,
    ...options,
    remediation: { ...options.remediation, catalog },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, close: () => app.close() };
}

/** The starter wizard library (resources/wizards), published as a server start does: known errors name one. */
export async function publishStarterWizards(storage: Storage): Promise<void> {
  const { demoPublishedCatalog } = await import('../../support/catalog');
  await publishBundledWizards(storage, {
    directory: path.resolve(import.meta.dirname, '../../../resources/wizards'),
    now: Date.parse('2026-01-01T00:00:00.000Z'),
    log: silentLogger,
    catalog: demoPublishedCatalog(),
  });
}

export async function token(storage: Storage, input: Partial<NewToken> = {}): Promise<string> {
  const created = await createApiToken(storage, { userId: 'alice', role: 'desk', ...input });
  return created.token;
}

export function customer(id: string, overrides: Partial<Customer> = {}): Customer {
  return {
    id,
    name: `Customer ${id}`,
    plan: 'pro',
    region: 'eu-west-1',
    environment: 'production',
    version: '5.2.0',
    lifecycle: 'live',
    health: 'ok',
    owner: 'ops@example.com',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export async function addCustomers(storage: Storage, ids: readonly string[]): Promise<void> {
  await storage.transaction((db) =>
    upsertCustomers(
      db,
      ids.map((id) => customer(id)),
    ),
  );
}

let externalCounter = 0;

export function event(customerId: string, overrides: Partial<EventInput> = {}): EventInput {
  externalCounter += 1;
  return {
    customerId,
    occurredAt: '2026-02-01T10:00:00.000Z',
    kind: 'alert',
    severity: 'warning',
    source: { system: 'test', externalId: `ext-${process.pid}-${externalCounter}-${Math.random().toString(36).slice(2)}` },
    actor: null,
    summary: `something happened to ${customerId}`,
    ...overrides,
  };
}

export type JsonResponse = { status: number; body: unknown; headers: Headers };

/** One JSON request; `body` may be a string to send it verbatim (malformed JSON tests). */
export async function request(
  url: string,
  method: string,
  path: string,
  bearer: string | null,
  body?: unknown,
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return readResponse(response);
}

/** Status, headers and the body parsed as JSON (left as text when it is not). */
export async function readResponse(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Left as text: the assertion will show it.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function pullRequest(clientId: string, buckets: PullRequest['buckets'], limit = 1_000): PullRequest {
  return { protocol: PROTOCOL_VERSION, clientId, schemaVersion: 1, limit, buckets };
}

/** POST /v1/sync/pull expecting 200. */
export async function pull(url: string, bearer: string, body: PullRequest): Promise<PullResponse> {
  const response = await request(url, 'POST', '/v1/sync/pull', bearer, body);
  if (response.status !== 200) throw new Error(`pull answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as PullResponse;
}

/**
 * Pushes mutations as a desk would: one client id per `client` name, each with
 * its own gapless sequence (resends are made by reusing a returned mutation).
 */
export function createPusher(url: string) {
  const seqs = new Map<string, number>();
  return async function push(
    bearer: string,
    client: string,
    items: { name: string; v?: number; args: unknown }[],
  ): Promise<PushResponse> {
    // Client ids need 8 characters or more.
    const clientId = `client-${client}`;
    const first = (seqs.get(clientId) ?? 0) + 1;
    const mutations: Mutation[] = items.map((item, index) => ({
      seq: first + index,
      id: `${clientId}-${first + index}`,
      name: item.name,
      v: item.v ?? 1,
      clientTime: '2026-03-01T12:00:00.000Z',
      args: item.args,
    }));
    seqs.set(clientId, first + items.length - 1);
    const response = await request(url, 'POST', '/v1/sync/push', bearer, {
      protocol: PROTOCOL_VERSION,
      clientId,
      schemaVersion: 1,
      mutations,
    });
    if (response.status !== 200) throw new Error(`push answered ${response.status}: ${JSON.stringify(response.body)}`);
    return PushResponseSchema.parse(response.body);
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { CAPABILITIES, can, MeSchema, type Capability, type Role } from '../../../shared/identity';
import { ApprovalSchema, ExecutionSchema, PlanSchema } from '../../../shared/remediation/wire';
import { ApiErrorSchema, PROTOCOL_VERSION, type PullResponse } from '../../../shared/sync/wire';
import { parseIdentityConfig, type IdentityConfig } from '../../../server/auth/config';
import { upsertCustomers } from '../../../server/repo/writes';
import { startTestProvider, type TestProvider } from '../../support/oidc-provider';
import { refresh, signIn } from '../../support/oidc-sign-in';
import { NOW, seedSmallFleet, type SmallFleet } from '../remediation/support';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { openStream } from '../support/stream';
import { customer, pullRequest, request, startTestServer, token, type TestServer } from '../support/server';

/*
 * Sign-in end to end against a real OpenID provider (oidc-provider on loopback):
 * PKCE, refresh, expiry within and beyond the clock tolerance, revocation closing
 * event streams, wrong audience and issuer, and role denial on every route class.
 */

let provider: TestProvider;
let otherProvider: TestProvider;
let database: TestDatabase;
let server: TestServer;
/** A second server process over the same database: revocations must reach it through the database. */
let secondServer: TestServer;
/** Milliseconds added to the servers' clock (expiry tests). */
const offset = { ms: 0 };
let fleet: SmallFleet;
let identity: IdentityConfig;

const PEOPLE: Record<string, { roles: Role[] }> = {
  vera: { roles: ['viewer'] },
  alice: { roles: ['operator'] },
  bob: { roles: ['operator', 'approver'] },
  author: { roles: ['author'] },
  nobody: { roles: [] },
  root: { roles: ['admin'] },
};

function rules() {
  return [
    { claim: 'groups', equals: 'support-l1', roles: ['operator'], customers: 'all' },
    { claim: 'groups', equals: 'support-l2', roles: ['operator', 'approver'], customers: 'all' },
    { claim: 'groups', equals: 'support-readonly', roles: ['viewer'], customers: 'all' },
    { claim: 'groups', equals: 'support-l1-eu', roles: ['operator'], customers: { regions: ['eu-test-9'] } },
    { claim: 'groups', equals: 'runbook-authors', roles: ['author'], customers: 'all' },
    { claim: 'groups', equals: 'lightkeeper-admins', roles: ['admin'] },
  ];
}

beforeAll(async () => {
  provider = await startTestProvider({ otherAudiences: ['https://other.test/api'] });
  otherProvider = await startTestProvider();
  database = await createTestDatabase();
  fleet = await seedSmallFleet(database.storage);
  await database.storage.transaction((db) =>
    upsertCustomers(db, [customer('eu-one', { region: 'eu-test-9' }), customer('us-one', { region: 'us-test-9' })]),
  );
  identity = parseIdentityConfig({
    issuer: provider.issuer,
    audience: provider.audience,
    desk: {
      clientId: provider.clientId,
      scopes: 'openid profile email offline_access api',
      authorizationParams: { resource: provider.audience },
    },
    rules: rules(),
  });
  const options = { identity, clock: () => Date.now() + offset.ms, authRecheckMs: 40 };
  server = await startTestServer(database.storage, options);
  secondServer = await startTestServer(database.storage, options);
});

afterAll(async () => {
  await server?.close();
  await secondServer?.close();
  await database?.dispose();
  await provider?.close();
  await otherProvider?.close();
});

const me = async (bearer: string, url = server.url) => request(url, 'GET', '/v1/me', bearer);

describe('signing in with the identity provider', () => {
  it('tells desks how to sign in, without a token', async () => {
    expect(await request(server.url, 'GET', '/v1/identity', null)).toMatchObject({
      status: 200,
      body: {
        mode: 'oidc',
        issuer: provider.issuer,
        clientId: provider.clientId,
        scopes: 'openid profile email offline_access api',
        authorizationParams: { resource: provider.audience },
      },
    });
  });

  it('accepts an access token from a PKCE sign-in and knows the person by name, roles and customers', async () => {
    const tokens = await signIn(provider, 'alice');
    const response = await me(tokens.accessToken);
    expect(response.status).toBe(200);
    expect(MeSchema.parse(response.body)).toEqual({
      userId: 'alice',
      name: 'Alice Operator',
      email: 'alice@example.com',
      kind: 'person',
      roles: ['operator'],
      customers: 'all',
      expiresAt: new Date((decodeJwt(tokens.accessToken).exp ?? 0) * 1000).toISOString(),
    });
  });

  it('accepts the access token a refresh gives', async () => {
    const first = await signIn(provider, 'bob');
    const second = await refresh(provider, first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(await me(second.accessToken)).toMatchObject({ status: 200, body: { userId: 'bob', name: 'Bob Approver' } });
  });

  it('tolerates clock skew up to the configured tolerance, then refuses an expired token', async () => {
    const tokens = await signIn(provider, 'alice');
    const expiresAt = (decodeJwt(tokens.accessToken).exp ?? 0) * 1000;
    try {
      offset.ms = expiresAt - Date.now() + (identity.clockToleranceSeconds - 20) * 1000;
      expect((await me(tokens.accessToken)).status).toBe(200);
      offset.ms = expiresAt - Date.now() + (identity.clockToleranceSeconds + 20) * 1000;
      const expired = await me(tokens.accessToken);
      expect(expired).toMatchObject({ status: 401, body: { error: 'token_expired' } });
      expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    } finally {
      offset.ms = 0;
    }
  });

  it('refuses a token for another audience, from another issuer, or tampered with', async () => {
    const elsewhere = await signIn(provider, 'alice', { resource: 'https://other.test/api' });
    expect(decodeJwt(elsewhere.accessToken).aud).toBe('https://other.test/api');
    expect(await me(elsewhere.accessToken)).toMatchObject({ status: 401, body: { error: 'wrong_audience' } });

    const foreign = await signIn(otherProvider, 'alice');
    expect(await me(foreign.accessToken)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });

    // The right keys, but the server trusts another issuer name (a realm mix-up).
    const strict = await startTestServer(database.storage, {
      identity: { ...identity, issuer: `${provider.issuer}/realms/other`, jwksUri: `${provider.issuer}/jwks` },
    });
    try {
      const tokens = await signIn(provider, 'alice');
      expect(await me(tokens.accessToken, strict.url)).toMatchObject({ status: 401, body: { error: 'wrong_issuer' } });
    } finally {
      await strict.close();
    }

    const tokens = await signIn(provider, 'vera');
    const [header, payload, signature] = tokens.accessToken.split('.');
    const claims = { ...decodeJwt(tokens.accessToken), groups: ['lightkeeper-admins'] };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(payload).not.toBe(forged.split('.')[1]);
    expect(await me(forged)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('does not take an access token for a person where people cannot sign in (no identity provider configured)', async () => {
    const tokensOnly = await startTestServer(database.storage);
    try {
      const tokens = await signIn(provider, 'root');
      expect(await me(tokens.accessToken, tokensOnly.url)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect(await request(tokensOnly.url, 'GET', '/v1/identity', null)).toMatchObject({ status: 200, body: { mode: 'token' } });
    } finally {
      await tokensOnly.close();
    }
  });
});

describe('revocation and expiry end the event stream', () => {
  it('a person signing out: the stream ends, the token is refused by every server, a new sign-in works', async () => {
    const tokens = await signIn(provider, 'alice');
    const stream = await openStream(server.url, tokens.accessToken);
    const onSecond = await openStream(secondServer.url, tokens.accessToken);
    expect(stream.status).toBe(200);
    expect(await request(server.url, 'POST', '/v1/sign-out', tokens.accessToken)).toMatchObject({ status: 204 });
    expect(await stream.ended).toBe('token_revoked');
    expect(await onSecond.ended).toBe('token_revoked');
    expect(await me(tokens.accessToken, secondServer.url)).toMatchObject({ status: 401, body: { error: 'token_revoked' } });
    expect((await me((await signIn(provider, 'alice')).accessToken)).status).toBe(200);
  });

  it('an admin revoking a person: their open streams end on every server and earlier tokens are refused', async () => {
    const tokens = await signIn(provider, 'rex');
    const stream = await openStream(secondServer.url, tokens.accessToken);
    const admin = await signIn(provider, 'root');
    expect(await request(server.url, 'POST', '/v1/people/rex/revoke', admin.accessToken)).toMatchObject({ status: 204 });
    expect(await stream.ended).toBe('token_revoked');
    expect(await me(tokens.accessToken)).toMatchObject({ status: 401, body: { error: 'token_revoked' } });
    // Someone who is not an admin cannot revoke anyone.
    expect(await request(server.url, 'POST', '/v1/people/root/revoke', tokens.accessToken)).toMatchObject({ status: 401 });
    const operator = await signIn(provider, 'alice');
    expect(await request(server.url, 'POST', '/v1/people/root/revoke', operator.accessToken)).toMatchObject({ status: 403 });
  });

  it('an expiring token ends the stream once the tolerance has passed', async () => {
    const tokens = await signIn(provider, 'bob');
    const stream = await openStream(server.url, tokens.accessToken);
    const expiresAt = (decodeJwt(tokens.accessToken).exp ?? 0) * 1000;
    try {
      offset.ms = expiresAt - Date.now() + (identity.clockToleranceSeconds + 1) * 1000;
      expect(await stream.ended).toBe('token_expired');
    } finally {
      offset.ms = 0;
    }
  });

  it('a deleted static token ends its stream', async () => {
    const admin = await token(database.storage, { userId: 'ops-admin', role: 'admin' });
    const created = await request(server.url, 'POST', '/v1/tokens', admin, { userId: 'script', role: 'desk' });
    const { tokenId, token: scriptToken } = created.body as { tokenId: string; token: string };
    const stream = await openStream(server.url, scriptToken);
    expect(await request(server.url, 'DELETE', `/v1/tokens/${tokenId}`, admin)).toMatchObject({ status: 204 });
    expect(await stream.ended).toBe('unauthorized');
  });
});

type RouteCase = { method: string; path: string; capability: Capability };

/** One route of every kind, each with the capability that guards it (shared/identity.ts). */
const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/v1/sync/identity', capability: 'read' },
  { method: 'POST', path: '/v1/sync/pull', capability: 'read' },
  { method: 'GET', path: '/v1/wizards', capability: 'read' },
  { method: 'GET', path: '/v1/actions', capability: 'read' },
  { method: 'GET', path: '/v1/approvals', capability: 'read' },
  { method: 'GET', path: '/v1/approvals/apr_nothing', capability: 'read' },
  { method: 'POST', path: '/v1/sync/push', capability: 'write' },
  { method: 'POST', path: '/v1/probes/sso.config', capability: 'operate' },
  { method: 'POST', path: '/v1/actions/plan', capability: 'operate' },
  { method: 'POST', path: '/v1/actions/execute', capability: 'operate' },
  { method: 'POST', path: '/v1/approvals', capability: 'operate' },
  { method: 'POST', path: '/v1/approvals/apr_nothing/decision', capability: 'approve' },
  { method: 'PUT', path: '/v1/wizards', capability: 'author' },
  { method: 'GET', path: '/v1/catalog', capability: 'read' },
  { method: 'POST', path: '/v1/catalog/reload', capability: 'author' },
  { method: 'PUT', path: '/v1/customers', capability: 'administer' },
  { method: 'PUT', path: '/v1/customers/nobody/features', capability: 'administer' },
  { method: 'PUT', path: '/v1/releases', capability: 'administer' },
  { method: 'POST', path: '/v1/tokens', capability: 'administer' },
  { method: 'DELETE', path: '/v1/tokens/tok_nothing', capability: 'administer' },
  { method: 'GET', path: '/v1/sources', capability: 'administer' },
  { method: 'POST', path: '/v1/sources', capability: 'administer' },
  { method: 'POST', path: '/v1/sources/nobody/rotate', capability: 'administer' },
  { method: 'DELETE', path: '/v1/sources/nobody', capability: 'administer' },
  { method: 'GET', path: '/v1/sources/nobody/unmatched', capability: 'administer' },
  { method: 'POST', path: '/v1/sources/nobody/remap', capability: 'administer' },
  { method: 'GET', path: '/v1/aliases', capability: 'administer' },
  { method: 'PUT', path: '/v1/aliases', capability: 'administer' },
  { method: 'GET', path: '/v1/audit', capability: 'administer' },
  { method: 'POST', path: '/v1/people/nobody-at-all/revoke', capability: 'administer' },
  { method: 'POST', path: '/v1/events', capability: 'ingest' },
  { method: 'GET', path: '/v1/follow-ups', capability: 'read' },
  { method: 'GET', path: '/v1/follow-ups/nobody', capability: 'read' },
  { method: 'POST', path: '/v1/follow-ups', capability: 'write' },
  { method: 'PATCH', path: '/v1/follow-ups/nobody', capability: 'write' },
  { method: 'GET', path: '/v1/problems', capability: 'read' },
  { method: 'GET', path: '/v1/problems/nobody', capability: 'read' },
  { method: 'GET', path: '/v1/customers/nobody/problems', capability: 'read' },
  { method: 'POST', path: '/v1/problems', capability: 'write' },
  { method: 'PATCH', path: '/v1/problems/nobody', capability: 'write' },
];

describe('roles on every route class', () => {
  it('lets each person call exactly what their roles allow; a forged call gets 403 with the reason', async () => {
    for (const [accountId, person] of Object.entries(PEOPLE)) {
      const { accessToken } = await signIn(provider, accountId);
      expect(MeSchema.parse((await me(accessToken)).body).roles).toEqual(person.roles);
      for (const route of ROUTES) {
        const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const response = await request(server.url, route.method, route.path, accessToken, body);
        const label = `${accountId} ${route.method} ${route.path}`;
        if (can(person.roles, route.capability)) {
          expect([401, 403], label).not.toContain(response.status);
        } else {
          expect(response.status, label).toBe(403);
          const error = ApiErrorSchema.parse(response.body);
          expect(error.error, label).toBe(person.roles.length === 0 ? 'no_role' : 'forbidden');
          expect(error.needs, label).toEqual([...CAPABILITIES[route.capability]]);
          expect(error.message, label).toContain(`it needs ${CAPABILITIES[route.capability].join(' or ')}`);
        }
      }
      const stream = await openStream(server.url, accessToken);
      expect(stream.status, `${accountId} GET /v1/stream`).toBe(can(person.roles, 'read') ? 200 : 403);
      stream.close();
    }
  });

  it('covers every route the server has', () => {
    const printed = server.app.printRoutes({ commonPrefix: false });
    const registered = [...printed.matchAll(/(\/v1\/[^\s(]*) \(([^)]+)\)/g)].flatMap((match) =>
      (match[2] ?? '')
        .split(', ')
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${(match[1] ?? '').replace(/:[A-Za-z]+/g, ':param')}`),
    );
    const covered = new Set(
      ROUTES.map(
        (route) =>
          `${route.method} ${route.path.replace(/\/(apr_nothing|tok_nothing|nobody-at-all|nobody|sso\.config)(\/|$)/, '/:param$2')}`,
      ),
    );
    // Producers authenticate with their source's own credential (server/ingest/routes.ts), never a person's token.
    const bySource = [
      'POST /v1/ingest/:param',
      'OPTIONS /v1/ingest/:param',
      'POST /v1/ingest/:param/:param',
      'OPTIONS /v1/ingest/:param/:param',
    ];
    const open = new Set([
      'GET /v1/health',
      'GET /v1/identity',
      'GET /v1/me',
      'POST /v1/sign-out',
      'GET /v1/stream',
      ...bySource,
    ]);
    expect(registered.length).toBeGreaterThan(15);
    expect(registered.filter((route) => !covered.has(route) && !open.has(route))).toEqual([]);
  });

  it('limits a person with a region scope to the customers of that region', async () => {
    const { accessToken } = await signIn(provider, 'eve');
    const pulled = await request(server.url, 'POST', '/v1/sync/pull', accessToken, pullRequest('eve-desk-0001', []));
    expect(pulled.status).toBe(200);
    expect((pulled.body as PullResponse).addedBuckets.filter((bucket) => bucket.startsWith('customer:'))).toEqual([
      'customer:eu-one',
    ]);
    // Out of scope reads like missing, as for scoped tokens.
    expect(
      await request(server.url, 'POST', '/v1/actions/plan', accessToken, {
        action: 'flags.set',
        customerId: 'us-one',
        params: { key: 'a.b', value: true },
      }),
    ).toMatchObject({ status: 404, body: { error: 'unknown_customer' } });
  });
});

describe('real names on records', () => {
  it('notes, approvals, executions, timeline events and the audit trail carry the signed-in person’s name', async () => {
    const alice = await signIn(provider, 'alice');
    const bob = await signIn(provider, 'bob');
    const vera = await signIn(provider, 'vera');
    const root = await signIn(provider, 'root');
    const customerId = fleet.faulty.upgrade_regression;

    const push = await request(server.url, 'POST', '/v1/sync/push', alice.accessToken, {
      protocol: PROTOCOL_VERSION,
      clientId: 'alice-desk-0001',
      schemaVersion: 1,
      mutations: [
        {
          seq: 1,
          id: 'm-alice-1',
          name: 'note.create',
          v: 1,
          clientTime: new Date(NOW).toISOString(),
          args: { noteId: 'note-by-alice', customerId, eventId: null, body: 'Called the customer.' },
        },
      ],
    });
    expect(push).toMatchObject({ status: 200, body: { results: [{ seq: 1, status: 'applied' }] } });
    const [note] = await database.storage.query<{ author: string; author_id: string }>(
      "select author, author_id from notes where id = 'note-by-alice'",
    );
    expect(note).toEqual({ author: 'Alice Operator', author_id: 'alice' });

    const regression = fleet.state(customerId).regression;
    const planned = await request(server.url, 'POST', '/v1/actions/plan', bob.accessToken, {
      action: 'version.pin',
      customerId,
      params: { version: regression?.previousVersion, reason: 'regression' },
    });
    const plan = PlanSchema.parse(planned.body);
    expect(plan).toMatchObject({ createdBy: 'bob', createdByName: 'Bob Approver', requiresApproval: true });
    const asked = await request(server.url, 'POST', '/v1/approvals', bob.accessToken, {
      planId: plan.planId,
      reason: 'rollback',
    });
    const approval = ApprovalSchema.parse(asked.body);
    expect(approval).toMatchObject({ requestedBy: 'bob', requestedByName: 'Bob Approver', decidedBy: null });
    const decide = (bearer: string) =>
      request(server.url, 'POST', `/v1/approvals/${approval.approvalId}/decision`, bearer, { decision: 'granted' });
    // Bob may approve others' plans, never his own; a viewer and an operator may not approve at all.
    expect(await decide(bob.accessToken)).toMatchObject({ status: 403, body: { error: 'self_approval' } });
    expect(await decide(vera.accessToken)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await decide(alice.accessToken)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await decide(root.accessToken)).toMatchObject({
      status: 200,
      body: { status: 'granted', decidedBy: 'root', decidedByName: 'Rita Admin', requestedByName: 'Bob Approver' },
    });

    const executed = await request(server.url, 'POST', '/v1/actions/execute', bob.accessToken, {
      planId: plan.planId,
      idempotencyKey: 'identity-names-0001',
      typedConfirmation: fleet.name(customerId),
      approvalId: approval.approvalId,
    });
    const execution = ExecutionSchema.parse(executed.body);
    expect(execution.status).toBe('succeeded');
    const [event] = await database.storage.query<{ actor: string; body: string }>(
      'select actor, body from events where id = $1',
      [execution.eventId],
    );
    expect(event?.actor).toBe('Bob Approver');
    expect(event?.body).toContain('by Bob Approver');
    expect(event?.body).toContain('Approved by Rita Admin');

    const audit = await request(server.url, 'GET', `/v1/audit?customerId=${customerId}`, root.accessToken);
    expect((audit.body as { records: { userId: string; userName: string; executionId: string | null }[] }).records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: 'bob', userName: 'Bob Approver', executionId: execution.executionId }),
      ]),
    );
  });

  it('refuses a viewer’s push and an operator’s run record per mutation rights', async () => {
    const vera = await signIn(provider, 'vera');
    expect(
      await request(server.url, 'POST', '/v1/sync/push', vera.accessToken, {
        protocol: PROTOCOL_VERSION,
        clientId: 'vera-desk-0001',
        schemaVersion: 1,
        mutations: [],
      }),
    ).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const author = await signIn(provider, 'author');
    const response = await request(server.url, 'POST', '/v1/sync/push', author.accessToken, {
      protocol: PROTOCOL_VERSION,
      clientId: 'author-desk-0001',
      schemaVersion: 1,
      mutations: [
        {
          seq: 1,
          id: 'm-author-1',
          name: 'wizardRun.record',
          v: 1,
          clientTime: new Date(NOW).toISOString(),
          args: {},
        },
      ],
    });
    expect(response).toMatchObject({ status: 200, body: { results: [{ seq: 1, status: 'rejected', code: 'forbidden' }] } });
  });
});

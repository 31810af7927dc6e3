import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real, certified OpenID provider (oidc-provider) on a loopback port, for
 * sign-in tests: authorization code with PKCE, refresh tokens, revocation, JWT
 * access tokens for the Lightkeeper API (resource indicators). The only test
 * part is the login page: a person "signs in" as whoever `signInAs` named, the
 * way a company's login page would after a password.
 */

export type TestAccount = { name: string; email?: string; groups: string[] };

export type TestProviderOptions = {
  /** What the API's access tokens carry in `aud` (and the `resource` a desk asks for). */
  audience?: string;
  /** Other resource servers the provider knows (wrong-audience tests). */
  otherAudiences?: string[];
  accessTokenTtlSeconds?: number;
  accounts?: Record<string, TestAccount>;
};

export type TestProvider = {
  issuer: string;
  audience: string;
  clientId: string;
  accounts: Map<string, TestAccount>;
  /** Who signs in at the provider's login page from now on. */
  signInAs(accountId: string): void;
  /** How many times someone went through the login page. */
  logins(): number;
  /**
   * The system browser: follows an authorization URL through the provider's
   * pages (login, consent) until it redirects to `redirectPrefix`, and returns
   * that redirect URL without visiting it (or visits it when `visit` is set).
   */
  browse(url: string, options?: { redirectPrefix?: string; visit?: boolean }): Promise<string>;
  close(): Promise<void>;
};

export const TEST_AUDIENCE = 'https://lightkeeper.test/api';
export const DESK_CLIENT_ID = 'lightkeeper-desk';

const DEFAULT_ACCOUNTS: Record<string, TestAccount> = {
  alice: { name: 'Alice Operator', email: 'alice@example.com', groups: ['support-l1'] },
  bob: { name: 'Bob Approver', email: 'bob@example.com', groups: ['support-l2'] },
  vera: { name: 'Vera Viewer', email: 'vera@example.com', groups: ['support-readonly'] },
  rex: { name: 'Rex Revoked', email: 'rex@example.com', groups: ['support-readonly'] },
  eve: { name: 'Eve EU', email: 'eve@example.com', groups: ['support-l1-eu'] },
  nobody: { name: 'Nora Nogroup', email: 'nora@example.com', groups: [] },
  root: { name: 'Rita Admin', email: 'rita@example.com', groups: ['lightkeeper-admins'] },
  author: { name: 'Arne Author', email: 'arne@example.com', groups: ['runbook-authors'] },
};

/** A cookie jar of one host: enough for the provider's session and interaction cookies. */
function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    store(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const index = pair?.indexOf('=') ?? -1;
        if (!pair || index < 0) continue;
        const name = pair.slice(0, index).trim();
        const value = pair.slice(index + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
    },
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
  };
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const audience = options.audience ?? TEST_AUDIENCE;
  const resources = new Set([audience, ...(options.otherAudiences ?? [])]);
  const accounts = new Map(Object.entries(options.accounts ?? DEFAULT_ACCOUNTS));
  let nextAccount = 'alice';
  let loginCount = 0;

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: DESK_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // RFC 8252 7.3: any port on the loopback address.
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'email', 'offline_access', 'api'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, name: account.name, email: account.email }) };
    },
    // The API learns who someone is from the access token alone: name, email and groups ride along.
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const account = accounts.get(token.accountId);
      return account ? { name: account.name, email: account.email, groups: account.groups } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!resources.has(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: resource,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 300,
      RefreshToken: 86_400,
      Session: 86_400,
      Grant: 86_400,
      Interaction: 600,
      IdToken: 3600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  // The login page: signs in `nextAccount` and grants what the desk asked for (scopes and the API).
  async function interaction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const accountId = details.session?.accountId ?? nextAccount;
    if (details.prompt.name === 'login') loginCount += 1;
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const requested = details.params.resource;
    for (const resource of Array.isArray(requested) ? requested : [requested ?? audience]) {
      if (typeof resource === 'string') grant.addResourceScope(resource, 'api');
    }
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    void callback(req, res);
  });

  return {
    issuer,
    audience,
    clientId: DESK_CLIENT_ID,
    accounts,
    signInAs(accountId) {
      nextAccount = accountId;
    },
    logins: () => loginCount,
    async browse(url, browseOptions = {}) {
      const prefix = browseOptions.redirectPrefix ?? 'http://127.0.0.1';
      const jar = cookieJar();
      let current = url;
      for (let hop = 0; hop < 20; hop += 1) {
        if (!current.startsWith(issuer) && current.startsWith(prefix)) {
          if (browseOptions.visit) await fetch(current).then((response) => response.text());
          return current;
        }
        const response = await fetch(current, { redirect: 'manual', headers: { cookie: jar.header() } });
        jar.store(response);
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || !location) {
          throw new Error(`the provider answered ${response.status} at ${current}: ${(await response.text()).slice(0, 300)}`);
        }
        await response.arrayBuffer();
        current = new URL(location, current).toString();
      }
      throw new Error('the sign-in went through too many redirects');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

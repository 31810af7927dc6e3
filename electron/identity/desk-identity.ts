import crypto from 'node:crypto';
import { IdentityInfoSchema, MeSchema, type IdentityInfo } from '../../shared/identity';
import { DeskError } from '../../shared/ipc/result';
import type { IdentityView } from '../../shared/ipc/views';
import type { Logger } from '../../shared/log';
import type { TokenSource } from '../backend/client';
import type { KnownUser, SettingsStore } from '../core/settings';
import type { SecretStore } from './secrets';
import { createOidcSession, type OidcSession, refreshSecretName } from './sign-in';

/**
 * Who is at the desk, for the desk core: which credentials a backend gets (a
 * person's sign-in, a static token, the demo backend's own token), where they are
 * kept, and the view the renderer shows ("Signed in as …"). Tokens never leave
 * this module except as bearer headers.
 */

const STATIC_TOKEN = (url: string) => `backend-token:${url}`;
const DEMO_TOKEN = 'demo-token';

/** How the desk authenticates to the configured backend right now. */
export type BackendAuth =
  | { kind: 'demo'; token: string }
  | { kind: 'token'; token: string; fingerprint: string }
  | { kind: 'oidc'; session: OidcSession; source: TokenSource }
  | { kind: 'sign-in-needed'; message: string };

export type DeskIdentityOptions = {
  settings: SettingsStore;
  secrets: SecretStore;
  openExternal(url: string): Promise<void>;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  signInTimeoutMs?: number;
};

export function createDeskIdentity(options: DeskIdentityOptions) {
  const { settings, secrets, log } = options;
  const doFetch = options.fetch ?? fetch;
  const sessions = new Map<string, OidcSession>();
  let user: KnownUser | null = null;
  let method: IdentityView['method'] = 'none';

  /** Moves plaintext tokens an older Lightkeeper wrote into settings.json to the secret store. */
  function migrateLegacySecrets(): void {
    const current = settings.read();
    let changed = false;
    if (current.backend.mode === 'remote' && current.backend.token) {
      secrets.set(STATIC_TOKEN(current.backend.url), current.backend.token);
      delete current.backend.token;
      changed = true;
    }
    if (current.demoToken) {
      secrets.set(DEMO_TOKEN, current.demoToken);
      delete current.demoToken;
      changed = true;
    }
    if (changed) {
      settings.write(current);
      log.info('moved the backend tokens from settings.json to the secret store');
    }
  }

  /** GET /v1/identity (public): how this backend signs people in; null when it does not say (offline, older server). */
  async function askIdentity(url: string): Promise<IdentityInfo | null> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    try {
      const response = await doFetch(`${url}/v1/identity`, { signal: controller.signal });
      if (!response.ok) return null;
      const parsed = IdentityInfoSchema.safeParse(await response.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  function sessionFor(url: string, info: Extract<IdentityInfo, { mode: 'oidc' }>): OidcSession {
    const known = sessions.get(url);
    if (known) return known;
    const session = createOidcSession(url, info, {
      secrets,
      openExternal: options.openExternal,
      log,
      now: options.now,
      timeoutMs: options.signInTimeoutMs,
    });
    sessions.set(url, session);
    return session;
  }

  function oidcAuth(session: OidcSession): BackendAuth {
    return { kind: 'oidc', session, source: { get: (request) => session.accessToken(request) } };
  }

  return {
    migrateLegacySecrets,

    /** The demo backend's token, made once and kept in the secret store. */
    demoToken(): string {
      let token = secrets.get(DEMO_TOKEN);
      if (!token) {
        token = crypto.randomBytes(24).toString('base64url');
        secrets.set(DEMO_TOKEN, token);
      }
      return token;
    },

    /** Keeps a static token for a backend (the Sync page's token field) in the secret store. */
    setStaticToken(url: string, token: string): void {
      secrets.set(STATIC_TOKEN(url), token);
    },
    hasStaticToken: (url: string) => secrets.get(STATIC_TOKEN(url)) !== null,

    /** Decides how to authenticate to the configured remote backend, asking it how people sign in. */
    async remoteAuth(url: string): Promise<BackendAuth> {
      const current = settings.read();
      if (current.backend.mode !== 'remote') throw new Error('remoteAuth needs a remote backend');
      const answered = await askIdentity(url);
      if (answered && JSON.stringify(answered) !== JSON.stringify(current.backend.identity)) {
        settings.write({ ...current, backend: { ...current.backend, identity: answered } });
      }
      const info = answered ?? current.backend.identity;
      const token = secrets.get(STATIC_TOKEN(url));
      if (info?.mode === 'oidc') {
        method = 'oidc';
        const session = sessionFor(url, info);
        if (session.isSignedIn()) return oidcAuth(session);
        // A static token still works for automation accounts on an OIDC server.
        if (token) return { kind: 'token', token, fingerprint: fingerprintOf(token) };
        user = null;
        return { kind: 'sign-in-needed', message: `Sign in to sync with ${url} (Sync page → Sign in).` };
      }
      method = 'token';
      if (!token) return { kind: 'sign-in-needed', message: `Enter an access token for ${url} on the Sync page.` };
      return { kind: 'token', token, fingerprint: fingerprintOf(token) };
    },

    /** The demo backend is in use. */
    usingDemo(): void {
      method = 'demo';
    },
    usingNone(): void {
      method = 'none';
      user = null;
    },

    /** Signs a person in at the configured backend's identity provider (system browser, loopback redirect). */
    async signIn(): Promise<OidcSession> {
      const current = settings.read();
      if (current.backend.mode !== 'remote') {
        throw new DeskError(
          'bad_request',
          'The demo backend needs no sign-in. Point Lightkeeper at your server on the Sync page first.',
        );
      }
      const info = (await askIdentity(current.backend.url)) ?? current.backend.identity;
      if (!info) throw new DeskError('offline', `${current.backend.url} is not reachable; sign in when it is.`);
      if (info.mode !== 'oidc') {
        throw new DeskError(
          'bad_request',
          `${current.backend.url} has no identity provider configured; enter an access token instead.`,
        );
      }
      const session = sessionFor(current.backend.url, info);
      await session.signIn();
      return session;
    },

    /** Forgets this backend's sign-in (and static token); the provider is told to end the refresh token. */
    async signOut(url: string): Promise<void> {
      await sessions.get(url)?.signOut();
      secrets.delete(refreshSecretName(url));
      secrets.delete(STATIC_TOKEN(url));
      user = null;
      const current = settings.read();
      if (current.backend.mode === 'remote') settings.write({ ...current, backend: { ...current.backend, user: null } });
    },

    /** The person the server says the token is (GET /v1/me); remembered for starting offline. */
    learnUser(raw: unknown): KnownUser | null {
      const parsed = MeSchema.safeParse(raw);
      if (!parsed.success) return null;
      const { userId, name, email, roles } = parsed.data;
      user = { userId, name, email, roles: [...roles] };
      const current = settings.read();
      if (current.backend.mode === 'remote' && JSON.stringify(current.backend.user) !== JSON.stringify(user)) {
        settings.write({ ...current, backend: { ...current.backend, user } });
      }
      return user;
    },
    /** The last known user of the configured backend (from settings while offline). */
    rememberedUser(): KnownUser | null {
      const current = settings.read();
      return current.backend.mode === 'remote' ? current.backend.user : null;
    },
    forgetUser(): void {
      user = null;
    },

    view(signInNeeded: boolean): IdentityView {
      const current = settings.read();
      const info = current.backend.mode === 'remote' ? current.backend.identity : null;
      return {
        method,
        user: user ? { ...user } : null,
        issuer: info?.mode === 'oidc' ? info.issuer : null,
        signInNeeded,
        secrets: secrets.place(),
      };
    },
  };
}

function fingerprintOf(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);
}

export type DeskIdentity = ReturnType<typeof createDeskIdentity>;

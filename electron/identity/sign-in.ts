import * as client from 'openid-client';
import type { IdentityInfo } from '../../shared/identity';
import { DeskError } from '../../shared/ipc/result';
import type { Logger } from '../../shared/log';
import { listenForRedirect } from './loopback';
import type { SecretStore } from './secrets';
import { checkSignInUrl, isLoopbackHttp } from './sign-in-url';

/**
 * A person's sign-in at the backend's identity provider, the way a native app
 * does it (RFC 8252): OpenID Connect authorization code with PKCE (S256) through
 * the system browser and a loopback redirect, with openid-client. The refresh
 * token goes to the secret store (the OS keychain); the access token stays in
 * this process's memory and is refreshed silently shortly before it expires.
 */

export type OidcInfo = Extract<IdentityInfo, { mode: 'oidc' }>;

export type SignInOptions = {
  secrets: SecretStore;
  /** Opens a URL in the system browser (Electron's shell.openExternal; browser mode: the desk's own page). */
  openExternal(url: string): Promise<void>;
  log: Logger;
  now?: () => number;
  /** How long to wait for the person to finish at the provider. */
  timeoutMs?: number;
  /** Refresh this long before the access token expires. */
  refreshMarginMs?: number;
};

type Held = { accessToken: string; expiresAt: number };

/** The refresh token's name in the secret store: one per backend (its address). */
export const refreshSecretName = (backendUrl: string) => `oidc-refresh:${backendUrl}`;

/** One backend's sign-in: `signIn` once, then `accessToken()` whenever a call needs one. */
export function createOidcSession(backendUrl: string, info: OidcInfo, options: SignInOptions) {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000;
  const secretName = refreshSecretName(backendUrl);
  let config: client.Configuration | null = null;
  let held: Held | null = null;
  let refreshing: Promise<string> | null = null;

  async function configuration(): Promise<client.Configuration> {
    if (config) return config;
    // https, or plain http to this machine only (a SignInUrlError says what to change otherwise).
    const issuer = checkSignInUrl(info.issuer, 'issuer');
    let discovered: client.Configuration;
    try {
      discovered = await client.discovery(issuer, info.clientId, undefined, client.None(), {
        execute: isLoopbackHttp(issuer) ? [client.allowInsecureRequests] : [],
      });
    } catch (error) {
      throw new DeskError(
        'unavailable',
        `The identity provider ${issuer.origin} is not reachable (${error instanceof Error ? error.message : String(error)}). Check the network and try again.`,
      );
    }
    // The endpoints its discovery document names obey the same rule: the sign-in page opens in the browser.
    const metadata = discovered.serverMetadata();
    for (const role of ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint'] as const) {
      const endpoint = metadata[role];
      if (endpoint !== undefined) checkSignInUrl(endpoint, role);
    }
    config = discovered;
    return config;
  }

  function keep(tokens: client.TokenEndpointResponse): string {
    held = { accessToken: tokens.access_token, expiresAt: now() + (tokens.expires_in ?? 300) * 1000 };
    if (tokens.refresh_token) options.secrets.set(secretName, tokens.refresh_token);
    return tokens.access_token;
  }

  async function refresh(): Promise<string> {
    const refreshToken = options.secrets.get(secretName);
    if (!refreshToken) throw new DeskError('unauthorized', 'Sign in to sync with this backend (Sync page → Sign in).');
    const current = await configuration();
    try {
      return keep(await client.refreshTokenGrant(current, refreshToken));
    } catch (error) {
      if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
        // The provider ended this sign-in (expired, revoked, the person signed out elsewhere).
        options.secrets.delete(secretName);
        held = null;
        throw new DeskError('unauthorized', 'Your sign-in has ended. Sign in again on the Sync page.');
      }
      throw new DeskError(
        'unavailable',
        `Could not renew your sign-in (${error instanceof Error ? error.message : String(error)}); retrying.`,
      );
    }
  }

  return {
    backendUrl,
    /** Whether a sign-in is kept (a refresh token in the store or an access token in memory). */
    isSignedIn: () => held !== null || options.secrets.get(secretName) !== null,
    /** When the access token in hand expires (ms), or null. */
    expiresAt: () => held?.expiresAt ?? null,

    /** Signs the person in through the system browser; resolves once the provider sent them back. */
    async signIn(): Promise<void> {
      const current = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const redirect = await listenForRedirect({ state, timeoutMs: options.timeoutMs ?? 5 * 60_000 });
      try {
        const url = client.buildAuthorizationUrl(current, {
          ...info.authorizationParams,
          redirect_uri: redirect.redirectUri,
          scope: info.scopes,
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        });
        // Checked once more as it leaves for the system browser.
        await options.openExternal(checkSignInUrl(url.href, 'authorization_endpoint').href);
        const callback = await redirect.callback;
        const refused = callback.searchParams.get('error');
        if (refused) {
          const description = callback.searchParams.get('error_description');
          throw new DeskError('unauthorized', `The identity provider refused the sign-in (${description ?? refused}).`);
        }
        keep(await client.authorizationCodeGrant(current, callback, { pkceCodeVerifier: verifier, expectedState: state }));
        options.log.info('signed in with the identity provider', { issuer: info.issuer });
      } finally {
        redirect.close();
      }
    },

    /** An access token valid for at least the refresh margin, refreshed silently when needed. */
    async accessToken(options: { force?: boolean } = {}): Promise<string> {
      if (!options.force && held && held.expiresAt - margin > now()) return held.accessToken;
      refreshing ??= refresh().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },

    /** Forgets the tokens; tells the provider to end the refresh token (best effort: the desk forgets it either way). */
    async signOut(): Promise<void> {
      const refreshToken = options.secrets.get(secretName);
      options.secrets.delete(secretName);
      held = null;
      if (!refreshToken) return;
      try {
        const current = await configuration();
        if (current.serverMetadata().revocation_endpoint) await client.tokenRevocation(current, refreshToken);
      } catch (error) {
        options.log.warn('the identity provider did not confirm the sign-out', {
          message: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}

export type OidcSession = ReturnType<typeof createOidcSession>;

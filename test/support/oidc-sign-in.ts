import * as client from 'openid-client';
import type { TestProvider } from './oidc-provider';

export type SignedIn = { accessToken: string; refreshToken: string; expiresIn: number };

/**
 * Signs a person in at the test provider the way a native app does (RFC 8252):
 * authorization code with PKCE (S256), a loopback redirect, the code exchanged
 * at the token endpoint. Used by server tests that need a real access token; the
 * desk's own sign-in is tested through electron/identity.
 */
export async function signIn(
  provider: TestProvider,
  accountId: string,
  options: { resource?: string; scope?: string } = {},
): Promise<SignedIn> {
  const config = await client.discovery(new URL(provider.issuer), provider.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const redirectUri = 'http://127.0.0.1:1/callback';
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid profile email offline_access api',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
    resource: options.resource ?? provider.audience,
  });
  provider.signInAs(accountId);
  const callback = await provider.browse(url.href, { redirectPrefix: redirectUri });
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  if (!tokens.refresh_token) throw new Error('the provider issued no refresh token');
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresIn: tokens.expires_in ?? 0 };
}

/** Trades a refresh token for a fresh access token (and a rotated refresh token). */
export async function refresh(provider: TestProvider, refreshToken: string): Promise<SignedIn> {
  const config = await client.discovery(new URL(provider.issuer), provider.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const tokens = await client.refreshTokenGrant(config, refreshToken);
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? refreshToken,
    expiresIn: tokens.expires_in ?? 0,
  };
}

import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { CustomerAccess, Role } from '../../shared/identity';
import { ApiFailure } from '../errors';
import { errorMessage, type Logger } from '../log';
import { accessFor, claimAt, isLoopback, type IdentityConfig } from './config';

/** A person, as an access token vouches for them. */
export type VerifiedPerson = {
  userId: string;
  name: string;
  email: string | null;
  roles: Role[];
  customers: CustomerAccess;
  /** Token id (`jti`), for revocation; null when the provider sets none. */
  tokenId: string | null;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
};

/** Checks access tokens against the configured provider. */
export type AccessTokenVerifier = {
  verify(token: string): Promise<VerifiedPerson>;
  /** The configured tolerance, in milliseconds (streams close after `exp` plus this). */
  clockToleranceMs: number;
};

const DiscoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() }).loose();

function expectHttps(url: URL, what: string): void {
  if (url.protocol !== 'https:' && !isLoopback(url.hostname))
    throw new Error(`${what} must be https:// (plain http only on this machine), got ${url.origin}`);
}

/**
 * Access token checks with jose: signature against the provider's JWKS (fetched
 * and cached by jose, refetched when an unknown key id appears — key rotation),
 * then issuer, audience, expiry and not-before within the clock tolerance.
 */
export function createAccessTokenVerifier(options: {
  config: IdentityConfig;
  clock: () => number;
  log: Logger;
  fetch?: typeof fetch;
}): AccessTokenVerifier {
  const { config, clock, log } = options;
  const doFetch = options.fetch ?? fetch;
  let keys: ReturnType<typeof createRemoteJWKSet> | null = null;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;

  async function discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    let jwksUri = config.jwksUri;
    if (jwksUri === undefined) {
      const metadataUrl = new URL(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      const response = await doFetch(metadataUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`${metadataUrl.href} answered ${response.status}`);
      const metadata = DiscoverySchema.parse(await response.json());
      if (metadata.issuer !== config.issuer)
        throw new Error(`the provider calls itself ${metadata.issuer}, but the identity config says ${config.issuer}`);
      jwksUri = metadata.jwks_uri;
    }
    const url = new URL(jwksUri);
    expectHttps(url, 'jwks_uri');
    return createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (keys) return keys;
    // One discovery at a time; a failure is forgotten so the next request tries again.
    discovering ??= discover().finally(() => {
      discovering = null;
    });
    keys = await discovering;
    return keys;
  }

  function stringClaim(payload: JWTPayload, claimPath: string): string | null {
    const value = claimAt(payload, claimPath);
    return typeof value === 'string' && value.length > 0 ? value.slice(0, 500) : null;
  }

  return {
    clockToleranceMs: config.clockToleranceSeconds * 1000,
    async verify(token) {
      let jwks;
      try {
        jwks = await keySet();
      } catch (error) {
        log.warn('identity provider metadata unavailable', { issuer: config.issuer, error: errorMessage(error) });
        throw new ApiFailure(
          503,
          'identity_provider_unreachable',
          'the identity provider cannot be reached to check sign-ins; retry shortly',
        );
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockTolerance: config.clockToleranceSeconds,
          currentDate: new Date(clock()),
          requiredClaims: ['exp', 'iat'],
        }));
      } catch (error) {
        throw rejection(error, config);
      }
      const userId = stringClaim(payload, config.claims.userId);
      if (userId === null)
        throw new ApiFailure(401, 'invalid_token', `the access token has no "${config.claims.userId}" claim to identify you`);
      const name = config.claims.name.map((claim) => stringClaim(payload, claim)).find((value) => value !== null) ?? userId;
      const access = accessFor(config.rules, payload);
      return {
        userId,
        name,
        email: stringClaim(payload, config.claims.email),
        roles: access.roles,
        customers: access.customers,
        tokenId: typeof payload.jti === 'string' ? payload.jti.slice(0, 200) : null,
        issuedAt: payload.iat ?? 0,
        expiresAt: payload.exp ?? 0,
      };
    },
  };
}

/** A 401 that says which check failed, so a misconfigured desk or provider is found quickly. */
function rejection(error: unknown, config: IdentityConfig): ApiFailure {
  if (error instanceof errors.JWTExpired)
    return new ApiFailure(401, 'token_expired', 'your sign-in has expired; the desk signs in again by itself, or sign in again');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss')
      return new ApiFailure(
        401,
        'wrong_issuer',
        `the access token was not issued by ${config.issuer}, the provider this server trusts`,
      );
    if (error.claim === 'aud')
      return new ApiFailure(
        401,
        'wrong_audience',
        `the access token is not meant for this server (its audience is not ${config.audience})`,
      );
    if (error.claim === 'nbf' || error.claim === 'iat')
      return new ApiFailure(
        401,
        'token_not_yet_valid',
        'the access token is not valid yet; check the clocks of this server and the provider',
      );
    return new ApiFailure(401, 'invalid_token', `the access token's "${error.claim}" claim is not acceptable`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new ApiFailure(401, 'invalid_token', 'the access token is signed with an algorithm this server does not accept');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed)
    return new ApiFailure(401, 'invalid_token', 'the access token is not signed by the trusted identity provider');
  if (error instanceof errors.JWKSTimeout)
    return new ApiFailure(
      503,
      'identity_provider_unreachable',
      'the identity provider did not send its keys in time; retry shortly',
    );
  return new ApiFailure(401, 'invalid_token', 'the bearer token is not a valid access token');
}

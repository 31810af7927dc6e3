import type { CustomerAccess } from '../../shared/identity';
import { ApiFailure } from '../errors';
import { isAccessTokenRevoked } from '../repo/revocations';
import { findPrincipal, type Principal } from '../repo/tokens';
import type { Queryable } from '../storage/types';
import type { AccessTokenVerifier } from './oidc';

/** Three base64url parts: a JWT (an access token from the identity provider), not a static token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Turns a bearer token into the caller, and says later whether that is still true (event streams). */
export type Authenticator = {
  authenticate(token: string): Promise<Principal>;
  /** Null while the principal may go on; otherwise why not (expired, revoked). Refreshes a region scope. */
  recheck(principal: Principal, token: string): Promise<{ principal: Principal } | { reason: string }>;
};

/** Customer ids a scope covers, or null for all. Regions are resolved now: customers move and new ones appear. */
export async function resolveScope(db: Queryable, customers: CustomerAccess): Promise<readonly string[] | null> {
  if (customers === 'all') return null;
  if (customers.regions.length === 0) return customers.ids;
  const rows = await db.query<{ id: string }>('select id from customers where region = any($1::text[]) order by id', [
    customers.regions,
  ]);
  return [...new Set([...customers.ids, ...rows.map((row) => row.id)])];
}

export function createAuthenticator(options: {
  db: Queryable;
  verifier: AccessTokenVerifier | null;
  clock: () => number;
}): Authenticator {
  const { db, verifier, clock } = options;

  async function person(token: string): Promise<Principal> {
    if (!verifier)
      throw new ApiFailure(401, 'unauthorized', 'this server has no identity provider configured; use a token it issued');
    const verified = await verifier.verify(token);
    const session = { tokenId: verified.tokenId, issuedAt: verified.issuedAt * 1000, expiresAt: verified.expiresAt * 1000 };
    if (await isAccessTokenRevoked(db, { tokenId: verified.tokenId, userId: verified.userId, issuedAt: verified.issuedAt }))
      throw new ApiFailure(401, 'token_revoked', 'this sign-in was revoked; sign in again');
    return {
      kind: 'person',
      tokenId: null,
      userId: verified.userId,
      name: verified.name,
      email: verified.email,
      roles: verified.roles,
      customers: verified.customers,
      scope: await resolveScope(db, verified.customers),
      session,
    };
  }

  async function authenticate(token: string): Promise<Principal> {
    if (JWT_SHAPE.test(token)) return person(token);
    const principal = await findPrincipal(db, token);
    if (!principal) throw new ApiFailure(401, 'unauthorized', 'the bearer token is not valid');
    return principal;
  }

  return {
    authenticate,
    async recheck(principal, token) {
      if (principal.session && verifier && clock() > principal.session.expiresAt + verifier.clockToleranceMs)
        return { reason: 'token_expired' };
      try {
        return { principal: await authenticate(token) };
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 401) return { reason: error.body.error };
        // The database or the provider is briefly unreachable: keep the stream; the next check decides.
        return { principal };
      }
    },
  };
}

import crypto from 'node:crypto';
import { ROLES, type AccessRole, type CustomerAccess } from '../../shared/identity';
import type { Queryable } from '../storage/types';

/**
 * Roles of static tokens. They are for event sources and automation, never for
 * people (people sign in with the identity provider): `ingest` sends events,
 * `desk` acts through the desk API (sync, wizards, approvals) as one named user,
 * `admin` may do everything.
 */
export const TOKEN_ROLES = ['admin', 'desk', 'ingest'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** The roles a static token of each kind holds (see shared/identity.ts for what they allow). */
export const TOKEN_ROLE_GRANTS: Record<TokenRole, readonly AccessRole[]> = {
  admin: [...ROLES, 'ingest'],
  desk: ['viewer', 'operator', 'approver'],
  ingest: ['ingest'],
};

/**
 * Who is calling: a person signed in with the identity provider, or a static
 * token. `scope` is the resolved list of customer ids they may see, null for all.
 */
export type Principal = {
  kind: 'person' | 'token';
  /** The static token's id; null for a person. */
  tokenId: string | null;
  /** Stable id: the provider's subject, or the token's user. Ownership checks compare this. */
  userId: string;
  /** What people read on notes, runs, approvals and audit records. */
  name: string;
  email: string | null;
  roles: readonly AccessRole[];
  /** The scope as configured (regions and ids), for GET /v1/me. */
  customers: CustomerAccess;
  scope: readonly string[] | null;
  /** A person's access token: its id (`jti`), issue and expiry times in ms. Null for static tokens. */
  session: { tokenId: string | null; issuedAt: number; expiresAt: number } | null;
};

/** Only the SHA-256 of a token is stored, so a leaked database does not leak tokens. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh random bearer token. */
export function generateToken(): string {
  return `lk_${crypto.randomBytes(32).toString('base64url')}`;
}

type TokenRow = {
  id: string;
  user_id: string;
  display_name: string | null;
  role: TokenRole;
  customer_scope: string[] | null;
};

/** The principal a static bearer token stands for, or null when the token is unknown (or revoked). */
export async function findPrincipal(db: Queryable, token: string): Promise<Principal | null> {
  const [row] = await db.query<TokenRow>(
    'select id, user_id, display_name, role, customer_scope from api_tokens where token_hash = $1',
    [hashToken(token)],
  );
  if (!row) return null;
  return {
    kind: 'token',
    tokenId: row.id,
    userId: row.user_id,
    name: row.display_name ?? row.user_id,
    email: null,
    roles: TOKEN_ROLE_GRANTS[row.role],
    customers: row.customer_scope === null ? 'all' : { regions: [], ids: row.customer_scope },
    scope: row.customer_scope,
    session: null,
  };
}

export type NewToken = {
  userId: string;
  /** The name shown for what this token does (defaults to the user id). */
  name?: string | null;
  role: TokenRole;
  /** Customer ids this token may see; null (the default) for all. Admin tokens always see all. */
  scope?: readonly string[] | null;
  label?: string | null;
  /** Store this token instead of generating one (e.g. a configured admin token). */
  token?: string;
};

/** Creates a token; the plain token is returned once and never stored. */
export async function createApiToken(db: Queryable, input: NewToken): Promise<{ tokenId: string; token: string }> {
  if (input.role === 'admin' && input.scope) throw new Error('An admin token sees every customer; it cannot have a scope.');
  const token = input.token ?? generateToken();
  const tokenId = `tok_${crypto.randomBytes(8).toString('hex')}`;
  await db.query(
    'insert into api_tokens (id, token_hash, user_id, display_name, role, customer_scope, label) values ($1, $2, $3, $4, $5, $6, $7)',
    [
      tokenId,
      hashToken(token),
      input.userId,
      input.name ?? null,
      input.role,
      input.scope ? [...input.scope] : null,
      input.label ?? null,
    ],
  );
  return { tokenId, token };
}

/** Deletes a token; true when it existed. */
export async function revokeApiToken(db: Queryable, tokenId: string): Promise<boolean> {
  const rows = await db.query('delete from api_tokens where id = $1 returning id', [tokenId]);
  return rows.length > 0;
}

/**
 * Makes sure an admin can get in. With `token`, that token is registered (once);
 * without, a token is generated only when no admin token exists yet, and returned
 * so the caller can show it once. `name` is who the configured token stands for
 * (the desk's demo backend: the one local user), updated when it changes; the
 * user id stays `admin`, so sync clients it owns stay its own. Call it inside a
 * transaction.
 */
export async function ensureAdminToken(
  db: Queryable,
  token?: string,
  name: string | null = null,
): Promise<{ generatedToken: string | null }> {
  // Inside a transaction this keeps two servers starting together from both generating one.
  await db.query('select pg_advisory_xact_lock(4700002)');
  if (token !== undefined) {
    const updated = await db.query('update api_tokens set display_name = $2 where token_hash = $1 returning id', [
      hashToken(token),
      name,
    ]);
    if (updated.length === 0)
      await createApiToken(db, { userId: 'admin', name, role: 'admin', label: 'configured admin token', token });
    return { generatedToken: null };
  }
  const admins = await db.query("select 1 from api_tokens where role = 'admin' limit 1");
  if (admins.length > 0) return { generatedToken: null };
  const created = await createApiToken(db, { userId: 'admin', role: 'admin', label: 'generated on first start' });
  return { generatedToken: created.token };
}

/** Whether the principal may see this customer. */
export function canSeeCustomer(principal: Principal, customerId: string): boolean {
  return principal.scope === null || principal.scope.includes(customerId);
}

import crypto from 'node:crypto';
import type { Queryable } from '../storage/types';

export const TOKEN_ROLES = ['admin', 'desk', 'ingest'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** Who is calling: resolved from a bearer token. `scope` null means every customer. */
export type Principal = {
  tokenId: string;
  userId: string;
  role: TokenRole;
  scope: readonly string[] | null;
};

/** Only the SHA-256 of a token is stored, so a leaked database does not leak tokens. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh random bearer token. */
export function generateToken(): string {
  return `lk_${crypto.randomBytes(32).toString('base64url')}`;
}

type TokenRow = { id: string; user_id: string; role: TokenRole; customer_scope: string[] | null };

/** The principal a bearer token stands for, or null when the token is unknown. */
export async function findPrincipal(db: Queryable, token: string): Promise<Principal | null> {
  const [row] = await db.query<TokenRow>('select id, user_id, role, customer_scope from api_tokens where token_hash = $1', [
    hashToken(token),
  ]);
  if (!row) return null;
  return { tokenId: row.id, userId: row.user_id, role: row.role, scope: row.customer_scope };
}

export type NewToken = {
  userId: string;
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
    'insert into api_tokens (id, token_hash, user_id, role, customer_scope, label) values ($1, $2, $3, $4, $5, $6)',
    [tokenId, hashToken(token), input.userId, input.role, input.scope ? [...input.scope] : null, input.label ?? null],
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
 * so the caller can show it once. Call it inside a transaction.
 */
export async function ensureAdminToken(db: Queryable, token?: string): Promise<{ generatedToken: string | null }> {
  // Inside a transaction this keeps two servers starting together from both generating one.
  await db.query('select pg_advisory_xact_lock(4700002)');
  if (token !== undefined) {
    const existing = await db.query('select 1 from api_tokens where token_hash = $1', [hashToken(token)]);
    if (existing.length === 0)
      await createApiToken(db, { userId: 'admin', role: 'admin', label: 'configured admin token', token });
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

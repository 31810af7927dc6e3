import type { Queryable } from '../storage/types';

/*
 * Revoked sign-ins. Access tokens are JWTs the server checks by signature, so
 * the provider cannot take one back; the server keeps what was revoked here (in
 * the database, so every server process refuses it) until it would have expired.
 */

/** Refuses one access token from now on (a person signed out). */
export async function revokeAccessToken(
  db: Queryable,
  input: { tokenId: string; userId: string; expiresAt: number; now: number },
): Promise<void> {
  await db.query(
    `insert into revoked_tokens (token_id, user_id, expires_at, revoked_at)
     values ($1, $2, to_timestamp($3::double precision / 1000), to_timestamp($4::double precision / 1000))
     on conflict (token_id) do nothing`,
    [input.tokenId, input.userId, input.expiresAt, input.now],
  );
  // Expired tokens are refused anyway; an hour's margin covers clock tolerance.
  await db.query(`delete from revoked_tokens where expires_at < to_timestamp($1::double precision / 1000) - interval '1 hour'`, [
    input.now,
  ]);
}

/** Refuses every access token of a person issued up to `now` (an admin revoked their sign-ins). */
export async function revokePerson(db: Queryable, input: { userId: string; by: string; now: number }): Promise<void> {
  await db.query(
    `insert into revoked_people (user_id, revoked_before, revoked_by) values ($1, to_timestamp($2::double precision / 1000), $3)
     on conflict (user_id) do update set revoked_before = greatest(revoked_people.revoked_before, excluded.revoked_before),
       revoked_by = excluded.revoked_by`,
    [input.userId, input.now, input.by],
  );
}

/** Whether an access token was revoked, by its id or because its person's sign-ins were. */
export async function isAccessTokenRevoked(
  db: Queryable,
  input: { tokenId: string | null; userId: string; issuedAt: number },
): Promise<boolean> {
  const [row] = await db.query<{ revoked: boolean }>(
    `select exists (select 1 from revoked_tokens where token_id = $1)
         or exists (select 1 from revoked_people where user_id = $2 and revoked_before >= to_timestamp($3::double precision / 1000))
         as revoked`,
    [input.tokenId, input.userId, input.issuedAt],
  );
  return row?.revoked ?? false;
}

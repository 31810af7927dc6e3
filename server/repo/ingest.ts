import type { Queryable } from '../storage/types';

/*
 * Ingest sources, customer aliases and unmatched payload items (issue 10). None
 * of these sync to desks: admins read them through the ingest admin API.
 */

export type SourceRow = {
  id: string;
  kind: string;
  name: string;
  /** The source's declared config (server/ingest/config.ts), without secrets. */
  config: Record<string, unknown>;
  /** SHA-256 of the URL token; null for HMAC sources. */
  tokenHash: string | null;
  /** The HMAC secret (verifying a signature needs it in the clear); null for token sources. */
  secret: string | null;
  origin: 'api' | 'file';
  createdAt: string;
  updatedAt: string;
};

type DbSourceRow = {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  token_hash: string | null;
  secret: string | null;
  origin: 'api' | 'file';
  created_at: string;
  updated_at: string;
};

const SOURCE_COLUMNS = `id, kind, name, config, token_hash, secret, origin, lk_iso(created_at) as created_at, lk_iso(updated_at) as updated_at`;

function toSource(row: DbSourceRow): SourceRow {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    config: row.config,
    tokenHash: row.token_hash,
    secret: row.secret,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findSource(db: Queryable, id: string): Promise<SourceRow | null> {
  const [row] = await db.query<DbSourceRow>(`select ${SOURCE_COLUMNS} from ingest_sources where id = $1`, [id], {
    isPrepared: true,
  });
  return row ? toSource(row) : null;
}

/** What reached a source: deliveries answered 2xx, refused (4xx after the source was found), the last refusal's reason. */
export type SourceDeliveries = {
  accepted: number;
  refused: number;
  lastDeliveryAt: string | null;
  lastRefusal: { at: string; reason: string } | null;
};

type DeliveryColumns = {
  accepted: string | number | null;
  refused: string | number | null;
  last_delivery_at: string | null;
  last_refusal_at: string | null;
  last_refusal_reason: string | null;
};

export async function listSources(db: Queryable): Promise<(SourceRow & { unmatched: number; deliveries: SourceDeliveries })[]> {
  const rows = await db.query<DbSourceRow & { unmatched: number } & DeliveryColumns>(
    `select ${SOURCE_COLUMNS}, (select count(*)::integer from ingest_unmatched u where u.source_id = s.id) as unmatched,
            d.accepted, d.refused, lk_iso(d.last_delivery_at) as last_delivery_at,
            lk_iso(d.last_refusal_at) as last_refusal_at, d.last_refusal_reason
       from ingest_sources s left join ingest_source_deliveries d on d.source_id = s.id order by s.id`,
  );
  return rows.map((row) => ({
    ...toSource(row),
    unmatched: row.unmatched,
    deliveries: {
      accepted: Number(row.accepted ?? 0),
      refused: Number(row.refused ?? 0),
      lastDeliveryAt: row.last_delivery_at,
      lastRefusal:
        row.last_refusal_at !== null && row.last_refusal_reason !== null
          ? { at: row.last_refusal_at, reason: row.last_refusal_reason }
          : null,
    },
  }));
}

/** Counts one delivery to a source that exists (a request naming an unknown source counts nowhere). */
export async function recordDelivery(
  db: Queryable,
  sourceId: string,
  outcome: { at: string; refusal: string | null },
): Promise<void> {
  const isRefused = outcome.refusal !== null;
  await db.query(
    `insert into ingest_source_deliveries as d (source_id, accepted, refused, last_delivery_at, last_refusal_at, last_refusal_reason)
     select $1::text, $2::bigint, $3::bigint, $4::timestamptz, case when $3::bigint = 1 then $4::timestamptz end, $5::text
      where exists (select 1 from ingest_sources where id = $1::text)
     on conflict (source_id) do update set
       accepted = d.accepted + excluded.accepted,
       refused = d.refused + excluded.refused,
       last_delivery_at = excluded.last_delivery_at,
       last_refusal_at = coalesce(excluded.last_refusal_at, d.last_refusal_at),
       last_refusal_reason = coalesce(excluded.last_refusal_reason, d.last_refusal_reason)`,
    [sourceId, isRefused ? 0 : 1, isRefused ? 1 : 0, outcome.at, outcome.refusal],
  );
}

/** Inserts a source; false when the id is taken. */
export async function insertSource(
  db: Queryable,
  source: Omit<SourceRow, 'createdAt' | 'updatedAt'>,
  now: string,
): Promise<boolean> {
  const rows = await db.query(
    `insert into ingest_sources (id, kind, name, config, token_hash, secret, origin, created_at, updated_at)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::timestamptz, $8::timestamptz)
     on conflict (id) do nothing returning id`,
    [source.id, source.kind, source.name, JSON.stringify(source.config), source.tokenHash, source.secret, source.origin, now],
  );
  return rows.length > 0;
}

/** Creates or replaces a source declared in the --sources file. */
export async function upsertFileSource(
  db: Queryable,
  source: Omit<SourceRow, 'createdAt' | 'updatedAt' | 'origin'>,
  now: string,
): Promise<void> {
  await db.query(
    `insert into ingest_sources as s (id, kind, name, config, token_hash, secret, origin, created_at, updated_at)
     values ($1, $2, $3, $4::jsonb, $5, $6, 'file', $7::timestamptz, $7::timestamptz)
     on conflict (id) do update set kind = excluded.kind, name = excluded.name, config = excluded.config,
       token_hash = excluded.token_hash, secret = excluded.secret, origin = 'file', updated_at = excluded.updated_at
     where (s.kind, s.name, s.config, s.token_hash, s.secret, s.origin)
       is distinct from (excluded.kind, excluded.name, excluded.config, excluded.token_hash, excluded.secret, 'file')`,
    [source.id, source.kind, source.name, JSON.stringify(source.config), source.tokenHash, source.secret, now],
  );
}

/** Replaces a source's credential; false when there is no such source. */
export async function setSourceCredential(
  db: Queryable,
  id: string,
  credential: { tokenHash: string | null; secret: string | null },
  now: string,
): Promise<boolean> {
  const rows = await db.query(
    'update ingest_sources set token_hash = $2, secret = $3, updated_at = $4::timestamptz where id = $1 returning id',
    [id, credential.tokenHash, credential.secret, now],
  );
  return rows.length > 0;
}

/** Replaces a source's name and config (its credential, origin and counts stay); false when there is no such source. */
export async function setSourceConfig(
  db: Queryable,
  id: string,
  source: { name: string; config: Record<string, unknown> },
  now: string,
): Promise<boolean> {
  const rows = await db.query(
    'update ingest_sources set name = $2, config = $3::jsonb, updated_at = $4::timestamptz where id = $1 returning id',
    [id, source.name, JSON.stringify(source.config), now],
  );
  return rows.length > 0;
}

/**
 * Takes one request from a source's budget of `perMinute` requests, refilled continuously: a token bucket per
 * source, read and written by one statement under the bucket's row lock, so every server process over this
 * database draws on the same budget. Clocks of several processes may differ a little: time never runs back
 * for a bucket. 0 when the request may go on, else the seconds until one may. (Not @fastify/rate-limit: that
 * plugin keys on the client address before routing; this budget belongs to the source, known only after its
 * credential is checked.)
 */
export async function takeRateToken(db: Queryable, sourceId: string, perMinute: number, now: number): Promise<number> {
  const [row] = await db.query<{ tokens: number; last_allowed: boolean }>(
    `insert into ingest_rate_buckets as b (source_id, tokens, at_ms, last_allowed)
     values ($1, $2::float8 - 1, $3::bigint, true)
     on conflict (source_id) do update set (tokens, at_ms, last_allowed) = (
       select case when r.refilled >= 1 then r.refilled - 1 else r.refilled end, greatest(b.at_ms, $3::bigint), r.refilled >= 1
         from (select least($2::float8, b.tokens + greatest(0, $3::bigint - b.at_ms) * $2::float8 / 60000) as refilled) r)
     returning tokens, last_allowed`,
    [sourceId, perMinute, Math.round(now)],
    { isPrepared: true },
  );
  if (!row || row.last_allowed) return 0;
  return Math.max(1, Math.ceil(((1 - row.tokens) * 60) / perMinute));
}

/** Deletes a source with its own aliases and unmatched items; false when there was none. */
export async function deleteSource(db: Queryable, id: string): Promise<boolean> {
  await db.query('delete from ingest_rate_buckets where source_id = $1', [id]);
  await db.query('delete from ingest_source_deliveries where source_id = $1', [id]);
  await db.query('delete from ingest_unmatched where source_id = $1', [id]);
  await db.query('delete from customer_aliases where source_id = $1', [id]);
  const rows = await db.query('delete from ingest_sources where id = $1 returning id', [id]);
  return rows.length > 0;
}

/** `source_id` '' is an alias every source uses. */
export const ANY_SOURCE = '';

export type AliasRow = { sourceId: string; alias: string; customerId: string };

export async function upsertAliases(db: Queryable, aliases: readonly AliasRow[], now: string): Promise<number> {
  if (aliases.length === 0) return 0;
  const rows = await db.query(
    `insert into customer_aliases as a (source_id, alias, customer_id, created_at)
     select x."sourceId", x.alias, x."customerId", $2::timestamptz
       from json_to_recordset($1::json) as x("sourceId" text, alias text, "customerId" text)
     on conflict (source_id, alias) do update set customer_id = excluded.customer_id
     where a.customer_id is distinct from excluded.customer_id
     returning alias`,
    [JSON.stringify(aliases), now],
  );
  return rows.length;
}

export async function deleteAlias(db: Queryable, sourceId: string, alias: string): Promise<boolean> {
  const rows = await db.query('delete from customer_aliases where source_id = $1 and alias = $2 returning alias', [
    sourceId,
    alias,
  ]);
  return rows.length > 0;
}

export async function listAliases(db: Queryable, sourceId?: string): Promise<AliasRow[]> {
  return db.query<AliasRow>(
    `select source_id as "sourceId", alias, customer_id as "customerId" from customer_aliases
      where $1::text is null or source_id = $1 order by source_id, alias`,
    [sourceId ?? null],
  );
}

/**
 * What each reference names: a per-source alias first, then an alias for every
 * source, then a customer id. References naming nothing are absent.
 */
export async function lookupCustomerRefs(db: Queryable, sourceId: string, refs: readonly string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const rows = await db.query<{ ref: string; customer_id: string }>(
    `select r.ref, coalesce(
              (select a.customer_id from customer_aliases a where a.source_id = $2 and a.alias = r.ref),
              (select a.customer_id from customer_aliases a where a.source_id = '' and a.alias = r.ref),
              (select c.id from customers c where c.id = r.ref)) as customer_id
       from jsonb_array_elements_text($1::jsonb) as r(ref)`,
    [JSON.stringify([...new Set(refs)]), sourceId],
    { isPrepared: true },
  );
  return new Map(rows.flatMap((row) => (row.customer_id === null ? [] : [[row.ref, row.customer_id] as const])));
}

export type UnmatchedRow = {
  id: string;
  sourceId: string;
  idempotencyKey: string;
  customerRefs: string[];
  reason: string;
  /** The event as it would be stored, without customer and source. */
  event: Record<string, unknown>;
  receivedAt: string;
};

/** Keeps unmatched items; an item kept before (same source and key) is left as it is. Returns how many are new. */
export async function insertUnmatched(db: Queryable, rows: readonly UnmatchedRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const written = await db.query(
    `insert into ingest_unmatched (id, source_id, idempotency_key, customer_refs, reason, event, received_at)
     select x.id, x."sourceId", x."idempotencyKey", x."customerRefs", x.reason, x.event, x."receivedAt"
       from json_to_recordset($1::json) as x(id text, "sourceId" text, "idempotencyKey" text, "customerRefs" jsonb,
                                             reason text, event jsonb, "receivedAt" timestamptz)
     on conflict (source_id, idempotency_key) do nothing returning id`,
    [JSON.stringify(rows)],
  );
  return written.length;
}

export async function listUnmatched(db: Queryable, options: { sourceId?: string; limit: number }): Promise<UnmatchedRow[]> {
  const rows = await db.query<{
    id: string;
    source_id: string;
    idempotency_key: string;
    customer_refs: string[];
    reason: string;
    event: Record<string, unknown>;
    received_at: string;
  }>(
    `select id, source_id, idempotency_key, customer_refs, reason, event, lk_iso(received_at) as received_at
       from ingest_unmatched where $1::text is null or source_id = $1 order by received_at, id limit $2`,
    [options.sourceId ?? null, options.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    sourceId: row.source_id,
    idempotencyKey: row.idempotency_key,
    customerRefs: row.customer_refs,
    reason: row.reason,
    event: row.event,
    receivedAt: row.received_at,
  }));
}

export async function deleteUnmatched(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('delete from ingest_unmatched where id in (select jsonb_array_elements_text($1::jsonb))', [JSON.stringify(ids)]);
}

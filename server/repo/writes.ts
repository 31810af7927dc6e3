import { randomFillSync } from 'node:crypto';
import type { Customer, CustomerFeature, EventInput, Release } from '../../shared/domain';
import { eventSignature } from '../../shared/signature';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import { ulid } from '../../shared/ulid';
import type { Queryable } from '../storage/types';
import { chunks, lastPerKey } from './batches';

/*
 * Every write to a synced table goes through this module: each statement writes
 * the table and appends the change_log rows (with the same wire row a bootstrap
 * page would build; for immutable events the reader builds it) in one
 * data-modifying CTE, so the two cannot drift apart and
 * the log row commits exactly when the data does. Upserts skip rows that did not
 * change, so replays neither bump versions nor grow the log.
 */

/**
 * Secure random fractions drawn from a pooled buffer. A ULID takes 16 draws, and
 * one getRandomValues call per draw made id generation most of the seed's CPU time.
 */
function createPooledRandom(size = 16_384): () => number {
  const pool = new Uint32Array(size);
  let next = size;
  return () => {
    if (next === size) {
      randomFillSync(pool);
      next = 0;
    }
    const value = pool[next] ?? 0;
    next += 1;
    return value / 2 ** 32;
  };
}

const pooledRandom = createPooledRandom();

/** Inserts or updates customers; returns the ids that changed. */
export async function upsertCustomers(db: Queryable, customers: readonly Customer[]): Promise<string[]> {
  const changed: string[] = [];
  for (const part of chunks(lastPerKey(customers, (customer) => customer.id))) {
    const rows = await db.query<{ id: string }>(
      `with input as (
         select * from json_to_recordset($1::json) as x(id text, name text, plan text, region text, environment text,
           version text, lifecycle text, health text, owner text, "createdAt" timestamptz, "updatedAt" timestamptz)
       ), written as (
         insert into customers as c (id, name, plan, region, environment, version, lifecycle, health, owner, created_at, updated_at)
         select id, name, plan, region, environment, version, lifecycle, health, owner, "createdAt", "updatedAt" from input
         on conflict (id) do update set
           name = excluded.name, plan = excluded.plan, region = excluded.region, environment = excluded.environment,
           version = excluded.version, lifecycle = excluded.lifecycle, health = excluded.health, owner = excluded.owner,
           created_at = excluded.created_at, updated_at = excluded.updated_at, ver = c.ver + 1
         where (c.name, c.plan, c.region, c.environment, c.version, c.lifecycle, c.health, c.owner, c.created_at, c.updated_at)
           is distinct from (excluded.name, excluded.plan, excluded.region, excluded.environment, excluded.version,
             excluded.lifecycle, excluded.health, excluded.owner, excluded.created_at, excluded.updated_at)
         returning c.id, c.ver, lk_customer_row(c) as row
       ), logged as (
         insert into change_log (bucket, entity, row_id, op, ver, row)
         select 'customer:' || id, 'customer', id, 'put', ver, row from written
       )
       select id from written`,
      [JSON.stringify(part)],
    );
    changed.push(...rows.map((row) => row.id));
  }
  return changed;
}

/** Inserts or updates per-customer feature states; returns the row ids (`<customerId>:<feature>`) that changed. */
export async function upsertFeatures(db: Queryable, features: readonly CustomerFeature[]): Promise<string[]> {
  const changed: string[] = [];
  for (const part of chunks(lastPerKey(features, (feature) => `${feature.customerId}:${feature.feature}`))) {
    const rows = await db.query<{ row_id: string }>(
      `with input as (
         select * from json_to_recordset($1::json) as x("customerId" text, feature text, entitled boolean, enabled boolean,
           health text, "lastSignalAt" timestamptz)
       ), written as (
         insert into customer_features as f (customer_id, feature, entitled, enabled, health, last_signal_at)
         select "customerId", feature, entitled, enabled, health, "lastSignalAt" from input
         on conflict (customer_id, feature) do update set
           entitled = excluded.entitled, enabled = excluded.enabled, health = excluded.health,
           last_signal_at = excluded.last_signal_at, ver = f.ver + 1
         where (f.entitled, f.enabled, f.health, f.last_signal_at)
           is distinct from (excluded.entitled, excluded.enabled, excluded.health, excluded.last_signal_at)
         returning f.customer_id, f.customer_id || ':' || f.feature as row_id, f.ver, lk_feature_row(f) as row
       ), logged as (
         insert into change_log (bucket, entity, row_id, op, ver, row)
         select 'customer:' || customer_id, 'feature', row_id, 'put', ver, row from written
       )
       select row_id from written`,
      [JSON.stringify(part)],
    );
    changed.push(...rows.map((row) => row.row_id));
  }
  return changed;
}

/** Inserts or updates releases (global bucket); returns the versions that changed. */
export async function upsertReleases(db: Queryable, releases: readonly Release[]): Promise<string[]> {
  const changed: string[] = [];
  for (const part of chunks(lastPerKey(releases, (release) => release.version))) {
    const rows = await db.query<{ version: string }>(
      `with input as (
         select * from json_to_recordset($1::json) as x(version text, "releasedAt" timestamptz, notes text)
       ), written as (
         insert into releases as r (version, released_at, notes)
         select version, "releasedAt", notes from input
         on conflict (version) do update set released_at = excluded.released_at, notes = excluded.notes, ver = r.ver + 1
         where (r.released_at, r.notes) is distinct from (excluded.released_at, excluded.notes)
         returning r.version, r.ver, lk_release_row(r) as row
       ), logged as (
         insert into change_log (bucket, entity, row_id, op, ver, row)
         select $2, 'release', version, 'put', ver, row from written
       )
       select version from written`,
      [JSON.stringify(part), GLOBAL_BUCKET],
    );
    changed.push(...rows.map((row) => row.version));
  }
  return changed;
}

export type InsertEventsResult = {
  accepted: number;
  duplicates: number;
  /** The stored id of each input event, in input order (the existing id for a duplicate); empty for history loads. */
  ids: string[];
  /** Per input event, in input order: whether this call stored it (false for a duplicate); empty for history loads. */
  fresh: boolean[];
};

export type InsertEventsOptions = {
  /** Recorded-at time for the whole batch (ms since epoch). */
  now: number;
  /** Makes event ids; must sort in call order (see `createIdGenerator`). */
  newId: (time: number) => string;
  /**
   * Loading history (demo seed): each event counts as recorded when it occurred
   * (never after `now`) and its id carries that time, as if it had been ingested live.
   * Ids are not returned (the lookup costs a join per batch).
   */
  isHistory?: boolean;
};

/**
 * Inserts timeline events, skipping any whose (source.system, source.externalId)
 * is already stored — so ingest and seeding can be retried freely. Customers must
 * exist (callers check; the foreign key is the last line of defence). Each event's
 * signature (shared/signature.ts) is computed here and stored with it.
 */
export async function insertEvents(
  db: Queryable,
  events: readonly EventInput[],
  options: InsertEventsOptions,
): Promise<InsertEventsResult> {
  const result: InsertEventsResult = { accepted: 0, duplicates: 0, ids: [], fresh: [] };
  const recordedAt = new Date(options.now).toISOString();
  for (const part of chunks(events)) {
    const ids = part.map((event) =>
      options.isHistory ? ulid(Math.min(Date.parse(event.occurredAt), options.now), pooledRandom) : options.newId(options.now),
    );
    // One JSON array per column, zipped back into rows by ROWS FROM: PostgreSQL reads these several times
    // faster than one array of objects through json_to_recordset, which dominated the statement.
    const column = <T>(value: (event: EventInput) => T) => JSON.stringify(part.map(value));
    const json = (value: (event: EventInput) => unknown) =>
      JSON.stringify(
        part.map((event) => {
          const item = value(event);
          return item === null || item === undefined ? null : JSON.stringify(item);
        }),
      );
    const sources = part.map((event) => event.source);
    const rows = await db.query<{ ord: number; id: string | null; accepted: number; fresh: boolean }>(
      `with input as (
         select x.ord::integer as ord, x.id, x.customer_id, x.occurred_at::timestamptz as occurred_at, x.kind, x.severity,
                x.source_system, x.external_id, x.actor, x.summary, x.body, x.feature,
                x.prev_value::jsonb as prev_value, x.new_value::jsonb as new_value,
                coalesce(x.links::jsonb, '{}') as links, coalesce(x.properties::jsonb, '{}') as properties, x.signature
           from rows from (json_array_elements_text($1::json), json_array_elements_text($2::json), json_array_elements_text($3::json),
                           json_array_elements_text($4::json), json_array_elements_text($5::json), json_array_elements_text($6::json),
                           json_array_elements_text($7::json), json_array_elements_text($8::json), json_array_elements_text($9::json),
                           json_array_elements_text($10::json), json_array_elements_text($11::json), json_array_elements_text($12::json),
                           json_array_elements_text($13::json), json_array_elements_text($14::json), json_array_elements_text($15::json),
                           json_array_elements_text($18::json))
                with ordinality as x(id, customer_id, occurred_at, kind, severity, source_system, external_id, actor, summary, body,
                                     feature, prev_value, new_value, links, properties, signature, ord)
       ), written as (
         insert into events as e (id, customer_id, occurred_at, recorded_at, kind, severity, source_system, external_id,
           actor, summary, body, feature, prev_value, new_value, links, properties, signature)
         select id, customer_id, occurred_at, case when $17 then least(occurred_at, $16::timestamptz) else $16::timestamptz end,
           kind, severity, source_system, external_id,
           actor, summary, body, feature, prev_value, new_value, links, properties, signature
         -- Stored customer by customer: a customer's rows share heap and index pages, which bootstrap reads together.
         -- Of events repeated within the batch only the first is offered, so the first one wins as it always has.
         from (select distinct on (source_system, external_id) * from input order by source_system, external_id, ord) first
         order by customer_id, id
         on conflict (source_system, external_id) do nothing
         returning e.id, e.customer_id, e.source_system, e.external_id
       ), logged as (
         -- Events never change, so their log rows carry no copy: readers build the row from the table (half the writes).
         insert into change_log (bucket, entity, row_id, op, ver, row)
         select 'customer:' || customer_id, 'event', id, 'put', 1, null from written
       )
       ${
         options.isHistory
           ? 'select (select count(*) from written)::integer as accepted'
           : `select input.ord, (select count(*) from written)::integer as accepted,
                     -- Of an event repeated within the batch only its first occurrence counts as stored now.
                     written.id is not null
                       and row_number() over (partition by input.source_system, input.external_id order by input.ord) = 1 as fresh,
                     -- An event stored before is looked up only when this statement did not write it.
                     coalesce(written.id, (select existing.id from events existing
                                            where existing.source_system = input.source_system and existing.external_id = input.external_id)) as id
                from input
                left join written on written.source_system = input.source_system and written.external_id = input.external_id
               order by input.ord`
       }`,
      [
        JSON.stringify(ids),
        column((event) => event.customerId),
        column((event) => event.occurredAt),
        column((event) => event.kind),
        column((event) => event.severity),
        JSON.stringify(sources.map((source) => source.system)),
        JSON.stringify(sources.map((source) => source.externalId)),
        column((event) => event.actor ?? null),
        column((event) => event.summary),
        column((event) => event.body ?? null),
        column((event) => event.feature ?? null),
        json((event) => event.prevValue),
        json((event) => event.newValue),
        json((event) => event.links),
        json((event) => event.properties),
        recordedAt,
        options.isHistory === true,
        // Computed here, the one path every event is stored by (ingest, admin, remediation, demo), so no event lacks one.
        column((event) => eventSignature(event)),
      ],
    );
    const accepted = rows[0]?.accepted ?? 0;
    result.accepted += accepted;
    result.duplicates += part.length - accepted;
    if (options.isHistory) continue;
    const stored = rows.map((row) => row.id);
    const missing = stored.flatMap((id, index) => (id === null ? [index] : []));
    if (missing.length > 0) {
      // Committed by a concurrent ingest after this statement's snapshot: look the ids up now.
      const keys = missing.map((index) => ({ s: sources[index]?.system, x: sources[index]?.externalId }));
      const found = await db.query<{ s: string; x: string; id: string }>(
        `select k.s, k.x, e.id from json_to_recordset($1::json) as k(s text, x text)
         join events e on e.source_system = k.s and e.external_id = k.x`,
        [JSON.stringify(keys)],
      );
      const byKey = new Map(found.map((row) => [`${row.s}\u0000${row.x}`, row.id]));
      for (const index of missing)
        stored[index] = byKey.get(`${sources[index]?.system}\u0000${sources[index]?.externalId}`) ?? null;
    }
    result.ids.push(...stored.map((id) => id ?? ''));
    result.fresh.push(...rows.map((row) => row.fresh === true));
  }
  return result;
}

/** The stored note row as the wire carries it (Note + ver). */
export type NoteRow = {
  id: string;
  customerId: string;
  eventId: string | null;
  author: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  ver: number;
};

/** Inserts a note and logs it. */
export async function insertNote(
  db: Queryable,
  note: {
    id: string;
    customerId: string;
    eventId: string | null;
    /** The name people read. */
    author: string;
    /** The author's stable user id (not synced). */
    authorId?: string | null;
    body: string;
    createdAt: string;
  },
): Promise<NoteRow> {
  const [row] = await db.query<{ row: NoteRow }>(
    `with written as (
       insert into notes as n (id, customer_id, event_id, author, body, created_at, updated_at, author_id)
       values ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz, $7)
       returning n.id, n.customer_id, n.ver, lk_note_row(n) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select 'customer:' || customer_id, 'note', id, 'put', ver, row from written
     )
     select row from written`,
    [note.id, note.customerId, note.eventId, note.author, note.body, note.createdAt, note.authorId ?? null],
  );
  if (!row) throw new Error(`note ${note.id} was not written`);
  return row.row;
}

/** Replaces a note's body (last writer wins), bumps its version and logs it; null when the note does not exist. */
export async function updateNoteBody(
  db: Queryable,
  update: { id: string; body: string; updatedAt: string },
): Promise<NoteRow | null> {
  const [row] = await db.query<{ row: NoteRow }>(
    `with written as (
       update notes as n set body = $2, updated_at = greatest(n.updated_at, $3::timestamptz), ver = n.ver + 1
       where n.id = $1
       returning n.id, n.customer_id, n.ver, lk_note_row(n) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select 'customer:' || customer_id, 'note', id, 'put', ver, row from written
     )
     select row from written`,
    [update.id, update.body, update.updatedAt],
  );
  return row?.row ?? null;
}

/** Which of these customer ids exist. */
export async function existingCustomerIds(db: Queryable, customerIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>(
    'select id from customers where id in (select jsonb_array_elements_text($1::jsonb))',
    [JSON.stringify([...new Set(customerIds)])],
  );
  return new Set(rows.map((row) => row.id));
}

import type { EditConflict, Revision } from '../../shared/sync/wire';
import { mergeText } from '../../shared/sync/merge';
import { createIdGenerator } from '../ids';
import type { Queryable } from '../storage/types';

/*
 * Revisions of synced text fields (issue 9): every write is kept (who, when,
 * what) and synced in the row's bucket as entity `revision`. `decideTextEdit`
 * is the conflict rule for any entity with text fields — notes today,
 * follow-ups next (issue 12): one field edited from a known base text is
 * applied, merged with a concurrent edit of other lines, or refused as a
 * conflict that names the other text and its author.
 */

const newId = createIdGenerator();

export type NewRevision = {
  bucket: string;
  entity: string;
  rowId: string;
  /** The row version the write made; null for a refused (conflicting) edit. */
  ver: number | null;
  kind: Revision['kind'];
  actor: string;
  clientId: string | null;
  mutationId: string | null;
  at: number;
  baseVer: number | null;
  fields: Record<string, string>;
};

/** Stores a revision and logs it in its bucket, in one statement. */
export async function recordRevision(db: Queryable, revision: NewRevision): Promise<void> {
  await db.query(
    `with written as (
       insert into revisions as r (id, bucket, entity, row_id, ver, kind, actor, client_id, mutation_id, at, base_ver, fields)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11, $12::jsonb)
       returning r.id, r.bucket, lk_revision_row(r) as row
     )
     insert into change_log (bucket, entity, row_id, op, ver, row) select bucket, 'revision', id, 'put', 1, row from written`,
    [
      newId(revision.at),
      revision.bucket,
      revision.entity,
      revision.rowId,
      revision.ver,
      revision.kind,
      revision.actor,
      revision.clientId,
      revision.mutationId,
      new Date(revision.at).toISOString(),
      revision.baseVer,
      JSON.stringify(revision.fields),
    ],
  );
}

/** The value a field had at a row version, from its revisions; null when no revision of that version is kept. */
export async function fieldAtVersion(
  db: Queryable,
  entity: string,
  rowId: string,
  ver: number,
  field: string,
): Promise<string | null> {
  const [row] = await db.query<{ value: string | null }>(
    `select fields ->> $4 as value from revisions where entity = $1 and row_id = $2 and ver = $3 limit 1`,
    [entity, rowId, ver, field],
  );
  return row?.value ?? null;
}

/** Who wrote a row's current version and when (its newest applied revision). */
export async function latestWriter(
  db: Queryable,
  entity: string,
  rowId: string,
  ver: number,
): Promise<{ actor: string; at: string } | null> {
  const [row] = await db.query<{ actor: string; at: string }>(
    `select actor, lk_iso(at) as at from revisions where entity = $1 and row_id = $2 and ver = $3 order by id desc limit 1`,
    [entity, rowId, ver],
  );
  return row ?? null;
}

/** What to do with one text-field edit. */
export type TextEditDecision =
  { kind: 'unchanged' } | { kind: 'apply'; value: string } | { kind: 'merge'; value: string } | { kind: 'conflict' };

/**
 * The conflict rule. `base` is the text the author started from (null when an
 * old desk sent only a version the server no longer has a text for), `current`
 * what the field says now, `isBaseCurrent` whether the author's base version is
 * the current one.
 */
export function decideTextEdit(edit: {
  base: string | null;
  value: string;
  current: string;
  isBaseCurrent: boolean;
}): TextEditDecision {
  if (edit.value === edit.current) return { kind: 'unchanged' };
  if (edit.isBaseCurrent || edit.base === edit.current) return { kind: 'apply', value: edit.value };
  if (edit.base === null) return { kind: 'conflict' };
  const merged = mergeText(edit.base, edit.value, edit.current);
  return merged.isClean ? { kind: 'merge', value: merged.text } : { kind: 'conflict' };
}

/** The conflict as the author's desk receives it. */
export async function describeConflict(
  db: Queryable,
  row: { entity: string; id: string; field: string; ver: number; value: string; fallbackActor: string; fallbackAt: string },
): Promise<EditConflict> {
  const writer = await latestWriter(db, row.entity, row.id, row.ver);
  return {
    entity: row.entity,
    id: row.id,
    field: row.field,
    ver: row.ver,
    value: row.value,
    actor: writer?.actor ?? row.fallbackActor,
    at: writer?.at ?? row.fallbackAt,
  };
}

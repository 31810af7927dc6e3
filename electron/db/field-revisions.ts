import type Database from 'better-sqlite3';
import { REPLACED_PREFIX } from '../../shared/follow-ups';
import type { z } from 'zod';
import type { FollowUpHistory, ReplacedFieldsSchema } from '../../shared/ipc/follow-up-views';

/*
 * The cached write history of a record edited field by field (follow-ups and
 * problems, issue 12): each revision's `fields` holds what it set, and under
 * `replaced:<field>` what it overwrote that someone else had set meanwhile.
 */

type Revision = FollowUpHistory['revisions'][number];
type Replaced = z.infer<typeof ReplacedFieldsSchema>;

export function fieldRevisions(db: Database.Database, entity: 'follow_up' | 'problem') {
  const newestRevision = db.prepare<[string, string], { actor: string; at: string; fields: string }>(
    `select actor, at, fields from revisions where entity = ? and row_id = ? and ver is not null
      order by at desc, id desc limit 1`,
  );
  const revisionsOf = db.prepare<
    [string, string],
    { id: string; ver: number | null; kind: string; actor: string; at: string; fields: string }
  >('select id, ver, kind, actor, at, fields from revisions where entity = ? and row_id = ? order by at, id');

  return {
    /** What the newest acknowledged write of `id` replaced, or null when it replaced nothing. */
    replacedOf(id: string): Replaced | null {
      const newest = newestRevision.get(entity, id);
      if (!newest) return null;
      const fields = JSON.parse(newest.fields) as Record<string, string>;
      const replaced = Object.entries(fields)
        .filter(([key]) => key.startsWith(REPLACED_PREFIX))
        .map(([key, previous]) => ({ field: key.slice(REPLACED_PREFIX.length), previous }));
      return replaced.length === 0 ? null : { actor: newest.actor, at: newest.at, fields: replaced };
    },
    /** Every write of `id` the cache holds, oldest first, with what each replaced. */
    history(id: string): Revision[] {
      return revisionsOf.all(entity, id).map((row) => {
        const fields = JSON.parse(row.fields) as Record<string, string>;
        return {
          id: row.id,
          ver: row.ver,
          kind: row.kind as Revision['kind'],
          actor: row.actor,
          at: row.at,
          changes: Object.entries(fields)
            .filter(([key]) => !key.startsWith(REPLACED_PREFIX))
            .map(([field, value]) => ({ field, value, replaced: fields[`${REPLACED_PREFIX}${field}`] ?? null })),
        };
      });
    },
  };
}

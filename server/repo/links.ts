import type { LinkTemplates } from '../../shared/links';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import type { Queryable } from '../storage/types';

/*
 * The link templates desks see (issue 14): one row (`effective`), logged in the
 * global bucket as entity 'links' in the same statement that writes it (the
 * pattern of repo/catalogs.ts). Publishing the same templates changes nothing.
 */

/** The sync id of the link templates in force. */
export const EFFECTIVE_LINKS_ID = 'effective';

/** Stores the link templates when they changed; true when they did. */
export async function publishLinkTemplates(db: Queryable, templates: LinkTemplates): Promise<boolean> {
  const rows = await db.query<{ ver: number }>(
    `with written as (
       insert into link_templates as l (name, templates)
       values ($1, $2::jsonb)
       on conflict (name) do update set templates = excluded.templates, ver = l.ver + 1
       where l.templates <> excluded.templates
       returning l.name, l.ver, lk_links_row(l) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select $3, 'links', name, 'put', ver, row from written
     )
     select ver from written`,
    [EFFECTIVE_LINKS_ID, JSON.stringify(templates), GLOBAL_BUCKET],
  );
  return rows.length > 0;
}

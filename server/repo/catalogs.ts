import { PublishedCatalogSchema, type PublishedCatalog } from '../../shared/catalog/format';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import type { Queryable } from '../storage/types';

/*
 * The effective catalog desks see: one row (`effective`), logged in the global
 * bucket as entity 'catalog' in the same statement that writes it (the pattern
 * of repo/wizards.ts). A load with the same content changes nothing.
 */

/** The sync id of the effective catalog. */
export const EFFECTIVE_CATALOG_ID = 'effective';

/** Stores the published catalog when its content changed; true when it did. */
export async function publishEffectiveCatalog(db: Queryable, catalog: PublishedCatalog): Promise<boolean> {
  const rows = await db.query<{ ver: number }>(
    `with written as (
       insert into catalogs as c (name, catalog, hash, published_at)
       values ($1, $2::jsonb, $3, $4::timestamptz)
       on conflict (name) do update set catalog = excluded.catalog, hash = excluded.hash,
         published_at = excluded.published_at, ver = c.ver + 1
       where c.hash <> excluded.hash
       returning c.name, c.ver, lk_catalog_row(c) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select $5, 'catalog', name, 'put', ver, row from written
     )
     select ver from written`,
    [EFFECTIVE_CATALOG_ID, JSON.stringify(catalog), catalog.hash, catalog.publishedAt, GLOBAL_BUCKET],
  );
  return rows.length > 0;
}

/** The effective catalog as last published, or null before the first. */
export async function readEffectiveCatalog(db: Queryable): Promise<PublishedCatalog | null> {
  const [row] = await db.query<{ catalog: unknown }>('select catalog from catalogs where name = $1', [EFFECTIVE_CATALOG_ID]);
  if (!row) return null;
  const parsed = PublishedCatalogSchema.safeParse(row.catalog);
  return parsed.success ? parsed.data : null;
}

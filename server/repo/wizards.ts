import type { WizardRow } from '../../shared/remediation/wire';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import type { Queryable } from '../storage/types';

/*
 * The wizard library. A published version never changes, so each one is one
 * `put` in the global bucket's change log (entity 'wizard', id '<id>@<version>'),
 * written in the same statement as the row — the same pattern as repo/writes.ts.
 */

/** The change-log and sync id of one wizard version. */
export function wizardRowId(id: string, version: number): string {
  return `${id}@${version}`;
}

/**
 * Inserts a wizard version and logs it; null when that id+version already
 * exists (the caller compares hashes: same content is a no-op, other content a conflict).
 */
export async function insertWizard(db: Queryable, wizard: WizardRow): Promise<WizardRow | null> {
  const [row] = await db.query<{ row: WizardRow }>(
    `with written as (
       insert into wizards as w (id, version, title, source, hash, published_at, published_by)
       values ($1, $2, $3, $4, $5, $6::timestamptz, $7)
       on conflict (id, version) do nothing
       returning w.id, w.version, w.ver, lk_wizard_row(w) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select $8, 'wizard', id || '@' || version, 'put', ver, row from written
     )
     select row from written`,
    [wizard.id, wizard.version, wizard.title, wizard.source, wizard.hash, wizard.publishedAt, wizard.publishedBy, GLOBAL_BUCKET],
  );
  return row?.row ?? null;
}

/** One stored wizard version, or null. */
export async function readWizard(db: Queryable, id: string, version: number): Promise<WizardRow | null> {
  const [row] = await db.query<{ row: WizardRow }>(
    'select lk_wizard_row(w) as row from wizards w where id = $1 and version = $2',
    [id, version],
  );
  return row?.row ?? null;
}

/** Every stored version (`latestOnly`: the newest version of each id), ordered by id then version. */
export async function listWizards(db: Queryable, options: { latestOnly?: boolean } = {}): Promise<WizardRow[]> {
  const rows = await db.query<{ row: WizardRow }>(
    options.latestOnly
      ? `select distinct on (id) lk_wizard_row(w) as row, id, version from wizards w order by id, version desc`
      : `select lk_wizard_row(w) as row from wizards w order by id, version`,
  );
  return rows.map((row) => row.row);
}

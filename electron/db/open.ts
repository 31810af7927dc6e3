import { ensurePrivateFile } from './private-files';
import Database from 'better-sqlite3';
import { DeskError } from '../../shared/ipc/result';
import type { Migration } from './migrations';

/** The newest schema version a list of migrations produces. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
}

/**
 * Brings a database up to the newest version, one transaction per migration.
 * Refuses a database written by a newer Lightkeeper instead of guessing.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], label: string): number {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`${label} migrations must be numbered 1..n without gaps`);
  });
  const latest = latestVersion(ordered);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new DeskError(
      'cache_too_new',
      `The ${label} at ${db.name} has schema version ${current}, newer than this Lightkeeper understands (${latest}). ` +
        'Update Lightkeeper, or point it at another data directory.',
    );
  }
  for (const migration of ordered) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return latest;
}

/** Options for {@link openDatabase}. */
export type OpenOptions = {
  file: string;
  migrations: readonly Migration[];
  label: string;
  /** `FULL` for data that must survive power loss (the outbox); `NORMAL` is enough for the rebuildable cache. */
  synchronous?: 'NORMAL' | 'FULL';
  /** better_sqlite3.node built for Electron's ABI, when running under Electron from a dev checkout. */
  nativeBinding?: string;
};

/** Opens (creating if needed) a SQLite file with the house settings and runs its migrations. */
export function openDatabase(options: OpenOptions): Database.Database {
  ensurePrivateFile(options.file);
  const db = new Database(options.file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations, options.label);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

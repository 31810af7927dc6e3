import type Database from 'better-sqlite3';

/** One forward-only schema step of the cache database. */
export type Migration = { version: number; name: string; up: (db: Database.Database) => void };

/**
 * The cache schema, oldest first. Versions are consecutive; each runs in its own
 * transaction together with the `user_version` bump. Never edit a shipped one:
 * add a new one.
 */
export const CACHE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'app metadata',
    up(db) {
      db.exec(`
        create table app_meta (
          key   text primary key,
          value text not null
        ) strict;
      `);
    },
  },
];

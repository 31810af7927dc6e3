import type Database from 'better-sqlite3';

/** The cache's key/value settings (`app_meta`): last sync time, the backend it was filled from. */
export type AppMeta = {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
};

/** Prepares the `app_meta` statements once on `db` (the cache). */
export function createAppMeta(db: Database.Database): AppMeta {
  const select = db.prepare<[string], string>('select value from app_meta where key = ?').pluck();
  const upsert = db.prepare<[string, string]>(
    'insert into app_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
  );
  const remove = db.prepare<[string]>('delete from app_meta where key = ?');
  return {
    get: (key) => select.get(key) ?? null,
    set: (key, value) => void upsert.run(key, value),
    delete: (key) => void remove.run(key),
  };
}

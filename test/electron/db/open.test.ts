import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { latestVersion, migrate, openDatabase } from '../../../electron/db/open';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-db-'));
  dirs.push(dir);
  return path.join(dir, 'cache.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('cache migrations', () => {
  it('creates a fresh file at the latest version with WAL and foreign keys', () => {
    const file = tempFile();
    const db = openDatabase({ file, migrations: CACHE_MIGRATIONS, label: 'cache database' });
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion(CACHE_MIGRATIONS));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
    // Reopening runs nothing again and keeps the data.
    const again = openDatabase({ file, migrations: CACHE_MIGRATIONS, label: 'cache database' });
    expect(again.pragma('user_version', { simple: true })).toBe(latestVersion(CACHE_MIGRATIONS));
    again.close();
  });

  it('refuses a database written by a newer version, with a clear error, and leaves it untouched', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase({ file, migrations: CACHE_MIGRATIONS, label: 'cache database' })).toThrow(
      /schema version 999, newer than this Lightkeeper understands/,
    );
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(999);
    check.close();
  });

  it('rolls a failing migration back completely', () => {
    const db = new Database(tempFile());
    const migrations = [
      { version: 1, name: 'one', up: (d: Database.Database) => d.exec('create table a (x integer) strict') },
      {
        version: 2,
        name: 'broken',
        up: (d: Database.Database) => {
          d.exec('create table b (y integer) strict');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, migrations, 'test db')).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
    expect(tables).toEqual(['a']);
    db.close();
  });

  it('rejects migration lists with gaps', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'x', up: () => {} }], 'test db')).toThrow(/without gaps/);
    db.close();
  });
});

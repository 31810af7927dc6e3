import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { DeskError } from '../../shared/ipc/result';
import type { Logger } from '../../shared/log';
import { CACHE_MIGRATIONS, OUTBOX_MIGRATIONS } from './migrations';
import { openDatabase } from './open';

/** The cache file inside a data directory (rebuildable). */
export function cacheFile(dataDir: string): string {
  return path.join(dataDir, 'cache.sqlite');
}

/** The outbox file inside a data directory (precious: never deleted by the app). */
export function outboxFile(dataDir: string): string {
  return path.join(dataDir, 'outbox.sqlite');
}

/** The opened cache with the outbox attached as schema `outbox`. */
export type CacheHandle = { db: Database.Database; file: string; outboxFile: string; recoveredFrom: string | null };

function isRecoverable(error: unknown): boolean {
  if (error instanceof DeskError) return error.code === 'cache_too_new';
  const code = (error as { code?: string } | null)?.code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /quick_check/.test(String((error as Error)?.message));
}

function moveAside(file: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${file}.unusable-${stamp}`;
  fs.renameSync(file, target);
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, target + suffix);
  }
  return target;
}

function openCacheFile(file: string, nativeBinding?: string): Database.Database {
  const db = openDatabase({ file, migrations: CACHE_MIGRATIONS, label: 'cache database', nativeBinding });
  // Reads of a big cache go through the OS's page cache instead of copies into SQLite's (issue 13: a timeline
  // page of 400 scattered rows 2.7 → 1.5 ms). The cache is rebuildable, so the usual caveat (an I/O error while
  // reading a mapped page ends the process instead of failing a query) costs a restart, never data.
  db.pragma('mmap_size = 1073741824');
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') {
    db.close();
    throw new Error(`cache quick_check failed: ${String(check)}`);
  }
  return db;
}

/**
 * Opens the cache and attaches the outbox. A corrupt cache, or one written by a
 * newer Lightkeeper, is moved aside (kept, renamed) and rebuilt empty — it is
 * refilled from the server. The outbox is never moved or rebuilt: if it cannot
 * be opened, the error stops the app, because it may hold unsent work.
 */
export function openCache(options: { dataDir: string; log: Logger; now?: Date; nativeBinding?: string }): CacheHandle {
  const file = cacheFile(options.dataDir);
  const outbox = outboxFile(options.dataDir);
  // Migrate the outbox on its own connection first, with its own durability setting.
  openDatabase({
    file: outbox,
    migrations: OUTBOX_MIGRATIONS,
    label: 'outbox database',
    synchronous: 'FULL',
    nativeBinding: options.nativeBinding,
  }).close();

  let recoveredFrom: string | null = null;
  let db: Database.Database;
  try {
    db = openCacheFile(file, options.nativeBinding);
  } catch (error) {
    if (!isRecoverable(error) || !fs.existsSync(file)) throw error;
    recoveredFrom = moveAside(file, options.now ?? new Date());
    options.log.warn('cache database was unusable; moved aside and rebuilding from the server', {
      movedTo: recoveredFrom,
      reason: error instanceof Error ? error.message : String(error),
    });
    db = openCacheFile(file, options.nativeBinding);
  }
  db.prepare('attach database ? as outbox').run(outbox);
  db.pragma('outbox.journal_mode = WAL');
  db.pragma('outbox.synchronous = FULL');
  return { db, file, outboxFile: outbox, recoveredFrom };
}

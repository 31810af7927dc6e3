import fs from 'node:fs';
import path from 'node:path';

/*
 * The desk's data (cache, outbox, settings with the backend token) is the
 * user's alone: the folder 0700, the files 0600, whatever the umask (issue 9:
 * cache.sqlite and outbox.sqlite were created 0644). POSIX modes; Windows
 * ignores them and keeps per-user folders private by its ACLs.
 */

/** Creates `dir` (and parents) if needed and takes group and other access away from it. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const mode = fs.statSync(dir).mode & 0o777;
  if ((mode & 0o077) !== 0) fs.chmodSync(dir, mode & 0o700);
}

/**
 * Creates `file` empty and 0600 if it is missing (SQLite then gives its -wal and
 * -shm files the same mode), and narrows an older file and its companions to 0600.
 */
export function ensurePrivateFile(file: string): void {
  ensurePrivateDir(path.dirname(file));
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  if (process.platform === 'win32') return;
  for (const candidate of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((fs.statSync(candidate).mode & 0o077) !== 0) fs.chmodSync(candidate, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { beginStatement, type Queryable, type Storage } from './types';

/** Runs tasks one after another: PGlite has one session, so a transaction must own it until it ends. */
function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task, task);
    tail = result.catch(() => undefined);
    return result;
  };
}

/**
 * Opens embedded PGlite: in `dataDir` (created if missing; refused if another
 * live process holds it), or in memory when `dataDir` is undefined. A new
 * directory starts from `template` (a cluster `dumpDataDir` wrote, see
 * pglite-template.ts) when that file exists, instead of running initdb; a
 * template PGlite cannot load is set aside for the slow way.
 */
export async function openPgliteStorage(dataDir?: string, options: { template?: string | null } = {}): Promise<Storage> {
  let releaseLock = () => {};
  if (dataDir !== undefined) {
    fs.mkdirSync(dataDir, { recursive: true });
    releaseLock = lockDataDir(dataDir);
  }
  let db: PGlite;
  try {
    db = dataDir === undefined ? await PGlite.create() : await createInDirectory(path.join(dataDir, 'pglite'), options.template);
  } catch (error) {
    releaseLock();
    throw error;
  }
  const serial = createSerialQueue();
  const run = async <Row>(sql: string, params?: readonly unknown[]) =>
    (await db.query<Row>(sql, params as unknown[] | undefined)).rows;
  let isClosed = false;

  return {
    kind: 'pglite',
    query: (sql, params) => serial(() => run(sql, params)),
    transaction(work, options) {
      return serial(async () => {
        await db.exec(beginStatement(options));
        const tx: Queryable = { query: (sql, params) => run(sql, params) };
        try {
          const result = await work(tx);
          await db.exec('commit');
          return result;
        } catch (error) {
          await db.exec('rollback');
          throw error;
        }
      });
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await serial(() => db.close());
      releaseLock();
    },
  };
}

async function createInDirectory(directory: string, template: string | null | undefined): Promise<PGlite> {
  if (template && !fs.existsSync(directory) && fs.existsSync(template)) {
    try {
      return await PGlite.create(directory, { loadDataDir: new Blob([fs.readFileSync(template)]) });
    } catch {
      // Not a cluster this PGlite can load (damaged, another version): initdb as without one.
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
  return PGlite.create(directory);
}

/** Two processes over one PGlite directory would corrupt it; a pid file keeps the second one out. */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(`The data directory ${dataDir} is in use by another server process (pid ${holder}).`, { cause: error });
      }
      // Left behind by a process that died: take it over.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock the data directory ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { migrate } from './migrations';
import { openPgliteStorage } from './pglite';
import { openPostgresStorage } from './postgres';
import type { Storage } from './types';

export type OpenStorageOptions = {
  /** PostgreSQL connection string; when set, PGlite is not used. */
  databaseUrl?: string;
  /** PGlite data directory; in memory when neither this nor `databaseUrl` is set. */
  dataDir?: string;
  /** A prepared empty PGlite cluster a new `dataDir` starts from (see pglite-template.ts); ignored for PostgreSQL. */
  pgliteTemplate?: string | null;
};

/** Opens PostgreSQL or PGlite and migrates it to the current schema. */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const storage = options.databaseUrl
    ? openPostgresStorage(options.databaseUrl)
    : await openPgliteStorage(options.dataDir, { template: options.pgliteTemplate });
  try {
    await migrate(storage);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

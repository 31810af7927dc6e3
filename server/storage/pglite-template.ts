import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A prepared, empty PGlite cluster (#15, item 2). A fresh PGlite directory first runs
 * initdb in WebAssembly — most of the demo backend's first start (about 4 s of 11 on
 * an idle machine, a minute on a loaded one) — while unpacking a cluster initdb made
 * earlier takes a fraction of that. The build prepares one per PGlite version; a
 * missing or unreadable template only means the slow way.
 */

/** The installed PGlite's version, or null where it cannot be found (then no template is used). */
export function pgliteVersion(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === '@electric-sql/pglite' && typeof parsed.version === 'string') return parsed.version;
    }
  } catch {
    // Bundled without its manifest: no template.
  }
  return null;
}

/** Where the build keeps the template for this PGlite (under the app's `out/`), or null without a version. */
export function defaultPgliteTemplate(appRoot: string): string | null {
  const version = pgliteVersion();
  return version === null ? null : path.join(appRoot, 'out', `pglite-template-${version}.tar.gz`);
}

/** Runs initdb once in memory and writes the cluster to `file` (whole or not at all). */
export async function writePgliteTemplate(file: string): Promise<void> {
  const db = await PGlite.create();
  try {
    const dump = await db.dumpDataDir('gzip');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(partial, file);
  } finally {
    await db.close();
  }
}

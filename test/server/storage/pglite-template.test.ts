import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../../server/storage/open';
import { writePgliteTemplate } from '../../../server/storage/pglite-template';
import { SCHEMA_VERSION } from '../../../server/storage/migrations';

// #15, item 2: a new PGlite directory starts from the build's prepared cluster instead of running initdb.
// Each initdb takes seconds (a minute on a loaded machine); this file runs three.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-pglite-template-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function markedTemplate(file: string): Promise<void> {
  const db = await PGlite.create();
  await db.exec("create table template_marker (note text); insert into template_marker values ('from the template')");
  fs.writeFileSync(file, Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer()));
  await db.close();
}

const migratedVersion = async (storage: Awaited<ReturnType<typeof openStorage>>) =>
  (await storage.query<{ version: number }>('select max(version)::int as version from server_migrations'))[0]?.version;

describe('PGlite template', { timeout: 300_000 }, () => {
  it('a new data directory starts from the template and is migrated; an existing one keeps its own cluster', async () => {
    const template = path.join(root, 'marked.tar.gz');
    await markedTemplate(template);
    const dataDir = path.join(root, 'fresh');
    const storage = await openStorage({ dataDir, pgliteTemplate: template });
    expect(await storage.query('select note from template_marker')).toEqual([{ note: 'from the template' }]);
    expect(await migratedVersion(storage)).toBe(SCHEMA_VERSION);
    await storage.query('drop table template_marker');
    await storage.close();

    // Opened again, the directory is its own: the template is not unpacked over it.
    const again = await openStorage({ dataDir, pgliteTemplate: template });
    expect(await again.query("select to_regclass('template_marker')::text as marker")).toEqual([{ marker: null }]);
    await again.close();
  });

  it('the build writes a template the storage opens, and a damaged one means initdb as without one', async () => {
    const written = path.join(root, 'out', 'pglite-template-test.tar.gz');
    await writePgliteTemplate(written);
    expect(fs.readdirSync(path.dirname(written))).toEqual([path.basename(written)]);
    const fromBuild = await openStorage({ dataDir: path.join(root, 'from-build'), pgliteTemplate: written });
    expect(await migratedVersion(fromBuild)).toBe(SCHEMA_VERSION);
    await fromBuild.close();

    const damaged = path.join(root, 'damaged.tar.gz');
    fs.writeFileSync(damaged, 'not a cluster');
    const fallback = await openStorage({ dataDir: path.join(root, 'damaged-dir'), pgliteTemplate: damaged });
    expect(await migratedVersion(fallback)).toBe(SCHEMA_VERSION);
    await fallback.close();
  });
});

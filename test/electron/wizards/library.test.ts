import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { createApplier, validatePullRows } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { createOutbox } from '../../../electron/db/outbox';
import type { Logger } from '../../../shared/log';
import { createWizardLibrary } from '../../../electron/wizards/library';
import type { PublishedCatalog } from '../../../shared/catalog/format';
import { GLOBAL_BUCKET, type Op } from '../../../shared/sync/wire';
import { demoPublishedCatalog, publishedCatalogOf, WEBHOOKS_CATALOG_PATH } from '../../support/catalog';
import { pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';
import { LIBRARY_DIR } from './support/harness';

/**
 * The library: bundled files validated at start (bad ones logged and skipped),
 * server versions synced into the cache, and the newest version of each wizard
 * winning — the server's copy at an equal version.
 */
const dirs = tempDirs('lk-wizard-library-');
const ssoSource = fs.readFileSync(path.join(LIBRARY_DIR, 'sso-sign-in-failing.yaml'), 'utf8');
const opened: Database.Database[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  dirs.cleanup();
});

function recordingLog(): Logger & { warnings: { message: string; details?: Record<string, unknown> }[] } {
  const warnings: { message: string; details?: Record<string, unknown> }[] = [];
  return { info() {}, error() {}, warn: (message, details) => warnings.push({ message, details }), warnings };
}

/** A desk cache; by default it has synced a server running the demo catalog (`catalog: null`: none synced yet). */
function cache(options: { catalog?: PublishedCatalog | null } = {}) {
  const db = openCache({ dataDir: dirs.make(), log: recordingLog() }).db;
  opened.push(db);
  const outbox = createOutbox(db);
  const applier = createApplier(db, outbox);
  applier.applyPull(pullResponse([], { addedBuckets: [GLOBAL_BUCKET] }), '2026-11-20T12:00:00.000Z');
  const apply = (ops: Op[]) => {
    const response = pullResponse([{ bucket: GLOBAL_BUCKET, ops }]);
    validatePullRows(response);
    applier.applyPull(response, '2026-11-20T12:00:00.000Z');
  };
  const catalog = options.catalog === undefined ? demoPublishedCatalog() : options.catalog;
  if (catalog) apply([put('catalog', 'effective', catalog)]);
  return { db, apply, applier };
}

function wizardRow(source: string, version: number, title = 'SSO sign-in (server copy)') {
  return put('wizard', `sso-sign-in-failing@${version}`, {
    id: 'sso-sign-in-failing',
    version,
    title,
    source,
    hash: `h${version}`,
    publishedAt: '2026-11-20T10:00:00.000Z',
    publishedBy: 'lee',
  });
}

describe('the bundled library', () => {
  it('loads valid wizards and their scenarios, and logs and skips invalid files without failing', () => {
    const directory = dirs.make();
    fs.copyFileSync(path.join(LIBRARY_DIR, 'sso-sign-in-failing.yaml'), path.join(directory, 'sso-sign-in-failing.yaml'));
    fs.copyFileSync(
      path.join(LIBRARY_DIR, 'sso-sign-in-failing.enforced.scenario.yaml'),
      path.join(directory, 'sso-sign-in-failing.enforced.scenario.yaml'),
    );
    fs.writeFileSync(path.join(directory, 'broken.yaml'), 'id: broken\nsteps: [\n');
    fs.writeFileSync(
      path.join(directory, 'unknown-probe.yaml'),
      ssoSource.replace('id: sso-sign-in-failing', 'id: unknown-probe').replace('probe: sso.metadata', 'probe: sso.teleport'),
    );
    fs.writeFileSync(path.join(directory, 'bad.scenario.yaml'), 'scenario: nothing else\n');
    const { db } = cache();
    const log = recordingLog();
    const library = createWizardLibrary({ db, bundledDirectory: directory, log });
    const result = library.loadBundled();
    expect(result.loaded).toEqual(['sso-sign-in-failing.yaml']);
    expect(result.skipped.sort()).toEqual(['broken.yaml', 'unknown-probe.yaml']);
    expect(library.latest().map((entry) => entry.id)).toEqual(['sso-sign-in-failing']);
    expect(log.warnings.map((warning) => warning.details?.file).sort()).toEqual([
      'bad.scenario.yaml',
      'broken.yaml',
      'unknown-probe.yaml',
    ]);
    expect(JSON.stringify(log.warnings)).toMatch(/unknown-probe/);
    expect(library.practiceScenario('sso-sign-in-failing', 1)?.scenario).toMatch(/enforced before/);
  });

  it('is empty, not broken, when the folder is missing', () => {
    const { db } = cache();
    const log = recordingLog();
    const library = createWizardLibrary({ db, bundledDirectory: path.join(dirs.make(), 'nowhere'), log });
    expect(library.loadBundled()).toEqual({ loaded: [], skipped: [] });
    expect(library.latest()).toEqual([]);
    expect(log.warnings[0]?.message).toMatch(/missing/);
  });

  it('holds the five starter wizards, all valid', () => {
    const { db } = cache();
    const library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log: recordingLog() });
    const result = library.loadBundled();
    expect(result.skipped).toEqual([]);
    expect(
      library
        .latest()
        .map((entry) => entry.id)
        .sort(),
    ).toEqual([
      'degraded-after-version-upgrade',
      'export-job-behind',
      'feature-not-visible',
      'onboarding-provisioning-stuck',
      'sso-sign-in-failing',
    ]);
    expect(library.latest().every((entry) => entry.origin === 'bundled')).toBe(true);
  });
});

describe('server versions', () => {
  it('win at an equal version and lose to a newer bundled one', () => {
    const { db, apply } = cache();
    const library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log: recordingLog() });
    library.loadBundled();
    apply([
      wizardRow(
        ssoSource.replace('title: SSO sign-in failing after a flag or configuration change', 'title: SSO sign-in (server copy)'),
        1,
      ),
    ]);
    const equal = library.find('sso-sign-in-failing');
    expect(equal).toMatchObject({ origin: 'server', version: 1, title: 'SSO sign-in (server copy)' });
    expect(library.find('sso-sign-in-failing', 1)?.origin).toBe('server');

    apply([wizardRow(ssoSource.replace('version: 1', 'version: 2'), 2)]);
    expect(library.find('sso-sign-in-failing')).toMatchObject({ origin: 'server', version: 2 });
    // Every version stays reachable (runs pinned to it keep their own copy anyway).
    expect(
      library
        .all()
        .filter((entry) => entry.id === 'sso-sign-in-failing')
        .map((entry) => `${entry.origin}@${entry.version}`)
        .sort(),
    ).toEqual(['bundled@1', 'server@1', 'server@2']);

    apply([{ op: 'del', entity: 'wizard', id: 'sso-sign-in-failing@2', ver: 3 }]);
    expect(library.find('sso-sign-in-failing')?.version).toBe(1);
  });

  it('skips an invalid server version with a warning and keeps the rest', () => {
    const { db, apply } = cache();
    const log = recordingLog();
    const library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log });
    library.loadBundled();
    apply([wizardRow(ssoSource.replace('version: 1', 'version: 9').replace('action: flags.set', 'action: rm.rf'), 9)]);
    expect(library.find('sso-sign-in-failing')).toMatchObject({ origin: 'bundled', version: 1 });
    expect(library.latest()).toHaveLength(5);
    library.latest();
    expect(log.warnings.filter((warning) => /invalid wizard from the server/.test(warning.message))).toHaveLength(1);
  });

  it('are refused outside the global bucket or under a mismatched id, and cleared by a global reset', () => {
    const { db, apply, applier } = cache();
    const row = wizardRow(ssoSource, 1);
    expect(() => validatePullRows(pullResponse([{ bucket: 'customer:acme', ops: [row] }]))).toThrow(/fleet-wide wizard row/);
    expect(() =>
      validatePullRows(pullResponse([{ bucket: GLOBAL_BUCKET, ops: [{ ...row, id: 'sso-sign-in-failing@7' }] }])),
    ).toThrow(/is not sso-sign-in-failing@1/);
    apply([row]);
    expect(db.prepare('select count(*) from wizard_library').pluck().get()).toBe(1);
    applier.applyPull(
      pullResponse([], { buckets: [{ bucket: GLOBAL_BUCKET, reset: true, reason: 'cursor_expired' }] }),
      '2026-11-20T12:00:00.000Z',
    );
    expect(db.prepare('select count(*) from wizard_library').pluck().get()).toBe(0);
  });
});

describe('the synced catalog', () => {
  it('is stored from the global bucket and every wizard, bundled ones too, is checked again when it changes', () => {
    const fixtures = path.join(import.meta.dirname, '..', '..', 'fixtures', 'catalog');
    const webhooks = publishedCatalogOf(WEBHOOKS_CATALOG_PATH);
    const webhookSource = fs.readFileSync(path.join(fixtures, 'webhook-deliveries-failing.yaml'), 'utf8');
    const { db, apply } = cache();
    const log = recordingLog();
    const library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log });
    library.loadBundled();
    apply([
      put('wizard', 'webhook-deliveries-failing@1', {
        id: 'webhook-deliveries-failing',
        version: 1,
        title: 'Webhook deliveries failing',
        source: webhookSource,
        hash: 'h1',
        publishedAt: '2026-11-20T10:00:00.000Z',
        publishedBy: 'lee',
      }),
    ]);
    // The demo fleet's server does not offer the shop's probes: the shop's wizard is left out, the starters run.
    expect(library.latest()).toHaveLength(5);
    expect(library.find('webhook-deliveries-failing')).toBeNull();
    expect(JSON.stringify(log.warnings)).toMatch(/unknown probe \\"webhooks.deliveries\\"; the catalog \\"demo-fleet\\"/);
    expect(library.catalog()?.catalog).toBe('demo-fleet');

    apply([put('catalog', 'effective', webhooks, 2)]);
    const row = db.prepare<[], { hash: string }>("select hash from catalog where name = 'effective'").get();
    expect(row?.hash).toBe(webhooks.hash);
    expect(library.catalog()?.catalog).toBe(webhooks.catalog);
    // Now the shop's wizard runs, and the starter wizards, whose probes this server lacks, are checked again and left out.
    expect(library.latest().map((entry) => entry.id)).toEqual(['webhook-deliveries-failing']);
    expect(
      log.warnings.filter((warning) => warning.message === 'skipped an invalid bundled wizard' && warning.details?.catalog),
    ).toHaveLength(5);
  });

  it('checks no probe or action names before a catalog has been synced', () => {
    const { db, apply } = cache({ catalog: null });
    const library = createWizardLibrary({ db, bundledDirectory: LIBRARY_DIR, log: recordingLog() });
    library.loadBundled();
    apply([wizardRow(ssoSource.replace('version: 1', 'version: 9').replace('probe: sso.metadata', 'probe: sso.teleport'), 9)]);
    expect(library.catalog()).toBeNull();
    expect(library.find('sso-sign-in-failing')).toMatchObject({ origin: 'server', version: 9 });
    // Once the server's catalog arrives, the wizard that calls a probe it lacks is left out.
    apply([put('catalog', 'effective', demoPublishedCatalog(), 2)]);
    expect(library.find('sso-sign-in-failing')).toMatchObject({ origin: 'bundled', version: 1 });
  });

  it('refuses a catalog row outside the global bucket', () => {
    const response = pullResponse([{ bucket: 'customer:acme', ops: [put('catalog', 'effective', { catalog: 'x' })] }]);
    expect(() => validatePullRows(response)).toThrow();
  });
});

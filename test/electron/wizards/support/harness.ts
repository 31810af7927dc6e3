import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { createBackendClient, type BackendClient } from '../../../../electron/backend/client';
import { silentLogger } from '../../../../electron/core/log';
import { createApplier } from '../../../../electron/db/apply';
import { openCache } from '../../../../electron/db/cache';
import { createOutbox, type Outbox } from '../../../../electron/db/outbox';
import type { Clock } from '../../../../shared/clock';
import { createRunHost, type RunHost, type RunHostOptions } from '../../../../electron/wizards/host';
import { createWizardLibrary, type WizardLibrary } from '../../../../electron/wizards/library';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type { PublishedCatalog } from '../../../../shared/catalog/format';
import { GLOBAL_BUCKET } from '../../../../shared/sync/wire';
import type { Need, RunState } from '../../../../shared/wizards/engine';
import { demoPublishedCatalog } from '../../../support/catalog';
import { pullResponse, put } from '../../../support/rows';

/** Stores a server's catalog in a desk cache the way sync does (the global bucket, entity `catalog`). */
export function syncCatalog(db: Database.Database, outbox: Outbox, catalog: PublishedCatalog, now: number, ver = 1): void {
  const at = new Date(now).toISOString();
  const applier = createApplier(db, outbox);
  applier.applyPull(pullResponse([], { addedBuckets: [GLOBAL_BUCKET] }), at);
  applier.applyPull(pullResponse([{ bucket: GLOBAL_BUCKET, ops: [put('catalog', 'effective', catalog, ver)] }]), at);
}

/** The bundled starter library. */
export const LIBRARY_DIR = fileURLToPath(new URL('../../../../resources/wizards', import.meta.url));

export type HostHarness = {
  db: Database.Database;
  outbox: Outbox;
  library: WizardLibrary;
  host: RunHost;
  /** Run ids in the order `runs:changed` would have been emitted. */
  changes: string[];
  /** Points the host at a backend URL, or at none (offline / not configured). */
  setBackend(url: string | null): void;
  close(): Promise<void>;
};

/**
 * A run host over a real cache file in `dataDir`, with the bundled library and
 * a real HTTP client. The cache holds the demo catalog, as synced from a demo
 * server (`catalog: null`: a desk that has not synced one yet).
 */
export function openHost(
  dataDir: string,
  options: {
    clock: Clock;
    backendUrl: string | null;
    bundledDirectory?: string;
    catalog?: PublishedCatalog | null;
  } & Partial<RunHostOptions>,
): HostHarness {
  const handle = openCache({ dataDir, log: silentLogger });
  const outbox = createOutbox(handle.db);
  const catalog = options.catalog === undefined ? demoPublishedCatalog() : options.catalog;
  if (catalog) syncCatalog(handle.db, outbox, catalog, options.clock.now());
  const library = createWizardLibrary({
    db: handle.db,
    bundledDirectory: options.bundledDirectory ?? LIBRARY_DIR,
    log: silentLogger,
  });
  library.loadBundled();
  const clientFor = (url: string | null): BackendClient | null =>
    url ? createBackendClient({ baseUrl: url, token: 'test-token', timeoutMs: 3_000 }) : null;
  let client = clientFor(options.backendUrl);
  const changes: string[] = [];
  const host = createRunHost({
    db: handle.db,
    outbox,
    library,
    backend: () => client,
    emit: (runId) => changes.push(runId),
    log: silentLogger,
    retryDelayMs: 0,
    approvalPollMs: 5_000,
    ...options,
  });
  return {
    db: handle.db,
    outbox,
    library,
    host,
    changes,
    setBackend(url) {
      client = clientFor(url);
    },
    async close() {
      await host.stop();
      handle.db.close();
    },
  };
}

/** The engine need and state inside a run view. */
export function needOf(view: RunView): Need | null {
  return view.need;
}
export function stateOf(view: RunView): RunState {
  return view.state;
}

/** The paths the run took so far. */
export function pathOf(view: RunView): string[] {
  return stateOf(view)
    .steps.filter((step) => step.kind !== 'inputs')
    .map((step) => step.path);
}

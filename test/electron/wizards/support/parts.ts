import type Database from 'better-sqlite3';
import { silentLogger } from '../../../../electron/core/log';
import { openCache } from '../../../../electron/db/cache';
import { createOutbox, type Outbox } from '../../../../electron/db/outbox';
import { createCacheQueries } from '../../../../electron/wizards/cache-queries';
import { createRunHost, type RunHost } from '../../../../electron/wizards/host';
import { createWizardLibrary, type WizardLibrary } from '../../../../electron/wizards/library';
import { createRunRecords, type RunRecords } from '../../../../electron/wizards/run-records';
import { createRunScheduler, type RunScheduler } from '../../../../electron/wizards/run-scheduler';
import { createStepRunner, type RemediationClient, type StepRunner } from '../../../../electron/wizards/step-runner';
import type { RunRecord } from '../../../../electron/wizards/store';
import { manualClock } from './clock';
import { FLEET_NOW, seedCustomers } from './demo-cache';
import { demoPublishedCatalog } from '../../../support/catalog';
import { LIBRARY_DIR, syncCatalog } from './harness';

/**
 * The run host's parts one by one over a real cache file, for the parts' own
 * tests. Runs are started by a real host over the same database (so their
 * records are what the desk really stores); the parts under test are separate
 * instances reading and writing the same rows.
 */
export type Parts = {
  db: Database.Database;
  outbox: Outbox;
  library: WizardLibrary;
  clock: ReturnType<typeof manualClock>;
  records: RunRecords;
  scheduler: RunScheduler;
  steps: StepRunner;
  /** Run ids the parts said changed. */
  changes: string[];
  /** Local writes the records reported (a finished run queued for the timeline). */
  localWrites: number;
  /** What the step runner's backend getter answers; null is "no backend configured". */
  client: RemediationClient | null;
  /** Starts a run through a real host (with no backend, so it stops at the first server call) and returns its record. */
  start(input: { wizardId: string; customerId: string; practice?: boolean }): Promise<RunRecord>;
  close(): Promise<void>;
};

export function openParts(dataDir: string, customerIds: readonly string[]): Parts {
  const handle = openCache({ dataDir, log: silentLogger });
  const outbox = createOutbox(handle.db);
  // A desk that has synced a demo server: its catalog is what wizards and probe answers are checked against.
  syncCatalog(handle.db, outbox, demoPublishedCatalog(), Date.parse(FLEET_NOW));
  const library = createWizardLibrary({ db: handle.db, bundledDirectory: LIBRARY_DIR, log: silentLogger });
  library.loadBundled();
  seedCustomers(handle.db, outbox, customerIds);
  const clock = manualClock(FLEET_NOW);
  const hosts: RunHost[] = [];
  const changes: string[] = [];
  let localWrites = 0;
  let client: RemediationClient | null = null;
  const records = createRunRecords({
    db: handle.db,
    outbox,
    library,
    clock,
    emit: (runId) => changes.push(runId),
    onLocalWrite: () => {
      localWrites += 1;
    },
  });
  // As in the host, the scheduler calls back into the step runner built right after it.
  const scheduler = createRunScheduler({
    clock,
    log: silentLogger,
    advance: (runId) => steps.advance(runId),
    pollApproval: (runId) => steps.pollApproval(runId),
    approvalPollMs: 5_000,
    onBusy: (runId) => changes.push(runId),
  });
  const steps = createStepRunner({
    records,
    scheduler,
    library,
    cacheQueries: createCacheQueries(handle.db),
    backend: () => client,
    clock,
    log: silentLogger,
    executeAttempts: 2,
    retryDelayMs: 0,
  });
  return {
    db: handle.db,
    outbox,
    library,
    clock,
    records,
    scheduler,
    steps,
    changes,
    get localWrites() {
      return localWrites;
    },
    get client() {
      return client;
    },
    set client(next) {
      client = next;
    },
    async start(input) {
      const host = createRunHost({
        db: handle.db,
        outbox,
        library,
        backend: () => null,
        emit: () => undefined,
        log: silentLogger,
        clock,
      });
      hosts.push(host);
      const view = await host.start(input);
      await host.settled(view.runId);
      return records.require(view.runId);
    },
    async close() {
      for (const host of hosts) await host.stop();
      await scheduler.stop();
      handle.db.close();
    },
  };
}

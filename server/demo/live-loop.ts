import { createIdGenerator } from '../ids';
import { errorMessage, type Logger } from '../log';
import { readCustomers, readFeatures, readMeta, writeMeta } from '../repo/reads';
import { insertEvents, upsertCustomers, upsertFeatures } from '../repo/writes';
import { putCustomerStates, readCustomerStates } from './state';
import type { Storage } from '../storage/types';
import { createLiveSimulator, type LiveSimulator } from './live';

export type LiveLoopOptions = {
  storage: Storage;
  seed: number;
  /** Milliseconds between ticks; the loop does not run when 0 (call `tickOnce`). */
  intervalMs: number;
  clock?: () => number;
  log: Logger;
  /** Injectable for tests; the demo's live simulator by default. */
  createSimulator?: typeof createLiveSimulator;
};

export type TickSummary = { isSkipped: boolean; events: number; customers: number; features: number; states: number };

export type LiveLoop = {
  /** Runs one tick now (also what the timer calls). */
  tickOnce(): Promise<TickSummary>;
  stop(): Promise<void>;
};

const LIVE_KEY = 'demo_live';
// One live writer per database, whichever process holds it for the tick.
const LIVE_LOCK = 4_700_004;

/**
 * Keeps the demo alive: every `intervalMs` the live simulator says what happened
 * since the last tick, and it is written through the repository functions — so
 * the change log and the pokes see it like any other write. The last tick time
 * lives in the database, so a restarted server continues instead of replaying.
 */
export function startLiveLoop(options: LiveLoopOptions): LiveLoop {
  const { storage, log } = options;
  const clock = options.clock ?? Date.now;
  const newId = createIdGenerator();
  let simulator: LiveSimulator | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let isStopped = false;

  const tickOnce = async (): Promise<TickSummary> => {
    const now = clock();
    return storage.transaction(async (db) => {
      const [lock] = await db.query<{ locked: boolean }>(`select pg_try_advisory_xact_lock(${LIVE_LOCK}) as locked`);
      if (!lock?.locked) return { isSkipped: true, events: 0, customers: 0, features: 0, states: 0 };
      // Remediation (any process) changes these rows; the simulator continues from what is stored.
      const fleet = {
        customers: await readCustomers(db),
        features: await readFeatures(db),
        states: await readCustomerStates(db),
      };
      if (simulator === null) simulator = (options.createSimulator ?? createLiveSimulator)({ seed: options.seed, fleet });
      else simulator.update(fleet);
      const last = await readMeta<{ lastTickAt: string }>(db, LIVE_KEY);
      const since = last ? new Date(Math.min(Date.parse(last.lastTickAt), now)) : undefined;
      const output = simulator.tick(new Date(now), since ? { since } : undefined);
      await upsertCustomers(db, output.customers);
      await upsertFeatures(db, output.features);
      await putCustomerStates(db, output.states, now);
      const inserted = await insertEvents(db, output.events, { now, newId });
      await writeMeta(db, LIVE_KEY, { lastTickAt: new Date(now).toISOString() });
      return {
        isSkipped: false,
        events: inserted.accepted,
        customers: output.customers.length,
        features: output.features.length,
        states: output.states.length,
      };
    });
  };

  const schedule = () => {
    if (isStopped || options.intervalMs <= 0) return;
    timer = setTimeout(() => {
      timer = null;
      running = tickOnce()
        .catch((error: unknown) => log.warn('live demo tick failed', { error: errorMessage(error) }))
        .finally(() => {
          running = null;
          schedule();
        });
    }, options.intervalMs);
  };
  schedule();

  return {
    tickOnce,
    async stop() {
      isStopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

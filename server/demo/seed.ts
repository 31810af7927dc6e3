import type { EventInput } from '../../shared/domain';
import { createIdGenerator } from '../ids';
import type { Logger } from '../log';
import { readMeta, writeMeta } from '../repo/reads';
import { insertEvents, upsertCustomers, upsertFeatures, upsertReleases } from '../repo/writes';
import { putCustomerStates } from './state';
import type { Storage } from '../storage/types';
import { generateFleet, padEvents, type FleetOptions, type PadOptions } from './fleet';
import type { DemoFleet } from './types';
import { seedBadReleaseProblem, seedProblemStories } from './problem-stories';

/** Generators of the demo fleet; injectable so tests can seed small fixtures. */
export type DemoGenerators = {
  generateFleet: (options: FleetOptions) => DemoFleet;
  padEvents: (fleet: Pick<DemoFleet, 'customers' | 'features'>, options: PadOptions) => Iterable<EventInput[]>;
};

export type SeedOptions = {
  seed: number;
  /** Number of customers (the generator's default when omitted). */
  customers?: number;
  /** Pad the history with routine events up to this many events in total (the scale knob for benchmarks). */
  events?: number;
  /** About this many of the padding events go to one customer (benchmarks need one long history). */
  heavyEvents?: number;
  /** The clock reading the fleet's history ends at (ms). */
  now: number;
  log: Logger;
  generators?: DemoGenerators;
};

export type SeedResult = {
  /** False when the database already held data that this seed did not write. */
  isSeeded: boolean;
  /** True when this call wrote the fleet (not an earlier start). */
  isNew: boolean;
  customers: number;
  events: number;
};

/** Kept in server_meta so an interrupted padding resumes where it stopped, after a restart. */
type SeedRecord = {
  seed: number;
  customers: number | null;
  now: string;
  fleetEvents: number;
  targetEvents: number;
  padded: number;
  /** Absent in records written before it existed: none. */
  heavyEvents?: number;
  isComplete: boolean;
};

const SEED_KEY = 'demo_seed';
const PAD_BATCH = 5_000;
/** Padding transactions in flight at once: the database writes one batch while the next is generated and sent. */
const PAD_TRANSACTIONS = 2;

async function countEvents(storage: Storage): Promise<number> {
  const [row] = await storage.query<{ count: number }>('select count(*)::integer as count from events');
  return row?.count ?? 0;
}

/**
 * Loads the demo fleet into an empty database in bulk (one transaction for the
 * fleet), then pads the history to `events` in batches of their own. A database
 * that already has customers is left alone, unless it is a seed of ours whose
 * padding was interrupted: that one resumes.
 */
/** Meta key: the known-problem stories were seeded. */
const STORIES_KEY = 'demo_problem_stories';
const BAD_RELEASE_KEY = 'demo_bad_release_problem';

export async function seedDemo(storage: Storage, options: SeedOptions): Promise<SeedResult> {
  const generators = options.generators ?? { generateFleet, padEvents };
  const newId = createIdGenerator();
  let record = await readMeta<SeedRecord>(storage, SEED_KEY);
  let fleet: DemoFleet | null = null;

  if (record === null) {
    const fleetOptions: FleetOptions = {
      seed: options.seed,
      now: new Date(options.now),
      ...(options.customers === undefined ? {} : { customers: options.customers }),
    };
    fleet = generators.generateFleet(fleetOptions);
    const generated = fleet;
    const candidate: SeedRecord = {
      seed: options.seed,
      customers: options.customers ?? null,
      now: new Date(options.now).toISOString(),
      fleetEvents: generated.events.length,
      targetEvents: Math.max(options.events ?? 0, generated.events.length),
      padded: 0,
      ...(options.heavyEvents ? { heavyEvents: options.heavyEvents } : {}),
      isComplete: false,
    };
    const isWritten = await storage.transaction(async (db) => {
      // Two servers starting on one empty database: one seeds, the other waits here and then finds data.
      await db.query('select pg_advisory_xact_lock(4700003)');
      const [existing] = await db.query('select 1 from customers limit 1');
      if (existing || (await readMeta(db, SEED_KEY)) !== null) return false;
      await upsertReleases(db, generated.releases);
      await upsertCustomers(db, generated.customers);
      await upsertFeatures(db, generated.features);
      await putCustomerStates(db, generated.states, options.now);
      await insertEvents(db, generated.events, { now: options.now, newId, isHistory: true });
      await writeMeta(db, SEED_KEY, candidate);
      return true;
    });
    if (!isWritten) {
      const [row] = await storage.query<{ count: number }>('select count(*)::integer as count from customers');
      return { isSeeded: false, isNew: false, customers: row?.count ?? 0, events: await countEvents(storage) };
    }
    record = candidate;
    options.log.info('demo fleet seeded', {
      customers: generated.customers.length,
      events: generated.events.length,
      seed: options.seed,
    });
  }

  if (!record.isComplete) {
    const padCount = record.targetEvents - record.fleetEvents;
    if (padCount > 0) {
      const seedNow = Date.parse(record.now);
      const padFleet =
        fleet ??
        generators.generateFleet({
          seed: record.seed,
          now: new Date(seedNow),
          ...(record.customers === null ? {} : { customers: record.customers }),
        });
      let done = 0;
      // A few batches are written at once: the database writes one while the next is generated and sent. Each
      // records its progress only after the batch before it has committed (and fails if that one failed), so a
      // stored record never counts a batch that is not stored.
      const inFlight: Promise<void>[] = [];
      try {
        for (const batch of generators.padEvents(padFleet, {
          seed: record.seed,
          now: new Date(seedNow),
          count: padCount,
          batchSize: PAD_BATCH,
          heavyEvents: Math.min(record.heavyEvents ?? 0, padCount),
        })) {
          // Batches already stored before an interruption are skipped, not re-sent.
          if (done + batch.length <= record.padded) {
            done += batch.length;
            continue;
          }
          done += batch.length;
          const progress: SeedRecord = { ...record, padded: done };
          if (inFlight.length >= PAD_TRANSACTIONS) {
            await inFlight[0];
            inFlight.shift();
          }
          const previous = inFlight.at(-1);
          const written = storage.transaction(async (db) => {
            await insertEvents(db, batch, { now: seedNow, newId, isHistory: true });
            await previous;
            await writeMeta(db, SEED_KEY, progress);
          });
          // Observed here and now: a failure is reported by whoever awaits it, never as an unhandled rejection.
          written.catch(() => undefined);
          inFlight.push(written);
          record = progress;
          if (progress.padded % 100_000 < batch.length) {
            options.log.info('padding demo history', {
              events: progress.fleetEvents + progress.padded,
              of: progress.targetEvents,
            });
          }
        }
        while (inFlight.length > 0) {
          await inFlight[0];
          inFlight.shift();
        }
      } finally {
        // Never leave a transaction running, or its failure unobserved, behind an error.
        await Promise.allSettled(inFlight);
      }
    }
    record = { ...record, isComplete: true };
    await writeMeta(storage, SEED_KEY, record);
  }
  // Known problems and follow-ups read off the seeded history (issue 12); once per database, older ones included.
  // The bad release's first: the other stories leave its signals to it.
  if ((await readMeta(storage, BAD_RELEASE_KEY)) === null) {
    await seedBadReleaseProblem(storage, { now: options.now });
    await writeMeta(storage, BAD_RELEASE_KEY, { at: new Date(options.now).toISOString() });
  }
  if ((await readMeta(storage, STORIES_KEY)) === null) {
    await seedProblemStories(storage, { now: options.now });
    await writeMeta(storage, STORIES_KEY, { at: new Date(options.now).toISOString() });
  }
  const [row] = await storage.query<{ count: number }>('select count(*)::integer as count from customers');
  return { isSeeded: true, isNew: fleet !== null, customers: row?.count ?? 0, events: await countEvents(storage) };
}

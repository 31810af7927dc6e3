import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Customer, CustomerFeature, EventInput, TimelineEvent } from '../shared/domain';
import { ulid } from '../shared/ulid';
import type { BucketPage, Op, PullResponse } from '../shared/sync/wire';
import { createApplier } from '../electron/db/apply';
import { createSearchIndexer } from '../electron/db/search-index';
import { openCache } from '../electron/db/cache';
import { createOutbox } from '../electron/db/outbox';
import { silentLogger } from '../electron/core/log';
import { generateFleet, padEvents, MAX_CUSTOMERS } from '../server/demo/fleet';
import type { DemoFleet } from '../server/demo/types';
import { asSynced } from '../test/support/demo-cache';

export type BenchCacheOptions = {
  /** Customers in the fleet: the demo generator's, and beyond `distinctCustomers`, copies of them under other ids. */
  customers: number;
  /** Customers the demo generator makes, each with its own story (default: up to 1,000; at most 5,000). */
  distinctCustomers?: number;
  /** Events in total: the fleet's own history, padded with the demo's routine events. */
  events: number;
  /** About this many of the padding events go to one customer (the "heavy" customer). */
  heavyEvents: number;
  seed?: number;
  now: number;
};

export type BenchCache = {
  dataDir: string;
  /** The customer with the longest history. */
  heavyCustomer: string;
  heavyEvents: number;
  customers: number;
  events: number;
  /** Whether the cache was built now (false: copied from an earlier build with the same inputs). */
  isBuilt: boolean;
  buildSeconds: number;
};

/** The files whose change makes an earlier build of the cache stale. */
const INPUTS = [
  'bench/seed-cache.ts',
  'test/support/demo-cache.ts',
  'electron/db/apply.ts',
  'electron/db/migrations.ts',
  'server/demo/pad.ts',
  'server/demo/fleet.ts',
  'server/demo/customer.ts',
  'server/demo/catalog.ts',
  'server/demo/events.ts',
];

const DAY = 86_400_000;

/** The fleet: the demo generator's, and beyond its maximum, copies of its customers under other ids. */
function fleetOf(options: BenchCacheOptions, now: number): Pick<DemoFleet, 'customers' | 'features' | 'events' | 'releases'> {
  const seed = options.seed ?? 7;
  const distinct = Math.min(options.distinctCustomers ?? 1000, options.customers, MAX_CUSTOMERS);
  const base = generateFleet({ seed, now: new Date(now), customers: Math.max(distinct, 50) });
  const customers = [...base.customers];
  const features = [...base.features];
  for (let copy = 2; customers.length < options.customers; copy += 1) {
    for (const customer of base.customers) {
      if (customers.length >= options.customers) break;
      const id = `${customer.id}-${copy}`;
      customers.push({ ...customer, id, name: `${customer.name} ${copy}` });
      for (const feature of base.features) if (feature.customerId === customer.id) features.push({ ...feature, customerId: id });
    }
  }
  return { customers, features, events: base.events, releases: base.releases };
}

/** An ingested event as the server sends it to desks, with an id from its time (never in the future). */
function toTimelineEvent(input: EventInput, now: number, random: () => number): TimelineEvent {
  return asSynced(input, ulid(Math.min(Date.parse(input.occurredAt), now), random));
}

function inputsHash(options: BenchCacheOptions): string {
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ ...options, now: undefined }));
  for (const file of INPUTS) hash.update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Fills a desk data directory the way a bootstrap does — through the real apply path, page by page,
 * the full-text index built when each customer's bootstrap completes — with the demo fleet's
 * history padded by its routine events (real producers' texts: what search meets in production).
 * A build is kept in `.bench/caches/` and copied for the next run with the same inputs (same
 * options, same schema and apply code), because building a million events takes minutes.
 */
export function seedBenchCache(dataDir: string, options: BenchCacheOptions): BenchCache {
  const started = performance.now();
  const key = inputsHash(options);
  const kept = path.resolve('.bench', 'caches', key);
  const manifest = path.join(kept, 'manifest.json');
  if (fs.existsSync(manifest)) {
    fs.mkdirSync(dataDir, { recursive: true });
    for (const file of ['cache.sqlite', 'outbox.sqlite']) fs.copyFileSync(path.join(kept, file), path.join(dataDir, file));
    const built = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Omit<BenchCache, 'dataDir' | 'isBuilt' | 'buildSeconds'>;
    return { ...built, dataDir, isBuilt: false, buildSeconds: (performance.now() - started) / 1000 };
  }
  // Times a fixed day apart from the wall clock: a kept build stays consistent with the options it was made for.
  const now = Math.floor(options.now / DAY) * DAY;
  const nowIso = new Date(now).toISOString();
  const fleet = fleetOf(options, now);
  let seedState = 42;
  const random = () => {
    seedState = (seedState * 1664525 + 1013904223) >>> 0;
    return seedState / 2 ** 32;
  };

  const handle = openCache({ dataDir, log: silentLogger });
  const applier = createApplier(handle.db, createOutbox(handle.db));
  const apply = (buckets: BucketPage[], addedBuckets: string[] = []) =>
    applier.applyPull(
      { buckets, addedBuckets, removedBuckets: [], acked: { lastSeq: 0, results: [] } } satisfies PullResponse,
      nowIso,
    );
  const bucketOf = (customerId: string) => `customer:${customerId}`;
  const page = (bucket: string, ops: Op[], done: boolean): BucketPage => ({
    bucket,
    ops,
    cursor: 'bench',
    hasMore: !done,
    bootstrap: { pageToken: done ? null : 'bench', done },
  });
  apply([], [...fleet.customers.map((customer) => bucketOf(customer.id)), 'global']);
  apply([
    page(
      'global',
      fleet.releases.map((release) => ({ op: 'put', entity: 'release', id: release.version, ver: 1, row: release })),
      true,
    ),
  ]);

  const featuresOf = new Map<string, CustomerFeature[]>();
  for (const feature of fleet.features) {
    const list = featuresOf.get(feature.customerId) ?? [];
    list.push(feature);
    featuresOf.set(feature.customerId, list);
  }
  const customerOps = (customer: Customer): Op[] => [
    { op: 'put', entity: 'customer', id: customer.id, ver: 1, row: customer },
    ...(featuresOf.get(customer.id) ?? []).map((feature): Op => ({
      op: 'put',
      entity: 'feature',
      id: `${customer.id}:${feature.feature}`,
      ver: 1,
      row: feature,
    })),
  ];
  for (let start = 0; start < fleet.customers.length; start += 200) {
    const chunk = fleet.customers.slice(start, start + 200);
    apply(chunk.map((customer) => page(bucketOf(customer.id), customerOps(customer), false)));
  }

  /** Applies events in pages of one bucket each, as a bootstrap pull carries them. */
  const applyEvents = (events: readonly EventInput[]) => {
    const byCustomer = new Map<string, Op[]>();
    for (const input of events) {
      const event = toTimelineEvent(input, now, random);
      const ops = byCustomer.get(event.customerId) ?? [];
      ops.push({ op: 'put', entity: 'event', id: event.id, ver: 1, row: event });
      byCustomer.set(event.customerId, ops);
    }
    apply([...byCustomer].map(([customerId, ops]) => page(bucketOf(customerId), ops, false)));
  };
  for (let start = 0; start < fleet.events.length; start += 5000) applyEvents(fleet.events.slice(start, start + 5000));
  const padCount = Math.max(options.events - fleet.events.length, 0);
  for (const batch of padEvents(fleet, {
    seed: options.seed ?? 7,
    now: new Date(now),
    count: padCount,
    batchSize: 5000,
    heavyEvents: Math.min(options.heavyEvents, padCount),
  })) {
    applyEvents(batch);
  }
  // Every bucket's last page: bootstrap done; then the full-text index, as the desk builds it after a bootstrap.
  for (let start = 0; start < fleet.customers.length; start += 200) {
    apply(fleet.customers.slice(start, start + 200).map((customer) => page(bucketOf(customer.id), [], true)));
  }
  createSearchIndexer(handle.db).indexAll();
  const heaviest = handle.db
    .prepare<[], { customer_id: string; event_count: number }>(
      'select customer_id, event_count from customer_stats order by event_count desc limit 1',
    )
    .get();
  const events = handle.db.prepare('select count(*) from events').pluck().get() as number;
  handle.db.pragma('wal_checkpoint(TRUNCATE)');
  handle.db.close();
  const built = {
    heavyCustomer: heaviest?.customer_id ?? '',
    heavyEvents: heaviest?.event_count ?? 0,
    customers: fleet.customers.length,
    events,
  };
  fs.mkdirSync(kept, { recursive: true });
  for (const file of ['cache.sqlite', 'outbox.sqlite']) fs.copyFileSync(path.join(dataDir, file), path.join(kept, file));
  fs.writeFileSync(manifest, JSON.stringify(built));
  return { ...built, dataDir, isBuilt: true, buildSeconds: (performance.now() - started) / 1000 };
}

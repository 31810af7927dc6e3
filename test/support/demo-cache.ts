import type { EventInput, TimelineEvent } from '../../shared/domain';
import { eventSignature } from '../../shared/signature';
import { ulid } from '../../shared/ulid';
import type { BucketPage, Op } from '../../shared/sync/wire';
import { createApplier } from '../../electron/db/apply';
import { createSearchIndexer } from '../../electron/db/search-index';
import { openCache, type CacheHandle } from '../../electron/db/cache';
import { createOutbox } from '../../electron/db/outbox';
import { silentLogger } from '../../electron/core/log';
import { faultRoster, generateFleet } from '../../server/demo/fleet';
import type { DemoFleet } from '../../server/demo/types';

/**
 * An ingested event as the server sends it to desks (history: recorded when it occurred; the id from
 * its time unless given), its signature computed as the server does at insert.
 */
export function asSynced(input: EventInput, id?: string): TimelineEvent {
  const occurred = Date.parse(input.occurredAt);
  return {
    id: id ?? ulid(occurred),
    customerId: input.customerId,
    occurredAt: new Date(occurred).toISOString(),
    recordedAt: new Date(occurred).toISOString(),
    kind: input.kind,
    severity: input.severity,
    source: input.source,
    actor: input.actor ?? null,
    summary: input.summary,
    body: input.body ?? null,
    feature: input.feature ?? null,
    prevValue: input.prevValue ?? null,
    newValue: input.newValue ?? null,
    links: input.links ?? {},
    properties: input.properties ?? {},
    signature: eventSignature({
      customerId: input.customerId,
      kind: input.kind,
      summary: input.summary,
      feature: input.feature ?? null,
      properties: input.properties ?? {},
    }),
  };
}

/**
 * A desk cache holding the demo fleet (60 customers, 90 days, its fault stories) as a finished
 * bootstrap leaves it, built through the real apply path: a realistic cache for the desk's queries.
 */
export function openDemoCache(dataDir: string, options: { seed?: number; now: Date }) {
  const fleet: DemoFleet = generateFleet({ seed: options.seed ?? 7, now: options.now });
  const handle: CacheHandle = openCache({ dataDir, log: silentLogger });
  const outbox = createOutbox(handle.db);
  const applier = createApplier(handle.db, outbox);
  const at = options.now.toISOString();
  const page = (bucket: string, ops: Op[], done: boolean): BucketPage => ({
    bucket,
    ops,
    cursor: 'test',
    hasMore: !done,
    bootstrap: { pageToken: done ? null : 'test', done },
  });
  const apply = (buckets: BucketPage[], addedBuckets: string[] = []) =>
    applier.applyPull({ buckets, addedBuckets, removedBuckets: [], acked: { lastSeq: 0, results: [] } }, at);
  const bucketOf = (customerId: string) => `customer:${customerId}`;
  apply([], [...fleet.customers.map((customer) => bucketOf(customer.id)), 'global']);
  apply([
    page(
      'global',
      fleet.releases.map((release) => ({ op: 'put', entity: 'release', id: release.version, ver: 1, row: release })),
      true,
    ),
  ]);
  const ops = new Map<string, Op[]>(
    fleet.customers.map((customer) => [customer.id, [{ op: 'put', entity: 'customer', id: customer.id, ver: 1, row: customer }]]),
  );
  for (const feature of fleet.features)
    ops
      .get(feature.customerId)
      ?.push({ op: 'put', entity: 'feature', id: `${feature.customerId}:${feature.feature}`, ver: 1, row: feature });
  for (const input of fleet.events) {
    const event = asSynced(input);
    ops.get(event.customerId)?.push({ op: 'put', entity: 'event', id: event.id, ver: 1, row: event });
  }
  apply([...ops].map(([customerId, list]) => page(bucketOf(customerId), list, true)));
  // Searchable, as a desk's cache is once it has indexed the bootstrap (search-index.ts).
  createSearchIndexer(handle.db).indexAll();
  return { handle, outbox, fleet, roster: faultRoster(fleet) };
}

import type Database from 'better-sqlite3';
import { faultRoster, generateFleet } from '../../../../server/demo/fleet';
import type { DemoFault, DemoFleet } from '../../../../server/demo/types';
import { EventInputSchema } from '../../../../shared/domain';
import { customerBucket, GLOBAL_BUCKET, type Op } from '../../../../shared/sync/wire';
import { ulid } from '../../../../shared/ulid';
import { createApplier } from '../../../../electron/db/apply';
import { createSearchIndexer } from '../../../../electron/db/search-index';
import type { Outbox } from '../../../../electron/db/outbox';
import { pullResponse, put } from '../../../support/rows';

/** The moment the demo fleet is generated at; tests run their clocks from here. */
export const FLEET_NOW = '2026-11-20T12:00:00.000Z';

let cached: DemoFleet | null = null;

/** The deterministic demo fleet the reference server seeds (50 customers, 90 days). */
export function demoFleet(): DemoFleet {
  cached ??= generateFleet({ seed: 7, now: new Date(FLEET_NOW), customers: 50 });
  return cached;
}

/** The first customer of the fleet that carries `fault`. */
export function customerWithFault(fault: DemoFault): string {
  const id = faultRoster(demoFleet())[fault][0];
  if (!id) throw new Error(`the demo fleet has no customer with ${fault}`);
  return id;
}

/**
 * Writes demo customers into a desk cache through the real apply path (the same
 * code a sync pull runs): customer and feature rows, every event, threads.
 */
export function seedCustomers(db: Database.Database, outbox: Outbox, customerIds: readonly string[]): void {
  const fleet = demoFleet();
  const applier = createApplier(db, outbox);
  const buckets = customerIds.map(customerBucket);
  applier.applyPull(pullResponse([], { addedBuckets: [...buckets, GLOBAL_BUCKET] }), FLEET_NOW);
  for (const customerId of customerIds) {
    const customer = fleet.customers.find((candidate) => candidate.id === customerId);
    if (!customer) throw new Error(`no demo customer ${customerId}`);
    const ops: Op[] = [put('customer', customer.id, customer)];
    for (const feature of fleet.features.filter((row) => row.customerId === customerId))
      ops.push(put('feature', `${customerId}:${feature.feature}`, feature));
    for (const input of fleet.events.filter((event) => event.customerId === customerId)) {
      const event = EventInputSchema.parse(input);
      const id = ulid(Date.parse(event.occurredAt));
      ops.push(put('event', id, { ...event, id, recordedAt: event.occurredAt }));
    }
    applier.applyPull(
      pullResponse([{ bucket: customerBucket(customerId), ops, bootstrap: { pageToken: null, done: true } }]),
      FLEET_NOW,
    );
  }
  // Searchable, as a desk's cache is once it has indexed the bootstrap (search-index.ts).
  createSearchIndexer(db).indexAll();
}

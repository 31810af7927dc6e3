import { faultRoster, generateFleet } from '../../../server/demo/fleet';
import { seedDemo } from '../../../server/demo/seed';
import type { DemoCustomerState, DemoFault, DemoFleet } from '../../../server/demo/types';
import { silentLogger } from '../../../server/log';
import type { Storage } from '../../../server/storage/types';
import { request, type JsonResponse } from '../support/server';

/** The moment the fleet's history ends; test clocks start a minute later. */
export const NOW = Date.parse('2026-11-27T12:00:00.000Z');

export type SmallFleet = {
  fleet: DemoFleet;
  /** The first customer carrying each fault. */
  faulty: Record<DemoFault, string>;
  /** Live customers without any fault. */
  healthy: string[];
  name(customerId: string): string;
  state(customerId: string): DemoCustomerState;
};

let generated: DemoFleet | null = null;

/**
 * Seeds the demo fleet's faulty customers and a few healthy ones (with their
 * history) through the real seeding path — the whole fleet is not needed and
 * would only slow the suite down.
 */
export async function seedSmallFleet(storage: Storage, healthyCount = 8): Promise<SmallFleet> {
  generated ??= generateFleet({ seed: 1, now: new Date(NOW) });
  const full = generated;
  const roster = faultRoster(full);
  const faulty = Object.fromEntries(Object.entries(roster).map(([fault, ids]) => [fault, ids[0] ?? ''])) as Record<
    DemoFault,
    string
  >;
  for (const [fault, id] of Object.entries(faulty)) if (!id) throw new Error(`the demo fleet has no customer with ${fault}`);
  const healthy = full.states
    .filter(
      (state) =>
        state.faults.length === 0 && full.customers.find((customer) => customer.id === state.customerId)?.lifecycle === 'live',
    )
    .slice(0, healthyCount)
    .map((state) => state.customerId);
  const keep = new Set([...Object.values(roster).flat(), ...healthy]);
  const fleet: DemoFleet = {
    customers: full.customers.filter((customer) => keep.has(customer.id)),
    features: full.features.filter((feature) => keep.has(feature.customerId)),
    events: full.events.filter((event) => keep.has(event.customerId)),
    releases: full.releases,
    states: structuredClone(full.states.filter((state) => keep.has(state.customerId))),
  };
  await seedDemo(storage, {
    seed: 1,
    now: NOW,
    log: silentLogger,
    generators: { generateFleet: () => fleet, padEvents: () => [] },
  });
  return {
    fleet,
    faulty,
    healthy,
    name: (customerId) => fleet.customers.find((customer) => customer.id === customerId)?.name ?? customerId,
    state: (customerId) => {
      const state = fleet.states.find((candidate) => candidate.customerId === customerId);
      if (!state) throw new Error(`no state for ${customerId}`);
      return state;
    },
  };
}

/** A JSON client for one token. */
export function client(url: string, bearer: string) {
  return {
    post: (path: string, body: unknown): Promise<JsonResponse> => request(url, 'POST', path, bearer, body),
    put: (path: string, body: unknown): Promise<JsonResponse> => request(url, 'PUT', path, bearer, body),
    get: (path: string): Promise<JsonResponse> => request(url, 'GET', path, bearer),
  };
}

export type Client = ReturnType<typeof client>;

let keyCounter = 0;

/** A fresh idempotency key. */
export function newKey(label = 'key'): string {
  keyCounter += 1;
  return `${label}-${process.pid}-${keyCounter}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Rows of a table matching a condition (for checks on what the server stored). */
export async function count(storage: Storage, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [row] = await storage.query<{ count: number }>(`select count(*)::integer as count from ${table} where ${where}`, params);
  return row?.count ?? 0;
}

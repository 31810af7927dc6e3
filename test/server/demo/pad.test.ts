import { describe, expect, it } from 'vitest';
import { EventInputSchema, type EventInput } from '../../../shared/domain';
import { padEvents } from '../../../server/demo/fleet';
import { NOW, fleetFor, openThreads } from './support';

const fleet = fleetFor(42);
const DAY = 86_400_000;

function collect(count: number, batchSize?: number, seed = 5): { batches: number[]; events: EventInput[] } {
  const batches: number[] = [];
  const events: EventInput[] = [];
  for (const batch of padEvents(fleet, { seed, now: NOW, count, ...(batchSize === undefined ? {} : { batchSize }) })) {
    batches.push(batch.length);
    events.push(...batch);
  }
  return { batches, events };
}

describe('padEvents', () => {
  it('yields exactly count events in batches of at most batchSize', () => {
    const { batches, events } = collect(12_345, 5_000);
    expect(events.length).toBe(12_345);
    expect(batches).toEqual([5_000, 5_000, 2_345]);
    expect(collect(7, 2).batches).toEqual([2, 2, 2, 1]);
    expect(collect(0).events).toEqual([]);
  });

  it('gives unique external ids, also against the fleet’s own history', () => {
    const { events } = collect(30_001);
    const ids = new Set([...fleet.events, ...events].map((event) => event.source.externalId));
    expect(ids.size).toBe(fleet.events.length + events.length);
  });

  it('produces valid routine events inside the window, on the fleet’s customers, with every thread closed', () => {
    const { events } = collect(20_000);
    const customers = new Map(fleet.customers.map((customer) => [customer.id, customer]));
    const start = NOW.getTime() - 90 * DAY;
    // Collected, not asserted one by one: 20,000 expect() calls would dominate the run time.
    const problems: string[] = [];
    for (const event of events) {
      const parsed = EventInputSchema.safeParse(event);
      if (!parsed.success) problems.push(`${event.source.externalId}: ${parsed.error.message}`);
      const at = Date.parse(event.occurredAt);
      const customer = customers.get(event.customerId);
      if (!customer) problems.push(`${event.source.externalId}: unknown customer ${event.customerId}`);
      else if (at < Math.max(start, Date.parse(customer.createdAt)) || at > NOW.getTime())
        problems.push(`${event.source.externalId}: outside the window at ${event.occurredAt}`);
      if (event.severity === 'error' || event.severity === 'critical')
        problems.push(`${event.source.externalId}: filler with severity ${event.severity}`);
    }
    expect(problems).toEqual([]);
    const kinds = new Set(events.map((event) => event.kind));
    for (const kind of ['usage', 'alert', 'deploy', 'ticket', 'error_spike']) expect(kinds).toContain(kind);
    expect(openThreads(events).size).toBe(0);
    // Customers spread: most of the fleet gets filler.
    expect(new Set(events.map((event) => event.customerId)).size).toBeGreaterThan(fleet.customers.length * 0.8);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(collect(2_000, 500, 9).events).toEqual(collect(2_000, 700, 9).events);
    expect(collect(2_000, 500, 10).events).not.toEqual(collect(2_000, 500, 9).events);
  });

  it('gives about heavyEvents of them to one customer, and the same events as before without it', () => {
    const count = 20_000;
    const heavy = [...padEvents(fleet, { seed: 3, now: NOW, count, heavyEvents: 10_000 })].flat();
    expect(heavy).toHaveLength(count);
    const perCustomer = new Map<string, number>();
    for (const event of heavy) perCustomer.set(event.customerId, (perCustomer.get(event.customerId) ?? 0) + 1);
    const largest = Math.max(...perCustomer.values());
    // Its own 10,000 plus its share of the rest, give or take the randomness.
    expect(largest).toBeGreaterThan(9_000);
    expect(largest).toBeLessThan(12_000);
    expect([...padEvents(fleet, { seed: 3, now: NOW, count: 500, heavyEvents: 0 })].flat()).toEqual(
      [...padEvents(fleet, { seed: 3, now: NOW, count: 500 })].flat(),
    );
    expect(() => padEvents(fleet, { seed: 1, now: NOW, count: 10, heavyEvents: 11 }).next()).toThrow(/heavyEvents must be/);
  });

  it('streams: it yields the first batch before generating the rest', () => {
    const iterator = padEvents(fleet, { seed: 1, now: NOW, count: Number.MAX_SAFE_INTEGER, batchSize: 100 });
    const first = iterator.next();
    expect(first.done).toBe(false);
    expect(first.value).toHaveLength(100);
    iterator.return(undefined);
  });

  it('refuses bad options', () => {
    expect(() => padEvents(fleet, { seed: 1, now: NOW, count: -1 }).next()).toThrow(/count must be/);
    expect(() => padEvents(fleet, { seed: 1, now: NOW, count: 10, batchSize: 0 }).next()).toThrow(/batchSize must be/);
    expect(() => padEvents({ customers: [], features: [] }, { seed: 1, now: NOW, count: 10 }).next()).toThrow(/no customer/);
  });
});

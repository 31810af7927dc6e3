import type { EventInput } from '../../../shared/domain';
import { generateFleet } from '../../../server/demo/fleet';
import type { DemoFleet } from '../../../server/demo/types';

/** The moment the tests' fleets are generated at. */
export const NOW = new Date('2026-11-27T12:00:00.000Z');

const cache = new Map<number, DemoFleet>();

/** A fleet per seed, generated once per test file (generation is pure, so sharing is safe as long as tests do not mutate it). */
export function fleetFor(seed: number): DemoFleet {
  let fleet = cache.get(seed);
  if (!fleet) {
    fleet = generateFleet({ seed, now: NOW });
    cache.set(seed, fleet);
  }
  return fleet;
}

export function eventsOf(fleet: Pick<DemoFleet, 'events'>, customerId: string): EventInput[] {
  return fleet.events
    .filter((event) => event.customerId === customerId)
    .sort((left, right) => Date.parse(left.occurredAt) - Date.parse(right.occurredAt));
}

export function property(event: EventInput, key: string): unknown {
  return event.properties?.[key];
}

/** Open alert/incident/ticket threads after replaying events in time order: `<customer>|<kind>|<thread>` → the opening event. */
export function openThreads(events: readonly EventInput[]): Map<string, EventInput> {
  const open = new Map<string, EventInput>();
  const ordered = [...events].sort((left, right) => Date.parse(left.occurredAt) - Date.parse(right.occurredAt));
  for (const event of ordered) {
    const thread = property(event, 'thread');
    if (typeof thread !== 'string' || !['alert', 'incident', 'ticket'].includes(event.kind)) continue;
    const key = `${event.customerId}|${event.kind}|${thread}`;
    const status = property(event, 'status');
    if (status === 'open' && !open.has(key)) open.set(key, event);
    if (status === 'resolved') open.delete(key);
  }
  return open;
}

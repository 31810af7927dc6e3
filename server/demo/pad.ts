import type { EventInput } from '../../shared/domain';
import { INFRA_COMPONENTS, ROUTINE_ALERTS, ROUTINE_TICKETS, HOWTO_TICKETS, isDemoFeature } from './catalog';
import {
  DAY,
  HOUR,
  MINUTE,
  USAGE_UNITS,
  alertOpen,
  alertResolved,
  infraDeploy,
  iso,
  ticketOpen,
  ticketResolved,
  usageSignal,
} from './events';
import { createRandom, hashSeed, itemAt } from './random';
import type { DemoFleet } from './types';

export type PadOptions = {
  seed: number;
  now: Date;
  /** Exactly this many events are yielded in total. */
  count: number;
  /** Events per yielded batch (the last one may be smaller); default 5000. */
  batchSize?: number;
  /** Days of history to spread the events over; default 90. */
  days?: number;
  /**
   * About this many of the events go to one customer (the first with enough history), the rest
   * spread over all: benchmarks need one customer with a long history (100,000 events). Default 0.
   */
  heavyEvents?: number;
};

type Target = { id: string; region: string; from: number; span: number; features: string[]; contact: string };

/** Pairs need room after their first event: resolves land up to this long after it. */
const PAIR_ROOM = 6 * HOUR;

function targets(fleet: Pick<DemoFleet, 'customers' | 'features'>, startMs: number, nowMs: number): Target[] {
  const enabled = new Map<string, string[]>();
  for (const row of fleet.features) {
    if (!row.enabled) continue;
    const list = enabled.get(row.customerId) ?? [];
    list.push(row.feature);
    enabled.set(row.customerId, list);
  }
  const out: Target[] = [];
  for (const customer of fleet.customers) {
    const from = Math.max(startMs, Date.parse(customer.createdAt));
    // A churned customer's history ends at its last update: nothing happens after the end of its term.
    const to = customer.lifecycle === 'churned' ? Math.min(nowMs, Date.parse(customer.updatedAt)) : nowMs;
    if (to - from < 2 * PAIR_ROOM) continue;
    const features = enabled.get(customer.id) ?? [];
    out.push({
      id: customer.id,
      region: customer.region,
      from,
      span: to - from - PAIR_ROOM,
      features: features.length > 0 ? features : ['analytics', 'exports'],
      contact: `ops@${customer.id}.example`,
    });
  }
  return out;
}

/**
 * Routine filler history for benchmarks: usage signals, alerts that fire and
 * resolve, infrastructure deploys, tickets that are opened and solved, short
 * error spikes — spread over the fleet's customers and the history window.
 * Yields exactly `count` events in batches of at most `batchSize`, each with a
 * unique `source.externalId` (`pad-<seed>-<n>`), never holding more than one
 * batch. Every alert and ticket it opens it also resolves, so the desk's open
 * items stay those of the real fleet. Same fleet and options → same events.
 */
export function* padEvents(fleet: Pick<DemoFleet, 'customers' | 'features'>, options: PadOptions): Generator<EventInput[]> {
  const { count, seed } = options;
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
    throw new RangeError(`batchSize must be an integer from 1 to 100000, got ${String(batchSize)}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  const nowMs = options.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');
  const days = options.days ?? 90;
  const pool = targets(fleet, nowMs - days * DAY, nowMs);
  if (count > 0 && pool.length === 0) throw new RangeError('the fleet has no customer with enough history to pad');

  const random = createRandom(hashSeed(seed, 'pad'));
  const heavyEvents = options.heavyEvents ?? 0;
  if (!Number.isSafeInteger(heavyEvents) || heavyEvents < 0 || heavyEvents > count)
    throw new RangeError(`heavyEvents must be an integer from 0 to count, got ${String(heavyEvents)}`);
  // A stream of its own, so padding without a heavy customer stays exactly what it was.
  const heavyRandom = createRandom(hashSeed(seed, 'pad-heavy'));
  const heavyShare = count > 0 ? heavyEvents / count : 0;
  let batch: EventInput[] = [];
  let emitted = 0;
  let unit = 0;
  const prefix = `pad-${seed}-`;
  while (emitted < count) {
    const remaining = count - emitted;
    const spread = itemAt(pool, Math.floor(random.next() * pool.length));
    const target = heavyShare > 0 && heavyRandom.next() < heavyShare ? itemAt(pool, 0) : spread;
    const feature = itemAt(target.features, Math.floor(random.next() * target.features.length));
    const at = target.from + Math.floor((random.next() * target.span) / 1000) * 1000;
    const roll = random.next();
    const key = `${prefix}${unit}`;
    unit += 1;
    const produced: EventInput[] = [];
    if (roll < 0.15 && remaining >= 2) {
      const spec = ROUTINE_ALERTS[isDemoFeature(feature) ? feature : 'api_access'];
      const value = Math.round(spec.threshold * (1.1 + random.next()) * 10) / 10;
      const summary = `${spec.text}: ${value}${spec.unit} (threshold ${spec.threshold}${spec.unit})`;
      const minutes = 2 + Math.floor(random.next() * 90);
      const thread = `am-${key}`;
      produced.push(
        alertOpen({
          customerId: target.id,
          at,
          externalId: `alertmanager:${key}:open`,
          thread,
          alertname: spec.name,
          severity: random.next() < 0.7 ? 'info' : 'warning',
          summary,
          feature,
          value,
          threshold: spec.threshold,
        }),
        alertResolved({
          customerId: target.id,
          at: at + minutes * MINUTE,
          externalId: `alertmanager:${key}:resolved`,
          thread,
          alertname: spec.name,
          summary,
          feature,
          firedForMinutes: minutes,
        }),
      );
    } else if (roll < 0.21 && remaining >= 2) {
      const templates = isDemoFeature(feature) ? ROUTINE_TICKETS[feature] : HOWTO_TICKETS;
      const template = itemAt(templates, Math.floor(random.next() * templates.length));
      const ticket = `SUP-${10_000_000 + unit}`;
      const solvedAfter = (30 + Math.floor(random.next() * 300)) * MINUTE;
      produced.push(
        ticketOpen({
          customerId: target.id,
          at,
          externalId: `zendesk:${key}:open`,
          ticket,
          subject: template.subject,
          requester: target.contact,
          message: template.ask,
          feature,
        }),
        ticketResolved({
          customerId: target.id,
          at: at + solvedAfter,
          externalId: `zendesk:${key}:resolved`,
          ticket,
          subject: template.subject,
          agent: 'support',
          resolution: template.answer,
          feature,
        }),
      );
    } else if (roll < 0.31) {
      const component = itemAt(INFRA_COMPONENTS, Math.floor(random.next() * INFRA_COMPONENTS.length));
      produced.push(
        infraDeploy({
          customerId: target.id,
          at,
          externalId: `deploybot:${key}`,
          component,
          build: `${1 + Math.floor(random.next() * 9)}.${Math.floor(random.next() * 40)}.${Math.floor(random.next() * 20)}`,
          region: target.region,
        }),
      );
    } else if (roll < 0.36) {
      produced.push({
        customerId: target.id,
        occurredAt: iso(at),
        kind: 'error_spike',
        severity: 'warning',
        source: { system: 'alertmanager', externalId: `alertmanager:${key}` },
        actor: null,
        summary: `${feature}: error rate ${2 + Math.floor(random.next() * 6)}× baseline for ${1 + Math.floor(random.next() * 4)} minutes`,
        body: null,
        feature,
        links: {},
        properties: {},
      });
    } else {
      const usage = USAGE_UNITS[feature] ?? { unit: 'events', perMinute: [1, 100] };
      const [low, high] = usage.perMinute;
      produced.push(
        usageSignal({
          customerId: target.id,
          at,
          externalId: `analytics:${key}`,
          feature,
          amount: Math.round((low + random.next() * (high - low)) * 60),
          unit: usage.unit,
          window: 'hour',
        }),
      );
    }
    for (const event of produced) {
      batch.push(event);
      emitted += 1;
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

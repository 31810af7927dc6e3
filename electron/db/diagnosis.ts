import type Database from 'better-sqlite3';
import { CHANGE_KINDS, type Severity } from '../../shared/domain';
import { changedRelease, describeChange } from '../../shared/diagnosis/changes';
import { describeImpact, impactHeadline, type ImpactCount, type SharedChange } from '../../shared/diagnosis/impact';
import { rankSuspects, type CandidateChange, type SignalFacts } from '../../shared/diagnosis/suspects';
import type {
  AffectedCustomer,
  CustomerDiagnosis,
  SignalSeries,
  SignalView,
  SuspectsOutput,
  WhoElseOutput,
} from '../../shared/ipc/diagnosis-views';
import { DeskError } from '../../shared/ipc/result';
import { parseJson } from './queries';
import { createSignatureSeen } from './signature-seen';
import { storedChangeFacts } from './stored-change';

/**
 * Diagnosis queries of the cache (issue 12): suspect changes before a signal and
 * who else has the same signature, read offline from what was synced. The rules
 * (score, words) are pure and live in shared/diagnosis/; this module only reads.
 *
 * Cost: one range scan of `events_by_signature_occurred_at` for the affected
 * customers, then per affected customer one range of the covering index
 * `events_by_customer_occurred_at_change_key` over its changes in the hours
 * before its first signal (at most `MAX_ECHO_CUSTOMERS` of them), grouped by the
 * change key apply keeps on each change (cache migration 15); only the changes
 * shown are read in full.
 */

const HOUR = 3_600_000;
/** Hours before a signal searched for changes (suspects, and changes the affected customers share). */
export const DEFAULT_CHANGE_WINDOW_HOURS = 24;
/** Hours either side of a signal searched for the same signature on other customers. */
export const DEFAULT_WHO_ELSE_WINDOW_HOURS = 72;
/** A signal's start: its earliest event with the same signature on the customer within this many hours before. */
const SIGNAL_START_LOOKBACK_HOURS = 24;
/** Other customers whose changes are read for the fleet evidence; the rest are counted, not read. */
const MAX_ECHO_CUSTOMERS = 100;
const MAX_LISTED = 200;
/** The signal chart: hours before the signal's start it begins, hourly buckets up to a week, daily beyond, at most 90 days. */
const DEFAULT_CHART_HOURS_BEFORE = 48;
const HOURLY_CHART_MAX_MS = 7 * 24 * HOUR;
const MAX_CHART_MS = 90 * 24 * HOUR;

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, notice: 1, warning: 2, error: 3, critical: 4 };

type EventRaw = {
  id: string;
  customer_id: string;
  occurred_at: string;
  kind: string;
  severity: Severity;
  summary: string;
  feature: string | null;
  actor: string | null;
  prev_value: string | null;
  new_value: string | null;
  links: string;
  properties: string;
  signature: string | null;
};

type CustomerRaw = {
  id: string;
  name: string;
  version: string;
  plan: AffectedCustomer['plan'];
  region: string;
  lifecycle: AffectedCustomer['lifecycle'];
  health: AffectedCustomer['health'];
};

function toCandidate(raw: EventRaw): CandidateChange {
  return { ...storedChangeFacts(raw), id: raw.id, occurredAt: raw.occurred_at, actor: raw.actor };
}

const isoMinus = (at: string, hours: number) => new Date(Date.parse(at) - hours * HOUR).toISOString();
const isoPlus = (at: string, hours: number) => new Date(Date.parse(at) + hours * HOUR).toISOString();

/** The affected customers who had one change before their first signal; its words are read when asked for. */
type SharedBefore = { customers: Set<string>; describe: () => { label: string; release: string | null } };

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function createDiagnosis(db: Database.Database, options: { now: () => number }) {
  const signatureSeen = createSignatureSeen(db);
  const changeKinds = JSON.stringify(CHANGE_KINDS);
  const eventOne = db.prepare<[string], EventRaw>('select * from events where id = ?');
  const signalStart = db
    .prepare<[string, string, string, string], string | null>(
      'select min(occurred_at) from events where signature = ? and customer_id = ? and occurred_at >= ? and occurred_at <= ?',
    )
    .pluck();
  const changesBefore = db.prepare<{ customerId: string; from: string; to: string; kinds: string }, EventRaw>(
    `select * from events
     where customer_id = @customerId and kind in (select value from json_each(@kinds))
       and occurred_at >= @from and occurred_at <= @to
     order by occurred_at desc, id desc limit 500`,
  );
  // One covering index range per affected customer (events_by_customer_occurred_at_change_key), grouped by change
  // key: who had it, and the change that says it best (an upgrade before a deploy of the same release, else the first).
  const changeKeysOfMany = db.prepare<{ windows: string }, { change_key: string; customers: string; sample: string }>(
    `with windows(customer_id, from_at, to_at) as (
       select json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') from json_each(@windows))
     select e.change_key, json_group_array(distinct e.customer_id) as customers,
       min(case e.kind when 'version_upgrade' then '0' else '1' end || e.id) as sample
     from windows w cross join events e
     where e.customer_id = w.customer_id and e.change_key is not null
       and e.occurred_at >= w.from_at and e.occurred_at <= w.to_at
     group by e.change_key`,
  );
  const affectedBySignature = db.prepare<[string, string, string], { customer_id: string; first_at: string; events: number }>(
    `select customer_id, min(occurred_at) as first_at, count(*) as events from events
     where signature = ? and occurred_at >= ? and occurred_at <= ? group by customer_id order by first_at`,
  );
  // The signal chart's counts: one range of events_by_signature_occurred_at (it covers customer_id), grouped by bucket.
  const signatureBuckets = db.prepare<
    { signature: string; customerId: string; from: string; to: string; fromMs: number; bucketMs: number },
    { bucket: number; customer: number; fleet: number; fleet_customers: number }
  >(
    `select cast((round((julianday(occurred_at) - 2440587.5) * 86400000) - @fromMs) / @bucketMs as integer) as bucket,
       sum(customer_id = @customerId) as customer, sum(customer_id <> @customerId) as fleet,
       count(distinct case when customer_id <> @customerId then customer_id end) as fleet_customers
     from events where signature = @signature and occurred_at >= @from and occurred_at < @to
     group by bucket order by bucket`,
  );
  const customerOne = db.prepare<[string], CustomerRaw>(
    'select id, name, version, plan, region, lifecycle, health from customers where id = ?',
  );
  const fleetRows = db.prepare<[], CustomerRaw>(
    "select id, name, version, plan, region, lifecycle, health from customers where lifecycle <> 'churned'",
  );
  const openSignals = db.prepare<[string], { event_id: string; kind: string; severity: Severity; opened_at: string }>(
    `select event_id, kind, severity, opened_at from threads
     where customer_id = ? and status = 'open' and kind in ('alert', 'incident', 'ticket')`,
  );
  const recentSignal = db.prepare<[string, string], EventRaw>(
    `select * from events where customer_id = ? and kind in ('error_spike', 'alert', 'incident') and occurred_at >= ?
       and severity in ('warning', 'error', 'critical')
     order by occurred_at desc limit 1`,
  );
  const unhealthyFeature = db.prepare<[string], { feature: string; health: string; last_signal_at: string | null }>(
    `select feature, health, last_signal_at from customer_features where customer_id = ? and health in ('down', 'degraded')
     order by case health when 'down' then 0 else 1 end, feature limit 1`,
  );

  function eventOrThrow(eventId: string): EventRaw {
    const raw = eventOne.get(eventId);
    if (!raw) throw new DeskError('not_found', `Event ${eventId} is not in the local cache; sync, then try again.`);
    return raw;
  }

  function signalOf(raw: EventRaw): SignalView {
    if ((CHANGE_KINDS as readonly string[]).includes(raw.kind)) {
      throw new DeskError(
        'bad_request',
        `This event is a change (${raw.kind}), not a signal; open the alert, error, incident or ticket it may have caused.`,
      );
    }
    const start =
      raw.signature === null
        ? raw.occurred_at
        : (signalStart.get(
            raw.signature,
            raw.customer_id,
            isoMinus(raw.occurred_at, SIGNAL_START_LOOKBACK_HOURS),
            raw.occurred_at,
          ) ?? raw.occurred_at);
    return {
      eventId: raw.id,
      customerId: raw.customer_id,
      kind: raw.kind,
      summary: raw.summary,
      feature: raw.feature,
      occurredAt: start,
      signature: raw.signature,
    };
  }

  function changesOf(customerId: string, to: string, hours: number): CandidateChange[] {
    return changesBefore.all({ customerId, from: isoMinus(to, hours), to, kinds: changeKinds }).map(toCandidate);
  }

  /** Other customers with the signature in the window: who, first seen when, how often. */
  function affectedOthers(signal: SignalView, windowHours: number) {
    if (signal.signature === null) return [];
    return affectedBySignature
      .all(signal.signature, isoMinus(signal.occurredAt, windowHours), isoPlus(signal.occurredAt, windowHours))
      .filter((row) => row.customer_id !== signal.customerId);
  }

  /** changeKey → the affected customers who had that change in the hours before their first signal (one statement for all). */
  function changesBeforeFirstSignal(
    affected: readonly { customer_id: string; first_at: string }[],
    changeWindowHours: number,
  ): Map<string, SharedBefore> {
    const byKey = new Map<string, SharedBefore>();
    const windows = affected
      .slice(0, MAX_ECHO_CUSTOMERS)
      .map((row) => [row.customer_id, isoMinus(row.first_at, changeWindowHours), row.first_at]);
    if (windows.length === 0) return byKey;
    for (const row of changeKeysOfMany.all({ windows: JSON.stringify(windows) })) {
      const customers = new Set(parseJson(row.customers) as string[]);
      let described: { label: string; release: string | null } | null = null;
      // Read in full only when shown: who-else lists at most 10 changes, suspects only count the customers.
      const describe = () => {
        if (described) return described;
        const raw = eventOne.get(row.sample.slice(1));
        const change = raw ? toCandidate(raw) : null;
        described = change
          ? { label: describeChange(change), release: changedRelease(change) }
          : { label: row.change_key, release: null };
        return described;
      };
      byKey.set(row.change_key, { customers, describe });
    }
    return byKey;
  }

  /** Fleet evidence of one request, computed once: its other customers and the changes before their first signal. Reset as each public call begins (the cache may have changed). */
  let memo = new Map<string, unknown>();
  function once<T>(key: string, compute: () => T): T {
    if (!memo.has(key)) memo.set(key, compute());
    return memo.get(key) as T;
  }
  const othersOf = (signal: SignalView, windowHours: number) =>
    once(`others\u0000${signal.eventId}\u0000${signal.occurredAt}\u0000${windowHours}`, () =>
      affectedOthers(signal, windowHours),
    );
  /** changesBeforeFirstSignal over the other affected customers and this one. */
  const sharedBefore = (signal: SignalView, windowHours: number, changeWindowHours: number) =>
    once(`shared\u0000${signal.eventId}\u0000${signal.occurredAt}\u0000${windowHours}\u0000${changeWindowHours}`, () => {
      const rows = [...othersOf(signal, windowHours)];
      if (signal.signature !== null) rows.push({ customer_id: signal.customerId, first_at: signal.occurredAt, events: 1 });
      return changesBeforeFirstSignal(rows, changeWindowHours);
    });
  function suspectsFor(signal: SignalView, windowHours: number, limit: number) {
    const facts: SignalFacts = signal;
    const candidates = changesOf(signal.customerId, signal.occurredAt, windowHours);
    const echo = new Map<string, number>();
    if (signal.signature !== null && candidates.length > 0) {
      // The same statement whoElse runs for the shared changes (self included), read once per request.
      for (const [key, entry] of sharedBefore(signal, DEFAULT_WHO_ELSE_WINDOW_HOURS, windowHours)) {
        const others = entry.customers.size - Number(entry.customers.has(signal.customerId));
        if (others > 0) echo.set(key, others);
      }
    }
    return rankSuspects(facts, candidates, echo).slice(0, limit);
  }

  function whoElseFor(signal: SignalView, windowHours: number, changeWindowHours: number): WhoElseOutput {
    const from = isoMinus(signal.occurredAt, windowHours);
    const to = isoPlus(signal.occurredAt, windowHours);
    const others = othersOf(signal, windowHours);
    const fleet = fleetRows.all();
    const byId = new Map(fleet.map((customer) => [customer.id, customer]));
    const self = customerOne.get(signal.customerId) ?? null;
    const affectedIds = new Set(others.map((row) => row.customer_id));
    if (signal.signature !== null) affectedIds.add(signal.customerId);
    const affectedCustomers = [...affectedIds]
      .map((id) => byId.get(id) ?? (id === self?.id ? self : customerOne.get(id)))
      .filter((customer): customer is CustomerRaw => customer !== undefined);
    const dimension = (key: (customer: CustomerRaw) => string): ImpactCount[] => {
      const inFleet = countBy(fleet, key);
      const hit = countBy(affectedCustomers, key);
      return [...new Set([...inFleet.keys(), ...hit.keys()])]
        .map((value) => ({ value, affected: hit.get(value) ?? 0, fleet: inFleet.get(value) ?? 0 }))
        .sort((a, b) => b.affected - a.affected || b.fleet - a.fleet || (a.value < b.value ? -1 : 1));
    };
    const versions = dimension((customer) => customer.version);
    const shared: SharedChange[] = [...sharedBefore(signal, windowHours, changeWindowHours)]
      .filter(([, entry]) => entry.customers.size > 1)
      .sort(([keyA, a], [keyB, b]) => b.customers.size - a.customers.size || (keyA < keyB ? -1 : 1))
      .slice(0, 10)
      .map(([key, entry]) => {
        const { label, release } = entry.describe();
        const onVersion = release === null ? null : versions.find((item) => item.value === release);
        return {
          changeKey: key,
          label,
          affected: entry.customers.size,
          unaffected: onVersion ? Math.max(0, onVersion.fleet - onVersion.affected) : null,
        };
      });
    const thisVersion = self?.version ?? null;
    const sameVersionOthers = others.filter((row) => byId.get(row.customer_id)?.version === thisVersion).length;
    const affectedCount = affectedIds.size;
    const facts = {
      kind: signal.kind,
      others: others.length,
      affectedCount,
      fleetSize: fleet.length,
      thisVersion,
      sameVersionOthers,
      versions,
      sharedChanges: shared,
      windowHours,
      changeWindowHours,
    };
    return {
      signal,
      windowHours,
      changeWindowHours,
      from,
      to,
      fleetSize: fleet.length,
      affectedCount,
      others: others.length,
      thisVersion,
      sameVersionOthers,
      customers: others.slice(0, MAX_LISTED).flatMap((row) => {
        const customer = byId.get(row.customer_id) ?? customerOne.get(row.customer_id);
        return customer ? [{ ...customer, firstAt: row.first_at, events: row.events }] : [];
      }),
      breakdown: {
        version: versions,
        plan: dimension((customer) => customer.plan),
        region: dimension((customer) => customer.region),
        lifecycle: dimension((customer) => customer.lifecycle),
      },
      sharedChanges: shared,
      headline:
        signal.signature === null
          ? `This ${signal.kind === 'ticket' ? 'ticket' : 'event'} has no signature, so it cannot be matched on other customers.`
          : impactHeadline(facts),
      lines: signal.signature === null ? [] : describeImpact(facts),
      seen: signal.signature === null ? null : signatureSeen.seen(signal.signature, from, to),
    };
  }

  /** The signal the customer page explains: the worst open alert or incident, else a recent error, an open ticket, an unhealthy feature. */
  function customerSignal(customerId: string): SignalView | null {
    const open = openSignals
      .all(customerId)
      .sort(
        (a, b) =>
          Number(b.kind !== 'ticket') - Number(a.kind !== 'ticket') ||
          SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
          (a.opened_at < b.opened_at ? 1 : -1),
      );
    const firstOpen = open.find((row) => row.kind !== 'ticket');
    if (firstOpen) return signalOf(eventOrThrow(firstOpen.event_id));
    const recent = recentSignal.get(customerId, new Date(options.now() - 48 * HOUR).toISOString());
    if (recent) return signalOf(recent);
    const ticket = open[0];
    if (ticket) return signalOf(eventOrThrow(ticket.event_id));
    const feature = unhealthyFeature.get(customerId);
    if (feature) {
      return {
        eventId: null,
        customerId,
        kind: 'feature_health',
        summary: `${feature.feature} is ${feature.health}`,
        feature: feature.feature,
        occurredAt: feature.last_signal_at ?? new Date(options.now()).toISOString(),
        signature: null,
      };
    }
    return null;
  }

  function seriesFor(signal: SignalView, hoursBefore: number): SignalSeries {
    let suspects = suspectsFor(signal, DEFAULT_CHANGE_WINDOW_HOURS, 5);
    if (suspects.length === 0) suspects = suspectsFor(signal, 7 * DEFAULT_CHANGE_WINDOW_HOURS, 5);
    const startMs = Date.parse(signal.occurredAt);
    const endMs = Math.max(options.now(), startMs + HOUR);
    const earliest = Math.min(startMs - hoursBefore * HOUR, ...suspects.map((suspect) => Date.parse(suspect.occurredAt)));
    const firstMs = Math.max(earliest, endMs - MAX_CHART_MS);
    const bucketMs = endMs - firstMs <= HOURLY_CHART_MAX_MS ? HOUR : 24 * HOUR;
    const fromMs = Math.floor(firstMs / bucketMs) * bucketMs;
    const toMs = Math.ceil(endMs / bucketMs) * bucketMs;
    const count = Math.max(1, Math.round((toMs - fromMs) / bucketMs));
    const buckets = Array.from({ length: count }, (_, index) => ({
      at: new Date(fromMs + index * bucketMs).toISOString(),
      customer: 0,
      fleet: 0,
      fleetCustomers: 0,
    }));
    if (signal.signature !== null) {
      const rows = signatureBuckets.all({
        signature: signal.signature,
        customerId: signal.customerId,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        fromMs,
        bucketMs,
      });
      for (const row of rows) {
        const bucket = buckets[row.bucket];
        if (!bucket) continue;
        bucket.customer = row.customer;
        bucket.fleet = row.fleet;
        bucket.fleetCustomers = row.fleet_customers;
      }
    }
    return {
      signal,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      bucketMs,
      buckets,
      markers: suspects
        .map((suspect, index) => ({
          eventId: suspect.eventId,
          occurredAt: suspect.occurredAt,
          kind: suspect.kind,
          summary: suspect.summary,
          rank: index + 1,
          score: suspect.score,
        }))
        .filter((marker) => Date.parse(marker.occurredAt) >= fromMs),
    };
  }

  return {
    suspects(eventId: string, windowHours = DEFAULT_CHANGE_WINDOW_HOURS): SuspectsOutput {
      memo = new Map();
      const signal = signalOf(eventOrThrow(eventId));
      return { signal, windowHours, suspects: suspectsFor(signal, windowHours, 20) };
    },

    whoElse(eventId: string, windowHours = DEFAULT_WHO_ELSE_WINDOW_HOURS): WhoElseOutput {
      memo = new Map();
      return whoElseFor(signalOf(eventOrThrow(eventId)), windowHours, DEFAULT_CHANGE_WINDOW_HOURS);
    },

    customer(customerId: string): CustomerDiagnosis {
      memo = new Map();
      if (!customerOne.get(customerId))
        throw new DeskError('not_found', `Customer "${customerId}" is not in the local cache. Sync, then try again.`);
      const signal = customerSignal(customerId);
      if (!signal) return { signal: null, suspects: [], impact: null };
      // Tickets and entitlement problems often follow their change by days: look back a week when the day before is empty.
      let suspects = suspectsFor(signal, DEFAULT_CHANGE_WINDOW_HOURS, 3);
      if (suspects.length === 0) suspects = suspectsFor(signal, 7 * DEFAULT_CHANGE_WINDOW_HOURS, 3);
      if (signal.signature === null) return { signal, suspects, impact: null };
      const impact = whoElseFor(signal, DEFAULT_WHO_ELSE_WINDOW_HOURS, DEFAULT_CHANGE_WINDOW_HOURS);
      return {
        signal,
        suspects,
        impact: {
          others: impact.others,
          affectedCount: impact.affectedCount,
          fleetSize: impact.fleetSize,
          thisVersion: impact.thisVersion,
          sameVersionOthers: impact.sameVersionOthers,
          headline: impact.headline,
        },
      };
    },

    /** The customer page's signal chart: the signal diagnosis:customer explains, counted per hour (or day). */
    signalSeries(customerId: string, hoursBefore = DEFAULT_CHART_HOURS_BEFORE): SignalSeries {
      memo = new Map();
      if (!customerOne.get(customerId))
        throw new DeskError('not_found', `Customer "${customerId}" is not in the local cache. Sync, then try again.`);
      const signal = customerSignal(customerId);
      if (!signal) {
        const now = new Date(Math.floor(options.now() / HOUR) * HOUR).toISOString();
        return { signal: null, from: now, to: now, bucketMs: HOUR, buckets: [], markers: [] };
      }
      return seriesFor(signal, hoursBefore);
    },

    /** Exposed for the benchmark's baseline and tests: the signal as the queries resolve it. */
    signalOfEvent: (eventId: string) => signalOf(eventOrThrow(eventId)),
  };
}

export type Diagnosis = ReturnType<typeof createDiagnosis>;

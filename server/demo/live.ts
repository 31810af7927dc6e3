import type { Customer, CustomerFeature, EventInput } from '../../shared/domain';
import {
  HOWTO_TICKETS,
  INFRA_COMPONENTS,
  PROVISIONING_STEP_FEATURES,
  ROUTINE_ALERTS,
  ROUTINE_TICKETS,
  isDemoFeature,
} from './catalog';
import {
  USAGE_UNITS,
  alertOpen,
  alertResolved,
  formatMinutes,
  infraDeploy,
  iso,
  ticketOpen,
  ticketResolved,
  usageSignal,
} from './events';
import { activeFaults, deriveHealth, effectiveVersion, isJobStalled, resolveClearedSymptoms } from './health';
import { createRandom, hashSeed, itemAt } from './random';
import type { DemoCustomerState, DemoFault, DemoFleet } from './types';

/**
 * The live demo: each tick emits what happened since the previous one — usage
 * signals, routine deploys, alerts that fire and resolve, tickets that are opened
 * and solved, provisioning that moves on — and keeps the faulty customers
 * producing symptoms for as long as their state carries the fault. It never
 * changes flags, config, jobs or versions: faults are fixed by remediation
 * actions only, and `update` tells the simulator about them.
 *
 * Routine activity is a pure function of (seed, time slot, the fleet the
 * simulator was created with), and every event's external id is derived from its
 * slot, so a simulator re-created after a restart emits the same ids for the same
 * moments and ingest stays idempotent.
 */

export type LiveTick = {
  events: EventInput[];
  /** Rows that changed in this tick (health, provisioning, last signal). */
  customers: Customer[];
  features: CustomerFeature[];
  states: DemoCustomerState[];
};

export type LiveSimulator = {
  /**
   * Everything that happened in (previous tick, now]. `since` overrides the
   * previous tick (e.g. the time of the last tick stored before a restart); the
   * first tick of a fresh simulator covers the last few seconds only.
   */
  tick(now: Date, options?: { since?: Date }): LiveTick;
  /** Rows changed elsewhere (a remediation, a sync): the simulator continues from them. */
  update(rows: Partial<Pick<DemoFleet, 'customers' | 'features' | 'states'>>): void;
};

export type LiveOptions = {
  seed: number;
  fleet: Pick<DemoFleet, 'customers' | 'features' | 'states'>;
};

/** Length of one activity slot. */
export const LIVE_SLOT_MS = 2_000;
/** A first tick looks back this far. */
const FIRST_TICK_MS = 5_000;
/** After a long pause, routine activity resumes from this long ago instead of replaying hours. */
const MAX_CATCH_UP_MS = 60_000;
/** The longest a routine alert or ticket stays open. */
const MAX_OPEN_MS = 600_000;

type Planned =
  | { type: 'usage'; customerId: string; feature: string; amount: number; unit: string }
  | { type: 'deploy'; customerId: string; component: string; build: string; region: string }
  | {
      type: 'alert';
      customerId: string;
      feature: string;
      alertname: string;
      summary: string;
      severity: 'info' | 'warning';
      value: number;
      threshold: number;
      openMs: number;
    }
  | { type: 'ticket'; customerId: string; feature: string | null; subject: string; ask: string; answer: string; openMs: number };

type Snapshot = { id: string; region: string; features: string[] };

const FALLBACK_USAGE: { unit: string; perMinute: [number, number] } = { unit: 'events', perMinute: [1, 100] };

/** How often (in slots) a fault re-surfaces as a symptom event. */
const SYMPTOM_PERIOD_SLOTS: Partial<Record<DemoFault, number>> = {
  sso_enforced_without_idp: 30,
  upgrade_regression: 45,
  export_lag: 450,
};

/** Seconds a provisioning step takes in live mode. */
function stepSeconds(seed: number, customerId: string, step: string): number {
  return 60 + (hashSeed(seed, 'step', customerId, step) % 240);
}

export function createLiveSimulator(options: LiveOptions): LiveSimulator {
  const { seed } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  const customers = new Map<string, Customer>();
  const features = new Map<string, Map<string, CustomerFeature>>();
  const states = new Map<string, DemoCustomerState>();
  const update: LiveSimulator['update'] = (rows) => {
    for (const customer of rows.customers ?? []) customers.set(customer.id, structuredClone(customer));
    for (const row of rows.features ?? []) {
      const byFeature = features.get(row.customerId) ?? new Map<string, CustomerFeature>();
      byFeature.set(row.feature, structuredClone(row));
      features.set(row.customerId, byFeature);
    }
    for (const state of rows.states ?? []) states.set(state.customerId, structuredClone(state));
  };
  update(options.fleet);

  // Routine activity is planned over the fleet as it was at creation, so a slot's plan never changes.
  const snapshot: Snapshot[] = options.fleet.customers
    .filter((customer) => customer.lifecycle !== 'churned')
    .map((customer) => ({
      id: customer.id,
      region: customer.region,
      features: options.fleet.features.filter((row) => row.customerId === customer.id && row.enabled).map((row) => row.feature),
    }));
  const order = options.fleet.customers.map((customer) => customer.id);
  let lastTick: number | null = null;
  /** Activity before this moment was never emitted by this simulator (unless the caller says otherwise with `since`). */
  let coveredFrom = Number.POSITIVE_INFINITY;

  const plan = (slot: number): Planned[] => {
    if (snapshot.length === 0) return [];
    const random = createRandom(hashSeed(seed, 'live', slot));
    const count = random.weighted([
      [0, 0.4],
      [1, 0.45],
      [2, 0.15],
    ]);
    const planned: Planned[] = [];
    for (let index = 0; index < count; index += 1) {
      const target = random.pick(snapshot);
      const feature = target.features.length > 0 ? random.pick(target.features) : 'analytics';
      const roll = random.next();
      if (roll < 0.1) {
        const spec = ROUTINE_ALERTS[isDemoFeature(feature) ? feature : 'api_access'];
        const value = Math.round(spec.threshold * random.between(1.1, 1.8) * 10) / 10;
        planned.push({
          type: 'alert',
          customerId: target.id,
          feature,
          alertname: spec.name,
          summary: `${spec.text}: ${value}${spec.unit} (threshold ${spec.threshold}${spec.unit})`,
          severity: random.chance(0.6) ? 'info' : 'warning',
          value,
          threshold: spec.threshold,
          openMs: random.int(20, 180) * 1000,
        });
      } else if (roll < 0.14) {
        const templates = isDemoFeature(feature) && random.chance(0.7) ? ROUTINE_TICKETS[feature] : HOWTO_TICKETS;
        const template = random.pick(templates);
        planned.push({
          type: 'ticket',
          customerId: target.id,
          feature: templates === HOWTO_TICKETS ? null : feature,
          subject: template.subject,
          ask: template.ask,
          answer: template.answer,
          openMs: random.int(60, MAX_OPEN_MS / 1000) * 1000,
        });
      } else if (roll < 0.22) {
        planned.push({
          type: 'deploy',
          customerId: target.id,
          component: random.pick(INFRA_COMPONENTS),
          build: `${random.int(1, 9)}.${random.int(0, 40)}.${random.int(0, 20)}`,
          region: target.region,
        });
      } else {
        const usage = USAGE_UNITS[feature] ?? FALLBACK_USAGE;
        planned.push({
          type: 'usage',
          customerId: target.id,
          feature,
          amount: random.int(usage.perMinute[0], usage.perMinute[1]),
          unit: usage.unit,
        });
      }
    }
    return planned;
  };

  const isActive = (customerId: string): boolean => {
    const customer = customers.get(customerId);
    return customer !== undefined && customer.lifecycle !== 'churned';
  };

  const tick: LiveSimulator['tick'] = (now, tickOptions) => {
    const nowMs = now.getTime();
    if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');
    const explicitSince = tickOptions?.since?.getTime();
    if (explicitSince !== undefined && !Number.isFinite(explicitSince)) throw new RangeError('since must be a valid Date');
    const sinceMs = explicitSince ?? lastTick;
    const from = sinceMs ?? nowMs - FIRST_TICK_MS;
    const empty: LiveTick = { events: [], customers: [], features: [], states: [] };
    if (nowMs <= from) return empty;
    // `since` vouches for what an earlier simulator emitted; otherwise only our own ticks count.
    coveredFrom = explicitSince !== undefined ? Number.NEGATIVE_INFINITY : Math.min(coveredFrom, from);
    lastTick = nowMs;
    const emitFrom = Math.max(from, nowMs - MAX_CATCH_UP_MS);
    const events: EventInput[] = [];
    const changedStates = new Set<string>();
    const signals = new Map<string, number>();

    const firstSlot = Math.floor(emitFrom / LIVE_SLOT_MS) + 1;
    const lastSlot = Math.floor(nowMs / LIVE_SLOT_MS);
    // Alerts and tickets opened up to MAX_OPEN_MS ago may resolve in this tick.
    const scanFrom =
      Math.max(Math.floor((from - MAX_OPEN_MS) / LIVE_SLOT_MS), Math.floor(Math.max(coveredFrom, -8.64e15) / LIVE_SLOT_MS)) + 1;
    for (let slot = scanFrom; slot <= lastSlot; slot += 1) {
      const at = slot * LIVE_SLOT_MS;
      // Skipped by a catch-up (from, emitFrom] or before this simulator existed: never opened, so never resolved.
      const wasEmitted = (at > coveredFrom && at <= from) || at > emitFrom;
      const isNew = at > emitFrom;
      plan(slot).forEach((item, index) => {
        const key = `live-${slot}-${index}`;
        if (item.type === 'usage' || item.type === 'deploy') {
          if (!isNew || !isActive(item.customerId)) return;
          if (item.type === 'usage') {
            events.push(
              usageSignal({
                customerId: item.customerId,
                at,
                externalId: `analytics:${key}`,
                feature: item.feature,
                amount: item.amount,
                unit: item.unit,
                window: 'minute',
              }),
            );
            signals.set(`${item.customerId}\u0000${item.feature}`, at);
          } else {
            events.push(
              infraDeploy({
                customerId: item.customerId,
                at,
                externalId: `deploybot:${key}`,
                component: item.component,
                build: item.build,
                region: item.region,
              }),
            );
          }
          return;
        }
        const resolveAt = at + item.openMs;
        if (isNew && isActive(item.customerId)) {
          if (item.type === 'alert') {
            events.push(
              alertOpen({
                customerId: item.customerId,
                at,
                externalId: `alertmanager:${key}`,
                thread: `am-${key}`,
                alertname: item.alertname,
                severity: item.severity,
                summary: item.summary,
                feature: item.feature,
                value: item.value,
                threshold: item.threshold,
              }),
            );
          } else {
            events.push(
              ticketOpen({
                customerId: item.customerId,
                at,
                externalId: `zendesk:${key}`,
                ticket: liveTicket(slot, index),
                subject: item.subject,
                requester: 'customer portal',
                message: item.ask,
                feature: item.feature,
              }),
            );
          }
        }
        if (!wasEmitted || resolveAt <= from || resolveAt > nowMs) return;
        if (item.type === 'alert') {
          events.push(
            alertResolved({
              customerId: item.customerId,
              at: resolveAt,
              externalId: `alertmanager:${key}:resolved`,
              thread: `am-${key}`,
              alertname: item.alertname,
              summary: item.summary,
              feature: item.feature,
              firedForMinutes: Math.max(1, Math.round(item.openMs / 60_000)),
            }),
          );
        } else {
          events.push(
            ticketResolved({
              customerId: item.customerId,
              at: resolveAt,
              externalId: `zendesk:${key}:resolved`,
              ticket: liveTicket(slot, index),
              subject: item.subject,
              agent: 'support',
              resolution: item.answer,
              feature: item.feature,
            }),
          );
        }
      });
    }

    for (const customerId of order) {
      const state = states.get(customerId);
      if (!state || !isActive(customerId)) continue;
      const faults = activeFaults(state);
      for (let slot = firstSlot; slot <= lastSlot; slot += 1) {
        for (const fault of faults) {
          const period = SYMPTOM_PERIOD_SLOTS[fault];
          // Regular, at a per-customer phase: a fault re-surfaces once per period, never skips one.
          if (period === undefined || (slot + (hashSeed(seed, 'symptom', customerId, fault) % period)) % period !== 0) continue;
          const symptom = symptomEvent(state, fault, slot * LIVE_SLOT_MS, `live-${customerId}-${fault}-${slot}`, seed);
          if (!symptom) continue;
          events.push(symptom);
          if (symptom.feature) signals.set(`${customerId}\u0000${symptom.feature}`, slot * LIVE_SLOT_MS);
        }
      }
      const progressed = advanceProvisioning(seed, customers.get(customerId), state, now);
      if (progressed) {
        events.push(progressed.event);
        states.set(customerId, progressed.state);
        changedStates.add(customerId);
      }
      const resolved = resolveClearedSymptoms(states.get(customerId) ?? state, now);
      if (resolved.state !== (states.get(customerId) ?? state)) {
        states.set(customerId, resolved.state);
        changedStates.add(customerId);
      }
      events.push(...resolved.events);
    }

    const changedCustomers = new Map<string, Customer>();
    const changedFeatures = new Map<string, CustomerFeature>();
    for (const [key, at] of signals) {
      const [customerId = '', feature = ''] = key.split('\u0000');
      const row = features.get(customerId)?.get(feature);
      if (!row) continue;
      const next = { ...row, lastSignalAt: iso(at) };
      features.get(customerId)?.set(feature, next);
      changedFeatures.set(key, next);
    }
    // Rows follow the state: whatever changed it (this tick, or a remediation passed in through
    // `update`), the customer's health, version and feature rows are re-derived here.
    for (const [customerId, customer] of customers) {
      const state = states.get(customerId);
      if (!state) continue;
      const faults = activeFaults(state);
      const current =
        faults.length === state.faults.length && faults.every((fault, index) => fault === state.faults[index])
          ? state
          : { ...state, faults };
      if (current !== state) {
        states.set(customerId, current);
        changedStates.add(customerId);
      }
      const derived = deriveHealth(customer, [...(features.get(customerId)?.values() ?? [])], current);
      const version = effectiveVersion(current) ?? customer.version;
      if (derived.health !== customer.health || version !== customer.version) {
        const next = { ...customer, health: derived.health, version, updatedAt: now.toISOString() };
        customers.set(customerId, next);
        changedCustomers.set(customerId, next);
      }
      for (const row of derived.features) {
        const stored = features.get(customerId)?.get(row.feature);
        if (stored && (stored.health !== row.health || stored.enabled !== row.enabled || stored.entitled !== row.entitled)) {
          features.get(customerId)?.set(row.feature, row);
          changedFeatures.set(`${customerId}\u0000${row.feature}`, row);
        }
      }
    }
    events.sort((left, right) => (left.occurredAt < right.occurredAt ? -1 : left.occurredAt > right.occurredAt ? 1 : 0));
    return {
      events,
      customers: structuredClone([...changedCustomers.values()]),
      features: structuredClone([...changedFeatures.values()]),
      states: structuredClone([...changedStates].flatMap((customerId) => states.get(customerId) ?? [])),
    };
  };

  return { tick, update };
}

/** Live ticket keys: seven digits, apart from the history's four-digit and the filler's eight-digit keys. */
function liveTicket(slot: number, index: number): string {
  return `SUP-${1_000_000 + ((slot * 3 + index) % 9_000_000)}`;
}

function symptomEvent(state: DemoCustomerState, fault: DemoFault, at: number, key: string, seed: number): EventInput | null {
  const random = createRandom(hashSeed(seed, key));
  switch (fault) {
    case 'sso_enforced_without_idp': {
      const provider = String(state.config['sso.provider'] ?? 'the identity provider');
      const error = `SAML response rejected: no IdP metadata configured for ${provider}`;
      return {
        customerId: state.customerId,
        occurredAt: iso(at),
        kind: 'error_spike',
        severity: 'error',
        source: { system: 'alertmanager', externalId: `alertmanager:${key}` },
        actor: null,
        summary: `sso: ${random.int(15, 90)} failed SAML logins in the last minute`,
        body: `\`\`\`\n${error}\n\`\`\``,
        feature: 'sso',
        links: {},
        properties: { error },
      };
    }
    case 'upgrade_regression': {
      const regression = state.regression;
      if (!regression) return null;
      return {
        customerId: state.customerId,
        occurredAt: iso(at),
        kind: 'error_spike',
        severity: 'error',
        source: { system: 'alertmanager', externalId: `alertmanager:${key}` },
        actor: null,
        summary: `${regression.feature}: ${random.int(3, 14)} of ${random.int(20, 45)} syncs failed in the last 2 minutes`,
        body: `\`\`\`\n${regression.error}\n\`\`\``,
        feature: regression.feature,
        links: { release: regression.version },
        properties: { signature: regression.signature, error: regression.error, version: regression.version },
      };
    }
    case 'export_lag': {
      const job = state.jobs.find((candidate) => isJobStalled(candidate));
      const symptom = (state.symptoms ?? []).find(
        (candidate) => candidate.fault === 'export_lag' && candidate.kind === 'alert' && candidate.name === 'ExportLagHigh',
      );
      if (!job || !symptom) return null;
      const lag = Math.floor((at - Date.parse(job.lastRunAt)) / 60_000);
      return alertOpen({
        customerId: state.customerId,
        at,
        externalId: `alertmanager:${key}`,
        thread: symptom.thread,
        alertname: symptom.name,
        severity: lag >= 360 ? 'error' : 'warning',
        summary: `Export job lag ${formatMinutes(lag)} (threshold 2h)`,
        feature: symptom.feature,
        value: formatMinutes(lag),
        threshold: '2h',
        extra: { job: job.id, renotification: true },
      });
    }
    default:
      return null;
  }
}

/** Moves a healthy onboarding pipeline on by one transition; a failed step blocks it until someone retries. */
function advanceProvisioning(
  seed: number,
  customer: Customer | undefined,
  state: DemoCustomerState,
  now: Date,
): { state: DemoCustomerState; event: EventInput } | null {
  if (!customer || customer.lifecycle !== 'onboarding') return null;
  if (state.provisioning.some((step) => step.status === 'failed')) return null;
  const index = state.provisioning.findIndex((step) => step.status !== 'done');
  const current = state.provisioning[index];
  if (!current) return null;
  const nowMs = now.getTime();
  let status: 'running' | 'done';
  if (current.status === 'pending') status = 'running';
  else if (nowMs - Date.parse(current.updatedAt) >= stepSeconds(seed, state.customerId, current.step) * 1000) status = 'done';
  else return null;
  const next = structuredClone(state);
  const step = itemAt(next.provisioning, index);
  const previous = step.status;
  step.status = status;
  step.updatedAt = now.toISOString();
  if (status === 'running') step.attempts += 1;
  if (status === 'done' && step.step === 'sso_setup' && next.idp) next.idp.metadataReady = true;
  const feature = PROVISIONING_STEP_FEATURES[step.step] ?? null;
  const event: EventInput = {
    customerId: state.customerId,
    occurredAt: now.toISOString(),
    kind: 'provisioning_step',
    severity: 'info',
    source: { system: 'provisioner', externalId: `provisioner:live-${state.customerId}-${step.step}-${status}-${step.attempts}` },
    actor: 'provisioner',
    summary: status === 'running' ? `Provisioning: ${step.step} started` : `Provisioning: ${step.step} done`,
    body: null,
    feature,
    prevValue: previous,
    newValue: status,
    links: {},
    properties: { step: step.step, attempt: step.attempts, status },
  };
  return { state: next, event };
}

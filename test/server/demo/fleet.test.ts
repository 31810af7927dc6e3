import { describe, expect, it } from 'vitest';
import {
  CustomerFeatureSchema,
  CustomerSchema,
  EventInputSchema,
  ReleaseSchema,
  SEVERITIES,
  type EventInput,
} from '../../../shared/domain';
import { DEMO_FEATURES, PLAN_ENTITLEMENTS, featureFlag } from '../../../server/demo/catalog';
import { compareVersions } from '../../../shared/versions';
import { faultRoster, generateFleet } from '../../../server/demo/fleet';
import { activeFaults, deriveHealth, effectiveVersion } from '../../../server/demo/health';
import { DEMO_FAULTS } from '../../../server/demo/types';
import { NOW, eventsOf, fleetFor, openThreads, property } from './support';

const SEEDS = [1, 42, 20261127];
const DAY = 86_400_000;

describe('generateFleet determinism', () => {
  it('gives a deep-equal fleet for the same seed and now', () => {
    expect(generateFleet({ seed: 7, now: NOW })).toEqual(generateFleet({ seed: 7, now: NOW }));
  });

  it('gives a different fleet for a different seed', () => {
    const first = generateFleet({ seed: 7, now: NOW });
    const second = generateFleet({ seed: 8, now: NOW });
    expect(second.customers.map((customer) => customer.id)).not.toEqual(first.customers.map((customer) => customer.id));
    expect(second.events).not.toEqual(first.events);
  });

  it('moves with the clock: the whole history lies in the window before now', () => {
    const later = new Date(NOW.getTime() + 10 * DAY);
    const fleet = generateFleet({ seed: 7, now: later, days: 45 });
    const start = later.getTime() - 45 * DAY;
    const outside = fleet.events.filter(
      (event) => Date.parse(event.occurredAt) < start || Date.parse(event.occurredAt) > later.getTime(),
    );
    expect(outside).toEqual([]);
    expect(fleet.events.length).toBeGreaterThan(1000);
  });

  it('picks the faulty customers from the seed alone, so tests and demos can name them', () => {
    const roster = faultRoster(generateFleet({ seed: 7, now: NOW }));
    expect(faultRoster(generateFleet({ seed: 7, now: new Date(NOW.getTime() + 40 * DAY) }))).toEqual(roster);
    expect(Object.fromEntries(Object.entries(roster).map(([fault, ids]) => [fault, ids.length]))).toEqual({
      sso_enforced_without_idp: 1,
      feature_entitlement_mismatch: 2,
      provisioning_stuck: 2,
      export_lag: 2,
      upgrade_regression: 6,
    });
  });

  it('refuses bad options with a clear error', () => {
    expect(() => generateFleet({ seed: 1, now: NOW, customers: 10 })).toThrow(/customers must be an integer from 50/);
    expect(() => generateFleet({ seed: 1, now: new Date('nope') })).toThrow(/now must be a valid Date/);
    expect(() => generateFleet({ seed: 1.5, now: NOW })).toThrow(/seed must be a safe integer/);
    expect(() => generateFleet({ seed: 1, now: NOW, days: 3 })).toThrow(/days must be an integer/);
  });
});

describe.each(SEEDS)('fleet invariants (seed %i)', (seed) => {
  const fleet = fleetFor(seed);
  const start = NOW.getTime() - 90 * DAY;

  it('has at least 50 customers across plans, regions and lifecycle stages', () => {
    expect(fleet.customers.length).toBe(60);
    expect(new Set(fleet.customers.map((customer) => customer.id)).size).toBe(fleet.customers.length);
    expect(new Set(fleet.customers.map((customer) => customer.plan))).toEqual(new Set(['free', 'starter', 'pro', 'enterprise']));
    expect(new Set(fleet.customers.map((customer) => customer.lifecycle))).toEqual(
      new Set(['trial', 'onboarding', 'live', 'churned']),
    );
    expect(new Set(fleet.customers.map((customer) => customer.region)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(fleet.customers.map((customer) => customer.version)).size).toBeGreaterThanOrEqual(3);
  });

  it('validates every customer, feature, event and release against its schema', () => {
    for (const customer of fleet.customers) expect(CustomerSchema.safeParse(customer).error).toBeUndefined();
    for (const feature of fleet.features) expect(CustomerFeatureSchema.safeParse(feature).error).toBeUndefined();
    for (const release of fleet.releases) expect(ReleaseSchema.safeParse(release).error).toBeUndefined();
    const problems = fleet.events.flatMap((event) => {
      const parsed = EventInputSchema.safeParse(event);
      return parsed.success ? [] : [`${event.source.externalId}: ${parsed.error.message}`];
    });
    expect(problems).toEqual([]);
  });

  it('gives every event a unique source.externalId and a time inside the window', () => {
    expect(new Set(fleet.events.map((event) => event.source.externalId)).size).toBe(fleet.events.length);
    // Collected rather than asserted per event, which would dominate the run time.
    const problems: string[] = [];
    for (const event of fleet.events) {
      const at = Date.parse(event.occurredAt);
      if (at < start || at > NOW.getTime())
        problems.push(`${event.source.externalId}: outside the window at ${event.occurredAt}`);
      if (!SEVERITIES.includes(event.severity)) problems.push(`${event.source.externalId}: severity ${event.severity}`);
      if (event.feature && !(DEMO_FEATURES as readonly string[]).includes(event.feature))
        problems.push(`${event.source.externalId}: feature ${event.feature}`);
    }
    expect(problems).toEqual([]);
  });

  it('carries every fault, with the regression on several customers', () => {
    const present = new Set(fleet.states.flatMap((state) => state.faults));
    for (const fault of DEMO_FAULTS) expect(present).toContain(fault);
    expect(fleet.states.filter((state) => state.faults.includes('upgrade_regression')).length).toBeGreaterThanOrEqual(2);
  });

  it('is mostly healthy with a few degraded or down customers', () => {
    const unhealthy = fleet.customers.filter((customer) => customer.health === 'degraded' || customer.health === 'down');
    expect(unhealthy.length).toBeGreaterThanOrEqual(3);
    expect(unhealthy.length).toBeLessThanOrEqual(15);
    expect(fleet.customers.filter((customer) => customer.health === 'ok').length).toBeGreaterThan(fleet.customers.length * 0.7);
    for (const customer of fleet.customers) {
      const state = fleet.states.find((candidate) => candidate.customerId === customer.id);
      if (state?.faults.length === 0) expect(customer.lifecycle === 'churned' ? 'unknown' : 'ok').toBe(customer.health);
    }
  });

  it('releases every one to two weeks, and rolls them out in waves with deploy and version_upgrade events', () => {
    const inWindow = fleet.releases
      .filter((release) => Date.parse(release.releasedAt) >= start)
      .filter((release) => release.version.endsWith('.0'));
    expect(inWindow.length).toBeGreaterThanOrEqual(5);
    for (let index = 1; index < inWindow.length; index += 1) {
      const gap = Date.parse(inWindow[index]?.releasedAt ?? '') - Date.parse(inWindow[index - 1]?.releasedAt ?? '');
      expect(gap).toBeGreaterThanOrEqual(6 * DAY);
      expect(gap).toBeLessThanOrEqual(17 * DAY);
    }
    const upgrades = fleet.events.filter((event) => event.kind === 'version_upgrade');
    const deploys = fleet.events.filter((event) => event.kind === 'deploy' && event.links?.release);
    expect(deploys.length).toBe(upgrades.length);
    for (const upgrade of upgrades) {
      expect(compareVersions(String(upgrade.newValue), String(upgrade.prevValue))).toBeGreaterThan(0);
      expect(upgrade.links?.release).toBe(upgrade.newValue);
    }
    const waves = new Set(upgrades.map((upgrade) => property(upgrade, 'wave')));
    expect(waves).toEqual(new Set(['canary', 'early', 'broad']));
    const latest = [...fleet.releases].sort((left, right) => compareVersions(left.version, right.version)).at(-1);
    expect(
      fleet.customers.filter((customer) => customer.version !== latest?.version && customer.lifecycle !== 'churned').length,
    ).toBeGreaterThan(5);
  });

  it('has every kind of history the desk shows', () => {
    const kinds = new Set(fleet.events.map((event) => event.kind));
    for (const kind of [
      'deploy',
      'version_upgrade',
      'flag_change',
      'config_change',
      'provisioning_step',
      'alert',
      'error_spike',
      'incident',
      'ticket',
      'usage_drop',
      'plan_change',
    ]) {
      expect(kinds).toContain(kind);
    }
    for (const ticket of fleet.events.filter((event) => event.kind === 'ticket'))
      expect(ticket.links?.ticket).toMatch(/^SUP-\d+$/);
    for (const incident of fleet.events.filter((event) => event.kind === 'incident'))
      expect(incident.links?.incident).toMatch(/^INC-\d+$/);
    for (const change of fleet.events.filter((event) => event.kind === 'flag_change' || event.kind === 'config_change')) {
      expect(change.actor).toBeTruthy();
      expect(change.prevValue).not.toEqual(change.newValue);
    }
  });

  it('follows the open-item convention, and only faulty customers have open alerts', () => {
    for (const event of fleet.events.filter((candidate) => ['alert', 'incident', 'ticket'].includes(candidate.kind))) {
      expect(['open', 'resolved']).toContain(property(event, 'status'));
      expect(typeof property(event, 'thread')).toBe('string');
    }
    const open = openThreads(fleet.events);
    const faulty = new Set(fleet.states.filter((state) => state.faults.length > 0).map((state) => state.customerId));
    for (const event of open.values()) {
      if (event.kind !== 'ticket') expect(faulty).toContain(event.customerId);
      expect(event.kind).not.toBe('incident');
    }
    // Each fault's recorded symptoms are open threads in its history.
    for (const state of fleet.states) {
      for (const symptom of state.symptoms ?? [])
        expect(open.has(`${state.customerId}|${symptom.kind}|${symptom.thread}`)).toBe(true);
      if (state.faults.some((fault) => fault !== 'feature_entitlement_mismatch'))
        expect(state.symptoms?.some((symptom) => symptom.kind === 'alert')).toBe(true);
    }
  });

  it('keeps each state consistent with the customer, its features and its history', () => {
    for (const customer of fleet.customers) {
      const state = fleet.states.find((candidate) => candidate.customerId === customer.id);
      if (!state) throw new Error(`no state for ${customer.id}`);
      const rows = fleet.features.filter((row) => row.customerId === customer.id);
      expect(rows.map((row) => row.feature).sort()).toEqual([...DEMO_FEATURES].sort());
      expect(state.faults).toEqual(activeFaults(state));
      expect(customer.version).toBe(effectiveVersion(state));
      const derived = deriveHealth(customer, rows, state);
      expect(derived.health).toBe(customer.health);
      expect(derived.features).toEqual(rows);
      if (customer.lifecycle !== 'churned') expect(state.entitlements).toEqual([...PLAN_ENTITLEMENTS[customer.plan]]);
      for (const row of rows) expect(row.enabled).toBe(state.flags[featureFlag(row.feature)] === true);
      for (const job of state.jobs)
        expect(rows.find((row) => row.feature === (job.kind === 'export' ? 'exports' : 'billing_sync'))?.enabled).toBe(true);
      if (customer.lifecycle === 'onboarding') expect(state.provisioning.length).toBeGreaterThan(0);

      const history = eventsOf(fleet, customer.id);
      // Replaying the recorded changes ends in the state: flags, config, version and plan.
      const lastChange = new Map<string, EventInput>();
      for (const event of history.filter((candidate) => candidate.kind === 'flag_change' || candidate.kind === 'config_change')) {
        const key = `${event.kind}:${String(property(event, 'key'))}`;
        const previous = lastChange.get(key);
        if (previous) expect(event.prevValue).toEqual(previous.newValue);
        lastChange.set(key, event);
      }
      for (const [key, event] of lastChange) {
        const [kind, name = ''] = key.split(':');
        expect(kind === 'flag_change' ? state.flags[name] : state.config[name]).toEqual(event.newValue);
      }
      const upgrades = history.filter((event) => event.kind === 'version_upgrade');
      for (let index = 1; index < upgrades.length; index += 1)
        expect(upgrades[index]?.prevValue).toBe(upgrades[index - 1]?.newValue);
      if (upgrades.length > 0) expect(state.version).toBe(upgrades.at(-1)?.newValue);
      const planChanges = history.filter((event) => event.kind === 'plan_change');
      if (planChanges.length > 0) expect(planChanges.at(-1)?.newValue).toBe(customer.plan);
      if (Date.parse(customer.createdAt) >= start) {
        for (const step of state.provisioning.filter((candidate) => candidate.status !== 'pending')) {
          const last = history
            .filter((event) => event.kind === 'provisioning_step' && property(event, 'step') === step.step)
            .at(-1);
          expect(last?.newValue).toBe(step.status);
        }
      }
    }
  });
});

describe('scale', () => {
  it('generates larger fleets for benchmarks with the same guarantees', () => {
    const fleet = generateFleet({ seed: 3, now: NOW, customers: 220 });
    expect(fleet.customers.length).toBe(220);
    expect(new Set(fleet.customers.map((customer) => customer.id)).size).toBe(220);
    expect(new Set(fleet.events.map((event) => event.source.externalId)).size).toBe(fleet.events.length);
    const present = new Set(fleet.states.flatMap((state) => state.faults));
    for (const fault of DEMO_FAULTS) expect(present).toContain(fault);
  });
});

import { describe, expect, it } from 'vitest';
import { CustomerFeatureSchema, CustomerSchema, EventInputSchema, type EventInput } from '../../../shared/domain';
import { applyRemediation, TICKET_CONFIRM_DELAY_MS } from '../../../server/demo/health';
import { createLiveSimulator, type LiveSimulator, type LiveTick } from '../../../server/demo/live';
import type { DemoFleet } from '../../../server/demo/types';
import { NOW, fleetFor, openThreads, property } from './support';

const SEED = 42;
const MINUTE = 60_000;

type Store = Pick<DemoFleet, 'customers' | 'features' | 'states'>;

/** What the server does with a tick: upsert the changed rows. */
function applyTick(store: Store, tick: LiveTick): void {
  for (const customer of tick.customers)
    store.customers = store.customers.map((row) => (row.id === customer.id ? customer : row));
  for (const feature of tick.features)
    store.features = store.features.map((row) =>
      row.customerId === feature.customerId && row.feature === feature.feature ? feature : row,
    );
  for (const state of tick.states) store.states = store.states.map((row) => (row.customerId === state.customerId ? state : row));
}

function freshStore(): Store {
  const fleet = fleetFor(SEED);
  return structuredClone({ customers: fleet.customers, features: fleet.features, states: fleet.states });
}

/** Ticks every `stepMs` from `from` (exclusive) to `to`; returns every tick's output in order. */
function run(simulator: LiveSimulator, store: Store, from: number, to: number, stepMs: number): LiveTick[] {
  const ticks: LiveTick[] = [];
  for (let at = from + stepMs; at <= to; at += stepMs) {
    const tick = simulator.tick(new Date(at));
    applyTick(store, tick);
    ticks.push(tick);
  }
  return ticks;
}

function allEvents(ticks: LiveTick[]): EventInput[] {
  return ticks.flatMap((tick) => tick.events);
}

function faultMap(store: Store): Record<string, string[]> {
  return Object.fromEntries(
    store.states.filter((state) => state.faults.length > 0).map((state) => [state.customerId, state.faults]),
  );
}

describe('live simulator', () => {
  it('emits a handful of valid, unique events per tick, each inside its tick', () => {
    const store = freshStore();
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    const ticks: LiveTick[] = [];
    let previous = NOW.getTime() - 5_000;
    for (let at = NOW.getTime(); at <= NOW.getTime() + 5 * MINUTE; at += 3_000) {
      const tick = simulator.tick(new Date(at));
      applyTick(store, tick);
      ticks.push(tick);
      for (const event of tick.events) {
        const occurred = Date.parse(event.occurredAt);
        expect(occurred).toBeGreaterThan(previous);
        expect(occurred).toBeLessThanOrEqual(at);
      }
      previous = at;
    }
    const events = allEvents(ticks);
    const problems = events.flatMap((event) => (EventInputSchema.safeParse(event).success ? [] : [event.source.externalId]));
    expect(problems).toEqual([]);
    expect(new Set(events.map((event) => event.source.externalId)).size).toBe(events.length);
    for (const customer of ticks.flatMap((tick) => tick.customers)) expect(CustomerSchema.safeParse(customer).success).toBe(true);
    for (const feature of ticks.flatMap((tick) => tick.features))
      expect(CustomerFeatureSchema.safeParse(feature).success).toBe(true);
    // Alive but not flooding: a few events per tick on average.
    expect(events.length / ticks.length).toBeGreaterThan(0.5);
    expect(events.length / ticks.length).toBeLessThan(5);
    const kinds = new Set(events.map((event) => event.kind));
    for (const kind of ['usage', 'deploy', 'alert', 'ticket', 'error_spike']) expect(kinds).toContain(kind);
    // Usage moves the features' last signal.
    const usage = events.find((event) => event.kind === 'usage');
    const row = store.features.find(
      (candidate) => candidate.customerId === usage?.customerId && candidate.feature === usage?.feature,
    );
    expect(Date.parse(row?.lastSignalAt ?? '')).toBeGreaterThanOrEqual(Date.parse(usage?.occurredAt ?? ''));
  });

  it('resolves every routine alert and ticket it opens, and resolves nothing it did not open', () => {
    const store = freshStore();
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    const events = allEvents(run(simulator, store, NOW.getTime(), NOW.getTime() + 40 * MINUTE, 4_000));
    const opened = new Set(
      events.filter((event) => property(event, 'status') === 'open').map((event) => property(event, 'thread')),
    );
    const historyThreads = new Set(store.states.flatMap((state) => (state.symptoms ?? []).map((symptom) => symptom.thread)));
    for (const event of events.filter((candidate) => property(candidate, 'status') === 'resolved'))
      expect(opened.has(property(event, 'thread'))).toBe(true);
    const stillOpen = [
      ...openThreads(events.filter((event) => Date.parse(event.occurredAt) <= NOW.getTime() + 40 * MINUTE)).values(),
    ].filter((event) => Date.parse(event.occurredAt) < NOW.getTime() + 29 * MINUTE);
    // Only re-notifications of faults' own alerts stay open; routine ones close within ten minutes.
    for (const event of stillOpen) expect(historyThreads.has(String(property(event, 'thread')))).toBe(true);
    expect(events.filter((event) => event.kind === 'alert' && property(event, 'status') === 'resolved').length).toBeGreaterThan(
      3,
    );
  });

  it('never fixes or breaks a faulty customer, and keeps their symptoms coming', () => {
    const store = freshStore();
    const before = structuredClone(store.states);
    const faultsBefore = faultMap(store);
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    const events = allEvents(run(simulator, store, NOW.getTime(), NOW.getTime() + 60 * MINUTE, 20_000));
    expect(faultMap(store)).toEqual(faultsBefore);
    for (const state of store.states) {
      const original = before.find((candidate) => candidate.customerId === state.customerId);
      expect({
        flags: state.flags,
        config: state.config,
        jobs: state.jobs,
        version: state.version,
        pinnedVersion: state.pinnedVersion,
        regression: state.regression,
      }).toEqual({
        flags: original?.flags,
        config: original?.config,
        jobs: original?.jobs,
        version: original?.version,
        pinnedVersion: original?.pinnedVersion,
        regression: original?.regression,
      });
    }
    for (const customer of store.customers) {
      const original = fleetFor(SEED).customers.find((candidate) => candidate.id === customer.id);
      if (faultsBefore[customer.id]) expect(customer.health).toBe(original?.health);
    }
    const ssoCustomer = before.find((state) => state.faults.includes('sso_enforced_without_idp'))?.customerId;
    expect(
      events.filter((event) => event.customerId === ssoCustomer && event.kind === 'error_spike' && event.feature === 'sso')
        .length,
    ).toBeGreaterThan(10);
    const regression = before.filter((state) => state.faults.includes('upgrade_regression'));
    for (const state of regression) {
      expect(
        events.some(
          (event) =>
            event.customerId === state.customerId &&
            event.kind === 'error_spike' &&
            property(event, 'signature') === state.regression?.signature,
        ),
      ).toBe(true);
    }
    const lagging = before.filter((state) => state.faults.includes('export_lag'));
    for (const state of lagging) {
      const thread = state.symptoms?.find((symptom) => symptom.name === 'ExportLagHigh')?.thread;
      expect(
        events.some(
          (event) =>
            event.customerId === state.customerId &&
            event.kind === 'alert' &&
            property(event, 'thread') === thread &&
            property(event, 'status') === 'open',
        ),
      ).toBe(true);
    }
    // A stuck onboarding stays stuck; a healthy one moves on.
    const stuck = before.filter((state) => state.faults.includes('provisioning_stuck')).map((state) => state.customerId);
    expect(events.some((event) => event.kind === 'provisioning_step' && stuck.includes(event.customerId))).toBe(false);
    const progressing = store.customers.filter(
      (customer) =>
        customer.lifecycle === 'onboarding' &&
        !stuck.includes(customer.id) &&
        before.find((state) => state.customerId === customer.id)?.provisioning.some((step) => step.status !== 'done'),
    );
    for (const customer of progressing) {
      expect(
        events.some(
          (event) => event.kind === 'provisioning_step' && event.customerId === customer.id && event.newValue === 'done',
        ),
      ).toBe(true);
      expect(
        store.states.find((state) => state.customerId === customer.id)?.provisioning.every((step) => step.status === 'done'),
      ).toBe(true);
    }
  });

  it('sees a remediation through update: alerts resolve, health recovers, symptoms stop, the ticket closes once confirmed', () => {
    const store = freshStore();
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    run(simulator, store, NOW.getTime(), NOW.getTime() + MINUTE, 3_000);
    const broken = store.states.find((state) => state.faults.includes('sso_enforced_without_idp'));
    if (!broken) throw new Error('no SSO fault');
    const fixedAt = NOW.getTime() + MINUTE + 1_000;
    const fixed = applyRemediation(broken, { kind: 'flags.set', key: 'sso.enforce', value: false }, new Date(fixedAt));
    store.states = store.states.map((state) => (state.customerId === fixed.customerId ? fixed : state));
    simulator.update({ states: [fixed] });

    const next = simulator.tick(new Date(fixedAt + 2_000));
    applyTick(store, next);
    const mine = next.events.filter((event) => event.customerId === fixed.customerId);
    const alertThread = broken.symptoms?.find((symptom) => symptom.kind === 'alert')?.thread;
    expect(mine).toContainEqual(
      expect.objectContaining({
        kind: 'alert',
        properties: expect.objectContaining({ status: 'resolved', thread: alertThread }),
      }),
    );
    expect(mine.some((event) => event.kind === 'recovery')).toBe(true);
    expect(next.customers.find((customer) => customer.id === fixed.customerId)?.health).toBe('ok');
    expect(next.features.find((row) => row.customerId === fixed.customerId && row.feature === 'sso')?.health).toBe('ok');

    const later = allEvents(run(simulator, store, fixedAt + 2_000, fixedAt + TICKET_CONFIRM_DELAY_MS + 10_000, 3_000)).filter(
      (event) => event.customerId === fixed.customerId,
    );
    expect(later.some((event) => event.kind === 'error_spike')).toBe(false);
    const ticketThread = broken.symptoms?.find((symptom) => symptom.kind === 'ticket')?.thread;
    expect(later).toContainEqual(
      expect.objectContaining({
        kind: 'ticket',
        properties: expect.objectContaining({ status: 'resolved', thread: ticketThread }),
      }),
    );
    expect(store.states.find((state) => state.customerId === fixed.customerId)?.symptoms).toEqual([]);
  });

  it('re-derives the rows of a customer whose state changed elsewhere: a version pin shows as the customer’s version', () => {
    const store = freshStore();
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    simulator.tick(NOW);
    const broken = store.states.find((state) => state.faults.includes('upgrade_regression'));
    if (!broken?.regression) throw new Error('no regression');
    const pinned = applyRemediation(
      broken,
      { kind: 'version.pin', version: broken.regression.previousVersion },
      new Date(NOW.getTime() + 1_000),
    );
    simulator.update({ states: [pinned] });
    const tick = simulator.tick(new Date(NOW.getTime() + 3_000));
    expect(tick.customers.find((customer) => customer.id === pinned.customerId)).toMatchObject({
      version: broken.regression.previousVersion,
      health: 'ok',
    });
    expect(
      tick.features.find((row) => row.customerId === pinned.customerId && row.feature === broken.regression?.feature)?.health,
    ).toBe('ok');
    const resolved = tick.events.filter(
      (event) => event.customerId === pinned.customerId && property(event, 'status') === 'resolved',
    );
    expect(resolved.map((event) => property(event, 'thread'))).toContain(
      broken.symptoms?.find((symptom) => symptom.kind === 'alert')?.thread,
    );
    // Nothing else in the fleet moved: the other regression customers stay broken.
    expect(tick.customers.map((customer) => customer.id)).toEqual([pinned.customerId]);
  });

  it('is deterministic, and a re-created simulator given `since` continues with the same events', () => {
    const storeA = freshStore();
    const storeB = freshStore();
    const first = createLiveSimulator({ seed: SEED, fleet: storeA });
    const twin = createLiveSimulator({ seed: SEED, fleet: storeB });
    // Longer than the longest routine alert, so the restarted simulator's resolves were all opened by the first one.
    const end = NOW.getTime() + 12 * MINUTE;
    expect(run(first, storeA, NOW.getTime(), end, 10_000)).toEqual(run(twin, storeB, NOW.getTime(), end, 10_000));

    const continued = first.tick(new Date(end + 3_000));
    const restarted = createLiveSimulator({ seed: SEED, fleet: storeB }).tick(new Date(end + 3_000), { since: new Date(end) });
    expect(restarted).toEqual(continued);

    const otherSeed = createLiveSimulator({ seed: SEED + 1, fleet: freshStore() });
    const minute = NOW.getTime() + MINUTE;
    expect(allEvents(run(otherSeed, freshStore(), NOW.getTime(), minute, 3_000))).not.toEqual(
      allEvents(run(createLiveSimulator({ seed: SEED, fleet: freshStore() }), freshStore(), NOW.getTime(), minute, 3_000)),
    );
  });

  it('emits nothing when the clock does not move forward, and does not replay a long pause', () => {
    const store = freshStore();
    const simulator = createLiveSimulator({ seed: SEED, fleet: store });
    simulator.tick(NOW);
    expect(simulator.tick(NOW).events).toEqual([]);
    expect(simulator.tick(new Date(NOW.getTime() - 1_000)).events).toEqual([]);
    const afterPause = simulator.tick(new Date(NOW.getTime() + 6 * 60 * MINUTE));
    const earliest = Math.min(
      ...afterPause.events
        .filter((event) => property(event, 'status') !== 'resolved')
        .map((event) => Date.parse(event.occurredAt)),
    );
    expect(earliest).toBeGreaterThanOrEqual(NOW.getTime() + 6 * 60 * MINUTE - MINUTE);
  });
});

import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS, type Customer, type CustomerFeature, type EventInput } from '../../../shared/domain';
import { PLAN_ENTITLEMENTS, featureFlag } from '../../../server/demo/catalog';
import { activeFaults, applyRemediation, deriveHealth, isValidSchedule, observe } from '../../../server/demo/health';
import type { DemoCustomerState, DemoFault, DemoFleet } from '../../../server/demo/types';
import { NOW, eventsOf, fleetFor, openThreads, property } from './support';

const SEEDS = [1, 42, 20261127];
const HOUR = 3_600_000;
const LATER = new Date(NOW.getTime() + 5 * 60_000);

type Subject = { customer: Customer; features: CustomerFeature[]; state: DemoCustomerState; history: EventInput[] };

function subjects(fleet: DemoFleet, fault: DemoFault, filter: (state: DemoCustomerState) => boolean = () => true): Subject[] {
  const states = fleet.states.filter((state) => state.faults.includes(fault) && filter(state));
  return states.map((state) => {
    const customer = fleet.customers.find((candidate) => candidate.id === state.customerId);
    if (!customer) throw new Error(`no customer for state ${state.customerId}`);
    return {
      customer,
      features: fleet.features.filter((row) => row.customerId === customer.id),
      state,
      history: eventsOf(fleet, customer.id),
    };
  });
}

function only(list: Subject[]): Subject {
  expect(list.length).toBeGreaterThanOrEqual(1);
  const first = list[0];
  if (!first) throw new Error('no subject');
  return first;
}

function at(event: EventInput | undefined): number {
  if (!event) throw new Error('missing event');
  return Date.parse(event.occurredAt);
}

function featureRow(derived: { features: CustomerFeature[] }, feature: string): CustomerFeature {
  const row = derived.features.find((candidate) => candidate.feature === feature);
  if (!row) throw new Error(`no ${feature} row`);
  return row;
}

/** The last change (CHANGE_KINDS) before `moment`. */
function lastChangeBefore(history: EventInput[], moment: number): EventInput | undefined {
  return history.filter((event) => (CHANGE_KINDS as readonly string[]).includes(event.kind) && at(event) < moment).at(-1);
}

describe.each(SEEDS)('demo faults (seed %i)', (seed) => {
  const fleet = fleetFor(seed);

  it('SSO enforced while the IdP is not ready: a flag change right before the failures; reverting it restores logins', () => {
    const { customer, features, state, history } = only(subjects(fleet, 'sso_enforced_without_idp'));
    const open = openThreads(history);
    const firstAlert = [...open.values()].find((event) => event.kind === 'alert' && event.feature === 'sso');
    const enforce = history.filter((event) => event.kind === 'flag_change' && property(event, 'key') === 'sso.enforce').at(-1);
    expect(enforce?.prevValue).toBe(false);
    expect(enforce?.newValue).toBe(true);
    expect(at(enforce)).toBeLessThan(at(firstAlert));
    expect(lastChangeBefore(history, at(firstAlert))).toBe(enforce);
    // Why the IdP is not ready: the provider was switched earlier and its metadata never arrived.
    const provider = history.find((event) => event.kind === 'config_change' && property(event, 'key') === 'sso.provider');
    expect(at(provider)).toBeLessThan(at(enforce));
    expect(
      history.filter((event) => at(event) < at(enforce)).some((event) => event.feature === 'sso' && event.kind === 'alert'),
    ).toBe(false);
    expect([...open.values()].some((event) => event.kind === 'ticket' && /cannot sign in/i.test(event.summary))).toBe(true);
    expect(state.idp?.metadataReady).toBe(false);

    expect(observe(state, 'sso.login')).toMatchObject({ ok: false, failureRate: 1 });
    expect(observe(state, 'sso.metadata')).toMatchObject({ configured: true, metadataReady: false });
    const broken = deriveHealth(customer, features, state);
    expect(broken.health).toBe('down');
    expect(featureRow(broken, 'sso').health).toBe('down');

    const fixed = applyRemediation(state, { kind: 'flags.set', key: 'sso.enforce', value: false }, LATER);
    expect(fixed.faults).toEqual([]);
    expect(observe(fixed, 'sso.login')).toMatchObject({ ok: true, error: null });
    const recovered = deriveHealth(customer, features, fixed);
    expect(recovered.health).toBe('ok');
    expect(featureRow(recovered, 'sso').health).toBe('ok');
    // The remediation works on a copy: the fleet's state still carries the fault.
    expect(state.faults).toEqual(['sso_enforced_without_idp']);
  });

  it('entitled feature off after a plan upgrade: the entitlement sync skipped its flag; enabling it makes the feature visible', () => {
    const { customer, features, state, history } = only(
      subjects(
        fleet,
        'feature_entitlement_mismatch',
        (candidate) => observe(candidate, 'customer.health')['health'] === 'degraded',
      ),
    );
    const planChange = history.filter((event) => event.kind === 'plan_change').at(-1);
    expect(planChange?.newValue).toBe(customer.plan);
    const missing = PLAN_ENTITLEMENTS[customer.plan].find((feature) => state.flags[featureFlag(feature)] !== true);
    if (!missing) throw new Error('no entitled feature is off');
    expect(PLAN_ENTITLEMENTS[planChange?.prevValue as Customer['plan']]).not.toContain(missing);
    // Other newly entitled flags were switched on after the plan change; this one never was.
    const syncs = history.filter(
      (event) => event.kind === 'flag_change' && at(event) > at(planChange) && event.actor === 'entitlements-sync',
    );
    expect(syncs.length).toBeGreaterThan(0);
    expect(syncs.some((event) => property(event, 'key') === featureFlag(missing))).toBe(false);
    const ticket = [...openThreads(history).values()].find((event) => event.kind === 'ticket' && event.feature === missing);
    expect(ticket?.summary).toMatch(/not visible/);
    expect(at(ticket)).toBeGreaterThan(at(planChange));

    expect(observe(state, 'feature.state', { feature: missing })).toMatchObject({
      entitled: true,
      enabled: false,
      visible: false,
      mismatch: 'entitled_not_enabled',
    });
    const broken = deriveHealth(customer, features, state);
    expect(broken.health).toBe('degraded');
    expect(featureRow(broken, missing)).toMatchObject({ entitled: true, enabled: false, health: 'down' });

    const fixed = applyRemediation(state, { kind: 'feature.setEnabled', feature: missing, enabled: true }, LATER);
    expect(observe(fixed, 'feature.state', { feature: missing })).toMatchObject({ visible: true, mismatch: null, health: 'ok' });
    const recovered = deriveHealth(customer, features, fixed);
    expect(recovered.health).toBe('ok');
    expect(featureRow(recovered, missing)).toMatchObject({ entitled: true, enabled: true, health: 'ok' });
  });

  it('feature on without entitlement after a downgrade: found by the billing audit; switching it off clears the fault', () => {
    const { customer, features, state, history } = only(
      subjects(fleet, 'feature_entitlement_mismatch', (candidate) => observe(candidate, 'customer.health')['health'] === 'ok'),
    );
    const planChange = history.filter((event) => event.kind === 'plan_change').at(-1);
    expect(planChange?.newValue).toBe(customer.plan);
    const unpaid = Object.keys(state.flags)
      .filter((key) => key.startsWith('feature.') && state.flags[key] === true)
      .map((key) => key.slice('feature.'.length))
      .find((feature) => !(PLAN_ENTITLEMENTS[customer.plan] as readonly string[]).includes(feature));
    if (!unpaid) throw new Error('no unentitled feature is on');
    expect(observe(state, 'feature.state', { feature: unpaid })).toMatchObject({
      entitled: false,
      enabled: true,
      mismatch: 'enabled_not_entitled',
    });
    expect(
      [...openThreads(history).values()].some(
        (event) => event.kind === 'ticket' && event.feature === unpaid && at(event) > at(planChange),
      ),
    ).toBe(true);
    expect(deriveHealth(customer, features, state).health).toBe('ok');

    const fixed = applyRemediation(state, { kind: 'feature.setEnabled', feature: unpaid, enabled: false }, LATER);
    expect(activeFaults(fixed)).toEqual([]);
    expect(featureRow(deriveHealth(customer, features, fixed), unpaid)).toMatchObject({ entitled: false, enabled: false });
  });

  it('onboarding stuck on a failed provisioning step that was never retried; a retry moves it on', () => {
    const stuck = subjects(fleet, 'provisioning_stuck');
    expect(new Set(stuck.map((subject) => subject.state.provisioning.find((step) => step.status === 'failed')?.step))).toEqual(
      new Set(['dns', 'data_import']),
    );
    for (const { customer, features, state, history } of stuck) {
      expect(customer.lifecycle).toBe('onboarding');
      const failed = state.provisioning.find((step) => step.status === 'failed');
      if (!failed) throw new Error('no failed step');
      expect(failed.attempts).toBe(1);
      const stepEvents = history.filter((event) => event.kind === 'provisioning_step' && property(event, 'step') === failed.step);
      expect(stepEvents.at(-1)?.newValue).toBe('failed');
      expect(stepEvents.at(-1)?.severity).toBe('error');
      // Nothing happened to the pipeline since: no retry.
      expect(history.filter((event) => event.kind === 'provisioning_step' && at(event) > at(stepEvents.at(-1))).length).toBe(0);
      expect(NOW.getTime() - Date.parse(failed.updatedAt)).toBeGreaterThan(24 * HOUR);
      const open = [...openThreads(history).values()];
      expect(open.some((event) => event.kind === 'alert' && property(event, 'alertname') === 'ProvisioningStepFailed')).toBe(
        true,
      );
      expect(observe(state, 'provisioning.status')).toMatchObject({
        ok: false,
        complete: false,
        failedStep: failed.step,
        error: failed.error,
      });
      expect(deriveHealth(customer, features, state).health).toBe('degraded');

      const fixed = applyRemediation(state, { kind: 'provisioning.retry', step: failed.step }, LATER);
      const status = observe(fixed, 'provisioning.status');
      expect(status).toMatchObject({ ok: true, failedStep: null });
      const retried = fixed.provisioning.find((step) => step.step === failed.step);
      expect(retried).toMatchObject({ status: 'done', attempts: 2, error: null });
      const index = fixed.provisioning.findIndex((step) => step.step === failed.step);
      if (index + 1 < fixed.provisioning.length) expect(fixed.provisioning[index + 1]?.status).toBe('running');
      expect(deriveHealth(customer, features, fixed).health).toBe('ok');
    }
  });

  it('export lag after a schedule change the scheduler rejects: a restart runs it once, fixing the schedule clears it', () => {
    const { customer, features, state, history } = only(
      subjects(fleet, 'export_lag', (candidate) => candidate.jobs.some((job) => !isValidSchedule(job.schedule))),
    );
    const change = history
      .filter((event) => event.kind === 'config_change' && property(event, 'key') === 'exports.schedule')
      .at(-1);
    expect(isValidSchedule(String(change?.prevValue))).toBe(true);
    expect(isValidSchedule(String(change?.newValue))).toBe(false);
    expect(state.config['exports.schedule']).toBe(change?.newValue);
    const lagAlert = history.find((event) => event.kind === 'alert' && property(event, 'alertname') === 'ExportLagHigh');
    expect(at(change)).toBeLessThan(at(lagAlert));
    expect(lastChangeBefore(history, at(lagAlert))).toBe(change);
    const lag = observe(state, 'jobs.lag', { kind: 'export' }, NOW);
    expect(lag['ok']).toBe(false);
    expect(Number(lag['maxLagMinutes'])).toBeGreaterThan(120);
    const broken = deriveHealth(customer, features, state);
    expect(broken.health).toBe('degraded');
    expect(featureRow(broken, 'exports').health).toBe('degraded');

    const job = state.jobs.find((candidate) => candidate.kind === 'export');
    if (!job) throw new Error('no export job');
    const restarted = applyRemediation(state, { kind: 'jobs.restart', jobId: job.id }, LATER);
    expect(restarted.faults).toContain('export_lag');
    expect(observe(restarted, 'jobs.lag', { jobId: job.id }, LATER)).toMatchObject({ ok: false });

    const fixed = applyRemediation(
      state,
      { kind: 'config.set', key: 'exports.schedule', value: String(change?.prevValue) },
      LATER,
    );
    expect(fixed.faults).toEqual([]);
    expect(observe(fixed, 'jobs.lag', { jobId: job.id }, LATER)).toMatchObject({ ok: true, maxLagMinutes: 0 });
    expect(deriveHealth(customer, features, fixed).health).toBe('ok');
  });

  it('export lag from a stuck worker after a worker deploy: restarting the job clears it', () => {
    const { customer, features, state, history } = only(
      subjects(fleet, 'export_lag', (candidate) => candidate.jobs.some((job) => job.worker === 'stuck')),
    );
    const heartbeat = history.find(
      (event) => event.kind === 'alert' && property(event, 'alertname') === 'ExportWorkerHeartbeatMissing',
    );
    const deploy = lastChangeBefore(history, at(heartbeat));
    expect(deploy?.kind).toBe('deploy');
    expect(property(deploy as EventInput, 'component')).toBe('export-worker');
    const job = state.jobs.find((candidate) => candidate.worker === 'stuck');
    if (!job) throw new Error('no stuck job');
    expect(Date.parse(job.lastRunAt)).toBeGreaterThan(at(deploy));
    expect(observe(state, 'jobs.lag', {}, NOW)).toMatchObject({ ok: false, stalledJobId: job.id });
    expect(deriveHealth(customer, features, state).health).toBe('degraded');

    const fixed = applyRemediation(state, { kind: 'jobs.restart', jobId: job.id }, LATER);
    expect(fixed.faults).toEqual([]);
    expect(observe(fixed, 'jobs.lag', {}, LATER)).toMatchObject({ ok: true, stalledJobId: null });
    expect(deriveHealth(customer, features, fixed).health).toBe('ok');
  });

  it('regression right after an upgrade wave, with one signature on several customers; pinning the previous version restores them', () => {
    const hit = subjects(fleet, 'upgrade_regression');
    expect(hit.length).toBeGreaterThanOrEqual(2);
    const regressions = hit.map((subject) => subject.state.regression);
    const first = regressions[0];
    if (!first) throw new Error('no regression');
    for (const regression of regressions)
      expect(regression).toMatchObject({ version: first.version, feature: first.feature, signature: first.signature });
    const waves = new Set<unknown>();
    for (const { customer, features, state, history } of hit) {
      const upgrade = history.find((event) => event.kind === 'version_upgrade' && event.newValue === first.version);
      const alert = history.find((event) => event.kind === 'alert' && property(event, 'signature') === first.signature);
      const spike = history.find(
        (event) => event.kind === 'error_spike' && event.feature === first.feature && at(event) > at(upgrade),
      );
      waves.add(property(upgrade as EventInput, 'wave'));
      expect(upgrade?.prevValue).toBe(state.regression?.previousVersion);
      expect(at(alert) - at(upgrade)).toBeGreaterThan(0);
      expect(at(alert) - at(upgrade)).toBeLessThan(HOUR);
      expect(at(spike)).toBeLessThan(at(alert));
      expect(alert?.feature).toBe(first.feature);
      expect(openThreads(history).has(`${customer.id}|alert|${String(property(alert as EventInput, 'thread'))}`)).toBe(true);
      expect(customer.version).toBe(first.version);
      expect(observe(state, 'feature.state', { feature: first.feature })).toMatchObject({
        signature: first.signature,
        lastError: first.error,
      });
      const broken = deriveHealth(customer, features, state);
      expect(broken.health).toBe('degraded');
      expect(featureRow(broken, first.feature).health).toBe('degraded');

      const fixed = applyRemediation(state, { kind: 'version.pin', version: first.previousVersion }, LATER);
      expect(fixed.faults).toEqual([]);
      expect(observe(fixed, 'customer.health')).toMatchObject({
        health: 'ok',
        effectiveVersion: first.previousVersion,
        faults: [],
      });
      expect(observe(fixed, 'feature.state', { feature: first.feature })).toMatchObject({
        errorRate: 0,
        signature: null,
        health: 'ok',
      });
      expect(deriveHealth(customer, features, fixed).health).toBe('ok');
      // Unpinning would bring the defect back: the fix is the pin, not a side effect.
      expect(applyRemediation(fixed, { kind: 'version.pin', version: null }, LATER).faults).toEqual(['upgrade_regression']);
    }
    expect(waves.size).toBe(1);
    // The same configuration is fine on the previous version: the broad wave did not get the release.
    const sameTargetElsewhere = fleet.states.filter(
      (state) => state.config['billing_sync.target'] === 'netsuite' && !state.faults.includes('upgrade_regression'),
    );
    for (const state of sameTargetElsewhere) expect(state.version).not.toBe(first.version);
  });
});

import { describe, expect, it } from 'vitest';
import { EventInputSchema } from '../../../shared/domain';
import {
  RemediationActionSchema,
  RemediationError,
  TICKET_CONFIRM_DELAY_MS,
  activeFaults,
  applyRemediation,
  isValidSchedule,
  observe,
  planRemediation,
  resolveClearedSymptoms,
  type RemediationAction,
} from '../../../server/demo/health';
import type { DemoCustomerState } from '../../../server/demo/types';
import { NOW, fleetFor } from './support';

const fleet = fleetFor(42);
const LATER = new Date(NOW.getTime() + 60_000);

function stateWith(fault: string): DemoCustomerState {
  const state = fleet.states.find((candidate) => (candidate.faults as string[]).includes(fault));
  if (!state) throw new Error(`no customer with ${fault}`);
  return state;
}

function remediationError(run: () => unknown): RemediationError {
  try {
    run();
  } catch (error) {
    if (error instanceof RemediationError) return error;
    throw error;
  }
  throw new Error('expected a RemediationError');
}

describe('isValidSchedule', () => {
  it('accepts the cron expressions the scheduler runs', () => {
    for (const schedule of ['*/30 * * * *', '0 * * * *', '0 */6 * * *', '0 2 * * *', '15,45 8-18 * * 1-5', '@hourly'])
      expect(isValidSchedule(schedule)).toBe(true);
  });
  it('rejects missing fields, out-of-range values and garbage', () => {
    for (const schedule of ['*/30 * * *', '61 * * * *', '0 24 * * *', '*/0 * * * *', '5-1 * * * *', 'every 30 minutes', ''])
      expect(isValidSchedule(schedule)).toBe(false);
  });
});

describe('applyRemediation', () => {
  it('refuses actions that do not fit the customer, with a stable code, and changes nothing', () => {
    const state = stateWith('provisioning_stuck');
    const before = structuredClone(state);
    expect(remediationError(() => applyRemediation(state, { kind: 'provisioning.retry', step: 'warp_drive' }, LATER)).code).toBe(
      'unknown_step',
    );
    expect(
      remediationError(() => applyRemediation(state, { kind: 'provisioning.retry', step: 'tenant_create' }, LATER)).code,
    ).toBe('step_not_failed');
    expect(remediationError(() => applyRemediation(state, { kind: 'jobs.restart', jobId: 'nope.export' }, LATER)).code).toBe(
      'unknown_job',
    );
    expect(
      remediationError(() => applyRemediation(state, { kind: 'feature.setEnabled', feature: 'teleport', enabled: true }, LATER))
        .code,
    ).toBe('unknown_feature');
    expect(
      remediationError(() => applyRemediation(state, { kind: 'config.set', key: 'exports.schedule', value: '*/5 * *' }, LATER))
        .message,
    ).toMatch(/5-field cron/);
    expect(
      remediationError(() => applyRemediation(state, { kind: 'flags.set', key: 'sso.enforce', value: 'yes' }, LATER)).code,
    ).toBe('invalid_value');
    const malformed = { kind: 'flags.set', key: 'Bad Key', value: true } as unknown as RemediationAction;
    expect(remediationError(() => applyRemediation(state, malformed, LATER)).code).toBe('invalid_action');
    const unknown = { kind: 'rm.rf', path: '/' } as unknown as RemediationAction;
    expect(remediationError(() => applyRemediation(state, unknown, LATER)).code).toBe('invalid_action');
    expect(state).toEqual(before);
  });

  it('validates actions with the exported schema', () => {
    expect(RemediationActionSchema.safeParse({ kind: 'version.pin', version: '26.3.0' }).success).toBe(true);
    expect(RemediationActionSchema.safeParse({ kind: 'version.pin', version: 'latest' }).success).toBe(false);
    expect(RemediationActionSchema.safeParse({ kind: 'jobs.restart', jobId: 'a', extra: 1 }).success).toBe(false);
  });

  it('enabling a job-backed feature creates its job, so the feature has something to run', () => {
    const state = fleet.states.find(
      (candidate) =>
        candidate.flags['feature.billing_sync'] === false && candidate.faults.length === 0 && candidate.entitlements?.length,
    );
    if (!state) throw new Error('no customer without billing_sync');
    const next = applyRemediation(state, { kind: 'feature.setEnabled', feature: 'billing_sync', enabled: true }, LATER);
    expect(next.jobs.find((job) => job.kind === 'billing_sync')).toMatchObject({
      worker: 'ok',
      lagMinutes: 0,
      lastRunAt: LATER.toISOString(),
    });
    // Not in the plan, so the fleet's entitlement audit would flag it.
    expect(activeFaults(next)).toEqual(['feature_entitlement_mismatch']);
  });
});

describe('planRemediation', () => {
  it('lists exactly what would change, current → new, without changing the state', () => {
    const state = stateWith('export_lag');
    const job = state.jobs.find((candidate) => candidate.worker === 'stuck') ?? state.jobs[0];
    if (!job) throw new Error('no job');
    const before = structuredClone(state);
    const plan = planRemediation(state, { kind: 'jobs.restart', jobId: job.id }, LATER);
    expect(state).toEqual(before);
    const paths = plan.changes.map((change) => change.path);
    expect(paths).toContain(`jobs[${job.id}].lastRunAt`);
    expect(plan.changes.find((change) => change.path === `jobs[${job.id}].lastRunAt`)).toEqual({
      path: `jobs[${job.id}].lastRunAt`,
      before: job.lastRunAt,
      after: LATER.toISOString(),
    });
    expect(plan.faultsBefore).toEqual(['export_lag']);
  });

  it('says when an action changes nothing', () => {
    const state = stateWith('sso_enforced_without_idp');
    const plan = planRemediation(state, { kind: 'flags.set', key: 'sso.enforce', value: true }, LATER);
    expect(plan.changes).toEqual([]);
    expect(plan.faultsAfter).toEqual(plan.faultsBefore);
  });
});

describe('observe', () => {
  it('answers every probe with plain JSON and refuses unknown probes and missing parameters', () => {
    const state = stateWith('upgrade_regression');
    for (const probe of ['sso.login', 'sso.metadata', 'provisioning.status', 'jobs.lag', 'customer.health'] as const) {
      const result = observe(state, probe, {}, NOW);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    }
    expect(() => observe(state, 'feature.state', {})).toThrow(/params.feature/);
    expect(() => observe(state, 'jobs.lag', { jobId: 'missing' })).toThrow(/no job "missing"/);
    expect(() => observe(state, 'disk.wipe' as never)).toThrow(/unknown probe/);
  });

  it('lets a stalled job’s lag grow with the clock it is given', () => {
    const state = stateWith('export_lag');
    const early = observe(state, 'jobs.lag', {}, NOW)['maxLagMinutes'];
    const late = observe(state, 'jobs.lag', {}, new Date(NOW.getTime() + 3_600_000))['maxLagMinutes'];
    expect(Number(late) - Number(early)).toBe(60);
  });
});

describe('resolveClearedSymptoms', () => {
  it('keeps the symptoms of a fault that is still there', () => {
    const state = stateWith('sso_enforced_without_idp');
    const result = resolveClearedSymptoms(state, LATER);
    expect(result.events).toEqual([]);
    expect(result.state).toBe(state);
  });

  it('resolves alerts at once and tickets after the customer confirms', () => {
    const state = applyRemediation(
      stateWith('sso_enforced_without_idp'),
      { kind: 'flags.set', key: 'sso.enforce', value: false },
      LATER,
    );
    const first = resolveClearedSymptoms(state, LATER);
    const alerts = state.symptoms?.filter((symptom) => symptom.kind === 'alert') ?? [];
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      expect(first.events).toContainEqual(
        expect.objectContaining({
          kind: 'alert',
          properties: expect.objectContaining({ status: 'resolved', thread: alert.thread }),
        }),
      );
    }
    expect(first.events.some((event) => event.kind === 'recovery')).toBe(true);
    expect(first.events.some((event) => event.kind === 'ticket')).toBe(false);
    for (const event of first.events) expect(EventInputSchema.safeParse(event).success).toBe(true);
    expect(first.state.symptoms?.every((symptom) => symptom.kind === 'ticket' && symptom.clearedAt === LATER.toISOString())).toBe(
      true,
    );

    const waiting = resolveClearedSymptoms(first.state, new Date(LATER.getTime() + 1_000));
    expect(waiting.events).toEqual([]);
    expect(waiting.state).toBe(first.state);
    const confirmed = resolveClearedSymptoms(first.state, new Date(LATER.getTime() + TICKET_CONFIRM_DELAY_MS));
    expect(confirmed.events.map((event) => [event.kind, event.properties?.['status']])).toEqual([['ticket', 'resolved']]);
    expect(confirmed.state.symptoms).toEqual([]);
  });
});

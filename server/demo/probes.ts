import type { Customer } from '../../shared/domain';
import { ApiFailure } from '../errors';
import type { ProbeInput } from '../remediation/types';
import { readCustomerStates } from './state';
import type { Queryable } from '../storage/types';
import type { Json } from '../../shared/json';
import { DEMO_FEATURES, featureFlag } from './catalog';
import { effectiveVersion, observe } from './health';
import type { DemoCustomerState } from './types';

/*
 * The demo fleet's probes: the demo connector's probe operations
 * (resources/catalogs/demo.catalog.yaml). They observe the customer's stored
 * simulation state and answer in the demo catalog's result shapes — the
 * contract wizard authors write conditions against — so the demo model's own
 * vocabulary (`metadataReady`, `failureRate`, …) is translated here. The
 * catalog runtime checks parameters before and results after, as for any call.
 */

/** The simulation state of a demo customer, or a 422 naming why there is none. */
export async function demoStateOf(db: Queryable, customer: Customer, what: string): Promise<DemoCustomerState> {
  const [state] = await readCustomerStates(db, [customer.id]);
  if (!state) {
    throw new ApiFailure(
      422,
      'not_simulated',
      `customer ${customer.id} has no simulated state, so the demo runner cannot answer ${what}; configure a runner for real customers`,
    );
  }
  return state;
}

/** A stable per-customer number in [0, modulo): the demo's sign-in latency must not jitter between verify attempts. */
function stableNumber(text: string, modulo: number): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  return hash % modulo;
}

function asRecord(value: Json | undefined): Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

type Observe = (probe: Parameters<typeof observe>[1], params?: Record<string, unknown>) => Record<string, Json>;

function observer(state: DemoCustomerState, now: number): Observe {
  return (probe, params = {}) => {
    try {
      return observe(state, probe, params, new Date(now)) as Record<string, Json>;
    } catch (error) {
      // observe() throws RangeError for parameters that do not fit this customer (an unknown job).
      if (error instanceof RangeError) throw new ApiFailure(422, 'probe_failed', error.message);
      throw error;
    }
  };
}

const demoProbes: Record<string, (state: DemoCustomerState, input: ProbeInput, look: Observe) => Record<string, Json>> = {
  'sso.login': (state, _input, look) => {
    const raw = look('sso.login');
    const ok = raw['ok'] === true;
    return {
      ok,
      status: ok ? 200 : 403,
      error: typeof raw['error'] === 'string' ? raw['error'] : null,
      latencyMs: 140 + stableNumber(state.customerId, 120),
      mode: raw['mode'] ?? null,
    };
  },
  'sso.metadata': (state, _input, look) => {
    const raw = look('sso.metadata');
    return {
      configured: raw['metadataReady'] === true,
      enforced: state.flags['sso.enforce'] === true,
      idpReachable: state.idp !== null,
      certificateExpired: raw['certificateExpired'] === true,
      certificateExpiresAt: typeof raw['certificateExpiresAt'] === 'string' ? raw['certificateExpiresAt'] : null,
      provider: raw['provider'] ?? null,
    };
  },
  'feature.state': (_state, input, look) => {
    const feature = String(input.params['feature']);
    const raw = look('feature.state', { feature });
    return {
      feature,
      entitled: raw['entitled'] === true,
      enabled: raw['enabled'] === true,
      health: raw['health'] ?? 'unknown',
      flagKey: featureFlag(feature),
      mismatch: raw['mismatch'] ?? null,
      errorRate: raw['errorRate'] ?? 0,
      lastError: raw['lastError'] ?? null,
    };
  },
  'provisioning.status': (_state, _input, look) => {
    const raw = look('provisioning.status');
    const steps = asArray(raw['steps']).map((item) => {
      const step = asRecord(item);
      return {
        name: String(step['step']),
        state: step['status'] ?? 'pending',
        attempts: Number(step['attempts'] ?? 0),
        error: step['error'] ?? null,
      };
    });
    const failed = steps.find((step) => step.state === 'failed') ?? null;
    const current =
      failed ?? steps.find((step) => step.state === 'running') ?? steps.find((step) => step.state === 'pending') ?? null;
    return {
      complete: raw['complete'] === true,
      currentStep: current?.name ?? null,
      failedStep: failed?.name ?? null,
      error: failed?.error ?? null,
      attempts: current?.attempts ?? 0,
      steps,
    };
  },
  'jobs.lag': (state, input, look) => {
    const jobId = typeof input.params['jobId'] === 'string' ? input.params['jobId'] : undefined;
    const raw = look('jobs.lag', jobId === undefined ? {} : { jobId });
    const rows = asArray(raw['jobs']).map(asRecord);
    // Without a job id, the job that lags most is the one worth looking at.
    const row = rows.reduce<Record<string, Json> | null>(
      (worst, candidate) => (worst === null || Number(candidate['lagMinutes']) > Number(worst['lagMinutes']) ? candidate : worst),
      null,
    );
    if (!row) throw new ApiFailure(422, 'probe_failed', `customer ${state.customerId} has no export or sync job`);
    const job = state.jobs.find((candidate) => candidate.id === row['id']);
    const feature = job?.kind === 'billing_sync' ? 'billing_sync' : 'exports';
    const isFeatureOn = state.flags[featureFlag(feature)] === true;
    const jobState = !isFeatureOn || row['scheduleValid'] === false ? 'paused' : row['worker'] === 'stuck' ? 'stuck' : 'running';
    return {
      jobId: String(row['id']),
      state: jobState,
      lagMinutes: Number(row['lagMinutes'] ?? 0),
      lastSuccessAt: typeof row['lastRunAt'] === 'string' ? row['lastRunAt'] : null,
      schedule: typeof row['schedule'] === 'string' ? row['schedule'] : null,
      workerHealthy: row['worker'] === 'ok',
      scheduleValid: row['scheduleValid'] ?? true,
    };
  },
  'customer.health': (state, input, look) => {
    const raw = look('customer.health');
    const features = asRecord(raw['features']);
    const failingFeatures = DEMO_FEATURES.filter((feature) => features[feature] === 'down' || features[feature] === 'degraded');
    const faults = asArray(raw['faults']);
    const isSsoDown = faults.includes('sso_enforced_without_idp');
    const isRegression = faults.includes('upgrade_regression');
    return {
      health: input.customer.lifecycle === 'churned' ? 'unknown' : (raw['health'] ?? 'unknown'),
      // Nobody signs in while SSO is broken; a release defect fails a share of one feature's calls.
      errorRate: isSsoDown ? 1 : isRegression ? 0.38 : 0.001,
      failingFeatures,
      version: effectiveVersion(state) ?? input.customer.version,
      faults,
    };
  },
};

/** Answers one demo probe (the demo connector's probe operations); a name the demo does not know is a 404. */
export async function runDemoProbe(name: string, input: ProbeInput): Promise<Record<string, Json>> {
  const answer = Object.hasOwn(demoProbes, name) ? demoProbes[name] : undefined;
  if (!answer) throw new ApiFailure(404, 'unknown_probe', `the demo fleet has no probe "${name}"`);
  const state = await demoStateOf(input.db, input.customer, `probe ${name}`);
  return answer(state, input, observer(state, input.now));
}

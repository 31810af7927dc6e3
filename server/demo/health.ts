import { z } from 'zod';
import type { Customer, CustomerFeature, EventInput, Health } from '../../shared/domain';
import type { Json } from '../../shared/json';
import { DEMO_FEATURES, JOB_FEATURES, PROVISIONING_STEP_FEATURES, featureFlag, isDemoFeature } from './catalog';
import type { DemoCustomerState, DemoFault, DemoJob, DemoSymptom } from './types';

/**
 * Health, faults, probes and remediations of the demo fleet: everything is a pure
 * function of a customer's `DemoCustomerState`, so an action that changes the
 * state and a re-derivation is all it takes to see a customer recover.
 */

const FlagValueSchema = z.union([z.boolean(), z.number().finite(), z.string().max(200)]);
const SettingKeySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'must be a dotted lower_snake_case key')
  .max(64);
const VersionSchema = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 24.3.0');

/** The remediation actions the demo-fleet runner understands, with their parameters. */
export const RemediationActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('flags.set'), key: SettingKeySchema, value: FlagValueSchema }),
  z.strictObject({ kind: z.literal('provisioning.retry'), step: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal('jobs.restart'), jobId: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('config.set'), key: SettingKeySchema, value: FlagValueSchema }),
  /** `null` unpins: the customer follows the release waves again. */
  z.strictObject({ kind: z.literal('version.pin'), version: VersionSchema.nullable() }),
  z.strictObject({ kind: z.literal('feature.setEnabled'), feature: z.string().min(1).max(64), enabled: z.boolean() }),
]);
export type RemediationAction = z.infer<typeof RemediationActionSchema>;
export type RemediationKind = RemediationAction['kind'];
export const REMEDIATION_KINDS = [
  'flags.set',
  'provisioning.retry',
  'jobs.restart',
  'config.set',
  'version.pin',
  'feature.setEnabled',
] as const satisfies readonly RemediationKind[];

/** Why an action cannot apply to this state; `code` is stable for API errors. */
export class RemediationError extends Error {
  readonly code: 'invalid_action' | 'unknown_step' | 'step_not_failed' | 'unknown_job' | 'unknown_feature' | 'invalid_value';
  constructor(code: RemediationError['code'], message: string) {
    super(message);
    this.name = 'RemediationError';
    this.code = code;
  }
}

const CRON_RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;
const CRON_PART = /^(\*|(\d+)(-(\d+))?)(\/(\d+))?$/;

/** Whether a job schedule is a 5-field cron expression (or @hourly/@daily) the scheduler accepts. */
export function isValidSchedule(schedule: string): boolean {
  if (schedule === '@hourly' || schedule === '@daily') return true;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== CRON_RANGES.length) return false;
  return fields.every((field, index) => {
    const [low, high] = CRON_RANGES[index] ?? [0, 0];
    return field.split(',').every((part) => {
      const match = CRON_PART.exec(part);
      if (!match) return false;
      const numbers = [match[2], match[4]].filter((value) => value !== undefined).map(Number);
      if (numbers.some((value) => value < low || value > high)) return false;
      if (numbers.length === 2 && (numbers[0] ?? 0) > (numbers[1] ?? 0)) return false;
      return match[6] === undefined || Number(match[6]) > 0;
    });
  });
}

/** The version the customer actually runs: a pin wins over the waves. */
export function effectiveVersion(state: DemoCustomerState): string | null {
  return state.pinnedVersion ?? state.version ?? null;
}

function isFeatureOn(state: DemoCustomerState, feature: string): boolean {
  return state.flags[featureFlag(feature)] === true;
}

function isEntitled(state: DemoCustomerState, feature: string): boolean | null {
  return state.entitlements ? state.entitlements.includes(feature) : null;
}

function isSsoBroken(state: DemoCustomerState): boolean {
  return state.flags['sso.enforce'] === true && !(state.idp?.metadataReady ?? false);
}

function jobFeature(job: DemoJob): string {
  return JOB_FEATURES[job.kind].feature;
}

/** A job is stalled when its worker hangs or the scheduler rejected its schedule: it will not run again by itself. */
export function isJobStalled(job: DemoJob): boolean {
  return job.worker === 'stuck' || !isValidSchedule(job.schedule);
}

function stalledJobs(state: DemoCustomerState): DemoJob[] {
  return state.jobs.filter((job) => isFeatureOn(state, jobFeature(job)) && isJobStalled(job));
}

function isRegressionActive(state: DemoCustomerState): boolean {
  return state.regression != null && effectiveVersion(state) === state.regression.version;
}

type Mismatch = { feature: string; kind: 'entitled_not_enabled' | 'enabled_not_entitled' };

function mismatches(state: DemoCustomerState): Mismatch[] {
  if (!state.entitlements) return [];
  const out: Mismatch[] = [];
  for (const feature of DEMO_FEATURES) {
    const entitled = state.entitlements.includes(feature);
    const enabled = isFeatureOn(state, feature);
    if (entitled && !enabled) out.push({ feature, kind: 'entitled_not_enabled' });
    if (!entitled && enabled) out.push({ feature, kind: 'enabled_not_entitled' });
  }
  return out;
}

/** The faults this state carries right now, in `DEMO_FAULTS` order. */
export function activeFaults(state: DemoCustomerState): DemoFault[] {
  const faults: DemoFault[] = [];
  if (isSsoBroken(state)) faults.push('sso_enforced_without_idp');
  if (mismatches(state).length > 0) faults.push('feature_entitlement_mismatch');
  if (state.provisioning.some((step) => step.status === 'failed')) faults.push('provisioning_stuck');
  if (stalledJobs(state).length > 0) faults.push('export_lag');
  if (isRegressionActive(state)) faults.push('upgrade_regression');
  return faults;
}

/** One feature's health as the state implies it; `entitled`/`enabled` come from the feature row when the state does not say. */
function featureHealth(state: DemoCustomerState, feature: string, entitled: boolean, enabled: boolean): Health {
  if (!enabled) return entitled ? 'down' : 'unknown';
  if (feature === 'sso' && isSsoBroken(state)) return 'down';
  const failedStep = state.provisioning.find((step) => step.status === 'failed');
  if (failedStep && PROVISIONING_STEP_FEATURES[failedStep.step] === feature) return 'down';
  if (isRegressionActive(state) && state.regression?.feature === feature) return 'degraded';
  if (stalledJobs(state).some((job) => jobFeature(job) === feature)) return 'degraded';
  return 'ok';
}

function customerHealth(state: DemoCustomerState): Health {
  const faults = activeFaults(state);
  // Nobody can sign in: the whole product is unreachable for this customer.
  if (faults.includes('sso_enforced_without_idp')) return 'down';
  // A feature switched on without entitlement is a billing problem, invisible to the customer.
  const customerVisible = faults.filter(
    (fault) =>
      fault !== 'feature_entitlement_mismatch' || mismatches(state).some((mismatch) => mismatch.kind === 'entitled_not_enabled'),
  );
  return customerVisible.length > 0 ? 'degraded' : 'ok';
}

/**
 * Customer and feature health from the state. Churned customers send no signals,
 * so their health is unknown. Feature rows get `entitled`/`enabled` from the
 * state's entitlements and `feature.<name>` flags.
 */
export function deriveHealth(
  customer: Customer,
  features: readonly CustomerFeature[],
  state: DemoCustomerState,
): { health: Health; features: CustomerFeature[] } {
  const isChurned = customer.lifecycle === 'churned';
  const derived = features.map((row) => {
    const entitled = isEntitled(state, row.feature) ?? row.entitled;
    const enabled = state.flags[featureFlag(row.feature)] === undefined ? row.enabled : isFeatureOn(state, row.feature);
    const health: Health = isChurned ? 'unknown' : featureHealth(state, row.feature, entitled, enabled);
    return { ...row, entitled, enabled, health } satisfies CustomerFeature;
  });
  return { health: isChurned ? 'unknown' : customerHealth(state), features: derived };
}

/** A copy of the state with `faults` brought in step with the rest. */
export function withFaults(state: DemoCustomerState): DemoCustomerState {
  return { ...state, faults: activeFaults(state) };
}

const JOB_KINDS = ['export', 'billing_sync'] as const satisfies ReadonlyArray<DemoJob['kind']>;

function cloneState(state: DemoCustomerState): DemoCustomerState {
  return structuredClone(state);
}

function runJobNow(job: DemoJob, now: Date): void {
  job.lastRunAt = now.toISOString();
  job.lagMinutes = 0;
}

function setFeatureEnabled(next: DemoCustomerState, feature: string, enabled: boolean, now: Date): void {
  next.flags[featureFlag(feature)] = enabled;
  if (!enabled) return;
  for (const kind of JOB_KINDS) {
    const spec = JOB_FEATURES[kind];
    if (spec.feature !== feature || next.jobs.some((job) => job.kind === kind)) continue;
    const schedule = String(next.config[spec.scheduleKey] ?? '0 * * * *');
    next.config[spec.scheduleKey] = schedule;
    next.jobs.push({
      id: jobId(next.customerId, kind),
      kind,
      schedule,
      lagMinutes: 0,
      worker: 'ok',
      lastRunAt: now.toISOString(),
    });
  }
}

/** The id of a customer's job of one kind. */
export function jobId(customerId: string, kind: DemoJob['kind']): string {
  return `${customerId}.${kind}`;
}

function parseAction(action: unknown): RemediationAction {
  const parsed = RemediationActionSchema.safeParse(action);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
  throw new RemediationError('invalid_action', `invalid remediation action${where}: ${issue?.message ?? 'unknown problem'}`);
}

/**
 * Applies one remediation to a copy of the state and returns it with `faults`
 * re-derived. Throws `RemediationError` (and changes nothing) when the action
 * does not fit this customer: an unknown step or job, a step that has not failed,
 * a schedule the scheduler would reject.
 */
export function applyRemediation(state: DemoCustomerState, action: RemediationAction, now: Date): DemoCustomerState {
  const checked = parseAction(action);
  const next = cloneState(state);
  switch (checked.kind) {
    case 'flags.set': {
      const feature = checked.key.startsWith('feature.') ? checked.key.slice('feature.'.length) : null;
      if (feature !== null) {
        if (!isDemoFeature(feature)) throw new RemediationError('unknown_feature', `unknown feature "${feature}"`);
        if (typeof checked.value !== 'boolean') throw new RemediationError('invalid_value', `${checked.key} takes true or false`);
        setFeatureEnabled(next, feature, checked.value, now);
      } else {
        if (checked.key === 'sso.enforce' && typeof checked.value !== 'boolean')
          throw new RemediationError('invalid_value', 'sso.enforce takes true or false');
        next.flags[checked.key] = checked.value;
      }
      break;
    }
    case 'feature.setEnabled': {
      if (!isDemoFeature(checked.feature)) throw new RemediationError('unknown_feature', `unknown feature "${checked.feature}"`);
      setFeatureEnabled(next, checked.feature, checked.enabled, now);
      break;
    }
    case 'provisioning.retry': {
      const index = next.provisioning.findIndex((step) => step.step === checked.step);
      const step = next.provisioning[index];
      if (!step)
        throw new RemediationError('unknown_step', `customer ${state.customerId} has no provisioning step "${checked.step}"`);
      if (step.status !== 'failed')
        throw new RemediationError(
          'step_not_failed',
          `provisioning step "${checked.step}" is ${step.status}; only a failed step can be retried`,
        );
      step.status = 'done';
      step.attempts += 1;
      step.error = null;
      step.updatedAt = now.toISOString();
      // The provisioner moves on to the next step by itself once the blocker is gone.
      const following = next.provisioning[index + 1];
      if (following && following.status === 'pending') {
        following.status = 'running';
        following.updatedAt = now.toISOString();
      }
      break;
    }
    case 'jobs.restart': {
      const job = next.jobs.find((candidate) => candidate.id === checked.jobId);
      if (!job) throw new RemediationError('unknown_job', `customer ${state.customerId} has no job "${checked.jobId}"`);
      job.worker = 'ok';
      // A restart runs the job once; whether it runs again depends on its schedule.
      runJobNow(job, now);
      break;
    }
    case 'config.set': {
      const job = next.jobs.find((candidate) => JOB_FEATURES[candidate.kind].scheduleKey === checked.key);
      const isScheduleKey = Object.values(JOB_FEATURES).some((spec) => spec.scheduleKey === checked.key);
      if (isScheduleKey && (typeof checked.value !== 'string' || !isValidSchedule(checked.value))) {
        throw new RemediationError(
          'invalid_value',
          `${checked.key} must be a 5-field cron expression, got ${JSON.stringify(checked.value)}`,
        );
      }
      next.config[checked.key] = checked.value;
      if (job && typeof checked.value === 'string') {
        const wasStalled = isJobStalled(job);
        job.schedule = checked.value;
        // The scheduler picks the job up again and catches up the missed runs at once.
        if (wasStalled && !isJobStalled(job)) runJobNow(job, now);
      }
      break;
    }
    case 'version.pin': {
      next.pinnedVersion = checked.version;
      break;
    }
  }
  next.faults = activeFaults(next);
  return next;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function toJson(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, toJson(child)]));
  return String(value);
}

/** The key that names an item of a state list (a provisioning step or a job), so plans say `jobs[acme.export].worker`. */
function itemKey(item: unknown): string | null {
  if (!isRecord(item)) return null;
  if (typeof item['step'] === 'string') return item['step'];
  if (typeof item['id'] === 'string') return item['id'];
  return null;
}

function flatten(value: unknown, prefix: string, out: Map<string, Json>): void {
  if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((item) => itemKey(item) !== null)) {
    for (const item of value) flatten(item, `${prefix}[${itemKey(item) ?? ''}]`, out);
    return;
  }
  out.set(prefix, toJson(value));
}

/** One line of a dry-run plan: what changes, from what, to what. */
export type RemediationChange = { path: string; before: Json; after: Json };

/**
 * A dry run: the changes `applyRemediation` would make and the faults before and
 * after, without changing anything. Throws the same `RemediationError`s.
 */
export function planRemediation(
  state: DemoCustomerState,
  action: RemediationAction,
  now: Date,
): { changes: RemediationChange[]; faultsBefore: DemoFault[]; faultsAfter: DemoFault[] } {
  const after = applyRemediation(state, action, now);
  const beforeFlat = new Map<string, Json>();
  const afterFlat = new Map<string, Json>();
  const { faults: _faultsBefore, symptoms: _symptomsBefore, ...beforeRest } = state;
  const { faults: _faultsAfter, symptoms: _symptomsAfter, ...afterRest } = after;
  flatten(beforeRest, '', beforeFlat);
  flatten(afterRest, '', afterFlat);
  const changes: RemediationChange[] = [];
  for (const path of new Set([...beforeFlat.keys(), ...afterFlat.keys()])) {
    const before = beforeFlat.get(path) ?? null;
    const afterValue = afterFlat.get(path) ?? null;
    if (JSON.stringify(before) !== JSON.stringify(afterValue)) changes.push({ path, before, after: afterValue });
  }
  return { changes, faultsBefore: activeFaults(state), faultsAfter: after.faults };
}

/** Probes the wizards run against a demo customer (`observe`). */
export const DEMO_PROBES = [
  'sso.login',
  'sso.metadata',
  'feature.state',
  'provisioning.status',
  'jobs.lag',
  'customer.health',
] as const;
export type DemoProbe = (typeof DEMO_PROBES)[number];

/** Logins that fail anyway (typos, expired sessions): what a healthy tenant shows. */
const BASELINE_LOGIN_FAILURE_RATE = 0.004;

/** Minutes since a stalled job last ran; a healthy job reports its measured lag. */
function jobLagMinutes(job: DemoJob, now: Date | undefined): number {
  if (!isJobStalled(job) || !now) return job.lagMinutes;
  return Math.max(job.lagMinutes, Math.floor((now.getTime() - Date.parse(job.lastRunAt)) / 60_000));
}

const LAG_THRESHOLD_MINUTES = 120;

/**
 * Runs a read-only probe against the state and returns plain JSON. `now` lets
 * time-dependent answers (job lag, certificate expiry) use the caller's clock.
 * Throws a RangeError for an unknown probe or a missing parameter.
 */
export function observe(
  state: DemoCustomerState,
  probe: DemoProbe,
  params: Record<string, unknown> = {},
  now?: Date,
): Record<string, Json> {
  switch (probe) {
    case 'sso.login': {
      const enforced = state.flags['sso.enforce'] === true;
      if (isSsoBroken(state)) {
        const provider = String(state.config['sso.provider'] ?? 'the identity provider');
        return {
          ok: false,
          failureRate: 1,
          enforced,
          mode: 'sso',
          error: `SAML response rejected: no IdP metadata configured for ${provider}`,
        };
      }
      return {
        ok: true,
        failureRate: BASELINE_LOGIN_FAILURE_RATE,
        enforced,
        mode: enforced ? 'sso' : state.idp ? 'sso_optional' : 'password',
        error: null,
      };
    }
    case 'sso.metadata': {
      if (!state.idp)
        return { configured: false, provider: null, metadataReady: false, certificateExpiresAt: null, certificateExpired: null };
      const expiresAt = state.idp.certificateExpiresAt;
      return {
        configured: true,
        provider: typeof state.config['sso.provider'] === 'string' ? state.config['sso.provider'] : null,
        metadataReady: state.idp.metadataReady,
        certificateExpiresAt: expiresAt,
        certificateExpired: now ? Date.parse(expiresAt) <= now.getTime() : null,
      };
    }
    case 'feature.state': {
      const feature = params['feature'];
      if (typeof feature !== 'string' || feature.length === 0) throw new RangeError('probe feature.state needs params.feature');
      const entitled = isEntitled(state, feature) ?? false;
      const enabled = isFeatureOn(state, feature);
      const mismatch = mismatches(state).find((candidate) => candidate.feature === feature)?.kind ?? null;
      const regression = isRegressionActive(state) && state.regression?.feature === feature ? state.regression : null;
      return {
        feature,
        entitled,
        enabled,
        visible: enabled,
        mismatch,
        health: featureHealth(state, feature, entitled, enabled),
        errorRate: regression ? 0.38 : 0,
        lastError: regression ? regression.error : null,
        signature: regression ? regression.signature : null,
        version: effectiveVersion(state),
      };
    }
    case 'provisioning.status': {
      const failed = state.provisioning.find((step) => step.status === 'failed') ?? null;
      return {
        ok: failed === null,
        complete: state.provisioning.length > 0 && state.provisioning.every((step) => step.status === 'done'),
        failedStep: failed?.step ?? null,
        error: failed?.error ?? null,
        attempts: failed?.attempts ?? null,
        steps: state.provisioning.map((step) => ({
          step: step.step,
          status: step.status,
          attempts: step.attempts,
          error: step.error,
          updatedAt: step.updatedAt,
        })),
      };
    }
    case 'jobs.lag': {
      const wanted = typeof params['jobId'] === 'string' ? params['jobId'] : null;
      const kind = typeof params['kind'] === 'string' ? params['kind'] : null;
      const jobs = state.jobs.filter((job) => (wanted === null || job.id === wanted) && (kind === null || job.kind === kind));
      if (wanted !== null && jobs.length === 0) throw new RangeError(`customer ${state.customerId} has no job "${wanted}"`);
      const rows = jobs.map((job) => {
        const lagMinutes = jobLagMinutes(job, now);
        const scheduleValid = isValidSchedule(job.schedule);
        return {
          id: job.id,
          kind: job.kind,
          schedule: job.schedule,
          scheduleValid,
          worker: job.worker,
          lastRunAt: job.lastRunAt,
          lagMinutes,
          stalled: isJobStalled(job),
          ok: !isJobStalled(job) && lagMinutes < LAG_THRESHOLD_MINUTES,
        };
      });
      const worst = rows.reduce<(typeof rows)[number] | null>(
        (max, row) => (max === null || row.lagMinutes > max.lagMinutes ? row : max),
        null,
      );
      return {
        ok: rows.every((row) => row.ok),
        maxLagMinutes: worst?.lagMinutes ?? 0,
        thresholdMinutes: LAG_THRESHOLD_MINUTES,
        stalledJobId: rows.find((row) => row.stalled)?.id ?? null,
        jobs: rows,
      };
    }
    case 'customer.health': {
      const features: Record<string, Json> = {};
      for (const feature of DEMO_FEATURES) {
        features[feature] = featureHealth(state, feature, isEntitled(state, feature) ?? false, isFeatureOn(state, feature));
      }
      return {
        health: customerHealth(state),
        ok: customerHealth(state) === 'ok',
        faults: activeFaults(state),
        version: state.version ?? null,
        pinnedVersion: state.pinnedVersion,
        effectiveVersion: effectiveVersion(state),
        features,
      };
    }
  }
  throw new RangeError(`unknown probe "${String(probe)}"`);
}

/** How long a customer takes to confirm a fix on their ticket once the fault is gone. */
export const TICKET_CONFIRM_DELAY_MS = 3 * 60_000;

/**
 * Monitoring's view after a fault clears: alerts that were symptoms of it resolve
 * at once (with one recovery event per fault); tickets resolve once the customer
 * has confirmed, `TICKET_CONFIRM_DELAY_MS` later. Returns the events and the
 * state without the resolved symptoms. Symptoms of faults still active stay.
 */
export function resolveClearedSymptoms(state: DemoCustomerState, now: Date): { state: DemoCustomerState; events: EventInput[] } {
  const symptoms = state.symptoms ?? [];
  if (symptoms.length === 0) return { state, events: [] };
  const faults = new Set(activeFaults(state));
  const events: EventInput[] = [];
  const kept: DemoSymptom[] = [];
  const recovered = new Set<DemoFault>();
  const at = now.toISOString();
  for (const symptom of symptoms) {
    if (faults.has(symptom.fault)) {
      kept.push(withoutClearedAt(symptom));
      continue;
    }
    if (symptom.kind === 'ticket') {
      const clearedAt = symptom.clearedAt ?? at;
      if (now.getTime() - Date.parse(clearedAt) < TICKET_CONFIRM_DELAY_MS) {
        kept.push(symptom.clearedAt === undefined ? { ...symptom, clearedAt } : symptom);
        continue;
      }
      events.push({
        customerId: state.customerId,
        occurredAt: at,
        kind: 'ticket',
        severity: 'info',
        source: { system: 'zendesk', externalId: `zendesk:${symptom.thread}:resolved:${symptom.openedAt}` },
        actor: 'support',
        summary: `${symptom.name} solved: ${symptom.summary}`,
        body: 'Customer confirmed the problem is gone. Closing.',
        feature: symptom.feature,
        links: { ticket: symptom.name },
        properties: { status: 'resolved', thread: symptom.thread },
      });
      continue;
    }
    recovered.add(symptom.fault);
    events.push({
      customerId: state.customerId,
      occurredAt: at,
      kind: 'alert',
      severity: 'info',
      source: { system: 'alertmanager', externalId: `alertmanager:${symptom.thread}:resolved` },
      actor: 'alertmanager',
      summary: `Resolved: ${symptom.summary}`,
      body: `**${symptom.name}** is no longer firing.`,
      feature: symptom.feature,
      properties: { status: 'resolved', thread: symptom.thread, alertname: symptom.name },
    });
  }
  for (const fault of recovered) {
    events.push({
      customerId: state.customerId,
      occurredAt: at,
      kind: 'recovery',
      severity: 'notice',
      source: { system: 'alertmanager', externalId: `alertmanager:recovery:${state.customerId}:${fault}:${at}` },
      actor: 'alertmanager',
      summary: RECOVERY_SUMMARIES[fault],
      feature: symptoms.find((symptom) => symptom.fault === fault)?.feature ?? null,
      properties: { fault },
    });
  }
  if (kept.length === symptoms.length && events.length === 0 && kept.every((symptom, index) => symptom === symptoms[index]))
    return { state, events };
  return { state: { ...state, symptoms: kept }, events };
}

function withoutClearedAt(symptom: DemoSymptom): DemoSymptom {
  if (symptom.clearedAt === undefined) return symptom;
  const { clearedAt: _clearedAt, ...rest } = symptom;
  return rest;
}

const RECOVERY_SUMMARIES: Readonly<Record<DemoFault, string>> = {
  sso_enforced_without_idp: 'SSO logins succeed again',
  feature_entitlement_mismatch: 'Feature access matches the plan again',
  provisioning_stuck: 'Provisioning is moving again',
  export_lag: 'Export job caught up',
  upgrade_regression: 'Error rate back to baseline',
};

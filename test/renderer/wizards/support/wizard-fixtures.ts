import type { Json } from '../../../../shared/json';
import { WizardSchema, type WizardDefinition } from '../../../../shared/wizards/format';

/**
 * A small wizard library for the renderer tests, in the format the desk loads
 * (parsed by the format's own schema, so defaults are filled in as on the desk).
 * Between them the wizards reach every need the runner shows: wizard inputs,
 * input steps, cache checks, probes, decisions, guidance with a confirmation,
 * low/medium/high-risk actions, an approval step, verify, escalate and record.
 */

/** SSO enforced before the identity provider was ready (the demo's "SSO broken" fault). */
export const SSO_WIZARD: WizardDefinition = WizardSchema.parse({
  id: 'sso-sign-in-failing',
  version: 3,
  title: 'SSO sign-in failing',
  description: 'Users of one customer cannot sign in with **SSO**, usually right after someone enforced SSO.',
  appliesTo: { features: ['sso'], eventKinds: ['alert', 'ticket', 'error_spike'], symptoms: ['cannot sign in', 'SAML error'] },
  inputs: [
    {
      id: 'affected',
      label: 'Who is affected?',
      type: 'choice',
      options: ['all users', 'some users', 'one user'],
      default: 'all users',
    },
  ],
  steps: [
    {
      id: 'recent-changes',
      kind: 'check',
      title: 'Recent SSO changes',
      source: 'cache',
      query: 'changes',
      params: { feature: 'sso', within: '24h' },
      save: 'changes',
    },
    { id: 'idp-state', kind: 'check', title: 'Identity provider state', source: 'probe', probe: 'sso.metadata' },
    {
      id: 'route',
      kind: 'decision',
      title: 'What broke sign-in?',
      branches: [
        {
          when: "checks['idp-state'].enforced && !checks['idp-state'].configured",
          goto: 'stop-enforcing',
          label: 'SSO is enforced but the identity provider has no metadata',
        },
        { when: "checks['idp-state'].certificateExpired", goto: 'renew-certificate', label: 'the certificate expired' },
      ],
      otherwise: 'describe-error',
    },
    {
      id: 'stop-enforcing',
      kind: 'action',
      title: 'Stop enforcing SSO',
      action: 'flags.set',
      params: { key: 'sso.enforce', value: false },
    },
    {
      id: 'confirm-sign-in',
      kind: 'verify',
      title: 'Sign-in works again',
      source: 'probe',
      probe: 'sso.login',
      until: 'result.ok',
      every: '10s',
      timeout: '3m',
      onTimeout: 'escalate-identity',
    },
    {
      id: 'enforcement-reverted',
      kind: 'record',
      title: 'SSO no longer enforced; sign-in works',
      outcome: 'workaround',
      rootCause: 'configuration-change',
      followUps: ['Enforce SSO for ${customer.name} again once the identity provider metadata is uploaded'],
    },
    {
      id: 'renew-certificate',
      kind: 'guidance',
      title: 'Ask the customer to renew the certificate',
      text: 'The identity provider certificate **expired**. Ask the customer admin to upload a new one.',
      confirm: 'The customer uploaded a new certificate',
      next: 'confirm-sign-in',
    },
    {
      id: 'describe-error',
      kind: 'input',
      title: 'What do users see?',
      fields: [
        { id: 'message', label: 'Error message users see', type: 'string', min: 5 },
        { id: 'since', label: 'Since when (hours)?', type: 'number', min: 0, max: 72, integer: true },
      ],
      next: 'escalate-identity',
    },
    {
      id: 'escalate-identity',
      kind: 'escalate',
      title: 'Hand over to the identity team',
      team: 'l3-identity',
      summary: 'SSO sign-in for ${customer.name} still fails after the desk checks.',
    },
  ],
});

/** An export job lagging behind: a low-risk restart, with typed inputs on the way. */
export const EXPORT_WIZARD: WizardDefinition = WizardSchema.parse({
  id: 'export-job-behind',
  version: 2,
  title: 'Export job lagging behind',
  description: 'The nightly export for one customer is hours behind.',
  appliesTo: { features: ['exports'], eventKinds: ['usage_drop', 'alert'], symptoms: ['export is late'] },
  inputs: [],
  steps: [
    {
      id: 'which-job',
      kind: 'input',
      title: 'Which job?',
      fields: [
        {
          id: 'jobId',
          label: 'Job id',
          type: 'string',
          pattern: 'job-[0-9]+',
          help: 'As shown in the *export console*, e.g. `job-42`.',
        },
        { id: 'hoursBehind', label: 'Hours behind', type: 'number', min: 1, max: 48, integer: true },
        { id: 'notifyCustomer', label: 'Tell the customer?', type: 'boolean' },
        { id: 'notes', label: 'Notes', type: 'text', required: false },
      ],
    },
    { id: 'lag', kind: 'check', title: 'Job lag', source: 'probe', probe: 'jobs.lag', params: { jobId: '${answers.jobId}' } },
    { id: 'restart', kind: 'action', title: 'Restart the job', action: 'jobs.restart', params: { jobId: '${answers.jobId}' } },
    {
      id: 'caught-up',
      kind: 'verify',
      title: 'The job caught up',
      source: 'probe',
      probe: 'jobs.lag',
      params: { jobId: '${answers.jobId}' },
      until: 'result.lagMinutes < 30',
      every: '30s',
      timeout: '5m',
      onTimeout: 'escalate-data',
    },
    {
      id: 'restarted',
      kind: 'record',
      title: 'Job restarted and caught up',
      outcome: 'remediated',
      rootCause: 'job-failure',
      followUps: [],
    },
    {
      id: 'escalate-data',
      kind: 'escalate',
      title: 'Hand over to the data team',
      team: 'l3-data',
      summary: 'The export job is still behind.',
    },
  ],
});

/** Degraded after an upgrade: a high-risk version pin behind an approval step. */
export const UPGRADE_WIZARD: WizardDefinition = WizardSchema.parse({
  id: 'degraded-after-version-upgrade',
  version: 5,
  title: 'Degraded after a version upgrade',
  description: 'The customer degraded right after an upgrade wave.',
  appliesTo: { features: [], eventKinds: ['version_upgrade', 'deploy', 'incident'], symptoms: ['errors since the upgrade'] },
  inputs: [],
  steps: [
    { id: 'latest-deploy', kind: 'check', title: 'Latest deploy', source: 'cache', query: 'latestDeploy' },
    { id: 'health', kind: 'check', title: 'Live health', source: 'probe', probe: 'customer.health' },
    {
      id: 'route',
      kind: 'decision',
      title: 'Regression?',
      branches: [
        {
          when: "checks.health.health != 'ok' && checks['latest-deploy'].found",
          goto: 'ask-l2',
          label: 'unhealthy since the latest deploy',
        },
      ],
      otherwise: 'escalate-release',
    },
    {
      id: 'ask-l2',
      kind: 'approval',
      title: 'L2 agrees to pin the version',
      reason: 'Pin ${customer.name} to ${checks["latest-deploy"].previousVersion}',
      who: 'l2',
    },
    {
      id: 'pin-version',
      kind: 'action',
      title: 'Pin the previous version',
      action: 'version.pin',
      params: {
        version: "${checks['latest-deploy'].previousVersion}",
        reason: 'Regression after ${checks["latest-deploy"].version}',
      },
    },
    {
      id: 'healthy-again',
      kind: 'verify',
      title: 'Healthy again',
      source: 'probe',
      probe: 'customer.health',
      until: "result.health == 'ok'",
      every: '20s',
      timeout: '4m',
      onTimeout: 'escalate-release',
    },
    {
      id: 'pinned',
      kind: 'record',
      title: 'Pinned to the previous version',
      outcome: 'workaround',
      rootCause: 'release-regression',
      followUps: ['Unpin ${customer.name} once the fix ships'],
    },
    {
      id: 'escalate-release',
      kind: 'escalate',
      title: 'Hand over to the release team',
      team: 'l3-release',
      summary: 'Possible regression for ${customer.name}.',
    },
  ],
});

/** Every wizard of the test library. */
export const TEST_WIZARDS: readonly WizardDefinition[] = [SSO_WIZARD, EXPORT_WIZARD, UPGRADE_WIZARD];

/** Check and verify results by step path; a list gives one result per attempt, the last repeating. */
export type CheckScript = Record<string, Json | Json[]>;

const ENFORCE_CHANGE: Json = {
  id: '01JGX3N5V8Q2M6R4T7W9Y1Z3B5',
  kind: 'flag_change',
  occurredAt: '2026-11-19T10:30:00.000Z',
  feature: 'sso',
  key: 'sso.enforce',
  actor: 'maria@ops.example',
  summary: 'sso.enforce enabled',
  prevValue: false,
  newValue: true,
};

/** What the fake desk answers for each wizard's automatic steps, unless a test changes it. */
export const DEFAULT_CHECKS: Record<string, CheckScript> = {
  'sso-sign-in-failing': {
    'recent-changes': { count: 1, items: [ENFORCE_CHANGE], flags: [ENFORCE_CHANGE], latest: ENFORCE_CHANGE },
    'idp-state': {
      configured: false,
      enforced: true,
      idpReachable: true,
      certificateExpired: false,
      certificateExpiresAt: '2027-03-01T00:00:00Z',
    },
    'confirm-sign-in': [
      { ok: false, status: 403, error: 'SAML response rejected', latencyMs: 212 },
      { ok: true, status: 200, error: null, latencyMs: 180 },
    ],
  },
  'export-job-behind': {
    lag: {
      jobId: 'job-42',
      state: 'stuck',
      lagMinutes: 410,
      lastSuccessAt: '2026-11-20T06:00:00.000Z',
      schedule: '0 * * * *',
      workerHealthy: false,
    },
    'caught-up': [
      {
        jobId: 'job-42',
        state: 'running',
        lagMinutes: 12,
        lastSuccessAt: '2026-11-20T13:00:00.000Z',
        schedule: '0 * * * *',
        workerHealthy: true,
      },
    ],
  },
  'degraded-after-version-upgrade': {
    'latest-deploy': {
      found: true,
      version: '4.12.0',
      previousVersion: '4.11.2',
      occurredAt: '2026-11-18T11:00:00.000Z',
      ageMinutes: 2900,
    },
    health: { health: 'degraded', errorRate: 0.21, failingFeatures: ['exports'], version: '4.12.0' },
    'healthy-again': [{ health: 'ok', errorRate: 0.01, failingFeatures: [], version: '4.11.2' }],
  },
};

/** What a plan says would change, by action: `from` is the state before, read by the "server". */
export const PLAN_CHANGES: Record<string, (params: Record<string, Json>) => { target: string; from: Json; to: Json }[]> = {
  'flags.set': (params) => [{ target: `flag ${String(params.key)}`, from: true, to: params.value ?? null }],
  'jobs.restart': (params) => [{ target: `job ${String(params.jobId)}`, from: 'stuck', to: 'restarted' }],
  'version.pin': (params) => [{ target: 'product version', from: '4.12.0', to: params.version ?? null }],
};

import { z } from 'zod';
import { CHANGE_KINDS, CustomerSchema, HEALTH_STATES, SEVERITIES } from '../domain';
import { DurationSchema } from './format';

/**
 * What wizards may call: the cache queries the desk answers offline, the probes
 * the server runs, and the remediation actions the server executes. The desk and
 * the server register exactly these names; their result and parameter schemas
 * are the contract between a wizard author, the desk and the server.
 */

/** How much harm an action can do if it is wrong; decides confirmation and approval on the server. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
/** One of {@link RISK_LEVELS}. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** A read-only query or probe: parameters in, a structured result out. */
export type DiagnosticSpec = {
  summary: string;
  params: z.ZodObject;
  result: z.ZodObject;
};

/** A remediation action: typed parameters, a risk level. */
export type ActionSpec = {
  summary: string;
  risk: RiskLevel;
  params: z.ZodObject;
};

const FeatureNameSchema = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a feature name such as sso or exports');
const IsoTime = z.string();

const ChangeItemSchema = z.object({
  id: z.string(),
  kind: z.string(),
  occurredAt: IsoTime,
  feature: z.string().nullable(),
  key: z.string().nullable().describe('The flag or configuration key, when the change has one.'),
  actor: z.string().nullable(),
  summary: z.string(),
  prevValue: z.json(),
  newValue: z.json(),
});

const EventItemSchema = z.object({
  id: z.string(),
  kind: z.string(),
  severity: z.enum(SEVERITIES),
  occurredAt: IsoTime,
  feature: z.string().nullable(),
  summary: z.string(),
});

/** Cache queries: answered by the desk from its local cache, so they work offline. */
export const CACHE_QUERIES = {
  changes: {
    summary: 'Changes (deploys, upgrades, flag, config, plan and provisioning changes) on this customer in a recent window.',
    params: z.strictObject({
      feature: FeatureNameSchema.optional(),
      kinds: z.array(z.enum(CHANGE_KINDS)).min(1).optional(),
      within: DurationSchema,
    }),
    result: z.object({
      count: z.number(),
      items: z.array(ChangeItemSchema).describe('Newest first.'),
      flags: z.array(ChangeItemSchema).describe('Only the flag changes, newest first.'),
      latest: ChangeItemSchema.nullable(),
    }),
  },
  latestDeploy: {
    summary: 'The most recent deploy or version upgrade of this customer.',
    params: z.strictObject({}),
    result: z.object({
      found: z.boolean(),
      version: z.string().nullable(),
      previousVersion: z.string().nullable(),
      occurredAt: IsoTime.nullable(),
      ageMinutes: z.number().nullable(),
    }),
  },
  openItems: {
    summary: 'Open alerts, incidents and tickets on this customer.',
    params: z.strictObject({
      feature: FeatureNameSchema.optional(),
      kind: z.enum(['alert', 'incident', 'ticket']).optional(),
    }),
    result: z.object({
      count: z.number(),
      items: z.array(EventItemSchema),
    }),
  },
  events: {
    summary: 'Timeline events of given kinds on this customer in a recent window.',
    params: z.strictObject({
      kinds: z
        .array(z.string().regex(/^[a-z][a-z_]{0,47}$/))
        .min(1)
        .optional(),
      feature: FeatureNameSchema.optional(),
      within: DurationSchema,
    }),
    result: z.object({
      count: z.number(),
      items: z.array(EventItemSchema).describe('Newest first.'),
    }),
  },
  customer: {
    summary: "The customer's record and per-feature state as last synced.",
    params: z.strictObject({}),
    result: z.object({
      id: z.string(),
      name: z.string(),
      plan: z.string(),
      lifecycle: z.string(),
      health: z.enum(HEALTH_STATES),
      version: z.string(),
      features: z.array(
        z.object({ feature: z.string(), entitled: z.boolean(), enabled: z.boolean(), health: z.enum(HEALTH_STATES) }),
      ),
    }),
  },
} as const satisfies Record<string, DiagnosticSpec>;

/** Server probes: live diagnostics run by the server; they need a connection. */
export const PROBES = {
  'sso.login': {
    summary: "Attempts a synthetic SSO sign-in for the customer's tenant.",
    params: z.strictObject({}),
    result: z.object({
      ok: z.boolean(),
      status: z.number().describe('HTTP status the sign-in ended with.'),
      error: z.string().nullable(),
      latencyMs: z.number(),
    }),
  },
  'sso.metadata': {
    summary: "Reads the tenant's SSO configuration and its identity provider metadata.",
    params: z.strictObject({}),
    result: z.object({
      configured: z.boolean().describe('Identity provider metadata is present.'),
      enforced: z.boolean().describe('Password sign-in is disabled: SSO is the only way in.'),
      idpReachable: z.boolean(),
      certificateExpired: z.boolean(),
      certificateExpiresAt: IsoTime.nullable(),
    }),
  },
  'feature.state': {
    summary: 'Entitlement, flag and health of one feature for the customer.',
    params: z.strictObject({ feature: FeatureNameSchema }),
    result: z.object({
      feature: z.string(),
      entitled: z.boolean().describe('The plan includes it.'),
      enabled: z.boolean().describe('Its flag is on.'),
      health: z.enum(HEALTH_STATES),
      flagKey: z.string().nullable(),
    }),
  },
  'provisioning.status': {
    summary: 'Progress of the onboarding provisioning steps.',
    params: z.strictObject({}),
    result: z.object({
      complete: z.boolean(),
      currentStep: z.string().nullable(),
      failedStep: z.string().nullable(),
      error: z.string().nullable(),
      attempts: z.number().describe('Attempts of the failed or current step.'),
      steps: z.array(
        z.object({
          name: z.string(),
          state: z.enum(['pending', 'running', 'failed', 'done']),
          attempts: z.number(),
          error: z.string().nullable(),
        }),
      ),
    }),
  },
  'jobs.lag': {
    summary: 'How far a data export or sync job lags behind.',
    params: z.strictObject({ jobId: z.string().min(1).max(128).optional() }),
    result: z.object({
      jobId: z.string(),
      state: z.enum(['running', 'stuck', 'paused', 'failed']),
      lagMinutes: z.number(),
      lastSuccessAt: IsoTime.nullable(),
      schedule: z.string().nullable(),
      workerHealthy: z.boolean(),
    }),
  },
  'customer.health': {
    summary: "The customer's live health signals.",
    params: z.strictObject({}),
    result: z.object({
      health: z.enum(HEALTH_STATES),
      errorRate: z.number().describe('Share of failing requests, 0..1.'),
      failingFeatures: z.array(z.string()),
      version: z.string(),
    }),
  },
} as const satisfies Record<string, DiagnosticSpec>;

/** Remediation actions the server executes (after a dry-run plan and confirmation). */
export const ACTIONS = {
  'flags.set': {
    summary: 'Sets a feature flag for the customer.',
    risk: 'medium',
    params: z.strictObject({ key: z.string().min(1).max(128), value: z.union([z.boolean(), z.string(), z.number()]) }),
  },
  'feature.setEnabled': {
    summary: 'Turns a feature on or off for the customer (within its entitlement).',
    risk: 'medium',
    params: z.strictObject({ feature: FeatureNameSchema, enabled: z.boolean() }),
  },
  'provisioning.retry': {
    summary: 'Retries a failed provisioning step.',
    risk: 'low',
    params: z.strictObject({ step: z.string().min(1).max(128) }),
  },
  'jobs.restart': {
    summary: "Restarts a customer's export or sync job on a healthy worker.",
    risk: 'low',
    params: z.strictObject({ jobId: z.string().min(1).max(128) }),
  },
  'config.set': {
    summary: 'Sets a configuration value for the customer.',
    risk: 'high',
    params: z.strictObject({ key: z.string().min(1).max(128), value: z.json() }),
  },
  'version.pin': {
    summary: 'Pins (or rolls back) the customer to a product version.',
    risk: 'high',
    params: z.strictObject({ version: z.string().min(1).max(64), reason: z.string().max(500).optional() }),
  },
} as const satisfies Record<string, ActionSpec>;

/** A cache query name. */
export type CacheQueryName = keyof typeof CACHE_QUERIES;
/** A server probe name. */
export type ProbeName = keyof typeof PROBES;
/** An action name. */
export type ActionName = keyof typeof ACTIONS;

/** The whole catalog: the single list the desk and the server register. */
export const WIZARD_CATALOG = { queries: CACHE_QUERIES, probes: PROBES, actions: ACTIONS } as const;

/** The fields of the `customer` variable in conditions (the customer record as synced). */
export const CUSTOMER_FIELDS: readonly string[] = Object.keys(CustomerSchema.shape);

/** Names known to the catalog, in the shape `validateWizard` takes. */
export function catalogNames(): { knownActions: string[]; knownProbes: string[]; knownQueries: string[] } {
  return { knownActions: Object.keys(ACTIONS), knownProbes: Object.keys(PROBES), knownQueries: Object.keys(CACHE_QUERIES) };
}

/** The spec of a cache query, or undefined. */
export function querySpec(name: string): DiagnosticSpec | undefined {
  return Object.hasOwn(CACHE_QUERIES, name) ? CACHE_QUERIES[name as CacheQueryName] : undefined;
}

/** The spec of a server probe, or undefined. */
export function probeSpec(name: string): DiagnosticSpec | undefined {
  return Object.hasOwn(PROBES, name) ? PROBES[name as ProbeName] : undefined;
}

/** The spec of an action, or undefined. */
export function actionSpec(name: string): ActionSpec | undefined {
  return Object.hasOwn(ACTIONS, name) ? ACTIONS[name as ActionName] : undefined;
}

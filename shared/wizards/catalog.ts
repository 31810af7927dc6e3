import { z } from 'zod';
import { CHANGE_KINDS, CustomerSchema, FeatureNameSchema, HEALTH_STATES, SEVERITIES } from '../domain';
import { DurationSchema } from './format';

/**
 * What wizards may call besides the server's catalog: the cache queries the
 * desk answers offline (its own, the same for every deployment). Probes and
 * actions are not listed here: each server declares them in its catalog file
 * (docs/catalog.md; the demo fleet's is resources/catalogs/demo.catalog.yaml)
 * and publishes them to desks, which check wizards and results against it.
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
    summary:
      'The most recent version upgrade (or deploy of a release) of this customer; infrastructure deploys that change no product version are not counted.',
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

/** A cache query name. */
export type CacheQueryName = keyof typeof CACHE_QUERIES;

/** The fields of the `customer` variable in conditions (the customer record as synced). */
export const CUSTOMER_FIELDS: readonly string[] = Object.keys(CustomerSchema.shape);

/** The spec of a cache query, or undefined. */
export function querySpec(name: string): DiagnosticSpec | undefined {
  return Object.hasOwn(CACHE_QUERIES, name) ? CACHE_QUERIES[name as CacheQueryName] : undefined;
}

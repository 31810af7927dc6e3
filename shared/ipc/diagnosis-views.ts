import { z } from 'zod';
import { CustomerIdSchema, HEALTH_STATES, IsoTimeSchema, LIFECYCLE_STAGES, PLANS } from '../domain';

/**
 * Shapes of the diagnosis channels (issue 12): suspect changes, who else is
 * hit, release health, and the customer's signal chart. The rules behind them
 * are in shared/diagnosis/.
 */

const EventIdSchema = z.string().min(1).max(64);
const HoursSchema = z
  .number()
  .min(1)
  .max(24 * 90);

/** The signal a diagnosis is about: its first occurrence on the customer. */
export const SignalViewSchema = z.object({
  /** The event looked at; null for an unhealthy feature without a signal event. */
  eventId: z.string().nullable(),
  customerId: z.string(),
  kind: z.string(),
  summary: z.string(),
  feature: z.string().nullable(),
  /** When the signal started (its first event with the same signature shortly before). */
  occurredAt: IsoTimeSchema,
  signature: z.string().nullable(),
});
export type SignalView = z.infer<typeof SignalViewSchema>;

export const SuspectViewSchema = z.object({
  eventId: z.string(),
  kind: z.string(),
  occurredAt: IsoTimeSchema,
  summary: z.string(),
  feature: z.string().nullable(),
  actor: z.string().nullable(),
  changeKey: z.string(),
  score: z.number(),
  parts: z.object({ proximity: z.number(), feature: z.number(), key: z.number(), upgrade: z.number(), fleet: z.number() }),
  gapMs: z.number(),
  otherCustomers: z.number().int().nonnegative(),
  reasons: z.array(z.string()),
  reason: z.string(),
});
export type SuspectView = z.infer<typeof SuspectViewSchema>;

export const SuspectsInputSchema = z.strictObject({ eventId: EventIdSchema, windowHours: HoursSchema.optional() });
export const SuspectsOutputSchema = z.object({
  signal: SignalViewSchema,
  windowHours: z.number(),
  suspects: z.array(SuspectViewSchema),
});
export type SuspectsOutput = z.infer<typeof SuspectsOutputSchema>;

const ImpactCountSchema = z.object({ value: z.string(), affected: z.number().int(), fleet: z.number().int() });

export const AffectedCustomerSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  plan: z.enum(PLANS),
  region: z.string(),
  lifecycle: z.enum(LIFECYCLE_STAGES),
  health: z.enum(HEALTH_STATES),
  firstAt: IsoTimeSchema,
  events: z.number().int().positive(),
});
export type AffectedCustomer = z.infer<typeof AffectedCustomerSchema>;

/**
 * How often a signature (or every signature under a prefix rule) has been seen,
 * from the synced cache (offline too): events and customers in a window, and the
 * first and last time anywhere in the cache.
 */
export const SignatureSeenSchema = z.object({
  /** The signature, or a prefix rule's prefix followed by "*". */
  signature: z.string(),
  /** "billingsyncerrorrate (alert)". */
  label: z.string(),
  from: IsoTimeSchema,
  to: IsoTimeSchema,
  /** Events with it from `from` to `to`, and how many customers they are on. */
  hits: z.number().int().nonnegative(),
  customers: z.number().int().nonnegative(),
  /** First and last seen in the whole cache; null when never. */
  firstAt: IsoTimeSchema.nullable(),
  lastAt: IsoTimeSchema.nullable(),
});
export type SignatureSeen = z.infer<typeof SignatureSeenSchema>;

export const WhoElseInputSchema = z.strictObject({ eventId: EventIdSchema, windowHours: HoursSchema.optional() });
export const WhoElseOutputSchema = z.object({
  signal: SignalViewSchema,
  /** Hours either side of the signal's start searched for the same signature. */
  windowHours: z.number(),
  /** Hours before each affected customer's first signal searched for the changes they share. */
  changeWindowHours: z.number(),
  from: IsoTimeSchema,
  to: IsoTimeSchema,
  /** Customers in the cache that are not churned. */
  fleetSize: z.number().int().nonnegative(),
  /** Affected customers, the one looked at included. */
  affectedCount: z.number().int().nonnegative(),
  others: z.number().int().nonnegative(),
  thisVersion: z.string().nullable(),
  sameVersionOthers: z.number().int().nonnegative(),
  /** The other affected customers, earliest first (at most 200). */
  customers: z.array(AffectedCustomerSchema),
  breakdown: z.object({
    version: z.array(ImpactCountSchema),
    plan: z.array(ImpactCountSchema),
    region: z.array(ImpactCountSchema),
    lifecycle: z.array(ImpactCountSchema),
  }),
  /** Changes the affected customers had in the hours before their first signal, most shared first. */
  sharedChanges: z.array(
    z.object({ changeKey: z.string(), label: z.string(), affected: z.number().int(), unaffected: z.number().int().nullable() }),
  ),
  headline: z.string(),
  lines: z.array(z.string()),
  /** The signal's signature seen in the window, and first and last in the cache; null without a signature. */
  seen: SignatureSeenSchema.nullable(),
});
export type WhoElseOutput = z.infer<typeof WhoElseOutputSchema>;

/** What the customer page shows before any wizard is started. */
export const CustomerDiagnosisSchema = z.object({
  signal: SignalViewSchema.nullable(),
  suspects: z.array(SuspectViewSchema),
  impact: z
    .object({
      others: z.number().int().nonnegative(),
      affectedCount: z.number().int().nonnegative(),
      fleetSize: z.number().int().nonnegative(),
      thisVersion: z.string().nullable(),
      sameVersionOthers: z.number().int().nonnegative(),
      headline: z.string(),
    })
    .nullable(),
});
export type CustomerDiagnosis = z.infer<typeof CustomerDiagnosisSchema>;
export const CustomerDiagnosisInputSchema = z.strictObject({ customerId: CustomerIdSchema });

/** The customer's signal chart: its signature's events per bucket, the fleet's beside them, and the suspect changes as markers. */
export const SignalSeriesInputSchema = z.strictObject({
  customerId: CustomerIdSchema,
  /** Hours before the signal's start the chart begins (default 48). */
  hoursBefore: HoursSchema.optional(),
});
export const SignalSeriesSchema = z.object({
  /** The signal the customer page explains (as diagnosis:customer picks it); null when there is none. */
  signal: SignalViewSchema.nullable(),
  from: IsoTimeSchema,
  to: IsoTimeSchema,
  /** One hour, or one day for charts longer than a week. */
  bucketMs: z.number().int().positive(),
  /** Every bucket from `from` to `to`, empty ones included, oldest first. */
  buckets: z.array(
    z.object({
      at: IsoTimeSchema,
      /** This customer's events with the signal's signature. */
      customer: z.number().int().nonnegative(),
      /** Other customers' events with the same signature, and how many customers they are. */
      fleet: z.number().int().nonnegative(),
      fleetCustomers: z.number().int().nonnegative(),
    }),
  ),
  /** The ranked suspect changes on the time axis, most likely first. */
  markers: z.array(
    z.object({
      eventId: z.string(),
      occurredAt: IsoTimeSchema,
      kind: z.string(),
      summary: z.string(),
      rank: z.number().int().positive(),
      score: z.number(),
    }),
  ),
});
export type SignalSeries = z.infer<typeof SignalSeriesSchema>;

const LagSchema = z.object({
  behind: z.number().int().nonnegative(),
  reason: z.enum(['pinned', 'upgrade_failed', 'blocked_by_setting', 'onboarding', 'not_yet']),
  detail: z.string(),
});

/** One release: who runs it, how they fare, what is new since, and whether it looks worse than the one before. */
export const ReleaseHealthSchema = z.object({
  version: z.string(),
  releasedAt: IsoTimeSchema,
  notes: z.string().nullable(),
  customers: z.number().int().nonnegative(),
  degraded: z.number().int().nonnegative(),
  down: z.number().int().nonnegative(),
  /** Degraded or down, of its customers (0–1). */
  affectedShare: z.number(),
  /** Signatures first seen anywhere after this release, on customers now on it. */
  newSignatures: z.array(
    z.object({ signature: z.string(), label: z.string(), customers: z.number().int(), firstAt: IsoTimeSchema }),
  ),
  previousVersion: z.string().nullable(),
  /** Why the release is suspect (shared/diagnosis/releases.ts), or null. */
  suspect: z.string().nullable(),
  /** What its share was compared with, or why there was too little to compare with, in words. */
  comparedWith: z.string(),
  /** The fleet grouped by version: its customers (at most 500). */
  customerIds: z.array(z.string()),
});
export type ReleaseHealth = z.infer<typeof ReleaseHealthSchema>;

export const ReleasesOutputSchema = z.object({
  latestVersion: z.string().nullable(),
  /** Newest first; versions customers run without a release record are included with what is known. */
  releases: z.array(ReleaseHealthSchema),
  /** Customers behind the latest release, and why. */
  lagging: z.array(
    z
      .object({ customerId: z.string(), name: z.string(), version: z.string(), lifecycle: z.enum(LIFECYCLE_STAGES) })
      .extend(LagSchema.shape),
  ),
  /** Onboarding customers with a stuck step, or waiting on the customer. */
  onboarding: z.array(
    z.object({
      customerId: z.string(),
      name: z.string(),
      done: z.number().int(),
      stuck: z.array(z.string()),
      waiting: z.array(z.string()),
      total: z.number().int(),
    }),
  ),
  names: z.record(z.string(), z.string()),
});
export type ReleasesOutput = z.infer<typeof ReleasesOutputSchema>;

/** Setting a customer up and keeping it current: onboarding checklist, features paid for but off, its lag. */
export const CustomerSetupSchema = z.object({
  steps: z.array(
    z.object({
      step: z.string(),
      state: z.enum(['done', 'stuck', 'waiting_on_customer', 'running', 'pending']),
      status: z.string(),
      at: IsoTimeSchema,
      summary: z.string(),
      eventId: z.string(),
    }),
  ),
  entitledNotEnabled: z.array(z.string()),
  lag: LagSchema.nullable(),
  latestVersion: z.string().nullable(),
  /** The customer's flags and config as they stand: the newest change of each key (at most 100, by key). */
  settings: z.array(
    z.object({
      kind: z.enum(['flag', 'config']),
      key: z.string(),
      /** The value set, as text ("true", "eu-2", a JSON object's text); null when the change carried none. */
      value: z.string().nullable(),
      at: IsoTimeSchema,
      actor: z.string().nullable(),
      eventId: z.string(),
    }),
  ),
});
export type CustomerSetup = z.infer<typeof CustomerSetupSchema>;

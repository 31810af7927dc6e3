import { z } from 'zod';
import { HEALTH_STATES, LIFECYCLE_STAGES, PLANS, SEVERITIES } from './domain-values';
import { CUSTOMER_ID_PATTERN } from './routes';

/** Customer ids as used in buckets, routes and URLs (the one pattern: shared/routes.ts). */
export const CustomerIdSchema = z.string().regex(CUSTOMER_ID_PATTERN, 'must be 1–128 letters, digits, ".", "_" or "-"');

/** Feature names (sso, exports, billing.sync): lower-case, then letters, digits, `_`, `.` or `-`. */
export const FeatureNameSchema = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a feature name such as sso or exports');

const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * ISO-8601 timestamp with offset, from 0001-01-01 to 9999-12-31 (UTC): the
 * instants PostgreSQL stores and `toISOString` writes back in this same form.
 * The format alone let year 0000 through, which PostgreSQL refuses (issue 9).
 */
export const IsoTimeSchema = z.iso.datetime({ offset: true }).refine((value) => {
  const instant = Date.parse(value);
  return instant >= EARLIEST_TIME && instant <= LATEST_TIME;
}, 'must be a time between the years 0001 and 9999');

// The value lists are zod-free in ./domain-values so the page's first screen can use them without loading zod (#15).
export {
  CHANGE_KINDS,
  EVENT_KINDS,
  HEALTH_STATES,
  LIFECYCLE_STAGES,
  PLANS,
  SEVERITIES,
  type Health,
  type Severity,
} from './domain-values';

/** A customer (tenant) of the operated product. */
export const CustomerSchema = z.object({
  id: CustomerIdSchema,
  name: z.string().min(1).max(200),
  plan: z.enum(PLANS),
  region: z.string().min(1).max(64),
  environment: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
  lifecycle: z.enum(LIFECYCLE_STAGES),
  health: z.enum(HEALTH_STATES),
  owner: z.string().max(200).nullable(),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;

/** One product feature's state for one customer. Row id: `<customerId>:<feature>`. */
export const CustomerFeatureSchema = z.object({
  customerId: CustomerIdSchema,
  feature: FeatureNameSchema,
  entitled: z.boolean(),
  enabled: z.boolean(),
  health: z.enum(HEALTH_STATES),
  lastSignalAt: IsoTimeSchema.nullable(),
});
export type CustomerFeature = z.infer<typeof CustomerFeatureSchema>;

/** Where an event came from; `externalId` makes ingest idempotent per system. */
export const EventSourceSchema = z.object({
  system: z.string().min(1).max(64),
  externalId: z.string().min(1).max(256),
});

/** References from an event to other records. */
export const EventLinksSchema = z
  .object({
    ticket: z.string().max(512),
    incident: z.string().max(512),
    problem: z.string().max(512),
    release: z.string().max(512),
    run: z.string().max(512),
    url: z.string().max(2048),
  })
  .partial();

/** The parts of a timeline event a producer supplies (ingest). */
export const EventInputSchema = z.object({
  customerId: CustomerIdSchema,
  occurredAt: IsoTimeSchema,
  kind: z.string().regex(/^[a-z][a-z_]{0,47}$/, 'must be lower_snake_case'),
  severity: z.enum(SEVERITIES),
  source: EventSourceSchema,
  actor: z.string().max(200).nullable().default(null),
  summary: z.string().min(1).max(500),
  body: z.string().max(20_000).nullable().default(null),
  feature: z.string().max(64).nullable().default(null),
  prevValue: z.json().nullable().default(null),
  newValue: z.json().nullable().default(null),
  links: EventLinksSchema.default({}),
  properties: z.record(z.string(), z.json()).default({}),
});
export type EventInput = z.input<typeof EventInputSchema>;

/** `<family>:<name>:<hash>` (shared/signature.ts); computed by the server, never sent by producers. */
export const SignatureSchema = z.string().regex(/^[a-z]+:[a-z0-9#<>._-]{1,80}:[0-9a-f]{16}$/, 'must be a signature');

/** One immutable fact about one customer. */
export const TimelineEventSchema = EventInputSchema.extend({
  id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'),
  recordedAt: IsoTimeSchema,
  /** "The same failure" across customers (alerts, errors, incidents); null for other kinds. Absent from older servers. */
  signature: SignatureSchema.nullable().default(null),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

/** An engineer's note on a customer, or on one of its events. */
export const NoteSchema = z.object({
  id: z.string().min(1).max(64),
  customerId: CustomerIdSchema,
  eventId: z.string().max(64).nullable(),
  author: z.string().max(200),
  body: z.string().min(1).max(20_000),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
});
export type Note = z.infer<typeof NoteSchema>;

/** A product release; the newest one is what "behind the latest" is measured against. */
export const ReleaseSchema = z.object({
  version: z.string().min(1).max(64),
  releasedAt: IsoTimeSchema,
  notes: z.string().max(5000).nullable(),
});
export type Release = z.infer<typeof ReleaseSchema>;

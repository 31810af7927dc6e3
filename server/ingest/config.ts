import { z } from 'zod';
import { CustomerIdSchema, FeatureNameSchema, SEVERITIES } from '../../shared/domain';
import jsonata from 'jsonata';
import {
  CloudEventKindsSchema,
  CustomerAttributeSchema,
  CustomerLabelsSchema,
  CustomersFromSchema,
  DEFAULT_CUSTOMER_ATTRIBUTE,
  DEFAULT_CUSTOMER_LABELS,
  DEFAULT_CUSTOMERS_FROM,
  DEFAULT_EVENT_KIND,
  DEFAULT_FEATURE_LABEL,
  DEFAULT_SEVERITIES,
  DEFAULT_SEVERITY_LABEL,
  EventKindSchema,
  GENERIC_PRESETS,
  JsonataExpressionSchema,
  LabelNameSchema,
  SeverityMapSchema,
  SourceIdSchema,
} from '../../shared/ingest-sources';

export { GENERIC_PRESETS, SOURCE_KINDS, SourceIdSchema, usesHmac, type SourceKind } from '../../shared/ingest-sources';

/*
 * What an admin declares about one ingest source (admin API and --sources file
 * alike): its kind, how its payloads name customers, defaults, limits. Secrets
 * are not part of it: the URL token or HMAC secret is generated (or given) at
 * registration and kept apart (server/repo/ingest.ts).
 */

const SeveritySchema = z.enum(SEVERITIES);

/** A rule that turns a payload's customer reference into a customer id: `^acme-(.*)$` → `$1`. */
const CustomerRuleSchema = z.strictObject({
  match: z
    .string()
    .min(1)
    .max(500)
    .refine((pattern) => {
      try {
        new RegExp(pattern, 'u');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
  customer: z.string().min(1).max(200),
});

const CommonShape = {
  id: SourceIdSchema,
  name: z.string().min(1).max(200).optional(),
  /** Aliases this source's payloads use: `acme-prod: acme`. Admins add more later (PUT /v1/ingest/aliases). */
  aliases: z.record(z.string().min(1).max(256), CustomerIdSchema).default({}),
  /** Tried after aliases and ids, in order; the first match whose result is a known customer wins. */
  rules: z.array(CustomerRuleSchema).max(50).default([]),
  defaults: z
    .strictObject({
      severity: SeveritySchema.default('warning'),
      feature: FeatureNameSchema.nullable().default(null),
    })
    .default({ severity: 'warning', feature: null }),
  limits: z
    .strictObject({
      /** Requests per minute before 429: one budget for all server processes over the database. */
      requestsPerMinute: z.number().int().min(1).max(1_000_000).default(600),
      /** Largest request body in bytes (at most the server's own limit). */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(32 * 1024 * 1024)
        .default(4 * 1024 * 1024),
    })
    .default({ requestsPerMinute: 600, maxBodyBytes: 4 * 1024 * 1024 }),
};

export const AlertmanagerConfigSchema = z.strictObject({
  ...CommonShape,
  kind: z.literal('alertmanager'),
  /** Labels naming the customer, tried in order (alert labels first, then the group's common labels). */
  customerLabels: CustomerLabelsSchema.default([...DEFAULT_CUSTOMER_LABELS]),
  severityLabel: LabelNameSchema.default(DEFAULT_SEVERITY_LABEL),
  /** Label value → severity; values not listed fall back to the default severity. */
  severities: SeverityMapSchema.default({ ...DEFAULT_SEVERITIES }),
  featureLabel: LabelNameSchema.default(DEFAULT_FEATURE_LABEL),
});

export const CloudEventsConfigSchema = z.strictObject({
  ...CommonShape,
  kind: z.literal('cloudevents'),
  /** The context attribute (or extension) naming the customer. */
  customerAttribute: CustomerAttributeSchema.default(DEFAULT_CUSTOMER_ATTRIBUTE),
  /** CloudEvents `type` → event kind; a key ending in `*` matches a prefix. Unlisted types get `defaultKind`. */
  kinds: CloudEventKindsSchema.default({}),
  defaultKind: EventKindSchema.default(DEFAULT_EVENT_KIND),
  /** Origins allowed by the webhook validation handshake (OPTIONS); empty allows any. */
  allowedOrigins: z.array(z.string().min(1).max(255)).max(100).default([]),
});

export const GitHubConfigSchema = z.strictObject({
  ...CommonShape,
  kind: z.literal('github'),
  /**
   * Where a deployment names its customers, tried in order: `payload.<key>` (the deployment's payload: a list
   * of customers, or one), `environment`, `repository` (owner/name). The first that yields references is used.
   */
  customersFrom: CustomersFromSchema.default([...DEFAULT_CUSTOMERS_FROM]),
});

export const GenericConfigSchema = z.strictObject({
  ...CommonShape,
  kind: z.literal('generic'),
  /** A shipped mapping, or a JSONata expression that turns the body into one event or an array of them. */
  mapping: z.union([
    z.strictObject({ preset: z.enum(GENERIC_PRESETS) }),
    z.strictObject({
      jsonata: JsonataExpressionSchema.superRefine((expression, context) => {
        // A mapping that does not compile would refuse every delivery: refused where it is set (admin API, sources file).
        const problem = checkMapping(expression);
        if (problem) context.addIssue({ code: 'custom', message: `does not compile: ${problem}` });
      }),
    }),
  ]),
});

/** Whether a JSONata mapping compiles; JSONata's words and the position of the error when it does not. */
export function checkMapping(text: string): string | null {
  try {
    jsonata(text);
    return null;
  } catch (error) {
    const detail = error as { message?: string; position?: number };
    return `${detail.message ?? 'invalid JSONata'}${detail.position === undefined ? '' : ` (at character ${detail.position})`}`;
  }
}

export const SourceConfigSchema = z.discriminatedUnion('kind', [
  AlertmanagerConfigSchema,
  CloudEventsConfigSchema,
  GitHubConfigSchema,
  GenericConfigSchema,
]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;
export type SourceConfigInput = z.input<typeof SourceConfigSchema>;
export type AlertmanagerConfig = z.infer<typeof AlertmanagerConfigSchema>;
export type CloudEventsConfig = z.infer<typeof CloudEventsConfigSchema>;
export type GitHubConfig = z.infer<typeof GitHubConfigSchema>;
export type GenericConfig = z.infer<typeof GenericConfigSchema>;

/** How a source's payloads name customers, in a line for admins ("labels customer, tenant · 2 aliases · 1 rule"). */
export function describeCustomerMapping(config: SourceConfig): string {
  const where =
    config.kind === 'alertmanager'
      ? `labels ${config.customerLabels.join(', ')}`
      : config.kind === 'cloudevents'
        ? `attribute ${config.customerAttribute}`
        : config.kind === 'github'
          ? `from ${config.customersFrom.join(', ')}`
          : 'preset' in config.mapping
            ? `mapping ${config.mapping.preset}`
            : 'a JSONata mapping';
  const aliases = Object.keys(config.aliases).length;
  const parts = [where];
  if (aliases > 0) parts.push(`${aliases} alias${aliases === 1 ? '' : 'es'}`);
  if (config.rules.length > 0) parts.push(`${config.rules.length} rule${config.rules.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

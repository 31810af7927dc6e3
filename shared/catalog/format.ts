import { z } from 'zod';
import { RISK_LEVELS } from '../wizards/catalog';
import { DurationSchema } from '../wizards/format';
import { JsonSchema } from '../json';
import { TypeSchemaSchema, type TypeSchema } from './type-schema';

/**
 * The catalog file format: the probes and actions one deployment offers to
 * wizards, declared in YAML on the server (docs/catalog.md). This zod schema is
 * the ONE definition: the loader validates with it and the JSON Schema for
 * authors (resources/catalog.schema.json) is generated from it. Cross-field
 * rules (template names, CEL, secrets) are checked in parse.ts.
 */

/** A probe or action name: dotted lower-camel words (`sso.login`, `webhooks.resendSigningSecret`). */
export const CATALOG_NAME_PATTERN = /^[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*$/;

const CatalogNameSchema = z
  .string()
  .max(64)
  .regex(CATALOG_NAME_PATTERN, 'must be dotted lower-camel words, e.g. webhooks.deliveries or flags.set');

const SecretNameSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and underscores (it is used as secrets.<name>)');

/** Where the server reads a secret: never the secret itself. */
export const SecretReferenceSchema = z.union([
  z.strictObject({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as ADMIN_API_TOKEN')
      .describe('An environment variable of the server process.'),
  }),
  z.strictObject({
    file: z.string().min(1).max(200).describe("A key in the server's secrets file (--secrets-file), e.g. acme/admin-token."),
  }),
]);
/** A parsed secret reference. */
export type SecretReference = z.infer<typeof SecretReferenceSchema>;

/** A JSON value whose strings may contain `${ <CEL> }` templates. */
const TemplateValueSchema = z.json().describe('JSON; strings may contain ${ expr } templates (CEL).');

const HeaderNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');

const RetrySchema = z
  .strictObject({
    attempts: z.int().min(1).max(10).describe('Attempts in all, the first included.'),
    backoff: DurationSchema.default('200ms').describe(
      'Wait before the second attempt; doubled (with jitter) for each later one.',
    ),
    maxWait: DurationSchema.default('30s').describe(
      'The longest wait between two attempts: a Retry-After asking for more ends the retries (the call fails with it).',
    ),
  })
  .describe(
    "Retries for transient failures (timeouts, connection errors, 5xx, 429, honouring Retry-After). Only for calls that are safe to repeat: reads, or an action's call that sends its idempotency key header (idempotencyKeyHeader).",
  );

/** An HTTP call to the target system. */
export const HttpCallSchema = z.strictObject({
  kind: z.literal('http'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: z.string().min(1).max(4000).describe('http(s) URL; templates may fill the path and query, never the scheme and host.'),
  headers: z.record(HeaderNameSchema, z.string().max(4000)).default({}).describe('Header values may use ${ secrets.<name> }.'),
  body: TemplateValueSchema.optional().describe('Sent as JSON.'),
  timeout: DurationSchema.default('10s').describe('Give up on one attempt after this long.'),
  expectStatus: z
    .array(z.int().min(100).max(599))
    .min(1)
    .optional()
    .describe('Statuses that count as success (default: any 2xx).'),
  retries: RetrySchema.optional(),
  idempotent: z
    .boolean()
    .optional()
    .describe('Whether repeating the call is harmless; default: true for GET and HEAD. Retries need it.'),
});
/** A parsed HTTP call. */
export type HttpCall = z.infer<typeof HttpCallSchema>;

/** A command on the server (no shell): the executable must be on the server's allowlist. */
export const ScriptCallSchema = z.strictObject({
  kind: z.literal('script'),
  command: z.string().min(1).max(500).describe('Absolute path of an executable on the allowlist (--script-allow).'),
  args: z.array(z.string().max(4000)).max(64).default([]).describe('Each argument one item; templates fill whole values.'),
  timeout: DurationSchema.default('30s'),
  env: z.record(SecretNameSchema, z.string().max(4000)).default({}).describe('Environment of the command; may use secrets.'),
  retries: RetrySchema.optional(),
  idempotent: z.boolean().default(false),
});
/** A parsed script call. */
export type ScriptCall = z.infer<typeof ScriptCallSchema>;

/** A connector the server process registers (the demo fleet's simulator). */
export const BuiltinCallSchema = z.strictObject({
  kind: z.literal('builtin'),
  connector: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a connector name such as demo'),
  operation: z.string().min(1).max(64),
});
/** A parsed builtin call. */
export type BuiltinCall = z.infer<typeof BuiltinCallSchema>;

/** How a probe or action reaches the target system. */
export const CallSchema = z.discriminatedUnion('kind', [HttpCallSchema, ScriptCallSchema, BuiltinCallSchema]);
/** A parsed call. */
export type Call = z.infer<typeof CallSchema>;

const CelSchema = z.string().min(1).max(4000);

/** Turns the target's answer into the declared result: one CEL expression, or one per field. */
const MapSchema = z
  .union([CelSchema, z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), CelSchema)])
  .describe(
    'CEL over response (status, headers, body), params and customer: one expression for the whole result, or one per field.',
  );

const ObjectTypeSchema = TypeSchemaSchema.describe('An object type (type: object, properties, required).');

/** A read-only diagnostic. */
export const ProbeSchema = z.strictObject({
  summary: z.string().min(1).max(500),
  description: z.string().max(5000).optional(),
  params: ObjectTypeSchema.default({ type: 'object', properties: {} }),
  result: ObjectTypeSchema,
  call: CallSchema,
  map: MapSchema.optional(),
  example: z
    .json()
    .optional()
    .describe(
      "A healthy answer, in the result's type: practice runs show it when the wizard's scenario gives none for the step (default: one built from the result type).",
    ),
});
/** A parsed probe. */
export type ProbeDefinition = z.infer<typeof ProbeSchema>;

const RateSchema = z.strictObject({
  max: z.int().min(1).max(100_000),
  per: DurationSchema.describe('The window, e.g. 10m or 1h.'),
});

const ChangeTemplateSchema = z.strictObject({
  target: z.string().min(1).max(500).describe('What changes, e.g. "endpoint ${params.endpointId} signing secret".'),
  from: TemplateValueSchema.default(null),
  to: TemplateValueSchema.default(null),
});

/** The dry-run plan: asked from the target system, or computed from a template. */
export const PlanSpecSchema = z.discriminatedUnion('from', [
  z.strictObject({
    from: z.literal('target').describe('The target system answers a dry run.'),
    call: CallSchema.optional().describe('The dry-run call (builtin connectors plan by themselves; http needs it).'),
    changes: CelSchema.optional().describe(
      'CEL over response, params, customer yielding a list of {target, from, to} (default: response.body.changes).',
    ),
    noop: CelSchema.optional().describe('CEL: true when nothing would change.'),
  }),
  z.strictObject({
    from: z.literal('template').describe('Computed here: before from a probe, after from the parameters.'),
    before: z
      .strictObject({ probe: CatalogNameSchema, params: z.record(z.string(), TemplateValueSchema).default({}) })
      .optional()
      .describe('A probe run first; its result is `before` in the templates.'),
    changes: z.array(ChangeTemplateSchema).min(1),
    noop: CelSchema.optional().describe('CEL over before, params, customer: true when nothing would change.'),
  }),
]);
/** A parsed plan specification. */
export type PlanSpec = z.infer<typeof PlanSpecSchema>;

/** A remediation action. */
export const ActionSchema = z.strictObject({
  summary: z.string().min(1).max(500),
  description: z.string().max(5000).optional(),
  risk: z.enum(RISK_LEVELS),
  version: z.int().min(1).max(1_000_000).default(1).describe('Raise when the call changes: plans made before are refused.'),
  params: ObjectTypeSchema.default({ type: 'object', properties: {} }),
  result: ObjectTypeSchema.optional().describe('The declared result of an execution (default: any JSON).'),
  call: CallSchema,
  map: MapSchema.optional(),
  plan: PlanSpecSchema.optional().describe('Default: the target (builtin) or the rendered request (http, script).'),
  idempotencyKeyHeader: HeaderNameSchema.optional().describe(
    'The header that carries the idempotency key on http calls (default Idempotency-Key). Naming it says the target deduplicates by it: retries of the execution call need it.',
  ),
  confirmation: z
    .enum(['click', 'typed-name'])
    .optional()
    .describe("typed-name: the operator types the customer's name (default for high risk)."),
  approval: z
    .strictObject({ required: z.boolean() })
    .optional()
    .describe('Whether a second person must approve (default: for high risk).'),
  limits: z
    .strictObject({
      perCustomer: RateSchema.optional(),
      perUser: RateSchema.optional(),
      maxCustomersPerRun: z.int().min(1).max(10_000).optional(),
    })
    .default({})
    .describe("Limits of this action, on top of the server's own."),
  event: z
    .strictObject({
      summary: z.string().min(1).max(500).optional().describe('Timeline summary; templates over params, customer, result.'),
      feature: z.string().min(1).max(64).optional().describe('The feature the event concerns; may be a template.'),
    })
    .default({})
    .describe("The remediation event written on the customer's timeline."),
});
/** A parsed action. */
export type ActionDefinition = z.infer<typeof ActionSchema>;

/** A whole catalog file. */
export const CatalogFileSchema = z
  .strictObject({
    catalog: z
      .string()
      .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, e.g. acme-operations')
      .max(64)
      .describe('The name of this catalog.'),
    description: z.string().max(5000).optional(),
    secrets: z.record(SecretNameSchema, SecretReferenceSchema).default({}).describe('Secrets by reference, as secrets.<name>.'),
    probes: z.record(CatalogNameSchema, ProbeSchema).default({}),
    actions: z.record(CatalogNameSchema, ActionSchema).default({}),
  })
  .describe('A Lightkeeper catalog: the probes and actions wizards may call. See docs/catalog.md.');
/** A parsed catalog file. */
export type CatalogDefinition = z.infer<typeof CatalogFileSchema>;

/** The JSON Schema for catalog authors, generated from {@link CatalogFileSchema}. */
export function catalogJsonSchemaText(): string {
  const generated = z.toJSONSchema(CatalogFileSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...generated, title: 'Lightkeeper catalog' }, null, 2)}\n`;
}

// ---- what desks receive -------------------------------------------------------------

const PublishedTypeSchema: z.ZodType<TypeSchema> = TypeSchemaSchema;

/** A probe as desks see it: no call, no mapping, no secrets. */
export const PublishedProbeSchema = z.strictObject({
  name: z.string(),
  summary: z.string(),
  description: z.string().optional(),
  params: PublishedTypeSchema,
  result: PublishedTypeSchema,
  /** The healthy answer practice runs use (the catalog's `example`), or null. */
  example: JsonSchema.nullable(),
});
/** An action as desks see it: no call, no secrets. */
export const PublishedActionSchema = z.strictObject({
  name: z.string(),
  summary: z.string(),
  description: z.string().optional(),
  risk: z.enum(RISK_LEVELS),
  version: z.int(),
  params: PublishedTypeSchema,
  result: PublishedTypeSchema.nullable(),
  confirmation: z.enum(['click', 'typed-name']),
  requiresApproval: z.boolean(),
});

/** The effective catalog a server publishes in the global sync bucket (entity `catalog`). */
export const PublishedCatalogSchema = z.strictObject({
  catalog: z.string(),
  /** SHA-256 of the published content; changes whenever a desk-visible part changes. */
  hash: z.string(),
  publishedAt: z.iso.datetime({ offset: true }),
  probes: z.array(PublishedProbeSchema),
  actions: z.array(PublishedActionSchema),
});
/** The catalog as desks see it. */
export type PublishedCatalog = z.infer<typeof PublishedCatalogSchema>;
/** A published probe. */
export type PublishedProbe = z.infer<typeof PublishedProbeSchema>;
/** A published action. */
export type PublishedAction = z.infer<typeof PublishedActionSchema>;

/** The header an action's http calls carry its idempotency key in. */
export const DEFAULT_IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The header an action sends its idempotency key in (its own, else {@link DEFAULT_IDEMPOTENCY_KEY_HEADER}). */
export function idempotencyKeyHeaderOf(action: Pick<ActionDefinition, 'idempotencyKeyHeader'>): string {
  return action.idempotencyKeyHeader ?? DEFAULT_IDEMPOTENCY_KEY_HEADER;
}

/** The confirmation an action needs: its own rule, else typed for high risk. */
export function confirmationOf(action: Pick<ActionDefinition, 'confirmation' | 'risk'>): 'click' | 'typed-name' {
  return action.confirmation ?? (action.risk === 'high' ? 'typed-name' : 'click');
}

/** Whether an action needs a second person: its own rule, else for high risk. */
export function requiresApprovalOf(action: Pick<ActionDefinition, 'approval' | 'risk'>): boolean {
  return action.approval?.required ?? action.risk === 'high';
}

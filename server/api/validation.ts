import { z } from 'zod';
import {
  CustomerFeatureSchema,
  CustomerIdSchema,
  CustomerSchema,
  EventInputSchema,
  EventLinksSchema,
  EventSourceSchema,
  ReleaseSchema,
} from '../../shared/domain';
import { ApiFailure } from '../errors';
import { JsonValueSchema } from '../../shared/json';
import { describeZodIssues, issuePath } from '../../shared/issues';

/*
 * The shared domain schemas strip unknown keys (right for reading); what the
 * server accepts is strict: an unknown field is a producer bug and gets a 400.
 */
export const StrictEventInputSchema = z.strictObject({
  ...EventInputSchema.shape,
  source: z.strictObject(EventSourceSchema.shape),
  links: z.strictObject(EventLinksSchema.shape).default({}),
  // The same values as the shared schema's z.json(), checked in one walk: every ingested event passes here.
  prevValue: JsonValueSchema.nullable().default(null),
  newValue: JsonValueSchema.nullable().default(null),
  properties: z.record(z.string(), JsonValueSchema).default({}),
});
export const StrictCustomerSchema = z.strictObject(CustomerSchema.shape);
export const StrictFeatureInputSchema = z.strictObject({
  ...CustomerFeatureSchema.shape,
  customerId: CustomerIdSchema.optional(),
});
export const StrictReleaseSchema = z.strictObject(ReleaseSchema.shape);

/**
 * A refused write (a mutation outcome, as sync push stores it) as the REST
 * error for it: the HTTP status of its code (400 when not listed), its message.
 */
export function refusal(
  outcome: { code?: string; message?: string },
  statusOfCode: Readonly<Record<string, number>>,
): ApiFailure {
  const code = outcome.code ?? 'rejected';
  return new ApiFailure(statusOfCode[code] ?? 400, code, outcome.message ?? 'nothing was written');
}

/** Parses a request body or throws a 400 naming what is wrong. */
/** Validates route path parameters; a malformed id is a 400, never a lookup. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.output<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new ApiFailure(400, 'invalid_request', 'the path names no valid id');
  return parsed.data;
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiFailure(400, 'invalid_request', describeZodIssues(parsed.error, 3));
  return parsed.data;
}

/**
 * Validates every item of a batch before anything is written; the first bad
 * item gives a 400 with its index and field, so a producer can fix exactly it.
 */
export function parseBatch<T extends z.ZodType>(
  schema: T,
  items: readonly unknown[],
  field: string,
  maxItems: number,
): z.output<T>[] {
  if (items.length === 0) throw new ApiFailure(400, 'invalid_request', `${field} must not be empty`);
  if (items.length > maxItems) {
    throw new ApiFailure(413, 'batch_too_large', `${field} holds ${items.length} items; at most ${maxItems} per request`);
  }
  const out: z.output<T>[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const path = first ? issuePath(first.path) : '';
      throw new ApiFailure(
        400,
        `invalid_${field.replace(/s$/, '')}`,
        `${field}[${index}]${path ? `.${path}` : ''}: ${first?.message ?? 'invalid'}; nothing was stored`,
        {
          index,
          field: path,
        },
      );
    }
    out.push(parsed.data);
  }
  return out;
}

/** Envelope of the batch endpoints: `{ <field>: [...] }` and nothing else. */
export function batchEnvelope(field: string) {
  return z.strictObject({ [field]: z.array(z.unknown()) });
}

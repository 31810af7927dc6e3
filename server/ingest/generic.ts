import jsonata from 'jsonata';
import { z } from 'zod';
import { EventLinksSchema, IsoTimeSchema, SEVERITIES } from '../../shared/domain';
import { THREAD_STATUSES } from '../../shared/threads';
import { ApiFailure } from '../errors';
import { GenericConfigSchema, type GenericConfig } from './config';
import { parseJsonBody } from './json-body';
import { GENERIC_MAPPINGS } from './mappings';
import { clip, invalidItem, type IngestItem, type SourceKindModule } from './types';

/*
 * The generic JSON webhook: a declarative JSONata mapping (a shipped preset or
 * the admin's own expression) turns any JSON body into one event or an array of
 * them, in the shape below. Ticket systems, feature-flag services and error
 * trackers are wired without code.
 */

const JsonValue = z.json();

/** What a mapping yields per event. `customer` may name several customers; `key` is the idempotency key. */
export const GenericEventSchema = z.object({
  key: z.union([z.string().min(1).max(400), z.number()]).transform(String),
  customer: z.union([z.string(), z.array(z.string())]).optional(),
  occurredAt: z.union([IsoTimeSchema, z.number()]).optional(),
  kind: z.string().regex(/^[a-z][a-z_]{0,47}$/, 'must be lower_snake_case'),
  severity: z.enum(SEVERITIES).optional(),
  summary: z.string().min(1),
  body: z.string().nullable().optional(),
  actor: z.string().nullable().optional(),
  feature: z.string().nullable().optional(),
  thread: z.string().min(1).max(256).optional(),
  status: z.enum(THREAD_STATUSES).optional(),
  prevValue: JsonValue.optional(),
  newValue: JsonValue.optional(),
  links: EventLinksSchema.optional(),
  properties: z.record(z.string(), JsonValue).optional(),
});

/**
 * What one evaluation of a mapping may take. JSONata evaluates on the server's event loop (its steps are
 * promises that resolve at once, so nothing else runs until it is done): an admin's expression that loops, recurses
 * without end or builds huge sequences would stall every request. JSONata's own guardrails stop it — checked at
 * every step — and the producer gets a 400 saying so, the admin a warning in the server log.
 */
export const MAPPING_LIMITS = { timeout: 250, stack: 500, sequence: 100_000 } as const;

const compiled = new Map<string, ReturnType<typeof jsonata>>();

function expressionOf(config: GenericConfig): ReturnType<typeof jsonata> {
  const text = 'preset' in config.mapping ? GENERIC_MAPPINGS[config.mapping.preset] : config.mapping.jsonata;
  let expression = compiled.get(text);
  if (!expression) {
    expression = jsonata(text, { ...MAPPING_LIMITS });
    // Bounded like the parsed-config cache: an admin editing mappings all day must not grow it without end.
    if (compiled.size >= 1_000) compiled.clear();
    compiled.set(text, expression);
  }
  return expression;
}

/** JSONata's guardrail codes: the mapping, not the body, is at fault. */
const GUARDRAIL_CODES: Readonly<Record<string, string>> = {
  D1011: `it recursed deeper than ${MAPPING_LIMITS.stack} steps`,
  D1012: `it ran longer than ${MAPPING_LIMITS.timeout} ms`,
  D2014: `it built a sequence longer than ${MAPPING_LIMITS.sequence} items`,
  D2015: `it built a sequence longer than ${MAPPING_LIMITS.sequence} items`,
};

/** JSONata leaves `undefined` for missing paths and may return its own sequence arrays: plain JSON only. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

export const genericModule: SourceKindModule<GenericConfig> = {
  kind: 'generic',
  configSchema: GenericConfigSchema,
  async parse(request, config) {
    const body = parseJsonBody(request, ['application/json']);
    let output: unknown;
    try {
      output = plain(await expressionOf(config).evaluate(body));
    } catch (error) {
      const detail = error as { code?: string; message?: string };
      const guardrail = detail.code === undefined ? undefined : GUARDRAIL_CODES[detail.code];
      if (guardrail !== undefined) {
        throw new ApiFailure(
          400,
          'mapping_too_costly',
          `the source's mapping was stopped on this body: ${guardrail}; nothing was stored (an admin simplifies the mapping)`,
        );
      }
      throw new ApiFailure(
        400,
        'mapping_failed',
        `the source's mapping failed on this body: ${detail.message ?? 'error'}; nothing was stored`,
      );
    }
    if (output === undefined || output === null) return { type: 'items', items: [] };
    const list = Array.isArray(output) ? output : [output];
    if (list.length > 5_000) throw new ApiFailure(413, 'batch_too_large', `the mapping made ${list.length} events; at most 5000`);
    const items = list.map((raw, index): IngestItem => {
      const path = Array.isArray(output) ? `events[${index}]` : 'event';
      const parsed = GenericEventSchema.safeParse(raw);
      if (!parsed.success) throw invalidItem('invalid_item', path, parsed.error, ' (what the mapping made of this body)');
      const event = parsed.data;
      const occurred =
        event.occurredAt === undefined
          ? new Date(request.receivedAt)
          : new Date(typeof event.occurredAt === 'number' ? event.occurredAt : Date.parse(event.occurredAt));
      const refs = event.customer === undefined ? [] : Array.isArray(event.customer) ? event.customer : [event.customer];
      const feature = event.feature ?? config.defaults.feature;
      return {
        path,
        key: event.key,
        customerRefs: refs.filter((ref) => ref !== ''),
        event: {
          occurredAt: occurred.toISOString(),
          kind: event.kind,
          severity: event.severity ?? config.defaults.severity,
          actor: event.actor ?? null,
          summary: clip(event.summary, 500),
          body: event.body ? clip(event.body, 20_000) : null,
          feature: feature !== null && /^[a-z][a-z0-9_.-]{0,63}$/.test(feature) ? feature : config.defaults.feature,
          prevValue: event.prevValue ?? null,
          newValue: event.newValue ?? null,
          links: event.links ?? {},
          properties: {
            ...(event.properties ?? {}),
            ...(event.thread !== undefined && event.status !== undefined ? { thread: event.thread, status: event.status } : {}),
          },
        },
      };
    });
    return { type: 'items', items };
  },
};

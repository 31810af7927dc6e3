import fs from 'node:fs';
import { z } from 'zod';
import type { Customer } from '../../shared/domain';
import { actionSpec } from '../../shared/wizards/catalog';
import { errorMessage } from '../log';
import { describeZodIssues } from '../../shared/issues';
import type { Json } from '../../shared/json';
import type { ActionRunner, RunnerOutcome } from './types';

/*
 * The HTTP runner: a company wires an action to its own admin API in a JSON
 * file (`--actions-config <file>` or LIGHTKEEPER_ACTIONS_CONFIG). Templates may
 * use {{customerId}}, {{customer.name}}, {{idempotencyKey}} and {{params.<name>}};
 * secrets come from environment variables named in the file and never appear in
 * plans, audit records, errors or logs.
 *
 *   { "actions": { "flags.set": {
 *       "method": "PUT",
 *       "url": "https://admin.example.com/tenants/{{customerId}}/flags/{{params.key}}",
 *       "headers": { "authorization": { "env": "ADMIN_API_TOKEN", "prefix": "Bearer " }, "idempotency-key": "{{idempotencyKey}}" },
 *       "body": { "value": "{{params.value}}" },
 *       "expectedStatus": [200, 204] } } }
 */

const EnvNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const HeaderValueSchema = z.union([
  z.string().max(4000),
  z
    .strictObject({ env: EnvNameSchema, prefix: z.string().max(100).default('') })
    .describe('A secret read from an environment variable'),
]);
const StatusSchema = z.int().min(100).max(599);

export const HttpActionConfigSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: z.string().min(1).max(4000),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name'), HeaderValueSchema)
    .default({}),
  body: z.json().optional(),
  expectedStatus: z.union([StatusSchema, z.array(StatusSchema).min(1)]).default([200, 201, 202, 204]),
  timeoutMs: z.int().min(100).max(120_000).default(10_000),
  /** Raise when the mapping changes: plans made under the old one are refused at execution. */
  version: z.int().positive().default(1),
});
export type HttpActionConfig = z.infer<typeof HttpActionConfigSchema>;

export const ActionsConfigSchema = z.strictObject({ actions: z.record(z.string(), HttpActionConfigSchema) });
export type ActionsConfig = z.infer<typeof ActionsConfigSchema>;

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}\}$/;

function placeholdersIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') for (const match of value.matchAll(PLACEHOLDER)) out.push(match[1] ?? '');
  else if (Array.isArray(value)) for (const item of value) placeholdersIn(item, out);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) placeholdersIn(item, out);
  return out;
}

/** Checks a parsed config against the catalog and the environment; every problem in one list. */
export function checkActionsConfig(config: ActionsConfig, env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const [name, action] of Object.entries(config.actions)) {
    const spec = actionSpec(name);
    if (!spec) {
      problems.push(`actions.${name}: not an action of the catalog`);
      continue;
    }
    const paramNames = new Set(Object.keys(spec.params.shape));
    const literalHeaders = Object.values(action.headers).filter((value): value is string => typeof value === 'string');
    for (const placeholder of placeholdersIn([action.url, action.body ?? null, ...literalHeaders])) {
      const isKnown =
        placeholder === 'customerId' ||
        placeholder === 'customer.name' ||
        placeholder === 'idempotencyKey' ||
        (placeholder.startsWith('params.') && paramNames.has(placeholder.slice('params.'.length)));
      if (!isKnown)
        problems.push(
          `actions.${name}: unknown placeholder {{${placeholder}}} (use customerId, customer.name, idempotencyKey or params.${[...paramNames].join('|params.')})`,
        );
    }
    if (!/^https?:\/\//.test(action.url)) problems.push(`actions.${name}.url: must start with http:// or https://`);
    for (const [header, value] of Object.entries(action.headers)) {
      if (typeof value !== 'string' && !env[value.env])
        problems.push(`actions.${name}.headers.${header}: environment variable ${value.env} is not set`);
    }
  }
  return problems;
}

/** Reads and checks an actions config file; throws one error naming every problem. */
export function loadActionsConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env): ActionsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`actions config ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const parsed = ActionsConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`actions config ${file}: ${describeZodIssues(parsed.error, 20)}`);
  const problems = checkActionsConfig(parsed.data, env);
  if (problems.length > 0) throw new Error(`actions config ${file}: ${problems.join('; ')}`);
  return parsed.data;
}

type TemplateValues = { customer: Customer; params: Record<string, Json>; idempotencyKey: string };

function lookup(name: string, values: TemplateValues): Json {
  if (name === 'customerId') return values.customer.id;
  if (name === 'customer.name') return values.customer.name;
  if (name === 'idempotencyKey') return values.idempotencyKey;
  if (name.startsWith('params.')) return values.params[name.slice('params.'.length)] ?? null;
  return null;
}

function asText(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function renderText(template: string, values: TemplateValues, encode: (text: string) => string = (text) => text): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => encode(asText(lookup(name, values))));
}

/** A body template: a string that is exactly one placeholder keeps the value's JSON type. */
function renderBody(template: Json, values: TemplateValues): Json {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    return whole ? lookup(whole[1] ?? '', values) : renderText(template, values);
  }
  if (Array.isArray(template)) return template.map((item) => renderBody(item, values));
  if (template !== null && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, renderBody(item, values)]));
  return template;
}

type RenderedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  shownHeaders: Record<string, string>;
  body: Json | undefined;
};

function render(
  config: HttpActionConfig,
  values: TemplateValues,
  env: Readonly<Record<string, string | undefined>>,
): RenderedRequest {
  const headers: Record<string, string> = {};
  const shownHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) {
    if (typeof value === 'string') {
      headers[name] = renderText(value, values);
      shownHeaders[name] = headers[name];
    } else {
      headers[name] = `${value.prefix}${env[value.env] ?? ''}`;
      shownHeaders[name] = `${value.prefix}[secret from $${value.env}]`;
    }
  }
  const body = config.body === undefined ? undefined : renderBody(config.body, values);
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
    shownHeaders['content-type'] = 'application/json';
  }
  return { method: config.method, url: renderText(config.url, values, encodeURIComponent), headers, shownHeaders, body };
}

const MAX_RESPONSE_CHARS = 16_000;

function expectedStatuses(config: HttpActionConfig): number[] {
  return Array.isArray(config.expectedStatus) ? config.expectedStatus : [config.expectedStatus];
}

/**
 * A runner that calls the configured admin API. The plan is the rendered request
 * (secrets shown as where they come from); the execution succeeds when the
 * answer has an expected status.
 */
export function createHttpRunner(
  name: string,
  config: HttpActionConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ActionRunner {
  return {
    kind: 'http',
    async plan({ customer, params }) {
      const request = render(config, { customer, params, idempotencyKey: '(idempotency key)' }, env);
      const to: Json = { headers: request.shownHeaders, body: request.body ?? null };
      return {
        changes: [{ target: `${request.method} ${request.url}`, from: null, to }],
        isNoop: false,
        details: {
          runner: 'http',
          action: name,
          method: request.method,
          url: request.url,
          headers: request.shownHeaders,
          body: request.body ?? null,
        },
      };
    },
    async execute({ storage, customer, params, idempotencyKey, finish }) {
      const request = render(config, { customer, params, idempotencyKey }, env);
      const target = `${request.method} ${request.url}`;
      const changes = [{ target, from: null, to: request.body ?? null }];
      let outcome: RunnerOutcome;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), config.timeoutMs);
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: controller.signal,
          redirect: 'manual',
        });
        const text = (await response.text()).slice(0, MAX_RESPONSE_CHARS);
        let body: Json = text;
        try {
          body = text === '' ? null : (JSON.parse(text) as Json);
        } catch {
          // Kept as text: an admin API may answer plain text.
        }
        const expected = expectedStatuses(config);
        outcome = expected.includes(response.status)
          ? { status: 'succeeded', changes, result: { status: response.status, body }, error: null, events: [] }
          : {
              status: 'failed',
              changes,
              result: { status: response.status, body },
              error: `${target} answered ${response.status}, expected ${expected.join(' or ')}: ${text.slice(0, 300)}`,
              events: [],
            };
      } catch (error) {
        // fetch() says only "fetch failed"; the cause says why (refused, DNS, TLS).
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        const reason = controller.signal.aborted
          ? `no answer within ${config.timeoutMs / 1000} s`
          : `${errorMessage(error)}${cause}`;
        outcome = { status: 'failed', changes, result: null, error: `${target} failed: ${reason}`, events: [] };
      } finally {
        clearTimeout(timer);
      }
      return storage.transaction((db) => finish(db, outcome));
    },
  };
}

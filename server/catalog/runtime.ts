import type { z } from 'zod';
import { FeatureNameSchema, type Customer } from '../../shared/domain';
import {
  confirmationOf,
  idempotencyKeyHeaderOf,
  requiresApprovalOf,
  type ActionDefinition,
  type Call,
  type CatalogDefinition,
  type ProbeDefinition,
  type PublishedCatalog,
} from '../../shared/catalog/format';
import { publishCatalog } from '../../shared/catalog/publish';
import { objectSchemaToZod, typeSchemaToZod } from '../../shared/catalog/type-schema';
import { evaluate, renderText, renderValue, type CelBindings } from '../../shared/wizards/cel';
import { durationToMs } from '../../shared/wizards/format';
import { ApiFailure } from '../errors';
import { describeZodIssues } from '../../shared/issues';
import type { Json } from '../../shared/json';
import type {
  ActionRegistry,
  ActionRunner,
  PlannedChange,
  ProbeInput,
  ProbeRegistry,
  RegisteredAction,
  RunnerOutcome,
  RunnerPlan,
} from '../remediation/types';
import { CallFailure, RenderFailure, renderHttp, renderScript, runScript, sendHttp, type CallResponse } from './calls';
import { SecretRedactor, type SecretSource } from './secrets';

/**
 * A loaded catalog as the server runs it: its probes and actions behind the
 * same registries the remediation service has always used, so the demo fleet
 * and a shop's own admin API plug in the same way (the demo through the
 * "demo" connector the server registers in demo mode).
 */

/** A connector a server process registers for `call: { kind: builtin }` (the demo fleet's simulator). */
export type Connector = {
  /** Answers a probe operation with the raw result (the catalog's `map` applies, if any). */
  probe(operation: string, input: ProbeInput): Promise<Json>;
  /** The runner of an action operation, or undefined when the connector has none by that name. */
  action(operation: string): ActionRunner | undefined;
  /** The feature an action's timeline event concerns, when the catalog does not say. */
  actionFeature?(operation: string, params: Record<string, Json>): string | null;
};

/** Everything a runtime needs from the server. */
export type CatalogRuntimeOptions = {
  secrets: SecretSource;
  connectors: Readonly<Record<string, Connector>>;
  scriptAllowlist: readonly string[];
  now: () => number;
};

/** A limit of one action (on top of the server's). */
export type ActionLimits = RegisteredAction['limits'];

/** A catalog action with the rules the service enforces. */
export type CatalogAction = RegisteredAction;

/** One catalog, ready to run. */
export type CatalogRuntime = {
  definition: CatalogDefinition;
  published: PublishedCatalog;
  probes: ProbeRegistry;
  actions: ActionRegistry & { get(name: string): CatalogAction | undefined; list(): CatalogAction[] };
  redactor: SecretRedactor;
};

function customerBindings(customer: Customer): Json {
  return JSON.parse(JSON.stringify(customer)) as Json;
}

function describeCallError(error: unknown, redactor: SecretRedactor): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactor.text(message);
}

/** `response.body.x` on a text answer fails with "no such key"; say what the answer was instead. */
function mappingHint(response: CallResponse | null): string {
  if (!response || response.isJson || typeof response.body !== 'string') return '';
  return ` (the answer is not JSON: ${JSON.stringify(response.body.slice(0, 80))})`;
}

/** Applies a `map` (one expression or one per field) to the bindings; null `map` keeps `fallback`. */
function applyMap(map: ProbeDefinition['map'], bindings: CelBindings, fallback: Json, response: CallResponse | null): Json {
  if (map === undefined) return fallback;
  if (typeof map === 'string') {
    const evaluated = evaluate(map, bindings);
    if (!evaluated.ok) throw new MappingFailure(`the result mapping failed: ${evaluated.error}${mappingHint(response)}`);
    return evaluated.value;
  }
  const result: Record<string, Json> = {};
  for (const [field, expression] of Object.entries(map)) {
    const evaluated = evaluate(expression, bindings);
    if (!evaluated.ok)
      throw new MappingFailure(
        `the result mapping failed at "${field}" (${expression}): ${evaluated.error}${mappingHint(response)}`,
      );
    result[field] = evaluated.value;
  }
  return result;
}

class MappingFailure extends Error {}

function checkResult(schema: z.ZodType, value: Json, what: string): void {
  const checked = schema.safeParse(value);
  if (!checked.success)
    throw new MappingFailure(`${what} does not match its declared result (${describeZodIssues(checked.error)})`);
}

/** Builds the runtime of a checked catalog definition. */
export function createCatalogRuntime(definition: CatalogDefinition, options: CatalogRuntimeOptions): CatalogRuntime {
  const secretValues: Record<string, string> = {};
  for (const [name, reference] of Object.entries(definition.secrets)) {
    const value = options.secrets.resolve(reference);
    if (value !== undefined) secretValues[name] = value;
  }
  const redactor = new SecretRedactor(secretValues);
  const shownSecrets: Record<string, Json> = Object.fromEntries(
    Object.keys(definition.secrets).map((name) => [name, `[secret ${name}]`]),
  );

  function connectorOf(call: Extract<Call, { kind: 'builtin' }>): Connector {
    const connector = options.connectors[call.connector];
    if (!connector) throw new ApiFailure(503, 'connector_missing', `this server has no "${call.connector}" connector`);
    return connector;
  }

  /** Sends a call with real secrets; `shown` is the same request as plans and audit may show it. */
  async function send(
    call: Exclude<Call, { kind: 'builtin' }>,
    bindings: CelBindings,
    extraHeaders: Record<string, string> = {},
    retry: { mayRetry?: boolean } = {},
  ): Promise<CallResponse> {
    if (call.kind === 'http')
      return sendHttp(call, renderHttp(call, { ...bindings, secrets: secretValues }, extraHeaders), retry);
    return runScript(call, renderScript(call, { ...bindings, secrets: secretValues }), options.scriptAllowlist);
  }

  function shownRequest(
    call: Exclude<Call, { kind: 'builtin' }>,
    bindings: CelBindings,
    extraHeaders: Record<string, string> = {},
  ): Json {
    const shownBindings = { ...bindings, secrets: shownSecrets };
    if (call.kind === 'http') {
      const request = renderHttp(call, shownBindings, extraHeaders);
      return { method: request.method, url: request.url, headers: request.headers, body: request.body ?? null };
    }
    const command = renderScript(call, shownBindings);
    return { command: command.command, args: command.args };
  }

  // ---- probes ---------------------------------------------------------------------

  const probeSchemas = new Map(
    Object.entries(definition.probes).map(([name, probe]) => [
      name,
      {
        probe,
        params: objectSchemaToZod(probe.params, { isStrictByDefault: true }),
        result: objectSchemaToZod(probe.result, { isStrictByDefault: false }),
      },
    ]),
  );

  async function runProbe(name: string, input: ProbeInput): Promise<Record<string, Json>> {
    const entry = probeSchemas.get(name);
    if (!entry) {
      throw new ApiFailure(404, 'unknown_probe', `no probe "${name}"; known probes: ${[...probeSchemas.keys()].join(', ')}`);
    }
    const params = entry.params.safeParse(input.params);
    if (!params.success) throw new ApiFailure(400, 'invalid_params', `probe ${name}: ${describeZodIssues(params.error)}`);
    const typedParams = params.data as Record<string, Json>;
    const bindings: CelBindings = { params: typedParams, customer: customerBindings(input.customer) };
    const { call, map } = entry.probe;
    let result: Json;
    try {
      if (call.kind === 'builtin') {
        const raw = await connectorOf(call).probe(call.operation, { ...input, params: typedParams });
        result = applyMap(map, { ...bindings, response: raw }, raw, null);
      } else {
        const response = await send(call, bindings);
        result = applyMap(
          map,
          { ...bindings, response: { status: response.status, headers: response.headers, body: response.body } },
          response.body,
          response,
        );
      }
      checkResult(entry.result, result, `the answer of probe ${name}`);
    } catch (error) {
      if (error instanceof ApiFailure) throw error;
      if (error instanceof CallFailure || error instanceof MappingFailure || error instanceof RenderFailure)
        throw new ApiFailure(502, 'probe_failed', `probe ${name} failed: ${describeCallError(error, redactor)}`);
      throw error;
    }
    if (result === null || typeof result !== 'object' || Array.isArray(result))
      throw new ApiFailure(502, 'probe_failed', `probe ${name} failed: the mapped result is not an object`);
    return redactor.json(result) as Record<string, Json>;
  }

  const probes: ProbeRegistry = { names: [...probeSchemas.keys()], run: runProbe };

  // ---- actions --------------------------------------------------------------------

  function limitsOf(action: ActionDefinition): ActionLimits {
    const rate = (value: { max: number; per: string } | undefined) =>
      value ? { max: value.max, windowMs: durationToMs(value.per) } : null;
    return {
      perCustomer: rate(action.limits.perCustomer),
      perUser: rate(action.limits.perUser),
      maxCustomersPerRun: action.limits.maxCustomersPerRun ?? null,
    };
  }

  function changesFrom(value: Json, what: string): PlannedChange[] {
    if (!Array.isArray(value)) throw new MappingFailure(`${what} must be a list of { target, from, to }`);
    return value.map((item, index) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof item['target'] !== 'string')
        throw new MappingFailure(`${what}: item ${index} must be { target: text, from, to }`);
      return { target: item['target'], from: item['from'] ?? null, to: item['to'] ?? null };
    });
  }

  function httpRunner(name: string, action: ActionDefinition, call: Exclude<Call, { kind: 'builtin' }>): ActionRunner {
    const resultSchema = action.result ? typeSchemaToZod(action.result, { isStrictByDefault: false }) : null;
    const plan = action.plan;
    return {
      kind: call.kind === 'http' ? 'http' : 'script',
      async plan({ db, customer, params, now }): Promise<RunnerPlan> {
        const bindings: CelBindings = { params, customer: customerBindings(customer) };
        const request = shownRequest(
          call,
          bindings,
          call.kind === 'http' ? { [idempotencyKeyHeaderOf(action)]: '(idempotency key)' } : {},
        );
        try {
          if (plan?.from === 'template') {
            let before: Json = null;
            if (plan.before) {
              const templated = renderParams(plan.before.params, bindings);
              before = await runProbe(plan.before.probe, { db, customer, params: templated, now });
            }
            const templateBindings = { ...bindings, before };
            const changes = plan.changes.map((change) => ({
              target: renderText(change.target, templateBindings),
              from: renderParams({ value: change.from }, templateBindings)['value'] ?? null,
              to: renderParams({ value: change.to }, templateBindings)['value'] ?? null,
            }));
            const noop = plan.noop ? evaluate(plan.noop, templateBindings) : null;
            return {
              changes: redactor.json(changes) as PlannedChange[],
              isNoop: noop?.ok === true && noop.value === true,
              details: { runner: call.kind, action: name, request, before: redactor.json(before) },
            };
          }
          if (plan?.from === 'target' && plan.call && plan.call.kind !== 'builtin') {
            const response = await send(plan.call, bindings);
            const responseBindings = {
              ...bindings,
              response: { status: response.status, headers: response.headers, body: response.body },
            };
            const changesValue = evaluate(plan.changes ?? 'response.body.changes', responseBindings);
            if (!changesValue.ok)
              throw new MappingFailure(`the dry run's changes could not be read: ${changesValue.error}${mappingHint(response)}`);
            const changes = changesFrom(changesValue.value, "the dry run's changes");
            const noop = plan.noop ? evaluate(plan.noop, responseBindings) : null;
            return {
              changes: redactor.json(changes) as PlannedChange[],
              isNoop: noop ? noop.ok && noop.value === true : changes.length === 0,
              details: { runner: call.kind, action: name, request, dryRun: redactor.json(response.body) },
            };
          }
        } catch (error) {
          if (error instanceof CallFailure || error instanceof MappingFailure || error instanceof RenderFailure)
            throw new ApiFailure(502, 'plan_failed', `${name}: the dry run failed: ${describeCallError(error, redactor)}`);
          throw error;
        }
        const shown = request as Record<string, Json>;
        const target = call.kind === 'http' ? `${String(shown['method'])} ${String(shown['url'])}` : `run ${call.command}`;
        return {
          changes: [{ target, from: null, to: call.kind === 'http' ? (shown['body'] ?? null) : (shown['args'] ?? null) }],
          isNoop: false,
          details: { runner: call.kind, action: name, request },
        };
      },
      async execute({ storage, customer, params, idempotencyKey, finish }) {
        const bindings: CelBindings = { params, customer: customerBindings(customer), idempotencyKey };
        const extra = call.kind === 'http' ? { [idempotencyKeyHeaderOf(action)]: idempotencyKey } : {};
        const shown = shownRequest(call, bindings, extra) as Record<string, Json>;
        const target = call.kind === 'http' ? `${String(shown['method'])} ${String(shown['url'])}` : `run ${call.command}`;
        const changes: PlannedChange[] = [
          { target, from: null, to: call.kind === 'http' ? (shown['body'] ?? null) : (shown['args'] ?? null) },
        ];
        let outcome: RunnerOutcome;
        let response: CallResponse | null = null;
        try {
          // Retried (the loader allows it) only when the action names the header the target deduplicates by:
          // every attempt sends the same key in it.
          response = await send(call, bindings, extra, {
            mayRetry: call.kind === 'http' && action.idempotencyKeyHeader !== undefined,
          });
          const result = applyMap(
            action.map,
            { ...bindings, response: { status: response.status, headers: response.headers, body: response.body } },
            response.body,
            response,
          );
          if (resultSchema) checkResult(resultSchema, result, `the answer of ${name}`);
          outcome = {
            status: 'succeeded',
            changes,
            result: redactor.json(result),
            error: null,
            events: [],
            attempts: response.attempts,
          };
        } catch (error) {
          if (!(error instanceof CallFailure || error instanceof MappingFailure || error instanceof RenderFailure)) throw error;
          const failedResponse = error instanceof CallFailure ? error.response : response;
          outcome = {
            status: 'failed',
            changes,
            result: failedResponse ? (redactor.json({ status: failedResponse.status, body: failedResponse.body }) as Json) : null,
            error: describeCallError(error, redactor),
            events: [],
            attempts: error instanceof CallFailure ? error.attempts : (response?.attempts ?? 1),
          };
        }
        return storage.transaction((db) => finish(db, outcome));
      },
    };
  }

  /** Template values for a plan: one template keeps its value's type; a failure stops the plan rather than show a wrong one. */
  function renderParams(values: Record<string, Json>, bindings: CelBindings): Record<string, Json> {
    const rendered = renderValue(values, bindings);
    if (!rendered.ok) throw new RenderFailure(rendered.error);
    return rendered.value as Record<string, Json>;
  }

  const actions = new Map<string, CatalogAction>();
  for (const [name, action] of Object.entries(definition.actions)) {
    let runner: ActionRunner;
    if (action.call.kind === 'builtin') {
      const call = action.call;
      const connector = options.connectors[call.connector];
      const found = connector?.action(call.operation);
      runner = found ?? {
        kind: 'builtin',
        plan: () =>
          Promise.reject(
            new ApiFailure(
              503,
              'connector_missing',
              `this server has no "${call.connector}" connector with action ${call.operation}`,
            ),
          ),
        execute: () =>
          Promise.reject(
            new ApiFailure(
              503,
              'connector_missing',
              `this server has no "${call.connector}" connector with action ${call.operation}`,
            ),
          ),
      };
    } else runner = httpRunner(name, action, action.call);
    const builtinCall = action.call.kind === 'builtin' ? action.call : null;
    actions.set(name, {
      name,
      summary: action.summary,
      risk: action.risk,
      params: objectSchemaToZod(action.params, { isStrictByDefault: true }),
      version: action.version,
      runner,
      confirmation: confirmationOf(action),
      requiresApproval: requiresApprovalOf(action),
      limits: limitsOf(action),
      event({ customer, params, result }) {
        const bindings: CelBindings = { params, customer: customerBindings(customer), result };
        const summary = action.event.summary ? redactor.text(renderText(action.event.summary, bindings)) : null;
        const feature = action.event.feature
          ? renderText(action.event.feature, bindings)
          : builtinCall
            ? (options.connectors[builtinCall.connector]?.actionFeature?.(builtinCall.operation, params) ?? null)
            : null;
        return { summary, feature: feature && FeatureNameSchema.safeParse(feature).success ? feature : null };
      },
    });
  }

  return {
    definition,
    published: publishCatalog(definition, new Date(options.now()).toISOString()),
    probes,
    actions: {
      get: (name) => actions.get(name),
      list: () => [...actions.values()],
    },
    redactor,
  };
}

import type { z } from 'zod';
import type { Json } from '../json';
import { collectReferences, parseCondition, templatesIn } from '../wizards/cel';
import { CUSTOMER_FIELDS } from '../wizards/catalog';
import {
  celTypeFits,
  checkCelTypes,
  describeCelType,
  describeDeclared,
  typeSchemaOfZod,
  type CelVariableTypes,
} from '../wizards/cel-types';
import { CustomerSchema } from '../domain';
import { describeYamlPath, YamlSource, type SourcePosition } from '../yaml-locator';
import {
  CatalogFileSchema,
  type ActionDefinition,
  type Call,
  type CatalogDefinition,
  type ProbeDefinition,
  type SecretReference,
} from './format';
import { objectSchemaToZod, typeOf, typeSchemaProblems, type TypeSchema } from './type-schema';

/** Every problem the catalog loader reports, by stable code (docs/catalog.md explains each). */
export const CATALOG_ISSUE_CODES = [
  'yaml-syntax',
  'schema',
  'type-schema',
  'cel-syntax',
  'cel-type',
  'unknown-variable',
  'unknown-param',
  'unknown-secret',
  'unknown-field',
  'unmapped-field',
  'unknown-probe',
  'url-host',
  'secret-in-url',
  'retry-not-idempotent',
  'plan-call',
  'secret-unavailable',
  'unknown-connector',
  'script-not-allowed',
  'example',
] as const;
/** One of {@link CATALOG_ISSUE_CODES}. */
export type CatalogIssueCode = (typeof CATALOG_ISSUE_CODES)[number];

/** One problem in a catalog file, at a 1-based line and column. */
export type CatalogIssue = { file: string; line: number; column: number; code: CatalogIssueCode; where: string; message: string };

/**
 * What the server running the catalog can offer; without it only the file
 * itself is checked (as `npm run wizards -- lint --catalog` does on a laptop).
 */
export type CatalogEnvironment = {
  isSecretAvailable(reference: SecretReference): boolean;
  connectors: readonly string[];
  /** Absolute paths of the executables script calls may run. */
  scriptAllowlist: readonly string[];
};

/** Reads and checks a catalog file; the definition only when there is no issue at all. */
export function parseCatalog(
  text: string,
  file: string,
  environment?: CatalogEnvironment,
): { definition: CatalogDefinition | null; issues: CatalogIssue[] } {
  const source = new YamlSource(text);
  const syntax = source.syntaxErrors();
  if (syntax.length > 0) {
    return {
      definition: null,
      issues: syntax.map((error) => ({ file, ...error.position, code: 'yaml-syntax', where: '', message: error.message })),
    };
  }
  const raw = source.toValue();
  if (!raw.ok)
    return { definition: null, issues: [{ file, line: 1, column: 1, code: 'yaml-syntax', where: '', message: raw.message }] };
  if (!raw.value || typeof raw.value !== 'object' || Array.isArray(raw.value)) {
    return {
      definition: null,
      issues: [
        {
          file,
          line: 1,
          column: 1,
          code: 'schema',
          where: '',
          message: 'a catalog file is a YAML mapping with catalog, probes and actions',
        },
      ],
    };
  }
  const parsed = CatalogFileSchema.safeParse(raw.value);
  if (!parsed.success) return { definition: null, issues: schemaIssues(parsed.error.issues, raw.value, source, file) };
  const issues = new CatalogChecker(parsed.data, source, file, environment).run();
  return { definition: issues.length === 0 ? parsed.data : null, issues };
}

/** `file:line:col code where message`, as the CLI and the server log print an issue. */
export function formatCatalogIssue(issue: CatalogIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.code}${issue.where ? ` ${issue.where}` : ''} ${issue.message}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function schemaIssues(zodIssues: readonly z.core.$ZodIssue[], raw: unknown, source: YamlSource, file: string): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const push = (path: (string | number)[], message: string, at?: SourcePosition) =>
    issues.push({ file, ...(at ?? source.position(path)), code: 'schema', where: describeYamlPath(path), message });
  for (const issue of zodIssues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const value = valueAt(raw, path);
    const last = path.at(-1);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) push(path, `unknown key "${key}"`, source.keyPosition(path, key));
      continue;
    }
    if (issue.code === 'invalid_union') {
      if ('note' in issue && issue.note === 'No matching discriminator') {
        const options = 'options' in issue && Array.isArray(issue.options) ? issue.options.map(String).join(', ') : '';
        push(
          path,
          value === undefined
            ? `needs "${String(last)}": one of ${options}`
            : `must be one of ${options}, not "${String(value)}"`,
        );
        continue;
      }
      // A plain union (a secret reference, a mapping): say what each alternative wants.
      const alternatives = 'errors' in issue && Array.isArray(issue.errors) ? issue.errors : [];
      const wanted = alternatives
        .map((alternative: readonly z.core.$ZodIssue[]) => alternative[0])
        .filter((first): first is z.core.$ZodIssue => first !== undefined)
        .map((first) => (first.code === 'unrecognized_keys' ? `no key ${first.keys.join(', ')}` : first.message));
      push(path, `does not fit any allowed form (${[...new Set(wanted)].join('; ') || issue.message})`);
      continue;
    }
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined) {
      push(path, `missing required "${String(last)}"`);
      continue;
    }
    push(path, issue.message);
  }
  return issues;
}

/** Variable roots of each kind of expression, and what they hold. */
const CALL_ROOTS = ['params', 'customer', 'secrets'] as const;
const RESPONSE_FIELDS = ['status', 'headers', 'body'];

type Site = {
  /** The YAML path of the string holding the expression. */
  path: (string | number)[];
  /** Where the expression starts inside that string. */
  offset: number;
  source: string;
  roots: readonly string[];
  params: TypeSchema;
  /** What the expression must yield: a declared field type, or a condition. */
  expect?: TypeSchema | 'bool';
};

/** What `response` holds in a mapping: the status, the headers, and the body as parsed JSON (any shape). */
const RESPONSE_TYPE: TypeSchema = {
  type: 'object',
  properties: { status: { type: 'integer' }, headers: { type: 'object', additionalProperties: true }, body: {} },
};
let customerTypeCache: TypeSchema | null = null;

class CatalogChecker {
  private readonly issues: CatalogIssue[] = [];
  /** The declared types of `before` and `result` for the probe or action being checked. */
  private beforeType: TypeSchema | null = null;
  private resultType: TypeSchema | null = null;

  constructor(
    private readonly definition: CatalogDefinition,
    private readonly source: YamlSource,
    private readonly file: string,
    private readonly environment: CatalogEnvironment | undefined,
  ) {}

  run(): CatalogIssue[] {
    for (const [name, reference] of Object.entries(this.definition.secrets)) {
      if (this.environment && !this.environment.isSecretAvailable(reference)) {
        const where =
          'env' in reference
            ? `environment variable ${reference.env} is not set`
            : `the secrets file has no key "${reference.file}"`;
        this.add(['secrets', name], 'secret-unavailable', `secret "${name}": ${where} on this server`);
      }
    }
    for (const [name, probe] of Object.entries(this.definition.probes)) this.checkProbe(name, probe);
    for (const [name, action] of Object.entries(this.definition.actions)) this.checkAction(name, action);
    return this.issues.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  private add(path: (string | number)[], code: CatalogIssueCode, message: string, at?: SourcePosition): void {
    this.issues.push({ file: this.file, ...(at ?? this.source.position(path)), code, where: describeYamlPath(path), message });
  }

  private checkTypes(path: (string | number)[], schema: TypeSchema, what: string): void {
    if (typeOf(schema).name !== 'object') {
      this.add([...path, 'type'], 'type-schema', `${what} must be an object type ("type: object" with "properties")`);
    }
    for (const problem of typeSchemaProblems(schema)) this.add([...path, ...problem.path], 'type-schema', problem.message);
  }

  private checkProbe(name: string, probe: ProbeDefinition): void {
    const base = ['probes', name];
    this.beforeType = null;
    this.resultType = probe.result;
    this.checkTypes([...base, 'params'], probe.params, 'params');
    this.checkTypes([...base, 'result'], probe.result, 'result');
    this.checkCall([...base, 'call'], probe.call, probe.params, CALL_ROOTS, { isAction: false });
    this.checkMap(base, probe.map, probe.result, probe.params);
    if (probe.example !== undefined && typeSchemaProblems(probe.result).length === 0) {
      const checked = objectSchemaToZod(probe.result, { isStrictByDefault: false }).safeParse(probe.example);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
        this.add(
          [...base, 'example', ...(issue?.path.filter((part): part is string | number => typeof part !== 'symbol') ?? [])],
          'example',
          `the example does not fit the declared result${at}: ${issue?.message ?? 'invalid'}`,
        );
      }
    }
  }

  private checkAction(name: string, action: ActionDefinition): void {
    const base = ['actions', name];
    this.beforeType =
      (action.plan?.from === 'template' && action.plan.before
        ? this.definition.probes[action.plan.before.probe]?.result
        : null) ?? null;
    this.resultType = action.result ?? null;
    this.checkTypes([...base, 'params'], action.params, 'params');
    if (action.result) this.checkTypes([...base, 'result'], action.result, 'result');
    this.checkCall([...base, 'call'], action.call, action.params, [...CALL_ROOTS, 'idempotencyKey'], {
      isAction: true,
      keyHeader: action.idempotencyKeyHeader ?? null,
    });
    this.checkMap(base, action.map, action.result ?? {}, action.params);
    const plan = action.plan;
    if (plan?.from === 'target') {
      if (!plan.call && action.call.kind !== 'builtin') {
        this.add([...base, 'plan'], 'plan-call', `a plan "from: target" needs a "call" (the target system's dry run)`);
      }
      if (plan.call) this.checkCall([...base, 'plan', 'call'], plan.call, action.params, CALL_ROOTS, { isAction: false });
      const roots = ['response', 'params', 'customer'];
      if (plan.changes) this.checkExpression([...base, 'plan', 'changes'], plan.changes, roots, action.params, { type: 'array' });
      if (plan.noop) this.checkExpression([...base, 'plan', 'noop'], plan.noop, roots, action.params, 'bool');
    } else if (plan?.from === 'template') {
      const roots = ['params', 'customer', ...(plan.before ? ['before'] : [])];
      if (plan.before) {
        const probe = this.definition.probes[plan.before.probe];
        if (!probe) {
          const known = Object.keys(this.definition.probes);
          this.add(
            [...base, 'plan', 'before', 'probe'],
            'unknown-probe',
            `no probe "${plan.before.probe}" in this catalog${known.length ? ` (probes: ${known.join(', ')})` : ''}`,
          );
        } else {
          for (const key of Object.keys(plan.before.params)) {
            if (!Object.hasOwn(probe.params.properties ?? {}, key))
              this.add(
                [...base, 'plan', 'before', 'params', key],
                'unknown-param',
                `probe "${plan.before.probe}" has no parameter "${key}"`,
              );
          }
        }
        this.checkTemplates([...base, 'plan', 'before', 'params'], plan.before.params, ['params', 'customer'], action.params);
      }
      plan.changes.forEach((change, index) =>
        this.checkTemplates([...base, 'plan', 'changes', index], change as unknown as Json, roots, action.params),
      );
      if (plan.noop) this.checkExpression([...base, 'plan', 'noop'], plan.noop, roots, action.params, 'bool');
    }
    const eventRoots = ['params', 'customer', 'result'];
    if (action.event.summary) this.checkTemplates([...base, 'event', 'summary'], action.event.summary, eventRoots, action.params);
    if (action.event.feature) this.checkTemplates([...base, 'event', 'feature'], action.event.feature, eventRoots, action.params);
  }

  private checkCall(
    path: (string | number)[],
    call: Call,
    params: TypeSchema,
    roots: readonly string[],
    /** `keyHeader`: for an action's execution call, the idempotency key header the action names (null: the default, unnamed). */
    options: { isAction: boolean; keyHeader?: string | null },
  ): void {
    if (call.kind === 'builtin') {
      if (this.environment && !this.environment.connectors.includes(call.connector)) {
        const known = this.environment.connectors;
        this.add(
          [...path, 'connector'],
          'unknown-connector',
          `this server has no connector "${call.connector}"${known.length ? ` (connectors: ${known.join(', ')})` : ' (none registered)'}`,
        );
      }
      return;
    }
    const isIdempotent = call.idempotent ?? (call.kind === 'http' && (call.method === 'GET' || call.method === 'HEAD'));
    if (call.retries && options.isAction) {
      // An execution is repeated only when every attempt carries the same idempotency key in a header the target
      // deduplicates by: the action names that header. "idempotent: true" alone is not enough for a change.
      if (call.kind === 'script') {
        this.add(
          [...path, 'retries'],
          'retry-not-idempotent',
          "an action's script call is never retried: it cannot send an idempotency key header, so a retry after a timeout could make the change twice",
          this.source.keyPosition(path, 'retries'),
        );
      } else if (!options.keyHeader) {
        this.add(
          [...path, 'retries'],
          'retry-not-idempotent',
          `retries repeat the execution when the first attempt may already have worked: name the header the target deduplicates by with "idempotencyKeyHeader" (e.g. Idempotency-Key) on the action; every attempt then sends the same key in it`,
          this.source.keyPosition(path, 'retries'),
        );
      }
    } else if (call.retries && !isIdempotent) {
      this.add(
        [...path, 'retries'],
        'retry-not-idempotent',
        `retries repeat the call after a timeout, when it may already have worked; ${call.kind === 'http' ? `a ${call.method} call` : 'a script'} retries only with "idempotent: true"${options.isAction ? ' (an execution is never repeated otherwise)' : ''}`,
      );
    }
    if (call.kind === 'http') {
      const templateAt = call.url.indexOf('${');
      const fixed = templateAt < 0 ? call.url : call.url.slice(0, templateAt);
      if (!/^https?:\/\/[^/?#\s]+/.test(call.url)) {
        this.add([...path, 'url'], 'url-host', 'the URL must start with http:// or https:// and a host');
      } else if (templateAt >= 0 && !/^https?:\/\/[^/?#\s]+[/?#]/.test(fixed)) {
        this.add(
          [...path, 'url'],
          'url-host',
          'templates may fill the path and query only: write the scheme and host literally, so parameters can never send the call elsewhere',
          this.source.offsetPosition([...path, 'url'], templateAt),
        );
      }
      for (const reference of this.checkTemplates([...path, 'url'], call.url, roots, params)) {
        if (reference.root === 'secrets')
          this.add(
            [...path, 'url'],
            'secret-in-url',
            'secrets do not belong in URLs (proxies and access logs keep them): send them in a header',
            reference.at,
          );
      }
      this.checkTemplates([...path, 'headers'], call.headers, roots, params);
      if (call.body !== undefined) this.checkTemplates([...path, 'body'], call.body, roots, params);
      return;
    }
    if (this.environment && !this.environment.scriptAllowlist.includes(call.command)) {
      this.add(
        [...path, 'command'],
        'script-not-allowed',
        `${call.command} is not on this server's script allowlist (--script-allow)`,
      );
    }
    if (call.command.includes('${'))
      this.add([...path, 'command'], 'schema', 'the command is fixed: templates may fill arguments only');
    this.checkTemplates([...path, 'args'], call.args, roots, params);
    this.checkTemplates([...path, 'env'], call.env, roots, params);
  }

  private checkMap(base: (string | number)[], map: ProbeDefinition['map'], result: TypeSchema, params: TypeSchema): void {
    if (map === undefined) return;
    const roots = ['response', 'params', 'customer'];
    if (typeof map === 'string') {
      this.checkExpression([...base, 'map'], map, roots, params, result);
      return;
    }
    const properties = result.properties ?? {};
    for (const [field, expression] of Object.entries(map)) {
      if (!Object.hasOwn(properties, field) && result.additionalProperties !== true) {
        const known = Object.keys(properties);
        this.add(
          [...base, 'map', field],
          'unknown-field',
          `the result declares no field "${field}"${known.length ? ` (fields: ${known.join(', ')})` : ''}`,
          this.source.keyPosition([...base, 'map'], field),
        );
      }
      this.checkExpression([...base, 'map', field], expression, roots, params, properties[field]);
    }
    for (const field of result.required ?? []) {
      if (!Object.hasOwn(map, field))
        this.add([...base, 'map'], 'unmapped-field', `required result field "${field}" has no mapping`);
    }
  }

  /** Checks every `${ }` template in a JSON value; returns the references found (for secret placement rules). */
  private checkTemplates(
    path: (string | number)[],
    value: Json,
    roots: readonly string[],
    params: TypeSchema,
  ): { root: string; at: SourcePosition }[] {
    const found: { root: string; at: SourcePosition }[] = [];
    for (const template of templatesIn(value)) {
      const where = [...path, ...template.path];
      if (!template.template.ok) {
        this.add(
          where,
          'cel-syntax',
          `template: ${template.template.error.message}`,
          this.source.offsetPosition(where, template.template.error.column - 1),
        );
        continue;
      }
      for (const part of template.template.parts) {
        if ('expression' in part)
          found.push(...this.checkSite({ path: where, offset: part.offset, source: part.expression, roots, params }));
      }
    }
    return found;
  }

  private checkExpression(
    path: (string | number)[],
    expression: string,
    roots: readonly string[],
    params: TypeSchema,
    expect?: TypeSchema | 'bool',
  ): void {
    this.checkSite({ path, offset: 0, source: expression, roots, params, ...(expect ? { expect } : {}) });
  }

  /** Type checks an expression whose names are right against the declared types (issue 11). */
  private checkSiteTypes(site: Site, at: (offset: number) => SourcePosition): void {
    const declared: Record<string, TypeSchema | null> = {
      params: site.params,
      customer: (customerTypeCache ??= typeSchemaOfZod(CustomerSchema)),
      response: RESPONSE_TYPE,
      secrets: { type: 'object', additionalProperties: true },
      idempotencyKey: { type: 'string' },
      before: this.beforeType,
      result: this.resultType,
    };
    const variables: CelVariableTypes = Object.fromEntries(site.roots.map((root) => [root, declared[root] ?? null]));
    const checked = checkCelTypes(site.source, variables, { objectVariables: ['params'] });
    for (const problem of checked.problems)
      this.add(site.path, 'cel-type', `"${site.source.trim()}": ${problem.message}`, at(problem.offset));
    if (checked.problems.length > 0 || !site.expect) return;
    const fits = site.expect === 'bool' ? ['bool', 'dyn'].includes(checked.type) : celTypeFits(checked.type, site.expect);
    if (!fits) {
      const wanted = site.expect === 'bool' ? 'true or false' : describeDeclared(site.expect);
      this.add(
        site.path,
        'cel-type',
        `"${site.source.trim()}" is ${describeCelType(checked.type)}, but ${wanted} is declared here`,
        at(0),
      );
    }
  }

  private checkSite(site: Site): { root: string; at: SourcePosition }[] {
    const at = (offset: number) => this.source.offsetPosition(site.path, site.offset + offset);
    const parsed = parseCondition(site.source);
    if (!parsed.ok) {
      this.add(
        site.path,
        'cel-syntax',
        `"${site.source.trim()}" does not parse: ${parsed.error.message}`,
        at(parsed.error.column - 1),
      );
      return [];
    }
    const found: { root: string; at: SourcePosition }[] = [];
    const issuesBefore = this.issues.length;
    for (const reference of collectReferences(parsed)) {
      const [root, name] = reference.path;
      const position = at(reference.offset);
      if (!root || !site.roots.includes(root)) {
        const hint =
          root === 'idempotencyKey'
            ? "; the idempotency key exists only in an action's execution call"
            : root === 'response'
              ? '; "response" exists only in "map" and in a target plan\'s "changes"'
              : root === 'secrets'
                ? '; secrets may be used only in calls'
                : '';
        this.add(site.path, 'unknown-variable', `unknown variable "${root}"; use ${site.roots.join(', ')}${hint}`, position);
        continue;
      }
      found.push({ root, at: position });
      if (name === undefined) continue;
      if (root === 'params' && !Object.hasOwn(site.params.properties ?? {}, name)) {
        const known = Object.keys(site.params.properties ?? {});
        this.add(
          site.path,
          'unknown-param',
          `params.${name}: no parameter "${name}" is declared${known.length ? ` (params: ${known.join(', ')})` : ' (it takes none)'}`,
          position,
        );
      } else if (root === 'secrets' && !Object.hasOwn(this.definition.secrets, name)) {
        const known = Object.keys(this.definition.secrets);
        this.add(
          site.path,
          'unknown-secret',
          `secrets.${name}: declare it under "secrets"${known.length ? ` (secrets: ${known.join(', ')})` : ''}`,
          position,
        );
      } else if (root === 'customer' && !CUSTOMER_FIELDS.includes(name)) {
        this.add(
          site.path,
          'unknown-variable',
          `customer.${name}: the customer has no field "${name}" (fields: ${CUSTOMER_FIELDS.join(', ')})`,
          position,
        );
      } else if (root === 'response' && !RESPONSE_FIELDS.includes(name)) {
        this.add(site.path, 'unknown-variable', `response.${name}: a response has ${RESPONSE_FIELDS.join(', ')}`, position);
      }
    }
    // Names first: a wrong name is said once, not again as a type error.
    if (this.issues.length === issuesBefore) this.checkSiteTypes(site, at);
    return found;
  }
}

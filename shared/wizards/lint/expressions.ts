import { CustomerSchema } from '../../domain';
import type { TypeSchema } from '../../catalog/type-schema';
import { CUSTOMER_FIELDS, querySpec } from '../catalog';
import { collectReferences, misusedHasCalls, parseCondition, templatesIn, type ParsedTemplate, type TemplatePart } from '../cel';
import {
  celTypeFits,
  checkCelTypes,
  describeCelType,
  describeDeclared,
  typeSchemaOfZod,
  type CelVariableTypes,
} from '../cel-types';
import { OUTCOMES, ROOT_CAUSES, stepEdges, type GroupCheck, type InputField, type Step } from '../format';
import type { Json } from '../../json';
import { catalogProbeSpec } from './references';
import { add, checkNamesOf, enclosingLoop, resultFieldsOf, successors, type Lint } from './lint';
import { computeNullFacts, nullProblems, reportNullProblems, type NullScope } from './nulls';

/** Checks of the CEL in conditions and templates: syntax, the names used, and whether they are available where they are read. */

/** Where a CEL expression sits and what it may refer to. */
type ExpressionSite = {
  source: string;
  path: (string | number)[];
  /** Offset of the expression inside the YAML string (templates start later than the string). */
  offsetInString: number;
  step: Step;
  resultFields?: readonly string[] | null;
  /** A condition (`when`, `until`): it must be true or false. */
  isCondition?: boolean;
  /** A loop's `forEach`: it must be a list. */
  isList?: boolean;
  /** A parameter that is exactly one template: the declared type its value must have, and its name. */
  expect?: { type: TypeSchema; what: string };
};

/** Forward "definitely produced" analysis: a name is available at a step if every path to it produces the name. */
export function computeAvailability(lint: Lint): void {
  const order = lint.steps.map((_, index) => index).filter((index) => lint.reachable.has(lint.steps[index]?.id ?? ''));
  const predecessors = new Map<number, number[]>();
  for (const index of order)
    for (const successor of successors(lint, index)) predecessors.set(successor, [...(predecessors.get(successor) ?? []), index]);
  const produced = (step: Step) => ({
    checks: checkNamesOf(step).filter((name) => lint.checkFields.has(name)),
    answers: step.kind === 'input' ? step.fields.map((field) => field.id) : [],
  });
  // A parallel group's onFailure edge: its checks may have failed, so only the group's summary is certain there.
  const lostOnEdge = (from: number, to: number): Set<string> => {
    const step = lint.steps[from];
    if (step?.kind !== 'parallel' || !step.onFailure) return new Set();
    const edges = stepEdges(lint.steps, from).targets.filter((edge) => lint.indexById.get(edge.target) === to);
    if (edges.some((edge) => edge.via !== 'onFailure')) return new Set();
    return new Set(step.checks.flatMap((check) => [check.id, ...(check.save ? [check.save] : [])]));
  };
  const universe = { checks: new Set(lint.checkFields.keys()), answers: new Set(lint.answerSources.keys()) };
  const outSets = new Map<number, { checks: Set<string>; answers: Set<string> }>();
  for (const index of order) outSets.set(index, { checks: new Set(universe.checks), answers: new Set(universe.answers) });
  let isChanged = true;
  while (isChanged) {
    isChanged = false;
    for (const index of order) {
      const step = lint.steps[index];
      if (!step) continue;
      const incoming =
        index === 0
          ? []
          : [...new Set(predecessors.get(index) ?? [])].map((predecessor) => {
              const out = outSets.get(predecessor);
              const lost = lostOnEdge(predecessor, index);
              return out && lost.size > 0
                ? { checks: new Set([...out.checks].filter((name) => !lost.has(name))), answers: out.answers }
                : out;
            });
      const entry = { checks: new Set<string>(), answers: new Set<string>() };
      if (index !== 0 && incoming.length > 0) {
        const [first, ...rest] = incoming;
        for (const name of first?.checks ?? []) if (rest.every((set) => set?.checks.has(name))) entry.checks.add(name);
        for (const name of first?.answers ?? []) if (rest.every((set) => set?.answers.has(name))) entry.answers.add(name);
      }
      // Step 0 can also be re-entered through a loop, but nothing is certain the first time.
      lint.available.set(step.id, entry);
      const made = produced(step);
      const out = { checks: new Set([...entry.checks, ...made.checks]), answers: new Set([...entry.answers, ...made.answers]) };
      const previous = outSets.get(index);
      if (!previous || previous.checks.size !== out.checks.size || previous.answers.size !== out.answers.size) {
        outSets.set(index, out);
        isChanged = true;
      }
    }
  }
}

export function checkExpressions(lint: Lint): void {
  lint.steps.forEach((step, index) => {
    const base = ['steps', index] as (string | number)[];
    const sites: ExpressionSite[] = [];
    const addTemplateSites = (value: Json, path: (string | number)[], declared?: DeclaredParams) => {
      for (const found of templatesIn(value)) {
        const before = sites.length;
        templateSites(lint, found.template, [...path, ...found.path], step, sites);
        // A parameter that is exactly one template keeps the expression's type: it must be the declared one.
        const [name, ...deeper] = found.path;
        const parts = found.template.ok ? found.template.parts : [];
        const type = declared && typeof name === 'string' && deeper.length === 0 ? declared.types[name] : undefined;
        const site = sites[before];
        if (type && site && sites.length === before + 1 && parts.length === 1)
          site.expect = { type, what: `parameter "${name}" of ${declared?.of ?? ''}` };
      }
    };
    switch (step.kind) {
      case 'decision':
        step.branches.forEach((branch, branchIndex) =>
          sites.push({
            source: branch.when,
            path: [...base, 'branches', branchIndex, 'when'],
            offsetInString: 0,
            step,
            isCondition: true,
          }),
        );
        break;
      case 'verify':
        sites.push({
          source: step.until,
          path: [...base, 'until'],
          offsetInString: 0,
          step,
          resultFields: resultFieldsOf(lint, step) ?? null,
          isCondition: true,
        });
        addTemplateSites(step.params ?? {}, [...base, 'params'], declaredParams(lint, step));
        break;
      case 'check':
        addTemplateSites(step.params ?? {}, [...base, 'params'], declaredParams(lint, step));
        break;
      case 'loop':
        sites.push({ source: step.forEach, path: [...base, 'forEach'], offsetInString: 0, step, isList: true });
        break;
      case 'parallel':
        step.checks.forEach((check, checkIndex) =>
          addTemplateSites(check.params ?? {}, [...base, 'checks', checkIndex, 'params'], declaredParams(lint, check)),
        );
        break;
      case 'action':
        addTemplateSites(step.params, [...base, 'params'], declaredParams(lint, step));
        break;
      case 'link':
        addTemplateSites(step.inputs, [...base, 'inputs']);
        break;
      case 'guidance':
        addTemplateSites(step.text, [...base, 'text']);
        break;
      case 'approval':
        addTemplateSites(step.reason, [...base, 'reason']);
        break;
      case 'escalate':
        addTemplateSites(step.summary, [...base, 'summary']);
        break;
      case 'record':
        addTemplateSites(step.followUps, [...base, 'followUps']);
        break;
      case 'input':
        step.fields.forEach((field, fieldIndex) => {
          addTemplateSites(field.label, [...base, 'fields', fieldIndex, 'label']);
          if (field.help) addTemplateSites(field.help, [...base, 'fields', fieldIndex, 'help']);
        });
        break;
    }
    for (const site of sites) checkExpression(lint, site);
  });
}

export function templateSites(
  lint: Lint,
  template: ParsedTemplate,
  path: (string | number)[],
  step: Step,
  sites: ExpressionSite[],
): void {
  if (!template.ok) {
    add(
      lint,
      path,
      'cel-syntax',
      `template: ${template.error.message}`,
      step.id,
      lint.located.offsetPosition(path, template.error.column - 1),
    );
    return;
  }
  for (const part of template.parts as TemplatePart[]) {
    if ('expression' in part) sites.push({ source: part.expression, path, offsetInString: part.offset, step });
  }
}

export function checkExpression(lint: Lint, site: ExpressionSite): void {
  const { step } = site;
  const at = (offset: number) => lint.located.offsetPosition(site.path, site.offsetInString + offset);
  const parsed = parseCondition(site.source);
  if (!parsed.ok) {
    add(
      lint,
      site.path,
      'cel-syntax',
      `"${site.source.trim()}" does not parse: ${parsed.error.message}`,
      step.id,
      at(parsed.error.column - 1),
    );
    return;
  }
  for (const offset of misusedHasCalls(parsed)) {
    add(
      lint,
      site.path,
      'cel-syntax',
      `has() only tests a field selection such as has(checks.name); for a name with hyphens write 'name' in checks`,
      step.id,
      at(offset),
    );
  }
  const isVerify = site.resultFields !== undefined;
  const inLoop = enclosingLoop(lint, lint.steps.indexOf(step)) !== null;
  const variables = ['inputs', 'checks', 'answers', 'customer', ...(isVerify ? ['result'] : []), ...(inLoop ? ['item'] : [])];
  const available = lint.available.get(step.id);
  const references = collectReferences(parsed);
  const issuesBefore = lint.issues.length;
  // A name the expression tests for presence (has(checks.x), 'x' in checks) may be read in it too: the author guarded it.
  const guarded = new Set(
    references
      .filter((reference) => reference.isTestOnly && reference.path.length === 2)
      .map((reference) => reference.path.join('\u0000')),
  );
  for (const reference of references) {
    const [root, name, field] = reference.path;
    const position = at(reference.offset);
    const text = formatReference(reference.path);
    if (!root || !variables.includes(root)) {
      const hint =
        root === 'result'
          ? '; "result" exists only in a verify step\'s "until"'
          : root === 'item'
            ? '; "item" exists only in the steps of a loop\'s body (from its "do" back to the loop)'
            : '';
      add(
        lint,
        site.path,
        'cel-unknown-variable',
        `unknown variable "${root}"; use ${variables.join(', ')}${hint}`,
        step.id,
        position,
      );
      continue;
    }
    if (name === undefined || root === 'item') continue;
    const isPresenceTest = guarded.has(`${root}\u0000${name}`);
    if (root === 'inputs' && !lint.inputIds.has(name)) {
      add(
        lint,
        site.path,
        'cel-unknown-variable',
        `${text}: the wizard has no input "${name}"${lint.inputIds.size ? ` (inputs: ${[...lint.inputIds].join(', ')})` : ''}`,
        step.id,
        position,
      );
    } else if (root === 'answers') {
      const askedBy = lint.answerSources.get(name);
      if (!askedBy) add(lint, site.path, 'cel-unknown-variable', `${text}: no input step asks "${name}"`, step.id, position);
      else if (available && !available.answers.has(name) && !isPresenceTest) {
        add(
          lint,
          site.path,
          'cel-not-available',
          `${text} may not be answered yet when "${step.id}" runs: step "${askedBy[0]}" is not on every path to it`,
          step.id,
          position,
        );
      }
    } else if (root === 'checks') {
      if (!lint.checkFields.has(name)) {
        const names = [...lint.checkFields.keys()];
        add(
          lint,
          site.path,
          'cel-unknown-check',
          `${text}: no check, verify, action or link step is named "${name}"${names.length ? ` (known: ${names.join(', ')})` : ''}`,
          step.id,
          position,
        );
        continue;
      }
      if (available && !available.checks.has(name) && !isPresenceTest) {
        add(
          lint,
          site.path,
          'cel-not-available',
          `${text} may not have run yet when "${step.id}" runs: not every path to this step goes through "${name}"`,
          step.id,
          position,
        );
      }
      const fields = lint.checkFields.get(name);
      if (field !== undefined && fields && !fields.includes(field)) {
        add(
          lint,
          site.path,
          'cel-unknown-field',
          `${text}: the result of "${name}" has no field "${field}" (fields: ${fields.join(', ')})`,
          step.id,
          position,
        );
      }
    } else if (root === 'customer' && !CUSTOMER_FIELDS.includes(name)) {
      add(
        lint,
        site.path,
        'cel-unknown-field',
        `${text}: the customer has no field "${name}" (fields: ${CUSTOMER_FIELDS.join(', ')})`,
        step.id,
        position,
      );
    } else if (root === 'result' && site.resultFields && !site.resultFields.includes(name)) {
      add(
        lint,
        site.path,
        'cel-unknown-field',
        `${text}: the result has no field "${name}" (fields: ${site.resultFields.join(', ')})`,
        step.id,
        position,
      );
    }
  }
  // Names first: a wrong name is said once, by the checks above, not again as a type error; types before nulls.
  if (lint.issues.length === issuesBefore) checkTypes(lint, site, at);
  if (lint.issues.length === issuesBefore) checkNulls(lint, site, at);
}

/** Reads that fail at run time on a null or missing value (./nulls.ts), with the guards known where the step runs. */
function checkNulls(lint: Lint, site: ExpressionSite, at: (offset: number) => { line: number; column: number }): void {
  let cached = nullScopes.get(lint);
  if (!cached) {
    const checkSteps = new Map<string, Step>();
    const origins = new Map<string, string>();
    for (const step of lint.steps) {
      if (resultFieldsOf(lint, step) === undefined) continue;
      const origin =
        step.kind === 'check' || step.kind === 'verify'
          ? step.source === 'cache'
            ? `the result of query "${step.query}"`
            : `the result of probe "${step.probe}"`
          : `the result of step "${step.id}"`;
      for (const name of [step.id, ...('save' in step && step.save ? [step.save] : [])]) {
        if (!checkSteps.has(name)) checkSteps.set(name, step);
        if (!origins.has(name)) origins.set(name, origin);
        origins.set(step.id, origin);
      }
      if (step.kind === 'parallel')
        for (const check of step.checks) {
          const checkOrigin =
            check.source === 'cache' ? `the result of query "${check.query}"` : `the result of probe "${check.probe}"`;
          for (const name of [check.id, ...(check.save ? [check.save] : [])]) {
            if (!checkSteps.has(name)) checkSteps.set(name, step);
            if (!origins.has(name)) origins.set(name, checkOrigin);
          }
        }
    }
    const scope: NullScope = { variables: variableTypesAt(lint, lint.steps[0] ?? site.step, false), checkSteps, origins };
    cached = { scope, facts: computeNullFacts(lint, scope) };
    nullScopes.set(lint, cached);
  }
  const isVerify = site.resultFields !== undefined;
  const step = site.step;
  const origin =
    isVerify && (step.kind === 'verify' || step.kind === 'check')
      ? step.source === 'cache'
        ? `the result of query "${step.query}"`
        : `the result of probe "${step.probe}"`
      : undefined;
  const scope: NullScope = isVerify
    ? {
        ...cached.scope,
        variables: variableTypesAt(lint, step, true),
        origins: new Map([...cached.scope.origins, ...(origin ? [['$result', origin] as const] : [])]),
      }
    : cached.scope;
  const problems = nullProblems(site.source, scope, cached.facts.get(step.id) ?? new Set(), {
    ...(site.isCondition ? { isCondition: true } : {}),
    ...(site.expect ? { expect: site.expect } : {}),
  });
  reportNullProblems(lint, site, problems, at);
}

const nullScopes = new WeakMap<Lint, { scope: NullScope; facts: ReturnType<typeof computeNullFacts> }>();

/**
 * The declared types a step's expressions see: inputs and answers from their
 * fields, checks from the catalog's result types (cache queries: the desk's),
 * the customer record, and a verify step's `result`.
 */
export function variableTypesAt(lint: Lint, step: Step, isVerify: boolean): CelVariableTypes {
  let base = baseTypes.get(lint);
  if (!base) {
    const answers: Record<string, TypeSchema> = {};
    for (const candidate of lint.steps)
      if (candidate.kind === 'input') for (const field of candidate.fields) answers[field.id] ??= fieldType(field);
    const checks: Record<string, TypeSchema | null> = {};
    for (const candidate of lint.steps) {
      if (resultFieldsOf(lint, candidate) === undefined) continue;
      const type = resultTypeOf(lint, candidate);
      checks[candidate.id] = type;
      if ('save' in candidate && candidate.save) checks[candidate.save] ??= type;
      if (candidate.kind !== 'parallel') continue;
      for (const check of candidate.checks) {
        const checkType = diagnosticTypeOf(lint, check);
        checks[check.id] ??= checkType;
        if (check.save) checks[check.save] ??= checkType;
      }
    }
    base = {
      inputs: objectOf(Object.fromEntries(lint.definition.inputs.map((field) => [field.id, fieldType(field)]))),
      answers: objectOf(answers),
      checks: objectOf(checks),
      customer: customerType(),
    };
    baseTypes.set(lint, base);
  }
  const loop = enclosingLoop(lint, lint.steps.indexOf(step));
  const withItem = loop ? { ...base, item: itemTypeOf(lint, loop, base) } : base;
  return isVerify ? { ...withItem, result: resultTypeOf(lint, step) } : withItem;
}

const LIST_PATH = /^\s*([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*|\s*\[\s*'[^']*'\s*\])*)\s*(?:\.\s*filter\s*\([\s\S]*\))?\s*$/;

/**
 * The declared type of a loop's `item`: the items of the list its `forEach`
 * names (a path such as checks.status.steps, optionally `.filter(…)`); null
 * (any JSON) when the expression computes something else.
 */
function itemTypeOf(lint: Lint, loop: Extract<Step, { kind: 'loop' }>, base: CelVariableTypes): TypeSchema | null {
  const match = LIST_PATH.exec(loop.forEach);
  if (!match?.[1]) return null;
  const segments = [...match[1].matchAll(/[A-Za-z_]\w*|'[^']*'/g)].map((part) => part[0].replace(/^'|'$/g, ''));
  let type: TypeSchema | null = base[segments[0] ?? ''] ?? null;
  for (const segment of segments.slice(1)) type = type?.properties?.[segment] ?? null;
  const types = type?.type === undefined ? [] : Array.isArray(type.type) ? type.type : [type.type];
  return types.includes('array') ? (type?.items ?? null) : null;
}

const baseTypes = new WeakMap<Lint, CelVariableTypes>();
let customerTypeCache: TypeSchema | null = null;
const customerType = () => (customerTypeCache ??= typeSchemaOfZod(CustomerSchema));
const queryTypes = new Map<string, TypeSchema>();

/** An object whose every field is always there (checks, inputs, answers; action and link results). */
function objectOf(properties: Record<string, TypeSchema | null>): TypeSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, value ?? {}])),
    required: Object.keys(properties),
  };
}

function fieldType(field: InputField): TypeSchema {
  const nullable = (type: 'string' | 'number' | 'boolean'): TypeSchema['type'] => (field.required ? type : [type, 'null']);
  switch (field.type) {
    case 'number':
      return { type: nullable('number') };
    case 'boolean':
      return { type: nullable('boolean') };
    case 'choice':
      return { type: nullable('string'), enum: [...field.options, ...(field.required ? [] : [null])] };
    default:
      return { type: nullable('string') };
  }
}

/** The declared type of a step's result; null when unknown (an unknown probe, no catalog). */
function resultTypeOf(lint: Lint, step: Step): TypeSchema | null {
  if (step.kind === 'check' || step.kind === 'verify') return diagnosticTypeOf(lint, step);
  if (step.kind === 'parallel') {
    // A check that failed has null in `results` (onFailure path); on the next path every result is there.
    const results = Object.fromEntries(
      step.checks.map((check) => {
        const type = diagnosticTypeOf(lint, check);
        return [check.id, type ? { ...type, type: nullableType(type.type) } : null];
      }),
    );
    return objectOf({
      ok: { type: 'boolean' },
      results: objectOf(results),
      failed: {
        type: 'array',
        items: objectOf({ check: { type: 'string' }, title: { type: 'string' }, error: { type: 'string' } }),
      },
    });
  }
  if (step.kind === 'action') {
    const declared = lint.context.catalog?.actions.find((action) => action.name === step.action)?.result ?? null;
    return objectOf({ ok: { type: 'boolean' }, result: declared, error: { type: ['string', 'null'] } });
  }
  if (step.kind === 'link') {
    return objectOf({
      outcome: { type: 'string', enum: [...OUTCOMES] },
      rootCause: { type: ['string', 'null'], enum: [...ROOT_CAUSES, null] },
      followUps: { type: 'array', items: { type: 'string' } },
      path: { type: 'array', items: { type: 'string' } },
    });
  }
  return null;
}

/** The declared result type of a query or a probe; null when unknown. */
function diagnosticTypeOf(lint: Lint, diagnostic: Extract<Step, { kind: 'check' | 'verify' }> | GroupCheck): TypeSchema | null {
  if (diagnostic.source === 'cache') {
    const spec = querySpec(diagnostic.query);
    if (!spec) return null;
    let type = queryTypes.get(diagnostic.query);
    if (!type) queryTypes.set(diagnostic.query, (type = typeSchemaOfZod(spec.result)));
    return type;
  }
  if (!catalogProbeSpec(lint.context, diagnostic.probe)) return null;
  return lint.context.catalog?.probes.find((probe) => probe.name === diagnostic.probe)?.result ?? null;
}

/** A declared type that also allows null. */
function nullableType(type: TypeSchema['type']): TypeSchema['type'] {
  if (type === undefined) return undefined;
  const list = Array.isArray(type) ? type : [type];
  return list.includes('null') ? list : [...list, 'null'];
}

/** The declared parameter types of what a step calls, by name. */
type DeclaredParams = { of: string; types: Record<string, TypeSchema> };

function declaredParams(lint: Lint, step: Step | GroupCheck): DeclaredParams | undefined {
  if (!('kind' in step)) return diagnosticParams(lint, step);
  if (step.kind === 'action') {
    const action = lint.context.catalog?.actions.find((candidate) => candidate.name === step.action);
    return action ? { of: `action "${action.name}"`, types: action.params.properties ?? {} } : undefined;
  }
  if (step.kind !== 'check' && step.kind !== 'verify') return undefined;
  return diagnosticParams(lint, step);
}

function diagnosticParams(
  lint: Lint,
  step: Extract<Step, { kind: 'check' | 'verify' }> | GroupCheck,
): DeclaredParams | undefined {
  if (step.source === 'probe') {
    const probe = lint.context.catalog?.probes.find((candidate) => candidate.name === step.probe);
    return probe ? { of: `probe "${probe.name}"`, types: probe.params.properties ?? {} } : undefined;
  }
  const spec = querySpec(step.query);
  return spec ? { of: `query "${step.query}"`, types: typeSchemaOfZod(spec.params).properties ?? {} } : undefined;
}

function checkTypes(lint: Lint, site: ExpressionSite, at: (offset: number) => { line: number; column: number }): void {
  const isVerify = site.resultFields !== undefined;
  const checked = checkCelTypes(site.source, variableTypesAt(lint, site.step, isVerify), {
    objectVariables: ['checks', 'inputs', 'answers'],
  });
  for (const problem of checked.problems)
    add(lint, site.path, 'cel-type', `"${site.source.trim()}": ${problem.message}`, site.step.id, at(problem.offset));
  if (site.isCondition && checked.problems.length === 0 && checked.type !== 'bool' && checked.type !== 'dyn') {
    const key = site.path[site.path.length - 1];
    add(
      lint,
      site.path,
      'cel-type',
      `"${String(key)}" must be a condition (true or false), but "${site.source.trim()}" is ${describeCelType(checked.type)}; compare it, e.g. ${site.source.trim()} == …`,
      site.step.id,
      at(0),
    );
  }
  if (site.isList && checked.problems.length === 0 && !checked.type.startsWith('list') && checked.type !== 'dyn') {
    add(
      lint,
      site.path,
      'cel-type',
      `"forEach" must be a list, but "${site.source.trim()}" is ${describeCelType(checked.type)}`,
      site.step.id,
      at(0),
    );
  }
  if (site.expect && checked.problems.length === 0 && !celTypeFits(checked.type, site.expect.type)) {
    add(
      lint,
      site.path,
      'cel-type',
      `"${site.source.trim()}" is ${describeCelType(checked.type)}, but ${site.expect.what} is ${describeDeclared(site.expect.type)}: the server would refuse it (invalid_params)`,
      site.step.id,
      at(0),
    );
  }
}

function formatReference(path: readonly string[]): string {
  return path
    .map((part, index) => (index === 0 ? part : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `['${part}']`))
    .join('');
}

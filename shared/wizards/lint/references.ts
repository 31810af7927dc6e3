import { catalogSpecs } from '../../catalog/publish';
import { CACHE_QUERIES, querySpec, type DiagnosticSpec } from '../catalog';
import type { ValidationContext } from '../validate';
import { templatesIn } from '../cel';
import { durationToMs, type GroupCheck, type Step } from '../format';
import type { Json } from '../../json';
import { add, type Lint } from './lint';

/** Checks of the names a wizard uses from outside: catalog queries, probes and actions, their parameters, linked wizards. */

/** A probe's spec from the context's catalog; undefined when unknown or when there is no catalog. */
export function catalogProbeSpec(context: ValidationContext, name: string): DiagnosticSpec | undefined {
  return context.catalog ? catalogSpecs(context.catalog).probes.get(name) : undefined;
}

/** An action's parameter spec from the context's catalog; undefined when unknown or when there is no catalog. */
function catalogActionSpec(context: ValidationContext, name: string): { params: DiagnosticSpec['params'] } | undefined {
  return context.catalog ? catalogSpecs(context.catalog).actions.get(name) : undefined;
}

const knownQueries = Object.keys(CACHE_QUERIES);

export function checkCatalog(lint: Lint): void {
  const catalog = lint.context.catalog;
  lint.steps.forEach((step, index) => {
    if (step.kind === 'check' || step.kind === 'verify') {
      checkDiagnostic(lint, step, ['steps', index], step);
      if (step.kind === 'verify' && durationToMs(step.every) > durationToMs(step.timeout)) {
        add(
          lint,
          ['steps', index, 'every'],
          'verify-timing',
          `"every" (${step.every}) is longer than "timeout" (${step.timeout}): there would be only one attempt`,
          step.id,
        );
      }
    }
    if (step.kind === 'parallel')
      step.checks.forEach((check, checkIndex) => checkDiagnostic(lint, check, ['steps', index, 'checks', checkIndex], step));
    if (step.kind === 'action' && catalog) {
      if (!catalogActionSpec(lint.context, step.action)) {
        const known = catalog.actions.map((action) => action.name);
        add(
          lint,
          ['steps', index, 'action'],
          'unknown-action',
          `unknown action "${step.action}"; the catalog "${catalog.catalog}" has ${known.length ? known.join(', ') : 'no actions'}`,
          step.id,
        );
      } else
        checkParams(
          lint,
          step.params,
          catalogActionSpec(lint.context, step.action),
          ['steps', index],
          step,
          `action "${step.action}"`,
        );
    }
  });
}

/** The query or probe of a check, a verify step or a check of a parallel group, and its literal parameters. */
function checkDiagnostic(
  lint: Lint,
  diagnostic: Extract<Step, { kind: 'check' | 'verify' }> | GroupCheck,
  path: (string | number)[],
  step: Step,
): void {
  const catalog = lint.context.catalog;
  if (diagnostic.source === 'cache') {
    if (!knownQueries.includes(diagnostic.query)) {
      add(
        lint,
        [...path, 'query'],
        'unknown-query',
        `unknown cache query "${diagnostic.query}"; known: ${knownQueries.join(', ')}`,
        step.id,
      );
    } else checkParams(lint, diagnostic.params ?? {}, querySpec(diagnostic.query), path, step, `query "${diagnostic.query}"`);
  } else if (catalog && !catalogProbeSpec(lint.context, diagnostic.probe)) {
    const known = catalog.probes.map((probe) => probe.name);
    add(
      lint,
      [...path, 'probe'],
      'unknown-probe',
      `unknown probe "${diagnostic.probe}"; the catalog "${catalog.catalog}" has ${known.length ? known.join(', ') : 'no probes'}`,
      step.id,
    );
  } else if (catalog)
    checkParams(
      lint,
      diagnostic.params ?? {},
      catalogProbeSpec(lint.context, diagnostic.probe),
      path,
      step,
      `probe "${diagnostic.probe}"`,
    );
}

/** Literal parameters are checked against the catalog's schema; templated ones only by name. */
export function checkParams(
  lint: Lint,
  params: Record<string, Json>,
  spec: { params: DiagnosticSpec['params'] } | undefined,
  stepPath: (string | number)[],
  step: Step,
  what: string,
): void {
  if (!spec) return;
  const shape = spec.params.shape;
  for (const [name, value] of Object.entries(params)) {
    const paramSchema = shape[name];
    if (!paramSchema) {
      const known = Object.keys(shape);
      add(
        lint,
        [...stepPath, 'params', name],
        'invalid-params',
        `${what} has no parameter "${name}"${known.length ? `; it takes ${known.join(', ')}` : '; it takes none'}`,
        step.id,
        lint.located.keyPosition([...stepPath, 'params'], name),
      );
      continue;
    }
    if (templatesIn(value).length > 0) continue;
    const result = paramSchema.safeParse(value);
    if (!result.success) {
      add(
        lint,
        [...stepPath, 'params', name],
        'invalid-params',
        `${what} parameter "${name}": ${result.error.issues[0]?.message ?? 'invalid'}`,
        step.id,
      );
    }
  }
  for (const [name, paramSchema] of Object.entries(shape)) {
    if (!(name in params) && !paramSchema.safeParse(undefined).success) {
      add(lint, [...stepPath, 'kind'], 'invalid-params', `${what} needs parameter "${name}"`, step.id);
    }
  }
}

export function checkLinks(lint: Lint): void {
  const known = lint.context.knownWizards;
  lint.steps.forEach((step, index) => {
    if (step.kind !== 'link') return;
    if (step.wizard === lint.definition.id) {
      add(lint, ['steps', index, 'wizard'], 'recursive-link', `a wizard cannot link to itself ("${step.wizard}")`, step.id);
      return;
    }
    if (!known) return;
    const entry = known.find((candidate) => (typeof candidate === 'string' ? candidate : candidate.id) === step.wizard);
    if (!entry) {
      add(
        lint,
        ['steps', index, 'wizard'],
        'unknown-wizard',
        `links to wizard "${step.wizard}", which is not in the library`,
        step.id,
      );
      return;
    }
    if (typeof entry === 'string') return;
    const childInputs = new Map(entry.inputs.map((input) => [input.id, input]));
    for (const name of Object.keys(step.inputs)) {
      if (!childInputs.has(name)) {
        const names = [...childInputs.keys()];
        add(
          lint,
          ['steps', index, 'inputs', name],
          'link-input',
          `wizard "${step.wizard}" has no input "${name}"${names.length ? `; its inputs are ${names.join(', ')}` : '; it takes no inputs'}`,
          step.id,
          lint.located.keyPosition(['steps', index, 'inputs'], name),
        );
      }
    }
    for (const input of entry.inputs) {
      if (input.required && !input.hasDefault && !(input.id in step.inputs)) {
        add(
          lint,
          ['steps', index, 'inputs'],
          'link-input',
          `wizard "${step.wizard}" needs input "${input.id}": map it under "inputs"`,
          step.id,
        );
      }
    }
  });
}

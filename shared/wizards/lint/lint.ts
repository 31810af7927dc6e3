import { loopBody, stepEdges, type GroupCheck, type Step, type WizardDefinition } from '../format';
import { querySpec } from '../catalog';
import { catalogProbeSpec } from './references';
import type { ValidationCode, ValidationContext, ValidationIssue } from '../validate';
import type { Locator } from './locate';

/**
 * The state the semantic checks share while they walk one definition that
 * passed the schema: what they learned (ids, reachable steps, what is available
 * where) and the issues found. Each group of checks is its own module
 * (./structure.ts, ./references.ts, ./expressions.ts); shared/wizards/validate.ts runs them in order.
 */
export type Lint = {
  readonly definition: WizardDefinition;
  readonly located: Locator;
  readonly context: ValidationContext;
  readonly issues: ValidationIssue[];
  readonly steps: readonly Step[];
  readonly indexById: Map<string, number>;
  readonly inputIds: Set<string>;
  /** Answer field id → ids of the input steps that ask it. */
  readonly answerSources: Map<string, string[]>;
  /** Check name (step id or save name) → result fields, or null when unknown. */
  readonly checkFields: Map<string, readonly string[] | null>;
  readonly reachable: Set<string>;
  /** For each reachable step: the check names and answers certainly present when it starts. */
  readonly available: Map<string, { checks: Set<string>; answers: Set<string> }>;
};

/** A fresh state for one definition. */
export function createLint(definition: WizardDefinition, located: Locator, context: ValidationContext): Lint {
  return {
    definition,
    located,
    context,
    issues: [],
    steps: definition.steps,
    indexById: new Map(),
    inputIds: new Set(),
    answerSources: new Map(),
    checkFields: new Map(),
    reachable: new Set(),
    available: new Map(),
  };
}

export const actionResultFields = ['ok', 'result', 'error'];
/** The fields of a loop's summary, `checks['<loop id>']`. */
export const loopSummaryFields = ['items', 'count', 'index', 'tooMany'];
/** The fields of a parallel group's summary, `checks['<group id>']`. */
export const groupSummaryFields = ['ok', 'results', 'failed'];

/** The result fields of a query or probe (a check, verify or group check); null when unknown. */
export function diagnosticFieldsOf(
  lint: Lint,
  diagnostic: Extract<Step, { kind: 'check' | 'verify' }> | GroupCheck,
): readonly string[] | null {
  const spec = diagnostic.source === 'cache' ? querySpec(diagnostic.query) : catalogProbeSpec(lint.context, diagnostic.probe);
  return spec ? Object.keys(spec.result.shape) : null;
}

/** The names a step's results land under in `checks`: its id and save name, and a group's check ids and their save names. */
export function checkNamesOf(step: Step): string[] {
  const names = [step.id, ...('save' in step && step.save ? [step.save] : [])];
  if (step.kind === 'parallel') for (const check of step.checks) names.push(check.id, ...(check.save ? [check.save] : []));
  return names;
}
export const linkResultFields = ['outcome', 'rootCause', 'followUps', 'path'];

export function add(
  lint: Lint,
  path: (string | number)[],
  code: ValidationCode,
  message: string,
  stepId?: string,
  at?: { line: number; column: number },
): void {
  lint.issues.push(lint.located.issue(path, code, message, stepId, at));
}

/** The fields of a step's result; undefined when the step has no result, null when they are unknown. */
export function resultFieldsOf(lint: Lint, step: Step): readonly string[] | null | undefined {
  if (step.kind === 'check' || step.kind === 'verify') return diagnosticFieldsOf(lint, step);
  if (step.kind === 'parallel') return groupSummaryFields;
  if (step.kind === 'loop') return loopSummaryFields;
  if (step.kind === 'action') return actionResultFields;
  if (step.kind === 'link') return linkResultFields;
  return undefined;
}

export function pathOfTarget(lint: Lint, step: Step, index: number, target: string, via: string): (string | number)[] {
  if (step.kind === 'decision' && via === 'goto') {
    const branchIndex = step.branches.findIndex((branch) => branch.goto === target);
    return ['steps', index, 'branches', branchIndex, 'goto'];
  }
  return ['steps', index, via];
}

const bodies = new WeakMap<Lint, Map<number, Set<number>>>();

/** Each loop step's body (./graph.ts loopBody), by the loop's index. */
export function loopBodies(lint: Lint): Map<number, Set<number>> {
  let found = bodies.get(lint);
  if (!found) {
    found = new Map();
    lint.steps.forEach((step, index) => {
      if (step.kind === 'loop') found?.set(index, loopBody(lint.steps, index));
    });
    bodies.set(lint, found);
  }
  return found;
}

/** The loop whose body a step is in, or null. */
export function enclosingLoop(lint: Lint, stepIndex: number): Extract<Step, { kind: 'loop' }> | null {
  for (const [loopIndex, body] of loopBodies(lint)) {
    const loop = lint.steps[loopIndex];
    if (body.has(stepIndex) && loop?.kind === 'loop') return loop;
  }
  return null;
}

export function successors(lint: Lint, index: number): number[] {
  return stepEdges(lint.steps, index)
    .targets.map(({ target }) => lint.indexById.get(target))
    .filter((successor): successor is number => successor !== undefined);
}

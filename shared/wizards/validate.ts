import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, Scalar, type Document } from 'yaml';
import { type z } from 'zod';
import { actionSpec, CUSTOMER_FIELDS, probeSpec, querySpec, type DiagnosticSpec } from './catalog';
import { collectReferences, misusedHasCalls, parseCondition, templatesIn, type ParsedTemplate, type TemplatePart } from './cel';
import type { Json } from '../json';
import { durationToMs, STEP_KINDS, stepEdges, WizardSchema, type InputField, type Step, type WizardDefinition } from './format';

/** Every problem the validator reports, by stable code (docs/wizards.md explains each). */
export const VALIDATION_CODES = [
  'yaml-syntax',
  'schema',
  'unknown-step-kind',
  'decision-without-otherwise',
  'duplicate-id',
  'input-spec',
  'dangling-target',
  'falls-off-end',
  'unreachable-step',
  'unbounded-cycle',
  'verify-timing',
  'unknown-query',
  'unknown-probe',
  'unknown-action',
  'invalid-params',
  'unknown-wizard',
  'recursive-link',
  'link-input',
  'cel-syntax',
  'cel-unknown-variable',
  'cel-unknown-check',
  'cel-unknown-field',
  'cel-not-available',
] as const;
/** One of {@link VALIDATION_CODES}. */
export type ValidationCode = (typeof VALIDATION_CODES)[number];

/** One problem in a wizard file, at a 1-based line and column. */
export type ValidationIssue = {
  file: string;
  line: number;
  column: number;
  stepId?: string;
  code: ValidationCode;
  message: string;
};

/** What a linked wizard expects, so link steps can be checked without its whole file. */
export type WizardSignature = { id: string; inputs: { id: string; required: boolean; hasDefault: boolean }[] };

/** The names the wizard may use; from the catalog, the server, or the wizard library. */
export type ValidationContext = {
  knownActions: readonly string[];
  knownProbes: readonly string[];
  knownQueries: readonly string[];
  /** Wizard ids (or signatures, which also check input mappings) a `link` may name; without it links are not checked. */
  knownWizards?: readonly (string | WizardSignature)[];
};

/** The inputs a wizard declares, in the form link checks use. */
export function wizardSignature(definition: WizardDefinition): WizardSignature {
  return {
    id: definition.id,
    inputs: definition.inputs.map((field) => ({
      id: field.id,
      required: field.required,
      hasDefault: field.default !== undefined || field.type === 'customer-id',
    })),
  };
}

/** Validates a wizard file; an empty list means the file is good. */
export function validateWizard(source: string, file: string, context: ValidationContext): ValidationIssue[] {
  return parseWizard(source, file, context).issues;
}

/** Validates a wizard file and returns its definition when there are no issues. */
export function parseWizard(
  source: string,
  file: string,
  context: ValidationContext,
): { definition: WizardDefinition | null; issues: ValidationIssue[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const located = new Locator(document, lineCounter, source, file);
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        file,
        line: position.line,
        column: position.col,
        code: 'yaml-syntax' as const,
        message: error.message.split('\n')[0] ?? error.message,
      };
    });
    return { definition: null, issues };
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      definition: null,
      issues: [located.issue([], 'yaml-syntax', error instanceof Error ? error.message : String(error))],
    };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      definition: null,
      issues: [located.issue([], 'schema', 'a wizard file is a YAML mapping with id, version, title and steps')],
    };
  }
  const parsed = WizardSchema.safeParse(raw);
  if (!parsed.success) return { definition: null, issues: schemaIssues(parsed.error.issues, raw, located) };
  const issues = new Checker(parsed.data, located, context).run();
  return { definition: issues.length === 0 ? parsed.data : null, issues };
}

/** Turns positions in the YAML document into file, line and column. */
class Locator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly source: string,
    readonly file: string,
  ) {}

  /** The node at a path, or the nearest ancestor that exists. */
  private nodeAt(path: readonly (string | number)[]): { node: unknown; exact: boolean } {
    for (let length = path.length; length > 0; length -= 1) {
      const node = this.document.getIn(path.slice(0, length), true);
      if (isNode(node)) return { node, exact: length === path.length };
    }
    return { node: this.document.contents, exact: path.length === 0 };
  }

  position(path: readonly (string | number)[]): { line: number; column: number } {
    const { node } = this.nodeAt(path);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const position = this.lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  }

  /** The position of a key inside the mapping at `path` (for "unknown key" errors). */
  keyPosition(path: readonly (string | number)[], key: string): { line: number; column: number } {
    const { node, exact } = this.nodeAt(path);
    if (exact && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key) && pair.key.range) {
        const position = this.lineCounter.linePos(pair.key.range[0]);
        return { line: position.line, column: position.col };
      }
    }
    return this.position(path);
  }

  /** The position of a character inside a string scalar (for errors inside a CEL expression). */
  offsetPosition(path: readonly (string | number)[], offset: number): { line: number; column: number } {
    const { node, exact } = this.nodeAt(path);
    if (!exact || !isScalar(node) || !node.range || typeof node.value !== 'string') return this.position(path);
    const start = this.lineCounter.linePos(node.range[0]);
    if (node.type === Scalar.PLAIN) return { line: start.line, column: start.col + offset };
    if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)
      return { line: start.line, column: start.col + 1 + offset };
    if (node.type === Scalar.BLOCK_LITERAL) {
      // Literal block lines keep their breaks: count lines before the offset, and
      // add the block's indentation as it appears in the source.
      const before = node.value.slice(0, offset);
      const lineInBlock = before.split('\n').length - 1;
      const columnInLine = offset - (before.lastIndexOf('\n') + 1);
      const line = start.line + 1 + lineInBlock;
      const lineStart = this.lineCounter.lineStarts[line - 1] ?? 0;
      const indent = /^ */.exec(this.source.slice(lineStart))?.[0].length ?? 0;
      return { line, column: indent + columnInLine + 1 };
    }
    return { line: start.line, column: start.col };
  }

  issue(
    path: readonly (string | number)[],
    code: ValidationCode,
    message: string,
    stepId?: string,
    at?: { line: number; column: number },
  ): ValidationIssue {
    const position = at ?? this.position(path);
    return {
      file: this.file,
      line: position.line,
      column: position.column,
      ...(stepId === undefined ? {} : { stepId }),
      code,
      message,
    };
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function schemaIssues(zodIssues: readonly z.core.$ZodIssue[], raw: unknown, located: Locator): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const zodIssue of zodIssues) {
    const path = zodIssue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const stepIndex = path[0] === 'steps' && typeof path[1] === 'number' ? path[1] : undefined;
    const stepIdValue = stepIndex === undefined ? undefined : valueAt(raw, ['steps', stepIndex, 'id']);
    const stepId = typeof stepIdValue === 'string' ? stepIdValue : undefined;
    const last = path.at(-1);
    const where = describePath(path);
    const value = valueAt(raw, path);

    if (zodIssue.code === 'invalid_union' && 'note' in zodIssue && zodIssue.note === 'No matching discriminator') {
      const isStepKind = stepIndex !== undefined && path.length === 3 && last === 'kind';
      if (isStepKind) {
        const message =
          value === undefined
            ? `step has no "kind"; use one of ${STEP_KINDS.join(', ')}`
            : `unknown step kind "${String(value)}"; use one of ${STEP_KINDS.join(', ')}`;
        issues.push(located.issue(path, 'unknown-step-kind', message, stepId));
        continue;
      }
      const options =
        'options' in zodIssue && Array.isArray(zodIssue.options) ? zodIssue.options.map(String).join(' or ') : 'a known value';
      issues.push(
        located.issue(
          path,
          'schema',
          `${where} must be ${options}${value === undefined ? '' : `, not "${String(value)}"`}`,
          stepId,
        ),
      );
      continue;
    }
    if (zodIssue.code === 'unrecognized_keys') {
      for (const key of zodIssue.keys) {
        issues.push(
          located.issue(
            path,
            'schema',
            `unknown key "${key}"${where ? ` in ${where}` : ''}`,
            stepId,
            located.keyPosition(path, key),
          ),
        );
      }
      continue;
    }
    if (value === undefined && zodIssue.code === 'invalid_type') {
      const isDecisionDefault = stepIndex !== undefined && path.length === 3 && last === 'otherwise';
      if (isDecisionDefault) {
        issues.push(
          located.issue(
            path,
            'decision-without-otherwise',
            'a decision needs "otherwise": the step to take when no branch holds',
            stepId,
          ),
        );
        continue;
      }
      issues.push(
        located.issue(
          path,
          'schema',
          `missing required "${String(last)}"${path.length > 1 ? ` in ${describePath(path.slice(0, -1))}` : ''}`,
          stepId,
        ),
      );
      continue;
    }
    issues.push(located.issue(path, 'schema', `${where || 'the file'}: ${zodIssue.message}`, stepId));
  }
  return issues;
}

/** Where a CEL expression sits and what it may refer to. */
type ExpressionSite = {
  source: string;
  path: (string | number)[];
  /** Offset of the expression inside the YAML string (templates start later than the string). */
  offsetInString: number;
  step: Step;
  resultFields?: readonly string[] | null;
};

const actionResultFields = ['ok', 'result', 'error'];
const linkResultFields = ['outcome', 'rootCause', 'followUps', 'path'];

/** The semantic checks, over a definition that passed the schema. */
class Checker {
  private readonly issues: ValidationIssue[] = [];
  private readonly steps: readonly Step[];
  private readonly indexById = new Map<string, number>();
  private readonly inputIds = new Set<string>();
  /** Answer field id → ids of the input steps that ask it. */
  private readonly answerSources = new Map<string, string[]>();
  /** Check name (step id or save name) → result fields, or null when unknown. */
  private readonly checkFields = new Map<string, readonly string[] | null>();
  private readonly reachable = new Set<string>();
  /** For each reachable step: the check names and answers certainly present when it starts. */
  private readonly available = new Map<string, { checks: Set<string>; answers: Set<string> }>();

  constructor(
    private readonly definition: WizardDefinition,
    private readonly located: Locator,
    private readonly context: ValidationContext,
  ) {
    this.steps = definition.steps;
  }

  run(): ValidationIssue[] {
    this.checkIds();
    this.checkInputSpecs();
    this.checkTargets();
    this.checkReachability();
    this.checkCycles();
    this.checkCatalog();
    this.checkLinks();
    this.computeAvailability();
    this.checkExpressions();
    return this.issues.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  private add(
    path: (string | number)[],
    code: ValidationCode,
    message: string,
    stepId?: string,
    at?: { line: number; column: number },
  ): void {
    this.issues.push(this.located.issue(path, code, message, stepId, at));
  }

  private checkIds(): void {
    this.definition.inputs.forEach((field, index) => {
      if (this.inputIds.has(field.id)) this.add(['inputs', index, 'id'], 'duplicate-id', `input "${field.id}" is declared twice`);
      this.inputIds.add(field.id);
    });
    this.steps.forEach((step, index) => {
      if (this.indexById.has(step.id)) {
        const first = (this.indexById.get(step.id) ?? 0) + 1;
        this.add(['steps', index, 'id'], 'duplicate-id', `step id "${step.id}" is already used by step ${first}`, step.id);
      } else this.indexById.set(step.id, index);
    });
    this.steps.forEach((step, index) => {
      if (step.kind === 'input') {
        step.fields.forEach((field, fieldIndex) => {
          const askedBy = this.answerSources.get(field.id);
          if (askedBy && !askedBy.includes(step.id)) {
            this.add(
              ['steps', index, 'fields', fieldIndex, 'id'],
              'duplicate-id',
              `answer "${field.id}" is already asked in step "${askedBy[0]}"`,
              step.id,
            );
          } else if (askedBy) {
            this.add(
              ['steps', index, 'fields', fieldIndex, 'id'],
              'duplicate-id',
              `field "${field.id}" appears twice in this step`,
              step.id,
            );
          }
          this.answerSources.set(field.id, [...(askedBy ?? []), step.id]);
        });
      }
      const fields = this.resultFieldsOf(step);
      if (fields === undefined) return;
      this.checkFields.set(step.id, fields);
      if ('save' in step && step.save) {
        if (this.checkFields.has(step.save) || this.indexById.has(step.save)) {
          this.add(
            ['steps', index, 'save'],
            'duplicate-id',
            `save name "${step.save}" is already a step id or a save name`,
            step.id,
          );
        } else this.checkFields.set(step.save, fields);
      }
    });
  }

  /** The fields of a step's result; undefined when the step has no result, null when they are unknown. */
  private resultFieldsOf(step: Step): readonly string[] | null | undefined {
    if (step.kind === 'check' || step.kind === 'verify') {
      const spec = step.source === 'cache' ? querySpec(step.query) : probeSpec(step.probe);
      return spec ? Object.keys(spec.result.shape) : null;
    }
    if (step.kind === 'action') return actionResultFields;
    if (step.kind === 'link') return linkResultFields;
    return undefined;
  }

  private checkInputSpecs(): void {
    this.definition.inputs.forEach((field, index) => this.checkField(field, ['inputs', index]));
    this.steps.forEach((step, index) => {
      if (step.kind === 'input')
        step.fields.forEach((field, fieldIndex) => this.checkField(field, ['steps', index, 'fields', fieldIndex], step.id));
    });
  }

  private checkField(field: InputField, path: (string | number)[], stepId?: string): void {
    const problem = fieldSpecProblem(field);
    if (problem) this.add([...path, problem.key], 'input-spec', `field "${field.id}": ${problem.message}`, stepId);
  }

  private checkTargets(): void {
    this.steps.forEach((step, index) => {
      const { targets, fallsOffEnd } = stepEdges(this.steps, index);
      for (const { target, via } of targets) {
        if (!this.indexById.has(target)) {
          const path = this.pathOfTarget(step, index, target, via);
          this.add(path, 'dangling-target', `"${via}" goes to "${target}", which is not a step in this wizard`, step.id);
        }
      }
      if (fallsOffEnd) {
        this.add(
          ['steps', index, 'kind'],
          'falls-off-end',
          `step "${step.id}" is the last step but is not a record or escalate step: add "next" or a record step after it`,
          step.id,
        );
      }
    });
  }

  private pathOfTarget(step: Step, index: number, target: string, via: string): (string | number)[] {
    if (step.kind === 'decision' && via === 'goto') {
      const branchIndex = step.branches.findIndex((branch) => branch.goto === target);
      return ['steps', index, 'branches', branchIndex, 'goto'];
    }
    return ['steps', index, via];
  }

  private successors(index: number): number[] {
    return stepEdges(this.steps, index)
      .targets.map(({ target }) => this.indexById.get(target))
      .filter((successor): successor is number => successor !== undefined);
  }

  private checkReachability(): void {
    const queue = [0];
    const seen = new Set<number>([0]);
    while (queue.length > 0) {
      const index = queue.shift() ?? 0;
      for (const successor of this.successors(index)) {
        if (!seen.has(successor)) {
          seen.add(successor);
          queue.push(successor);
        }
      }
    }
    this.steps.forEach((step, index) => {
      if (seen.has(index)) this.reachable.add(step.id);
      else if (this.indexById.get(step.id) === index) {
        this.add(['steps', index, 'id'], 'unreachable-step', `step "${step.id}" can never run: no step leads to it`, step.id);
      }
    });
  }

  /** Loops are allowed only when a verify step in them (with its every/timeout) can leave them. */
  private checkCycles(): void {
    for (const component of stronglyConnected(this.steps.length, (index) => this.successors(index))) {
      const isLoop = component.length > 1 || this.successors(component[0] ?? 0).includes(component[0] ?? -1);
      if (!isLoop) continue;
      const members = new Set(component);
      const hasVerifyExit = component.some((index) => {
        const step = this.steps[index];
        return step?.kind === 'verify' && this.successors(index).some((successor) => !members.has(successor));
      });
      if (hasVerifyExit) continue;
      const ordered = [...component].sort((a, b) => a - b);
      const first = ordered[0] ?? 0;
      const names = ordered.map((index) => this.steps[index]?.id).join(' → ');
      const firstStep = this.steps[first];
      this.add(
        ['steps', first, 'id'],
        'unbounded-cycle',
        `steps ${names} form a loop with no way out through a verify step; a loop must contain a verify step (every/timeout) that can leave it`,
        firstStep?.id,
      );
    }
  }

  private checkCatalog(): void {
    this.steps.forEach((step, index) => {
      if (step.kind === 'check' || step.kind === 'verify') {
        if (step.source === 'cache') {
          if (!this.context.knownQueries.includes(step.query)) {
            this.add(
              ['steps', index, 'query'],
              'unknown-query',
              `unknown cache query "${step.query}"; known: ${this.context.knownQueries.join(', ')}`,
              step.id,
            );
          } else this.checkParams(step.params ?? {}, querySpec(step.query), ['steps', index], step, `query "${step.query}"`);
        } else if (!this.context.knownProbes.includes(step.probe)) {
          this.add(
            ['steps', index, 'probe'],
            'unknown-probe',
            `unknown probe "${step.probe}"; known: ${this.context.knownProbes.join(', ')}`,
            step.id,
          );
        } else this.checkParams(step.params ?? {}, probeSpec(step.probe), ['steps', index], step, `probe "${step.probe}"`);
        if (step.kind === 'verify' && durationToMs(step.every) > durationToMs(step.timeout)) {
          this.add(
            ['steps', index, 'every'],
            'verify-timing',
            `"every" (${step.every}) is longer than "timeout" (${step.timeout}): there would be only one attempt`,
            step.id,
          );
        }
      }
      if (step.kind === 'action') {
        if (!this.context.knownActions.includes(step.action)) {
          this.add(
            ['steps', index, 'action'],
            'unknown-action',
            `unknown action "${step.action}"; the server knows: ${this.context.knownActions.join(', ')}`,
            step.id,
          );
        } else this.checkParams(step.params, actionSpec(step.action), ['steps', index], step, `action "${step.action}"`);
      }
    });
  }

  /** Literal parameters are checked against the catalog's schema; templated ones only by name. */
  private checkParams(
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
        this.add(
          [...stepPath, 'params', name],
          'invalid-params',
          `${what} has no parameter "${name}"${known.length ? `; it takes ${known.join(', ')}` : '; it takes none'}`,
          step.id,
          this.located.keyPosition([...stepPath, 'params'], name),
        );
        continue;
      }
      if (templatesIn(value).length > 0) continue;
      const result = paramSchema.safeParse(value);
      if (!result.success) {
        this.add(
          [...stepPath, 'params', name],
          'invalid-params',
          `${what} parameter "${name}": ${result.error.issues[0]?.message ?? 'invalid'}`,
          step.id,
        );
      }
    }
    for (const [name, paramSchema] of Object.entries(shape)) {
      if (!(name in params) && !paramSchema.safeParse(undefined).success) {
        this.add([...stepPath, 'kind'], 'invalid-params', `${what} needs parameter "${name}"`, step.id);
      }
    }
  }

  private checkLinks(): void {
    const known = this.context.knownWizards;
    this.steps.forEach((step, index) => {
      if (step.kind !== 'link') return;
      if (step.wizard === this.definition.id) {
        this.add(['steps', index, 'wizard'], 'recursive-link', `a wizard cannot link to itself ("${step.wizard}")`, step.id);
        return;
      }
      if (!known) return;
      const entry = known.find((candidate) => (typeof candidate === 'string' ? candidate : candidate.id) === step.wizard);
      if (!entry) {
        this.add(
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
          this.add(
            ['steps', index, 'inputs', name],
            'link-input',
            `wizard "${step.wizard}" has no input "${name}"${names.length ? `; its inputs are ${names.join(', ')}` : '; it takes no inputs'}`,
            step.id,
            this.located.keyPosition(['steps', index, 'inputs'], name),
          );
        }
      }
      for (const input of entry.inputs) {
        if (input.required && !input.hasDefault && !(input.id in step.inputs)) {
          this.add(
            ['steps', index, 'inputs'],
            'link-input',
            `wizard "${step.wizard}" needs input "${input.id}": map it under "inputs"`,
            step.id,
          );
        }
      }
    });
  }

  /** Forward "definitely produced" analysis: a name is available at a step if every path to it produces the name. */
  private computeAvailability(): void {
    const order = this.steps.map((_, index) => index).filter((index) => this.reachable.has(this.steps[index]?.id ?? ''));
    const predecessors = new Map<number, number[]>();
    for (const index of order)
      for (const successor of this.successors(index))
        predecessors.set(successor, [...(predecessors.get(successor) ?? []), index]);
    const produced = (step: Step) => ({
      checks: this.checkFields.has(step.id) ? [step.id, ...('save' in step && step.save ? [step.save] : [])] : [],
      answers: step.kind === 'input' ? step.fields.map((field) => field.id) : [],
    });
    const universe = { checks: new Set(this.checkFields.keys()), answers: new Set(this.answerSources.keys()) };
    const outSets = new Map<number, { checks: Set<string>; answers: Set<string> }>();
    for (const index of order) outSets.set(index, { checks: new Set(universe.checks), answers: new Set(universe.answers) });
    let isChanged = true;
    while (isChanged) {
      isChanged = false;
      for (const index of order) {
        const step = this.steps[index];
        if (!step) continue;
        const incoming = index === 0 ? [] : (predecessors.get(index) ?? []).map((predecessor) => outSets.get(predecessor));
        const entry = { checks: new Set<string>(), answers: new Set<string>() };
        if (index !== 0 && incoming.length > 0) {
          const [first, ...rest] = incoming;
          for (const name of first?.checks ?? []) if (rest.every((set) => set?.checks.has(name))) entry.checks.add(name);
          for (const name of first?.answers ?? []) if (rest.every((set) => set?.answers.has(name))) entry.answers.add(name);
        }
        // Step 0 can also be re-entered through a loop, but nothing is certain the first time.
        this.available.set(step.id, entry);
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

  private checkExpressions(): void {
    this.steps.forEach((step, index) => {
      const base = ['steps', index] as (string | number)[];
      const sites: ExpressionSite[] = [];
      const templateSites = (value: Json, path: (string | number)[]) => {
        for (const found of templatesIn(value)) this.templateSites(found.template, [...path, ...found.path], step, sites);
      };
      switch (step.kind) {
        case 'decision':
          step.branches.forEach((branch, branchIndex) =>
            sites.push({ source: branch.when, path: [...base, 'branches', branchIndex, 'when'], offsetInString: 0, step }),
          );
          break;
        case 'verify':
          sites.push({
            source: step.until,
            path: [...base, 'until'],
            offsetInString: 0,
            step,
            resultFields: this.resultFieldsOf(step) ?? null,
          });
          templateSites(step.params ?? {}, [...base, 'params']);
          break;
        case 'check':
          templateSites(step.params ?? {}, [...base, 'params']);
          break;
        case 'action':
          templateSites(step.params, [...base, 'params']);
          break;
        case 'link':
          templateSites(step.inputs, [...base, 'inputs']);
          break;
        case 'guidance':
          templateSites(step.text, [...base, 'text']);
          break;
        case 'approval':
          templateSites(step.reason, [...base, 'reason']);
          break;
        case 'escalate':
          templateSites(step.summary, [...base, 'summary']);
          break;
        case 'record':
          templateSites(step.followUps, [...base, 'followUps']);
          break;
        case 'input':
          step.fields.forEach((field, fieldIndex) => {
            templateSites(field.label, [...base, 'fields', fieldIndex, 'label']);
            if (field.help) templateSites(field.help, [...base, 'fields', fieldIndex, 'help']);
          });
          break;
      }
      for (const site of sites) this.checkExpression(site);
    });
  }

  private templateSites(template: ParsedTemplate, path: (string | number)[], step: Step, sites: ExpressionSite[]): void {
    if (!template.ok) {
      this.add(
        path,
        'cel-syntax',
        `template: ${template.error.message}`,
        step.id,
        this.located.offsetPosition(path, template.error.column - 1),
      );
      return;
    }
    for (const part of template.parts as TemplatePart[]) {
      if ('expression' in part) sites.push({ source: part.expression, path, offsetInString: part.offset, step });
    }
  }

  private checkExpression(site: ExpressionSite): void {
    const { step } = site;
    const at = (offset: number) => this.located.offsetPosition(site.path, site.offsetInString + offset);
    const parsed = parseCondition(site.source);
    if (!parsed.ok) {
      this.add(
        site.path,
        'cel-syntax',
        `"${site.source.trim()}" does not parse: ${parsed.error.message}`,
        step.id,
        at(parsed.error.column - 1),
      );
      return;
    }
    for (const offset of misusedHasCalls(parsed)) {
      this.add(
        site.path,
        'cel-syntax',
        `has() only tests a field selection such as has(checks.name); for a name with hyphens write 'name' in checks`,
        step.id,
        at(offset),
      );
    }
    const isVerify = site.resultFields !== undefined;
    const variables = ['inputs', 'checks', 'answers', 'customer', ...(isVerify ? ['result'] : [])];
    const available = this.available.get(step.id);
    const references = collectReferences(parsed);
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
        const hint = root === 'result' ? '; "result" exists only in a verify step\'s "until"' : '';
        this.add(
          site.path,
          'cel-unknown-variable',
          `unknown variable "${root}"; use ${variables.join(', ')}${hint}`,
          step.id,
          position,
        );
        continue;
      }
      if (name === undefined) continue;
      const isPresenceTest = guarded.has(`${root}\u0000${name}`);
      if (root === 'inputs' && !this.inputIds.has(name)) {
        this.add(
          site.path,
          'cel-unknown-variable',
          `${text}: the wizard has no input "${name}"${this.inputIds.size ? ` (inputs: ${[...this.inputIds].join(', ')})` : ''}`,
          step.id,
          position,
        );
      } else if (root === 'answers') {
        const askedBy = this.answerSources.get(name);
        if (!askedBy) this.add(site.path, 'cel-unknown-variable', `${text}: no input step asks "${name}"`, step.id, position);
        else if (available && !available.answers.has(name) && !isPresenceTest) {
          this.add(
            site.path,
            'cel-not-available',
            `${text} may not be answered yet when "${step.id}" runs: step "${askedBy[0]}" is not on every path to it`,
            step.id,
            position,
          );
        }
      } else if (root === 'checks') {
        if (!this.checkFields.has(name)) {
          const names = [...this.checkFields.keys()];
          this.add(
            site.path,
            'cel-unknown-check',
            `${text}: no check, verify, action or link step is named "${name}"${names.length ? ` (known: ${names.join(', ')})` : ''}`,
            step.id,
            position,
          );
          continue;
        }
        if (available && !available.checks.has(name) && !isPresenceTest) {
          this.add(
            site.path,
            'cel-not-available',
            `${text} may not have run yet when "${step.id}" runs: not every path to this step goes through "${name}"`,
            step.id,
            position,
          );
        }
        const fields = this.checkFields.get(name);
        if (field !== undefined && fields && !fields.includes(field)) {
          this.add(
            site.path,
            'cel-unknown-field',
            `${text}: the result of "${name}" has no field "${field}" (fields: ${fields.join(', ')})`,
            step.id,
            position,
          );
        }
      } else if (root === 'customer' && !CUSTOMER_FIELDS.includes(name)) {
        this.add(
          site.path,
          'cel-unknown-field',
          `${text}: the customer has no field "${name}" (fields: ${CUSTOMER_FIELDS.join(', ')})`,
          step.id,
          position,
        );
      } else if (root === 'result' && site.resultFields && !site.resultFields.includes(name)) {
        this.add(
          site.path,
          'cel-unknown-field',
          `${text}: the result has no field "${name}" (fields: ${site.resultFields.join(', ')})`,
          step.id,
          position,
        );
      }
    }
  }
}

function formatReference(path: readonly string[]): string {
  return path
    .map((part, index) => (index === 0 ? part : /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? `.${part}` : `['${part}']`))
    .join('');
}

/** What is wrong with an input field's own definition (pattern, default, bounds), if anything. */
export function fieldSpecProblem(field: InputField): { key: string; message: string } | null {
  if ((field.type === 'string' || field.type === 'text') && field.pattern !== undefined) {
    try {
      new RegExp(field.pattern, 'u');
    } catch (error) {
      return {
        key: 'pattern',
        message: `pattern is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  if ('min' in field && 'max' in field && field.min !== undefined && field.max !== undefined && field.min > field.max) {
    return { key: 'min', message: `min (${field.min}) is greater than max (${field.max})` };
  }
  if (field.type === 'choice' && new Set(field.options).size !== field.options.length)
    return { key: 'options', message: 'options repeat a value' };
  if (field.default !== undefined) {
    const problem = fieldValueProblem(field, field.default);
    if (problem) return { key: 'default', message: `default ${problem}` };
  }
  return null;
}

/** Why a value does not fit a field, or null when it does. `null`/missing is handled by the caller. */
export function fieldValueProblem(field: InputField, value: unknown): string | null {
  switch (field.type) {
    case 'string':
    case 'text': {
      if (typeof value !== 'string') return 'must be text';
      if (field.type === 'string' && value.includes('\n')) return 'must be one line';
      if (field.min !== undefined && value.length < field.min) return `must be at least ${field.min} characters`;
      if (field.max !== undefined && value.length > field.max) return `must be at most ${field.max} characters`;
      if (field.pattern !== undefined) {
        let pattern: RegExp;
        try {
          pattern = new RegExp(`^(?:${field.pattern})$`, 'u');
        } catch {
          return 'cannot be checked: the pattern is invalid';
        }
        if (!pattern.test(value)) return `must match ${field.pattern}`;
      }
      return null;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (field.integer && !Number.isInteger(value)) return 'must be a whole number';
      if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
      if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choice':
      return typeof value === 'string' && field.options.includes(value) ? null : `must be one of: ${field.options.join(', ')}`;
    case 'customer-id':
      return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value) ? null : 'must be a customer id';
  }
}

/** Tarjan's strongly connected components, iteratively (wizards are small, but recursion depth should not depend on authors). */
function stronglyConnected(count: number, successors: (index: number) => number[]): number[][] {
  const indexOf = new Array<number>(count).fill(-1);
  const lowLink = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let start = 0; start < count; start += 1) {
    if (indexOf[start] !== -1) continue;
    const work: { node: number; next: number; edges: number[] }[] = [{ node: start, next: 0, edges: successors(start) }];
    indexOf[start] = lowLink[start] = counter++;
    stack.push(start);
    onStack[start] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (!frame) break;
      if (frame.next < frame.edges.length) {
        const successor = frame.edges[frame.next++] ?? 0;
        if (indexOf[successor] === -1) {
          indexOf[successor] = lowLink[successor] = counter++;
          stack.push(successor);
          onStack[successor] = true;
          work.push({ node: successor, next: 0, edges: successors(successor) });
        } else if (onStack[successor]) {
          lowLink[frame.node] = Math.min(lowLink[frame.node] ?? 0, indexOf[successor] ?? 0);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink[parent.node] = Math.min(lowLink[parent.node] ?? 0, lowLink[frame.node] ?? 0);
      if (lowLink[frame.node] === indexOf[frame.node]) {
        const component: number[] = [];
        let member: number | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

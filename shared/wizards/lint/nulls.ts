import type { parse } from '@bufbuild/cel';
import type { TypeSchema } from '../../catalog/type-schema';
import { parseCondition } from '../cel';
import type { CelVariableTypes } from '../cel-types';
import { stepEdges, type Step } from '../format';
import { add, type Lint } from './lint';

/**
 * Null and presence checks of wizard CEL (issue 11): reads that fail at run
 * time because a value may be null or a field may be missing. Written here
 * because the CEL checker in the project (@bufbuild/cel) has no nullable or
 * optional types: it types `result.version.major > 2` as fine although
 * `version` is declared `[object, null]`, and a run then records "no such
 * key" and the condition does not hold.
 *
 * What is flagged (`cel-null`), from the declared types (the catalog's result
 * schemas, the desk's queries, input fields):
 * - a field read, an ordering, arithmetic or function call on a value that may
 *   be null (`[number, null]`, an optional input or answer);
 * - a read of a field that is not in its object's `required` list (it may be
 *   missing), also under `has()`: `has(a.b.c)` needs `a.b` present;
 * - a check named at run time (`checks[inputs.step]`), which may not have run;
 * - a verify result after its timeout (null when no attempt answered), an
 *   action's `result` after it failed (null);
 * - a condition that may itself be null, and a parameter that is exactly one
 *   template yielding null where the catalog does not accept null.
 *
 * Guards are recognised the way CEL evaluates: `x != null && x.y`,
 * `x == null || x.y > 0`, `has(a.b) ? a.b : 0`, `'k' in m && m.k`, also with
 * the guard on the right of `&&`/`||` (CEL's logical operators absorb the
 * error when the other side decides), and across steps: a decision branch's
 * condition holds in the step it leads to until a step runs that replaces
 * what it tested; a verify's `until` held after it (its `next`); an action's
 * `result` is there after it succeeded.
 */

type Expr = ReturnType<typeof parse>['expr'];

/** What the checker knows about a value. */
type Slot = {
  /** The declared type, null when unknown (any JSON). */
  schema: TypeSchema | null;
  /** It may be null here (declared so, and no guard says otherwise). */
  nullable: boolean;
  /** Why it may be null, for the message. */
  why?: string;
  /** Canonical key of the value (a path from a variable), for guards; null for computed values. */
  key: string | null;
  /** The value as the author wrote it, for messages. */
  text: string;
};

/** Facts: `p` present, `n` present and not null, by canonical key. */
type Facts = ReadonlySet<string>;
const NONE: Facts = new Set();

/** One problem at an offset inside the expression text. */
export type NullProblem = { message: string; offset: number };

const SEP = '\u0001';
const present = (key: string) => `p${SEP}${key}`;
const nonNull = (key: string) => `n${SEP}${key}`;
const union = (...sets: Facts[]): Facts => new Set(sets.flatMap((set) => [...set]));
const intersect = (a: Facts, b: Facts): Facts => new Set([...a].filter((fact) => b.has(fact)));

function allowsNull(schema: TypeSchema | null | undefined): boolean {
  if (!schema) return false;
  if (schema.type === 'null') return true;
  if (Array.isArray(schema.type)) return schema.type.includes('null');
  return schema.type === undefined && (schema.enum?.includes(null) ?? false);
}

function describeType(schema: TypeSchema): string {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.join(' or ') || 'any value';
}

/** What the expressions of one wizard see: the declared variable types and the step behind each check name. */
export type NullScope = {
  variables: CelVariableTypes;
  /** Check name (step id or save name) → its step. */
  checkSteps: ReadonlyMap<string, Step>;
  /** Where a declared result comes from, by check name, for messages ("query latestDeploy"). */
  origins: ReadonlyMap<string, string>;
};

/** Checks one expression; `facts` are the guards known to hold when it runs. */
export function nullProblems(
  source: string,
  scope: NullScope,
  facts: Facts,
  options: { isCondition?: boolean; expect?: { type: TypeSchema; what: string } } = {},
): NullProblem[] {
  const parsed = parseCondition(source);
  if (!parsed.ok) return [];
  const checker = new Checker(scope, parsed.positions);
  const slot = checker.value(parsed.expr, facts, new Map());
  const problems = checker.problems;
  if (problems.length > 0) return problems;
  if (options.isCondition && slot.nullable) {
    problems.push({
      message: `the condition may be null (${slot.text} is ${slot.why ?? 'null or true/false'}), and null does not hold: compare it, e.g. ${slot.text} == true`,
      offset: 0,
    });
  } else if (options.expect && slot.nullable && !allowsNull(options.expect.type)) {
    problems.push({
      message: `${slot.text} may be null here (${slot.why ?? 'declared so'}), but ${options.expect.what} is ${describeType(options.expect.type)}: the server would refuse it (invalid_params); reach this step only through a decision that tests ${slot.text} != null`,
      offset: 0,
    });
  }
  return problems;
}

/** The guards an expression establishes when it is true / false (without reporting anything). */
export function guardsOf(source: string, scope: NullScope): { ifTrue: Facts; ifFalse: Facts } {
  const parsed = parseCondition(source);
  if (!parsed.ok) return { ifTrue: NONE, ifFalse: NONE };
  return new Checker(scope, parsed.positions).guards(parsed.expr, new Map());
}

type Bound = ReadonlyMap<string, Slot>;

class Checker {
  readonly problems: NullProblem[] = [];
  constructor(
    private readonly scope: NullScope,
    private readonly positions: Record<string, number>,
  ) {}

  private offsetOf(expr: Expr): number {
    return this.positions[String(expr.id)] ?? 0;
  }

  private report(expr: Expr, message: string): void {
    this.problems.push({ message, offset: this.offsetOf(expr) });
  }

  /** Runs `body` with problems collected separately; answers whether it found none. */
  private isClean(body: () => void): boolean {
    const before = this.problems.length;
    body();
    const isClean = this.problems.length === before;
    this.problems.length = before;
    return isClean;
  }

  /** The canonical key of an index or field name written as an expression (for `checks[inputs.step]`). */
  private keyText(expr: Expr, bound: Bound): string | null {
    const kind = expr.exprKind;
    if (kind.case === 'constExpr') return JSON.stringify(kind.value.constantKind.value ?? null);
    return this.peek(expr, bound).key;
  }

  /** The key and text of an expression without reporting anything. */
  private peek(expr: Expr, bound: Bound): Slot {
    const before = this.problems.length;
    const slot = this.value(expr, NONE, bound);
    this.problems.length = before;
    return slot;
  }

  /** A constant string index or select field name. */
  private static constantField(expr: Expr | undefined): string | null {
    if (expr?.exprKind.case !== 'constExpr') return null;
    const constant = expr.exprKind.value.constantKind;
    return constant.case === 'stringValue' ? constant.value : null;
  }

  value(expr: Expr, facts: Facts, bound: Bound): Slot {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr': {
        const isNull = kind.value.constantKind.case === 'nullValue';
        return { schema: isNull ? { type: 'null' } : null, nullable: isNull, key: null, text: isNull ? 'null' : 'a constant' };
      }
      case 'identExpr': {
        const name = kind.value.name;
        const local = bound.get(name);
        if (local) return { ...local, nullable: local.nullable && !(local.key !== null && facts.has(nonNull(local.key))) };
        const schema = Object.hasOwn(this.scope.variables, name) ? (this.scope.variables[name] ?? null) : null;
        return { schema, nullable: false, key: name, text: name };
      }
      case 'selectExpr': {
        const operand = kind.value.operand;
        if (!operand) return { schema: null, nullable: false, key: null, text: '?' };
        const parent = this.value(operand, facts, bound);
        if (kind.value.testOnly) {
          // has(a.b): `a` must be there and not null; `b` may be missing.
          this.requireValue(operand, parent, facts, `has(${parent.text}.${kind.value.field})`);
          return { schema: { type: 'boolean' }, nullable: false, key: null, text: `has(${parent.text}.${kind.value.field})` };
        }
        return this.field(expr, parent, kind.value.field, `.${kind.value.field}`, facts);
      }
      case 'callExpr':
        return this.call(expr, kind.value, facts, bound);
      case 'listExpr':
        for (const element of kind.value.elements) this.value(element, facts, bound);
        return { schema: { type: 'array' }, nullable: false, key: null, text: 'a list' };
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') this.value(entry.keyKind.value, facts, bound);
          if (entry.value) this.value(entry.value, facts, bound);
        }
        return { schema: { type: 'object' }, nullable: false, key: null, text: 'a map' };
      case 'comprehensionExpr': {
        const value = kind.value;
        const range = value.iterRange ? this.value(value.iterRange, facts, bound) : null;
        if (value.iterRange && range) this.requireValue(value.iterRange, range, facts, `a list function on ${range.text}`);
        const item = range?.schema?.items ?? null;
        const inner = new Map(bound);
        inner.set(value.iterVar, {
          schema: item,
          nullable: allowsNull(item),
          why: item ? `an item declared ${describeType(item)}` : undefined,
          key: `~${value.iterVar}`,
          text: value.iterVar,
        });
        if (value.iterVar2) inner.set(value.iterVar2, { schema: null, nullable: false, key: null, text: value.iterVar2 });
        inner.set(value.accuVar, { schema: null, nullable: false, key: null, text: value.accuVar });
        if (value.loopStep) this.value(value.loopStep, facts, inner);
        return { schema: null, nullable: false, key: null, text: range ? `a function of ${range.text}` : 'a list function' };
      }
      default:
        return { schema: null, nullable: false, key: null, text: 'a value' };
    }
  }

  /** Reads `field` of `parent` (a `.field` or a constant `['field']`). */
  private field(expr: Expr, parent: Slot, field: string, written: string, facts: Facts): Slot {
    const text = `${parent.text}${/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) ? `.${field}` : `['${field}']`}`;
    const unknown: Slot = { schema: null, nullable: false, key: null, text };
    if (parent.nullable) {
      this.report(
        expr,
        `${parent.text} may be null here (${parent.why ?? 'declared so'}), so reading ${written} fails: guard it, e.g. ${parent.text} != null && …`,
      );
      return unknown;
    }
    const isChecks = parent.key === 'checks';
    const name = isChecks ? this.canonicalCheck(field) : field;
    const key = parent.key === null ? null : `${parent.key}${SEP}${name}`;
    const known = (fact: (key: string) => string) => key !== null && facts.has(fact(key));
    const schema = parent.schema?.properties?.[field] ?? null;
    // Checks, inputs and answers: their presence is the availability check's (cel-not-available).
    const isVariableObject = parent.key === 'checks' || parent.key === 'inputs' || parent.key === 'answers';
    const declaresFields = !!parent.schema?.properties && parent.schema.additionalProperties !== true;
    if (
      !isVariableObject &&
      declaresFields &&
      schema &&
      !(parent.schema?.required ?? []).includes(field) &&
      !known(present) &&
      !known(nonNull)
    ) {
      this.report(
        expr,
        `${text} is optional (not in the "required" list of ${this.originOf(parent)}), so it may be missing and reading it fails: guard it, e.g. has(${text}) && …`,
      );
      return unknown;
    }
    let nullable = allowsNull(schema);
    let why = schema && nullable ? `declared ${describeType(schema)}` : undefined;
    if (isChecks) {
      const step = this.scope.checkSteps.get(field);
      if (step?.kind === 'verify') {
        nullable = true;
        why = `verify step "${step.id}" leaves it null when it times out before any attempt answered`;
      }
    }
    if (parent.key !== null && parent.key.startsWith(`checks${SEP}`) && field === 'result') {
      const stepName = parent.key.split(SEP)[1] ?? '';
      const step = this.scope.checkSteps.get(stepName);
      if (step?.kind === 'action') {
        nullable = true;
        why = `action step "${step.id}" leaves it null when the action failed`;
      }
    }
    if (known(nonNull)) nullable = false;
    return { schema, nullable, ...(why ? { why } : {}), key, text };
  }

  /** A save name → its step id, so `checks.upgrade` and `checks['latest-upgrade']` are one value. */
  private canonicalCheck(name: string): string {
    return this.scope.checkSteps.get(name)?.id ?? name;
  }

  private originOf(slot: Slot): string {
    const [root, name] = slot.key?.split(SEP) ?? [];
    if (root === 'checks' && name) return this.scope.origins.get(name) ?? `the result of "${name}"`;
    if (root === 'result') return this.scope.origins.get('$result') ?? 'the result';
    return `the declared type of ${slot.text.split('.').slice(0, -1).join('.') || slot.text}`;
  }

  /** Reports when an operation needs a value and `slot` may be null. */
  private requireValue(expr: Expr, slot: Slot, facts: Facts, use: string): void {
    if (!slot.nullable || (slot.key !== null && facts.has(nonNull(slot.key)))) return;
    this.report(
      expr,
      `${slot.text} may be null here (${slot.why ?? 'declared so'}), and ${use} fails on null: guard it, e.g. ${slot.text} != null && …`,
    );
  }

  private call(expr: Expr, call: Extract<Expr['exprKind'], { case: 'callExpr' }>['value'], facts: Facts, bound: Bound): Slot {
    const fn = call.function;
    const args = call.args;
    const computed = (text: string): Slot => ({ schema: null, nullable: false, key: null, text });
    const [first, second, third] = args;
    if ((fn === '_&&_' || fn === '_||_') && first && second) {
      const isAnd = fn === '_&&_';
      const guardsLeft = this.guards(first, bound);
      const guardsRight = this.guards(second, bound);
      // The right side runs where the left did not decide; the left may lean on a right side that cannot fail.
      const rightFacts = union(facts, isAnd ? guardsLeft.ifTrue : guardsLeft.ifFalse);
      const isRightClean = this.isClean(() => this.operand(second, facts, bound, fn));
      const leftFacts = isRightClean ? union(facts, isAnd ? guardsRight.ifTrue : guardsRight.ifFalse) : facts;
      this.operand(first, leftFacts, bound, fn);
      this.operand(second, rightFacts, bound, fn);
      return { schema: { type: 'boolean' }, nullable: false, key: null, text: 'the condition' };
    }
    if (fn === '!_' && first) {
      this.operand(first, facts, bound, '!');
      return { schema: { type: 'boolean' }, nullable: false, key: null, text: 'the condition' };
    }
    if (fn === '_?_:_' && first && second && third) {
      this.operand(first, facts, bound, '? :');
      const guards = this.guards(first, bound);
      const yes = this.value(second, union(facts, guards.ifTrue), bound);
      const no = this.value(third, union(facts, guards.ifFalse), bound);
      const nullable = yes.nullable || no.nullable;
      return {
        schema: null,
        nullable,
        ...(nullable ? { why: (yes.nullable ? yes.why : no.why) ?? 'one branch may be null' } : {}),
        key: null,
        text: yes.nullable ? yes.text : no.text,
      };
    }
    if (fn === '_[_]' && first && second) {
      const parent = this.value(first, facts, bound);
      const field = Checker.constantField(second);
      if (field !== null) return this.field(expr, parent, field, `['${field}']`, facts);
      this.value(second, facts, bound);
      if (parent.key === 'checks') {
        const index = this.keyText(second, bound);
        const key = index === null ? null : `checks${SEP}[${index}]`;
        if (key === null || !(facts.has(present(key)) || facts.has(nonNull(key)))) {
          const written = this.peek(second, bound).text;
          this.report(
            expr,
            `checks[${written}] names a check only known at run time, which may not have run: test it first, e.g. ${written} in checks && …`,
          );
        }
        return { schema: null, nullable: false, key, text: 'checks[…]' };
      }
      this.requireValue(first, parent, facts, 'indexing');
      return computed(`${parent.text}[…]`);
    }
    if ((fn === '_==_' || fn === '_!=_') && first && second) {
      this.value(first, facts, bound);
      this.value(second, facts, bound);
      return { schema: { type: 'boolean' }, nullable: false, key: null, text: 'the comparison' };
    }
    if (fn === '@in' && first && second) {
      this.value(first, facts, bound);
      const container = this.value(second, facts, bound);
      this.requireValue(second, container, facts, '"in"');
      return { schema: { type: 'boolean' }, nullable: false, key: null, text: 'the test' };
    }
    if (fn === 'type' || fn === 'dyn') {
      for (const argument of args) this.value(argument, facts, bound);
      return computed(`${fn}(…)`);
    }
    const use = call.target ? `.${fn}()` : /^_.*_$|^-_$/.test(fn) ? `"${fn.replace(/_/g, '')}"` : `${fn}()`;
    if (call.target) {
      const target = this.value(call.target, facts, bound);
      this.requireValue(call.target, target, facts, use);
    }
    for (const argument of args) {
      const slot = this.value(argument, facts, bound);
      this.requireValue(argument, slot, facts, use);
    }
    return computed('the value');
  }

  /** An operand of a logical operator: it must be true or false, never null. */
  private operand(expr: Expr, facts: Facts, bound: Bound, fn: string): void {
    const slot = this.value(expr, facts, bound);
    const operator = fn === '_&&_' ? '&&' : fn === '_||_' ? '||' : fn;
    this.requireValue(expr, slot, facts, `"${operator}"`);
  }

  /** The guards an expression establishes: what holds when it evaluated to true, and to false. */
  guards(expr: Expr, bound: Bound): { ifTrue: Facts; ifFalse: Facts } {
    const none = { ifTrue: NONE, ifFalse: NONE };
    const kind = expr.exprKind;
    const presentWithParents = (key: string | null, isNonNull: boolean): Facts => {
      if (key === null) return NONE;
      const parts = key.split(SEP);
      const facts = new Set<string>();
      for (let length = 2; length < parts.length; length += 1) facts.add(nonNull(parts.slice(0, length).join(SEP)));
      facts.add(isNonNull ? nonNull(key) : present(key));
      return facts;
    };
    if (kind.case === 'selectExpr' && kind.value.testOnly && kind.value.operand) {
      const parent = this.peek(kind.value.operand, bound);
      if (parent.key === null) return none;
      const field = parent.key === 'checks' ? this.canonicalCheck(kind.value.field) : kind.value.field;
      return {
        ifTrue: union(presentWithParents(parent.key, true), presentWithParents(`${parent.key}${SEP}${field}`, false)),
        ifFalse: NONE,
      };
    }
    if (kind.case !== 'callExpr') return none;
    const [first, second] = kind.value.args;
    switch (kind.value.function) {
      case '_&&_': {
        if (!first || !second) return none;
        const left = this.guards(first, bound);
        const right = this.guards(second, bound);
        return { ifTrue: union(left.ifTrue, right.ifTrue), ifFalse: intersect(left.ifFalse, right.ifFalse) };
      }
      case '_||_': {
        if (!first || !second) return none;
        const left = this.guards(first, bound);
        const right = this.guards(second, bound);
        return { ifTrue: intersect(left.ifTrue, right.ifTrue), ifFalse: union(left.ifFalse, right.ifFalse) };
      }
      case '!_': {
        if (!first) return none;
        const inner = this.guards(first, bound);
        return { ifTrue: inner.ifFalse, ifFalse: inner.ifTrue };
      }
      case '_!=_':
      case '_==_': {
        if (!first || !second) return none;
        const constantOf = (candidate: Expr) =>
          candidate.exprKind.case === 'constExpr' ? candidate.exprKind.value.constantKind.case : null;
        const isConstant = (candidate: Expr) => constantOf(candidate) !== null;
        const [tested, constant] = isConstant(second) ? [first, second] : isConstant(first) ? [second, first] : [null, null];
        if (!tested || !constant) return none;
        const facts = presentWithParents(this.peek(tested, bound).key, true);
        const isEqual = kind.value.function === '_==_';
        // `x != null` true, `x == null` false: x is there. `x == 'dns'` true (a constant that is not null): so is x.
        if (constantOf(constant) === 'nullValue')
          return isEqual ? { ifTrue: NONE, ifFalse: facts } : { ifTrue: facts, ifFalse: NONE };
        return isEqual ? { ifTrue: facts, ifFalse: NONE } : { ifTrue: NONE, ifFalse: facts };
      }
      case '@in': {
        if (!first || !second) return none;
        const container = this.peek(second, bound);
        if (container.key === null) return none;
        const constant = Checker.constantField(first);
        const field =
          constant === null
            ? `[${this.keyText(first, bound) ?? '?'}]`
            : container.key === 'checks'
              ? this.canonicalCheck(constant)
              : constant;
        return {
          ifTrue: union(presentWithParents(container.key, true), presentWithParents(`${container.key}${SEP}${field}`, false)),
          ifFalse: NONE,
        };
      }
      default:
        return none;
    }
  }
}

/** Facts about `result` in a verify's `until`, said of `checks.<step>` once the verify held. */
function asCheckFacts(facts: Facts, stepId: string): Facts {
  const out = new Set<string>();
  for (const fact of facts) {
    const [mark, root, ...rest] = fact.split(SEP);
    if (root === 'result') out.add([mark, 'checks', stepId, ...rest].join(SEP));
  }
  return out;
}

/**
 * The guards that certainly hold when each reachable step starts: a forward
 * analysis over the step graph. A decision branch adds its condition's
 * guards, a verify's `next` its `until`'s (and a result), an action's `next`
 * its result; a step that produces a check or an answer drops what was known
 * about it (a loop may run it again with another result).
 */
export function computeNullFacts(lint: Lint, scope: NullScope): Map<string, Facts> {
  const entry = new Map<string, Facts>();
  const order = lint.steps.map((_, index) => index).filter((index) => lint.reachable.has(lint.steps[index]?.id ?? ''));
  const incoming = new Map<number, { from: number; facts: Facts }[]>();
  const edgeFacts = (step: Step, index: number): { to: number; facts: Facts }[] => {
    const edges = stepEdges(lint.steps, index).targets;
    return edges.flatMap((edge, edgeIndex) => {
      const to = lint.indexById.get(edge.target);
      if (to === undefined) return [];
      let facts: Facts = NONE;
      if (step.kind === 'decision') {
        // Branch i is taken when its condition held and the ones before it did not. (A condition
        // before it that failed on a null also falls through; that condition is reported itself.)
        const taken = edge.via === 'goto' ? edgeIndex : step.branches.length;
        const guards = step.branches.slice(0, taken + 1).map((branch) => guardsOf(branch.when, scope));
        facts = union(
          ...guards.slice(0, taken).map((guard) => guard.ifFalse),
          edge.via === 'goto' ? (guards[taken]?.ifTrue ?? NONE) : NONE,
        );
      } else if (step.kind === 'verify' && edge.via === 'next') {
        const own = guardsOf(step.until, scope).ifTrue;
        facts = union(asCheckFacts(own, step.id), new Set([nonNull(`checks${SEP}${step.id}`)]));
      } else if (step.kind === 'action' && edge.via === 'next') {
        facts = new Set([nonNull(`checks${SEP}${step.id}${SEP}result`)]);
      }
      return [{ to, facts }];
    });
  };
  const killed = (step: Step): string[] => {
    if (step.kind === 'input') return step.fields.map((field) => `answers${SEP}${field.id}`);
    if (step.kind === 'check' || step.kind === 'verify' || step.kind === 'action' || step.kind === 'link')
      return [`checks${SEP}${step.id}`];
    if (step.kind === 'parallel') return [step.id, ...step.checks.map((check) => check.id)].map((id) => `checks${SEP}${id}`);
    return [];
  };
  for (const index of order) {
    const step = lint.steps[index];
    if (!step) continue;
    for (const edge of edgeFacts(step, index))
      incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), { from: index, facts: edge.facts }]);
  }
  // Exit sets start at "everything" (null: not reached yet) and shrink to a fixed point.
  const exitFacts = new Map<number, Facts | null>();
  for (const index of order) exitFacts.set(index, null);
  let isChanged = true;
  let rounds = 0;
  while (isChanged && rounds < 100) {
    isChanged = false;
    rounds += 1;
    for (const index of order) {
      const step = lint.steps[index];
      if (!step) continue;
      let facts: Facts | null = index === 0 ? NONE : null;
      for (const edge of incoming.get(index) ?? []) {
        const before = exitFacts.get(edge.from);
        if (before === undefined || before === null) continue;
        const along = union(before, edge.facts);
        facts = facts === null ? along : intersect(facts, along);
      }
      if (index === 0 && (incoming.get(index)?.length ?? 0) > 0) facts = NONE;
      const start = facts ?? NONE;
      const previous = entry.get(step.id);
      if (!previous || previous.size !== start.size || [...start].some((fact) => !previous.has(fact))) isChanged = true;
      entry.set(step.id, start);
      const prefixes = killed(step);
      const isKilled = (fact: string) => {
        const key = fact.slice(2);
        return prefixes.some((prefix) => key === prefix || key.startsWith(`${prefix}${SEP}`));
      };
      const exit = new Set([...start].filter((fact) => !isKilled(fact)));
      exitFacts.set(index, exit);
    }
  }
  return entry;
}

/** Reports the null problems of one expression site of the linter at their columns. */
export function reportNullProblems(
  lint: Lint,
  site: { source: string; path: (string | number)[]; step: Step },
  problems: NullProblem[],
  at: (offset: number) => { line: number; column: number },
): void {
  for (const problem of problems)
    add(lint, site.path, 'cel-null', `"${site.source.trim()}": ${problem.message}`, site.step.id, at(problem.offset));
}

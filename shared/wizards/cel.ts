import { celEnv, isCelError, isCelList, isCelMap, isCelUint, parse, plan, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Json } from '../json';

/**
 * CEL for wizard conditions and templates: parsing with positions, the names an
 * expression refers to (for validation), and evaluation over plain JSON. Never eval.
 */

/** A CEL syntax tree as @bufbuild/cel produces it. */
type Expr = ReturnType<typeof parse>['expr'];

/** A parse failure: the message and the 1-based position in the expression text (counting line breaks as characters). */
export type CelSyntaxError = { message: string; column: number };

/** A parsed expression, or why it did not parse. */
export type ParsedCondition = { ok: true; expr: Expr; positions: Record<string, number> } | { ok: false; error: CelSyntaxError };

/** Parses CEL, turning the parser's exception into a value with a column. */
export function parseCondition(source: string): ParsedCondition {
  try {
    const parsed = parse(source);
    const positions: Record<string, number> = {};
    for (const [id, offset] of Object.entries(parsed.sourceInfo?.positions ?? {})) positions[id] = Number(offset);
    return { ok: true, expr: parsed.expr, positions };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    // The parser reports "<input>:line:column: message"; keep the column and the words.
    const match = /^<input>:(\d+):(\d+):\s*(.*)$/s.exec(raw);
    if (!match) return { ok: false, error: { message: raw, column: 1 } };
    // Multi-line expressions: turn line and column into a position in the whole text.
    const lines = source.split('\n');
    const before = lines.slice(0, Number(match[1]) - 1).reduce((total, line) => total + line.length + 1, 0);
    return { ok: false, error: { message: match[3] ?? raw, column: before + Number(match[2]) } };
  }
}

/**
 * A name an expression reads from its variables: `checks['idp-probe'].certificateExpired`
 * is `['checks', 'idp-probe', 'certificateExpired']`. `isTestOnly` marks the last
 * segment as inside `has(...)`; `isDynamic` marks an index that is not a constant.
 */
export type CelReference = { path: string[]; isTestOnly: boolean; isDynamic: boolean; offset: number };

/** Every free variable access in an expression (comprehension variables excluded). */
export function collectReferences(parsed: Extract<ParsedCondition, { ok: true }>): CelReference[] {
  const references: CelReference[] = [];
  const offsetOf = (expr: Expr) => parsed.positions[String(expr.id)] ?? 0;

  // A chain of `.field` and `['key']` over a free identifier, outermost last.
  const chainOf = (expr: Expr, bound: ReadonlySet<string>): { path: string[]; root: Expr } | null => {
    const kind = expr.exprKind;
    if (kind.case === 'identExpr') return bound.has(kind.value.name) ? null : { path: [kind.value.name], root: expr };
    if (kind.case === 'selectExpr' && kind.value.operand) {
      const inner = chainOf(kind.value.operand, bound);
      return inner ? { path: [...inner.path, kind.value.field], root: inner.root } : null;
    }
    if (kind.case === 'callExpr' && kind.value.function === '_[_]' && !kind.value.target) {
      const [operand, index] = kind.value.args;
      if (operand && index?.exprKind.case === 'constExpr' && index.exprKind.value.constantKind.case === 'stringValue') {
        const inner = chainOf(operand, bound);
        return inner ? { path: [...inner.path, index.exprKind.value.constantKind.value], root: inner.root } : null;
      }
    }
    return null;
  };

  const walk = (expr: Expr | undefined, bound: ReadonlySet<string>): void => {
    if (!expr) return;
    const chain = chainOf(expr, bound);
    if (chain) {
      const isTestOnly = expr.exprKind.case === 'selectExpr' && expr.exprKind.value.testOnly;
      references.push({ path: chain.path, isTestOnly, isDynamic: false, offset: offsetOf(chain.root) });
      return;
    }
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr':
        return;
      case 'selectExpr':
        walk(kind.value.operand, bound);
        return;
      case 'callExpr': {
        if (kind.value.function === '_[_]' && !kind.value.target) {
          // A dynamic index over a free variable: record the part before it.
          const [operand, index] = kind.value.args;
          const inner = operand ? chainOf(operand, bound) : null;
          if (inner) references.push({ path: inner.path, isTestOnly: false, isDynamic: true, offset: offsetOf(inner.root) });
          else walk(operand, bound);
          walk(index, bound);
          return;
        }
        if (kind.value.function === '@in' && !kind.value.target) {
          // `'step-id' in checks` is the presence test for names `has()` cannot select.
          const [key, container] = kind.value.args;
          const inner = container ? chainOf(container, bound) : null;
          if (inner && key?.exprKind.case === 'constExpr' && key.exprKind.value.constantKind.case === 'stringValue') {
            references.push({
              path: [...inner.path, key.exprKind.value.constantKind.value],
              isTestOnly: true,
              isDynamic: false,
              offset: offsetOf(inner.root),
            });
            return;
          }
        }
        walk(kind.value.target, bound);
        for (const argument of kind.value.args) walk(argument, bound);
        return;
      }
      case 'listExpr':
        for (const element of kind.value.elements) walk(element, bound);
        return;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound);
          walk(entry.value, bound);
        }
        return;
      case 'comprehensionExpr': {
        const value = kind.value;
        walk(value.iterRange, bound);
        walk(value.accuInit, bound);
        const inner = new Set(bound);
        for (const name of [value.iterVar, value.iterVar2, value.accuVar]) if (name) inner.add(name);
        walk(value.loopCondition, inner);
        walk(value.loopStep, inner);
        walk(value.result, inner);
        return;
      }
      default:
        return;
    }
  };
  walk(parsed.expr, new Set());
  return references;
}

/**
 * Offsets of `has(...)` calls that are not the has() macro: `has(checks['a-b'])`
 * parses, but only `has(a.b)` is a presence test; the call fails at run time.
 */
export function misusedHasCalls(parsed: Extract<ParsedCondition, { ok: true }>): number[] {
  const offsets: number[] = [];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const record = value as { $typeName?: string; id?: bigint; exprKind?: { case?: string; value?: { function?: string } } };
    if (
      record.$typeName === 'cel.expr.Expr' &&
      record.exprKind?.case === 'callExpr' &&
      record.exprKind.value?.function === 'has'
    ) {
      offsets.push(parsed.positions[String(record.id)] ?? 0);
    }
    for (const [key, child] of Object.entries(value)) if (key !== '$typeName') visit(child);
  };
  visit(parsed.expr);
  return offsets;
}

const environment = celEnv({ funcs: strings });
const planned = new Map<string, ReturnType<typeof plan>>();

/** Variables a condition is evaluated over. */
export type CelBindings = Record<string, Json>;

/** The outcome of evaluating an expression. */
export type Evaluation = { ok: true; value: Json } | { ok: false; error: string };

/** Evaluates a CEL expression over JSON variables; never throws. */
export function evaluate(source: string, bindings: CelBindings): Evaluation {
  let run = planned.get(source);
  if (!run) {
    const parsed = parseCondition(source);
    if (!parsed.ok) return { ok: false, error: `does not parse: ${parsed.error.message} (column ${parsed.error.column})` };
    run = plan(environment, parsed.expr);
    // Expressions come from a handful of wizard files; the cap only guards a runaway caller.
    if (planned.size > 5000) planned.clear();
    planned.set(source, run);
  }
  let value: CelValue | ReturnType<typeof run>;
  try {
    value = run(bindings);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (isCelError(value)) return { ok: false, error: value.message };
  return toJson(value);
}

/** CEL values back to JSON: ints become numbers, lists arrays, maps objects. */
function toJson(value: CelValue): Evaluation {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return { ok: true, value };
  if (typeof value === 'number')
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, error: `not a finite number: ${value}` };
  if (typeof value === 'bigint') return { ok: true, value: Number(value) };
  if (isCelUint(value)) return { ok: true, value: Number(value.value) };
  if (isCelList(value)) {
    const items: Json[] = [];
    for (const item of value) {
      const converted = toJson(item);
      if (!converted.ok) return converted;
      items.push(converted.value);
    }
    return { ok: true, value: items };
  }
  if (isCelMap(value)) {
    const object: Record<string, Json> = {};
    for (const [key, item] of value) {
      const converted = toJson(item);
      if (!converted.ok) return converted;
      object[String(isCelUint(key) ? key.value : key)] = converted.value;
    }
    return { ok: true, value: object };
  }
  return { ok: false, error: 'the expression yields a value that is not JSON (a type, bytes, timestamp or message)' };
}

/** One piece of a template string. */
export type TemplatePart = { text: string } | { expression: string; offset: number };

/** A parsed template, or where it is broken. */
export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; error: CelSyntaxError };

/**
 * Splits "Hello ${ inputs.name }" into literal text and CEL expressions. `$${`
 * stands for a literal `${`. Braces and quotes inside an expression are tracked,
 * so `${ {'a': 1}['a'] }` works.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let literal = '';
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      literal += '${';
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      literal += text[index];
      index += 1;
      continue;
    }
    const start = index + 2;
    let depth = 0;
    let quote: string | null = null;
    let end = -1;
    for (let cursor = start; cursor < text.length; cursor += 1) {
      const character = text[cursor];
      if (quote) {
        if (character === '\\') cursor += 1;
        else if (character === quote) quote = null;
        continue;
      }
      if (character === '"' || character === "'") quote = character;
      else if (character === '{') depth += 1;
      else if (character === '}') {
        if (depth === 0) {
          end = cursor;
          break;
        }
        depth -= 1;
      }
    }
    if (end < 0) return { ok: false, error: { message: 'a "${" template is not closed with "}"', column: index + 1 } };
    const expression = text.slice(start, end);
    if (expression.trim() === '') return { ok: false, error: { message: 'an empty "${ }" template', column: index + 1 } };
    if (literal) parts.push({ text: literal });
    literal = '';
    parts.push({ expression, offset: start });
    index = end + 1;
  }
  if (literal) parts.push({ text: literal });
  return { ok: true, parts };
}

/** Every template expression inside a JSON value (strings at any depth), with its JSON path. */
export function templatesIn(
  value: Json,
  path: (string | number)[] = [],
): { path: (string | number)[]; template: ParsedTemplate }[] {
  if (typeof value === 'string') return value.includes('${') ? [{ path, template: parseTemplate(value) }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => templatesIn(item, [...path, index]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => templatesIn(item, [...path, key]));
  return [];
}

/** A string with its templates filled in; a string that is exactly one `${ expr }` keeps the value's type. */
export function renderTemplate(text: string, bindings: CelBindings): Evaluation {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return { ok: false, error: parsed.error.message };
  const [only] = parsed.parts;
  if (parsed.parts.length === 1 && only && 'expression' in only) return evaluate(only.expression, bindings);
  let rendered = '';
  for (const part of parsed.parts) {
    if ('text' in part) {
      rendered += part.text;
      continue;
    }
    const result = evaluate(part.expression, bindings);
    if (!result.ok) return result;
    rendered += typeof result.value === 'string' ? result.value : JSON.stringify(result.value);
  }
  return { ok: true, value: rendered };
}

/** A JSON value with every template string rendered. */
export function renderValue(value: Json, bindings: CelBindings): Evaluation {
  if (typeof value === 'string') return value.includes('${') ? renderTemplate(value, bindings) : { ok: true, value };
  if (Array.isArray(value)) {
    const items: Json[] = [];
    for (const item of value) {
      const rendered = renderValue(item, bindings);
      if (!rendered.ok) return rendered;
      items.push(rendered.value);
    }
    return { ok: true, value: items };
  }
  if (value && typeof value === 'object') {
    const object: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const rendered = renderValue(item, bindings);
      if (!rendered.ok) return { ok: false, error: `${key}: ${rendered.error}` };
      object[key] = rendered.value;
    }
    return { ok: true, value: object };
  }
  return { ok: true, value };
}

/** Text for people: templates filled in, a failed expression shown in place instead of failing the whole text. */
export function renderText(text: string, bindings: CelBindings): string {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return text;
  return parsed.parts
    .map((part) => {
      if ('text' in part) return part.text;
      const result = evaluate(part.expression, bindings);
      if (!result.ok) return `[unavailable: ${part.expression.trim()}]`;
      return typeof result.value === 'string' ? result.value : JSON.stringify(result.value);
    })
    .join('');
}

import { Environment } from '@marcbachmann/cel-js';
import { z } from 'zod';
import type { TypeName, TypeSchema } from '../catalog/type-schema';

/**
 * Type checks of CEL expressions against declared types, for the wizard linter
 * and the catalog loader (issue 11: "wizards checked as strictly as code").
 *
 * Why a second CEL library: conditions are evaluated by @bufbuild/cel, but its
 * 0.6.1 checker cannot serve. `Checker` is not exported from the package, and
 * it handles only constants and identifiers — any select, call or comprehension
 * throws "Unsupported expression kind" (dist/esm/checker.js); type checking is
 * an open feature request upstream (bufbuild/cel-es#129). @marcbachmann/cel-js
 * (MIT, zero dependencies, well kept) has a complete checker with declared
 * object types and source ranges, so it only checks here; nothing evaluates
 * with it. Where the two differ, this module follows the evaluator:
 *
 * - JSON numbers reach @bufbuild/cel as doubles, so `number` and `integer`
 *   fields are `double`; comparing a double with an int literal works at run
 *   time (CEL's numeric equality), so those overloads are declared.
 * - A field that may be null (`[string, "null"]`) is typed as its other type,
 *   and comparing any value with `null` is allowed.
 * - The strings extension functions @bufbuild/cel offers and this checker lacks
 *   are declared with @bufbuild/cel's signatures.
 * - An expression this checker cannot parse (the syntax check is the
 *   evaluator's own parser, so it already parsed there) is not type checked.
 */

/** The declared type of a variable: a TypeSchema (JSON Schema subset), or null for "any JSON". */
export type CelVariableTypes = Readonly<Record<string, TypeSchema | null>>;

/** One type problem, at an offset inside the expression text (0-based). */
export type CelTypeProblem = { message: string; offset: number };

/** What the check found: the expression's type (a CEL type name, `dyn` when unknown) and its problems. */
export type CelTypeCheck = { type: string; problems: CelTypeProblem[] };

/** A JSON Schema as zod produces it (draft 2020-12), for turning the desk's own zod schemas into declared types. */
type JsonSchemaLike = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaLike[];
  oneOf?: JsonSchemaLike[];
  items?: JsonSchemaLike;
  properties?: Record<string, JsonSchemaLike>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaLike;
  $ref?: string;
};

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** A zod schema (the desk's cache queries, the customer record) as a declared type; unknown parts become "any JSON". */
export function typeSchemaOfZod(schema: z.ZodType): TypeSchema {
  return normalize(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'output' }) as JsonSchemaLike);
}

function normalize(schema: JsonSchemaLike): TypeSchema {
  if (schema.$ref) return {};
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const converted = alternatives.map(normalize);
    const nonNull = converted.filter((item) => !(item.type === 'null'));
    const hasNull = nonNull.length < converted.length;
    const [only] = nonNull;
    if (nonNull.length === 1 && only && typeof only.type === 'string')
      return { ...only, type: hasNull ? [only.type, 'null'] : only.type };
    return {};
  }
  const result: TypeSchema = {};
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter((type): type is TypeName =>
    SCALAR_TYPES.has(type),
  );
  const [first] = types;
  if (types.length === 1 && first) result.type = first;
  else if (types.length > 1) result.type = types;
  if (schema.enum) result.enum = schema.enum.filter(isScalar);
  if (schema.const !== undefined && isScalar(schema.const)) result.enum = [schema.const];
  if (schema.items) result.items = normalize(schema.items);
  if (schema.properties) {
    result.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, normalize(value)]));
    if (schema.required) result.required = schema.required;
    if (schema.additionalProperties === true || typeof schema.additionalProperties === 'object')
      result.additionalProperties = true;
  }
  return result;
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The types of a TypeSchema's values, null left out; an empty list means any JSON. */
function typesOf(schema: TypeSchema): string[] {
  const declared = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (declared.length === 0 && schema.enum) {
    const seen = new Set(schema.enum.map((value) => (value === null ? 'null' : typeof value)));
    return [...seen].filter((type) => type !== 'null').map((type) => (type === 'boolean' ? 'boolean' : type));
  }
  return declared.filter((type) => type !== 'null').map((type) => (type === 'integer' ? 'number' : type));
}

/** Declared types turned into one checker environment (types registered leaves first). */
class EnvironmentBuilder {
  readonly environment = new Environment({ homogeneousAggregateLiterals: false, unlistedVariablesAreDyn: false });
  private count = 0;
  private readonly nullable = new Set<string>(['string', 'double', 'int', 'uint', 'bool', 'bytes', 'list', 'map']);

  celTypeOf(schema: TypeSchema | null, hint: string): string {
    if (!schema) return 'dyn';
    const types = [...new Set(typesOf(schema))];
    if (types.length !== 1) return 'dyn';
    switch (types[0]) {
      case 'string':
        return 'string';
      case 'number':
        return 'double';
      case 'boolean':
        return 'bool';
      case 'array': {
        const element = schema.items ? this.celTypeOf(schema.items, `${hint}_item`) : 'dyn';
        return this.noteNullable(`list<${element}>`);
      }
      case 'object':
        if (!schema.properties || schema.additionalProperties === true) return 'map<string, dyn>';
        return this.objectType(schema.properties, hint);
      default:
        return 'dyn';
    }
  }

  /** Registers an object type with these fields; returns its name. */
  objectType(fields: Record<string, TypeSchema | null>, hint: string): string {
    const celFields: Record<string, string> = {};
    for (const [name, schema] of Object.entries(fields)) celFields[name] = this.celTypeOf(schema, `${hint}_${name}`);
    this.count += 1;
    const name = `${hint.replace(/[^A-Za-z0-9_]/g, '_')}_${this.count}`;
    this.environment.registerType(name, { fields: celFields });
    return this.noteNullable(name);
  }

  private noteNullable(type: string): string {
    this.nullable.add(type);
    return type;
  }

  /** Declares what @bufbuild/cel accepts and this checker would not (see the top of the file). */
  finish(variables: Record<string, string>, presenceTypes: readonly string[]): Environment {
    const env = this.environment;
    for (const type of this.nullable) env.registerOperator(`${type} == null`, () => false);
    env.registerOperator('double == int', () => false);
    env.registerOperator('double in list<int>', () => false);
    env.registerOperator('int in list<double>', () => false);
    for (const type of presenceTypes) env.registerOperator(`string in ${type}`, () => false);
    env.registerFunction('string.charAt(int): string', () => '');
    env.registerFunction('string.replace(string, string): string', () => '');
    env.registerFunction('string.replace(string, string, int): string', () => '');
    env.registerFunction('string.format(list): string', () => '');
    // `strings.quote(s)` is a namespaced function there; here a method of a `strings` variable.
    env.registerType('StringsExtension', { fields: {} });
    env.registerFunction('StringsExtension.quote(string): string', () => '');
    env.registerVariable('strings', 'StringsExtension');
    for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
    return env;
  }
}

/**
 * Options of a check: `objectVariables` are variables whose fields are names
 * (like `checks`): `'name' in checks` is their presence test.
 */
export type CelCheckOptions = { objectVariables?: readonly string[] };

const environments = new Map<string, Environment>();

function environmentFor(variables: CelVariableTypes, options: CelCheckOptions): Environment {
  const key = JSON.stringify([variables, options.objectVariables ?? []]);
  const cached = environments.get(key);
  if (cached) return cached;
  const builder = new EnvironmentBuilder();
  const celVariables: Record<string, string> = {};
  const presenceTypes: string[] = [];
  for (const [name, schema] of Object.entries(variables)) {
    const isObjectVariable = options.objectVariables?.includes(name) ?? false;
    // An object variable is always an object type, also with no fields, so `'x' in checks` keeps meaning presence.
    const type =
      isObjectVariable && schema?.properties
        ? builder.objectType(schema.properties, name)
        : isObjectVariable
          ? 'map<string, dyn>'
          : builder.celTypeOf(schema, name);
    if (isObjectVariable && type !== 'map<string, dyn>') presenceTypes.push(type);
    celVariables[name] = type;
  }
  const environment = builder.finish(celVariables, presenceTypes);
  // A lint run meets a few dozen distinct sets of variables; the cap only guards a runaway caller.
  if (environments.size > 500) environments.clear();
  environments.set(key, environment);
  return environment;
}

/** Type checks one expression (which the evaluator's parser already accepted). */
export function checkCelTypes(source: string, variables: CelVariableTypes, options: CelCheckOptions = {}): CelTypeCheck {
  const environment = environmentFor(variables, options);
  let checked: ReturnType<Environment['check']>;
  try {
    checked = environment.check(source);
  } catch {
    return { type: 'dyn', problems: [] };
  }
  if (checked.valid) return { type: String(checked.type), problems: enumProblems(environment, source, variables) };
  const error = checked.error as { message?: string; range?: { start: number } } | undefined;
  const raw = (error?.message ?? 'type error').split('\n')[0] ?? 'type error';
  if (/^(Unexpected|Expected|Unterminated|Invalid syntax)/i.test(raw)) return { type: 'dyn', problems: [] };
  return { type: 'dyn', problems: [{ message: explain(raw), offset: error?.range?.start ?? 0 }] };
}

type AstNode = { op: string; args: unknown; range?: { start: number } };

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/**
 * Comparisons that can never hold although the types agree: a field declared
 * with `enum` compared with a string it can never be (`result.health == 'green'`
 * when health is one of ok, degraded, down).
 */
function enumProblems(environment: Environment, source: string, variables: CelVariableTypes): CelTypeProblem[] {
  let ast: unknown;
  try {
    ast = (environment.parse(source) as unknown as { ast: unknown }).ast;
  } catch {
    return [];
  }
  const problems: CelTypeProblem[] = [];
  const schemaOf = (node: AstNode): { schema: TypeSchema; text: string } | null => {
    if (node.op === 'id' && typeof node.args === 'string') {
      const schema = Object.hasOwn(variables, node.args) ? variables[node.args] : null;
      return schema ? { schema, text: node.args } : null;
    }
    const [operand, key] = Array.isArray(node.args) ? (node.args as unknown[]) : [];
    const field =
      node.op === '.' && typeof key === 'string'
        ? key
        : node.op === '[]' && isNode(key) && key.op === 'value' && typeof key.args === 'string'
          ? key.args
          : null;
    if (field === null || !isNode(operand)) return null;
    const parent = schemaOf(operand);
    const schema = parent?.schema.properties?.[field];
    return parent && schema ? { schema, text: node.op === '.' ? `${parent.text}.${field}` : `${parent.text}['${field}']` } : null;
  };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    if ((value.op === '==' || value.op === '!=') && Array.isArray(value.args)) {
      const [left, right] = value.args as unknown[];
      for (const [side, other] of [
        [left, right],
        [right, left],
      ] as const) {
        if (!isNode(side) || !isNode(other) || other.op !== 'value' || typeof other.args !== 'string') continue;
        const found = schemaOf(side);
        const allowed = found?.schema.enum;
        if (found && allowed && !allowed.includes(other.args)) {
          problems.push({
            message: `${found.text} is never "${other.args}" (it is one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}): the comparison can never hold`,
            offset: other.range?.start ?? value.range?.start ?? 0,
          });
        }
      }
    }
    visit(value.args);
  };
  visit(ast);
  return problems;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  double: 'a number',
  int: 'a whole number (int)',
  uint: 'an unsigned number',
  bool: 'true or false',
  null: 'null',
  list: 'a list',
  map: 'a map',
};

/** A CEL type name in words: "list<string>" → "a list". */
export function describeCelType(type: string): string {
  const head = /^[a-z_]+/.exec(type)?.[0] ?? type;
  return TYPE_WORDS[head] ?? (head === 'dyn' ? 'any value' : 'an object');
}

/** The checker's words, said for a wizard author. */
function explain(message: string): string {
  const comparison = /^no such overload: (\S+) (==|!=|<|<=|>|>=|in) (\S+)$/.exec(message);
  if (comparison) {
    const [, left = '', operator = '', right = ''] = comparison;
    if (operator === '==' || operator === '!=')
      return `compares ${describeCelType(left)} with ${describeCelType(right)} (${message}): the comparison can never hold`;
    return `"${operator}" cannot compare ${describeCelType(left)} with ${describeCelType(right)} (${message})`;
  }
  const arithmetic = /^no such overload: (\S+) ([-+*/%]) (\S+)$/.exec(message);
  if (arithmetic) {
    const [, left = '', , right = ''] = arithmetic;
    const hint =
      (left === 'double' && right === 'int') || (left === 'int' && right === 'double')
        ? '; numbers from results are doubles: write 2.0, or convert with int(…) / double(…)'
        : '';
    return `${message}: ${describeCelType(left)} and ${describeCelType(right)} do not combine${hint}`;
  }
  const key = /^No such key: (.+)$/.exec(message);
  if (key) return `no field "${key[1]}" in the declared type`;
  return message;
}

/** Whether a value of CEL type `actual` fits a declared TypeSchema (loosely: the kind of value). */
export function celTypeFits(actual: string, declared: TypeSchema | null): boolean {
  if (!declared || actual === 'dyn') return true;
  const types = typesOf(declared);
  const allowsNull = declared.type === 'null' || (Array.isArray(declared.type) && declared.type.includes('null'));
  if (types.length === 0) return true;
  const head = /^[a-z_]+/.exec(actual)?.[0] ?? actual;
  switch (head) {
    case 'string':
      return types.includes('string');
    case 'double':
    case 'int':
    case 'uint':
      return types.includes('number');
    case 'bool':
      return types.includes('boolean');
    case 'null':
      return allowsNull;
    case 'list':
      return types.includes('array');
    case 'map':
      return types.includes('object');
    default:
      return types.includes('object');
  }
}

/** A declared type in words: "a string or null". */
export function describeDeclared(schema: TypeSchema): string {
  const types = schema.type === undefined ? ['any JSON'] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    null: 'null',
    object: 'an object',
    array: 'a list',
  };
  return types.map((type) => words[type] ?? type).join(' or ');
}

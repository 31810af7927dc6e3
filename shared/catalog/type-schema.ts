import { z } from 'zod';
import type { Json } from '../json';

/**
 * The value types a catalog declares for parameters and results: a small,
 * documented subset of JSON Schema (draft 2020-12 keywords), so a catalog file
 * reads like the JSON Schema people know, desks receive it as plain JSON, and
 * both validation (converted to zod here) and the wizard linter's type checks
 * can rely on every keyword meaning one thing.
 */

/** The type names of the subset. */
export const TYPE_NAMES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
/** One of {@link TYPE_NAMES}. */
export type TypeName = (typeof TYPE_NAMES)[number];

/** A declared value type (parsed). */
export type TypeSchema = {
  type?: TypeName | TypeName[];
  description?: string;
  enum?: (string | number | boolean | null)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  format?: 'date-time';
  minimum?: number;
  maximum?: number;
  items?: TypeSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, TypeSchema>;
  required?: string[];
  additionalProperties?: boolean;
};

const TypeNameSchema = z.enum(TYPE_NAMES);

/** The subset as a zod schema: what a catalog file may write under `params` and `result`. */
export const TypeSchemaSchema: z.ZodType<TypeSchema> = z.lazy(() =>
  z
    .strictObject({
      type: z
        .union([TypeNameSchema, z.array(TypeNameSchema).min(1).max(TYPE_NAMES.length)])
        .optional()
        .describe(
          'string, number, integer, boolean, null, object or array; a list allows each ([string, "null"]); none: any JSON',
        ),
      description: z.string().max(2000).optional(),
      enum: z
        .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
        .min(1)
        .optional(),
      pattern: z
        .string()
        .max(500)
        .optional()
        .describe('A regular expression a string must match somewhere (anchor it with ^…$).'),
      minLength: z.int().min(0).optional(),
      maxLength: z.int().min(0).optional(),
      format: z.literal('date-time').optional().describe('An ISO 8601 time with offset.'),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      items: TypeSchemaSchema.optional().describe('The type of every item of an array.'),
      minItems: z.int().min(0).optional(),
      maxItems: z.int().min(0).optional(),
      properties: z
        .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are letters, digits and underscores'), TypeSchemaSchema)
        .optional(),
      required: z.array(z.string()).optional().describe('Fields that must be present.'),
      additionalProperties: z.boolean().optional().describe('Whether fields beyond "properties" are allowed.'),
    })
    .describe('A value type: a subset of JSON Schema (type, enum, pattern, properties, items, …).'),
);

/**
 * The one type name besides null and whether null is allowed too; `name: null`
 * for "any JSON" and for a list of several non-null types (a union).
 */
export function typeOf(schema: TypeSchema): { name: TypeName | null; isNullable: boolean; names: TypeName[] } {
  if (schema.type === undefined) return { name: null, isNullable: true, names: [] };
  const names = Array.isArray(schema.type) ? schema.type : [schema.type];
  const others = names.filter((name) => name !== 'null');
  const isNullable = names.includes('null');
  if (others.length === 0) return { name: 'null', isNullable: true, names };
  return { name: others.length === 1 ? (others[0] ?? null) : null, isNullable, names };
}

/** Keywords that mean something only for one kind of type. */
const KEYWORDS_BY_TYPE: Readonly<Record<string, readonly TypeName[]>> = {
  pattern: ['string'],
  minLength: ['string'],
  maxLength: ['string'],
  format: ['string'],
  minimum: ['number', 'integer'],
  maximum: ['number', 'integer'],
  items: ['array'],
  minItems: ['array'],
  maxItems: ['array'],
  properties: ['object'],
  required: ['object'],
  additionalProperties: ['object'],
};

/** A problem in a type declaration: the path inside it and what is wrong. */
export type TypeSchemaProblem = { path: (string | number)[]; message: string };

/** What JSON Schema cannot say about itself: keywords on the wrong type, bad patterns, required fields never declared. */
export function typeSchemaProblems(schema: TypeSchema, path: (string | number)[] = []): TypeSchemaProblem[] {
  const problems: TypeSchemaProblem[] = [];
  const { name, names } = typeOf(schema);
  for (const [keyword, types] of Object.entries(KEYWORDS_BY_TYPE)) {
    if (schema[keyword as keyof TypeSchema] === undefined) continue;
    if (!names.some((candidate) => types.includes(candidate)))
      problems.push({
        path: [...path, keyword],
        message: `"${keyword}" applies to ${types.join(' or ')} values, and this type is ${names.length ? names.join(' or ') : 'any JSON (no "type")'}`,
      });
  }
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (error) {
      problems.push({
        path: [...path, 'pattern'],
        message: `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  const pairs: [keyof TypeSchema, keyof TypeSchema][] = [
    ['minLength', 'maxLength'],
    ['minimum', 'maximum'],
    ['minItems', 'maxItems'],
  ];
  for (const [low, high] of pairs) {
    const lowValue = schema[low];
    const highValue = schema[high];
    if (typeof lowValue === 'number' && typeof highValue === 'number' && lowValue > highValue)
      problems.push({ path: [...path, low], message: `${low} (${lowValue}) is greater than ${high} (${highValue})` });
  }
  for (const field of schema.required ?? []) {
    if (!schema.properties || !Object.hasOwn(schema.properties, field))
      problems.push({ path: [...path, 'required'], message: `"${field}" is required but not declared under "properties"` });
  }
  if (schema.enum && name !== null) {
    const allowed = (value: unknown) =>
      (value === null && typeOf(schema).isNullable) ||
      (name === 'string' && typeof value === 'string') ||
      (name === 'boolean' && typeof value === 'boolean') ||
      (name === 'number' && typeof value === 'number') ||
      (name === 'integer' && Number.isInteger(value));
    schema.enum.forEach((value, index) => {
      if (!allowed(value))
        problems.push({ path: [...path, 'enum', index], message: `${JSON.stringify(value)} is not a ${name} value` });
    });
  }
  if (schema.items) problems.push(...typeSchemaProblems(schema.items, [...path, 'items']));
  for (const [field, child] of Object.entries(schema.properties ?? {}))
    problems.push(...typeSchemaProblems(child, [...path, 'properties', field]));
  return problems;
}

const literalOf = (value: string | number | boolean | null) => z.literal(value);

/**
 * The zod schema that validates values of a declared type. Objects are strict
 * unless `additionalProperties: true` (parameters must not carry names the
 * action does not know); results pass extra fields through unless
 * `additionalProperties: false`, because a target system adds fields over time.
 */
export function typeSchemaToZod(schema: TypeSchema, options: { isStrictByDefault: boolean }): z.ZodType {
  const { name, isNullable } = typeOf(schema);
  let result: z.ZodType;
  if (schema.enum) {
    const values = schema.enum;
    result = values.length === 1 ? literalOf(values[0] ?? null) : z.union(values.map(literalOf));
    return result;
  }
  if (name === null && typeOf(schema).names.length > 1) {
    const members = typeOf(schema)
      .names.filter((member) => member !== 'null')
      .map((member) => typeSchemaToZod({ ...schema, type: member }, options));
    const union = z.union(members);
    return isNullable ? union.nullable() : union;
  }
  switch (name) {
    case null:
      return z.json();
    case 'null':
      return z.null();
    case 'string': {
      let text = schema.format === 'date-time' ? z.iso.datetime({ offset: true }) : z.string();
      if (schema.minLength !== undefined) text = text.min(schema.minLength);
      if (schema.maxLength !== undefined) text = text.max(schema.maxLength);
      if (schema.pattern !== undefined) text = text.regex(new RegExp(schema.pattern, 'u'), `must match ${schema.pattern}`);
      result = text;
      break;
    }
    case 'number':
    case 'integer': {
      let number = name === 'integer' ? z.int() : z.number();
      if (schema.minimum !== undefined) number = number.min(schema.minimum);
      if (schema.maximum !== undefined) number = number.max(schema.maximum);
      result = number;
      break;
    }
    case 'boolean':
      result = z.boolean();
      break;
    case 'array': {
      let list = z.array(schema.items ? typeSchemaToZod(schema.items, options) : z.json());
      if (schema.minItems !== undefined) list = list.min(schema.minItems);
      if (schema.maxItems !== undefined) list = list.max(schema.maxItems);
      result = list;
      break;
    }
    case 'object':
      result = objectSchemaToZod(schema, options);
      break;
  }
  return isNullable ? result.nullable() : result;
}

/** An object type as a zod object (its `.shape` names the fields). */
export function objectSchemaToZod(schema: TypeSchema, options: { isStrictByDefault: boolean }): z.ZodObject {
  const required = new Set(schema.required ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const [field, child] of Object.entries(schema.properties ?? {})) {
    const converted = typeSchemaToZod(child, options);
    shape[field] = required.has(field) ? converted : converted.optional();
  }
  const isStrict = schema.additionalProperties === undefined ? options.isStrictByDefault : !schema.additionalProperties;
  return isStrict ? z.strictObject(shape) : z.looseObject(shape);
}

/**
 * A plain value of a declared type, for practice runs of a probe whose catalog
 * gives no `example`: the first enum value, null where null is allowed, false,
 * the minimum or 0, an empty text (or `now` for a date-time), no items, and
 * every declared field of an object. It fits the type; it is not "healthy" by
 * itself, which is why catalogs declare examples.
 */
export function plainValueOf(schema: TypeSchema, now: string): Json {
  if (schema.enum) return schema.enum[0] ?? null;
  const { name, isNullable } = typeOf(schema);
  if (isNullable && name !== 'object') return null;
  switch (name) {
    case null:
    case 'null':
      return null;
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return schema.minimum ?? 0;
    case 'string':
      return schema.format === 'date-time' ? now : 'x'.repeat(schema.minLength ?? 0);
    case 'array':
      return schema.items && schema.minItems
        ? Array.from({ length: schema.minItems }, () => plainValueOf(schema.items ?? {}, now))
        : [];
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([field, child]) => [field, plainValueOf(child, now)]),
      );
  }
}

import { z } from 'zod';

/** A plain JSON value: what crosses every seam (IPC, the sync wire, persisted wizard runs). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Any JSON value, as a schema. */
export const JsonSchema: z.ZodType<Json> = z.json();

/** A JSON object, as a schema (parameters, results, bindings). */
export const JsonObjectSchema: z.ZodType<Record<string, Json>> = z.record(z.string(), JsonSchema);

/** Whether `value` is a plain JSON value (what JsonSchema accepts), in one walk. */
export function isJson(value: unknown): value is Json {
  // Iterative: code can build a value nested deeper than the stack (HTTP and contract inputs cannot, shared/boundary.ts).
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current === 'string' || typeof current === 'boolean') continue;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
      continue;
    }
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
      continue;
    }
    if (typeof current !== 'object') return false;
    const prototype = Object.getPrototypeOf(current) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key of Object.keys(current)) stack.push((current as Record<string, unknown>)[key]);
  }
  return true;
}

/**
 * JsonSchema's values, checked by one walk (`isJson`) rather than z.json()'s union tried member by member at
 * every node, which made validating an event's properties cost more than the rest of the event (issue 10, the
 * ingest hot path). Its issue names the value, not the place inside it; it has no JSON Schema form, so schemas
 * that are generated (wizard format, catalog) keep JsonSchema.
 */
export const JsonValueSchema = z.custom<Json>(isJson, {
  message: 'must be JSON (strings, finite numbers, booleans, null, arrays, objects)',
});

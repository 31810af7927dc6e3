import { z } from 'zod';

/** A plain JSON value: what crosses every seam (IPC, the sync wire, persisted wizard runs). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Any JSON value, as a schema. */
export const JsonSchema: z.ZodType<Json> = z.json();

/** A JSON object, as a schema (parameters, results, bindings). */
export const JsonObjectSchema: z.ZodType<Record<string, Json>> = z.record(z.string(), JsonSchema);

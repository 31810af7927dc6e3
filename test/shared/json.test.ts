import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isJson, JsonValueSchema } from '../../shared/json';

/*
 * JsonValueSchema stands in for z.json() on the ingest path (issue 10: one walk instead of a union per node).
 * It must accept and refuse exactly what z.json() does.
 */

const zodJson = z.json();

class Point {
  x = 1;
}

const notJson: unknown[] = [
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  new Map([['a', 1]]),
  new Point(),
  { a: undefined },
  { a: [1, { b: Number.NEGATIVE_INFINITY }] },
  [1, [2, [undefined]]],
];

describe('JsonValueSchema', () => {
  it('accepts every JSON value z.json() accepts, including objects without a prototype', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(zodJson.safeParse(value).success).toBe(true);
        expect(JsonValueSchema.safeParse(value).success).toBe(true);
      }),
      { numRuns: 300 },
    );
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(isJson(bare)).toBe(zodJson.safeParse(bare).success);
  });

  it('refuses what z.json() refuses, nested or not', () => {
    for (const value of notJson) {
      expect(zodJson.safeParse(value).success, String(value)).toBe(false);
      expect(JsonValueSchema.safeParse(value).success, String(value)).toBe(false);
    }
  });

  it('walks values nested deeper than the call stack', () => {
    let deep: unknown = 'leaf';
    for (let index = 0; index < 100_000; index += 1) deep = [deep];
    expect(isJson(deep)).toBe(true);
  });
});

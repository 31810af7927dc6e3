import { describe, expect, it } from 'vitest';
import { describeBoundaryProblem, findBoundaryProblem, jsonTextTooDeep, MAX_JSON_DEPTH } from '../../shared/boundary';
import { IsoTimeSchema } from '../../shared/domain';

describe('the boundary rule (issue 9 item 4)', () => {
  it('names the first string or key holding a NUL or a lone surrogate', () => {
    expect(findBoundaryProblem({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toMatchObject({ path: 'a[1].c', kind: 'nul' });
    expect(findBoundaryProblem({ a: '\ud800' })).toMatchObject({ path: 'a', kind: 'surrogate' });
    expect(findBoundaryProblem({ a: 'x\udc00y' })).toMatchObject({ path: 'a', kind: 'surrogate' });
    expect(findBoundaryProblem({ props: { 'k\u0000': 1 } })).toMatchObject({ path: 'props', kind: 'nul' });
    expect(describeBoundaryProblem(findBoundaryProblem({ a: ['\u0000'] })!)).toMatch(/^a\[0\] contains a NUL/);
    expect(describeBoundaryProblem(findBoundaryProblem('\u0000')!)).toMatch(/^the input contains a NUL/);
  });

  it('lets well-formed text through: surrogate pairs, U+FFFD, control characters other than NUL', () => {
    expect(findBoundaryProblem({ a: '🚀 \ufffd \t\u0001', b: [1, null, true], 'ключ 🔑': 'ü' })).toBeNull();
  });

  it('bounds nesting, on values and on JSON text (strings with brackets do not count)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i += 1) deep = [deep];
    expect(findBoundaryProblem(deep)).toMatchObject({ kind: 'depth' });
    let fine: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i += 1) fine = [fine];
    expect(findBoundaryProblem(fine)).toBeNull();
    expect(jsonTextTooDeep(JSON.stringify(fine))).toBe(false);
    expect(jsonTextTooDeep(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toBe(true);
    expect(jsonTextTooDeep(JSON.stringify({ a: '[[[[\\"{{{{'.repeat(100) }))).toBe(false);
  });

  it('range-checks times: year 0000 and instants past 9999 are refused, the rest of the format passes', () => {
    expect(IsoTimeSchema.safeParse('0000-01-01T00:00:00Z').success).toBe(false);
    expect(IsoTimeSchema.safeParse('0001-01-01T00:30:00+01:00').success).toBe(false);
    expect(IsoTimeSchema.safeParse('0001-01-01T00:00:00Z').success).toBe(true);
    expect(IsoTimeSchema.safeParse('9999-12-31T23:59:59.999Z').success).toBe(true);
    expect(IsoTimeSchema.safeParse('9999-12-31T23:00:00-05:00').success).toBe(false);
    expect(IsoTimeSchema.safeParse('2026-02-30T00:00:00Z').success).toBe(false);
  });
});

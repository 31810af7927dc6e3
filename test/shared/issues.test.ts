import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodIssues, issuePath } from '../../shared/issues';

describe('describeZodIssues', () => {
  const schema = z.strictObject({ events: z.array(z.strictObject({ source: z.strictObject({ externalId: z.string() }) })) });

  it('names where each issue is, array indexes in brackets', () => {
    const parsed = schema.safeParse({ events: [{ source: { externalId: 'a' } }, { source: { externalId: 3 } }] });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeZodIssues(parsed.error)).toMatch(/^events\[1\]\.source\.externalId: /);
  });

  it('tells at most `limit` issues, and a top-level issue without a path', () => {
    const parsed = z.array(z.number()).safeParse(['a', 'b', 'c', 'd']);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeZodIssues(parsed.error, 2).split('; ')).toHaveLength(2);
    const top = z.number().safeParse('x');
    if (top.success) throw new Error('a string is not a number');
    expect(describeZodIssues(top.error)).toBe(top.error.issues[0]?.message);
  });

  it('formats paths the same for hand-made issues', () => {
    expect(issuePath(['a', 0, 'b'])).toBe('a[0].b');
    expect(issuePath([])).toBe('');
  });
});

import { issuePath } from './issues';

/**
 * What every boundary (the server's routes, the desk's contract calls) refuses
 * before any schema sees the input, in one place so no route or channel can
 * forget it (issue 9 item 4): text that is not storable Unicode — a NUL
 * (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate (not a
 * character; jsonb refuses it, UTF-8 cannot encode it) — in any string or
 * object key, and JSON nested deeper than anything Lightkeeper sends.
 * Written here rather than taken from a library: it is one linear walk, and the
 * libraries that validate Unicode work on bytes, not on parsed values.
 */

/** Deepest nesting of objects and arrays a request may carry (events, probe params, mutation args). */
export const MAX_JSON_DEPTH = 64;

/** Where a value is unusable and why, said so a person can fix it. */
export type BoundaryProblem = { path: string; message: string; kind: 'nul' | 'surrogate' | 'depth' };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored, or null. */
export function unsafeTextReason(text: string): Pick<BoundaryProblem, 'kind' | 'message'> | null {
  if (text.includes('\u0000')) return { kind: 'nul', message: 'contains a NUL character (U+0000); remove it and send again' };
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) {
    const code = surrogate[0].charCodeAt(0).toString(16).toUpperCase();
    return {
      kind: 'surrogate',
      message: `contains a lone surrogate (U+${code}) at character ${surrogate.index}, which is not valid Unicode; send UTF-8 text`,
    };
  }
  return null;
}

/**
 * The first string or key in `value` that cannot be stored, or nesting deeper
 * than `maxDepth`; null when the whole value is fine.
 */
export function findBoundaryProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): BoundaryProblem | null {
  // Almost every value is fine: one walk that allocates nothing says so (it ran on every ingest request twice
  // and, building a path array per node, cost an Alertmanager alert more than its own parsing; issue 10).
  // Only a value with a problem is walked again to say where.
  if (isStorable(value, maxDepth, 0)) return null;
  // Iterative: a hostile value must not be able to overflow our stack either.
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unsafeTextReason(current);
      if (reason) return { ...reason, path: issuePath(path) };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (path.length >= maxDepth) {
      return { kind: 'depth', path: issuePath(path), message: `is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) stack.push({ value: current[index], path: [...path, index] });
      continue;
    }
    const entries = Object.entries(current);
    for (const [key] of entries) {
      const reason = unsafeTextReason(key);
      if (reason) return { ...reason, path: issuePath(path), message: `has a key that ${reason.message}` };
    }
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, child] = entries[index]!;
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return null;
}

function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Whether `value` has no problem findBoundaryProblem would report; recursion stops at `maxDepth`, so it is bounded. */
function isStorable(value: unknown, maxDepth: number, depth: number): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= maxDepth) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isStorable(item, maxDepth, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (!isStorableText(key) || !isStorable((value as Record<string, unknown>)[key], maxDepth, depth + 1)) return false;
  }
  return true;
}

/** `events[0].summary contains a NUL character …`, or `the input …` for a problem at the top. */
export function describeBoundaryProblem(problem: BoundaryProblem, prefix = ''): string {
  const where = [prefix, problem.path].filter((part) => part !== '').join(problem.path.startsWith('[') ? '' : '.');
  return `${where === '' ? 'the input' : where} ${problem.message}`;
}

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, checked on
 * the text before it is parsed (a linear scan that skips strings), so a body
 * nested 10,000 deep never reaches the parser or a schema.
 */
export function jsonTextTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
      continue;
    }
    if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (char === 0x7d || char === 0x5d) depth -= 1;
  }
  return false;
}

import fc from 'fast-check';

/*
 * Shared parts of the fuzz suites (server routes: test/server/fuzz.test.ts,
 * desk contract channels: test/electron/ipc/fuzz.test.ts): a seed that is
 * printed so any failure can be replayed, and inputs that start from a valid
 * example and break it in the ways producers and pages do.
 */

/** FUZZ_SEED=<n> replays a run; otherwise a fresh seed, printed. */
export function fuzzSeed(suite: string): number {
  const given = process.env.FUZZ_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${suite}: fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run <this file>)`);
  return seed;
}

/** Runs per route or channel; FUZZ_RUNS=<n> for longer runs. */
export function fuzzRuns(defaultRuns: number): number {
  const given = Number(process.env.FUZZ_RUNS ?? '');
  return Number.isInteger(given) && given > 0 ? given : defaultRuns;
}

/** Text that has broken a boundary somewhere: NUL, lone surrogates, impossible dates, paths, huge strings. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999-05:00',
  '+275760-09-13T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  "'; drop table customers; --",
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '𝕏🚀 ünïcödé',
  '__proto__',
  'constructor',
  '-1',
  'NaN',
  '1e309',
  'x'.repeat(5_000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 24 }),
);

/** JSON nested `depth` deep (arrays), as a value. */
function nestedArrays(depth: number): unknown {
  let value: unknown = 0;
  for (let index = 0; index < depth; index += 1) value = [value];
  return value;
}

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, [], {}, ['x'], { a: 1 }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 200 }).map(nestedArrays) },
);

type Path = (string | number)[];

/** Every place in `value` (the root too) a mutation can hit. */
function placesOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((child, index) => placesOf(child, [...path, index], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) placesOf(child, [...path, key], out);
  }
  return out;
}

type Mutation = { place: number; kind: 'replace' | 'delete' | 'add'; key: string; value: unknown };

function applyMutation(root: unknown, mutation: Mutation): unknown {
  const places = placesOf(root);
  const path = places[mutation.place % places.length] ?? [];
  if (path.length === 0) {
    if (mutation.kind === 'add' && root !== null && typeof root === 'object' && !Array.isArray(root)) {
      return { ...root, [mutation.key]: mutation.value };
    }
    return mutation.kind === 'replace' ? mutation.value : root;
  }
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (mutation.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (mutation.kind === 'add') {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      (target as Record<string, unknown>)[mutation.key] = mutation.value;
    } else parent[last] = mutation.value;
  } else parent[last] = mutation.value;
  return copy;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  place: fc.nat(),
  kind: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add'),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', 'a\u0000'), fc.string({ maxLength: 8 })),
  value: hostileValue,
});

/**
 * Inputs near `example` (one to three fields replaced, deleted or added), the
 * example itself, and arbitrary JSON: most inputs pass the envelope and reach
 * the field checks, which is where the defects were.
 */
export function nearValid(example: unknown): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(mutationArb, { minLength: 1, maxLength: 3 })
        .map((mutations) => mutations.reduce<unknown>((value, mutation) => applyMutation(value, mutation), example)),
    },
    { weight: 1, arbitrary: fc.constant(example) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
}

/** Text an answer must never carry: stack frames, file paths, SQL, JavaScript error names. */
export const INTERNAL_TEXT =
  /\bat [\w.<>$]+ \(|node_modules|\.[cm]?[jt]s:\d+|\/work\/|\bSQLSTATE\b|\bviolates\b|relation "|syntax error at|duplicate key|\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|\bstack\b/i;

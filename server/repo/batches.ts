/** Rows per statement: keeps parameters a few MB and PGlite's memory flat. */
export const CHUNK_ROWS = 5_000;

/** Keeps the last row per key: one statement may not update a row twice. */
export function lastPerKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const id = key(item);
    byKey.delete(id);
    byKey.set(id, item);
  }
  return [...byKey.values()];
}

/** Splits rows into statement-sized parts. */
export function chunks<T>(items: readonly T[], size = CHUNK_ROWS): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

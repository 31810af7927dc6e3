/**
 * Exponential backoff with full jitter: sleep = random(0, min(cap, base · 2^attempt)).
 * A server's Retry-After is a floor: we never come back sooner than it asked.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs?: number; capMs?: number; random?: () => number; retryAfterMs?: number | null } = {},
): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 60_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

/*
 * Per-source request budget: a token bucket per source id, in this process.
 * Written here rather than with @fastify/rate-limit because the budget belongs
 * to the source (its config, read after its credential is checked in our own
 * onRequest hook), not to the client address that plugin keys on before
 * routing; the bucket is a dozen lines.
 */

export type RateLimiter = {
  /** Takes one request from the source's budget: 0 when allowed, else the seconds until one is. */
  take(sourceId: string, perMinute: number, now: number): number;
};

export function createRateLimiter(): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(sourceId, perMinute, now) {
      const bucket = buckets.get(sourceId) ?? { tokens: perMinute, at: now };
      const refilled = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
      if (refilled < 1) {
        buckets.set(sourceId, { tokens: refilled, at: now });
        return Math.max(1, Math.ceil(((1 - refilled) * 60_000) / perMinute / 1000));
      }
      buckets.set(sourceId, { tokens: refilled - 1, at: now });
      return 0;
    },
  };
}

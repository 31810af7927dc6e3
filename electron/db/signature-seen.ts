import type Database from 'better-sqlite3';
import type { SignatureSeen } from '../../shared/ipc/diagnosis-views';
import { signatureLabel } from '../../shared/signature';
import type { SignatureRule } from '../../shared/problems';

/** Above every character a signature holds: the end of a prefix's range in the signature index. */
const MAX_CHAR = '\u{10FFFF}';

/**
 * How often a signature has been seen, from the cache alone (issue 12): events
 * and customers in a window, first and last anywhere. Every read is a range of
 * the signature index (events_by_signature_occurred_at, which covers
 * signature, occurred_at and customer_id), so no event row is read.
 */
export function createSignatureSeen(db: Database.Database) {
  const exactWindow = db.prepare<[string, string, string], { hits: number; customers: number }>(
    `select count(*) as hits, count(distinct customer_id) as customers from events
      where signature = ? and occurred_at >= ? and occurred_at <= ?`,
  );
  const exactFirst = db
    .prepare<[string], string>('select occurred_at from events where signature = ? order by occurred_at limit 1')
    .pluck();
  const exactLast = db
    .prepare<[string], string>('select occurred_at from events where signature = ? order by occurred_at desc limit 1')
    .pluck();
  type Range = { prefix: string; maxChar: string };
  const prefixWindow = db.prepare<Range & { from: string; to: string }, { hits: number; customers: number }>(
    `select count(*) as hits, count(distinct customer_id) as customers from events
      where signature >= @prefix and signature < @prefix || @maxChar and occurred_at >= @from and occurred_at <= @to`,
  );
  const prefixSpan = db.prepare<Range, { first_at: string | null; last_at: string | null }>(
    `select min(occurred_at) as first_at, max(occurred_at) as last_at from events
      where signature >= @prefix and signature < @prefix || @maxChar`,
  );

  return {
    /** One signature, or every signature under a prefix rule, seen from `from` to `to`. */
    seen(rule: SignatureRule | string, from: string, to: string): SignatureSeen {
      if (typeof rule === 'string' || 'signature' in rule) {
        const signature = typeof rule === 'string' ? rule : rule.signature;
        const counts = exactWindow.get(signature, from, to) ?? { hits: 0, customers: 0 };
        return {
          signature,
          label: signatureLabel(signature),
          from,
          to,
          ...counts,
          firstAt: exactFirst.get(signature) ?? null,
          lastAt: exactLast.get(signature) ?? null,
        };
      }
      const counts = prefixWindow.get({ prefix: rule.prefix, maxChar: MAX_CHAR, from, to }) ?? { hits: 0, customers: 0 };
      const span = prefixSpan.get({ prefix: rule.prefix, maxChar: MAX_CHAR });
      return {
        signature: `${rule.prefix}*`,
        label: `${signatureLabel(rule.prefix)}, any labels`,
        from,
        to,
        ...counts,
        firstAt: span?.first_at ?? null,
        lastAt: span?.last_at ?? null,
      };
    },
  };
}

export type SignatureSeenQueries = ReturnType<typeof createSignatureSeen>;

import type Database from 'better-sqlite3';
import type { RunFact, SignatureFact } from '../../shared/insights';

/*
 * The cache reads behind Insights (issue 12): finished runs (their wizard_run
 * events, as the server recorded them), and the signatures that hit the most
 * customers in a period with the first action after each.
 */

/** How many signatures the Insights report ranks. */
export const TOP_SIGNATURES = 20;

export function createInsightQueries(db: Database.Database) {
  const runs = db.prepare<[string], { customer_id: string; occurred_at: string; properties: string }>(
    "select customer_id, occurred_at, properties from events where kind = 'wizard_run' and occurred_at >= ?",
  );
  const topSignatures = db.prepare<[string, number], { signature: string; customers: number; signals: number; first_at: string }>(
    `select signature, count(distinct customer_id) as customers, count(*) as signals, min(occurred_at) as first_at
       from events where signature is not null and occurred_at >= ?
      group by signature order by customers desc, signals desc, signature limit ?`,
  );
  // The first run or remediation on any customer with the signature, at or after its first signal in the period.
  const firstAction = db
    .prepare<{ signature: string; since: string; first: string }, string | null>(
      `select min(a.occurred_at) from events a
        where a.kind in ('wizard_run', 'remediation') and a.occurred_at >= @first
          and a.customer_id in (select distinct customer_id from events where signature = @signature and occurred_at >= @since)`,
    )
    .pluck();

  return {
    runs(since: string): RunFact[] {
      return runs.all(since).flatMap((row) => {
        let properties: Record<string, unknown>;
        try {
          properties = JSON.parse(row.properties) as Record<string, unknown>;
        } catch {
          return [];
        }
        if (typeof properties.wizardId !== 'string' || typeof properties.outcome !== 'string') return [];
        return [
          {
            customerId: row.customer_id,
            wizardId: properties.wizardId,
            outcome: properties.outcome,
            path: Array.isArray(properties.path)
              ? properties.path.filter((step): step is string => typeof step === 'string')
              : [],
            startedAt: typeof properties.startedAt === 'string' ? properties.startedAt : null,
            finishedAt: typeof properties.finishedAt === 'string' ? properties.finishedAt : row.occurred_at,
          },
        ];
      });
    },
    signatures(since: string): SignatureFact[] {
      return topSignatures.all(since, TOP_SIGNATURES).map((row) => ({
        signature: row.signature,
        customers: row.customers,
        signals: row.signals,
        firstAt: row.first_at,
        firstActionAt: firstAction.get({ signature: row.signature, since, first: row.first_at }) ?? null,
      }));
    },
  };
}

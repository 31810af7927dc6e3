import type Database from 'better-sqlite3';
import type { CustomerProblem } from '../../shared/ipc/problem-views';
import { assessHit, type Problem, type SignatureRule } from '../../shared/problems';

type Raw = {
  id: string;
  title: string;
  status: Problem['status'];
  rules: string;
  customers: string;
  workaround_wizard: string | null;
  fixed_version: string | null;
  fixed_at: string | null;
  owner: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
};

function toProblem(raw: Raw): Problem {
  return {
    id: raw.id,
    title: raw.title,
    status: raw.status,
    rules: JSON.parse(raw.rules) as SignatureRule[],
    customers: JSON.parse(raw.customers) as string[],
    workaroundWizard: raw.workaround_wizard,
    fixedVersion: raw.fixed_version,
    fixedAt: raw.fixed_at,
    owner: raw.owner,
    createdBy: raw.created_by,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/**
 * Known problems as one customer sees them, from the cache alone (offline
 * too): the synced problems, and this customer's cached events whose signature
 * falls under their rules — counted with the same rule as the server
 * (shared/problems.ts `assessHit`).
 */
export function createProblemQueries(db: Database.Database) {
  const all = db.prepare<[], Raw>('select * from problems order by created_at, id');
  const version = db.prepare<[string], string>('select version from customers where id = ?').pluck();
  const counts = db.prepare<
    { customerId: string; exact: string; prefixes: string; fixedAt: string | null },
    { n: number; first_at: string | null; last_at: string | null; last_after: string | null }
  >(
    `select count(*) as n, min(occurred_at) as first_at, max(occurred_at) as last_at,
            max(case when @fixedAt is not null and occurred_at > @fixedAt then occurred_at end) as last_after
       from events
      where customer_id = @customerId and signature is not null
        and (signature in (select value from json_each(@exact))
             or exists (select 1 from json_each(@prefixes) p where substr(signature, 1, length(p.value)) = p.value))`,
  );

  return {
    forCustomer(customerId: string): CustomerProblem[] {
      const customerVersion = version.get(customerId);
      if (customerVersion === undefined) return [];
      const found: CustomerProblem[] = [];
      for (const raw of all.all()) {
        const problem = toProblem(raw);
        const row = counts.get({
          customerId,
          exact: JSON.stringify(problem.rules.flatMap((rule) => ('signature' in rule ? [rule.signature] : []))),
          prefixes: JSON.stringify(problem.rules.flatMap((rule) => ('prefix' in rule ? [rule.prefix] : []))),
          fixedAt: problem.fixedAt,
        });
        const occurrences = row?.n ?? 0;
        if (occurrences === 0 && !problem.customers.includes(customerId)) continue;
        const hit = assessHit(problem, {
          customerId,
          version: customerVersion,
          occurrences,
          firstAt: row?.first_at ?? null,
          lastAt: row?.last_at ?? null,
          lastAfterFixAt: row?.last_after ?? null,
        });
        const suggestedWizard = problem.status === 'known_error' || hit.regression !== null ? problem.workaroundWizard : null;
        found.push({ problem, hit, suggestedWizard });
      }
      const rank = (item: CustomerProblem) => (item.hit.regression ? 0 : item.problem.status === 'known_error' ? 1 : 2);
      return found.sort((a, b) => rank(a) - rank(b) || (b.hit.lastAt ?? '').localeCompare(a.hit.lastAt ?? ''));
    },
  };
}

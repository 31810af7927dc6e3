import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import type { Problem, ProblemFields, SignalCounts, SignatureRule } from '../../shared/problems';
import type { Queryable } from '../storage/types';

/*
 * Known problems (issue 12): the row and its change-log row in one statement,
 * like every synced write (server/repo/writes.ts); the customers a problem
 * hits are read from events by signature when asked, so a rule edit applies
 * to history as well as to what comes next.
 */

export type ProblemRow = Problem & { ver: number };

export async function insertProblem(
  db: Queryable,
  problem: Omit<Problem, 'fixedVersion' | 'fixedAt' | 'updatedAt' | 'fixUrl'> & { createdById: string | null },
): Promise<ProblemRow | null> {
  const [row] = await db.query<{ row: ProblemRow }>(
    `with written as (
       insert into problems as p (id, title, status, rules, customers, workaround_wizard, owner, created_by, created_by_id,
         created_at, updated_at, workaround, ticket_url)
       values ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $10::timestamptz, $10::timestamptz, $12, $13)
       on conflict (id) do nothing
       returning p.id, p.ver, lk_problem_row(p) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row) select $11, 'problem', id, 'put', ver, row from written
     )
     select row from written`,
    [
      problem.id,
      problem.title,
      problem.status,
      JSON.stringify(problem.rules),
      JSON.stringify(problem.customers),
      problem.workaroundWizard,
      problem.owner,
      problem.createdBy,
      problem.createdById,
      problem.createdAt,
      GLOBAL_BUCKET,
      problem.workaround,
      problem.ticketUrl,
    ],
  );
  return row?.row ?? null;
}

export async function readProblem(db: Queryable, id: string, forUpdate = false): Promise<ProblemRow | null> {
  const [row] = await db.query<{ row: ProblemRow }>(
    `select lk_problem_row(p) as row from problems p where p.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row?.row ?? null;
}

export async function listProblems(db: Queryable): Promise<ProblemRow[]> {
  const rows = await db.query<{ row: ProblemRow }>('select lk_problem_row(p) as row from problems p order by p.created_at, p.id');
  return rows.map((row) => row.row);
}

/** Writes the given fields (and the fix time), bumps the version and logs the row. */
export async function updateProblem(
  db: Queryable,
  update: { id: string; set: Partial<ProblemFields> & { fixedAt?: string | null }; updatedAt: string },
): Promise<ProblemRow | null> {
  const [row] = await db.query<{ row: ProblemRow }>(
    `with written as (
       update problems as p set
         title = case when $2::jsonb ? 'title' then $2::jsonb ->> 'title' else p.title end,
         status = case when $2::jsonb ? 'status' then $2::jsonb ->> 'status' else p.status end,
         rules = case when $2::jsonb ? 'rules' then $2::jsonb -> 'rules' else p.rules end,
         customers = case when $2::jsonb ? 'customers' then $2::jsonb -> 'customers' else p.customers end,
         workaround_wizard = case when $2::jsonb ? 'workaroundWizard' then $2::jsonb ->> 'workaroundWizard' else p.workaround_wizard end,
         fixed_version = case when $2::jsonb ? 'fixedVersion' then $2::jsonb ->> 'fixedVersion' else p.fixed_version end,
         fixed_at = case when $2::jsonb ? 'fixedAt' then ($2::jsonb ->> 'fixedAt')::timestamptz else p.fixed_at end,
         owner = case when $2::jsonb ? 'owner' then $2::jsonb ->> 'owner' else p.owner end,
         workaround = case when $2::jsonb ? 'workaround' then $2::jsonb ->> 'workaround' else p.workaround end,
         ticket_url = case when $2::jsonb ? 'ticketUrl' then $2::jsonb ->> 'ticketUrl' else p.ticket_url end,
         fix_url = case when $2::jsonb ? 'fixUrl' then $2::jsonb ->> 'fixUrl' else p.fix_url end,
         updated_at = greatest(p.updated_at, $3::timestamptz),
         ver = p.ver + 1
       where p.id = $1
       returning p.id, p.ver, lk_problem_row(p) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row) select $4, 'problem', id, 'put', ver, row from written
     )
     select row from written`,
    [update.id, JSON.stringify(update.set), update.updatedAt, GLOBAL_BUCKET],
  );
  return row?.row ?? null;
}

/**
 * Per customer, the events whose signature falls under the rules: how many,
 * first and last, the newest after `fixedAt`; plus the customers linked by hand
 * (with none). Exact signatures read the signature index; prefixes compare the
 * start of each signed event's signature.
 */
export async function signalCounts(
  db: Queryable,
  problem: { rules: readonly SignatureRule[]; customers: readonly string[]; fixedAt: string | null },
  options: { customerId?: string } = {},
): Promise<SignalCounts[]> {
  const exact = problem.rules.flatMap((rule) => ('signature' in rule ? [rule.signature] : []));
  const prefixes = problem.rules.flatMap((rule) => ('prefix' in rule ? [rule.prefix] : []));
  return db.query<SignalCounts>(
    `with hits as (
       select e.customer_id, count(*)::integer as occurrences, lk_iso(min(e.occurred_at)) as first_at,
              lk_iso(max(e.occurred_at)) as last_at,
              lk_iso(max(e.occurred_at) filter (where $3::timestamptz is not null and e.occurred_at > $3::timestamptz)) as last_after
         from events e
        where e.signature is not null
          and (e.signature = any($1::text[]) or exists (select 1 from unnest($2::text[]) as p(prefix) where starts_with(e.signature, p.prefix)))
          and ($5::text is null or e.customer_id = $5)
        group by e.customer_id
     ), linked as (
       select value as customer_id from jsonb_array_elements_text($4::jsonb) where $5::text is null or value = $5
     )
     select c.id as "customerId", c.version, coalesce(h.occurrences, 0) as occurrences, h.first_at as "firstAt",
            h.last_at as "lastAt", h.last_after as "lastAfterFixAt"
       from customers c
       left join hits h on h.customer_id = c.id
      where h.customer_id is not null or c.id in (select customer_id from linked)
      order by c.id`,
    [exact, prefixes, problem.fixedAt, JSON.stringify(problem.customers), options.customerId ?? null],
  );
}

import { describeZodIssues } from '../../shared/issues';
import {
  assessHit,
  isPastFix,
  problemChangeError,
  ProblemCreateArgsSchema,
  ProblemUpdateArgsSchema,
  type ProblemFields,
  type ProblemHit,
} from '../../shared/problems';
import { GLOBAL_BUCKET } from '../../shared/sync/wire';
import { insertProblem, readProblem, signalCounts, updateProblem, type ProblemRow } from '../repo/problems';
import type { Principal } from '../repo/tokens';
import type { MutationOutcome } from '../remediation/wizard-runs';
import type { Queryable } from '../storage/types';

/*
 * Writing known problems (issue 12): pushed `problem.create` / `problem.update`
 * and the REST routes share this. The lifecycle rule is shared/problems.ts
 * (`problemChangeError`); marking a problem fixed stamps when, and every
 * matching signal after that on a customer already on the fixed version is a
 * regression.
 */

const rejected = (code: string, message: string): MutationOutcome => ({ status: 'rejected', code, message });

const produced = (row: ProblemRow) => [{ bucket: GLOBAL_BUCKET, entity: 'problem', id: row.id, ver: row.ver }];

async function unknownCustomers(db: Queryable, customerIds: readonly string[]): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    'select id from customers where id in (select jsonb_array_elements_text($1::jsonb))',
    [JSON.stringify(customerIds)],
  );
  const known = new Set(rows.map((row) => row.id));
  return customerIds.filter((id) => !known.has(id));
}

export async function createProblem(
  db: Queryable,
  principal: Principal,
  rawArgs: unknown,
  now: number,
): Promise<MutationOutcome> {
  const parsed = ProblemCreateArgsSchema.safeParse(rawArgs);
  if (!parsed.success) return rejected('invalid_args', `problem.create: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  const customers = [...new Set(args.customers)];
  const status = args.workaroundWizard === null ? 'investigating' : 'known_error';
  const problemError = problemChangeError({
    status,
    workaroundWizard: args.workaroundWizard,
    fixedVersion: null,
    rules: args.rules,
    customers,
  });
  if (problemError) return rejected('invalid_args', `problem.create: ${problemError}`);
  const missing = await unknownCustomers(db, customers);
  if (missing.length > 0) return rejected('unknown_customer', `no such customers: ${missing.slice(0, 20).join(', ')}`);
  const row = await insertProblem(db, {
    id: args.problemId,
    title: args.title,
    status,
    rules: args.rules,
    customers,
    workaroundWizard: args.workaroundWizard,
    owner: args.owner,
    createdBy: principal.name,
    createdById: principal.userId,
    createdAt: new Date(now).toISOString(),
  });
  if (!row) return rejected('problem_exists', `a problem with id ${args.problemId} already exists; make a new id`);
  return { status: 'applied', produced: produced(row) };
}

export async function editProblem(db: Queryable, rawArgs: unknown, now: number): Promise<MutationOutcome> {
  const parsed = ProblemUpdateArgsSchema.safeParse(rawArgs);
  if (!parsed.success) return rejected('invalid_args', `problem.update: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  const current = await readProblem(db, args.problemId, true);
  if (!current) return rejected('unknown_problem', `problem ${args.problemId} does not exist`);
  const set: Partial<ProblemFields> & { fixedAt?: string | null } = { ...args.set };
  if (set.customers) set.customers = [...new Set(set.customers)];
  const next = { ...current, ...set };
  const problemError = problemChangeError(next);
  if (problemError) return rejected('invalid_args', `problem.update: ${problemError}`);
  const missing = await unknownCustomers(db, set.customers ?? []);
  if (missing.length > 0) return rejected('unknown_customer', `no such customers: ${missing.slice(0, 20).join(', ')}`);
  const wasPastFix = isPastFix(current);
  if (next.status === 'fixed' && current.status !== 'fixed' && !(current.status === 'closed' && wasPastFix))
    set.fixedAt = new Date(now).toISOString();
  // Reopened: what happens from now on is not a regression of a fix that no longer stands.
  if (next.status === 'investigating' || next.status === 'known_error') set.fixedAt = null;
  const row = await updateProblem(db, { id: current.id, set, updatedAt: new Date(now).toISOString() });
  if (!row) return rejected('unknown_problem', `problem ${args.problemId} does not exist`);
  return { status: 'applied', produced: produced(row) };
}

/** A problem with the customers it hits: recurrence per customer and regressions after its fix. */
export type ProblemReport = {
  problem: ProblemRow;
  hits: ProblemHit[];
  /** Customers hit (by signature or by hand). */
  customerCount: number;
  occurrences: number;
  regressions: number;
};

export async function reportProblem(
  db: Queryable,
  problem: ProblemRow,
  options: { customerId?: string } = {},
): Promise<ProblemReport> {
  const hits = (await signalCounts(db, problem, options)).map((counts) => assessHit(problem, counts));
  return {
    problem,
    hits,
    customerCount: hits.length,
    occurrences: hits.reduce((sum, hit) => sum + hit.occurrences, 0),
    regressions: hits.filter((hit) => hit.regression !== null).length,
  };
}

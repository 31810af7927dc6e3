import { describeZodIssues } from '../../shared/issues';
import {
  assessHit,
  isPastFix,
  problemChangeError,
  ProblemCreateArgsSchema,
  problemFieldText,
  ProblemUpdateArgsSchema,
  PROBLEM_FIELD_WORDS,
  REPLACED_FIELD_PREFIX,
  type ProblemField,
  type ProblemFields,
  type ProblemHit,
} from '../../shared/problems';
import { GLOBAL_BUCKET, type EditConflict } from '../../shared/sync/wire';
import type { Writer } from '../follow-ups/edits';
import { insertProblem, readProblem, signalCounts, updateProblem, type ProblemRow } from '../repo/problems';
import { latestWriter, recordRevision } from '../repo/revisions';
import type { MutationOutcome } from '../remediation/wizard-runs';
import type { Queryable } from '../storage/types';

/*
 * Writing known problems (issue 12): pushed `problem.create` / `problem.update`
 * and the REST routes share this. The lifecycle rule is shared/problems.ts
 * (`problemChangeError`); marking a problem fixed stamps when, and every
 * matching signal after that on a customer already on the fixed version is a
 * regression.
 */

/*
 * Edits follow the follow-ups' rule (docs/sync.md, section 4): per field, last
 * writer wins against the value its author started from; an edit that replaced
 * a value someone else set meanwhile is applied, its revision keeps what it
 * replaced (`replaced:<field>`), and the result names the other writer.
 * Revisions of problems sync in the global bucket with the problem.
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

/** The wizard ids the library holds (any version): a workaround must name one of them. */
async function unknownWizard(db: Queryable, wizardId: string | null | undefined): Promise<string | null> {
  if (wizardId === null || wizardId === undefined) return null;
  const [row] = await db.query('select 1 from wizards where id = $1 limit 1', [wizardId]);
  return row ? null : `there is no wizard ${wizardId} in the library; name a published wizard as the workaround`;
}

async function recordProblemRevision(
  db: Queryable,
  writer: Writer,
  row: ProblemRow,
  revision: { kind: 'create' | 'edit'; baseVer: number | null; fields: Record<string, string> },
  now: number,
): Promise<void> {
  await recordRevision(db, {
    bucket: GLOBAL_BUCKET,
    entity: 'problem',
    rowId: row.id,
    ver: row.ver,
    kind: revision.kind,
    actor: writer.principal.name,
    clientId: writer.clientId,
    mutationId: writer.mutationId,
    at: now,
    baseVer: revision.baseVer,
    fields: revision.fields,
  });
}

/** A writer for REST calls (no outbox row behind them). */
export const restWriter = (principal: Writer['principal']): Writer => ({ principal, clientId: null, mutationId: null });

export async function createProblem(db: Queryable, writer: Writer, rawArgs: unknown, now: number): Promise<MutationOutcome> {
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
  const wizardError = await unknownWizard(db, args.workaroundWizard);
  if (wizardError) return rejected('invalid_args', `problem.create: ${wizardError}`);
  const missing = await unknownCustomers(db, customers);
  if (missing.length > 0) return rejected('unknown_customer', `no such customers: ${missing.slice(0, 20).join(', ')}`);
  const row = await insertProblem(db, {
    id: args.problemId,
    title: args.title,
    status,
    rules: args.rules,
    customers,
    workaroundWizard: args.workaroundWizard,
    workaround: args.workaround,
    ticketUrl: args.ticketUrl,
    owner: args.owner,
    createdBy: writer.principal.name,
    createdById: writer.principal.userId,
    createdAt: new Date(now).toISOString(),
  });
  if (!row) return rejected('problem_exists', `a problem with id ${args.problemId} already exists; make a new id`);
  const fields = Object.fromEntries(
    (['title', 'status', 'rules', 'customers', 'workaroundWizard', 'owner', 'workaround', 'ticketUrl'] as const)
      .map((field) => [field, problemFieldText(row[field])] as const)
      .filter(([, value]) => value !== '' && value !== '[]'),
  );
  await recordProblemRevision(db, writer, row, { kind: 'create', baseVer: null, fields }, now);
  return { status: 'applied', produced: produced(row) };
}

export async function editProblem(db: Queryable, writer: Writer, rawArgs: unknown, now: number): Promise<MutationOutcome> {
  const parsed = ProblemUpdateArgsSchema.safeParse(rawArgs);
  if (!parsed.success) return rejected('invalid_args', `problem.update: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  const current = await readProblem(db, args.problemId, true);
  if (!current) return rejected('unknown_problem', `problem ${args.problemId} does not exist`);
  const requested: Partial<ProblemFields> = { ...args.set };
  if (requested.customers) requested.customers = [...new Set(requested.customers)];
  // Only what differs from the current row is written; the rest of the edit is already true.
  const set: Partial<ProblemFields> & { fixedAt?: string | null } = {};
  const replaced: Partial<Record<ProblemField, string>> = {};
  const isBaseCurrent = args.baseVer === current.ver;
  for (const [field, value] of Object.entries(requested) as [ProblemField, unknown][]) {
    const currentText = problemFieldText(current[field]);
    if (problemFieldText(value) === currentText) continue;
    (set as Record<string, unknown>)[field] = value ?? null;
    const base = Object.hasOwn(args.base, field) ? (args.base[field] ?? '') : undefined;
    // Someone else set this field after the author's desk last saw it: the edit wins, and says what it replaced.
    if (!isBaseCurrent && base !== currentText) replaced[field] = currentText;
  }
  if (Object.keys(set).length === 0) return { status: 'applied', produced: produced(current) };
  const next = { ...current, ...set };
  const problemError = problemChangeError(next);
  if (problemError) return rejected('invalid_args', `problem.update: ${problemError}`);
  const wizardError = await unknownWizard(db, set.workaroundWizard);
  if (wizardError) return rejected('invalid_args', `problem.update: ${wizardError}`);
  const missing = await unknownCustomers(db, set.customers ?? []);
  if (missing.length > 0) return rejected('unknown_customer', `no such customers: ${missing.slice(0, 20).join(', ')}`);
  const wasPastFix = isPastFix(current);
  if (next.status === 'fixed' && current.status !== 'fixed' && !(current.status === 'closed' && wasPastFix))
    set.fixedAt = new Date(now).toISOString();
  // Reopened: what happens from now on is not a regression of a fix that no longer stands.
  if (next.status === 'investigating' || next.status === 'known_error') set.fixedAt = null;
  const row = await updateProblem(db, { id: current.id, set, updatedAt: new Date(now).toISOString() });
  if (!row) return rejected('unknown_problem', `problem ${args.problemId} does not exist`);
  const writerOfCurrent = Object.keys(replaced).length > 0 ? await latestWriter(db, 'problem', current.id, current.ver) : null;
  const changed = Object.keys(set).filter((field) => field !== 'fixedAt') as ProblemField[];
  await recordProblemRevision(
    db,
    writer,
    row,
    {
      kind: 'edit',
      baseVer: args.baseVer,
      fields: {
        ...Object.fromEntries(changed.map((field) => [field, problemFieldText(row[field])])),
        ...Object.fromEntries(
          Object.entries(replaced).map(([field, value]) => [`${REPLACED_FIELD_PREFIX}${field}`, value ?? '']),
        ),
      },
    },
    now,
  );
  const replacedFields = Object.keys(replaced) as ProblemField[];
  const first = replacedFields[0];
  if (first === undefined) return { status: 'applied', produced: produced(row) };
  const actor = writerOfCurrent?.actor ?? current.createdBy;
  const conflict: EditConflict = {
    entity: 'problem',
    id: current.id,
    field: first,
    ver: current.ver,
    value: replaced[first] ?? '',
    actor,
    at: writerOfCurrent?.at ?? current.updatedAt,
  };
  return {
    status: 'applied',
    code: 'overwrote',
    message: `your change replaced what ${actor} set meanwhile (${replacedFields
      .map((field) => `${PROBLEM_FIELD_WORDS[field]} "${replaced[field] || 'none'}"`)
      .join(', ')}); both are in the problem's history`,
    produced: produced(row),
    conflict,
  };
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

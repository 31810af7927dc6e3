import {
  FollowUpCreateArgsSchema,
  FollowUpUpdateArgsSchema,
  FOLLOW_UP_FIELD_WORDS,
  REPLACED_PREFIX,
  type FollowUpField,
  type FollowUpFields,
} from '../../shared/follow-ups';
import { describeZodIssues } from '../../shared/issues';
import { customerBucket, type EditConflict } from '../../shared/sync/wire';
import { sha256Hex } from '../../shared/wizards/hash';
import { insertFollowUps, readFollowUp, updateFollowUp, type FollowUpRow, type NewFollowUp } from '../repo/follow-ups';
import { latestWriter, recordRevision } from '../repo/revisions';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import type { MutationOutcome } from '../remediation/wizard-runs';
import type { Queryable } from '../storage/types';

/*
 * Writing follow-ups (issue 12), the one path for pushed mutations
 * (`followUp.create`, `followUp.update`), the REST routes and run records.
 * Conflict rule (docs/sync.md, section 4): per field, last writer wins against
 * the value its author started from; an edit that replaced someone else's
 * newer value is applied and *reported* — the revision keeps the value it
 * replaced (`replaced:<field>`) and the result names the other writer.
 */

/** Who is writing, and through which outbox row (null for REST calls and run records). */
export type Writer = { principal: Principal; clientId: string | null; mutationId: string | null };

const rejected = (code: string, message: string): MutationOutcome => ({ status: 'rejected', code, message });

/** Revision fields are text: a cleared value is the empty string. */
const text = (value: string | null | undefined): string => value ?? '';

function produced(row: FollowUpRow) {
  return [{ bucket: customerBucket(row.customerId), entity: 'follow_up', id: row.id, ver: row.ver }];
}

async function recordCreate(db: Queryable, writer: Writer, row: FollowUpRow, now: number): Promise<void> {
  await recordRevision(db, {
    bucket: customerBucket(row.customerId),
    entity: 'follow_up',
    rowId: row.id,
    ver: row.ver,
    kind: 'create',
    actor: writer.principal.name,
    clientId: writer.clientId,
    mutationId: writer.mutationId,
    at: now,
    baseVer: null,
    fields: {
      title: row.title,
      owner: text(row.owner),
      state: row.state,
      dueDate: text(row.dueDate),
      ...(row.problemId ? { problemId: row.problemId } : {}),
      ...(row.runId ? { runId: row.runId } : {}),
      ...(row.release ? { release: row.release } : {}),
      ...(row.ticketUrl ? { ticketUrl: row.ticketUrl } : {}),
    },
  });
}

/** `followUp.create` (pushed) or POST /v1/follow-ups. */
export async function createFollowUp(db: Queryable, writer: Writer, rawArgs: unknown, now: number): Promise<MutationOutcome> {
  const parsed = FollowUpCreateArgsSchema.safeParse(rawArgs);
  if (!parsed.success) return rejected('invalid_args', `followUp.create: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  if (!canSeeCustomer(writer.principal, args.customerId))
    return rejected('forbidden', `customer ${args.customerId} is not in this token's scope`);
  const [customer] = await db.query('select 1 from customers where id = $1', [args.customerId]);
  if (!customer) return rejected('unknown_customer', `customer ${args.customerId} does not exist`);
  const [existing] = await db.query('select 1 from follow_ups where id = $1', [args.followUpId]);
  if (existing) return rejected('follow_up_exists', `a follow-up with id ${args.followUpId} already exists; make a new id`);
  const at = new Date(now).toISOString();
  const [row] = await insertFollowUps(db, [
    {
      id: args.followUpId,
      customerId: args.customerId,
      title: args.title,
      owner: args.owner,
      state: args.state,
      dueDate: args.dueDate,
      runId: args.runId,
      problemId: args.problemId,
      release: args.release,
      ticketUrl: args.ticketUrl,
      source: args.source,
      createdBy: writer.principal.name,
      createdById: writer.principal.userId,
      createdAt: at,
    },
  ]);
  if (!row) return rejected('follow_up_exists', `a follow-up with id ${args.followUpId} already exists; make a new id`);
  await recordCreate(db, writer, row, now);
  return { status: 'applied', produced: produced(row) };
}

/** `followUp.update` (pushed) or PATCH /v1/follow-ups/:id. */
export async function editFollowUp(db: Queryable, writer: Writer, rawArgs: unknown, now: number): Promise<MutationOutcome> {
  const parsed = FollowUpUpdateArgsSchema.safeParse(rawArgs);
  if (!parsed.success) return rejected('invalid_args', `followUp.update: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  const row = await readFollowUp(db, args.followUpId, true);
  // Out of scope reads the same as missing: the token learns nothing about other customers.
  if (!row || !canSeeCustomer(writer.principal, row.customerId))
    return rejected('unknown_follow_up', `follow-up ${args.followUpId} does not exist`);
  const isBaseCurrent = args.baseVer === row.ver;
  const set: Partial<Record<FollowUpField, string | null>> = {};
  const replaced: Partial<Record<FollowUpField, string | null>> = {};
  for (const [field, raw] of Object.entries(args.set) as [FollowUpField, string | null | undefined][]) {
    const value = raw ?? null;
    const current = row[field];
    if (value === current) continue;
    set[field] = value;
    const base = Object.hasOwn(args.base, field) ? args.base[field] : undefined;
    // Someone else set this field after the author's desk last saw it: the edit wins, and says what it replaced.
    const isChangedMeanwhile = !isBaseCurrent && (base === undefined || base !== current);
    if (isChangedMeanwhile) replaced[field] = current;
  }
  if (Object.keys(set).length === 0) return { status: 'applied', produced: produced(row) };
  const written = await updateFollowUp(db, {
    id: row.id,
    set: set as Partial<FollowUpFields>,
    updatedAt: new Date(now).toISOString(),
  });
  if (!written) return rejected('unknown_follow_up', `follow-up ${args.followUpId} does not exist`);
  const writerOfCurrent = Object.keys(replaced).length > 0 ? await latestWriter(db, 'follow_up', row.id, row.ver) : null;
  await recordRevision(db, {
    bucket: customerBucket(row.customerId),
    entity: 'follow_up',
    rowId: row.id,
    ver: written.ver,
    kind: 'edit',
    actor: writer.principal.name,
    clientId: writer.clientId,
    mutationId: writer.mutationId,
    at: now,
    baseVer: args.baseVer,
    fields: {
      ...Object.fromEntries(Object.entries(set).map(([field, value]) => [field, text(value)])),
      ...Object.fromEntries(Object.entries(replaced).map(([field, value]) => [`${REPLACED_PREFIX}${field}`, text(value)])),
    },
  });
  const replacedFields = Object.keys(replaced) as FollowUpField[];
  const first = replacedFields[0];
  if (first === undefined) return { status: 'applied', produced: produced(written) };
  const actor = writerOfCurrent?.actor ?? row.createdBy;
  const conflict: EditConflict = {
    entity: 'follow_up',
    id: row.id,
    field: first,
    ver: row.ver,
    value: text(replaced[first]),
    actor,
    at: writerOfCurrent?.at ?? row.updatedAt,
  };
  return {
    status: 'applied',
    code: 'overwrote',
    message: `your change replaced what ${actor} set meanwhile (${replacedFields
      .map((field) => `${FOLLOW_UP_FIELD_WORDS[field]} "${text(replaced[field]) || 'none'}"`)
      .join(', ')}); both are in the follow-up's history`,
    produced: produced(written),
    conflict,
  };
}

/** The id of a run's n-th follow-up line: the same run recorded twice makes the same follow-ups. */
export function runFollowUpId(runId: string, index: number): string {
  return `fu-run-${sha256Hex(`${runId}\u0000${index}`).slice(0, 24)}`;
}

/**
 * A wizard run's record step listed follow-ups: each line becomes an open
 * follow-up on the customer, linked to the run and owned by whoever ran it.
 * Lines already made (the run was recorded before) are left as they are.
 */
export async function createRunFollowUps(
  db: Queryable,
  writer: Writer,
  run: { runId: string; customerId: string; followUps: readonly string[]; finishedAt: string },
  now: number,
): Promise<{ bucket: string; entity: string; id: string; ver: number }[]> {
  const lines = run.followUps.map((line) => line.trim()).filter((line) => line !== '');
  const rows: NewFollowUp[] = lines.map((title, index) => ({
    id: runFollowUpId(run.runId, index),
    customerId: run.customerId,
    title: title.slice(0, 500),
    owner: writer.principal.name,
    state: 'open',
    dueDate: null,
    runId: run.runId,
    problemId: null,
    release: null,
    ticketUrl: null,
    source: 'run',
    createdBy: writer.principal.name,
    createdById: writer.principal.userId,
    createdAt: new Date(Math.min(Date.parse(run.finishedAt), now)).toISOString(),
  }));
  const written = await insertFollowUps(db, rows);
  for (const row of written) await recordCreate(db, writer, row, now);
  return rows.map((row) => ({ bucket: customerBucket(row.customerId), entity: 'follow_up', id: row.id, ver: 1 }));
}

import { parse } from 'yaml';
import { WizardRunRecordArgsSchema } from '../../shared/remediation/wire';
import { customerBucket, type EditConflict, type ProducedRow } from '../../shared/sync/wire';
import { createIdGenerator } from '../ids';
import { readWizard } from '../repo/wizards';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import { insertEvents } from '../repo/writes';
import type { Queryable } from '../storage/types';
import { WIZARD_RUN_SOURCE, wizardRunEvent } from './events';
import { describeZodIssues } from '../../shared/issues';
import { createRunFollowUps } from '../follow-ups/edits';

/** The result of one pushed mutation, as server/sync/push.ts stores it; `produced` names the rows it wrote. */
export type MutationOutcome = {
  status: 'applied' | 'rejected';
  code?: string;
  message?: string;
  produced?: ProducedRow[];
  conflict?: EditConflict;
};

/** The `wizardRun.record` mutation's wire version. */
export const WIZARD_RUN_RECORD_VERSION = 1;

const newId = createIdGenerator();

/** The one feature a published wizard is about, for the event's feature column; null when it names none or several. */
async function wizardFeature(db: Queryable, wizardId: string, version: number): Promise<string | null> {
  const wizard = await readWizard(db, wizardId, version);
  if (!wizard) return null;
  try {
    const definition = parse(wizard.source) as { appliesTo?: { features?: unknown } } | null;
    const features = definition?.appliesTo?.features;
    return Array.isArray(features) && features.length === 1 && typeof features[0] === 'string' ? features[0] : null;
  } catch {
    return null;
  }
}

/**
 * Applies a pushed `wizardRun.record` inside the push transaction: one
 * `wizard_run` event on the customer's timeline, keyed by the run id (source
 * system lightkeeper-wizards), so a run recorded twice is one event.
 */
export async function recordWizardRun(
  db: Queryable,
  principal: Principal,
  rawArgs: unknown,
  now: number,
  writer: { clientId: string | null; mutationId: string | null } = { clientId: null, mutationId: null },
): Promise<MutationOutcome> {
  const parsed = WizardRunRecordArgsSchema.safeParse(rawArgs);
  if (!parsed.success)
    return { status: 'rejected', code: 'invalid_args', message: `wizardRun.record: ${describeZodIssues(parsed.error, 3)}` };
  const args = parsed.data;
  if (!canSeeCustomer(principal, args.customerId))
    return { status: 'rejected', code: 'forbidden', message: `customer ${args.customerId} is not in this token's scope` };
  const [customer] = await db.query('select 1 from customers where id = $1', [args.customerId]);
  if (!customer) return { status: 'rejected', code: 'unknown_customer', message: `customer ${args.customerId} does not exist` };
  const [existing] = await db.query<{ id: string; customer_id: string }>(
    'select id, customer_id from events where source_system = $1 and external_id = $2',
    [WIZARD_RUN_SOURCE, args.runId],
  );
  if (existing) {
    if (existing.customer_id !== args.customerId)
      return { status: 'rejected', code: 'run_exists', message: `run ${args.runId} is already recorded for another customer` };
    // Follow-ups of a run recorded before they were records are made now; those made before stay as they are.
    const followUps = await createRunFollowUps(db, { principal, ...writer }, args, now);
    return {
      status: 'applied',
      message: `run ${args.runId} was already recorded`,
      produced: [{ bucket: customerBucket(args.customerId), entity: 'event', id: existing.id, ver: 1 }, ...followUps],
    };
  }
  const event = wizardRunEvent(args, {
    actor: principal.name,
    now,
    feature: await wizardFeature(db, args.wizardId, args.wizardVersion),
  });
  const { ids } = await insertEvents(db, [event], { now, newId });
  const id = ids[0];
  // The record step's follow-up lines become follow-ups (issue 12), owned by whoever ran the wizard.
  const followUps = await createRunFollowUps(db, { principal, ...writer }, args, now);
  return {
    status: 'applied',
    produced: [...(id ? [{ bucket: customerBucket(args.customerId), entity: 'event', id, ver: 1 }] : []), ...followUps],
  };
}

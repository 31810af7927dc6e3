import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from '../domain';
import { JsonObjectSchema } from '../json';
import { ApprovalSchema, ExecutionSchema, PlanSchema } from '../remediation/wire';
import { OUTCOMES, WizardSchema } from '../wizards/format';
import { NeedSchema, RunStateSchema } from '../wizards/run-state';

/**
 * Contract shapes for the wizard library and runs (issue 5). The run state and
 * the current need are the engine's own (`RunStateSchema`, `NeedSchema` in
 * shared/wizards/run-state.ts), so the renderer reads them typed, without casts.
 */

/** A wizard in the desk's library, with whether it is suggested for the context asked about. */
export const WizardListItemSchema = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  title: z.string(),
  description: z.string(),
  appliesTo: z.object({ features: z.array(z.string()), eventKinds: z.array(z.string()), symptoms: z.array(z.string()) }),
  isSuggested: z.boolean(),
  /** Why it is suggested, in words ("matches feature sso and the open alert"). */
  reason: z.string().nullable(),
  /** Where this version came from: the server library (synced) or the bundled starter library. */
  origin: z.enum(['server', 'bundled']),
  /**
   * The run of this wizard that fixed the customer (or the event asked about), when
   * nothing since calls for it again: "resolved by run … 3 min ago" (#15).
   */
  resolvedBy: z
    .object({
      runId: z.string(),
      outcome: z.string(),
      finishedAt: z.string(),
      actor: z.string().nullable(),
      /** This desk has the run: the runner can open it. */
      isLocal: z.boolean(),
    })
    .nullable()
    .optional(),
});
export type WizardListItem = z.infer<typeof WizardListItemSchema>;

export const WizardsListInputSchema = z.strictObject({
  customerId: CustomerIdSchema.optional(),
  eventId: z.string().min(1).max(64).optional(),
});
export const WizardsListOutputSchema = z.object({
  wizards: z.array(WizardListItemSchema),
  /** The event asked about is part of an alert, incident or ticket that is resolved now. */
  isEventResolved: z.boolean().optional(),
});

export const WizardGetInputSchema = z.strictObject({
  wizardId: z.string().min(1).max(100),
  version: z.number().int().positive().optional(),
});
export const WizardDetailSchema = WizardListItemSchema.extend({ source: z.string(), definition: WizardSchema });

/** A run as the runner shows it. */
export const RunViewSchema = z.object({
  runId: z.string(),
  wizardId: z.string(),
  wizardVersion: z.number().int().positive(),
  title: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  practice: z.boolean(),
  status: z.enum(['running', 'waiting', 'finished', 'cancelled']),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** Who started it (issue 14); null for older runs. */
  startedBy: z.object({ userId: z.string(), name: z.string() }).nullable(),
  /** The engine's run state. */
  state: RunStateSchema,
  /** The engine's current need (null while the desk is working on an automatic step). */
  need: NeedSchema.nullable(),
  canEditAnswers: z.boolean(),
  /** The latest plan from the server for the current action step, if any. */
  plan: PlanSchema.nullable(),
  execution: ExecutionSchema.nullable(),
  approval: ApprovalSchema.nullable(),
  /** Why the current step cannot go on right now (e.g. offline for an action), with what to do. */
  blockedReason: z.string().nullable(),
  /** Whether the finished run has been recorded on the customer's timeline (pending until synced). */
  recordState: z.enum(['none', 'pending', 'synced']),
});
export type RunView = z.infer<typeof RunViewSchema>;

export const RunStartInputSchema = z.strictObject({
  wizardId: z.string().min(1).max(100),
  customerId: CustomerIdSchema,
  practice: z.boolean().default(false),
  /** The event the run was started from (alert, ticket), for the record. */
  eventId: z.string().min(1).max(64).optional(),
});

/** What the person at the desk can do to a run; automatic steps are driven by the desk itself. */
export const RunActSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inputs'), values: JsonObjectSchema }),
  z.strictObject({ type: z.literal('answer'), values: JsonObjectSchema }),
  z.strictObject({ type: z.literal('continue'), confirmed: z.boolean().optional() }),
  z.strictObject({ type: z.literal('confirm-action'), typedConfirmation: z.string().max(300).optional() }),
  z.strictObject({ type: z.literal('request-approval'), reason: z.string().max(2000).optional() }),
  z.strictObject({ type: z.literal('escalated'), reference: z.string().max(500).optional() }),
  z.strictObject({ type: z.literal('edit-answer'), path: z.string().min(1).max(300), values: JsonObjectSchema }),
  z.strictObject({ type: z.literal('retry') }),
  z.strictObject({ type: z.literal('cancel'), reason: z.string().max(500).optional() }),
]);
/** What the person at the desk can do to a run: the renderer sends it, the run host acts on it. */
export type RunAct = z.infer<typeof RunActSchema>;

export const RunActInputSchema = z.strictObject({ runId: z.string().min(1).max(100), act: RunActSchema });

export const RunsListInputSchema = z.strictObject({
  customerId: CustomerIdSchema.optional(),
  status: z.enum(['active', 'finished']).optional(),
});
export const RunListItemSchema = RunViewSchema.pick({
  runId: true,
  wizardId: true,
  wizardVersion: true,
  title: true,
  customerId: true,
  customerName: true,
  practice: true,
  status: true,
  startedAt: true,
  updatedAt: true,
  startedBy: true,
});
export const RunsListOutputSchema = z.object({ runs: z.array(RunListItemSchema) });

/** Where the run history pages on from: the last row shown (newest finish first, then run id). */
export const RunHistoryCursorSchema = z.strictObject({ finishedAt: IsoTimeSchema, runId: z.string().min(1).max(100) });

/** `runs:history` (issue 15, item 14): finished runs of every desk and customer, newest finish first, filtered. */
export const RunsHistoryInputSchema = z.strictObject({
  wizardId: z.string().min(1).max(100).optional(),
  outcome: z.enum(OUTCOMES).optional(),
  /** Only runs by this person, named as the rows name them (`ranBy.name`). */
  ranBy: z.string().trim().min(1).max(200).optional(),
  /** Only runs that finished in the last `days` days. */
  days: z.number().int().min(1).max(3650).optional(),
  before: RunHistoryCursorSchema.nullable().optional(),
  limit: z.number().int().min(1).max(500).optional(),
});

/** A finished run: from its wizard_run event on the timeline (any desk), or from this desk before its record arrived. */
export const RunHistoryItemSchema = z.object({
  runId: z.string(),
  wizardId: z.string(),
  wizardVersion: z.number().int().positive().nullable(),
  /** The wizard's title (the library's, else its id). */
  title: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  outcome: z.enum(OUTCOMES),
  practice: z.boolean(),
  startedAt: z.string().nullable(),
  finishedAt: z.string(),
  /** Who ran it: the starter this desk kept, else the timeline event's actor. */
  ranBy: z.object({ userId: z.string().nullable(), name: z.string() }).nullable(),
  /** Whether this desk holds the run itself (it opens as a run); otherwise it opens on the customer's timeline. */
  isLocal: z.boolean(),
  /** The run's wizard_run event, once the server has recorded it. */
  eventId: z.string().nullable(),
});
export const RunsHistoryOutputSchema = z.object({
  runs: z.array(RunHistoryItemSchema),
  /** Where the next page starts; null at the end. */
  next: RunHistoryCursorSchema.nullable(),
  /** Everyone who finished a run in the period (whatever the other filters), for the "Ran by" filter. */
  operators: z.array(z.string()),
});

/** Payload of `runs:changed`. */
export const RunChangedSchema = z.object({ runId: z.string() });

/** One row of the run history. */
export type RunHistoryItem = z.infer<typeof RunHistoryItemSchema>;

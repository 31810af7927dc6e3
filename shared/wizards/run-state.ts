import { z } from 'zod';
import { IsoTimeSchema } from '../domain';
import { JsonObjectSchema, JsonSchema } from '../json';
import { InputFieldSchema, OUTCOMES, ROOT_CAUSES, STEP_KINDS } from './format';

/**
 * The typed seam of a wizard run: the run state the engine keeps (persisted by
 * the desk after every step), what it asks the host to do ({@link NeedSchema}),
 * the events the host feeds back ({@link RunEventSchema}) and the summary the
 * timeline shows. The engine, the desk core and the renderer all read these
 * types from here; the IPC views (shared/ipc/wizard-views.ts) embed the schemas.
 */

/** Bump when {@link RunState} changes shape; older states are refused rather than misread. */
export const RUN_STATE_FORMAT = 1;

const at = IsoTimeSchema;
const values = JsonObjectSchema;

/** The exact wizard a run (or a linked part of it) follows. */
export const PinnedWizardSchema = z.object({ id: z.string(), version: z.number().int().positive(), hash: z.string() });
/** The exact wizard a run (or a linked part of it) follows. */
export type PinnedWizard = z.infer<typeof PinnedWizardSchema>;

/** Why a transition was refused. */
export const RUN_ERROR_CODES = [
  'invalid-event',
  'invalid-input',
  'invalid-result',
  'confirmation-required',
  'edit-refused',
  'practice-violation',
  'version-mismatch',
  'run-finished',
  'unsupported-state',
] as const;
/** One of {@link RUN_ERROR_CODES}. */
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

/** One field's problem, for showing it next to the field. */
export const FieldIssueSchema = z.object({ field: z.string(), message: z.string() });
/** One field's problem, for showing it next to the field. */
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

/** A refused transition: the state is unchanged. */
export const RunErrorSchema = z.object({
  code: z.enum(RUN_ERROR_CODES),
  message: z.string(),
  issues: z.array(FieldIssueSchema).optional(),
});
/** A refused transition: the state is unchanged. */
export type RunError = z.infer<typeof RunErrorSchema>;

/** What the current step waits for; rendered values are stored so a resumed run asks the same thing. */
export const StepPhaseSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('input') }),
  z.object({ name: z.literal('check'), params: JsonObjectSchema, lastError: z.string().nullable() }),
  z.object({
    name: z.literal('parallel'),
    /** Each check's parameters as filled in when the group was entered, by check id. */
    params: z.record(z.string(), JsonObjectSchema),
    /** The results that have landed, by check id. */
    results: z.record(z.string(), JsonSchema),
    /** The last failure of each check that has no result, by check id. */
    errors: z.record(z.string(), z.string()),
  }),
  z.object({ name: z.literal('guidance'), text: z.string() }),
  z.object({ name: z.literal('action-plan'), params: JsonObjectSchema }),
  z.object({
    name: z.literal('action-confirm'),
    params: JsonObjectSchema,
    plan: JsonSchema,
    /** Why the plan was made again after a confirmation (the server's words); absent for the first plan. */
    replanned: z.string().optional(),
  }),
  z.object({ name: z.literal('action-execute'), params: JsonObjectSchema, plan: JsonSchema, idempotencyKey: z.string() }),
  z.object({ name: z.literal('simulated-action'), params: JsonObjectSchema }),
  z.object({ name: z.literal('approval'), reason: z.string() }),
  z.object({
    name: z.literal('verify'),
    params: JsonObjectSchema,
    attempts: z.number().int().nonnegative(),
    startedAt: z.string(),
    deadline: z.string(),
    dueAt: z.string(),
    lastResult: JsonSchema,
  }),
  z.object({ name: z.literal('link-load') }),
  z.object({ name: z.literal('escalate'), summary: z.string() }),
]);
/** What the current step waits for. */
export type StepPhase = z.infer<typeof StepPhaseSchema>;

/** The position of one wizard frame. */
export const CursorSchema = z.discriminatedUnion('at', [
  z.object({ at: z.literal('inputs') }),
  z.object({ at: z.literal('step'), stepId: z.string(), phase: StepPhaseSchema }),
]);
/** The position of one wizard frame. */
export type Cursor = z.infer<typeof CursorSchema>;

/** One wizard being run: the top one, or one opened by a link step. */
export const RunFrameSchema = z.object({
  wizard: PinnedWizardSchema,
  /** The link step in the parent frame that opened this frame; null for the top wizard. */
  linkStepId: z.string().nullable(),
  /** Where a step in this frame is: `''` for the top wizard, `'link-step/'` inside a link. */
  prefix: z.string(),
  inputs: JsonObjectSchema,
  answers: JsonObjectSchema,
  /** Results by step id and save name: checks, verifies (last attempt), actions, links. */
  checks: JsonObjectSchema,
  cursor: CursorSchema,
  /** Loops whose body the run is in, by loop step id: the list taken when the loop started and the current item. */
  loops: z.record(z.string(), z.object({ items: z.array(JsonSchema), index: z.number().int().nonnegative() })).optional(),
});
/** One wizard being run. */
export type RunFrame = z.infer<typeof RunFrameSchema>;

/** A value a condition read, kept so the operator sees the evidence behind a path (#15). */
export const ReasonEvidenceSchema = z.object({
  /** The name as the condition writes it: `checks.health.health`. */
  name: z.string(),
  /** What it is, in words: `health from "Customer health"`. */
  label: z.string(),
  /** The value in words: `degraded`, `3`, `yes`, `2 items: sso, exports`, `not there`. */
  shown: z.string(),
  /** The value as compact JSON (at most ~300 characters), or null when it is not there. */
  json: z.string().nullable(),
});
/** A value a condition read. */
export type ReasonEvidence = z.infer<typeof ReasonEvidenceSchema>;

/** One condition a decision weighed, with the values it read. */
export const ReasonConditionSchema = z.object({
  when: z.string(),
  label: z.string().nullable(),
  value: z.enum(['true', 'false', 'error']),
  detail: z.string().nullable(),
  evidence: z.array(ReasonEvidenceSchema),
});
/** One condition a decision weighed. */
export type ReasonCondition = z.infer<typeof ReasonConditionSchema>;

/** How the run came to a step: its wizard's start, the step before it, or one of that step's exits. */
export const STEP_ARRIVALS = [
  'start',
  'next',
  'branch',
  'otherwise',
  'on-failure',
  'on-denied',
  'on-timeout',
  'loop-item',
  'on-too-many',
] as const;

/** Why a step is asked now, in words and with the evidence behind it (#15). */
export const StepReasonSchema = z.object({
  via: z.enum(STEP_ARRIVALS),
  /** One sentence in the words a support engineer uses: `"Route by health" found that the customer is healthy right now.` */
  text: z.string(),
  /** The step that led here; null for the first step of the top wizard. */
  from: z.object({ path: z.string(), title: z.string(), kind: z.enum([...STEP_KINDS, 'inputs']) }).nullable(),
  /** For a decision: the condition that held, or every condition when none did (the fallback). */
  conditions: z.array(ReasonConditionSchema),
});
/** Why a step is asked now. */
export type StepReason = z.infer<typeof StepReasonSchema>;

/** How a decision went, in words and in detail. */
export const BranchRecordSchema = z.object({
  taken: z.string(),
  label: z.string().nullable(),
  when: z.string().nullable(),
  /** The decision in terms of its expressions: `took 'x' (otherwise) because no branch held: … is false`. */
  reason: z.string(),
  /** The same decision in words, as the step it led to explains it (absent in runs recorded before #15). */
  why: StepReasonSchema.optional(),
  evaluated: z.array(z.object({ when: z.string(), value: z.enum(['true', 'false', 'error']), detail: z.string().nullable() })),
});
/** How a decision went. */
export type BranchRecord = z.infer<typeof BranchRecordSchema>;

/** One check of a parallel group, as the step record keeps it. */
export const GroupCheckRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  source: z.enum(['cache', 'probe']),
  /** The cache query or the probe. */
  name: z.string(),
  params: JsonObjectSchema,
  /** Whether its result has landed. */
  landed: z.boolean(),
  /** The result once landed; null before. */
  result: JsonSchema,
  /** The last failure while it has no result; null otherwise. */
  error: z.string().nullable(),
  /** When its result (or last failure) arrived. */
  at: z.string().nullable(),
});
/** One check of a parallel group, as the step record keeps it. */
export type GroupCheckRecord = z.infer<typeof GroupCheckRecordSchema>;

/** What happened at one step (or at the wizard's inputs, kind `inputs`). */
export const StepRecordSchema = z.object({
  /** `step-id`, or `link-step/step-id` inside a linked wizard; `$inputs` for a wizard's inputs. */
  path: z.string(),
  wizardId: z.string(),
  stepId: z.string(),
  kind: z.enum([...STEP_KINDS, 'inputs']),
  title: z.string(),
  enteredAt: z.string(),
  completedAt: z.string().nullable(),
  params: JsonObjectSchema.optional(),
  values: JsonObjectSchema.optional(),
  result: JsonSchema.optional(),
  text: z.string().optional(),
  plan: JsonSchema.optional(),
  idempotencyKey: z.string().optional(),
  /** Plans that were confirmed but replaced before they ran (the plan changed), oldest first. */
  replans: z.array(z.object({ at: z.string(), reason: z.string(), previousPlan: JsonSchema })).optional(),
  isSimulated: z.boolean().optional(),
  attempts: z
    .array(z.object({ at: z.string(), result: JsonSchema, held: z.boolean(), detail: z.string().nullable() }))
    .optional(),
  errors: z.array(z.object({ at: z.string(), message: z.string() })).optional(),
  /** Set on steps run inside a loop's body (and on the loop step per item): which item of which loop. */
  iteration: z
    .object({ loop: z.string(), index: z.number().int().nonnegative(), count: z.number().int().nonnegative(), item: JsonSchema })
    .optional(),
  /** A parallel group: each check with what it asked and what it answered (its evidence), in the group's order. */
  group: z.array(GroupCheckRecordSchema).optional(),
  branch: BranchRecordSchema.optional(),
  /** Why the run asks this step now (absent for a wizard's inputs and in runs recorded before #15). */
  reason: StepReasonSchema.optional(),
  approval: z.object({ granted: z.boolean(), by: z.string(), note: z.string().nullable() }).optional(),
  escalation: z.object({ team: z.string(), summary: z.string(), reference: z.string().nullable() }).optional(),
  outcome: z.enum(OUTCOMES).optional(),
  next: z.string().nullable().optional(),
  note: z.string().optional(),
});
/** What happened at one step. */
export type StepRecord = z.infer<typeof StepRecordSchema>;

/** How the run ended. */
export const RunFinishSchema = z.object({
  outcome: z.enum(OUTCOMES),
  rootCause: z.enum(ROOT_CAUSES).nullable(),
  finishedAt: z.string(),
  /** Why, in words: the record step's title, or why the run stopped. */
  reason: z.string(),
});
/** How the run ended. */
export type RunFinish = z.infer<typeof RunFinishSchema>;

const EscalationSchema = z.object({ team: z.string(), summary: z.string(), reference: z.string().nullable() });

/** Everything of a run but its checkpoints and edits: what a checkpoint keeps. */
const RunSnapshotSchema = z.object({
  format: z.literal(RUN_STATE_FORMAT),
  runId: z.string(),
  customerId: z.string(),
  startedAt: z.string(),
  practice: z.boolean(),
  /** The top wizard. */
  wizard: PinnedWizardSchema,
  /** Every wizard the run follows: the top one first, then linked ones as they are reached. */
  pins: z.array(PinnedWizardSchema),
  customer: JsonObjectSchema,
  status: z.enum(['running', 'finished']),
  /** Open wizards, innermost last; empty once finished. */
  frames: z.array(RunFrameSchema),
  steps: z.array(StepRecordSchema),
  visits: z.record(z.string(), z.number().int().nonnegative()),
  /** Set once the first action is confirmed for execution (or simulated); answers are frozen from then on. */
  actionsLockedAt: z.string().nullable(),
  followUps: z.array(z.string()),
  escalations: z.array(EscalationSchema.extend({ at: z.string() })),
  lastEventAt: z.string(),
  finish: RunFinishSchema.nullable(),
});

/** A snapshot taken when an input is asked, so the answer can be changed later. */
export const CheckpointSchema = z.object({ path: z.string(), snapshot: RunSnapshotSchema });
/** A snapshot taken when an input is asked. */
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** The whole run, as plain JSON. */
export const RunStateSchema = RunSnapshotSchema.extend({
  checkpoints: z.array(CheckpointSchema),
  edits: z.array(z.object({ at: z.string(), path: z.string(), previous: JsonObjectSchema, values: JsonObjectSchema })),
});
/** The whole run, as plain JSON. */
export type RunState = z.infer<typeof RunStateSchema>;

/** A cache query or a server probe, as the host must run it. */
export const DiagnosticRequestSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('cache'), query: z.string(), params: JsonObjectSchema }),
  z.object({ source: z.literal('probe'), probe: z.string(), params: JsonObjectSchema }),
]);
/** A cache query or a server probe, as the host must run it. */
export type DiagnosticRequest = z.infer<typeof DiagnosticRequestSchema>;

/** A finished (or running) run, as it appears on the customer's timeline. */
export const RunSummarySchema = z.object({
  runId: z.string(),
  customerId: z.string(),
  wizard: PinnedWizardSchema,
  practice: z.boolean(),
  status: z.enum(['running', 'finished']),
  /** Step paths in the order they ran. */
  path: z.array(z.string()),
  outcome: z.enum(OUTCOMES).nullable(),
  rootCause: z.enum(ROOT_CAUSES).nullable(),
  reason: z.string().nullable(),
  followUps: z.array(z.string()),
  escalations: z.array(EscalationSchema),
  actionsExecuted: z.number().int().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
/** A run as the timeline shows it. */
export type RunSummary = z.infer<typeof RunSummarySchema>;

const needBase = {
  practice: z.boolean(),
  wizardId: z.string(),
  stepId: z.string().nullable(),
  path: z.string(),
  title: z.string(),
};

/** What the host must do next. */
export const NeedSchema = z.discriminatedUnion('need', [
  z.object({ ...needBase, need: z.literal('input'), fields: z.array(InputFieldSchema), values: JsonObjectSchema }),
  z.object({
    ...needBase,
    need: z.literal('check'),
    request: DiagnosticRequestSchema,
    isSimulated: z.boolean(),
    lastError: z.string().nullable(),
  }),
  z.object({
    ...needBase,
    need: z.literal('parallel'),
    isSimulated: z.boolean(),
    /** The checks still without a result (all of them at first; after a restart or a failure, only those). */
    checks: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        /** `check-id` (with the frame's prefix inside a link): the key a practice scenario gives its result under. */
        path: z.string(),
        request: DiagnosticRequestSchema,
        lastError: z.string().nullable(),
      }),
    ),
    /** Ids of the checks whose results have landed. */
    landed: z.array(z.string()),
  }),
  z.object({ ...needBase, need: z.literal('guidance'), text: z.string(), confirm: z.string().nullable() }),
  z.object({ ...needBase, need: z.literal('action-plan'), action: z.string(), params: JsonObjectSchema }),
  z.object({
    ...needBase,
    need: z.literal('action-confirm'),
    action: z.string(),
    params: JsonObjectSchema,
    plan: JsonSchema,
    /** Set when this plan replaces one the operator had confirmed: why, so they review it again. */
    replanned: z.string().optional(),
  }),
  z.object({
    ...needBase,
    need: z.literal('action-execute'),
    action: z.string(),
    params: JsonObjectSchema,
    plan: JsonSchema,
    idempotencyKey: z.string(),
  }),
  z.object({ ...needBase, need: z.literal('simulated-action'), action: z.string(), params: JsonObjectSchema }),
  z.object({ ...needBase, need: z.literal('approval'), reason: z.string(), who: z.string() }),
  z.object({
    ...needBase,
    need: z.literal('verify-attempt'),
    request: DiagnosticRequestSchema,
    isSimulated: z.boolean(),
    attempt: z.number().int().positive(),
    /** Milliseconds from the run's last event until the attempt is due. */
    after: z.number().nonnegative(),
    dueAt: z.string(),
    deadline: z.string(),
    until: z.string(),
  }),
  z.object({ ...needBase, need: z.literal('wizard'), linkedWizardId: z.string() }),
  z.object({ ...needBase, need: z.literal('escalate'), team: z.string(), summary: z.string() }),
  z.object({ need: z.literal('done'), practice: z.boolean(), summary: RunSummarySchema }),
]);
/** What the host must do next. */
export type Need = z.infer<typeof NeedSchema>;
/** The fields every need but `done` has. */
export type NeedBase = Pick<Exclude<Need, { need: 'done' }>, keyof typeof needBase>;

/** Everything the host can tell the engine. Every event carries the time it happened. */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inputs'), at, values }),
  z.strictObject({ type: z.literal('answer'), at, values }),
  z.strictObject({ type: z.literal('check-result'), at, result: JsonSchema }),
  z.strictObject({ type: z.literal('check-failed'), at, error: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('group-check-result'), at, check: z.string().min(1).max(64), result: JsonSchema }),
  z.strictObject({
    type: z.literal('group-check-failed'),
    at,
    check: z.string().min(1).max(64),
    error: z.string().min(1).max(2000),
  }),
  z.strictObject({ type: z.literal('continue'), at, confirmed: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('action-planned'),
    at,
    plan: JsonSchema,
    /** A new plan for a confirmed one that no longer holds (the server's 409 plan_changed): why. */
    replanned: z.string().min(1).max(2000).optional(),
  }),
  z.strictObject({ type: z.literal('action-confirmed'), at, by: z.string().max(200).optional() }),
  z.strictObject({
    type: z.literal('action-result'),
    at,
    ok: z.boolean(),
    result: JsonSchema.optional(),
    error: z.string().max(2000).optional(),
  }),
  z.strictObject({
    type: z.literal('approval-granted'),
    at,
    by: z.string().min(1).max(200),
    note: z.string().max(2000).optional(),
  }),
  z.strictObject({
    type: z.literal('approval-denied'),
    at,
    by: z.string().min(1).max(200),
    note: z.string().max(2000).optional(),
  }),
  z.strictObject({ type: z.literal('verify-result'), at, result: JsonSchema }),
  z.strictObject({ type: z.literal('verify-failed'), at, error: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('timeout'), at }),
  z.strictObject({ type: z.literal('escalated'), at, reference: z.string().max(500).optional() }),
  z.strictObject({ type: z.literal('edit-answer'), at, path: z.string().min(1).max(300), values }),
  z.strictObject({ type: z.literal('cancel'), at, reason: z.string().max(500).optional() }),
]);
/** An event for the engine's `applyEvent`. */
export type RunEvent = z.infer<typeof RunEventSchema>;

/** Whether answers may still be changed (no action has been confirmed yet). */
export function canEditAnswers(state: RunState): boolean {
  return state.status === 'running' && state.actionsLockedAt === null;
}

/** The record paths whose answers may be edited now, latest last. */
export function editablePaths(state: RunState): string[] {
  return canEditAnswers(state) ? [...new Set(state.checkpoints.map((checkpoint) => checkpoint.path))] : [];
}

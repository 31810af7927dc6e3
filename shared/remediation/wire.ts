import { z } from 'zod';
import { CustomerIdSchema as CustomerId, IsoTimeSchema } from '../domain';
import { RISK_LEVELS } from '../wizards/catalog';

/**
 * The server API for diagnostics and remediation (issue 5). Probes read live
 * state; actions change it, and only the server executes them: plan (dry run) →
 * explicit confirmation → execute with an idempotency key. Actions are never
 * queued offline. Every error body is the usual `{ error, message }`.
 */

const Json = z.json();

/** POST /v1/probes/:probe — run one read-only probe against one customer. */
export const ProbeRequestSchema = z.strictObject({
  customerId: CustomerId,
  params: z.record(z.string(), Json).default({}),
});
export const ProbeResponseSchema = z.object({
  probe: z.string(),
  customerId: z.string(),
  observedAt: IsoTimeSchema,
  result: z.record(z.string(), Json),
});
export type ProbeResponse = z.infer<typeof ProbeResponseSchema>;

/** One line of a plan: what will change, from what, to what. */
export const PlannedChangeSchema = z.object({
  target: z.string().describe('What changes, e.g. "flag sso.enforce" or "provisioning step dns".'),
  from: Json,
  to: Json,
});

/** POST /v1/actions/plan — a dry run: nothing changes. */
export const PlanRequestSchema = z.strictObject({
  action: z.string().min(1).max(64),
  customerId: CustomerId,
  params: z.record(z.string(), Json),
  /** The wizard run asking, for per-run limits and the audit trail. */
  runId: z.string().min(1).max(100).nullable().default(null),
  wizard: z
    .strictObject({ id: z.string().max(100), version: z.number().int().positive() })
    .nullable()
    .default(null),
});
export const PlanSchema = z.object({
  planId: z.string(),
  action: z.string(),
  actionVersion: z.number().int().positive(),
  risk: z.enum(RISK_LEVELS),
  customer: z.object({ id: z.string(), name: z.string() }),
  params: z.record(z.string(), Json),
  changes: z.array(PlannedChangeSchema),
  /** True when nothing would change (already in the wanted state). */
  isNoop: z.boolean(),
  /** High risk: the user must type the customer's name to confirm. */
  requiresTypedConfirmation: z.boolean(),
  /** High risk: a second user must approve before execution. */
  requiresApproval: z.boolean(),
  expiresAt: IsoTimeSchema,
  /** The stable user id of who planned it (only they may execute it). */
  createdBy: z.string(),
  /** Their name, as people read it (absent from plans made before names were kept). */
  createdByName: z.string().optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** POST /v1/actions/execute — runs a plan once per idempotency key. */
export const ExecuteRequestSchema = z.strictObject({
  planId: z.string().min(1).max(100),
  idempotencyKey: z.string().min(8).max(200),
  /** For high-risk plans: the customer's name, typed by the user. */
  typedConfirmation: z.string().max(300).optional(),
  approvalId: z.string().max(100).optional(),
});
export const ExecutionSchema = z.object({
  executionId: z.string(),
  planId: z.string(),
  idempotencyKey: z.string(),
  status: z.enum(['succeeded', 'failed']),
  /** True when this answer is the stored result of an earlier request with the same key. */
  isReplay: z.boolean(),
  changes: z.array(PlannedChangeSchema),
  result: Json,
  error: z.string().nullable(),
  auditId: z.string(),
  eventId: z.string().nullable().describe('The remediation event written to the customer timeline.'),
  executedAt: IsoTimeSchema,
  /** How many times the server sent the call to the target (a catalog retry policy, same idempotency key); 1 from older servers. */
  attempts: z.number().int().positive().default(1),
});
export type Execution = z.infer<typeof ExecutionSchema>;

/** POST /v1/approvals — ask a second person to approve a high-risk plan. */
export const ApprovalRequestSchema = z.strictObject({
  planId: z.string().min(1).max(100),
  reason: z.string().max(2000).default(''),
});
/** POST /v1/approvals/:id/decision — another user grants or denies. */
export const ApprovalDecisionSchema = z.strictObject({
  decision: z.enum(['granted', 'denied']),
  note: z.string().max(2000).default(''),
});
export const ApprovalSchema = z.object({
  approvalId: z.string(),
  planId: z.string(),
  status: z.enum(['pending', 'granted', 'denied']),
  /** Stable user ids; the approver is always another person than the requester. */
  requestedBy: z.string(),
  decidedBy: z.string().nullable(),
  /** The names people read ("approved by"); absent from approvals made before names were kept. */
  requestedByName: z.string().optional(),
  decidedByName: z.string().nullable().optional(),
  /** The decider's note (why granted or denied). */
  note: z.string(),
  /** Why the requester asks (absent from servers before issue 14's approvals inbox). */
  reason: z.string().optional(),
  /** What is being approved, so the approver sees it. */
  plan: PlanSchema,
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** A wizard in the server's library, as synced in the global bucket (entity `wizard`, id `<id>@<version>`). */
export const WizardRowSchema = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  title: z.string(),
  source: z.string().describe('The YAML text, exactly as published.'),
  hash: z.string(),
  publishedAt: IsoTimeSchema,
  publishedBy: z.string(),
});
export type WizardRow = z.infer<typeof WizardRowSchema>;

/** PUT /v1/wizards — publish a new version (admin). Validated with the shared validator; refused with every issue listed. */
export const PublishWizardRequestSchema = z.strictObject({
  source: z.string().min(1).max(200_000),
  file: z.string().max(300).default('wizard.yaml'),
});

/** Mutation `wizardRun.record` (pushed through the outbox): a finished run, written as a wizard_run event. */
export const WizardRunRecordArgsSchema = z.strictObject({
  runId: z.string().min(1).max(100),
  customerId: CustomerId,
  wizardId: z.string().max(100),
  wizardVersion: z.number().int().positive(),
  outcome: z.string().max(40),
  rootCause: z.string().max(60).nullable(),
  path: z.array(z.string().max(100)).max(500),
  followUps: z.array(z.string().max(500)).max(50),
  startedAt: IsoTimeSchema,
  finishedAt: IsoTimeSchema,
  summary: z.string().max(500),
  body: z.string().max(20_000),
});
/** The arguments of the `wizardRun.record` mutation. */
export type WizardRunRecordArgs = z.infer<typeof WizardRunRecordArgsSchema>;

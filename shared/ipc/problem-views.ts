import { z } from 'zod';
import { CustomerIdSchema } from '../domain';
import { TicketUrlSchema } from '../follow-ups';
import { ProblemFieldsSchema, ProblemSchema, SignatureRuleSchema } from '../problems';
import { SignatureSeenSchema } from './diagnosis-views';
import { FollowUpHistorySchema, ReplacedFieldsSchema } from './follow-up-views';

/** Contract shapes for known problems on the desk (issue 12), read from the synced problems and the cached events. */

const HitSchema = z.object({
  customerId: z.string(),
  linkedBy: z.enum(['signature', 'hand', 'both']),
  occurrences: z.number().int().nonnegative(),
  firstAt: z.string().nullable(),
  lastAt: z.string().nullable(),
  regression: z.object({ at: z.string(), version: z.string() }).nullable(),
});

/** A problem hitting one customer: how often, whether it came back after its fix, and the wizard to try first. */
export const CustomerProblemSchema = z.object({
  problem: ProblemSchema,
  hit: HitSchema,
  /** A known error's (or a regressed problem's) workaround wizard: offered before any other. */
  suggestedWizard: z.string().nullable(),
});
export type CustomerProblem = z.infer<typeof CustomerProblemSchema>;

export const ProblemsForCustomerInputSchema = z.strictObject({ customerId: CustomerIdSchema });
export const ProblemsForCustomerOutputSchema = z.object({ problems: z.array(CustomerProblemSchema) });

/**
 * A known problem as the desk shows it: the synced row with this desk's own
 * writes still on their way folded in (optimistic), and what the cache says it
 * hits fleet-wide.
 */
export const ProblemViewSchema = ProblemSchema.extend({
  /** The synced version; 0 for one this desk made and has not synced yet. */
  ver: z.number().int().nonnegative(),
  /** Still on its way to the server. */
  pending: z.boolean(),
  /** Set when the server refused this desk's change; says what happened and what to do. */
  error: z.string().nullable(),
  /** The newest edit replaced a value someone else had set meanwhile (last writer wins, reported). */
  replaced: ReplacedFieldsSchema.nullable(),
  /** Customers hit (by signature in the cache, or by hand), matching signals, and regressions after the fix. */
  customersHit: z.number().int().nonnegative(),
  occurrences: z.number().int().nonnegative(),
  regressions: z.number().int().nonnegative(),
  lastAt: z.string().nullable(),
});
export type ProblemView = z.infer<typeof ProblemViewSchema>;

export const ProblemsListOutputSchema = z.object({ rows: z.array(ProblemViewSchema) });

export const ProblemHitViewSchema = HitSchema.extend({ customerName: z.string() });
export type ProblemHitView = z.infer<typeof ProblemHitViewSchema>;

export const ProblemDetailSchema = z.object({
  problem: ProblemViewSchema,
  hits: z.array(ProblemHitViewSchema),
  /** Each signature rule seen in the recent window (electron/db/problem-queries.ts), and first and last in the cache. */
  signatures: z.array(SignatureSeenSchema),
});
export type ProblemDetail = z.infer<typeof ProblemDetailSchema>;

export const ProblemIdInputSchema = z.strictObject({ problemId: z.string().min(1).max(64) });
/** One problem; `days`: how far back its signatures are counted ("seen 12 times on 6 customers" in them), 30 when not given. */
export const ProblemGetInputSchema = ProblemIdInputSchema.extend({ days: z.number().int().min(1).max(366).optional() });

/** From a signal (its signature, its customer), a wizard run (its customer, its wizard as the workaround) or by hand. */
export const ProblemCreateInputSchema = z.strictObject({
  title: z.string().trim().min(1, 'Give the problem a title: what fails, for whom.').max(300),
  rules: z.array(SignatureRuleSchema).max(50).default([]),
  customers: z.array(CustomerIdSchema).max(10_000).default([]),
  owner: z.string().trim().min(1).max(200).nullable().optional(),
  workaroundWizard: z.string().min(1).max(100).nullable().optional(),
  workaround: z.string().trim().min(1).max(4000).nullable().optional(),
  ticketUrl: TicketUrlSchema.nullable().optional(),
});
export type ProblemCreateInput = z.input<typeof ProblemCreateInputSchema>;

export const ProblemUpdateInputSchema = z.strictObject({
  problemId: z.string().min(1).max(64),
  set: ProblemFieldsSchema.partial().refine((set) => Object.keys(set).length > 0, 'Change at least one field.'),
});
export type ProblemUpdateInput = z.input<typeof ProblemUpdateInputSchema>;

/** Every write of a problem: who, when, what it set and what it replaced (the follow-ups' shape). */
export const ProblemHistorySchema = FollowUpHistorySchema;
export type ProblemHistory = z.infer<typeof ProblemHistorySchema>;

/** A customer where a fixed problem's signature came back on a version carrying the fix (the fleet's regression marker). */
export const ProblemRegressionSchema = z.object({
  customerId: z.string(),
  problemId: z.string(),
  title: z.string(),
  fixedVersion: z.string(),
  /** The newest signal after the fix, and the version the customer runs. */
  at: z.string(),
  version: z.string(),
});
export type ProblemRegression = z.infer<typeof ProblemRegressionSchema>;
export const ProblemRegressionsOutputSchema = z.object({ rows: z.array(ProblemRegressionSchema) });

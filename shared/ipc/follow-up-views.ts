import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from '../domain';
import { DueDateSchema, FOLLOW_UP_SOURCES, FollowUpFieldsSchema, FollowUpSchema, TicketUrlSchema } from '../follow-ups';
import { NoteHistorySchema } from './views';

/**
 * Contract shapes for follow-ups (issue 12): the Follow-ups view, the
 * customer page's list and counts, and the fleet's counts.
 */

/** Who replaced which fields that someone else had set meanwhile (last writer wins, reported). */
export const ReplacedFieldsSchema = z.object({
  actor: z.string(),
  at: IsoTimeSchema,
  fields: z.array(z.object({ field: z.string(), previous: z.string() })),
});

/** A follow-up as the desk shows it: the synced row with this desk's own writes still on their way folded in. */
export const FollowUpViewSchema = FollowUpSchema.extend({
  customerName: z.string(),
  /** The synced version; 0 for one this desk created and has not synced yet. */
  ver: z.number().int().nonnegative(),
  /** Still on its way to the server. */
  pending: z.boolean(),
  /** Set when the server refused this desk's change; says what happened and what to do. */
  error: z.string().nullable(),
  /** Past its due day and still open or in progress. */
  overdue: z.boolean(),
  /**
   * The newest edit replaced a value someone else had set meanwhile (last
   * writer wins, reported): who replaced what, so both people can see it.
   */
  replaced: ReplacedFieldsSchema.nullable(),
});
export type FollowUpView = z.infer<typeof FollowUpViewSchema>;

export const FollowUpsListInputSchema = z.strictObject({
  /** `mine`: owned by the signed-in person; `overdue`: past due and open; `all`: everything that matches. */
  scope: z.enum(['all', 'mine', 'overdue']).default('all'),
  customerId: CustomerIdSchema.optional(),
  problemId: z.string().min(1).max(100).optional(),
  runId: z.string().min(1).max(100).optional(),
  /** Done and won't-do ones too (default: only open and in progress). */
  includeClosed: z.boolean().default(false),
});
export const FollowUpsListOutputSchema = z.object({
  rows: z.array(FollowUpViewSchema),
  /** The signed-in person's name as owners are written, when the backend said it. */
  me: z.string().nullable(),
  /** The day "overdue" is measured against (the desk's local day). */
  today: z.string(),
});
export type FollowUpsListOutput = z.infer<typeof FollowUpsListOutputSchema>;

export const FollowUpCreateInputSchema = z.strictObject({
  customerId: CustomerIdSchema,
  title: z.string().trim().min(1, 'Give the follow-up a title.').max(500),
  owner: z.string().trim().min(1).max(200).nullable().optional(),
  dueDate: DueDateSchema.nullable().optional(),
  runId: z.string().min(1).max(100).nullable().optional(),
  problemId: z.string().min(1).max(100).nullable().optional(),
  release: z.string().min(1).max(64).nullable().optional(),
  ticketUrl: TicketUrlSchema.nullable().optional(),
  source: z.enum(FOLLOW_UP_SOURCES).optional(),
});
export type FollowUpCreateInput = z.input<typeof FollowUpCreateInputSchema>;

export const FollowUpUpdateInputSchema = z.strictObject({
  followUpId: z.string().min(1).max(64),
  set: FollowUpFieldsSchema.partial().refine((set) => Object.keys(set).length > 0, 'Change at least one field.'),
});
export type FollowUpUpdateInput = z.input<typeof FollowUpUpdateInputSchema>;

/** Open (open + in progress) and overdue counts, fleet-wide and per customer with any. */
export const FollowUpCountsSchema = z.object({
  open: z.number().int().nonnegative(),
  overdue: z.number().int().nonnegative(),
  mine: z.number().int().nonnegative(),
  byCustomer: z.array(
    z.object({
      customerId: z.string(),
      open: z.number().int().nonnegative(),
      overdue: z.number().int().nonnegative(),
    }),
  ),
});
export type FollowUpCounts = z.infer<typeof FollowUpCountsSchema>;

export const FollowUpHistorySchema = z.object({
  // A note's revision header (who, when, which version, what kind), with per-field changes instead of one text.
  revisions: z.array(
    NoteHistorySchema.shape.revisions.element.omit({ body: true }).extend({
      /** What it set, and what it replaced that someone else had set meanwhile. */
      changes: z.array(z.object({ field: z.string(), value: z.string(), replaced: z.string().nullable() })),
    }),
  ),
});
export type FollowUpHistory = z.infer<typeof FollowUpHistorySchema>;

import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from './domain';

/**
 * Follow-ups (issue 12): the work a run, a problem or a person leaves behind
 * ("raise the IdP certificate expiry with the customer's IT"), as records that
 * can be assigned, dated, closed and found again. One follow-up belongs to one
 * customer and syncs in that customer's bucket (entity `follow_up`), like notes.
 *
 * Edits are per-field last-writer-wins against the values their author started
 * from (docs/sync.md, section 4): an edit is always applied, and when it replaced
 * a value someone else set meanwhile the revision says so (`replaced:<field>`)
 * and the result names the other writer, so nobody's change vanishes unseen.
 */

export const FOLLOW_UP_STATES = ['open', 'in_progress', 'done', 'wont_do'] as const;
export type FollowUpState = (typeof FOLLOW_UP_STATES)[number];

/** The states still asking for work (counted on the customer page and the fleet). */
export const OPEN_FOLLOW_UP_STATES: readonly FollowUpState[] = ['open', 'in_progress'];

/** How each state reads. */
export const FOLLOW_UP_STATE_LABELS: Record<FollowUpState, string> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  wont_do: "Won't do",
};

/** Each field in words ("due date"), for messages and history. */
export const FOLLOW_UP_FIELD_WORDS: Record<string, string> = {
  title: 'title',
  owner: 'owner',
  state: 'state',
  dueDate: 'due date',
  problemId: 'problem',
  release: 'release',
  ticketUrl: 'ticket link',
  runId: 'run',
};

/** Where a follow-up came from. */
export const FOLLOW_UP_SOURCES = ['hand', 'run', 'problem'] as const;
export type FollowUpSource = (typeof FOLLOW_UP_SOURCES)[number];

/** A calendar day, `2026-12-03`: due dates have no time of day. */
export const DueDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-12-31')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, 'must be a real calendar day');

/** An external ticket: http(s) only, so a link can never run script. */
export const TicketUrlSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) address such as https://tickets.example.com/T-1234');

const Title = z.string().trim().min(1, 'must not be empty').max(500);
const Person = z.string().trim().min(1).max(200);
const Ref = z.string().min(1).max(100);

/** The fields an edit may change, each with its rule (null clears the optional ones). */
export const FollowUpFieldsSchema = z.strictObject({
  title: Title,
  owner: Person.nullable(),
  state: z.enum(FOLLOW_UP_STATES),
  dueDate: DueDateSchema.nullable(),
  problemId: Ref.nullable(),
  release: z.string().min(1).max(64).nullable(),
  ticketUrl: TicketUrlSchema.nullable(),
});
export type FollowUpFields = z.infer<typeof FollowUpFieldsSchema>;
export type FollowUpField = keyof FollowUpFields;
export const FOLLOW_UP_FIELDS = Object.keys(FollowUpFieldsSchema.shape) as FollowUpField[];

/** A follow-up as the wire and the cache carry it. */
export const FollowUpSchema = z.object({
  id: z.string().min(1).max(64),
  customerId: CustomerIdSchema,
  title: z.string().min(1).max(500),
  owner: z.string().max(200).nullable(),
  state: z.enum(FOLLOW_UP_STATES),
  dueDate: z.string().nullable(),
  runId: z.string().max(100).nullable(),
  problemId: z.string().max(100).nullable(),
  release: z.string().max(64).nullable(),
  ticketUrl: z.string().max(2000).nullable(),
  source: z.enum(FOLLOW_UP_SOURCES),
  createdBy: z.string().max(200),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

/** `followUp.create`: a new follow-up, its id made by the desk (so a resend is the same follow-up). */
export const FollowUpCreateArgsSchema = z.strictObject({
  followUpId: z.string().min(1).max(64),
  customerId: CustomerIdSchema,
  title: Title,
  owner: Person.nullable().default(null),
  state: z.enum(FOLLOW_UP_STATES).default('open'),
  dueDate: DueDateSchema.nullable().default(null),
  runId: Ref.nullable().default(null),
  problemId: Ref.nullable().default(null),
  release: z.string().min(1).max(64).nullable().default(null),
  ticketUrl: TicketUrlSchema.nullable().default(null),
  source: z.enum(FOLLOW_UP_SOURCES).default('hand'),
});
export type FollowUpCreateArgs = z.input<typeof FollowUpCreateArgsSchema>;

/**
 * `followUp.update`: the fields changed (`set`), and what the author's desk
 * showed for them when the edit began (`base`) with the newest version it had
 * seen. A field whose current value is not its base was changed by someone else
 * meanwhile: the edit still wins (last writer), and the revision records what it replaced.
 */
export const FollowUpUpdateArgsSchema = z.strictObject({
  followUpId: z.string().min(1).max(64),
  baseVer: z.number().int().nonnegative(),
  set: FollowUpFieldsSchema.partial().refine((set) => Object.keys(set).length > 0, 'must change at least one field'),
  base: z.record(z.string(), z.string().max(2000).nullable()).default({}),
});
export type FollowUpUpdateArgs = z.input<typeof FollowUpUpdateArgsSchema>;

/** The prefix of a revision field that holds the value an edit replaced (`replaced:state`). */
export const REPLACED_PREFIX = 'replaced:';

/** Whether a follow-up is past its due day on `today` (`YYYY-MM-DD`) and still open. */
export function isOverdue(followUp: Pick<FollowUp, 'state' | 'dueDate'>, today: string): boolean {
  return followUp.dueDate !== null && followUp.dueDate < today && OPEN_FOLLOW_UP_STATES.includes(followUp.state);
}

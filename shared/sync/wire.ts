import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from '../domain';
import { CUSTOMER_ID_PATTERN } from '../routes';
import { PlanSchema, WizardRunRecordArgsSchema } from '../remediation/wire';
import { FollowUpCreateArgsSchema, FollowUpUpdateArgsSchema } from '../follow-ups';
import { ProblemCreateArgsSchema, ProblemUpdateArgsSchema } from '../problems';

/**
 * The sync wire format between desk and server (see SYNC-PROTOCOL.md in the
 * team notes). Both sides validate with these schemas; the desk validates a whole
 * response before writing any of it.
 */
export const PROTOCOL_VERSION = 1;

/** Largest number of mutations the server accepts in one push. */
export const MAX_PUSH_MUTATIONS = 500;
/** Largest number of buckets in one pull request. */
export const MAX_PULL_BUCKETS = 500;
/** Largest number of ops the server returns in one pull response (all buckets together). */
export const MAX_PULL_LIMIT = 10_000;

/**
 * Longest cursor and page token: they hold a change-feed position, which lists
 * the server's transactions still running when it was read (at most 32 of them).
 */
export const MAX_CURSOR_LENGTH = 2_000;
export const MAX_PAGE_TOKEN_LENGTH = 3_000;

/** The bucket holding fleet-wide rows (releases, wizards, known problems). */
export const GLOBAL_BUCKET = 'global';
/** The bucket of one customer. */
export function customerBucket(customerId: string): string {
  return `customer:${customerId}`;
}
/** The customer id of a customer bucket, or null. */
export function bucketCustomerId(bucket: string): string | null {
  return bucket.startsWith('customer:') ? bucket.slice('customer:'.length) : null;
}

/** `global`, or `customer:<customer id>`. */
export const BucketIdSchema = z
  .string()
  .refine((bucket) => bucket === 'global' || CUSTOMER_ID_PATTERN.test(bucketCustomerId(bucket) ?? ''), 'must be a bucket id');

/** Entities carried by sync ops. */
export const SYNC_ENTITIES = [
  'customer',
  'feature',
  'event',
  'note',
  'release',
  'wizard',
  'catalog',
  'revision',
  'follow_up',
  'problem',
  'links',
] as const;
export const SyncEntitySchema = z.string().regex(/^[a-z][a-z_]{0,31}$/);

export const OpSchema = z.object({
  op: z.enum(['put', 'del']),
  entity: SyncEntitySchema,
  id: z.string().min(1).max(300),
  ver: z.number().int().nonnegative(),
  row: z.unknown().optional(),
});
export type Op = z.infer<typeof OpSchema>;

export const MutationSchema = z.object({
  seq: z.number().int().positive(),
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  v: z.number().int().positive(),
  clientTime: IsoTimeSchema,
  args: z.unknown(),
});
export type Mutation = z.infer<typeof MutationSchema>;

export const PushRequestSchema = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  clientId: z.string().min(8).max(64),
  schemaVersion: z.number().int().positive(),
  mutations: z.array(MutationSchema).min(1).max(MAX_PUSH_MUTATIONS),
});
export type PushRequest = z.infer<typeof PushRequestSchema>;

/**
 * A row a mutation wrote, at the version it wrote. The desk keeps the mutation
 * in its outbox until its cache holds each of these rows at that version or
 * newer: acknowledged data never disappears from the desk while it is on its way.
 */
export const ProducedRowSchema = z.object({
  bucket: BucketIdSchema,
  entity: SyncEntitySchema,
  id: z.string().min(1).max(300),
  ver: z.number().int().positive(),
});
export type ProducedRow = z.infer<typeof ProducedRowSchema>;

/**
 * Why an edit was not applied: the field changed since the text its author
 * started from, by someone else, and the two edits touch the same lines. The
 * desk shows both texts to the author, who keeps theirs, takes this one, or merges.
 */
export const EditConflictSchema = z.object({
  entity: SyncEntitySchema,
  id: z.string().min(1).max(300),
  field: z.string().min(1).max(64),
  /** The row version the current value belongs to. */
  ver: z.number().int().positive(),
  /** The current value on the server ("theirs"). */
  value: z.string().max(100_000),
  /** Who wrote the current value, and when. */
  actor: z.string().max(200),
  at: IsoTimeSchema,
});
export type EditConflict = z.infer<typeof EditConflictSchema>;

export const MutationResultSchema = z.object({
  seq: z.number().int().positive(),
  status: z.enum(['applied', 'rejected']),
  /** With `applied`: `merged` (a concurrent edit was merged in). With `rejected`: why, e.g. `conflict`. */
  code: z.string().optional(),
  message: z.string().optional(),
  produced: z.array(ProducedRowSchema).max(100).optional(),
  conflict: EditConflictSchema.optional(),
});
export type MutationResult = z.infer<typeof MutationResultSchema>;

export const PushResponseSchema = z.object({
  lastSeq: z.number().int().nonnegative(),
  results: z.array(MutationResultSchema),
});
export type PushResponse = z.infer<typeof PushResponseSchema>;

export const PullRequestSchema = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  clientId: z.string().min(8).max(64),
  schemaVersion: z.number().int().positive(),
  limit: z.number().int().positive().max(MAX_PULL_LIMIT),
  buckets: z
    .array(
      z.strictObject({
        bucket: BucketIdSchema,
        cursor: z.string().max(MAX_CURSOR_LENGTH).nullable(),
        pageToken: z.string().max(MAX_PAGE_TOKEN_LENGTH).nullable().optional(),
      }),
    )
    .max(MAX_PULL_BUCKETS),
});
export type PullRequest = z.infer<typeof PullRequestSchema>;

export const BucketPageSchema = z.object({
  bucket: BucketIdSchema,
  ops: z.array(OpSchema),
  cursor: z.string().max(MAX_CURSOR_LENGTH),
  hasMore: z.boolean(),
  bootstrap: z.object({ pageToken: z.string().max(MAX_PAGE_TOKEN_LENGTH).nullable(), done: z.boolean() }).optional(),
});
export const BucketResetSchema = z.object({
  bucket: BucketIdSchema,
  reset: z.literal(true),
  reason: z.enum(['cursor_expired', 'rekeyed']),
});

export const PullResponseSchema = z.object({
  buckets: z.array(z.union([BucketPageSchema, BucketResetSchema])),
  addedBuckets: z.array(BucketIdSchema),
  removedBuckets: z.array(BucketIdSchema),
  acked: z.object({ lastSeq: z.number().int().nonnegative(), results: z.array(MutationResultSchema) }),
  /**
   * Set when the server knows it may be holding changes back: a write
   * transaction of its database has been running since then (its rows arrive
   * when it commits). Desks say "server delayed since …" instead of "in sync".
   */
  delayedSince: IsoTimeSchema.nullable().optional(),
});
export type PullResponse = z.infer<typeof PullResponseSchema>;
export type BucketPage = z.infer<typeof BucketPageSchema>;

/**
 * GET /v1/sync/identity: which backend (its database's epoch) and which user
 * this token is. The desk binds every local write to this pair and sends it only
 * to the same backend as the same user (issue 9).
 */
export const SyncIdentitySchema = z.object({
  serverId: z.string().regex(/^[0-9a-f]{1,64}$/),
  userId: z.string().min(1).max(200),
  /** The name people read for this user (notes, follow-up owners); servers before issue 12 send none. */
  name: z.string().min(1).max(200).optional(),
});
export type SyncIdentity = z.infer<typeof SyncIdentitySchema>;

/** A data-less poke on the event stream. */
export const PokeSchema = z.object({ type: z.literal('poke'), buckets: z.array(BucketIdSchema) });
/**
 * The last line of an event stream the server ended because its sign-in no
 * longer holds (`token_expired`, `token_revoked`, `unauthorized`): get a fresh
 * token (or sign in again) before reconnecting.
 */
export const StreamClosedSchema = z.object({ type: z.literal('closed'), reason: z.string() });

/** Error body of every 4xx/5xx from the server. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  expected: z.number().int().optional(),
  minSchemaVersion: z.number().int().optional(),
  /** Batch endpoints: position of the first invalid item, and the path of its bad field (`severity`, `source.externalId`). */
  index: z.number().int().optional(),
  field: z.string().optional(),
  /** Ingest: the bad item's place in the producer's payload (`alerts[2]`, `events[0]`). */
  item: z.string().optional(),
  /** 403 on a route the caller's roles do not allow: the roles that would. */
  needs: z.array(z.string()).optional(),
  /** Ingest: customer ids that do not exist (422) or lie outside the token's scope (403). */
  customerIds: z.array(z.string()).optional(),
  /** 409 plan_changed: the new plan the server made when the confirmed one no longer held (review and confirm it). */
  plan: PlanSchema.optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** Mutations the desk may push, with their argument schemas. */
export const NoteCreateArgsSchema = z.strictObject({
  noteId: z.string().min(1).max(64),
  customerId: CustomerIdSchema,
  eventId: z.string().max(64).nullable(),
  body: z.string().trim().min(1).max(20_000),
});
export const NoteUpdateArgsSchema = z.strictObject({
  noteId: z.string().min(1).max(64),
  body: z.string().trim().min(1).max(20_000),
  /** The newest row version the author's desk had seen (0 for a note it created and has not synced yet). */
  baseVer: z.number().int().nonnegative(),
  /**
   * Version 2: the text the author started from — the synced text, or the
   * desk's own earlier edit still on its way. The edit applies when the note
   * still says this, merges when only other lines changed, and is refused as a
   * conflict otherwise. Version 1 desks send only `baseVer`.
   */
  baseBody: z.string().max(20_000).optional(),
});

/**
 * One write of a synced row, kept by the server and synced in the row's bucket
 * (entity `revision`): who, when, what. `kind`: `create`, `edit` (applied on
 * the text it started from), `merge` (applied merged with a concurrent edit),
 * `conflict` (refused; `ver` is null and `fields` holds the text that lost, kept
 * so nothing is overwritten without a record). Any entity with text fields
 * uses the same shape (notes today, follow-ups next).
 */
export const RevisionSchema = z.object({
  id: z.string().min(1).max(64),
  entity: SyncEntitySchema,
  rowId: z.string().min(1).max(300),
  ver: z.number().int().positive().nullable(),
  kind: z.enum(['create', 'edit', 'merge', 'conflict']),
  actor: z.string().max(200),
  at: IsoTimeSchema,
  baseVer: z.number().int().nonnegative().nullable(),
  fields: z.record(z.string(), z.string().max(100_000)),
});
export type Revision = z.infer<typeof RevisionSchema>;
export const MUTATION_ARGS = {
  'note.create': NoteCreateArgsSchema,
  'note.update': NoteUpdateArgsSchema,
  /** A finished wizard run, written as a wizard_run event on the customer's timeline. */
  'wizardRun.record': WizardRunRecordArgsSchema,
  /** Follow-ups (issue 12): made by hand, from a run or a problem; edited per field, last writer wins, reported. */
  'followUp.create': FollowUpCreateArgsSchema,
  'followUp.update': FollowUpUpdateArgsSchema,
  /** Known problems (issue 12), fleet-wide (global bucket). */
  'problem.create': ProblemCreateArgsSchema,
  'problem.update': ProblemUpdateArgsSchema,
} as const;
export type MutationName = keyof typeof MUTATION_ARGS;

/** Largest number of events in one ingest batch. */
export const MAX_INGEST_BATCH = 10_000;

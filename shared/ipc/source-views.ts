import { z } from 'zod';
import { CustomerIdSchema, SEVERITIES } from '../domain';
import { DRAFT_FIELDS, SOURCE_KINDS, SourceDraftSchema, SourceIdSchema, SourceSettingsSchema } from '../ingest-sources';

/*
 * The desk's Sources page (issue 10): what the core reads from the server's admin
 * API for an admin, and what it answers when an admin adds, rotates or removes a
 * source. A credential crosses this boundary once, in the answer of the call that
 * made it, and is never kept by the core.
 */

/** The last delivery the server refused, with the reason in support words and the next step. */
export const SourceRefusalSchema = z.object({
  at: z.string(),
  status: z.number().int().nullable(),
  code: z.string().nullable(),
  /** The server's own message (never a credential: no answer carries one). */
  message: z.string(),
  headline: z.string(),
  next: z.string(),
});

/** One source on the Sources page. */
export const SourceViewSchema = z.object({
  id: z.string(),
  kind: z.enum(SOURCE_KINDS),
  name: z.string(),
  /** `file`: declared in the server's --sources file (changed there, not here). */
  origin: z.enum(['api', 'file']),
  credential: z.enum(['url_token', 'hmac']),
  /** The address to give the producer; token sources show `<token>` where their token goes. */
  url: z.string(),
  customerMapping: z.string(),
  defaults: z.object({ severity: z.enum(SEVERITIES), feature: z.string().nullable() }),
  accepted: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  /** Items kept because they named no known customer. */
  unmatched: z.number().int().nonnegative(),
  lastDeliveryAt: z.string().nullable(),
  lastRefusal: SourceRefusalSchema.nullable(),
  /** `waiting`: nothing has arrived yet; `refusing`: the newest delivery was refused; else `receiving`. */
  state: z.enum(['waiting', 'receiving', 'refusing']),
  /** Its settings as the change form starts from them; null when this desk cannot read the server's config. */
  settings: SourceSettingsSchema.nullable(),
});
export type SourceView = z.output<typeof SourceViewSchema>;

export const SourcesListSchema = z.object({
  sources: z.array(SourceViewSchema),
  /** Why the list cannot be shown (no backend, not an admin), in words; null when it can. */
  unavailable: z.string().nullable(),
});
export type SourcesList = z.output<typeof SourcesListSchema>;

/** A credential just made: shown once, never stored by the desk. */
export const NewCredentialSchema = z.object({
  kind: z.enum(['url_token', 'hmac']),
  /** The URL token or the HMAC secret. */
  value: z.string(),
  /** The producer's URL, with the token in it for token sources. */
  url: z.string(),
});
export type NewCredential = z.output<typeof NewCredentialSchema>;

/** A problem with a draft, for the field it is shown under. */
export const DraftProblemSchema = z.object({ field: z.enum(DRAFT_FIELDS), message: z.string() });
export type DraftProblem = z.output<typeof DraftProblemSchema>;

export const SourceAddInputSchema = SourceDraftSchema;

export const SourceAddOutputSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('created'), source: SourceViewSchema, credential: NewCredentialSchema }),
  z.object({ status: z.literal('refused'), problems: z.array(DraftProblemSchema).min(1) }),
]);
export type SourceAddOutput = z.output<typeof SourceAddOutputSchema>;

export const SourceIdInputSchema = z.strictObject({ id: SourceIdSchema });

export const SourceRotateOutputSchema = z.object({ id: z.string(), credential: NewCredentialSchema });
export type SourceRotateOutput = z.output<typeof SourceRotateOutputSchema>;

/** One item a source kept because it named no known customer, as the Sources page lists it. */
export const UnmatchedItemSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  /** The name the payload uses for its customer (what an alias maps); null when it names none. */
  customerKey: z.string().nullable(),
  /** Why it matched no customer, in support words. */
  reason: z.string(),
  kind: z.string().nullable(),
  summary: z.string().nullable(),
  occurredAt: z.string().nullable(),
  /** The event it would make, as indented JSON with credential-like values hidden (shared/ingest-sources.ts unmatchedPreview). */
  preview: z.string(),
});
export type UnmatchedItem = z.output<typeof UnmatchedItemSchema>;

export const SourceUnmatchedOutputSchema = z.object({
  id: z.string(),
  items: z.array(UnmatchedItemSchema),
  /** Whether the server has more than it listed (it lists the oldest first, up to its limit). */
  isCut: z.boolean(),
});
export type SourceUnmatchedOutput = z.output<typeof SourceUnmatchedOutputSchema>;

/** Maps the name a source's payloads use to a customer (a per-source alias), then re-maps the source's unmatched items. */
export const SourceMapKeyInputSchema = z.strictObject({
  id: SourceIdSchema,
  /** Exactly as the payloads carry it. */
  key: z.string().min(1).max(256),
  customerId: CustomerIdSchema,
});
export type SourceMapKeyInput = z.output<typeof SourceMapKeyInputSchema>;

/** What re-mapping did: items that now match are on their customers' timelines and left the queue. */
export const SourceRemapOutputSchema = z.object({
  id: z.string(),
  remapped: z.number().int().nonnegative(),
  stillUnmatched: z.number().int().nonnegative(),
});
export type SourceRemapOutput = z.output<typeof SourceRemapOutputSchema>;

export const SourceMapKeyOutputSchema = z.discriminatedUnion('status', [
  SourceRemapOutputSchema.extend({ status: z.literal('mapped'), key: z.string(), customerId: z.string() }),
  z.object({
    status: z.literal('refused'),
    problems: z.array(z.object({ field: z.literal('customer'), message: z.string() })).min(1),
  }),
]);
export type SourceMapKeyOutput = z.output<typeof SourceMapKeyOutputSchema>;

/** A source's changed settings (`sources:update`): its id and kind stay, its aliases and credential too. */
export const SourceUpdateInputSchema = SourceSettingsSchema;

export const SourceUpdateOutputSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('updated'), source: SourceViewSchema }),
  z.object({ status: z.literal('refused'), problems: z.array(DraftProblemSchema).min(1) }),
]);
export type SourceUpdateOutput = z.output<typeof SourceUpdateOutputSchema>;

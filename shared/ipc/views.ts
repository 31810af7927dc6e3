import { z } from 'zod';
import { EventIdLinkSchema } from '../links';
import { ApprovalSchema } from '../remediation/wire';
import {
  CustomerFeatureSchema,
  CustomerIdSchema,
  CustomerSchema,
  HEALTH_STATES,
  IsoTimeSchema,
  SEVERITIES,
  TimelineEventSchema,
} from '../domain';
import { MAX_PAGE } from './limits';

/**
 * Shapes that cross the contract for the customer, timeline, search and notes
 * features. Pages carry at most {@link MAX_PAGE} rows (./limits, zod-free for the page's first screen, #15).
 */
export { MAX_PAGE } from './limits';

/** One row of the fleet: the customer plus what the fleet view sorts and filters by. */
export const CustomerSummarySchema = CustomerSchema.extend({
  versionsBehind: z.number().int().nonnegative().nullable(),
  openAlerts: z.number().int().nonnegative(),
  openIncidents: z.number().int().nonnegative(),
  openTickets: z.number().int().nonnegative(),
  lastEventAt: IsoTimeSchema.nullable(),
  /** Onboarding with a stuck provisioning step (failed, or running for over a day): the fleet's "onboarding and stuck". */
  setupStuck: z.boolean().default(false),
});
export type CustomerSummary = z.infer<typeof CustomerSummarySchema>;

export const CustomersListInputSchema = z.strictObject({
  after: z.string().max(200).nullable().optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).optional(),
});
export const CustomersListOutputSchema = z.object({
  rows: z.array(CustomerSummarySchema),
  nextCursor: z.string().nullable(),
  latestVersion: z.string().nullable(),
});

/** A compact timeline row; the full event comes from `events:get`. */
export const TimelineRowSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  occurredAt: IsoTimeSchema,
  recordedAt: IsoTimeSchema,
  kind: z.string(),
  severity: z.enum(SEVERITIES),
  summary: z.string(),
  feature: z.string().nullable(),
  sourceSystem: z.string(),
  actor: z.string().nullable(),
  noteCount: z.number().int().nonnegative(),
});
export type TimelineRow = z.infer<typeof TimelineRowSchema>;

export const TimelineFiltersSchema = z.strictObject({
  kinds: z.array(z.string().max(48)).max(50).optional(),
  severities: z.array(z.enum(SEVERITIES)).max(5).optional(),
  features: z.array(z.string().max(64)).max(100).optional(),
  sources: z.array(z.string().max(64)).max(50).optional(),
  from: IsoTimeSchema.optional(),
  to: IsoTimeSchema.optional(),
  text: z.string().max(200).optional(),
  changesOnly: z.boolean().optional(),
});
export type TimelineFilters = z.infer<typeof TimelineFiltersSchema>;

export const TimelinePageInputSchema = z.strictObject({
  customerId: CustomerIdSchema,
  /** `desc` = newest first (default). */
  direction: z.enum(['desc', 'asc']).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).optional(),
  /** Opaque cursor from the previous page. */
  cursor: z.string().max(200).nullable().optional(),
  /** Start the page at this moment instead of at an end (jump to date, deep links). */
  startAt: IsoTimeSchema.optional(),
  filters: TimelineFiltersSchema.optional(),
});
export const TimelinePageOutputSchema = z.object({
  rows: z.array(TimelineRowSchema),
  nextCursor: z.string().nullable(),
  /**
   * Number of events matching the filters (all pages); null when counting them would delay the page
   * (a combination of filters over a long history): `timeline:count` gives it, off the page's path.
   */
  total: z.number().int().nonnegative().nullable(),
  /**
   * A text filter was asked while this customer's events are not all in the search index yet (it is built after the
   * bootstrap, issue 13): matches may be missing until it is done. Absent when there is no text filter.
   */
  isTextIndexing: z.boolean().optional(),
});

/** The exact count a page left out (its `total` was null). */
export const TimelineCountInputSchema = z.strictObject({
  customerId: CustomerIdSchema,
  filters: TimelineFiltersSchema.optional(),
});

/** A note as the desk shows it; `pending` until the server acknowledged it. */
export const NoteViewSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  eventId: z.string().nullable(),
  author: z.string(),
  body: z.string(),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
  ver: z.number().int().nonnegative(),
  pending: z.boolean(),
  /** Set when the server refused the change; says what happened. */
  error: z.string().nullable(),
  /**
   * Set when this user's edit lost to a concurrent one (issue 9): "changed by
   * <theirs.actor> while you edited", with both texts; the note shows theirs
   * until the author keeps theirs, takes this one, or merges (`notes:resolveConflict`).
   */
  conflict: z
    .object({
      mine: z.string(),
      /** The text both edits started from, when known (it makes the merge draft). */
      base: z.string().nullable(),
      theirs: z.object({ body: z.string(), actor: z.string(), at: IsoTimeSchema, ver: z.number().int().positive() }),
    })
    .nullable()
    .default(null),
});
export type NoteView = z.infer<typeof NoteViewSchema>;

/** Every write of a note, oldest first: who, when, what (`conflict`: an edit that lost, kept as a record). */
export const NoteHistorySchema = z.object({
  revisions: z.array(
    z.object({
      id: z.string(),
      ver: z.number().int().positive().nullable(),
      kind: z.enum(['create', 'edit', 'merge', 'conflict']),
      actor: z.string(),
      at: IsoTimeSchema,
      body: z.string(),
    }),
  ),
});
export type NoteHistory = z.infer<typeof NoteHistorySchema>;

export const NoteResolveConflictInputSchema = z.strictObject({
  noteId: z.string().min(1).max(64),
  /** mine: send my text over theirs; theirs: drop mine; merge: send `body` (required), edited from both. */
  choice: z.enum(['mine', 'theirs', 'merge']),
  body: z.string().trim().min(1, 'a note needs some text').max(20_000).optional(),
});

export const OpenItemSchema = z.object({
  thread: z.string(),
  kind: z.string(),
  severity: z.enum(SEVERITIES),
  summary: z.string(),
  eventId: z.string(),
  openedAt: IsoTimeSchema,
  feature: z.string().nullable(),
});
export type OpenItem = z.infer<typeof OpenItemSchema>;

export const CustomerDetailSchema = z.object({
  customer: CustomerSummarySchema,
  features: z.array(CustomerFeatureSchema),
  openItems: z.array(OpenItemSchema),
  latestVersion: z.string().nullable(),
  notes: z.array(NoteViewSchema),
  /** Distinct values present in this customer's history, for filter menus. */
  facets: z.object({ kinds: z.array(z.string()), features: z.array(z.string()), sources: z.array(z.string()) }),
});
export type CustomerDetail = z.infer<typeof CustomerDetailSchema>;

export const EventDetailSchema = z.object({
  event: TimelineEventSchema,
  notes: z.array(NoteViewSchema),
  /** Its ticket id, incident id and alert name, linked by the server's templates (issue 14). */
  idLinks: z.array(EventIdLinkSchema),
});
export type EventDetail = z.infer<typeof EventDetailSchema>;

export const PrecedingChangesInputSchema = z.strictObject({
  eventId: z.string().min(1).max(64),
  windowHours: z
    .number()
    .min(1)
    .max(24 * 90)
    .optional(),
});

/** Text with the matching words marked, as plain segments (never HTML). */
export const HighlightSchema = z.array(z.object({ text: z.string(), match: z.boolean() }));
export type Highlight = z.infer<typeof HighlightSchema>;

export const SearchInputSchema = z.strictObject({
  text: z.string().max(200),
  limit: z.number().int().min(1).max(500).optional(),
  /** The customer whose page the engineer is on: its results come first (#15, item 13). */
  firstCustomerId: CustomerIdSchema.nullish(),
});
export const SearchOutputSchema = z.object({
  groups: z.array(
    z.object({
      customerId: z.string(),
      customerName: HighlightSchema,
      health: z.enum(HEALTH_STATES),
      customerMatched: z.boolean(),
      events: z.array(
        z.object({
          id: z.string(),
          occurredAt: IsoTimeSchema,
          kind: z.string(),
          severity: z.enum(SEVERITIES),
          summary: HighlightSchema,
          snippet: HighlightSchema,
        }),
      ),
    }),
  ),
  /**
   * Customers whose events are still being indexed for search (after their bootstrap, issue 13) and how many
   * events those customers hold: their matches may be missing until it is done. Null when everything is indexed.
   */
  indexing: z.object({ customers: z.number().int().nonnegative(), events: z.number().int().nonnegative() }).nullable(),
  tookMs: z.number(),
});
export type SearchOutput = z.infer<typeof SearchOutputSchema>;

export const NoteCreateInputSchema = z.strictObject({
  customerId: CustomerIdSchema,
  eventId: z.string().min(1).max(64).nullable().optional(),
  body: z.string().trim().min(1, 'a note needs some text').max(20_000),
});
export const NoteUpdateInputSchema = z.strictObject({
  noteId: z.string().min(1).max(64),
  body: z.string().trim().min(1, 'a note needs some text').max(20_000),
});

/** Which backend the desk syncs with. The token never crosses to the renderer. */
export const BackendSettingsSchema = z.object({
  mode: z.enum(['demo', 'remote']),
  url: z.string().nullable(),
  hasToken: z.boolean(),
});
export const BackendSetInputSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('demo') }),
  z.strictObject({
    mode: z.literal('remote'),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    /** A static token (automation, or a server without an identity provider); people sign in instead. */
    token: z.string().min(1).max(4096).optional(),
  }),
]);

/**
 * Who is at the desk (`identity:get`, `identity:changed`). Never a token: the
 * renderer learns the person's name and roles, and where secrets are kept.
 */
export const IdentityViewSchema = z.object({
  /** `oidc`: people sign in with the backend's identity provider; `token`: a static token; `demo`: the built-in backend; `none`: no backend. */
  method: z.enum(['oidc', 'token', 'demo', 'none']),
  /** The signed-in person (or the static token's user), as the server knows them; null until known. */
  user: z
    .object({
      userId: z.string(),
      name: z.string(),
      email: z.string().nullable(),
      roles: z.array(z.string()),
    })
    .nullable(),
  /** The identity provider (oidc), for "Sign in with https://login.example.com". */
  issuer: z.string().nullable(),
  /** True when the backend needs a person to sign in before the desk can sync. */
  signInNeeded: z.boolean(),
  /** Where sign-ins and tokens are kept (the OS keychain, a user-only file, or memory). */
  secrets: z.object({
    kind: z.enum(['keychain', 'file', 'memory']),
    description: z.string(),
    needsConsent: z.boolean(),
  }),
});
export type IdentityView = z.output<typeof IdentityViewSchema>;
/**
 * How the desk shows things (issue 14): times in the viewer's own zone or in UTC
 * (tickets and server logs speak UTC). Kept in settings.json by the desk core.
 */
export const DisplayTimeZoneSchema = z.enum(['local', 'utc']);
export type DisplayTimeZone = z.output<typeof DisplayTimeZoneSchema>;
export const PreferencesSchema = z.object({ timeZone: DisplayTimeZoneSchema });
export type Preferences = z.output<typeof PreferencesSchema>;
export const PreferencesSetInputSchema = z.strictObject({ timeZone: DisplayTimeZoneSchema });

export const SignOutInputSchema = z.strictObject({
  /** Also delete the cached customer data on this computer (the outbox of unsent writes stays). */
  forgetCache: z.boolean().default(false),
});

/** Payload of `cache:changed`: which customers' cached data changed. */
export const CacheChangedSchema = z.object({
  customerIds: z.array(z.string()),
  global: z.boolean(),
  /** Only these customers' search index changed: their events became searchable (built after the bootstrap, issue 13). */
  searchIndexed: z.boolean().optional(),
});

/**
 * Local writes the desk keeps, grouped by the backend and user they were
 * written for (issue 9): the current group is being sent; the others wait for
 * their backend and are never sent anywhere else.
 */
export const OutboxListSchema = z.object({
  groups: z.array(
    z.object({
      /** Opaque; pass it to `outbox:discard`. */
      backendKey: z.string(),
      /** "https://ops.example.com as dana", "the demo backend as you". */
      label: z.string(),
      isCurrent: z.boolean(),
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          /** What the write was, in words: "Note on acme: Called the customer…". */
          summary: z.string(),
          status: z.enum(['pending', 'applied', 'rejected', 'conflict']),
          clientTime: IsoTimeSchema,
          error: z.string().nullable(),
        }),
      ),
    }),
  ),
});
export type OutboxList = z.infer<typeof OutboxListSchema>;

export const OutboxDiscardInputSchema = z.strictObject({ backendKey: z.string().min(1).max(300) });

/**
 * The approvals inbox (issue 14): other people's high-risk plans waiting for a
 * decision that the signed-in person may give. `reason` says why the list is
 * empty when it cannot be otherwise (no approver role, offline, no backend).
 */
export const ApprovalsInboxSchema = z.object({
  approvals: z.array(ApprovalSchema),
  /** The person's own requests still waiting: shown, never theirs to decide (the server refuses self-approval). */
  yours: z.array(ApprovalSchema),
  unavailable: z.string().nullable(),
});
export type ApprovalsInbox = z.infer<typeof ApprovalsInboxSchema>;

export const ApprovalDecideInputSchema = z.strictObject({
  approvalId: z.string().min(1).max(100),
  decision: z.enum(['granted', 'denied']),
  /** Why: required to decline, kept with the decision and shown on the run and the timeline. */
  note: z.string().max(2000),
});

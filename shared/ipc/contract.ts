import { UpdateStatusSchema, UpdatesSetChannelInputSchema } from './update-views';
import { z } from 'zod';
import type { Channel, Domain, EventName, Verb } from './channels';
import type { Result } from './result';
import {
  BackendSetInputSchema,
  BackendSettingsSchema,
  IdentityViewSchema,
  PreferencesSchema,
  PreferencesSetInputSchema,
  SignOutInputSchema,
  CacheChangedSchema,
  CustomerDetailSchema,
  CustomersListInputSchema,
  CustomersListOutputSchema,
  EventDetailSchema,
  NoteCreateInputSchema,
  NoteUpdateInputSchema,
  NoteViewSchema,
  NoteHistorySchema,
  NoteResolveConflictInputSchema,
  OutboxDiscardInputSchema,
  OutboxListSchema,
  PrecedingChangesInputSchema,
  SearchInputSchema,
  SearchOutputSchema,
  TimelinePageInputSchema,
  TimelinePageOutputSchema,
  TimelineCountInputSchema,
  TimelineRowSchema,
  ApprovalDecideInputSchema,
  ApprovalsInboxSchema,
} from './views';
import { CustomerIdSchema } from '../domain';
import { ApprovalSchema } from '../remediation/wire';
import {
  CustomerDiagnosisInputSchema,
  CustomerDiagnosisSchema,
  CustomerSetupSchema,
  ReleasesOutputSchema,
  SignalSeriesInputSchema,
  SignalSeriesSchema,
  SuspectsInputSchema,
  SuspectsOutputSchema,
  WhoElseInputSchema,
  WhoElseOutputSchema,
} from './diagnosis-views';
import {
  RunActInputSchema,
  RunChangedSchema,
  RunsHistoryInputSchema,
  RunsHistoryOutputSchema,
  RunsListInputSchema,
  RunsListOutputSchema,
  RunStartInputSchema,
  RunViewSchema,
  WizardDetailSchema,
  WizardGetInputSchema,
  WizardsListInputSchema,
  WizardsListOutputSchema,
} from './wizard-views';
import {
  FollowUpCountsSchema,
  FollowUpCreateInputSchema,
  FollowUpHistorySchema,
  FollowUpsListInputSchema,
  FollowUpsListOutputSchema,
  FollowUpUpdateInputSchema,
  FollowUpViewSchema,
} from './follow-up-views';
import { InsightsReportSchema } from '../insights';
import {
  SourceAddInputSchema,
  SourceAddOutputSchema,
  SourceIdInputSchema,
  SourceMapKeyInputSchema,
  SourceMapKeyOutputSchema,
  SourceRemapOutputSchema,
  SourceRotateOutputSchema,
  SourceUnmatchedOutputSchema,
  SourceUpdateInputSchema,
  SourceUpdateOutputSchema,
  SourcesListSchema,
} from './source-views';
import {
  ProblemCreateInputSchema,
  ProblemDetailSchema,
  ProblemHistorySchema,
  ProblemGetInputSchema,
  ProblemIdInputSchema,
  ProblemsForCustomerInputSchema,
  ProblemsForCustomerOutputSchema,
  ProblemsListOutputSchema,
  ProblemRegressionsOutputSchema,
  ProblemUpdateInputSchema,
  ProblemViewSchema,
} from './problem-views';

const noInput = z.undefined();

/** How the app runs: an Electron window, or the same app served to a browser on loopback. */
export const RunModeSchema = z.enum(['desktop', 'browser']);

/** An in-app route (see `shared/routes.ts`), as carried by `app:linkOpened`. */
export const AppRouteSchema = z.discriminatedUnion('view', [
  z.object({ view: z.literal('fleet') }),
  z.object({ view: z.literal('customers') }),
  z.object({ view: z.literal('customer'), customerId: z.string(), at: z.string().optional() }),
  z.object({ view: z.literal('wizards') }),
  z.object({ view: z.literal('run'), runId: z.string() }),
  z.object({ view: z.literal('sync') }),
  z.object({ view: z.literal('followups') }),
  z.object({ view: z.literal('about') }),
]);

/** What `app:info` answers: values read from the running desk core. */
export const AppInfoSchema = z.object({
  appVersion: z.string(),
  mode: RunModeSchema,
  dataDir: z.string(),
  cachePath: z.string(),
  cacheSchemaVersion: z.number().int().nonnegative(),
  platform: z.string(),
});

/** The connection state shown in the header. `offline` keeps the cache browsable. */
export const SyncStateSchema = z.enum(['not_configured', 'online', 'offline', 'syncing', 'error']);

/** What `sync:status` answers and `sync:changed` carries. */
export const SyncStatusSchema = z.object({
  state: SyncStateSchema,
  lastSyncAt: z.string().nullable(),
  pendingOutbox: z.number().int().nonnegative(),
  /** Local writes kept for another backend or user (issue 9): shown as waiting, never sent here. */
  waitingOutbox: z.number().int().nonnegative().default(0),
  /** Edits of this user that lost to a concurrent edit and wait for a decision (keep, take theirs, merge). */
  conflicts: z.number().int().nonnegative().default(0),
  message: z.string().nullable(),
  /** True while any bucket is still bootstrapping its first full copy. */
  isBootstrapping: z.boolean().default(false),
  /** Where the desk syncs from (no token). */
  backendUrl: z.string().nullable().default(null),
  /**
   * Set while the server says it may be holding changes back (a long write
   * transaction on its database since then): "server delayed since 14:02", not "in sync".
   */
  serverDelayedSince: z.string().nullable().default(null),
  /**
   * While the first copy loads (#15, item 2): pulled pages applied, the changes they carried and the customers
   * reached so far; null once the copy is whole (or before it starts).
   */
  firstSync: z
    .object({
      pages: z.number().int().nonnegative(),
      changes: z.number().int().nonnegative(),
      customers: z.number().int().nonnegative(),
    })
    .nullable()
    .default(null),
});

/**
 * The desk contract: each channel maps to an input schema (validated by the core
 * with `safeParse`) and an output schema (documenting the answer).
 */
export const contract = {
  'app:info': { input: noInput, output: AppInfoSchema },
  'sync:status': { input: noInput, output: SyncStatusSchema },
  'sync:now': { input: noInput, output: SyncStatusSchema },
  'outbox:list': { input: noInput, output: OutboxListSchema },
  'outbox:discard': { input: OutboxDiscardInputSchema, output: z.object({ discarded: z.number().int().nonnegative() }) },
  'backend:get': { input: noInput, output: BackendSettingsSchema },
  'backend:set': { input: BackendSetInputSchema, output: BackendSettingsSchema },
  'identity:get': { input: noInput, output: IdentityViewSchema },
  'identity:signIn': { input: noInput, output: IdentityViewSchema },
  'identity:signOut': { input: SignOutInputSchema, output: IdentityViewSchema },
  'identity:acceptUnprotectedSecrets': { input: noInput, output: IdentityViewSchema },
  'preferences:get': { input: noInput, output: PreferencesSchema },
  'preferences:set': { input: PreferencesSetInputSchema, output: PreferencesSchema },
  'customers:list': { input: CustomersListInputSchema, output: CustomersListOutputSchema },
  'customers:get': { input: z.strictObject({ customerId: CustomerIdSchema }), output: CustomerDetailSchema },
  'timeline:page': { input: TimelinePageInputSchema, output: TimelinePageOutputSchema },
  'timeline:count': { input: TimelineCountInputSchema, output: z.object({ total: z.number().int().nonnegative() }) },
  'events:get': { input: z.strictObject({ eventId: z.string().min(1).max(64) }), output: EventDetailSchema },
  'events:precedingChanges': {
    input: PrecedingChangesInputSchema,
    output: z.object({ rows: z.array(TimelineRowSchema), windowHours: z.number() }),
  },
  'diagnosis:suspects': { input: SuspectsInputSchema, output: SuspectsOutputSchema },
  'diagnosis:whoElse': { input: WhoElseInputSchema, output: WhoElseOutputSchema },
  'diagnosis:customer': { input: CustomerDiagnosisInputSchema, output: CustomerDiagnosisSchema },
  'diagnosis:signalSeries': { input: SignalSeriesInputSchema, output: SignalSeriesSchema },
  'releases:list': { input: noInput, output: ReleasesOutputSchema },
  'customers:setup': { input: z.strictObject({ customerId: CustomerIdSchema }), output: CustomerSetupSchema },
  'search:query': { input: SearchInputSchema, output: SearchOutputSchema },
  'notes:create': { input: NoteCreateInputSchema, output: NoteViewSchema },
  'notes:update': { input: NoteUpdateInputSchema, output: NoteViewSchema },
  'notes:resolveConflict': { input: NoteResolveConflictInputSchema, output: NoteViewSchema },
  'notes:history': { input: z.strictObject({ noteId: z.string().min(1).max(64) }), output: NoteHistorySchema },
  'wizards:list': { input: WizardsListInputSchema, output: WizardsListOutputSchema },
  'wizards:get': { input: WizardGetInputSchema, output: WizardDetailSchema },
  'runs:start': { input: RunStartInputSchema, output: RunViewSchema },
  'runs:get': { input: z.strictObject({ runId: z.string().min(1).max(100) }), output: RunViewSchema },
  'runs:list': { input: RunsListInputSchema, output: RunsListOutputSchema },
  'runs:history': { input: RunsHistoryInputSchema, output: RunsHistoryOutputSchema },
  'runs:act': { input: RunActInputSchema, output: RunViewSchema },
  'followUps:list': { input: FollowUpsListInputSchema, output: FollowUpsListOutputSchema },
  'followUps:counts': { input: noInput, output: FollowUpCountsSchema },
  'followUps:create': { input: FollowUpCreateInputSchema, output: FollowUpViewSchema },
  'followUps:update': { input: FollowUpUpdateInputSchema, output: FollowUpViewSchema },
  'problems:forCustomer': { input: ProblemsForCustomerInputSchema, output: ProblemsForCustomerOutputSchema },
  'problems:list': { input: noInput, output: ProblemsListOutputSchema },
  'problems:get': { input: ProblemGetInputSchema, output: ProblemDetailSchema },
  'problems:create': { input: ProblemCreateInputSchema, output: ProblemViewSchema },
  'problems:update': { input: ProblemUpdateInputSchema, output: ProblemViewSchema },
  'problems:history': { input: ProblemIdInputSchema, output: ProblemHistorySchema },
  'problems:regressions': { input: noInput, output: ProblemRegressionsOutputSchema },
  'insights:get': { input: z.strictObject({ days: z.number().int().min(1).max(366) }), output: InsightsReportSchema },
  'approvals:inbox': { input: noInput, output: ApprovalsInboxSchema },
  'approvals:decide': { input: ApprovalDecideInputSchema, output: ApprovalSchema },
  'followUps:history': { input: z.strictObject({ followUpId: z.string().min(1).max(64) }), output: FollowUpHistorySchema },
  'sources:list': { input: noInput, output: SourcesListSchema },
  'sources:add': { input: SourceAddInputSchema, output: SourceAddOutputSchema },
  'sources:rotate': { input: SourceIdInputSchema, output: SourceRotateOutputSchema },
  'sources:remove': { input: SourceIdInputSchema, output: z.object({ removed: z.string() }) },
  'sources:update': { input: SourceUpdateInputSchema, output: SourceUpdateOutputSchema },
  'sources:unmatched': { input: SourceIdInputSchema, output: SourceUnmatchedOutputSchema },
  'sources:mapKey': { input: SourceMapKeyInputSchema, output: SourceMapKeyOutputSchema },
  'sources:remap': { input: SourceIdInputSchema, output: SourceRemapOutputSchema },
  'updates:status': { input: noInput, output: UpdateStatusSchema },
  'updates:setChannel': { input: UpdatesSetChannelInputSchema, output: UpdateStatusSchema },
  'updates:check': { input: noInput, output: UpdateStatusSchema },
  'updates:restart': { input: noInput, output: UpdateStatusSchema },
} as const satisfies Record<Channel, { input: z.ZodType; output: z.ZodType }>;

/** Payload schema of every event the core emits. */
export const eventSchemas = {
  'sync:changed': SyncStatusSchema,
  'cache:changed': CacheChangedSchema,
  'runs:changed': RunChangedSchema,
  'app:linkOpened': AppRouteSchema,
  'identity:changed': IdentityViewSchema,
  'updates:changed': UpdateStatusSchema,
} as const satisfies Record<EventName, z.ZodType>;

/** The input type of one channel. */
export type Input<C extends Channel> = z.input<(typeof contract)[C]['input']>;
/** The output type of one channel. */
export type Output<C extends Channel> = z.output<(typeof contract)[C]['output']>;
/** The payload type of one event. */
export type EventPayload<E extends EventName> = z.output<(typeof eventSchemas)[E]>;

export type AppInfo = Output<'app:info'>;
export type SyncStatus = Output<'sync:status'>;
export type RunMode = z.output<typeof RunModeSchema>;

type Call<C extends Channel> = [Input<C>] extends [undefined]
  ? (input?: Input<C>) => Promise<Result<Output<C>>>
  : (input: Input<C>) => Promise<Result<Output<C>>>;

type EventKey<E extends string> = E extends `${infer D}:${infer V}` ? `${D}${Capitalize<V>}` : never;

/** Event subscriptions: `events.syncChanged(listener)` returns an unsubscribe function. */
export type DeskEvents = {
  [E in EventName as EventKey<E>]: (listener: (payload: EventPayload<E>) => void) => () => void;
};

/**
 * The API the renderer sees, generated from the contract: `desk.app.info()`,
 * `desk.events.syncChanged(fn)`. The preload bridge and the browser-mode HTTP
 * client both produce exactly this shape.
 */
export type DeskApi = {
  [D in Domain]: { [V in Verb<D>]: Call<`${D}:${V}` & Channel> };
} & { events: DeskEvents };

/** Handlers the desk core implements, one per channel; inputs arrive already validated. */
export type Handlers = {
  [C in Channel]: (input: z.output<(typeof contract)[C]['input']>) => Promise<Output<C>> | Output<C>;
};

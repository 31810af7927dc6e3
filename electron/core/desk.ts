import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import type { Handlers, RunMode } from '../../shared/ipc/contract';
import { DeskError } from '../../shared/ipc/result';
import { ulid } from '../../shared/ulid';
import { createApprovalHandlers } from './approvals';
import { createUpdateHandlers, type DeskUpdater } from './updates';
import { createSourceHandlers } from './sources';
import { createBackendClient, type BackendClient, type TokenSource } from '../backend/client';
import { demoStartMessage, startDemoBackend, type DemoBackend, type DemoBackendCommand } from '../backend/demo-launcher';
import { createApplier } from '../db/apply';
import { openCache } from '../db/cache';
import { createOutbox, type OutboxRow } from '../db/outbox';
import { createQueries } from '../db/queries';
import { createSearchIndexer, createSearchIndexScheduler } from '../db/search-index';
import { createDiagnosis } from '../db/diagnosis';
import { createReleaseQueries } from '../db/releases';
import type { Logger } from '../../shared/log';
import { createDispatch, type Dispatch } from '../ipc/dispatch';
import type { Clock } from '../../shared/clock';
import { createSyncEngine, type BackendRef } from '../sync/engine';
import { createWizardHandlers } from '../wizards/handlers';
import { createRunHost } from '../wizards/host';
import { createWizardLibrary } from '../wizards/library';
import { createEventHub, type EventHub } from './events';
import { createNoteEdits } from './note-edits';
import { createFollowUpHandlers } from './follow-ups';
import { createFollowUpQueries } from '../db/follow-up-queries';
import { createProblemQueries } from '../db/problem-queries';
import { createProblemHandlers } from './problems';
import { createInsightQueries } from '../db/insight-queries';
import { buildInsights } from '../../shared/insights';
import { OPEN_FOLLOW_UP_STATES } from '../../shared/follow-ups';
import { localDay } from './follow-ups';
import { createSettingsStore } from './settings';
import { createAppMeta } from '../db/app-meta';
import { createDeskIdentity } from '../identity/desk-identity';
import { createSecretStore, type SecretCipher } from '../identity/secrets';

/** Everything the desk core needs from its host; nothing is reached for globally. */
export type DeskOptions = {
  dataDir: string;
  mode: RunMode;
  appVersion: string;
  platform: string;
  log: Logger;
  /** See `OpenOptions.nativeBinding`. */
  sqliteBinding?: string;
  /** How to start the demo backend; without it, demo mode stays unconfigured. */
  demoBackend?: DemoBackendCommand | null;
  /** How long the demo backend may take to be ready (default 120 s; the first-start bench waits longer on a loaded machine). */
  demoStartTimeoutMs?: number;
  clock?: Clock;
  /** HTTP transport for the backend (tests inject faults here). */
  fetch?: typeof fetch;
  /** Per-request timeout for backend calls. */
  requestTimeoutMs?: number;
  /** Ops per pull page. */
  pullLimit?: number;
  /** Events indexed for search per transaction after a bootstrap (search-index.ts); tests make chunks small. */
  searchIndexChunkRows?: number;
  backoff?: { baseMs: number; capMs: number };
  /** The bundled starter wizards (resources/wizards); null for none. Default: resources/wizards next to the app code. */
  bundledWizardsDir?: string | null;
  /**
   * The OS keychain for tokens (Electron's safeStorage, wrapped by the shell);
   * null in browser mode, which keeps them in a file only the user can read.
   */
  secretCipher?: SecretCipher | null;
  /** Opens the identity provider's sign-in page in the system browser. */
  openExternal?: (url: string) => Promise<void>;
  /** How long a sign-in waits for the person to finish in the browser. */
  signInTimeoutMs?: number;
  /** Wall clock for token expiry (tests move it on); Date.now by default. */
  identityNow?: () => number;
  /** Timing of wizard runs (approval polling, execution retries); tests shorten them. */
  wizardTiming?: { approvalPollMs?: number; executeAttempts?: number; retryDelayMs?: number };
  /** The app's updater (the desktop shell's electron-updater); null when this desk does not update itself. */
  updater?: DeskUpdater | null;
  /** Why there is no updater, as the About page says it. */
  updatesUnavailableReason?: string;
};

/** resources/wizards, two levels above this module in the source tree and in the built app (out/main). */
const DEFAULT_WIZARDS_DIR = fileURLToPath(new URL('../../resources/wizards', import.meta.url));

/** A running desk core. */
export type Desk = {
  cache: Database.Database;
  dispatch: Dispatch;
  events: EventHub;
  /** Connects to the configured backend (starting the demo backend if that is the setting). */
  start(): Promise<void>;
  /** Stops syncing and the demo backend; keeps the files. */
  stop(): Promise<void>;
  close(): void;
};

/** A queued write in words, for the Sync page ("Note on acme: Called the customer…"). */
function describeWrite(row: OutboxRow): string {
  const args = (typeof row.args === 'object' && row.args !== null ? row.args : {}) as Record<string, unknown>;
  const text = (value: unknown) => {
    const body = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
    return body.length > 120 ? `${body.slice(0, 119)}…` : body;
  };
  if (row.name === 'note.create') return `Note on ${String(args.customerId ?? 'a customer')}: ${text(args.body)}`;
  if (row.name === 'note.update') return `Edit of a note: ${text(args.body)}`;
  if (row.name === 'wizardRun.record') return `Record of a wizard run on ${String(args.customerId ?? 'a customer')}`;
  if (row.name === 'followUp.create') return `Follow-up on ${String(args.customerId ?? 'a customer')}: ${text(args.title)}`;
  if (row.name === 'followUp.update') return `Change to a follow-up: ${Object.keys(args.set ?? {}).join(', ')}`;
  if (row.name === 'problem.create') return `Known problem: ${text(args.title)}`;
  if (row.name === 'problem.update') return `Change to a known problem: ${Object.keys(args.set ?? {}).join(', ')}`;
  return row.name;
}

/** The cache file inside a data directory. */
export function cachePath(dataDir: string): string {
  return path.join(dataDir, 'cache.sqlite');
}

/** Opens the cache and outbox, wires the sync engine and the contract handlers. */
export function createDesk(options: DeskOptions): Desk {
  const { log } = options;
  const handle = openCache({ dataDir: options.dataDir, log, nativeBinding: options.sqliteBinding });
  const cache = handle.db;
  const events = createEventHub();
  const outbox = createOutbox(cache);
  const applier = createApplier(cache, outbox);
  const queries = createQueries(cache, outbox, () => 'you');
  const diagnosis = createDiagnosis(cache, { now: () => (options.clock ?? Date).now() });
  const releaseQueries = createReleaseQueries(cache, { now: () => (options.clock ?? Date).now() });
  const settings = createSettingsStore(options.dataDir);

  const secrets = createSecretStore({
    dataDir: options.dataDir,
    cipher: options.secretCipher ?? null,
    acceptedUnprotected: settings.read().acceptUnprotectedSecrets,
    onAcceptUnprotected: () => settings.write({ ...settings.read(), acceptUnprotectedSecrets: true }),
  });
  const identity = createDeskIdentity({
    settings,
    secrets,
    log,
    fetch: options.fetch,
    now: options.identityNow,
    signInTimeoutMs: options.signInTimeoutMs,
    openExternal:
      options.openExternal ??
      (() => Promise.reject(new DeskError('unavailable', 'This Lightkeeper cannot open a browser to sign in.'))),
  });
  identity.migrateLegacySecrets();
  /** True while the configured backend waits for a person to sign in. */
  let signInNeeded = false;
  const noteEdits = createNoteEdits({
    outbox,
    queries,
    now: () => (options.clock ?? Date).now(),
    onWrite: (customerId) => {
      // Declared below; a note is only edited through a handler, once the desk is built.
      engine.notifyLocalWrite();
      events.emit('cache:changed', { customerIds: [customerId], global: false });
    },
  });
  let demo: DemoBackend | null = null;
  /** Restarts of a demo backend that died since it last stayed up; the delay doubles with each. */
  let demoRestarts = 0;
  let demoRestartTimer: unknown = null;
  let demoStartedAt = 0;
  let isStopped = false;
  let lastSyncState: string | null = null;
  /** The backend client in use, for wizard probes and actions; null when none is configured. */
  let backendClient: BackendClient | null = null;

  const engine = createSyncEngine({
    db: cache,
    outbox,
    applier,
    clock: options.clock,
    log,
    pullLimit: options.pullLimit,
    backoff: options.backoff,
    onStatus: (status) => {
      events.emit('sync:changed', status);
      // Declared below; a bootstrap that stopped pulling (done, offline, failed) lets the search index go on.
      searchIndex.kick();
      // Declared below; a status can only arrive once the engine has a client, after the desk is built.
      if (status.state === 'online' && lastSyncState !== 'online') runHost.reconnected();
      lastSyncState = status.state;
    },
    onChanged: (summary) => {
      events.emit('cache:changed', { customerIds: [...summary.customerIds], global: summary.global });
      searchIndex.kick();
    },
    // Declared below; the engine identifies a backend only after setClient, once the desk is built.
    onIdentified: (learned, userName) => onIdentified(learned, userName),
    unauthorizedMessage: () =>
      settings.read().backend.mode === 'remote' && identity.view(false).method === 'oidc'
        ? 'The backend refused your sign-in. Sign in again on the Sync page.'
        : 'The backend refused the access token. Enter a valid token on the Sync page.',
  });

  // A finished customer's events are indexed for search after its bootstrap (issue 13), while the desk is not pulling
  // bootstrap pages: a chunk per event-loop turn, so requests of the renderer wait at most one chunk.
  const searchIndexer = createSearchIndexer(cache);
  const searchIndex = createSearchIndexScheduler({
    indexer: searchIndexer,
    isPaused: () => {
      const status = engine.status();
      return status.state === 'syncing' && status.isBootstrapping;
    },
    onIndexed: (customerIds) => events.emit('cache:changed', { customerIds, global: false, searchIndexed: true }),
    log,
    chunkRows: options.searchIndexChunkRows,
  });

  const clearSyncedData = cache.transaction(() => {
    // Every indexed event's terms go at once (a customer may be indexed in part, cache migration 20).
    cache.exec("insert into events_fts (events_fts) values ('delete-all')");
    for (const table of [
      'events',
      'threads',
      'customer_stats',
      'customer_facets',
      'customer_features',
      'notes',
      'revisions',
      'follow_ups',
      'customers',
      'releases',
      'wizard_library',
      'problems',
      'sync_bucket',
    ]) {
      cache.exec(`delete from ${table}`);
    }
  });

  function client(url: string, token: string | TokenSource): BackendClient {
    return createBackendClient({ baseUrl: url, token, fetch: options.fetch, timeoutMs: options.requestTimeoutMs });
  }

  const appMeta = createAppMeta(cache);

  function clearForAnotherBackend(): void {
    log.info('backend changed; clearing the synced cache (the outbox is kept)');
    clearSyncedData();
    appMeta.delete('backend_identity');
    events.emit('cache:changed', { customerIds: [], global: true });
  }

  /**
   * Data from one backend must never mix with another's: a backend that is not
   * known to be the one the cache holds starts from an empty cache (the outbox
   * stays, its writes bound to their own backend). The same backend behind
   * another address keeps the cache once it said who it is.
   */
  function useBackend(ref: BackendRef & { legacyKey: string }, next: BackendClient | null): void {
    const previous = appMeta.get('backend_key');
    if (next && previous !== null && previous !== ref.key) {
      const known = outbox.identityOf(ref.key);
      if (known === null || known !== appMeta.get('backend_identity')) clearForAnotherBackend();
    }
    // Writes queued before they were bound to a backend belong to the one this cache was synced with.
    if (next && previous !== null && (previous === ref.key || previous === ref.legacyKey)) outbox.adoptLegacy(ref.key, ref.label);
    if (next) appMeta.set('backend_key', ref.key);
    backendClient = next;
    engine.setClient(next, ref);
  }

  /** Called by the engine before it pushes or pulls: a backend other than the cached one empties the cache first. */
  function onIdentified(learned: string, userName: string | null): void {
    const cached = appMeta.get('backend_identity');
    if (cached !== null && cached !== learned) clearForAnotherBackend();
    appMeta.set('backend_identity', learned);
    // Who "me" is for follow-ups ("mine") and the author of notes still on their way.
    if (userName !== null) appMeta.set('user_name', userName);
    else appMeta.delete('user_name');
  }

  function emitIdentity(): void {
    events.emit('identity:changed', identity.view(signInNeeded));
  }

  /** Learns who the backend says the desk's user is (best effort: offline keeps the last known name). */
  async function learnUser(next: BackendClient): Promise<void> {
    try {
      identity.learnUser(await next.me());
    } catch (error) {
      log.info('could not ask the backend who is signed in', { message: error instanceof Error ? error.message : String(error) });
    }
    emitIdentity();
  }

  async function connect(): Promise<void> {
    const current = settings.read();
    if (current.backend.mode === 'remote') {
      await demo?.stop();
      demo = null;
      const { url } = current.backend;
      const auth = await identity.remoteAuth(url);
      if (auth.kind === 'sign-in-needed') {
        signInNeeded = true;
        backendClient = null;
        engine.setClient(null, { key: `remote:${url}#signed-out`, label: url }, auth.message);
        emitIdentity();
        return;
      }
      signInNeeded = false;
      if (auth.kind === 'oidc') {
        // Writes are bound to the signed-in person: another person at this desk never sends them.
        const next = client(url, auth.source);
        await learnUser(next);
        if (!auth.session.isSignedIn()) {
          // The provider ended the sign-in while the desk was away (revoked, expired).
          signInNeeded = true;
          backendClient = null;
          engine.setClient(
            null,
            { key: `remote:${url}#signed-out`, label: url },
            'Your sign-in has ended. Sign in again on the Sync page.',
          );
          emitIdentity();
          return;
        }
        const person = identity.view(false).user ?? identity.rememberedUser();
        useBackend({ key: `remote:${url}#user:${person?.userId ?? 'unknown'}`, label: url, legacyKey: `remote:${url}` }, next);
        return;
      }
      if (auth.kind === 'token') {
        // The token's fingerprint is part of the key: another token may be another user, whose writes these are not.
        const next = client(url, auth.token);
        useBackend({ key: `remote:${url}#${auth.fingerprint}`, label: url, legacyKey: `remote:${url}` }, next);
        void learnUser(next);
        return;
      }
    }
    if (!options.demoBackend) {
      identity.usingNone();
      useBackend({ key: 'none', label: 'no backend', legacyKey: 'none' }, null);
      emitIdentity();
      return;
    }
    identity.usingDemo();
    signInNeeded = false;
    const token = identity.demoToken();
    if (!demo) {
      backendClient = null;
      engine.hold('syncing', demoRestarts > 0 ? 'Restarting the demo backend…' : 'Starting the demo backend…');
      try {
        demo = await startDemoBackend({
          spec: options.demoBackend,
          dataDir: path.join(options.dataDir, 'demo-backend'),
          token,
          log,
          startTimeoutMs: options.demoStartTimeoutMs,
          onProgress: (step) => engine.hold('syncing', demoStartMessage(step)),
          onUnexpectedExit: (code, signal) => onDemoDied(code, signal),
        });
        demoStartedAt = now();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error('demo backend failed to start', { message });
        if (demoRestarts > 0) {
          scheduleDemoRestart(message);
          return;
        }
        engine.hold(
          'error',
          `${message} Everything already synced stays available. Point Lightkeeper at a backend on the Sync page, or restart to try again.`,
        );
        return;
      }
    }
    // The demo backend's port changes on each start, but it is the same backend (same data directory).
    const next = client(demo.url, token);
    useBackend({ key: 'demo', label: 'the demo backend', legacyKey: 'demo' }, next);
    void learnUser(next);
  }

  const now = () => (options.clock ?? Date).now();

  /**
   * The demo backend ended without being asked (it crashed, or something killed it):
   * the desk starts it again, waiting 1 s, 2 s, 4 s… (at most 60 s) between tries,
   * and says so on the Sync indicator. One that stayed up for a minute starts the count again.
   */
  function onDemoDied(code: number | null, signal: string | null): void {
    demo = null;
    if (isStopped || settings.read().backend.mode !== 'demo') return;
    if (now() - demoStartedAt > 60_000) demoRestarts = 0;
    const how = signal ? `was stopped (${signal})` : `stopped (exit code ${code ?? 'unknown'})`;
    backendClient = null;
    scheduleDemoRestart(`The demo backend ${how}.`);
  }

  function scheduleDemoRestart(reason: string): void {
    const delayMs = Math.min(60_000, 1000 * 2 ** demoRestarts);
    demoRestarts += 1;
    log.warn('restarting the demo backend', { reason, delayMs, attempt: demoRestarts });
    engine.hold(
      'offline',
      `${reason} Lightkeeper restarts it in ${Math.ceil(delayMs / 1000)} s (attempt ${demoRestarts}); everything already synced stays available.`,
    );
    clearTimeout(demoRestartTimer as ReturnType<typeof setTimeout>);
    demoRestartTimer = setTimeout(() => {
      demoRestartTimer = null;
      if (isStopped || demo || settings.read().backend.mode !== 'demo') return;
      void connect();
    }, delayMs);
  }

  function backendView() {
    const current = settings.read();
    return current.backend.mode === 'remote'
      ? { mode: 'remote' as const, url: current.backend.url, hasToken: identity.hasStaticToken(current.backend.url) }
      : { mode: 'demo' as const, url: demo?.url ?? null, hasToken: true };
  }

  async function signOut(forgetCache: boolean) {
    const current = settings.read();
    if (current.backend.mode !== 'remote') {
      throw new DeskError('bad_request', 'The demo backend has no sign-in. Point Lightkeeper at your server on the Sync page.');
    }
    // The server refuses this access token from now on (best effort: offline, the desk forgets it anyway).
    await backendClient
      ?.signOut()
      .catch((error: unknown) =>
        log.info('the backend did not confirm the sign-out', { message: error instanceof Error ? error.message : String(error) }),
      );
    await identity.signOut(current.backend.url);
    if (forgetCache) {
      log.info('signed out; the cached data is deleted as asked (the outbox is kept)');
      clearForAnotherBackend();
    }
    await connect();
  }

  const wizardLibrary = createWizardLibrary({
    db: cache,
    bundledDirectory: options.bundledWizardsDir === undefined ? DEFAULT_WIZARDS_DIR : options.bundledWizardsDir,
    log,
  });
  wizardLibrary.loadBundled();
  const runHost = createRunHost({
    db: cache,
    outbox,
    library: wizardLibrary,
    backend: () => backendClient,
    emit: (runId) => events.emit('runs:changed', { runId }),
    log,
    clock: options.clock,
    onLocalWrite: () => engine.notifyLocalWrite(),
    me: () => {
      const user = identity.view(signInNeeded).user;
      return user ? { userId: user.userId, name: user.name } : null;
    },
    ...options.wizardTiming,
  });
  const wizardHandlers = createWizardHandlers({
    db: cache,
    library: wizardLibrary,
    host: runHost,
    now: () => (options.clock ?? Date).now(),
  });
  let isResumed = false;

  /** Once per desk, after the first connection attempt: runs an earlier desk left open go on (they may need the backend). */
  function resumeRuns(): void {
    if (isResumed) return;
    isResumed = true;
    runHost.resumeAll();
  }

  function requireCustomer(customerId: string): void {
    if (!queries.hasCustomer(customerId)) {
      throw new DeskError('not_found', `Customer "${customerId}" is not in the local cache. Sync, then try again.`);
    }
  }

  const followUpQueries = createFollowUpQueries(cache, outbox);
  const followUpHandlers = createFollowUpHandlers({
    outbox,
    queries: followUpQueries,
    hasCustomer: (customerId) => queries.hasCustomer(customerId),
    me: () => appMeta.get('user_name'),
    now: () => (options.clock ?? Date).now(),
    onWrite: (customerId) => {
      engine.notifyLocalWrite();
      events.emit('cache:changed', { customerIds: [customerId], global: false });
    },
  });

  const problemQueries = createProblemQueries(cache, outbox, { now: () => (options.clock ?? Date).now() });
  const insightQueries = createInsightQueries(cache);
  const problemHandlers = createProblemHandlers({
    outbox,
    queries: problemQueries,
    hasCustomer: (customerId) => queries.hasCustomer(customerId),
    me: () => appMeta.get('user_name'),
    now: () => (options.clock ?? Date).now(),
    onWrite: (customerIds) => {
      engine.notifyLocalWrite();
      events.emit('cache:changed', { customerIds: [...customerIds], global: true });
    },
  });

  const approvalHandlers = createApprovalHandlers({
    backend: () => backendClient,
    user: () => identity.view(signInNeeded).user,
  });

  const updateHandlers = createUpdateHandlers({
    updater: options.updater ?? null,
    unavailableReason:
      options.updatesUnavailableReason ??
      (options.mode === 'browser'
        ? 'Browser mode does not update itself: update the checkout or the server that serves this page.'
        : 'This desk has no update feed: your administrator sets one when packaging (docs/deploy.md, "Updates").'),
    channel: () => settings.read().updateChannel,
    saveChannel: (channel) => settings.write({ ...settings.read(), updateChannel: channel }),
    emit: (status) => events.emit('updates:changed', status),
  });

  const hasAnyCustomer = cache.prepare('select exists(select 1 from customers) as has').pluck();
  const sourceHandlers = createSourceHandlers({
    backend: () => backendClient,
    roles: () => identity.view(signInNeeded).user?.roles ?? null,
    isKnownCustomer: (customerId) => (hasAnyCustomer.get() === 1 ? queries.hasCustomer(customerId) : null),
  });

  const handlers: Handlers = {
    'app:info': () => ({
      appVersion: options.appVersion,
      mode: options.mode,
      dataDir: options.dataDir,
      cachePath: handle.file,
      cacheSchemaVersion: cache.pragma('user_version', { simple: true }) as number,
      platform: options.platform,
    }),
    'sync:status': () => engine.status(),
    'sync:now': async () => {
      await engine.requestSync();
      return engine.status();
    },
    'outbox:list': () => ({
      groups: outbox.groups().map((group) => ({
        backendKey: group.binding,
        label: group.label,
        isCurrent: group.isCurrent,
        items: group.rows.map((row) => ({
          id: row.id,
          name: row.name,
          summary: describeWrite(row),
          status: row.status,
          clientTime: row.clientTime,
          error: row.status === 'rejected' ? (row.lastError ?? 'The server refused this change.') : null,
        })),
      })),
    }),
    'outbox:discard': (input) => {
      if (input.backendKey === outbox.binding()) {
        throw new DeskError(
          'bad_request',
          'These changes belong to the backend in use and are being sent. Only changes waiting for another backend can be discarded.',
        );
      }
      const discarded = outbox.discard(input.backendKey);
      log.info('local changes for another backend discarded by the user', { discarded });
      engine.notifyLocalWrite();
      return { discarded };
    },
    'backend:get': () => backendView(),
    'backend:set': async (input) => {
      const current = settings.read();
      if (input.mode === 'remote') {
        const url = new URL(input.url);
        if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
          throw new DeskError(
            'bad_request',
            'Use https:// for a remote backend; plain http is only allowed on this machine (127.0.0.1).',
          );
        }
        const address = url.toString().replace(/\/$/, '');
        if (input.token) identity.setStaticToken(address, input.token);
        settings.write({ ...current, backend: { mode: 'remote', url: address, identity: null, user: null } });
      } else {
        settings.write({ ...current, backend: { mode: 'demo' } });
      }
      await connect();
      resumeRuns();
      return backendView();
    },
    'identity:get': () => identity.view(signInNeeded),
    'preferences:get': () => ({ ...settings.read().preferences }),
    'preferences:set': (input) => {
      const current = settings.read();
      settings.write({ ...current, preferences: { ...current.preferences, timeZone: input.timeZone } });
      return { ...settings.read().preferences };
    },
    'identity:signIn': async () => {
      await identity.signIn();
      await connect();
      return identity.view(signInNeeded);
    },
    'identity:signOut': async (input) => {
      await signOut(input.forgetCache);
      return identity.view(signInNeeded);
    },
    'identity:acceptUnprotectedSecrets': () => {
      secrets.acceptUnprotected();
      emitIdentity();
      return identity.view(signInNeeded);
    },
    'customers:list': (input) => {
      const page = queries.customersPage(input.after ?? null, input.limit ?? 1000);
      const stuck = releaseQueries.stuckOnboarding();
      return { ...page, rows: page.rows.map((row) => (stuck.has(row.id) ? { ...row, setupStuck: true } : row)) };
    },
    'customers:setup': (input) => releaseQueries.setup(input.customerId),
    'releases:list': () => releaseQueries.health(),
    'customers:get': (input) => queries.customerDetail(input.customerId),
    'timeline:page': (input) => {
      const page = queries.timelinePage(input);
      // Someone is reading this customer's text matches: its events are indexed before the others'.
      if (page.isTextIndexing) {
        searchIndexer.prefer(input.customerId);
        searchIndex.kick();
      }
      return page;
    },
    'timeline:count': (input) => queries.timelineCount(input),
    'events:get': (input) => queries.eventDetail(input.eventId),
    'events:precedingChanges': (input) => queries.precedingChanges(input.eventId, input.windowHours ?? 24),
    'diagnosis:suspects': (input) => diagnosis.suspects(input.eventId, input.windowHours),
    'diagnosis:whoElse': (input) => diagnosis.whoElse(input.eventId, input.windowHours),
    'diagnosis:customer': (input) => diagnosis.customer(input.customerId),
    'diagnosis:signalSeries': (input) => diagnosis.signalSeries(input.customerId, input.hoursBefore),
    'search:query': (input) => queries.search(input.text, input.limit ?? 100, input.firstCustomerId),
    'notes:create': (input) => {
      requireCustomer(input.customerId);
      const eventId = input.eventId ?? null;
      if (eventId !== null && !queries.hasEvent(eventId))
        throw new DeskError('not_found', `Event ${eventId} is not in the local cache.`);
      const noteId = ulid();
      outbox.enqueue(
        'note.create',
        { noteId, customerId: input.customerId, eventId, body: input.body },
        new Date().toISOString(),
      );
      engine.notifyLocalWrite();
      events.emit('cache:changed', { customerIds: [input.customerId], global: false });
      const view = queries.notesFor(input.customerId).find((note) => note.id === noteId);
      if (!view) throw new DeskError('internal', 'The note was saved but could not be read back; reload the customer.');
      return view;
    },
    ...wizardHandlers,
    ...followUpHandlers,
    ...problemHandlers,
    ...approvalHandlers,
    ...sourceHandlers,
    ...updateHandlers,
    'insights:get': (input) => {
      const now = (options.clock ?? Date).now();
      const since = new Date(now - input.days * 86_400_000).toISOString();
      const me = appMeta.get('user_name') ?? 'you';
      const today = localDay(now);
      return buildInsights({
        days: input.days,
        now,
        runs: insightQueries.runs(since),
        problems: problemQueries.list(me).map((view) => ({
          ...view,
          hits: (problemQueries.get(view.id, me)?.hits ?? []).map((hit) => ({
            customerId: hit.customerId,
            occurrences: hit.occurrences,
            isRegression: hit.regression !== null,
          })),
        })),
        signatures: insightQueries.signatures(since),
        followUps: followUpQueries.list({}, { today, me }).filter((view) => OPEN_FOLLOW_UP_STATES.includes(view.state)),
      });
    },
    'problems:forCustomer': (input) => {
      requireCustomer(input.customerId);
      return { problems: problemQueries.forCustomer(input.customerId) };
    },
    'notes:update': (input) => noteEdits.update(input.noteId, input.body),
    'notes:resolveConflict': (input) => noteEdits.resolve(input.noteId, input.choice, input.body),
    'notes:history': (input) => {
      if (!queries.note(input.noteId)) throw new DeskError('not_found', `Note ${input.noteId} is not in the local cache yet.`);
      return queries.noteHistory(input.noteId);
    },
  };

  return {
    cache,
    dispatch: createDispatch(handlers, log),
    events,
    async start() {
      isStopped = false;
      searchIndex.start();
      // A desk closed while it indexed goes on where it stopped.
      searchIndex.kick();
      await connect();
      resumeRuns();
    },
    async stop() {
      isStopped = true;
      searchIndex.stop();
      clearTimeout(demoRestartTimer as ReturnType<typeof setTimeout>);
      await runHost.stop();
      await engine.stop();
      await demo?.stop();
      demo = null;
    },
    close() {
      searchIndex.stop();
      void runHost.stop();
      cache.close();
    },
  };
}

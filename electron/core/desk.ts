import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import type { Handlers, RunMode } from '../../shared/ipc/contract';
import { DeskError } from '../../shared/ipc/result';
import { ulid } from '../../shared/ulid';
import { createBackendClient, type BackendClient } from '../backend/client';
import { startDemoBackend, type DemoBackend, type DemoBackendCommand } from '../backend/demo-launcher';
import { createApplier } from '../db/apply';
import { openCache } from '../db/cache';
import { createOutbox } from '../db/outbox';
import { createQueries } from '../db/queries';
import { createDispatch, type Dispatch, type Logger } from '../ipc/dispatch';
import { createSyncEngine, type Clock } from '../sync/engine';
import { createWizardHandlers } from '../wizards/handlers';
import { createRunHost } from '../wizards/host';
import { createWizardLibrary } from '../wizards/library';
import { createEventHub, type EventHub } from './events';
import { createSettingsStore } from './settings';

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
  clock?: Clock;
  /** HTTP transport for the backend (tests inject faults here). */
  fetch?: typeof fetch;
  /** Per-request timeout for backend calls. */
  requestTimeoutMs?: number;
  /** Ops per pull page. */
  pullLimit?: number;
  backoff?: { baseMs: number; capMs: number };
  /** The bundled starter wizards (resources/wizards); null for none. Default: resources/wizards next to the app code. */
  bundledWizardsDir?: string | null;
  /** Timing of wizard runs (approval polling, execution retries); tests shorten them. */
  wizardTiming?: { approvalPollMs?: number; executeAttempts?: number; retryDelayMs?: number };
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
  const settings = createSettingsStore(options.dataDir);
  let demo: DemoBackend | null = null;
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
      // Declared below; a status can only arrive once the engine has a client, after the desk is built.
      if (status.state === 'online' && lastSyncState !== 'online') runHost.reconnected();
      lastSyncState = status.state;
    },
    onChanged: (summary) => events.emit('cache:changed', { customerIds: [...summary.customerIds], global: summary.global }),
  });

  const clearSyncedData = cache.transaction(() => {
    const liveCustomers = cache
      .prepare("select bucket from sync_bucket where state = 'live' and bucket like 'customer:%'")
      .pluck()
      .all() as string[];
    if (liveCustomers.length > 0) cache.exec("insert into events_fts (events_fts) values ('delete-all')");
    for (const table of [
      'events',
      'threads',
      'customer_stats',
      'customer_features',
      'notes',
      'customers',
      'releases',
      'wizard_library',
      'sync_bucket',
    ]) {
      cache.exec(`delete from ${table}`);
    }
  });

  function client(url: string, token: string): BackendClient {
    return createBackendClient({ baseUrl: url, token, fetch: options.fetch, timeoutMs: options.requestTimeoutMs });
  }

  /** Data from one backend must never mix with another's: a new backend starts from an empty cache (the outbox stays). */
  function useBackend(key: string, next: BackendClient | null): void {
    const previous = cache.prepare("select value from app_meta where key = 'backend_key'").pluck().get() as string | undefined;
    if (next && previous !== undefined && previous !== key) {
      log.info('backend changed; clearing the synced cache (the outbox is kept)');
      clearSyncedData();
      events.emit('cache:changed', { customerIds: [], global: true });
    }
    if (next)
      cache
        .prepare(
          "insert into app_meta (key, value) values ('backend_key', ?) on conflict (key) do update set value = excluded.value",
        )
        .run(key);
    backendClient = next;
    engine.setClient(next);
  }

  async function connect(): Promise<void> {
    const current = settings.read();
    if (current.backend.mode === 'remote') {
      await demo?.stop();
      demo = null;
      useBackend(`remote:${current.backend.url}`, client(current.backend.url, current.backend.token));
      return;
    }
    if (!options.demoBackend) {
      useBackend('none', null);
      return;
    }
    let token = current.demoToken;
    if (!token) {
      token = crypto.randomBytes(24).toString('base64url');
      settings.write({ ...current, demoToken: token });
    }
    if (!demo) {
      events.emit('sync:changed', { ...engine.status(), state: 'syncing', message: 'Starting the demo backend…' });
      try {
        demo = await startDemoBackend({
          spec: options.demoBackend,
          dataDir: path.join(options.dataDir, 'demo-backend'),
          token,
          log,
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error('demo backend failed to start', { message });
        backendClient = null;
        engine.setClient(null);
        events.emit('sync:changed', {
          ...engine.status(),
          state: 'error',
          message: `${message} Everything already synced stays available. Point Lightkeeper at a backend on the Sync page, or restart to try again.`,
        });
        return;
      }
    }
    // The demo backend's port changes on each start, but it is the same backend (same data directory).
    useBackend('demo', client(demo.url, token));
  }

  function backendView() {
    const current = settings.read();
    return current.backend.mode === 'remote'
      ? { mode: 'remote' as const, url: current.backend.url, hasToken: current.backend.token.length > 0 }
      : { mode: 'demo' as const, url: demo?.url ?? null, hasToken: true };
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
        settings.write({ ...current, backend: { mode: 'remote', url: url.toString().replace(/\/$/, ''), token: input.token } });
      } else {
        settings.write({ ...current, backend: { mode: 'demo' } });
      }
      await connect();
      resumeRuns();
      return backendView();
    },
    'customers:list': (input) => queries.customersPage(input.after ?? null, input.limit ?? 1000),
    'customers:get': (input) => queries.customerDetail(input.customerId),
    'timeline:page': (input) => queries.timelinePage(input),
    'events:get': (input) => queries.eventDetail(input.eventId),
    'events:precedingChanges': (input) => queries.precedingChanges(input.eventId, input.windowHours ?? 24),
    'search:query': (input) => queries.search(input.text, input.limit ?? 100),
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
    'notes:update': (input) => {
      const synced = queries.note(input.noteId);
      const pending = outbox
        .all()
        .find((row) => row.name === 'note.create' && (row.args as { noteId: string }).noteId === input.noteId);
      const customerId = synced?.customer_id ?? (pending?.args as { customerId?: string } | undefined)?.customerId;
      if (!customerId) throw new DeskError('not_found', `Note ${input.noteId} does not exist.`);
      outbox.enqueue(
        'note.update',
        { noteId: input.noteId, body: input.body, baseVer: synced?.ver ?? 0 },
        new Date().toISOString(),
      );
      engine.notifyLocalWrite();
      events.emit('cache:changed', { customerIds: [customerId], global: false });
      const view = queries.notesFor(customerId).find((note) => note.id === input.noteId);
      if (!view) throw new DeskError('internal', 'The note was saved but could not be read back; reload the customer.');
      return view;
    },
  };

  return {
    cache,
    dispatch: createDispatch(handlers, log),
    events,
    async start() {
      await connect();
      resumeRuns();
    },
    async stop() {
      await runHost.stop();
      await engine.stop();
      await demo?.stop();
      demo = null;
    },
    close() {
      void runHost.stop();
      cache.close();
    },
  };
}

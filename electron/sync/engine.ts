import type Database from 'better-sqlite3';
import type { SyncStatus } from '../../shared/ipc/contract';
import { MAX_PULL_BUCKETS, MAX_PUSH_MUTATIONS, PROTOCOL_VERSION, type PullResponse } from '../../shared/sync/wire';
import { BackendError, type BackendClient, type StreamHandle } from '../backend/client';
import { validatePullRows, type ApplySummary, type createApplier } from '../db/apply';
import { identityBinding, type Outbox } from '../db/outbox';
import { systemClock, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/log';
import { backoffDelay } from './backoff';
import { createAppMeta } from '../db/app-meta';

/** The cache schema version the desk tells the server; bump when the synced row shapes the desk needs change. */
export const CLIENT_SCHEMA_VERSION = 1;

/** Dependencies of the sync engine; nothing is reached for globally. */
export type SyncEngineOptions = {
  db: Database.Database;
  outbox: Outbox;
  applier: ReturnType<typeof createApplier>;
  clock?: Clock;
  random?: () => number;
  log: Logger;
  /** Ops per pull response (the server caps it too). */
  pullLimit?: number;
  /** How often to pull even without pokes, as a safety net. */
  pollIntervalMs?: number;
  backoff?: { baseMs: number; capMs: number };
  onStatus(status: SyncStatus): void;
  onChanged(summary: ApplySummary): void;
  /**
   * The backend said who it is, before anything is pushed or pulled: the desk
   * makes sure its cache holds that backend's data and no other's.
   */
  onIdentified?(identity: string, userName: string | null): void;
  /** What to tell the user when the backend refused the credentials (a sign-in that ended vs a static token). */
  unauthorizedMessage?(): string;
};

/** Which configured backend a client talks to: its key binds local writes, its label names it to the user. */
export type BackendRef = { key: string; label: string };

const LAST_SYNC_KEY = 'last_sync_at';

/**
 * Push, then pull, page by page; each page applied with its cursor and the outbox
 * acknowledgement in one transaction. Single-flight: a request during a cycle
 * schedules exactly one more cycle. Failures back off with full jitter and honour
 * Retry-After; pokes from the event stream only trigger pulls.
 */
export function createSyncEngine(options: SyncEngineOptions) {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const pullLimit = options.pullLimit ?? 5000;
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const backoff = options.backoff ?? { baseMs: 500, capMs: 60_000 };
  const { db, outbox, applier, log } = options;

  const meta = createAppMeta(db);
  let client: BackendClient | null = null;
  let stream: StreamHandle | null = null;
  let streamAttempt = 0;
  let streamTimer: unknown = null;
  let isStreamOpen = false;
  let running: Promise<void> | null = null;
  let isRequestedAgain = false;
  let retryTimer: unknown = null;
  let pollTimer: unknown = null;
  let failures = 0;
  let generation = 0;
  let stopped = true;
  /** Per lane (client id): the last seq the server confirmed in this connection. */
  let pushedThrough = new Map<string, number>();
  let backend: BackendRef = { key: 'none', label: 'no backend' };
  /** The binding of the connected backend and user; null until it answered who it is. */
  let identity: string | null = null;
  /** While a server asked us to wait (Retry-After, 429, 5xx), pokes and local writes do not cut the wait short. */
  let notBefore = 0;
  let status: SyncStatus = {
    state: 'not_configured',
    lastSyncAt: meta.get(LAST_SYNC_KEY),
    pendingOutbox: outbox.pendingCount(),
    waitingOutbox: outbox.waitingCount(),
    conflicts: outbox.conflictCount(),
    message: 'No backend is configured.',
    isBootstrapping: false,
    backendUrl: null,
    serverDelayedSince: null,
    firstSync: null,
  };
  /** The first copy's progress: customers reached so far, as the status counts them. */
  let firstSyncCustomers = new Set<string>();
  /** What the last pull response said about rows the server may be holding back. */
  let delayedSince: string | null = null;

  function isBootstrapping(): boolean {
    return applier.buckets.all().some((bucket) => bucket.state !== 'live');
  }

  function counts() {
    return { pendingOutbox: outbox.pendingCount(), waitingOutbox: outbox.waitingCount(), conflicts: outbox.conflictCount() };
  }

  function publish(patch: Partial<SyncStatus>): void {
    status = { ...status, ...patch, ...counts() };
    options.onStatus(status);
  }

  /**
   * Asks the backend who it is and which user the token is, once per
   * connection, before anything is sent: writes go only to the backend and user
   * they were written for. A server older than this question is known by its
   * configured address instead.
   */
  async function identify(current: BackendClient): Promise<void> {
    if (identity !== null) return;
    let learned: string;
    let label: string;
    let userName: string | null = null;
    try {
      const answer = await current.identity();
      learned = identityBinding(answer);
      label = `${backend.label} as ${answer.userId}`;
      userName = answer.name ?? answer.userId;
    } catch (error) {
      if (!(error instanceof BackendError && error.status === 404)) throw error;
      learned = `unidentified:${backend.key}`;
      label = backend.label;
    }
    outbox.learnIdentity(learned, label);
    identity = learned;
    options.onIdentified?.(learned, userName);
  }

  async function push(current: BackendClient): Promise<void> {
    for (;;) {
      const batch = outbox.nextBatch(MAX_PUSH_MUTATIONS, pushedThrough);
      if (!batch) return;
      const { lane, mutations } = batch;
      const first = mutations[0]?.seq ?? 0;
      const last = mutations.at(-1)?.seq ?? 0;
      try {
        const response = await current.push({
          protocol: PROTOCOL_VERSION,
          clientId: lane,
          schemaVersion: CLIENT_SCHEMA_VERSION,
          mutations,
        });
        // Rejections are recorded now; applied rows stay until the rows they produced are in the cache.
        db.transaction(() => {
          outbox.acknowledge(lane, response.results);
          outbox.settle(applier.hasRow);
        })();
        pushedThrough.set(lane, Math.max(pushedThrough.get(lane) ?? 0, Math.min(last, response.lastSeq)));
        if (response.lastSeq < last)
          throw new BackendError('invalid', `The backend acknowledged up to ${response.lastSeq} of ${last}.`);
      } catch (error) {
        if (error instanceof BackendError && error.status === 409 && error.code === 'seq_gap') {
          const expected = (error.body as { expected?: number } | undefined)?.expected;
          if (typeof expected === 'number' && expected < first) {
            log.warn('backend expects an earlier sequence; renumbering pending local changes', { expected, first });
            outbox.renumberFrom(lane, expected);
            pushedThrough.set(lane, expected - 1);
            continue;
          }
        }
        outbox.recordAttempt(lane, first, last, error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
  }

  /**
   * Pulls until every bucket is caught up. The next request goes out as soon as a
   * response has been validated — its cursors are known then — so the server
   * prepares page N+1 while the desk writes page N. Buckets are asked for in
   * chunks of at most MAX_PULL_BUCKETS, the ones still bootstrapping first.
   * With `targets` (the buckets a poke named), only those — and any bucket still
   * bootstrapping — are asked for: one poked customer costs one bucket's read on the
   * server, not every bucket's. The server lists every visible bucket a request did
   * not name as "added"; only the ones this desk does not know yet are new.
   */
  async function pull(
    current: BackendClient,
    clientId: string,
    isCurrent: () => boolean,
    targets: ReadonlySet<string> | null,
  ): Promise<void> {
    type Known = { cursor: string | null; pageToken: string | null; isLive: boolean };
    const known = new Map<string, Known>();
    for (const bucket of applier.buckets.all()) {
      known.set(bucket.bucket, { cursor: bucket.cursor, pageToken: bucket.page_token, isLive: bucket.state === 'live' });
    }
    const order = [...known.keys()]
      .filter((bucket) => targets === null || targets.has(bucket) || !known.get(bucket)?.isLive)
      .sort((a, b) => Number(known.get(a)?.isLive) - Number(known.get(b)?.isLive) || a.localeCompare(b));
    let chunkStart = 0;
    const request = () => {
      const chunk = order.slice(chunkStart, chunkStart + MAX_PULL_BUCKETS).filter((bucket) => known.has(bucket));
      return current.pull({
        protocol: PROTOCOL_VERSION,
        clientId,
        schemaVersion: CLIENT_SCHEMA_VERSION,
        limit: pullLimit,
        buckets: chunk.map((bucket) => ({
          bucket,
          cursor: known.get(bucket)?.cursor ?? null,
          pageToken: known.get(bucket)?.pageToken ?? null,
        })),
      });
    };
    let inFlight: Promise<PullResponse> | null = request();
    while (inFlight) {
      const response = await inFlight;
      inFlight = null;
      if (!isCurrent()) return;
      validatePullRows(response);
      delayedSince = response.delayedSince ?? null;
      for (const page of response.buckets) {
        if ('reset' in page) known.set(page.bucket, { cursor: null, pageToken: null, isLive: false });
        else if (known.has(page.bucket)) {
          const isBootstrapping = page.bootstrap !== undefined && !page.bootstrap.done;
          known.set(page.bucket, {
            cursor: page.cursor,
            pageToken: isBootstrapping ? (page.bootstrap?.pageToken ?? null) : null,
            isLive: !isBootstrapping,
          });
        }
      }
      const fresh = response.addedBuckets.filter((bucket) => !known.has(bucket));
      for (const bucket of fresh) {
        order.push(bucket);
        known.set(bucket, { cursor: null, pageToken: null, isLive: false });
      }
      for (const bucket of response.removedBuckets) known.delete(bucket);
      const isChunkUnfinished = fresh.length > 0 || response.buckets.some((page) => ('reset' in page ? true : page.hasMore));
      if (!isChunkUnfinished) chunkStart += MAX_PULL_BUCKETS;
      if (isChunkUnfinished || chunkStart < order.length) {
        inFlight = request();
        // Handled below when awaited; this only stops an early failure from counting as unhandled.
        inFlight.catch(() => undefined);
        // The client awaits its token before it calls fetch, so without this turn of the event loop the request
        // would only go out after the synchronous apply below, and nothing would overlap (#13).
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!isCurrent()) return;
      }
      const wasBootstrapping = isBootstrapping();
      const summary = applier.applyPull(response, new Date(clock.now()).toISOString(), clientId);
      const isStillBootstrapping = isBootstrapping();
      // The first copy: buckets still bootstrapping, or no sync has finished yet on this cache.
      if (wasBootstrapping || isStillBootstrapping || status.lastSyncAt === null) {
        for (const customerId of summary.customerIds) firstSyncCustomers.add(customerId);
        const before = status.firstSync ?? { pages: 0, changes: 0, customers: 0 };
        const firstSync = isStillBootstrapping
          ? { pages: before.pages + 1, changes: before.changes + summary.ops, customers: firstSyncCustomers.size }
          : null;
        if (!firstSync) firstSyncCustomers = new Set();
        publish({ isBootstrapping: isStillBootstrapping, firstSync });
      }
      if (summary.ops > 0 || summary.customerIds.size > 0 || summary.global) options.onChanged(summary);
    }
  }

  async function cycle(targets: ReadonlySet<string> | null): Promise<void> {
    const current = client;
    const myGeneration = generation;
    if (!current || stopped) return;
    const isCurrent = () => generation === myGeneration && !stopped;
    publish({ state: 'syncing', message: null });
    try {
      await identify(current);
      if (!isCurrent()) return;
      const clientId = outbox.clientId();
      await push(current);
      if (!isCurrent()) return;
      await pull(current, clientId, isCurrent, targets);
      if (!isCurrent()) return;
      failures = 0;
      notBefore = 0;
      const now = new Date(clock.now()).toISOString();
      meta.set(LAST_SYNC_KEY, now);
      publish({
        state: 'online',
        lastSyncAt: now,
        message: isStreamOpen ? null : 'Live updates reconnecting; changes arrive on the next sync.',
        isBootstrapping: isBootstrapping(),
        serverDelayedSince: delayedSince,
      });
      schedulePoll();
    } catch (error) {
      if (!isCurrent()) return;
      failures += 1;
      const backendError = error instanceof BackendError ? error : null;
      const message = error instanceof Error ? error.message : String(error);
      if (backendError?.status === 401) {
        publish({
          state: 'error',
          message:
            options.unauthorizedMessage?.() ?? 'The backend refused the access token. Enter a valid token on the Sync page.',
        });
        return;
      }
      const isOffline = backendError?.kind === 'network' || backendError?.kind === 'timeout';
      const delay = backoffDelay(failures - 1, { ...backoff, random, retryAfterMs: backendError?.retryAfterMs ?? null });
      const isServerAskingToWait =
        backendError?.kind === 'http' && (backendError.status === 429 || (backendError.status ?? 0) >= 500);
      notBefore = isServerAskingToWait ? clock.now() + delay : 0;
      log.warn('sync cycle failed', { failures, retryInMs: delay, message });
      publish({
        state: isOffline ? 'offline' : 'error',
        message: isOffline
          ? `Offline: ${message} Everything already synced stays available; retrying in ${Math.ceil(delay / 1000)} s.`
          : `${message} Retrying in ${Math.ceil(delay / 1000)} s.`,
      });
      clock.clearTimeout(retryTimer);
      retryTimer = clock.setTimeout(() => {
        notBefore = 0;
        void requestSync();
      }, delay);
    }
  }

  function schedulePoll(): void {
    clock.clearTimeout(pollTimer);
    pollTimer = clock.setTimeout(() => void requestSync(), pollIntervalMs);
  }

  /** What the next cycle pulls: nothing asked yet (null), every bucket ('all'), or only the buckets pokes named. */
  let pending: Set<string> | 'all' | null = null;

  function addTargets(buckets: readonly string[] | undefined): void {
    if (buckets === undefined || pending === 'all') pending = 'all';
    else pending = new Set([...(pending ?? []), ...buckets]);
  }

  /**
   * Runs a sync cycle now, or once more after the running one; resolves when that
   * cycle ends. `buckets` narrows the pull to what a poke named; any request without
   * it makes the next cycle a full one.
   */
  function requestSync(buckets?: readonly string[]): Promise<void> {
    addTargets(buckets);
    if (running) {
      isRequestedAgain = true;
      return running;
    }
    if (clock.now() < notBefore) return Promise.resolve();
    clock.clearTimeout(retryTimer);
    running = (async () => {
      do {
        isRequestedAgain = false;
        const targets = pending === 'all' || pending === null ? null : pending;
        pending = null;
        await cycle(targets);
      } while (isRequestedAgain && !stopped && clock.now() >= notBefore);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  function connectStream(): void {
    const current = client;
    const myGeneration = generation;
    if (!current || stopped) return;
    stream = current.stream(
      (buckets) => void requestSync(buckets),
      () => {
        isStreamOpen = true;
        streamAttempt = 0;
        void requestSync();
      },
    );
    void stream.closed.then((error) => {
      const wasOpen = isStreamOpen;
      isStreamOpen = false;
      if (generation !== myGeneration || stopped) return;
      // A stream that broke is the first sign the backend went away: sync now, so the
      // desk says Offline within moments instead of at the next poll (up to 30 s later).
      // While already failing, the cycle's own backoff decides when to try again.
      if (error !== null && wasOpen) void requestSync();
      const delay = backoffDelay(streamAttempt, { ...backoff, random, retryAfterMs: error?.retryAfterMs ?? null });
      streamAttempt += 1;
      streamTimer = clock.setTimeout(connectStream, delay);
    });
  }

  function disconnect(): void {
    generation += 1;
    stream?.close();
    stream = null;
    isStreamOpen = false;
    for (const timer of [retryTimer, pollTimer, streamTimer]) clock.clearTimeout(timer);
  }

  return {
    status: (): SyncStatus => ({ ...status, ...counts() }),
    /**
     * Points the engine at a backend (or none) and starts syncing with it. Local
     * writes from now on belong to `ref` (by default the client's address).
     */
    setClient(next: BackendClient | null, ref?: BackendRef, idleMessage?: string): void {
      disconnect();
      client = next;
      backend = ref ?? (next ? { key: `remote:${next.baseUrl}`, label: next.baseUrl } : { key: 'none', label: 'no backend' });
      outbox.useBackend(backend.key, backend.label);
      identity = null;
      failures = 0;
      pushedThrough = new Map();
      notBefore = 0;
      delayedSince = null;
      stopped = next === null;
      if (!next) {
        publish({
          state: 'not_configured',
          message: idleMessage ?? 'No backend is configured.',
          backendUrl: null,
          serverDelayedSince: null,
        });
        return;
      }
      publish({ state: 'syncing', message: 'Connecting…', backendUrl: next.baseUrl, isBootstrapping: isBootstrapping() });
      connectStream();
      void requestSync();
    },
    /**
     * Stops talking to the current backend while the desk gets another one ready
     * (the demo backend starting, or restarting after it died) and says so: the
     * status stays what it is (`state`, `message`) until the next `setClient`.
     */
    hold(state: 'syncing' | 'offline' | 'error', message: string): void {
      disconnect();
      client = null;
      stopped = true;
      publish({ state, message, backendUrl: null, serverDelayedSince: null });
    },
    requestSync,
    /** Tells the engine a local write is waiting; it pushes at once when connected. */
    notifyLocalWrite(): void {
      publish({});
      if (client && !stopped) void requestSync();
    },
    async stop(): Promise<void> {
      stopped = true;
      disconnect();
      await running?.catch(() => undefined);
    },
  };
}

/** The sync engine type. */
export type SyncEngine = ReturnType<typeof createSyncEngine>;

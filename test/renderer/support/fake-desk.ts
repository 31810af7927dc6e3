import { CHANGE_KINDS, type TimelineEvent } from '../../../shared/domain';
import { buildDeskApi, type Transport } from '../../../shared/ipc/build-api';
import type { Channel, EventName } from '../../../shared/ipc/channels';
import { contract, type DeskApi, type EventPayload, type Output, type SyncStatus } from '../../../shared/ipc/contract';
import type { ContractError, Result } from '../../../shared/ipc/result';
import type { Highlight, NoteView, TimelineRow } from '../../../shared/ipc/views';
import { createFakeRunHost, type FakeRunHost } from '../wizards/support/fake-runs';
import { createFakeFollowUps } from './fake-follow-ups';
import { createFakeProblems } from './fake-problems';
import { createFakeSources } from './fake-sources';
import type { Fixtures } from './fixtures';
import type { Approval } from '../../../shared/remediation/wire';
import { eventIdLinks } from '../../../shared/links';

/** A recorded call: which channel, with what input. */
export type Call = { channel: Channel; input: unknown };

export type FakeDesk = {
  api: DeskApi;
  fixtures: Fixtures;
  calls: Call[];
  /** The inputs sent to one channel, oldest first. */
  inputsTo(channel: Channel): unknown[];
  /** Emits an event from the "core" to every subscriber. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** The fixture answer of a channel, ignoring overrides (for an override that delays the real answer). */
  answer(channel: Channel, input: unknown): Promise<Result<unknown>>;
  /** Replaces a channel's answer (a refusal, a slow answer). */
  override(channel: Channel, handler: (input: unknown) => Promise<Result<unknown>> | Result<unknown>): void;
  syncStatus: SyncStatus;
  /** The wizard library and run host behind `wizards:*` and `runs:*` (the real engine, scripted results). */
  runs: FakeRunHost;
};

const CHANGE = new Set<string>(CHANGE_KINDS);
const HOUR_MS = 3_600_000;
const FAKE_NOW = '2026-11-22T12:00:00.000Z';

/** Handlers refuse with `{ error: { code, message } }` (a NoteView's own `error: null` is not a refusal). */
function isRefusal(answer: unknown): answer is { error: ContractError } {
  if (typeof answer !== 'object' || answer === null || !('error' in answer)) return false;
  const error = answer.error;
  return typeof error === 'object' && error !== null && 'code' in error;
}

function toRow(event: TimelineEvent, notes: readonly NoteView[]): TimelineRow {
  return {
    id: event.id,
    customerId: event.customerId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    kind: event.kind,
    severity: event.severity,
    summary: event.summary,
    feature: event.feature,
    sourceSystem: event.source.system,
    actor: event.actor,
    noteCount: notes.filter((note) => note.eventId === event.id).length,
  };
}

/** The who-else answer for a signal no other customer has. */
function aloneWhoElse(event: TimelineEvent, fleetSize: number) {
  const from = new Date(Date.parse(event.occurredAt) - 72 * 3_600_000).toISOString();
  const to = new Date(Date.parse(event.occurredAt) + 72 * 3_600_000).toISOString();
  return {
    signal: {
      eventId: event.id,
      customerId: event.customerId,
      kind: event.kind,
      summary: event.summary,
      feature: event.feature,
      occurredAt: event.occurredAt,
      signature: event.signature,
    },
    windowHours: 72,
    changeWindowHours: 24,
    from,
    to,
    fleetSize,
    affectedCount: 1,
    others: 0,
    thisVersion: null,
    sameVersionOthers: 0,
    customers: [],
    breakdown: { version: [], plan: [], region: [], lifecycle: [] },
    sharedChanges: [],
    headline: 'No other customer has the same signal',
    lines: [],
    // Seen once, here: this event.
    seen: event.signature
      ? {
          signature: event.signature,
          label: event.signature,
          from,
          to,
          hits: 1,
          customers: 1,
          firstAt: event.occurredAt,
          lastAt: event.occurredAt,
        }
      : null,
  };
}

/** Splits text into highlight segments around any of the words (case-insensitive), as the desk core does. */
export function highlight(text: string, words: readonly string[]): Highlight {
  if (words.length === 0) return [{ text, match: false }];
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(${escaped.join('|')})`, 'gi');
  return text
    .split(pattern)
    .filter((part) => part !== '')
    .map((part) => ({ text: part, match: words.some((word) => word.toLowerCase() === part.toLowerCase()) }));
}

function byTime(direction: 'asc' | 'desc') {
  return (a: TimelineEvent, b: TimelineEvent) => {
    const order = a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return direction === 'asc' ? order : -order;
  };
}

/**
 * The desk core as the renderer sees it, answering from in-memory fixtures
 * through the real `buildDeskApi`. Inputs are validated with the contract's own
 * schemas (invalid input gets `bad_request`, as from the real core) and answers
 * are checked against the output schemas, so fixtures stay realistic.
 */
export function createFakeDesk(fixtures: Fixtures): FakeDesk {
  const calls: Call[] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const overrides = new Map<Channel, (input: unknown) => Promise<Result<unknown>> | Result<unknown>>();
  let noteSeq = 0;
  const syncStatus: SyncStatus = {
    state: 'online',
    lastSyncAt: '2026-11-20T12:00:00.000Z',
    pendingOutbox: 0,
    message: null,
    isBootstrapping: false,
    backendUrl: 'http://127.0.0.1:4000',
    serverDelayedSince: null,
    firstSync: null,
    waitingOutbox: 0,
    conflicts: 0,
  };
  let preferences: Output<'preferences:get'> = { timeZone: 'local' };
  let backend: Output<'backend:get'> = { mode: 'demo', url: null, hasToken: false };
  let identity: Output<'identity:get'> = {
    method: 'demo',
    user: { userId: 'dana', name: 'Dana Desk', email: null, roles: ['admin'] },
    issuer: null,
    signInNeeded: false,
    secrets: { kind: 'keychain', description: 'Sign-ins and tokens are encrypted by the test keychain.', needsConsent: false },
  };

  let updates: Output<'updates:status'> = {
    channel: 'stable',
    state: 'idle',
    feedUrl: 'https://updates.example.com/lightkeeper',
    version: null,
    percent: null,
    message: null,
    checkedAt: null,
  };
  const customerOf = (id: string) => fixtures.customers.find((customer) => customer.id === id);
  const emitNow = (event: EventName, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  const runs = createFakeRunHost(fixtures, (runId) => emitNow('runs:changed', { runId }));

  const handlers: Partial<Record<Channel, (input: never) => unknown>> = {
    ...runs.handlers,
    ...createFakeFollowUps(fixtures),
    ...createFakeProblems(fixtures),
    ...createFakeSources(fixtures, () => identity.user?.roles ?? null),
    'app:info': () => ({
      appVersion: '0.1.0',
      mode: 'browser',
      dataDir: '/tmp/lk',
      cachePath: '/tmp/lk/cache.sqlite',
      cacheSchemaVersion: 3,
      platform: 'linux',
    }),
    'sync:status': () => syncStatus,
    'sync:now': () => ({ ...syncStatus, state: 'syncing' }),
    'outbox:list': () => ({ groups: [] }),
    'backend:get': () => backend,
    'backend:set': (input: { mode: 'demo' } | { mode: 'remote'; url: string; token?: string }) => {
      backend =
        input.mode === 'demo'
          ? { mode: 'demo', url: null, hasToken: false }
          : { mode: 'remote', url: input.url, hasToken: input.token !== undefined };
      return backend;
    },
    'identity:get': () => identity,
    'updates:status': () => ({ ...updates }),
    'updates:setChannel': (input: { channel: 'stable' | 'beta' }) => {
      updates = { ...updates, channel: input.channel };
      return { ...updates };
    },
    'updates:check': () => ({ ...updates }),
    'updates:restart': () => {
      if (updates.state !== 'ready') return { error: { code: 'conflict', message: 'No update is downloaded yet.' } };
      return { ...updates };
    },
    'approvals:inbox': () => {
      const me = identity.user?.userId;
      const mine = (approval: Approval) => approval.requestedBy === me || approval.plan.createdBy === me;
      const pending = (fixtures.approvals ?? []).filter((approval) => approval.status === 'pending');
      return {
        approvals: pending.filter((approval) => !mine(approval)),
        yours: pending.filter((approval) => mine(approval)),
        unavailable: null,
      };
    },
    'approvals:decide': (input: { approvalId: string; decision: 'granted' | 'denied'; note: string }) => {
      const approval = fixtures.approvals?.find((candidate) => candidate.approvalId === input.approvalId);
      if (!approval) return { error: { code: 'not_found', message: 'That approval does not exist.' } };
      Object.assign(approval, {
        status: input.decision,
        decidedBy: identity.user?.userId ?? null,
        decidedByName: identity.user?.name ?? null,
        note: input.note,
      });
      return approval;
    },
    'preferences:get': () => ({ ...preferences }),
    'preferences:set': (input: { timeZone: 'local' | 'utc' }) => {
      preferences = { timeZone: input.timeZone };
      return { ...preferences };
    },
    'identity:signIn': () => {
      identity = {
        ...identity,
        method: 'oidc',
        signInNeeded: false,
        user: { userId: 'alice', name: 'Alice Operator', email: 'alice@example.com', roles: ['operator'] },
      };
      return identity;
    },
    'identity:signOut': () => {
      identity = { ...identity, signInNeeded: true, user: null };
      return identity;
    },
    'identity:acceptUnprotectedSecrets': () => {
      identity = { ...identity, secrets: { kind: 'file', description: 'Kept in a file.', needsConsent: false } };
      return identity;
    },
    'customers:list': (input: { after?: string | null; limit?: number }) => {
      const sorted = [...fixtures.customers].sort((a, b) => (a.id < b.id ? -1 : 1));
      const start = input.after ? sorted.findIndex((customer) => customer.id > input.after!) : 0;
      const rows = start < 0 ? [] : sorted.slice(start, start + (input.limit ?? 1000));
      const last = rows[rows.length - 1];
      const hasMore = start >= 0 && start + rows.length < sorted.length;
      return { rows, nextCursor: hasMore && last ? last.id : null, latestVersion: fixtures.latestVersion };
    },
    'customers:get': (input: { customerId: string }) => {
      const customer = customerOf(input.customerId);
      if (!customer) return { error: { code: 'not_found', message: `No customer "${input.customerId}" in the local cache.` } };
      const events = fixtures.events.filter((event) => event.customerId === customer.id);
      return {
        customer,
        features: fixtures.features.filter((feature) => feature.customerId === customer.id),
        openItems: fixtures.openItems[customer.id] ?? [],
        latestVersion: fixtures.latestVersion,
        notes: fixtures.notes.filter((note) => note.customerId === customer.id && note.eventId === null),
        facets: {
          kinds: [...new Set(events.map((event) => event.kind))].sort(),
          features: [
            ...new Set(events.map((event) => event.feature).filter((feature): feature is string => feature !== null)),
          ].sort(),
          sources: [...new Set(events.map((event) => event.source.system))].sort(),
        },
      };
    },
    'timeline:page': (input: {
      customerId: string;
      direction?: 'asc' | 'desc';
      limit?: number;
      cursor?: string | null;
      startAt?: string;
      filters?: {
        kinds?: string[];
        severities?: string[];
        features?: string[];
        sources?: string[];
        from?: string;
        to?: string;
        text?: string;
        changesOnly?: boolean;
      };
    }) => {
      const direction = input.direction ?? 'desc';
      const filters = input.filters ?? {};
      const text = filters.text?.toLowerCase();
      const matching = fixtures.events
        .filter(
          (event) =>
            event.customerId === input.customerId &&
            (!filters.kinds || filters.kinds.includes(event.kind)) &&
            (!filters.severities || filters.severities.includes(event.severity)) &&
            (!filters.features || (event.feature !== null && filters.features.includes(event.feature))) &&
            (!filters.sources || filters.sources.includes(event.source.system)) &&
            (!filters.from || Date.parse(event.occurredAt) >= Date.parse(filters.from)) &&
            (!filters.to || Date.parse(event.occurredAt) <= Date.parse(filters.to)) &&
            (!filters.changesOnly || CHANGE.has(event.kind)) &&
            (!text || event.summary.toLowerCase().includes(text) || (event.body ?? '').toLowerCase().includes(text)),
        )
        .sort(byTime(direction));
      let window = matching;
      if (input.startAt) {
        const at = Date.parse(input.startAt);
        window = window.filter((event) =>
          direction === 'desc' ? Date.parse(event.occurredAt) <= at : Date.parse(event.occurredAt) >= at,
        );
      }
      if (input.cursor) {
        const [occurredAt, id] = JSON.parse(atob(input.cursor)) as [string, string];
        window = window.filter((event) => byTime(direction)(event, { occurredAt, id } as TimelineEvent) > 0);
      }
      const limit = input.limit ?? 200;
      const page = window.slice(0, limit);
      const last = page[page.length - 1];
      return {
        rows: page.map((event) => toRow(event, fixtures.notes)),
        nextCursor: window.length > limit && last ? btoa(JSON.stringify([last.occurredAt, last.id])) : null,
        total: matching.length,
      };
    },
    'timeline:count': (input: { customerId: string; filters?: Record<string, unknown> }) => {
      const page = handlers['timeline:page'] as (input: unknown) => { total: number };
      return { total: page({ ...input, limit: 1 }).total };
    },
    'events:get': (input: { eventId: string }) => {
      const event = fixtures.events.find((candidate) => candidate.id === input.eventId);
      if (!event) return { error: { code: 'not_found', message: 'That event is not in the local cache.' } };
      return {
        event,
        notes: fixtures.notes.filter((note) => note.eventId === event.id),
        idLinks: eventIdLinks(event, fixtures.linkTemplates ?? null),
      };
    },
    'events:precedingChanges': (input: { eventId: string; windowHours?: number }) => {
      const event = fixtures.events.find((candidate) => candidate.id === input.eventId);
      if (!event) return { error: { code: 'not_found', message: 'That event is not in the local cache.' } };
      const windowHours = input.windowHours ?? 24;
      const end = Date.parse(event.occurredAt);
      const start = end - windowHours * 3_600_000;
      const rows = fixtures.events
        .filter((candidate) => candidate.customerId === event.customerId && CHANGE.has(candidate.kind))
        .filter((candidate) => Date.parse(candidate.occurredAt) < end && Date.parse(candidate.occurredAt) >= start)
        .sort(byTime('desc'))
        .map((candidate) => toRow(candidate, fixtures.notes));
      return { rows, windowHours };
    },
    'diagnosis:customer': (input: { customerId: string }) => {
      if (!customerOf(input.customerId))
        return { error: { code: 'not_found', message: `No customer "${input.customerId}" in the local cache.` } };
      return fixtures.diagnosis?.[input.customerId] ?? { signal: null, suspects: [], impact: null };
    },
    'diagnosis:signalSeries': (input: { customerId: string; hoursBefore?: number }) => {
      if (!customerOf(input.customerId))
        return { error: { code: 'not_found', message: `No customer "${input.customerId}" in the local cache.` } };
      const given = fixtures.signalSeries?.[input.customerId];
      if (given) return given;
      const diagnosis = fixtures.diagnosis?.[input.customerId];
      if (!diagnosis?.signal) {
        return { signal: null, from: FAKE_NOW, to: FAKE_NOW, bucketMs: HOUR_MS, buckets: [], markers: [] };
      }
      // As the core counts: hourly buckets from hoursBefore the signal's start to a day after it.
      const { signal } = diagnosis;
      const fromMs = Math.floor((Date.parse(signal.occurredAt) - (input.hoursBefore ?? 48) * HOUR_MS) / HOUR_MS) * HOUR_MS;
      const toMs = Math.ceil((Date.parse(signal.occurredAt) + 24 * HOUR_MS) / HOUR_MS) * HOUR_MS;
      const buckets = Array.from({ length: (toMs - fromMs) / HOUR_MS }, (_, index) => {
        const start = fromMs + index * HOUR_MS;
        const hits = fixtures.events.filter(
          (event) =>
            signal.signature !== null &&
            event.signature === signal.signature &&
            Date.parse(event.occurredAt) >= start &&
            Date.parse(event.occurredAt) < start + HOUR_MS,
        );
        const others = hits.filter((event) => event.customerId !== input.customerId);
        return {
          at: new Date(start).toISOString(),
          customer: hits.length - others.length,
          fleet: others.length,
          fleetCustomers: new Set(others.map((event) => event.customerId)).size,
        };
      });
      return {
        signal,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        bucketMs: HOUR_MS,
        buckets,
        markers: diagnosis.suspects
          .map((suspect, index) => ({
            eventId: suspect.eventId,
            occurredAt: suspect.occurredAt,
            kind: suspect.kind,
            summary: suspect.summary,
            rank: index + 1,
            score: suspect.score,
          }))
          .filter((marker) => Date.parse(marker.occurredAt) >= fromMs),
      };
    },
    'releases:list': () =>
      fixtures.releases ?? { latestVersion: fixtures.latestVersion, releases: [], lagging: [], onboarding: [], names: {} },
    'customers:setup': (input: { customerId: string }) => {
      if (!customerOf(input.customerId))
        return { error: { code: 'not_found', message: `No customer "${input.customerId}" in the local cache.` } };
      return (
        fixtures.setup?.[input.customerId] ?? {
          steps: [],
          entitledNotEnabled: [],
          lag: null,
          latestVersion: fixtures.latestVersion,
          settings: [],
        }
      );
    },
    'diagnosis:whoElse': (input: { eventId: string }) => {
      const event = fixtures.events.find((candidate) => candidate.id === input.eventId);
      if (!event) return { error: { code: 'not_found', message: 'That event is not in the local cache.' } };
      return fixtures.whoElse?.[event.id] ?? aloneWhoElse(event, fixtures.customers.length);
    },
    'search:query': (input: { text: string; limit?: number; firstCustomerId?: string | null }) => {
      const words = input.text
        .toLowerCase()
        .split(/\s+/)
        .filter((word) => word !== '');
      const matches = (text: string) => words.some((word) => text.toLowerCase().includes(word));
      const groups = fixtures.customers
        .map((customer) => {
          const events = fixtures.events.filter(
            (event) => event.customerId === customer.id && (matches(event.summary) || matches(event.body ?? '')),
          );
          return {
            customerId: customer.id,
            customerName: highlight(customer.name, words),
            health: customer.health,
            customerMatched: matches(customer.name),
            events: events.map((event) => ({
              id: event.id,
              occurredAt: event.occurredAt,
              kind: event.kind,
              severity: event.severity,
              summary: highlight(event.summary, words),
              snippet: event.body ? highlight(event.body.slice(0, 120), words) : [],
            })),
          };
        })
        .filter((group) => group.customerMatched || group.events.length > 0)
        // As the core: the customer the engineer is on first, the rest in their order.
        .sort((a, b) => Number(b.customerId === input.firstCustomerId) - Number(a.customerId === input.firstCustomerId));
      return { groups, indexing: null, tookMs: 0.4 };
    },
    'notes:create': (input: { customerId: string; eventId?: string | null; body: string }) => {
      noteSeq += 1;
      const now = new Date(Date.parse('2026-11-20T13:00:00.000Z') + noteSeq * 1000).toISOString();
      const note: NoteView = {
        id: `local-note-${noteSeq}`,
        customerId: input.customerId,
        eventId: input.eventId ?? null,
        // The core writes notes as the signed-in user (the name the server gave them).
        author: identity.user?.name ?? 'you@ops.example',
        body: input.body.trim(),
        createdAt: now,
        updatedAt: now,
        ver: 0,
        pending: true,
        error: null,
        conflict: null,
      };
      fixtures.notes.push(note);
      return note;
    },
    'notes:update': (input: { noteId: string; body: string }) => {
      const index = fixtures.notes.findIndex((note) => note.id === input.noteId);
      const note = fixtures.notes[index];
      if (!note) return { error: { code: 'not_found', message: 'That note is not in the local cache.' } };
      const updated: NoteView = {
        ...note,
        body: input.body.trim(),
        updatedAt: new Date(Date.parse(note.updatedAt) + 60_000).toISOString(),
        pending: true,
      };
      fixtures.notes[index] = updated;
      return updated;
    },
  };

  const answer = async (channel: Channel, input: unknown): Promise<Result<unknown>> => {
    const handler = handlers[channel] as ((value: unknown) => unknown) | undefined;
    if (!handler) return { ok: false, error: { code: 'unavailable', message: `${channel} is not part of these fixtures.` } };
    const value = await handler(input);
    if (isRefusal(value)) return { ok: false, error: value.error };
    // A fixture that does not fit the contract is a bug in the test, not in the renderer.
    return { ok: true, value: contract[channel].output.parse(value) };
  };

  const transport: Transport = {
    async call(channel, input): Promise<Result<unknown>> {
      calls.push({ channel, input });
      const parsed = contract[channel].input.safeParse(input);
      if (!parsed.success) return { ok: false, error: { code: 'bad_request', message: parsed.error.message } };
      const override = overrides.get(channel);
      return override ? override(parsed.data) : answer(channel, parsed.data);
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };

  return {
    api: buildDeskApi(transport),
    fixtures,
    calls,
    syncStatus,
    runs,
    answer,
    inputsTo: (channel) => calls.filter((call) => call.channel === channel).map((call) => call.input),
    emit(event, payload) {
      emitNow(event, payload);
    },
    override(channel, handler) {
      overrides.set(channel, handler);
    },
  };
}

import type { StateCreator } from 'zustand';
import type { DeskApi, Input } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { EventDetail, TimelineRow } from '../../../../shared/ipc/views';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';
import { MAX_PAGE } from '../../../../shared/ipc/limits';
import {
  appendDayRuns,
  compactRows,
  dayRunsOf,
  EMPTY_TIMELINE_FILTERS,
  firstRowOfDayId,
  freshRows,
  indexOfEvent,
  itemIndexOfRow,
  mergeRows,
  nearestRowId,
  prependDayRuns,
  toFilterInput,
  type DayRun,
  type TimelineFilterState,
  type TimelineOrder,
} from './timeline-model';

/** Rows in the first page: a few screens, small enough to answer and parse quickly when a customer opens. */
export const TIMELINE_PAGE = 400;
/** Rows loaded on the other side of a jump, so what came just after the moment is visible too. */
export const TIMELINE_HEAD_PAGE = 100;
/** Rows per further page while scrolling: few, large pages keep a long scroll from waiting on round trips. */
export const TIMELINE_MORE_PAGE = MAX_PAGE;

type PageInput = Input<'timeline:page'>;

/** Where to land after a load: a deep link's moment, a jumped-to day, or one event (from search). */
export type TimelineAnchor = { at: string; mode: 'nearest' | 'day'; eventId: string | null; openDetails: boolean };

export type EventDetailsState = {
  id: string | null;
  status: LoadStatus;
  detail: EventDetail | null;
  error: ContractError | null;
  requestId: number;
};

export type TimelineState = {
  customerId: string | null;
  filters: TimelineFilterState;
  order: TimelineOrder;
  /** The moment the timeline was jumped to (deep link or "jump to date"); null shows the latest. */
  startAt: string | null;
  anchor: TimelineAnchor | null;
  /** The loaded rows, in display order. */
  rows: TimelineRow[];
  /** How `rows` fall into local days; the list shows a header before each run. */
  days: DayRun[];
  /** Continues the list in display order (further down). */
  tailCursor: string | null;
  /** Continues the list upwards, after a jump. */
  headCursor: string | null;
  total: number | null;
  /** The text filter's matches may be missing: this customer's events are still being indexed for search. */
  isTextIndexing: boolean;
  status: LoadStatus;
  error: ContractError | null;
  loadingMore: 'tail' | 'head' | null;
  moreError: ContractError | null;
  requestId: number;
  /** The exact inputs of the current pages, reused with the cursors. */
  inputs: { primary: PageInput; secondary: PageInput | null } | null;
  /** The keyboard position (j/k). */
  activeId: string | null;
  /** The event whose details are open. */
  selectedId: string | null;
  /** The event a link or jump pointed at. */
  highlightId: string | null;
  /** Asks the list to scroll a line (header or event) into view; `seq` makes repeated requests distinct. */
  scrollRequest: { index: number; align: 'start' | 'center' | 'auto'; seq: number } | null;
  /** The cache changed under a list that cannot be refreshed silently. */
  isStale: boolean;
  /**
   * Events a quiet refresh put where the reader is not looking (above the rows in
   * view when newest first, below them when oldest first), and the newest of them:
   * the list keeps the reader's rows still, so these need a pointer to be seen.
   */
  newEvents: { count: number; newestId: string } | null;
  /** The event the details panel came from ("Back to …"). */
  backId: string | null;
  details: EventDetailsState;
};

/** An event to open once its customer's page loads (from search or the palette). */
export type EventFocus = { customerId: string; eventId: string; occurredAt: string };

/** A first page asked for as the customer page mounts, before `openTimeline` asks for the same. */
export type TimelinePrefetch = {
  desk: DeskApi;
  key: string;
  startedAt: number;
  answer: ReturnType<DeskApi['timeline']['page']>;
};

/** How long a prefetched first page may wait for the `openTimeline` it was asked for. */
const PREFETCH_TTL_MS = 2000;

export type TimelineSlice = {
  timeline: TimelineState;
  pendingFocus: EventFocus | null;
  timelinePrefetch: TimelinePrefetch | null;
  /**
   * Asks for the first page `openTimeline` is about to ask for, so it leaves
   * ahead of the customer page's other calls (the desk answers in order).
   * Nothing is asked when the open will not use it: a pending event focus, or
   * filters whose range depends on the moment of asking.
   */
  prefetchTimeline(desk: DeskApi, customerId: string): void;
  requestEventFocus(focus: EventFocus): void;
  /** Returns and clears the pending focus if it is for this customer. */
  takeEventFocus(customerId: string): EventFocus | null;
  openTimeline(
    desk: DeskApi,
    customerId: string,
    anchor?: { at?: string; eventId?: string; openDetails?: boolean },
  ): Promise<void>;
  reloadTimeline(desk: DeskApi, options?: { quiet?: boolean }): Promise<void>;
  setTimelineFilters(desk: DeskApi, patch: Partial<TimelineFilterState>): Promise<void>;
  resetTimelineFilters(desk: DeskApi): Promise<void>;
  setTimelineOrder(desk: DeskApi, order: TimelineOrder): Promise<void>;
  jumpToDate(desk: DeskApi, at: string): Promise<void>;
  /** Shows the focus event in the timeline: jumps there if it is not loaded. */
  revealEvent(desk: DeskApi, row: { id: string; occurredAt: string }): Promise<void>;
  backToLatest(desk: DeskApi): Promise<void>;
  loadMoreTimeline(desk: DeskApi, end: 'tail' | 'head'): Promise<void>;
  /** j/k: moves the keyboard position by `delta` events. */
  moveActive(delta: number): void;
  setActive(eventId: string | null): void;
  selectEvent(eventId: string | null, options?: { backId?: string | null }): void;
  loadEventDetails(desk: DeskApi, eventId: string, options?: { quiet?: boolean }): Promise<void>;
  markTimelineStale(): void;
  /** Scrolls to the events a refresh added out of view and makes the newest one the keyboard position. */
  showNewEvents(): void;
  /** The reader reached the new events by scrolling. */
  forgetNewEvents(): void;
  /**
   * Forgets the loaded rows when the timeline leaves the screen: a 100,000-row
   * timeline should not be kept (and rendered again, stale, on the next open).
   * The customer, its filters and the order stay for the next open.
   */
  closeTimeline(): void;
};

const INITIAL_DETAILS: EventDetailsState = { id: null, status: 'idle', detail: null, error: null, requestId: 0 };

export const INITIAL_TIMELINE: TimelineState = {
  customerId: null,
  filters: EMPTY_TIMELINE_FILTERS,
  order: 'desc',
  startAt: null,
  anchor: null,
  rows: [],
  days: [],
  tailCursor: null,
  headCursor: null,
  total: null,
  isTextIndexing: false,
  status: 'idle',
  error: null,
  loadingMore: null,
  moreError: null,
  requestId: 0,
  inputs: null,
  activeId: null,
  selectedId: null,
  highlightId: null,
  scrollRequest: null,
  isStale: false,
  newEvents: null,
  backId: null,
  details: INITIAL_DETAILS,
};

let scrollSeq = 0;

function scrollTo(
  rows: readonly TimelineRow[],
  days: readonly DayRun[],
  eventId: string | null,
  align: 'start' | 'center' | 'auto',
): TimelineState['scrollRequest'] {
  scrollSeq += 1;
  const index = eventId === null ? 0 : indexOfEvent(rows, days, eventId);
  return { index: Math.max(index, 0), align: eventId === null ? 'start' : align, seq: scrollSeq };
}

function resolveAnchor(rows: readonly TimelineRow[], days: readonly DayRun[], anchor: TimelineAnchor): string | null {
  if (anchor.eventId && rows.some((row) => row.id === anchor.eventId)) return anchor.eventId;
  return anchor.mode === 'day' ? firstRowOfDayId(rows, days, anchor.at) : nearestRowId(rows, anchor.at);
}

function firstPageInput(customerId: string, order: TimelineOrder, filters: PageInput['filters']): PageInput {
  return { customerId, direction: order, limit: TIMELINE_PAGE, ...(filters ? { filters } : {}) };
}

/**
 * Events in `next` that `previous` did not have and that landed out of the
 * reader's view: before the old first row when newest first, after the old last
 * row when oldest first. Added to what was already waiting to be seen.
 */
function countNewEvents(
  previous: readonly TimelineRow[],
  next: readonly TimelineRow[],
  order: TimelineOrder,
  waiting: TimelineState['newEvents'],
): TimelineState['newEvents'] {
  const edge = order === 'desc' ? previous[0] : previous.at(-1);
  if (!edge) return waiting;
  const edgeIndex = next.findIndex((row) => row.id === edge.id);
  if (edgeIndex === -1) return waiting;
  const added = order === 'desc' ? next.slice(0, edgeIndex) : next.slice(edgeIndex + 1);
  const known = new Set(previous.map((row) => row.id));
  const fresh = added.filter((row) => !known.has(row.id));
  if (fresh.length === 0) return waiting;
  const newest = order === 'desc' ? fresh[0]! : fresh.at(-1)!;
  return { count: (waiting?.count ?? 0) + fresh.length, newestId: newest.id };
}

export const createTimelineSlice: StateCreator<StoreState, [], [], TimelineSlice> = (set, get) => {
  const patch = (change: Partial<TimelineState>) => set((state) => ({ timeline: { ...state.timeline, ...change } }));

  /** The prefetched answer for exactly this input, used once. */
  const takePrefetch = (desk: DeskApi, input: PageInput): TimelinePrefetch['answer'] | null => {
    const prefetch = get().timelinePrefetch;
    if (!prefetch) return null;
    set({ timelinePrefetch: null });
    const isFresh = Date.now() - prefetch.startedAt < PREFETCH_TTL_MS;
    return isFresh && prefetch.desk === desk && prefetch.key === JSON.stringify(input) ? prefetch.answer : null;
  };

  return {
    timeline: INITIAL_TIMELINE,
    pendingFocus: null,
    timelinePrefetch: null,

    prefetchTimeline(desk, customerId) {
      const { timeline, pendingFocus, timelinePrefetch } = get();
      if (pendingFocus?.customerId === customerId) return;
      const filters = timeline.customerId === customerId ? timeline.filters : EMPTY_TIMELINE_FILTERS;
      if (toFilterInput(filters, Date.now()) !== undefined) return;
      const input = firstPageInput(customerId, timeline.order, undefined);
      const key = JSON.stringify(input);
      const isFresh = timelinePrefetch !== null && Date.now() - timelinePrefetch.startedAt < PREFETCH_TTL_MS;
      if (isFresh && timelinePrefetch.key === key && timelinePrefetch.desk === desk) return;
      set({ timelinePrefetch: { desk, key, startedAt: Date.now(), answer: desk.timeline.page(input) } });
    },

    requestEventFocus(focus) {
      set({ pendingFocus: focus });
    },

    takeEventFocus(customerId) {
      const focus = get().pendingFocus;
      if (!focus || focus.customerId !== customerId) return null;
      set({ pendingFocus: null });
      return focus;
    },

    async openTimeline(desk, customerId, anchor = {}) {
      const current = get().timeline;
      const isSameCustomer = current.customerId === customerId;
      set({
        timeline: {
          ...INITIAL_TIMELINE,
          customerId,
          // Filters and order belong to the customer being looked at; the order preference carries over.
          filters: isSameCustomer ? current.filters : EMPTY_TIMELINE_FILTERS,
          order: current.order,
          startAt: anchor.at ?? null,
          anchor: anchor.at
            ? { at: anchor.at, mode: 'nearest', eventId: anchor.eventId ?? null, openDetails: anchor.openDetails ?? false }
            : null,
        },
      });
      await get().reloadTimeline(desk);
    },

    async reloadTimeline(desk, options = {}) {
      const state = get().timeline;
      const customerId = state.customerId;
      if (customerId === null) return;
      const requestId = nextRequestId();
      const base = firstPageInput(customerId, state.order, toFilterInput(state.filters, Date.now()));
      const primary: PageInput = state.startAt ? { ...base, startAt: state.startAt } : base;
      const secondary: PageInput | null = state.startAt
        ? { ...primary, direction: state.order === 'desc' ? 'asc' : 'desc', limit: TIMELINE_HEAD_PAGE }
        : null;
      patch({ status: options.quiet ? state.status : 'loading', error: null, requestId, moreError: null });

      const [primaryResult, secondaryResult] = await Promise.all([
        (options.quiet ? null : takePrefetch(desk, primary)) ?? desk.timeline.page(primary),
        secondary ? desk.timeline.page(secondary) : Promise.resolve(null),
      ]);
      const now = get().timeline;
      if (now.requestId !== requestId) return;
      const failure = !primaryResult.ok
        ? primaryResult.error
        : secondaryResult && !secondaryResult.ok
          ? secondaryResult.error
          : null;
      if (failure || !primaryResult.ok) {
        patch({ status: 'error', error: failure, rows: options.quiet ? now.rows : [], days: options.quiet ? now.days : [] });
        return;
      }
      const before = secondaryResult?.ok ? compactRows(secondaryResult.value.rows).reverse() : [];
      const rows = mergeRows(before, compactRows(primaryResult.value.rows), 'tail');
      const days = dayRunsOf(rows);
      const anchorId = now.anchor ? resolveAnchor(rows, days, now.anchor) : null;
      const keepActive = options.quiet && now.activeId !== null && rows.some((row) => row.id === now.activeId);
      const activeId = anchorId ?? (keepActive ? now.activeId : null);
      patch({
        newEvents: options.quiet ? countNewEvents(now.rows, rows, now.order, now.newEvents) : null,
        rows,
        days,
        status: 'ready',
        error: null,
        total: primaryResult.value.total,
        isTextIndexing: primaryResult.value.isTextIndexing ?? false,
        tailCursor: primaryResult.value.nextCursor,
        headCursor: secondaryResult?.ok ? secondaryResult.value.nextCursor : null,
        inputs: { primary, secondary },
        isStale: false,
        activeId,
        highlightId: anchorId ?? (options.quiet ? now.highlightId : null),
        selectedId: now.anchor?.openDetails && anchorId === now.anchor.eventId ? anchorId : now.selectedId,
        // The anchor is used once; a later refresh must not yank the view back to it.
        anchor: null,
        scrollRequest: options.quiet ? now.scrollRequest : scrollTo(rows, days, anchorId, 'center'),
      });
      // A count that would have delayed the page comes after it.
      if (primaryResult.value.total === null) {
        const counted = await desk.timeline.count({
          customerId,
          ...(primary.filters ? { filters: primary.filters } : {}),
        });
        if (get().timeline.requestId === requestId && counted.ok) patch({ total: counted.value.total });
      }
    },

    async setTimelineFilters(desk, change) {
      const state = get().timeline;
      const filters = { ...state.filters, ...change };
      // A time range and a jumped-to moment would fight; choosing a range shows that range from its latest end.
      const startAt =
        change.range !== undefined || change.customFrom !== undefined || change.customTo !== undefined ? null : state.startAt;
      patch({ filters, startAt, anchor: null });
      await get().reloadTimeline(desk);
    },

    async resetTimelineFilters(desk) {
      patch({ filters: EMPTY_TIMELINE_FILTERS, startAt: null, anchor: null });
      await get().reloadTimeline(desk);
    },

    async setTimelineOrder(desk, order) {
      const state = get().timeline;
      if (state.order === order) return;
      // Keep the reader where they were: re-anchor on the event under the keyboard position.
      const active = state.rows.find((row) => row.id === state.activeId);
      patch({
        order,
        startAt: active ? active.occurredAt : state.startAt,
        anchor: active ? { at: active.occurredAt, mode: 'nearest', eventId: active.id, openDetails: false } : null,
      });
      await get().reloadTimeline(desk);
    },

    async jumpToDate(desk, at) {
      const state = get().timeline;
      // Newest first starts at the end of the chosen day; oldest first at its beginning.
      const day = new Date(at);
      const startAt =
        state.order === 'desc'
          ? new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 999).toISOString()
          : new Date(day.getFullYear(), day.getMonth(), day.getDate()).toISOString();
      const filters =
        state.filters.range === 'all'
          ? state.filters
          : { ...state.filters, range: 'all' as const, customFrom: null, customTo: null };
      patch({ filters, startAt, anchor: { at, mode: 'day', eventId: null, openDetails: false } });
      await get().reloadTimeline(desk);
    },

    async revealEvent(desk, row) {
      const state = get().timeline;
      if (state.rows.some((candidate) => candidate.id === row.id)) {
        patch({ activeId: row.id, highlightId: row.id, scrollRequest: scrollTo(state.rows, state.days, row.id, 'center') });
        return;
      }
      patch({
        filters: EMPTY_TIMELINE_FILTERS,
        startAt: row.occurredAt,
        anchor: { at: row.occurredAt, mode: 'nearest', eventId: row.id, openDetails: false },
      });
      await get().reloadTimeline(desk);
    },

    async backToLatest(desk) {
      patch({ startAt: null, anchor: null, highlightId: null });
      await get().reloadTimeline(desk);
    },

    async loadMoreTimeline(desk, end) {
      const state = get().timeline;
      const cursor = end === 'tail' ? state.tailCursor : state.headCursor;
      const base = end === 'tail' ? state.inputs?.primary : state.inputs?.secondary;
      if (state.loadingMore !== null || state.status !== 'ready' || cursor === null || !base) return;
      const requestId = state.requestId;
      patch({ loadingMore: end, moreError: null });
      const result = await desk.timeline.page({ ...base, cursor, limit: TIMELINE_MORE_PAGE });
      const now = get().timeline;
      if (now.requestId !== requestId) return;
      if (!result.ok) {
        patch({ loadingMore: null, moreError: result.error });
        return;
      }
      // Only the new rows are grouped: the existing runs are extended, never recomputed.
      if (end === 'tail') {
        const added = freshRows(now.rows, compactRows(result.value.rows), 'tail');
        patch({
          rows: now.rows.concat(added),
          days: appendDayRuns(now.days, now.rows.length, added),
          tailCursor: result.value.nextCursor,
          loadingMore: null,
        });
      } else {
        const added = freshRows(now.rows, compactRows(result.value.rows).reverse(), 'head');
        patch({
          rows: added.concat(now.rows),
          days: prependDayRuns(now.days, added),
          headCursor: result.value.nextCursor,
          loadingMore: null,
        });
      }
    },

    moveActive(delta) {
      const state = get().timeline;
      if (state.rows.length === 0) return;
      const index = state.activeId === null ? -1 : state.rows.findIndex((row) => row.id === state.activeId);
      const next =
        index === -1 ? (delta > 0 ? 0 : state.rows.length - 1) : Math.min(Math.max(index + delta, 0), state.rows.length - 1);
      const activeId = state.rows[next]?.id ?? null;
      scrollSeq += 1;
      patch({ activeId, scrollRequest: { index: itemIndexOfRow(state.days, next), align: 'auto', seq: scrollSeq } });
    },

    setActive(eventId) {
      patch({ activeId: eventId });
    },

    selectEvent(eventId, options = {}) {
      const state = get().timeline;
      const index = indexOfEvent(state.rows, state.days, eventId);
      patch({
        selectedId: eventId,
        activeId: index >= 0 ? eventId : state.activeId,
        backId: options.backId ?? null,
        details: eventId === null ? INITIAL_DETAILS : state.details,
        ...(index >= 0 && eventId !== state.activeId ? { scrollRequest: scrollTo(state.rows, state.days, eventId, 'auto') } : {}),
      });
    },

    async loadEventDetails(desk, eventId, options = {}) {
      const requestId = nextRequestId();
      const previous = get().timeline.details;
      const keep = options.quiet === true && previous.id === eventId && previous.detail !== null;
      patch({
        details: keep ? { ...previous, requestId } : { id: eventId, status: 'loading', detail: null, error: null, requestId },
      });
      const result = await desk.events.get({ eventId });
      if (get().timeline.details.requestId !== requestId) return;
      if (result.ok) {
        get().mergeNotes(result.value.notes);
        patch({ details: { id: eventId, status: 'ready', detail: result.value, error: null, requestId } });
      } else if (!keep) {
        patch({ details: { id: eventId, status: 'error', detail: null, error: result.error, requestId } });
      }
    },

    markTimelineStale() {
      patch({ isStale: true });
    },

    showNewEvents() {
      const state = get().timeline;
      if (!state.newEvents) return;
      const { newestId } = state.newEvents;
      const index = indexOfEvent(state.rows, state.days, newestId);
      scrollSeq += 1;
      patch({
        newEvents: null,
        activeId: index >= 0 ? newestId : state.activeId,
        // Newest first, the new events start the list: show it from its very top, day header included.
        scrollRequest:
          state.order === 'desc'
            ? { index: 0, align: 'start', seq: scrollSeq }
            : { index: Math.max(index, 0), align: 'auto', seq: scrollSeq },
      });
    },

    forgetNewEvents() {
      if (get().timeline.newEvents) patch({ newEvents: null });
    },

    closeTimeline() {
      const { customerId, filters, order } = get().timeline;
      // A new request id drops any answer still on its way for the rows being forgotten.
      set({ timeline: { ...INITIAL_TIMELINE, customerId, filters, order, requestId: nextRequestId() } });
    },
  };
};

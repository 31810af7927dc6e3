import type { StateCreator } from 'zustand';
import type { DeskApi } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { SearchOutput } from '../../../../shared/ipc/views';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';

export const SEARCH_LIMIT = 50;
/**
 * At most this many `search:query` calls are on the wire. Two let the next
 * keystroke go out while the previous answer is still coming back (one would add
 * a round trip to fast typing); text typed beyond that waits, newest only, so the
 * desk is never flooded.
 */
export const SEARCH_MAX_IN_FLIGHT = 2;

export type SearchState = {
  /** What is in the box. */
  text: string;
  /** The text the shown results answer. */
  resultText: string;
  status: LoadStatus;
  result: SearchOutput | null;
  error: ContractError | null;
  isOpen: boolean;
  /** How many requests are on the wire, and the newest text typed while the limit was reached. */
  inFlight: number;
  queued: string | null;
  /** The newest request sent, and the request whose answer is shown (or that cleared the box): older answers are dropped. */
  latestRequest: number;
  shownRequest: number;
  /** Bumped to ask the header box to take focus ("/", the palette). */
  focusRequest: number;
};

export type SearchSlice = {
  search: SearchState;
  /**
   * Sets the text and queries as you type, with no fixed debounce delay. At most
   * {@link SEARCH_MAX_IN_FLIGHT} requests are on the wire; answers show in the
   * order typed, and an answer older than the one shown is dropped.
   */
  setSearchText(desk: DeskApi, text: string): void;
  setSearchOpen(isOpen: boolean): void;
  requestSearchFocus(): void;
};

export const createSearchSlice: StateCreator<StoreState, [], [], SearchSlice> = (set, get) => {
  const patch = (change: Partial<SearchState>) => set((state) => ({ search: { ...state.search, ...change } }));

  const send = async (desk: DeskApi, text: string): Promise<void> => {
    const requestId = nextRequestId();
    patch({ inFlight: get().search.inFlight + 1, queued: null, status: 'loading', latestRequest: requestId });
    const route = get().route;
    // The customer whose page is open comes first in the answer (#15, item 13).
    const firstCustomerId = route.view === 'customer' ? route.customerId : null;
    const result = await desk.search.query({ text, limit: SEARCH_LIMIT, firstCustomerId });
    const state = get().search;
    const inFlight = Math.max(state.inFlight - 1, 0);
    const queued = state.queued;
    const isNewest = requestId === state.latestRequest && queued === null;
    if (requestId < state.shownRequest || (!result.ok && !isNewest)) {
      // Stale (a newer answer is shown, or the box was cleared), or a failure of text already typed over.
      patch({ inFlight });
    } else if (result.ok) {
      patch({
        inFlight,
        shownRequest: requestId,
        status: isNewest ? 'ready' : 'loading',
        result: result.value,
        resultText: text,
        error: null,
      });
    } else {
      patch({ inFlight, shownRequest: requestId, status: 'error', error: result.error, resultText: text });
    }
    if (queued !== null) void send(desk, queued);
  };

  return {
    search: {
      text: '',
      resultText: '',
      status: 'idle',
      result: null,
      error: null,
      isOpen: false,
      inFlight: 0,
      queued: null,
      latestRequest: 0,
      shownRequest: 0,
      focusRequest: 0,
    },

    setSearchText(desk, text) {
      const trimmed = text.trim();
      if (trimmed === '') {
        // Clearing the box forgets every answer still on the wire.
        patch({ text, resultText: '', status: 'idle', result: null, error: null, queued: null, shownRequest: nextRequestId() });
        return;
      }
      patch({ text, isOpen: true });
      if (get().search.inFlight >= SEARCH_MAX_IN_FLIGHT) patch({ queued: trimmed });
      else void send(desk, trimmed);
    },

    setSearchOpen(isOpen) {
      patch({ isOpen });
    },

    requestSearchFocus() {
      patch({ focusRequest: get().search.focusRequest + 1 });
    },
  };
};

import type { StateCreator } from 'zustand';
import type { DeskApi } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { SearchOutput } from '../../../../shared/ipc/views';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';

export const SEARCH_LIMIT = 50;

export type SearchState = {
  /** What is in the box. */
  text: string;
  /** The text the shown results answer. */
  resultText: string;
  status: LoadStatus;
  result: SearchOutput | null;
  error: ContractError | null;
  isOpen: boolean;
  /** The request on the wire, if any, and the newest text typed while it was out. */
  inFlight: number | null;
  queued: string | null;
  /** Bumped to ask the header box to take focus ("/", the palette). */
  focusRequest: number;
};

export type SearchSlice = {
  search: SearchState;
  /**
   * Sets the text and queries as you type. At most one request is on the wire:
   * text typed meanwhile is sent when it answers and the stale answer is dropped,
   * so results follow the keyboard without a fixed debounce delay.
   */
  setSearchText(desk: DeskApi, text: string): void;
  setSearchOpen(isOpen: boolean): void;
  requestSearchFocus(): void;
};

export const createSearchSlice: StateCreator<StoreState, [], [], SearchSlice> = (set, get) => {
  const patch = (change: Partial<SearchState>) => set((state) => ({ search: { ...state.search, ...change } }));

  const send = async (desk: DeskApi, text: string): Promise<void> => {
    const requestId = nextRequestId();
    patch({ inFlight: requestId, queued: null, status: 'loading' });
    const result = await desk.search.query({ text, limit: SEARCH_LIMIT });
    const state = get().search;
    if (state.inFlight !== requestId) return;
    if (state.queued !== null) {
      void send(desk, state.queued);
      return;
    }
    if (result.ok) patch({ inFlight: null, status: 'ready', result: result.value, resultText: text, error: null });
    else patch({ inFlight: null, status: 'error', error: result.error, resultText: text });
  };

  return {
    search: {
      text: '',
      resultText: '',
      status: 'idle',
      result: null,
      error: null,
      isOpen: false,
      inFlight: null,
      queued: null,
      focusRequest: 0,
    },

    setSearchText(desk, text) {
      const trimmed = text.trim();
      if (trimmed === '') {
        // Clearing the box forgets any answer still on the wire.
        patch({ text, resultText: '', status: 'idle', result: null, error: null, inFlight: null, queued: null });
        return;
      }
      patch({ text, isOpen: true });
      if (get().search.inFlight !== null) patch({ queued: trimmed });
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

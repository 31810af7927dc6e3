import type { StateCreator } from 'zustand';
import type { DeskApi, Output } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { RunHistoryItem, WizardListItem } from '../../../../shared/ipc/wizard-views';
import type { Outcome } from '../../../../shared/wizards/format';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';

/** One run in the lists of the Wizards page. */
export type RunListItem = Output<'runs:list'>['runs'][number];

export type WizardLibraryState = {
  status: LoadStatus;
  wizards: WizardListItem[];
  error: ContractError | null;
  requestId: number;
};

export type RunListsState = {
  status: LoadStatus;
  active: RunListItem[];
  error: ContractError | null;
  requestId: number;
};

/** The run history's filter (issue 15, item 14); null: any. */
export type RunHistoryFilter = { wizardId: string | null; outcome: Outcome | null; ranBy: string | null; days: number | null };

export type RunHistoryState = {
  status: LoadStatus;
  runs: RunHistoryItem[];
  /** Where the next page starts; null when every matching run is shown. */
  next: { finishedAt: string; runId: string } | null;
  /** Everyone who finished a run in the period, for the "Ran by" filter. */
  operators: string[];
  isLoadingMore: boolean;
  error: ContractError | null;
  requestId: number;
};

export type WizardsSlice = {
  library: WizardLibraryState;
  runLists: RunListsState;
  /** The Wizards page's filter text. */
  wizardFilter: string;
  setWizardFilter(text: string): void;
  /** Loads the whole library (`wizards:list` without context); `quiet` keeps what is shown while it loads. */
  loadLibrary(desk: DeskApi, options?: { quiet?: boolean }): Promise<void>;
  /** Loads the open runs (finished ones are the run history's). */
  loadRunLists(desk: DeskApi, options?: { quiet?: boolean }): Promise<void>;
  runHistory: RunHistoryState;
  historyFilter: RunHistoryFilter;
  /** Changes the history filter (the page loads the history again). */
  setHistoryFilter(change: Partial<RunHistoryFilter>): void;
  /** Loads the first page of the run history for the filter; `more` appends the next page instead. */
  loadRunHistory(desk: DeskApi, options?: { quiet?: boolean; more?: boolean }): Promise<void>;
};

/** How many runs one page of the history shows. */
export const HISTORY_PAGE = 50;

export const createWizardsSlice: StateCreator<StoreState, [], [], WizardsSlice> = (set, get) => ({
  library: { status: 'idle', wizards: [], error: null, requestId: 0 },
  runLists: { status: 'idle', active: [], error: null, requestId: 0 },
  wizardFilter: '',
  setWizardFilter: (wizardFilter) => set({ wizardFilter }),
  runHistory: { status: 'idle', runs: [], next: null, operators: [], isLoadingMore: false, error: null, requestId: 0 },
  historyFilter: { wizardId: null, outcome: null, ranBy: null, days: 30 },
  setHistoryFilter: (change) => set({ historyFilter: { ...get().historyFilter, ...change } }),

  async loadRunHistory(desk, options = {}) {
    const requestId = nextRequestId();
    const previous = get().runHistory;
    const isMore = options.more === true && previous.next !== null;
    const { wizardId, outcome, ranBy, days } = get().historyFilter;
    set({
      runHistory: isMore
        ? { ...previous, isLoadingMore: true, requestId }
        : { ...previous, status: options.quiet && previous.status === 'ready' ? 'ready' : 'loading', requestId },
    });
    const result = await desk.runs.history({
      ...(wizardId ? { wizardId } : {}),
      ...(outcome ? { outcome } : {}),
      ...(ranBy ? { ranBy } : {}),
      ...(days ? { days } : {}),
      ...(isMore ? { before: previous.next } : {}),
      limit: HISTORY_PAGE,
    });
    if (get().runHistory.requestId !== requestId) return;
    if (result.ok) {
      const runs = isMore ? [...previous.runs, ...result.value.runs] : result.value.runs;
      const { next, operators } = result.value;
      set({ runHistory: { status: 'ready', runs, next, operators, isLoadingMore: false, error: null, requestId } });
    } else set({ runHistory: { ...previous, status: 'error', isLoadingMore: false, error: result.error, requestId } });
  },

  async loadLibrary(desk, options = {}) {
    const requestId = nextRequestId();
    const previous = get().library;
    set({ library: { ...previous, status: options.quiet && previous.status === 'ready' ? 'ready' : 'loading', requestId } });
    const result = await desk.wizards.list({});
    if (get().library.requestId !== requestId) return;
    if (result.ok) set({ library: { status: 'ready', wizards: result.value.wizards, error: null, requestId } });
    else set({ library: { status: 'error', wizards: previous.wizards, error: result.error, requestId } });
  },

  async loadRunLists(desk, options = {}) {
    const requestId = nextRequestId();
    const previous = get().runLists;
    set({ runLists: { ...previous, status: options.quiet && previous.status === 'ready' ? 'ready' : 'loading', requestId } });
    const active = await desk.runs.list({ status: 'active' });
    if (get().runLists.requestId !== requestId) return;
    if (active.ok) set({ runLists: { status: 'ready', active: active.value.runs, error: null, requestId } });
    else set({ runLists: { ...previous, status: 'error', error: active.error, requestId } });
  },
});

/** Wizards whose title, id, description or appliesTo contain every word of the filter. */
export function filterWizards(wizards: readonly WizardListItem[], filter: string): WizardListItem[] {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words.length === 0) return [...wizards];
  return wizards.filter((wizard) => {
    const haystack = [
      wizard.title,
      wizard.id,
      wizard.description,
      ...wizard.appliesTo.features,
      ...wizard.appliesTo.eventKinds,
      ...wizard.appliesTo.symptoms,
    ]
      .join(' ')
      .toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

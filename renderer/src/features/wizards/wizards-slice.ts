import type { StateCreator } from 'zustand';
import type { DeskApi, Output } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { WizardListItem } from '../../../../shared/ipc/wizard-views';
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
  finished: RunListItem[];
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
  /** Loads open runs and recently finished ones. */
  loadRunLists(desk: DeskApi, options?: { quiet?: boolean }): Promise<void>;
};

/** How many finished runs the Wizards page lists. */
export const RECENT_FINISHED_RUNS = 20;

export const createWizardsSlice: StateCreator<StoreState, [], [], WizardsSlice> = (set, get) => ({
  library: { status: 'idle', wizards: [], error: null, requestId: 0 },
  runLists: { status: 'idle', active: [], finished: [], error: null, requestId: 0 },
  wizardFilter: '',
  setWizardFilter: (wizardFilter) => set({ wizardFilter }),

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
    const [active, finished] = await Promise.all([desk.runs.list({ status: 'active' }), desk.runs.list({ status: 'finished' })]);
    if (get().runLists.requestId !== requestId) return;
    if (active.ok && finished.ok) {
      set({
        runLists: {
          status: 'ready',
          active: active.value.runs,
          finished: finished.value.runs.slice(0, RECENT_FINISHED_RUNS),
          error: null,
          requestId,
        },
      });
    } else {
      const error = !active.ok ? active.error : !finished.ok ? finished.error : null;
      set({ runLists: { ...previous, status: 'error', error, requestId } });
    }
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

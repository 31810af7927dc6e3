import { create } from 'zustand';
import { createCustomerSlice, type CustomerSlice } from '../features/customer/customer-slice';
import { createFleetSlice, type FleetSlice } from '../features/fleet/fleet-slice';
import { createNotesSlice, type NotesSlice } from '../features/notes/notes-slice';
import { createPaletteSlice, type PaletteSlice } from '../features/palette/palette-slice';
import { createRunsSlice, type RunsSlice } from '../features/runs/runs-slice';
import { createSearchSlice, type SearchSlice } from '../features/search/search-slice';
import { createTimelineSlice, type TimelineSlice } from '../features/timeline/timeline-slice';
import { createWizardsSlice, type WizardsSlice } from '../features/wizards/wizards-slice';
import { createAppSlice, type AppSlice } from './app-slice';
import type { DisplayTimeZone } from '../../../shared/ipc/views';
import { dayRunsOf } from '../features/timeline/timeline-model';
import { setDisplayTimeZone } from '../lib/time';
import { createSyncSlice, type SyncSlice } from './sync-slice';

/** The whole renderer state: one store made of feature slices. */
export type StoreState = AppSlice &
  SyncSlice &
  FleetSlice &
  CustomerSlice &
  TimelineSlice &
  NotesSlice &
  SearchSlice &
  PaletteSlice &
  WizardsSlice &
  RunsSlice;

export const useStore = create<StoreState>()((...args) => ({
  ...createAppSlice(...args),
  ...createSyncSlice(...args),
  ...createFleetSlice(...args),
  ...createCustomerSlice(...args),
  ...createTimelineSlice(...args),
  ...createNotesSlice(...args),
  ...createSearchSlice(...args),
  ...createPaletteSlice(...args),
  ...createWizardsSlice(...args),
  ...createRunsSlice(...args),
}));

const initialState = useStore.getState();

/** Puts the store back to its first state; for tests. */
export function resetStore(): void {
  useStore.setState(initialState, true);
  setDisplayTimeZone('local');
}

/** Shows times in `zone`; the timeline's days are regrouped by the days of that zone. */
export function changeTimeZone(zone: DisplayTimeZone): void {
  useStore.getState().setTimeZone(zone);
  useStore.setState((state) => ({ timeline: { ...state.timeline, days: dayRunsOf(state.timeline.rows) } }));
}

import { create } from 'zustand';
import { createAppSlice, type AppSlice } from './app-slice';
import { createSyncSlice, type SyncSlice } from './sync-slice';

/** The whole renderer state: one store made of feature slices. */
export type StoreState = AppSlice & SyncSlice;

export const useStore = create<StoreState>()((...args) => ({
  ...createAppSlice(...args),
  ...createSyncSlice(...args),
}));

const initialState = useStore.getState();

/** Puts the store back to its first state; for tests. */
export function resetStore(): void {
  useStore.setState(initialState, true);
}

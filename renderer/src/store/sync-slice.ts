import type { StateCreator } from 'zustand';
import type { SyncStatus } from '../../../shared/ipc/contract';

export type SyncSlice = {
  syncStatus: SyncStatus | null;
  setSyncStatus(status: SyncStatus): void;
};

export const createSyncSlice: StateCreator<SyncSlice, [], [], SyncSlice> = (set) => ({
  syncStatus: null,
  setSyncStatus: (syncStatus) => set({ syncStatus }),
});

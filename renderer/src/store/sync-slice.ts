import type { StateCreator } from 'zustand';
import type { SyncStatus } from '../../../shared/ipc/contract';
import type { IdentityView } from '../../../shared/ipc/views';

export type SyncSlice = {
  syncStatus: SyncStatus | null;
  setSyncStatus(status: SyncStatus): void;
  /** Who is at the desk (never a token). */
  identity: IdentityView | null;
  setIdentity(identity: IdentityView): void;
};

export const createSyncSlice: StateCreator<SyncSlice, [], [], SyncSlice> = (set) => ({
  syncStatus: null,
  setSyncStatus: (syncStatus) => set({ syncStatus }),
  identity: null,
  setIdentity: (identity) => set({ identity }),
});

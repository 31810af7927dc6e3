import type { StateCreator } from 'zustand';
import type { SyncStatus } from '../../../shared/ipc/contract';
import type { DisplayTimeZone, IdentityView } from '../../../shared/ipc/views';
import { setDisplayTimeZone } from '../lib/time';

export type SyncSlice = {
  syncStatus: SyncStatus | null;
  setSyncStatus(status: SyncStatus): void;
  /** Who is at the desk (never a token). */
  identity: IdentityView | null;
  setIdentity(identity: IdentityView): void;
  /** The zone times are shown in (a desk preference); every time on screen re-renders when it changes. */
  timeZone: DisplayTimeZone;
  setTimeZone(zone: DisplayTimeZone): void;
};

export const createSyncSlice: StateCreator<SyncSlice, [], [], SyncSlice> = (set) => ({
  syncStatus: null,
  setSyncStatus: (syncStatus) => set({ syncStatus }),
  identity: null,
  setIdentity: (identity) => set({ identity }),
  timeZone: 'local',
  setTimeZone: (timeZone) => {
    setDisplayTimeZone(timeZone);
    set({ timeZone });
  },
});

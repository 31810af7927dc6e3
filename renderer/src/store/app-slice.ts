import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/ipc/contract';
import type { ContractError } from '../../../shared/ipc/result';
import type { AppRoute } from '../../../shared/routes';

/** The last `cache:changed` from the desk core; `seq` grows with every event so views can react to each one. */
export type CacheChange = { seq: number; customerIds: readonly string[]; global: boolean };

export type AppSlice = {
  route: AppRoute;
  info: AppInfo | null;
  infoError: ContractError | null;
  /** A message shown once, e.g. a refused deep link. */
  notice: string | null;
  cacheChange: CacheChange;
  setRoute(route: AppRoute): void;
  setInfo(info: AppInfo | null, error?: ContractError | null): void;
  setNotice(notice: string | null): void;
  noteCacheChanged(change: { customerIds: readonly string[]; global: boolean }): void;
};

export const createAppSlice: StateCreator<AppSlice, [], [], AppSlice> = (set) => ({
  route: { view: 'fleet' },
  info: null,
  infoError: null,
  notice: null,
  cacheChange: { seq: 0, customerIds: [], global: false },
  setRoute: (route) => set({ route }),
  setInfo: (info, error = null) => set({ info, infoError: error }),
  setNotice: (notice) => set({ notice }),
  noteCacheChanged: (change) =>
    set((state) => ({ cacheChange: { seq: state.cacheChange.seq + 1, customerIds: change.customerIds, global: change.global } })),
});

/** Whether a cache change concerns one customer. */
export function touchesCustomer(change: CacheChange, customerId: string): boolean {
  return change.global || change.customerIds.includes(customerId);
}

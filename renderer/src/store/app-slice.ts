import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/ipc/contract';
import type { ContractError } from '../../../shared/ipc/result';
import { routeToHash, type AppRoute } from '../../../shared/routes';

/** The last `cache:changed` from the desk core; `seq` grows with every event so views can react to each one. */
export type CacheChange = { seq: number; customerIds: readonly string[]; global: boolean; searchIndexed?: boolean };

export type AppSlice = {
  route: AppRoute;
  info: AppInfo | null;
  infoError: ContractError | null;
  /** A message about the moment, e.g. a refused deep link; it goes when the operator moves to another page. */
  notice: string | null;
  cacheChange: CacheChange;
  /** Moves to `route`; a notice about the page left behind goes with it. */
  setRoute(route: AppRoute): void;
  /** A link that cannot be opened: shows the fleet and says why. */
  refuseLink(reason: string): void;
  setInfo(info: AppInfo | null, error?: ContractError | null): void;
  setNotice(notice: string | null): void;
  noteCacheChanged(change: { customerIds: readonly string[]; global: boolean; searchIndexed?: boolean }): void;
};

export const createAppSlice: StateCreator<AppSlice, [], [], AppSlice> = (set) => ({
  route: { view: 'fleet' },
  info: null,
  infoError: null,
  notice: null,
  cacheChange: { seq: 0, customerIds: [], global: false },
  // The same page again (the address catching up with the store) is not moving on: the notice stays.
  setRoute: (route) => set((state) => (routeToHash(state.route) === routeToHash(route) ? { route } : { route, notice: null })),
  refuseLink: (reason) =>
    set({ route: { view: 'fleet' }, notice: `That link could not be opened: ${reason}. Showing the fleet instead.` }),
  setInfo: (info, error = null) => set({ info, infoError: error }),
  setNotice: (notice) => set({ notice }),
  noteCacheChanged: (change) =>
    set((state) => ({
      cacheChange: {
        seq: state.cacheChange.seq + 1,
        customerIds: change.customerIds,
        global: change.global,
        searchIndexed: change.searchIndexed,
      },
    })),
});

/** Whether a cache change concerns one customer. */
export function touchesCustomer(change: CacheChange, customerId: string): boolean {
  return change.global || change.customerIds.includes(customerId);
}

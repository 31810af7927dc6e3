import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/ipc/contract';
import type { ContractError } from '../../../shared/ipc/result';
import type { AppRoute } from '../../../shared/routes';

export type AppSlice = {
  route: AppRoute;
  info: AppInfo | null;
  infoError: ContractError | null;
  /** A message shown once, e.g. a refused deep link. */
  notice: string | null;
  setRoute(route: AppRoute): void;
  setInfo(info: AppInfo | null, error?: ContractError | null): void;
  setNotice(notice: string | null): void;
};

export const createAppSlice: StateCreator<AppSlice, [], [], AppSlice> = (set) => ({
  route: { view: 'fleet' },
  info: null,
  infoError: null,
  notice: null,
  setRoute: (route) => set({ route }),
  setInfo: (info, error = null) => set({ info, infoError: error }),
  setNotice: (notice) => set({ notice }),
});

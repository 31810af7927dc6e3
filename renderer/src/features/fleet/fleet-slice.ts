import type { StateCreator } from 'zustand';
import type { DeskApi } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import { MAX_PAGE } from '../../../../shared/ipc/limits';
import type { CustomerSummary } from '../../../../shared/ipc/views';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';
import { defaultDirection, EMPTY_FLEET_FILTERS, type FleetColumn, type FleetFilters, type FleetSort } from './fleet-model';

export type FleetState = {
  status: LoadStatus;
  rows: CustomerSummary[];
  latestVersion: string | null;
  /** False while later pages are still loading (or failed). */
  isComplete: boolean;
  error: ContractError | null;
  requestId: number;
};

export type FleetSlice = {
  fleet: FleetState;
  fleetSort: FleetSort;
  fleetFilters: FleetFilters;
  /** Loads every page of `customers:list`; a newer call supersedes an older one. */
  loadFleet(desk: DeskApi): Promise<void>;
  /** Sorts by a column; the same column again flips the direction. */
  setFleetSort(column: FleetColumn): void;
  setFleetFilters(patch: Partial<FleetFilters>): void;
  resetFleetFilters(): void;
};

const INITIAL_FLEET: FleetState = { status: 'idle', rows: [], latestVersion: null, isComplete: false, error: null, requestId: 0 };

export const createFleetSlice: StateCreator<StoreState, [], [], FleetSlice> = (set, get) => ({
  fleet: INITIAL_FLEET,
  fleetSort: { column: 'health', direction: 'asc' },
  fleetFilters: EMPTY_FLEET_FILTERS,

  async loadFleet(desk) {
    const requestId = nextRequestId();
    const isRefresh = get().fleet.rows.length > 0;
    set((state) => ({ fleet: { ...state.fleet, status: 'loading', error: null, requestId } }));
    const rows: CustomerSummary[] = [];
    let after: string | null = null;
    let latestVersion: string | null = null;
    for (;;) {
      const result = await desk.customers.list({ after, limit: MAX_PAGE });
      if (get().fleet.requestId !== requestId) return;
      if (!result.ok) {
        set((state) => ({
          fleet: {
            ...state.fleet,
            status: 'error',
            error: result.error,
            isComplete: false,
            rows: isRefresh ? state.fleet.rows : rows,
          },
        }));
        return;
      }
      rows.push(...result.value.rows);
      latestVersion = result.value.latestVersion;
      after = result.value.nextCursor;
      if (after === null) break;
      // The first load shows rows as pages arrive; a refresh swaps them in once complete so the table never shrinks.
      if (!isRefresh) set((state) => ({ fleet: { ...state.fleet, rows: [...rows], latestVersion } }));
    }
    set({ fleet: { status: 'ready', rows, latestVersion, isComplete: true, error: null, requestId } });
  },

  setFleetSort(column) {
    const { fleetSort } = get();
    set({
      fleetSort:
        fleetSort.column === column
          ? { column, direction: fleetSort.direction === 'asc' ? 'desc' : 'asc' }
          : { column, direction: defaultDirection(column) },
    });
  },

  setFleetFilters(patch) {
    set((state) => ({ fleetFilters: { ...state.fleetFilters, ...patch } }));
  },

  resetFleetFilters() {
    set({ fleetFilters: EMPTY_FLEET_FILTERS });
  },
});

import type { StateCreator } from 'zustand';
import type { DeskApi } from '../../../../shared/ipc/contract';
import type { ContractError } from '../../../../shared/ipc/result';
import type { CustomerDetail } from '../../../../shared/ipc/views';
import { nextRequestId, type LoadStatus } from '../../store/requests';
import type { StoreState } from '../../store/store';

export type CustomerState = {
  id: string | null;
  status: LoadStatus;
  detail: CustomerDetail | null;
  error: ContractError | null;
  requestId: number;
};

export type CustomerSlice = {
  customer: CustomerState;
  /**
   * Whether the engineer opened (true) or folded (false) the customer overview by hand; null
   * leaves it to the window's width (#15: the timeline gets the space in small windows).
   */
  overviewChoice: boolean | null;
  setOverviewOpen(isOpen: boolean): void;
  /** Loads `customers:get`; `quiet` refreshes in place (after `cache:changed`) without blanking the page. */
  loadCustomer(desk: DeskApi, customerId: string, options?: { quiet?: boolean }): Promise<void>;
};

export const createCustomerSlice: StateCreator<StoreState, [], [], CustomerSlice> = (set, get) => ({
  customer: { id: null, status: 'idle', detail: null, error: null, requestId: 0 },
  overviewChoice: null,
  setOverviewOpen: (isOpen) => set({ overviewChoice: isOpen }),

  async loadCustomer(desk, customerId, options = {}) {
    const requestId = nextRequestId();
    const previous = get().customer;
    const keep = options.quiet === true && previous.id === customerId;
    set({
      customer: {
        id: customerId,
        status: keep ? previous.status : 'loading',
        detail: keep ? previous.detail : null,
        error: keep ? previous.error : null,
        requestId,
      },
    });
    const result = await desk.customers.get({ customerId });
    if (get().customer.requestId !== requestId) return;
    if (result.ok) {
      get().mergeNotes(result.value.notes);
      set({ customer: { id: customerId, status: 'ready', detail: result.value, error: null, requestId } });
    } else if (!keep || !previous.detail) {
      set({ customer: { id: customerId, status: 'error', detail: null, error: result.error, requestId } });
    }
  },
});

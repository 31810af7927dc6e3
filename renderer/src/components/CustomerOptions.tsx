import { useEffect } from 'react';
import type { CustomerSummary } from '../../../shared/ipc/views';
import { useDesk } from '../api/DeskContext';
import { useStore } from '../store/store';

/** At most this many customers are offered in a picker's list (typing any id still works). */
const CUSTOMER_OPTIONS = 1000;

/**
 * The fleet from the cache for a customer picker (loaded once if nothing has
 * loaded it yet), and the customer a typed text names: its id, else its name in
 * any case.
 */
export function useCustomerPicker(typed: string): {
  rows: readonly CustomerSummary[];
  isLoading: boolean;
  match: CustomerSummary | null;
} {
  const desk = useDesk();
  const rows = useStore((state) => state.fleet.rows);
  const fleetStatus = useStore((state) => state.fleet.status);
  const loadFleet = useStore((state) => state.loadFleet);
  useEffect(() => {
    if (fleetStatus === 'idle') void loadFleet(desk);
  }, [desk, fleetStatus, loadFleet]);
  const text = typed.trim();
  const match = rows.find((row) => row.id === text) ?? rows.find((row) => row.name.toLowerCase() === text.toLowerCase()) ?? null;
  return { rows, isLoading: fleetStatus === 'loading', match };
}

/** The browser's suggestion list for a customer picker input (`list={id}`): ids, with the names shown beside them. */
export function CustomerOptions({ id, rows }: { id: string; rows: readonly CustomerSummary[] }) {
  return (
    <datalist id={id}>
      {rows.slice(0, CUSTOMER_OPTIONS).map((row) => (
        <option key={row.id} value={row.id}>
          {row.name}
        </option>
      ))}
    </datalist>
  );
}

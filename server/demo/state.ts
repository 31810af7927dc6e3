import { chunks, lastPerKey } from '../repo/batches';
import type { Queryable } from '../storage/types';
import type { DemoCustomerState } from './types';

/*
 * The simulator's own persistence: the demo model's state per customer (table customer_state). It
 * is the demo's, not the product's: the server's repositories know nothing of it, and a real
 * deployment never has rows here.
 */

/** Stores the demo model's per-customer state (server-side only; not synced, so not logged). */
export async function putCustomerStates(db: Queryable, states: readonly DemoCustomerState[], now: number): Promise<void> {
  for (const part of chunks(
    lastPerKey(states, (state) => state.customerId),
    1_000,
  )) {
    await db.query(
      `insert into customer_state (customer_id, state, updated_at)
       select x.value ->> 'customerId', x.value, $2::timestamptz from jsonb_array_elements($1::jsonb) as x(value)
       on conflict (customer_id) do update set state = excluded.state, updated_at = excluded.updated_at
       where customer_state.state is distinct from excluded.state`,
      [JSON.stringify(part), new Date(now).toISOString()],
    );
  }
}

/** The stored demo state of some customers (all when `customerIds` is omitted). */
export async function readCustomerStates(db: Queryable, customerIds?: readonly string[]): Promise<DemoCustomerState[]> {
  const rows =
    customerIds === undefined
      ? await db.query<{ state: DemoCustomerState }>('select state from customer_state order by customer_id')
      : await db.query<{ state: DemoCustomerState }>(
          'select state from customer_state where customer_id in (select jsonb_array_elements_text($1::jsonb)) order by customer_id',
          [JSON.stringify(customerIds)],
        );
  return rows.map((row) => row.state);
}

import type { Customer, CustomerFeature } from '../../shared/domain';
import type { Queryable } from '../storage/types';

/** Every customer, as the wire carries it. */
export async function readCustomers(db: Queryable): Promise<Customer[]> {
  const rows = await db.query<{ row: Customer }>('select lk_customer_row(c) as row from customers c order by id');
  return rows.map((row) => row.row);
}

/** Every customer's feature states, as the wire carries them. */
export async function readFeatures(db: Queryable): Promise<CustomerFeature[]> {
  const rows = await db.query<{ row: CustomerFeature }>(
    'select lk_feature_row(f) as row from customer_features f order by customer_id, feature',
  );
  return rows.map((row) => row.row);
}

/** A small JSON value stored under `key` (demo bookkeeping), or null. */
export async function readMeta<T>(db: Queryable, key: string): Promise<T | null> {
  const [row] = await db.query<{ value: T }>('select value from server_meta where key = $1', [key]);
  return row ? row.value : null;
}

export async function writeMeta(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    'insert into server_meta (key, value) values ($1, $2::jsonb) on conflict (key) do update set value = excluded.value',
    [key, JSON.stringify(value)],
  );
}

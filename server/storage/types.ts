export type QueryOptions = {
  /**
   * Keep the statement prepared on its connection (PostgreSQL; named after its
   * text), so hot statements of fixed text are parsed and planned once per
   * connection rather than on every call.
   */
  isPrepared?: boolean;
};

/** Something that runs one SQL statement: the storage itself, or an open transaction. */
export type Queryable = {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
};

export type TransactionOptions = {
  /** `repeatable read` gives every statement of the transaction one snapshot (pull reads its feed position and its rows in one). */
  isolation?: 'read committed' | 'repeatable read';
  readOnly?: boolean;
};

/**
 * The server's only view of its database: PostgreSQL through a pool, or
 * embedded PGlite. Same SQL dialect for both; int8 columns come back as numbers,
 * xid8 as strings, jsonb parsed.
 */
export type Storage = Queryable & {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
};

export function beginStatement(options: TransactionOptions | undefined): string {
  const isolation = options?.isolation === 'repeatable read' ? ' isolation level repeatable read' : '';
  return `begin${isolation}${options?.readOnly ? ' read only' : ''}`;
}

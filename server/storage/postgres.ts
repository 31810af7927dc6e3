import pg from 'pg';
import { beginStatement, type Queryable, type Storage } from './types';

const INT8_OID = 20;

/** Opens a pool over a PostgreSQL database (DATABASE_URL). */
export function openPostgresStorage(connectionString: string, options: { maxConnections?: number } = {}): Storage {
  // int8 as a number keeps rows identical to PGlite's; our counters stay far below 2^53.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, types });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, params as unknown[] | undefined);
    return result.rows as Row[];
  };

  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(work, options) {
      const client = await pool.connect();
      let isBroken = false;
      try {
        await client.query(beginStatement(options));
        const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
        const result = await work(tx);
        await client.query('commit');
        return result;
      } catch (error) {
        try {
          await client.query('rollback');
        } catch {
          isBroken = true;
        }
        throw error;
      } finally {
        client.release(isBroken);
      }
    },
    close: () => pool.end(),
  };
}

import { createHash } from 'node:crypto';
import pg from 'pg';
import { beginStatement, type QueryOptions, type Queryable, type Storage } from './types';

const INT8_OID = 20;

const statementNames = new Map<string, string>();

/** A prepared statement's name: one per text, so a name can never stand for two statements. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `lk_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Opens a pool over a PostgreSQL database (DATABASE_URL). */
export function openPostgresStorage(connectionString: string, options: { maxConnections?: number } = {}): Storage {
  // int8 as a number keeps rows identical to PGlite's; our counters stay far below 2^53.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, types });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], options?: QueryOptions) => {
    const values = params as unknown[] | undefined;
    const result = options?.isPrepared
      ? await client.query({ name: statementName(sql), text: sql, values })
      : await client.query(sql, values);
    return result.rows as Row[];
  };

  return {
    kind: 'postgres',
    query: (sql, params, queryOptions) => run(pool, sql, params, queryOptions),
    async transaction(work, options) {
      const client = await pool.connect();
      let isBroken = false;
      try {
        await client.query(beginStatement(options));
        const tx: Queryable = { query: (sql, params, queryOptions) => run(client, sql, params, queryOptions) };
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

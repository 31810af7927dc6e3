import type { Queryable } from '../storage/types';

/** A position in the change log: rows are ordered by (xid, id). */
export type LogPosition = { xid: bigint; id: number };

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.id - b.id;
}

/**
 * Everything a reader needs to read the log consistently: the fence (no
 * transaction below it is still running, so rows below it can never appear
 * later), the retention horizon and the database epoch.
 */
export type LogFrame = { fence: bigint; horizon: LogPosition; epoch: string };

export async function readLogFrame(db: Queryable): Promise<LogFrame> {
  const [row] = await db.query<{ fence: string; horizon_xid: string; horizon_id: number; epoch: string }>(
    `select pg_snapshot_xmin(pg_current_snapshot())::text as fence, h.xid::text as horizon_xid, h.id as horizon_id,
            (select value #>> '{}' from server_meta where key = 'epoch') as epoch
       from change_log_horizon h`,
  );
  if (!row) throw new Error('change_log_horizon is empty; the schema was not migrated');
  return { fence: BigInt(row.fence), horizon: { xid: BigInt(row.horizon_xid), id: row.horizon_id }, epoch: row.epoch };
}

/**
 * Drops change-log rows older than the retention point and raises the horizon,
 * so cursors from before it are answered with `reset: cursor_expired`. Without
 * `olderThan` everything below the current fence goes (tests use this to force
 * expiry); with it, rows created before that time. Run it in a transaction.
 */
export async function trimChangeLog(db: Queryable, options: { olderThan?: Date } = {}): Promise<{ deleted: number; horizon: LogPosition }> {
  const [fenceRow] = await db.query<{ fence: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as fence');
  let horizon: LogPosition = { xid: BigInt(fenceRow?.fence ?? '0'), id: 0 };
  if (options.olderThan) {
    // The first row that stays; rows are kept from there on even if some after it are older.
    const [first] = await db.query<{ xid: string; id: number }>(
      `select xid::text as xid, id from change_log where created_at >= $1::timestamptz and xid < $2::xid8
        order by xid, id limit 1`,
      [options.olderThan.toISOString(), horizon.xid.toString()],
    );
    if (first) horizon = { xid: BigInt(first.xid), id: first.id - 1 };
  }
  const [current] = await db.query<{ xid: string; id: number }>('select xid::text as xid, id from change_log_horizon');
  if (current && comparePositions(horizon, { xid: BigInt(current.xid), id: current.id }) <= 0) {
    return { deleted: 0, horizon: { xid: BigInt(current.xid), id: current.id } };
  }
  const [deleted] = await db.query<{ count: number }>(
    'with gone as (delete from change_log where (xid, id) <= ($1::xid8, $2::bigint) returning 1) select count(*)::integer as count from gone',
    [horizon.xid.toString(), horizon.id],
  );
  await db.query('update change_log_horizon set xid = $1::xid8, id = $2', [horizon.xid.toString(), horizon.id]);
  return { deleted: deleted?.count ?? 0, horizon };
}

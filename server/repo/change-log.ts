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
 * Drops change-log rows older than the retention point and raises the horizon
 * to the newest row dropped, so exactly the cursors that could miss a dropped
 * row are answered with `reset: cursor_expired`. Without `olderThan` every row
 * below the current fence goes (tests use this to force expiry); with it, the
 * rows before the first one created at or after that time. Run it in a transaction.
 */
export async function trimChangeLog(
  db: Queryable,
  options: { olderThan?: Date } = {},
): Promise<{ deleted: number; horizon: LogPosition }> {
  // Locked: two servers trimming at once must not move the horizon backwards.
  const [current] = await db.query<{ xid: string; id: number }>('select xid::text as xid, id from change_log_horizon for update');
  const previous: LogPosition = { xid: BigInt(current?.xid ?? '0'), id: current?.id ?? 0 };
  const [fenceRow] = await db.query<{ fence: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as fence');
  // Everything strictly before `cut` goes.
  let cut: LogPosition = { xid: BigInt(fenceRow?.fence ?? '0'), id: 0 };
  if (options.olderThan) {
    const [first] = await db.query<{ xid: string; id: number }>(
      `select xid::text as xid, id from change_log where created_at >= $1::timestamptz and xid < $2::xid8
        order by xid, id limit 1`,
      [options.olderThan.toISOString(), cut.xid.toString()],
    );
    if (first) cut = { xid: BigInt(first.xid), id: first.id };
  }
  const [gone] = await db.query<{ count: number; last_xid: string | null; last_id: number | null }>(
    `with gone as (delete from change_log where (xid, id) < ($1::xid8, $2::bigint) returning xid, id),
          last as (select xid, id from gone order by xid desc, id desc limit 1)
     select (select count(*) from gone)::integer as count, (select xid::text from last) as last_xid, (select id from last) as last_id`,
    [cut.xid.toString(), cut.id],
  );
  if (!gone || gone.count === 0 || gone.last_xid === null || gone.last_id === null) return { deleted: 0, horizon: previous };
  const newest: LogPosition = { xid: BigInt(gone.last_xid), id: gone.last_id };
  const horizon = comparePositions(newest, previous) > 0 ? newest : previous;
  await db.query('update change_log_horizon set xid = $1::xid8, id = $2', [horizon.xid.toString(), horizon.id]);
  return { deleted: gone.count, horizon };
}

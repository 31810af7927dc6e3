import type { FeedSnapshot } from '../sync/feed-position';
import type { Queryable } from '../storage/types';

/** A position in the change log: rows are ordered by (xid, id). */
export type LogPosition = { xid: bigint; id: number };

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.id - b.id;
}

/**
 * Everything a reader needs to read the log consistently: its snapshot (the
 * transactions of this database still running in it; every other row is
 * committed and visible), the retention horizon, the database epoch, and since
 * when a write transaction of this database has been running if that is longer
 * than the notice threshold (its rows are held back until it commits).
 */
export type LogFrame = { snapshot: FeedSnapshot; horizon: LogPosition; epoch: string; delayedSince: string | null };

/**
 * Reads the frame. Call it first in a repeatable-read transaction, so the rows
 * read after it are exactly what its snapshot shows.
 *
 * Scope of the snapshot (issue 9): `pg_current_snapshot()` lists the running
 * transactions of the whole PostgreSQL cluster. Those positively known to belong
 * to another database (their xid is the `backend_xid` of a session connected to
 * another database) can never write our change log and are left out, so they
 * cost nothing and never appear in cursors. Anything not known to be foreign
 * (prepared transactions, sessions this role may not see) stays in: holding it
 * as a gap is always safe.
 */
export async function readLogFrame(db: Queryable, options: { delayNoticeMs?: number } = {}): Promise<LogFrame> {
  const [row] = await db.query<{
    xmax: string;
    running: string[];
    delayed_since: string | null;
    horizon_xid: string;
    horizon_id: number;
    epoch: string;
  }>(
    `with snap as materialized (select pg_current_snapshot() as s),
          here as (select oid from pg_database where datname = current_database()),
          running as (
            select x from snap, pg_snapshot_xip(snap.s) as x
             where not exists (select 1 from pg_stat_activity a
                                where a.backend_xid = xid(x) and a.datid is not null and a.datid <> (select oid from here))
          )
     select pg_snapshot_xmax((select s from snap))::text as xmax,
            array(select x::text from running order by x) as running,
            (select lk_iso(min(a.xact_start)) from pg_stat_activity a
              where a.datid = (select oid from here) and a.backend_xid is not null
                and a.xact_start < clock_timestamp() - make_interval(secs => $1::double precision / 1000)
                and a.backend_xid in (select xid(x) from running)) as delayed_since,
            h.xid::text as horizon_xid, h.id as horizon_id,
            (select value #>> '{}' from server_meta where key = 'epoch') as epoch
       from change_log_horizon h`,
    [options.delayNoticeMs ?? DEFAULT_DELAY_NOTICE_MS],
    { isPrepared: true },
  );
  if (!row) throw new Error('change_log_horizon is empty; the schema was not migrated');
  return {
    snapshot: { xmax: BigInt(row.xmax), running: row.running.map((xid) => BigInt(xid)) },
    horizon: { xid: BigInt(row.horizon_xid), id: row.horizon_id },
    epoch: row.epoch,
    delayedSince: row.delayed_since,
  };
}

/** A write transaction running longer than this makes pulls say the server may be holding changes back. */
export const DEFAULT_DELAY_NOTICE_MS = 5_000;

/**
 * Drops change-log rows older than the retention point and raises the horizon
 * to the newest row dropped, so exactly the cursors that could miss a dropped
 * row are answered with `reset: cursor_expired`. Only rows below the
 * cluster-wide `pg_snapshot_xmin` are ever trimmed (that wide fence is right
 * here: it only makes retention a little more conservative). Without `olderThan` every row
 * below that fence goes (tests use this to force expiry); with it, the
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

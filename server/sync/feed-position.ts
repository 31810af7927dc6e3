/*
 * Where a reader of the change log stands, as a snapshot rather than a single
 * point: "every row of every transaction below `xmax` has been delivered,
 * except the rows of the gap transactions after their `after` id".
 *
 * Why (issue 9): the old cursor was a point below the fence
 * `pg_snapshot_xmin(pg_current_snapshot())`. That fence is cluster-wide — one
 * write transaction held open in any database of the PostgreSQL cluster held
 * every desk back — and even in our own database one long transaction held back
 * every row committed after it started. A snapshot position holds back only the
 * rows of transactions that are really still running here; everything committed
 * is delivered at once, and a transaction that commits late (with ids below rows
 * already delivered) is found again through its gap.
 *
 * This is how PgQ (Skytools, under Londiste) reads its event tables: a batch is
 * what is visible in the current snapshot and was not in the previous one, read
 * as a range above the previous xmax plus an exact list of the transactions that
 * were in progress then. Electric SQL and Debezium get commit order from logical
 * decoding instead; that needs wal_level=logical and a replication slot, which a
 * shared cluster (wal_level=replica here) and PGlite do not offer. A sequence
 * taken at commit would serialise every commit of the database behind one row
 * lock. See docs/sync.md.
 */

/** One transaction whose rows the reader does not have yet (only those with id > `after`). */
export type FeedGap = { xid: bigint; after: number };

/** A reader's place in the change log. Gaps are sorted by xid and all below `xmax`. */
export type FeedPosition = { xmax: bigint; gaps: readonly FeedGap[] };

/**
 * At most this many gaps per position, so cursors stay short (they travel in
 * every pull). With more same-database transactions running at once, the
 * position stops below the first one left out: rows above it are delivered
 * again later (harmless: desks upsert by version), never skipped.
 */
export const MAX_FEED_GAPS = 32;

/** What a read could see: its snapshot's xmax and the transactions of this database still running in it. */
export type FeedSnapshot = { xmax: bigint; running: readonly bigint[] };

/** The position of a reader that has everything a snapshot shows. */
export function positionOfSnapshot(snapshot: FeedSnapshot): FeedPosition {
  return cap({ xmax: snapshot.xmax, gaps: [...snapshot.running].sort(compareBig).map((xid) => ({ xid, after: 0 })) });
}

/** The old cursor form: every row up to (xid, id) of the log, ordered by (xid, id). */
export function positionOfPoint(point: { xid: bigint; id: number }): FeedPosition {
  return point.id === 0 ? { xmax: point.xid, gaps: [] } : { xmax: point.xid + 1n, gaps: [{ xid: point.xid, after: point.id }] };
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The earliest (xid, id) the reader may still be missing: a retention horizon at or above it means rows may be gone. */
export function earliestMissing(position: FeedPosition): { xid: bigint; id: number } {
  const first = position.gaps[0];
  return first ? { xid: first.xid, id: first.after } : { xid: position.xmax, id: 0 };
}

function cap(position: FeedPosition): FeedPosition & { isCapped: boolean } {
  if (position.gaps.length <= MAX_FEED_GAPS) return { ...position, isCapped: false };
  const first = position.gaps[MAX_FEED_GAPS];
  return { xmax: first?.xid ?? position.xmax, gaps: position.gaps.slice(0, MAX_FEED_GAPS), isCapped: true };
}

/**
 * After a read that delivered every candidate row (nothing was cut): the reader
 * has what the snapshot shows. Gaps of the earlier position that are still
 * running stay gaps; the rest were delivered.
 */
export function advanceComplete(previous: FeedPosition, snapshot: FeedSnapshot): FeedPosition & { isCapped: boolean } {
  const wasGap = new Set(previous.gaps.map((gap) => gap.xid));
  const gaps = [...snapshot.running]
    .filter((xid) => xid >= previous.xmax || wasGap.has(xid))
    .sort(compareBig)
    .map((xid) => ({ xid, after: 0 }));
  return cap({ xmax: previous.xmax > snapshot.xmax ? previous.xmax : snapshot.xmax, gaps });
}

/**
 * After a read cut at (xid, id) — the last row delivered, every candidate row
 * up to it delivered: gaps before the cut were filled unless still running,
 * the cut transaction is delivered up to `id`, and gaps after the cut remain.
 */
export function advanceTruncated(
  previous: FeedPosition,
  snapshot: FeedSnapshot,
  cut: { xid: bigint; id: number },
): FeedPosition & { isCapped: boolean } {
  const running = new Set(snapshot.running);
  const gaps: FeedGap[] = [];
  let hasCut = false;
  for (const gap of previous.gaps) {
    if (gap.xid < cut.xid) {
      if (running.has(gap.xid)) gaps.push(gap);
    } else if (gap.xid === cut.xid) {
      gaps.push({ xid: cut.xid, after: Math.max(gap.after, cut.id) });
      hasCut = true;
    } else gaps.push(gap);
  }
  let xmax = previous.xmax;
  if (cut.xid >= previous.xmax) {
    for (const xid of snapshot.running) if (xid >= previous.xmax && xid < cut.xid) gaps.push({ xid, after: 0 });
    if (!hasCut) gaps.push({ xid: cut.xid, after: cut.id });
    xmax = cut.xid + 1n;
  }
  gaps.sort((a, b) => compareBig(a.xid, b.xid));
  return cap({ xmax, gaps });
}

/** Text form used inside cursors and page tokens: `xmax` or `xmax~xid:after,xid:after`. */
export function formatPosition(position: FeedPosition): string {
  if (position.gaps.length === 0) return position.xmax.toString();
  return `${position.xmax}~${position.gaps.map((gap) => `${gap.xid}:${gap.after}`).join(',')}`;
}

const POSITION_TEXT = /^(\d{1,20})(?:~(\d{1,20}:\d{1,16}(?:,\d{1,20}:\d{1,16}){0,63}))?$/;

/** Parses {@link formatPosition}'s text; null when it is not one. */
export function parsePosition(text: string): FeedPosition | null {
  const match = POSITION_TEXT.exec(text);
  if (!match) return null;
  const xmax = BigInt(match[1] ?? '0');
  const gaps = (match[2] ?? '')
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const [xid, after] = part.split(':');
      return { xid: BigInt(xid ?? '0'), after: Number(after) };
    });
  for (let index = 0; index < gaps.length; index += 1) {
    const gap = gaps[index];
    const before = gaps[index - 1];
    if (!gap || gap.xid >= xmax || (before && before.xid >= gap.xid)) return null;
  }
  return { xmax, gaps };
}

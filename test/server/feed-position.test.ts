import { describe, expect, it } from 'vitest';
import {
  advanceComplete,
  advanceTruncated,
  formatPosition,
  MAX_FEED_GAPS,
  parsePosition,
  positionOfPoint,
  positionOfSnapshot,
  type FeedPosition,
  type FeedSnapshot,
} from '../../server/sync/feed-position';

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = { xid: bigint; id: number };

/**
 * A model of the change log: transactions get ids in start order, write rows
 * with ids taken when written, and commit in any order. A reader sees exactly
 * the rows of committed transactions, like a snapshot; it reads what its
 * position has not delivered, in (xid, id) order, cut at `limit` rows.
 */
function simulate(seed: number, options: { transactions: number; limit: number; concurrency: number }) {
  const next = random(seed);
  let nextXid = 100n;
  let nextId = 1;
  const open: { xid: bigint; rows: Row[] }[] = [];
  const committed: Row[] = [];
  let position: FeedPosition = positionOfSnapshot({ xmax: nextXid, running: [] });
  const delivered: Row[] = [];
  let started = 0;

  const snapshot = (): FeedSnapshot => ({ xmax: nextXid, running: open.map((item) => item.xid) });
  const read = () => {
    const seen = snapshot();
    const gaps = new Map(position.gaps.map((gap) => [gap.xid, gap.after]));
    const candidates = committed
      .filter((row) => row.xid >= position.xmax || (gaps.has(row.xid) && row.id > (gaps.get(row.xid) ?? 0)))
      .sort((a, b) => (a.xid === b.xid ? a.id - b.id : a.xid < b.xid ? -1 : 1));
    const batch = candidates.slice(0, options.limit);
    delivered.push(...batch);
    const last = batch.at(-1);
    position =
      candidates.length > options.limit && last ? advanceTruncated(position, seen, last) : advanceComplete(position, seen);
    // Round trip through the cursor text, as a desk would send it back.
    position = parsePosition(formatPosition(position)) ?? position;
  };

  while (started < options.transactions || open.length > 0) {
    const choice = next();
    if (started < options.transactions && open.length < options.concurrency && choice < 0.3) {
      open.push({ xid: nextXid, rows: [] });
      nextXid += 1n;
      started += 1;
    } else if (open.length > 0 && choice < 0.6) {
      const item = open[Math.floor(next() * open.length)]!;
      for (let count = 1 + Math.floor(next() * 3); count > 0; count -= 1) item.rows.push({ xid: item.xid, id: nextId++ });
    } else if (open.length > 0 && choice < 0.8) {
      const index = Math.floor(next() * open.length);
      const [item] = open.splice(index, 1);
      // Read-only transactions take no xid in PostgreSQL, but a write one that wrote nothing is harmless too.
      committed.push(...(item?.rows ?? []));
    } else read();
  }
  for (let round = 0; round < 1000 && delivered.length < committed.length; round += 1) read();
  read();
  return { committed, delivered };
}

describe('change feed positions', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    'seed %i: every committed row is delivered exactly once, whatever the commit order and page cuts',
    (seed) => {
      const { committed, delivered } = simulate(seed, { transactions: 120, limit: 1 + (seed % 5), concurrency: 6 });
      const key = (row: Row) => `${row.xid}:${row.id}`;
      expect(delivered.map(key).sort()).toEqual(committed.map(key).sort());
    },
  );

  it('delivers everything again rather than skip when more transactions run than a cursor holds', () => {
    const { committed, delivered } = simulate(42, { transactions: 200, limit: 4, concurrency: MAX_FEED_GAPS + 8 });
    const key = (row: Row) => `${row.xid}:${row.id}`;
    expect([...new Set(delivered.map(key))].sort()).toEqual(committed.map(key).sort());
  });

  it('reads the old point cursors: everything up to (xid, id)', () => {
    expect(positionOfPoint({ xid: 50n, id: 0 })).toEqual({ xmax: 50n, gaps: [] });
    expect(positionOfPoint({ xid: 50n, id: 7 })).toEqual({ xmax: 51n, gaps: [{ xid: 50n, after: 7 }] });
  });

  it('refuses position text that is not well formed', () => {
    for (const text of ['', 'x', '10~', '10~12:1', '10~5:1,3:1', '10~5:1,5:2', '-1'])
      expect(parsePosition(text), text).toBeNull();
    expect(parsePosition('10~3:0,5:2')).toEqual({
      xmax: 10n,
      gaps: [
        { xid: 3n, after: 0 },
        { xid: 5n, after: 2 },
      ],
    });
  });
});

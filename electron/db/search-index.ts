import type Database from 'better-sqlite3';
import type { Logger } from '../../shared/log';

/**
 * A customer's events are indexed for search after its bootstrap, not inside it (issue 13: the index build was
 * about a third of the desk's CPU in a bootstrap). The indexer walks each finished customer's events in time
 * order (its time index), a chunk per transaction, and keeps its place in the customer's `sync_bucket` row
 * (cache migration 20), so a desk closed mid-way goes on where it stopped. Once the walk reaches the customer's
 * last event the bucket is marked indexed and the apply code indexes each changed row from then on; until then
 * apply indexes only the rows the walk has passed (a late event, a changed event), and leaves the rest to it.
 */

/** Where a customer's search index stands: every event at or before `after` (time, id) is in it; none when null. */
export type SearchIndexPosition = { isIndexed: boolean; after: readonly [string, string] | null };

/** Whether the event at (time, id) is in the search index, for a customer at `position`. */
export function isEventIndexed(position: SearchIndexPosition, occurredAt: string, id: string): boolean {
  if (position.isIndexed) return true;
  const after = position.after;
  if (after === null) return false;
  // Text compared as SQLite compares it (binary): times and ULIDs are ASCII, where the two orders agree.
  return occurredAt < after[0] || (occurredAt === after[0] && id <= after[1]);
}

/** Customers whose events are not all searchable yet, and how many events those customers hold. */
export type SearchIndexProgress = { customers: number; events: number };

type PendingBucket = { bucket: string; afterTime: string | null; afterId: string | null };

/** What one chunk did. */
export type IndexChunk = { rows: number; finished: string[]; isDone: boolean };

const INDEXED_COLUMNS = 'summary, body, kind, feature, actor, search_key';

/** Reads how far the search index of the cache's customers is. */
export function createSearchIndexProgress(db: Database.Database) {
  const progress = db.prepare<[], { customers: number; events: number | null }>(`
    select count(*) as customers, sum(s.event_count) as events from sync_bucket b
      left join customer_stats s on s.customer_id = substr(b.bucket, 10)
     where b.state = 'live' and b.bucket like 'customer:%' and b.is_search_indexed = 0`);
  return (): SearchIndexProgress | null => {
    const row = progress.get();
    if (!row || row.customers === 0) return null;
    return { customers: row.customers, events: row.events ?? 0 };
  };
}

/** The indexer's steps, synchronous and each its own transaction. */
export function createSearchIndexer(db: Database.Database) {
  const pendingBuckets = db.prepare<[], PendingBucket>(`
    select bucket, search_after_time as afterTime, search_after_id as afterId from sync_bucket
     where state = 'live' and bucket like 'customer:%' and is_search_indexed = 0 order by bucket`);
  type Key = { rid: number; occurred_at: string; id: string };
  const firstKeys = db.prepare<[string, number], Key>(`
    select rid, occurred_at, id from events indexed by events_by_customer_time
     where customer_id = ? order by occurred_at, id limit ?`);
  const nextKeys = db.prepare<[string, string, string, number], Key>(`
    select rid, occurred_at, id from events indexed by events_by_customer_time
     where customer_id = ? and (occurred_at, id) > (?, ?) order by occurred_at, id limit ?`);
  // In row id order: FTS5 writes its pending terms out as a segment whenever a row id is not above the last one.
  const indexRows = db.prepare(`
    insert into events_fts (rowid, ${INDEXED_COLUMNS})
    select rid, ${INDEXED_COLUMNS} from events where rid in (select value from json_each(?)) order by rid`);
  const markIndexed = db.prepare(
    'update sync_bucket set is_search_indexed = 1, search_after_time = null, search_after_id = null where bucket = ?',
  );
  const markPosition = db.prepare('update sync_bucket set search_after_time = ?, search_after_id = ? where bucket = ?');
  /** Customers someone is waiting for (a text filter on their timeline): indexed first. */
  const wanted = new Set<string>();

  const runChunk = db.transaction((maxRows: number): IndexChunk => {
    const pending = pendingBuckets.all();
    pending.sort((a, b) => Number(wanted.has(b.bucket)) - Number(wanted.has(a.bucket)));
    let budget = maxRows;
    const rids: number[] = [];
    const finished: string[] = [];
    for (const bucket of pending) {
      if (budget <= 0) break;
      const customerId = bucket.bucket.slice('customer:'.length);
      // One key more than the budget tells whether the customer's walk ends in this chunk.
      const keys =
        bucket.afterTime === null || bucket.afterId === null
          ? firstKeys.all(customerId, budget + 1)
          : nextKeys.all(customerId, bucket.afterTime, bucket.afterId, budget + 1);
      const taken = keys.length > budget ? keys.slice(0, budget) : keys;
      for (const key of taken) rids.push(key.rid);
      budget -= taken.length;
      if (keys.length > taken.length) {
        const last = taken.at(-1)!;
        markPosition.run(last.occurred_at, last.id, bucket.bucket);
      } else {
        markIndexed.run(bucket.bucket);
        wanted.delete(bucket.bucket);
        finished.push(customerId);
      }
    }
    if (rids.length > 0) {
      rids.sort((a, b) => a - b);
      indexRows.run(JSON.stringify(rids));
    }
    return { rows: rids.length, finished, isDone: finished.length === pending.length };
  });

  return {
    /** Indexes up to `maxRows` events of the customers waiting for it, in one transaction. */
    runChunk,
    /** Indexes every waiting customer now, `chunkRows` events per transaction (caches built for tests and benches). */
    indexAll(chunkRows = 100_000): number {
      let rows = 0;
      for (;;) {
        const chunk = runChunk(chunkRows);
        rows += chunk.rows;
        if (chunk.isDone) return rows;
      }
    },
    /** Puts a customer first in line. */
    prefer(customerId: string): void {
      wanted.add(`customer:${customerId}`);
    },
  };
}

/** The indexer type. */
export type SearchIndexer = ReturnType<typeof createSearchIndexer>;

/** Events per transaction: ~15-30 ms of CPU here, so a request of the renderer waits at most that long for one. */
export const SEARCH_INDEX_CHUNK_ROWS = 2000;

/**
 * Runs the indexer chunk after chunk, one turn of the event loop apart, whenever there is work and `isPaused`
 * says no (the desk pauses it while it pulls a bootstrap: the index is built once the rows are in). `kick`
 * after anything that may have made work (a bootstrap that finished, a pause that ended, the desk starting).
 */
export function createSearchIndexScheduler(options: {
  indexer: SearchIndexer;
  isPaused: () => boolean;
  onIndexed: (customerIds: string[]) => void;
  onIdle?: () => void;
  log: Logger;
  chunkRows?: number;
}) {
  const chunkRows = options.chunkRows ?? SEARCH_INDEX_CHUNK_ROWS;
  let isRunning = false;
  let isStopped = false;

  function step(): void {
    if (isStopped || options.isPaused()) {
      isRunning = false;
      return;
    }
    let chunk: IndexChunk;
    try {
      chunk = options.indexer.runChunk(chunkRows);
    } catch (error) {
      // Nothing was written (one transaction); the next kick tries again.
      isRunning = false;
      options.log.warn('search indexing failed; will try again', {
        message: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (chunk.finished.length > 0) options.onIndexed(chunk.finished);
    if (chunk.isDone) {
      isRunning = false;
      options.onIdle?.();
      return;
    }
    setImmediate(step);
  }

  return {
    kick(): void {
      if (isRunning || isStopped) return;
      isRunning = true;
      setImmediate(step);
    },
    stop(): void {
      isStopped = true;
    },
    start(): void {
      isStopped = false;
    },
    isRunning: () => isRunning,
  };
}

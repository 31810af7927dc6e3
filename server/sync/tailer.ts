import { errorMessage, type Logger } from '../log';
import { readLogFrame } from '../repo/change-log';
import type { Storage } from '../storage/types';
import { advanceComplete, positionOfSnapshot, type FeedPosition } from './feed-position';

export type PokeListener = (buckets: readonly string[]) => void;

export type PokeTailer = {
  /**
   * Adds a listener; polling runs while there is at least one. `ready` resolves
   * once every change committed after it will be reported, so a stream should
   * answer only then (the desk pulls after the stream opens: nothing falls between).
   */
  subscribe(listener: PokeListener): { ready: Promise<void>; unsubscribe: () => void };
  stop(): Promise<void>;
};

/**
 * Polls the change log for buckets that changed and tells subscribers. It reads
 * the database, not in-process write hooks, so a write made by any server
 * process over the same database pokes the streams of every process. It keeps a
 * feed position like a pull cursor (feed-position.ts), so a bucket is poked as
 * soon as its rows are pullable and a transaction that commits late is still
 * poked. Its position lives only in memory on purpose: pokes are hints.
 */
export function createPokeTailer(options: { storage: Storage; intervalMs: number; log: Logger }): PokeTailer {
  const listeners = new Set<PokeListener>();
  let position: FeedPosition | null = null;
  let ready: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let isStopped = false;

  const start = async () => {
    const frame = await options.storage.transaction((db) => readLogFrame(db), { isolation: 'repeatable read', readOnly: true });
    position = positionOfSnapshot(frame.snapshot);
  };

  const poll = async () => {
    const from = position;
    if (from === null) return;
    // One snapshot for the frame and the rows, so the new position is exactly what was read.
    const { buckets, next } = await options.storage.transaction(
      async (db) => {
        const frame = await readLogFrame(db);
        const [row] = await db.query<{ buckets: string[] | null }>(
          `select array_agg(distinct bucket) as buckets from change_log
            where xid >= $1::xid8 or xid = any($2::xid8[])`,
          [from.xmax.toString(), from.gaps.map((gap) => gap.xid.toString())],
        );
        return { buckets: row?.buckets ?? [], next: advanceComplete(from, frame.snapshot) };
      },
      { isolation: 'repeatable read', readOnly: true },
    );
    // Unsubscribed meanwhile: the next subscriber starts from a fresh position.
    if (position !== from) return;
    position = next;
    if (buckets.length === 0) return;
    for (const listener of listeners) listener(buckets);
  };

  const schedule = () => {
    if (isStopped || listeners.size === 0 || timer !== null || polling !== null) return;
    timer = setTimeout(() => {
      timer = null;
      polling = poll()
        .catch((error: unknown) => options.log.warn('change log poll failed', { error: errorMessage(error) }))
        .finally(() => {
          polling = null;
          schedule();
        });
    }, options.intervalMs);
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (ready === null) {
        ready = start().then(schedule);
        // A failed start is retried by the next first subscriber.
        ready.catch((error: unknown) => {
          options.log.warn('change log tailer could not start', { error: errorMessage(error) });
          ready = null;
        });
      }
      const unsubscribe = () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        // Nobody listens: stop polling; the next subscriber starts from a fresh position.
        if (timer !== null) clearTimeout(timer);
        timer = null;
        ready = null;
        position = null;
      };
      return { ready, unsubscribe };
    },
    async stop() {
      isStopped = true;
      listeners.clear();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await polling;
    },
  };
}

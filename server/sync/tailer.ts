import { errorMessage, type Logger } from '../log';
import type { Storage } from '../storage/types';

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
 * process over the same database pokes the streams of every process. Like pulls
 * it only reads below the fence, so a bucket is poked once its rows are pullable.
 * Its position lives only in memory on purpose: pokes are hints.
 */
export function createPokeTailer(options: { storage: Storage; intervalMs: number; log: Logger }): PokeTailer {
  const listeners = new Set<PokeListener>();
  let position: { xid: string; id: number } | null = null;
  let ready: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let isStopped = false;

  const start = async () => {
    const [row] = await options.storage.query<{ fence: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as fence');
    position = { xid: row?.fence ?? '0', id: 0 };
  };

  const poll = async () => {
    if (position === null) return;
    const [row] = await options.storage.query<{ buckets: string[] | null; last_xid: string | null; last_id: number | null }>(
      `with fresh as (
         select bucket, xid, id from change_log
          where (xid, id) > ($1::xid8, $2::bigint) and xid < pg_snapshot_xmin(pg_current_snapshot())
       ), last as (select xid, id from fresh order by xid desc, id desc limit 1)
       select (select array_agg(distinct bucket) from fresh) as buckets,
              (select xid::text from last) as last_xid, (select id from last) as last_id`,
      [position.xid, position.id],
    );
    if (!row?.buckets || row.last_xid === null || row.last_id === null) return;
    position = { xid: row.last_xid, id: row.last_id };
    for (const listener of listeners) listener(row.buckets);
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
        // Nobody listens: stop polling; the next subscriber starts from a fresh fence.
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

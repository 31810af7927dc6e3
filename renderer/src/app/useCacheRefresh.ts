import { useEffect, useRef } from 'react';
import { useStore } from '../store/store';
import type { CacheChange } from '../store/app-slice';

/** How long cache changes are gathered before one refresh: a sync applies many pages in a burst. */
export const CACHE_REFRESH_DELAY_MS = 200;

/**
 * Calls `refresh` after `cache:changed` events that `concerns` accepts, at most
 * once per {@link CACHE_REFRESH_DELAY_MS}: a burst of changes becomes one reload.
 */
export function useCacheRefresh(concerns: (change: CacheChange) => boolean, refresh: () => void): void {
  const change = useStore((state) => state.cacheChange);
  const latest = useRef({ concerns, refresh });
  const timer = useRef<number | null>(null);

  useEffect(() => {
    latest.current = { concerns, refresh };
  });

  useEffect(() => {
    if (change.seq === 0 || !latest.current.concerns(change) || timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      latest.current.refresh();
    }, CACHE_REFRESH_DELAY_MS);
  }, [change]);

  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );
}

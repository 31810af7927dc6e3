import { observeElementRect, useVirtualizer, type Rect, type Virtualizer } from '@tanstack/react-virtual';
import type { RefObject } from 'react';

/**
 * Size to assume while the scroll element has no layout (jsdom in tests, a hidden
 * panel): the window's height, so the first screen of rows renders at all.
 */
function fallbackRect(): Rect {
  return { width: window.innerWidth || 1024, height: window.innerHeight || 768 };
}

/**
 * A vertical virtualizer over a scroll element with fixed-size items. Fixed sizes
 * keep scrolling cheap (no measuring) and make offsets exact when rows are
 * prepended.
 */
export function useVirtualList(options: {
  count: number;
  scrollRef: RefObject<HTMLElement | null>;
  sizeOf: (index: number) => number;
  overscan?: number;
  rangeExtractor?: Parameters<typeof useVirtualizer<HTMLElement, HTMLElement>>[0]['rangeExtractor'];
}): Virtualizer<HTMLElement, HTMLElement> {
  // The virtualizer keeps mutable state outside React by design; nothing here is memoized by the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  return useVirtualizer<HTMLElement, HTMLElement>({
    count: options.count,
    getScrollElement: () => options.scrollRef.current,
    estimateSize: options.sizeOf,
    overscan: options.overscan ?? 8,
    initialRect: fallbackRect(),
    rangeExtractor: options.rangeExtractor,
    // React 19 warns about flushSync during render; scroll updates do not need it.
    useFlushSync: false,
    observeElementRect: (instance, callback) =>
      observeElementRect(instance, (rect) => callback(rect.height === 0 && rect.width === 0 ? fallbackRect() : rect)),
  });
}

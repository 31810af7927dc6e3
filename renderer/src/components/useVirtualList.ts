/*
 * Our own virtualizer, not @tanstack/react-virtual (used here until 8887e19), because of a
 * measurement: on the 100,000-event timeline (bench:ui, browser mode, system Chromium, 2 cores,
 * quiet machine) the library's version opened the customer at p95 181 ms and scrolling it end to
 * end had a 52 ms long task; this one, built side by side in the same run, 109 ms and none. Every
 * list here has fixed line heights, so offsets are arithmetic: the library's per-item measuring
 * and its layout reads on scroll buy nothing and cost frames. Lists with variable heights should
 * take the library again (it handles measuring well).
 */
import { useEffect, useState, type RefObject } from 'react';

/**
 * Where each line of a list sits. Lists here have fixed line heights, so every
 * answer is arithmetic (or a binary search over a few hundred groups): nothing is
 * measured and nothing is proportional to the number of lines, even at 100,000.
 */
export type ListGeometry = {
  count: number;
  totalSize: number;
  /** Where line `index` starts, in pixels from the top of the list. */
  offsetOf(index: number): number;
  sizeOf(index: number): number;
  /** The line under pixel `offset`, clamped to the list. */
  indexAt(offset: number): number;
};

/** Lines that are all `size` pixels high. */
export function uniformGeometry(count: number, size: number): ListGeometry {
  return {
    count,
    totalSize: count * size,
    offsetOf: (index) => index * size,
    sizeOf: () => size,
    indexAt: (offset) => Math.min(Math.max(Math.floor(offset / size), 0), Math.max(count - 1, 0)),
  };
}

export type VirtualItem = { index: number; start: number; size: number };

export type ScrollAlign = 'start' | 'center' | 'end' | 'auto';

export type VirtualList = {
  /** The lines to render, in order: the visible ones, `overscan` either side, and the pinned line if any. */
  items: VirtualItem[];
  /** The first and last lines at least partly in view (-1 when the list is empty). */
  firstVisible: number;
  lastVisible: number;
  totalSize: number;
  /** The scroll position and view height the range was worked out from. */
  scrollOffset: number;
  viewportHeight: number;
  scrollToIndex(index: number, options?: { align?: ScrollAlign }): void;
  scrollToOffset(offset: number): void;
};

/**
 * Size to assume while the scroll element has no layout (jsdom in tests, a hidden
 * panel) or has not been observed yet: the window's height, so the first screen of
 * lines renders without forcing a synchronous layout to measure the element.
 */
function fallbackHeight(): number {
  return window.innerHeight || 768;
}

/**
 * Renders only the lines in view of a scroll element. The scroll position and the
 * element's height are React state (read once per animation frame after scroll
 * events, and from a ResizeObserver), so React schedules the re-render and the line range is derived
 * from them during render: no layout is read during render or in a layout effect.
 */
export function useVirtualList(options: {
  geometry: ListGeometry;
  scrollRef: RefObject<HTMLElement | null>;
  overscan?: number;
  /** A line to render even when it is above the range, given the first visible line (a sticky header). */
  pin?: (firstVisible: number) => number | null;
}): VirtualList {
  const { geometry, scrollRef } = options;
  const overscan = options.overscan ?? 4;
  const [offset, setOffset] = useState(0);
  const [height, setHeight] = useState(fallbackHeight);

  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    // The scroll position is read once per frame, at its start (before React writes anything), never in the
    // listener: a read there after a render committed forces a synchronous layout, once per event (issue 13:
    // 7–14 long tasks over 50 ms while scrolling the 100,000-event timeline).
    let frame = 0;
    const readPosition = () => {
      frame = 0;
      setOffset(element.scrollTop);
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(readPosition);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    // The observer reports after layout, so reading clientHeight there forces nothing.
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => setHeight(element.clientHeight > 0 ? element.clientHeight : fallbackHeight()));
    observer?.observe(element);
    return () => {
      if (frame !== 0) cancelAnimationFrame(frame);
      element.removeEventListener('scroll', onScroll);
      observer?.disconnect();
    };
  }, [scrollRef]);

  const { count, totalSize } = geometry;
  const maxOffset = Math.max(totalSize - height, 0);
  // A list that shrank under the scroll position is shown from its end until the browser clamps scrollTop.
  const top = Math.min(Math.max(offset, 0), maxOffset);
  const firstVisible = count === 0 ? -1 : geometry.indexAt(top);
  const lastVisible = count === 0 ? -1 : geometry.indexAt(top + Math.max(height, 1) - 1);
  const items: VirtualItem[] = [];
  if (count > 0) {
    const first = Math.max(firstVisible - overscan, 0);
    const last = Math.min(lastVisible + overscan, count - 1);
    const pinned = options.pin ? options.pin(firstVisible) : null;
    if (pinned !== null && pinned >= 0 && pinned < first) {
      items.push({ index: pinned, start: geometry.offsetOf(pinned), size: geometry.sizeOf(pinned) });
    }
    for (let index = first; index <= last; index += 1) {
      items.push({ index, start: geometry.offsetOf(index), size: geometry.sizeOf(index) });
    }
  }

  const scrollToOffset = (target: number) => {
    const clamped = Math.min(Math.max(target, 0), maxOffset);
    const element = scrollRef.current;
    // Writing scrollTop forces a layout; a list already at the target (a fresh one at 0) skips it.
    if (element && clamped !== offset) element.scrollTop = clamped;
    // Render the new range now rather than one frame later, when the scroll event arrives.
    setOffset(clamped);
  };

  const scrollToIndex = (index: number, { align = 'auto' }: { align?: ScrollAlign } = {}) => {
    if (index < 0 || index >= count) return;
    const start = geometry.offsetOf(index);
    const size = geometry.sizeOf(index);
    if (align === 'start') scrollToOffset(start);
    else if (align === 'center') scrollToOffset(start - (height - size) / 2);
    else if (align === 'end') scrollToOffset(start + size - height);
    else if (start < top) scrollToOffset(start);
    else if (start + size > top + height) scrollToOffset(start + size - height);
  };

  return {
    items,
    firstVisible,
    lastVisible,
    totalSize,
    scrollOffset: top,
    viewportHeight: height,
    scrollToIndex,
    scrollToOffset,
  };
}

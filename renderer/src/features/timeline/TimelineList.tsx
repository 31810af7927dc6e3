import { defaultRangeExtractor, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, type KeyboardEvent, type RefObject } from 'react';
import type { TimelineRow } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { KindIcon, kindLabel, SeverityBadge } from '../../components/Badges';
import { useVirtualList } from '../../components/useVirtualList';
import { formatDateTime, formatDayKey, formatDuration, formatTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { isLate, type TimelineItem } from './timeline-model';

export const DAY_HEADER_HEIGHT = 30;
export const EVENT_ROW_HEIGHT = 44;
/** Load the next page when the visible range comes this close to an end. */
const LOAD_AHEAD_ITEMS = 60;

function sizeOf(item: TimelineItem | undefined): number {
  return item?.type === 'day' ? DAY_HEADER_HEIGHT : EVENT_ROW_HEIGHT;
}

function offsetOf(items: readonly TimelineItem[], index: number): number {
  let offset = 0;
  for (let position = 0; position < index; position += 1) offset += sizeOf(items[position]);
  return offset;
}

/** The last day header at or above `startIndex` (binary search over the header positions). */
function stickyHeaderFor(headerIndexes: readonly number[], startIndex: number): number {
  let found = 0;
  let low = 0;
  let high = headerIndexes.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = headerIndexes[middle] ?? 0;
    if (value <= startIndex) {
      found = value;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The DOM id of an event's option (for aria-activedescendant). */
export function optionId(eventId: string): string {
  return `timeline-event-${eventId}`;
}

function describe(row: TimelineRow): string {
  const late = isLate(row) ? `, recorded ${formatDuration(Date.parse(row.recordedAt) - Date.parse(row.occurredAt))} later` : '';
  return `${row.summary}. ${kindLabel(row.kind)}, ${row.severity}, ${formatDateTime(row.occurredAt)}${row.feature ? `, feature ${row.feature}` : ''}${late}`;
}

const EventRow = memo(function EventRow({
  row,
  start,
  isActive,
  isSelected,
  isHighlighted,
  onOpen,
}: {
  row: TimelineRow;
  start: number;
  isActive: boolean;
  isSelected: boolean;
  isHighlighted: boolean;
  onOpen: (eventId: string) => void;
}) {
  const late = isLate(row);
  const classes = ['timeline-row', `sev-row-${row.severity}`];
  if (isActive) classes.push('is-active');
  if (isSelected) classes.push('is-selected');
  if (isHighlighted) classes.push('is-highlighted');
  return (
    <div
      role="option"
      id={optionId(row.id)}
      aria-selected={isSelected}
      aria-label={describe(row)}
      data-testid="timeline-row"
      data-event-id={row.id}
      className={classes.join(' ')}
      style={{ height: EVENT_ROW_HEIGHT, transform: `translateY(${start}px)` }}
      onClick={() => onOpen(row.id)}
    >
      <KindIcon kind={row.kind} severity={row.severity} />
      <time dateTime={row.occurredAt} className="row-time">
        {formatTime(row.occurredAt)}
      </time>
      <SeverityBadge severity={row.severity} />
      <span className="row-kind">{kindLabel(row.kind)}</span>
      <span className="row-summary">{row.summary}</span>
      <span className="row-tags">
        {row.feature ? <span className="tag">{row.feature}</span> : null}
        <span className="tag tag-source">{row.sourceSystem}</span>
        {late ? (
          <span className="tag tag-late" title={`Recorded ${formatDateTime(row.recordedAt)}`}>
            late
          </span>
        ) : null}
        {row.noteCount > 0 ? <span className="tag">✎ {row.noteCount}</span> : null}
        {isHighlighted ? <span className="tag tag-linked">linked</span> : null}
      </span>
    </div>
  );
});

/**
 * The virtualized timeline: a listbox of events under sticky day headers. Focus
 * stays on the list; j/k (and the arrows) move the active event, Enter opens it.
 */
export function TimelineList({ listRef }: { listRef: RefObject<HTMLDivElement | null> }) {
  const desk = useDesk();
  const items = useStore((state) => state.timeline.items);
  const activeId = useStore((state) => state.timeline.activeId);
  const selectedId = useStore((state) => state.timeline.selectedId);
  const highlightId = useStore((state) => state.timeline.highlightId);
  const scrollRequest = useStore((state) => state.timeline.scrollRequest);
  const tailCursor = useStore((state) => state.timeline.tailCursor);
  const headCursor = useStore((state) => state.timeline.headCursor);
  const isIdle = useStore(
    (state) => state.timeline.loadingMore === null && state.timeline.status === 'ready' && state.timeline.moreError === null,
  );
  const moveActive = useStore((state) => state.moveActive);
  const selectEvent = useStore((state) => state.selectEvent);
  const loadMore = useStore((state) => state.loadMoreTimeline);

  const headerIndexes = useMemo(() => {
    const indexes: number[] = [];
    items.forEach((item, index) => {
      if (item.type === 'day') indexes.push(index);
    });
    return indexes;
  }, [items]);

  // The day header of the first visible row stays pinned on top (rendered sticky, out of the absolute flow).
  const rangeExtractor = useCallback(
    (range: Range) => {
      const next = new Set([stickyHeaderFor(headerIndexes, range.startIndex), ...defaultRangeExtractor(range)]);
      return [...next].sort((a, b) => a - b);
    },
    [headerIndexes],
  );

  const virtualizer = useVirtualList({
    count: items.length,
    scrollRef: listRef,
    sizeOf: (index) => sizeOf(items[index]),
    overscan: 10,
    rangeExtractor,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const stickyIndex = stickyHeaderFor(headerIndexes, virtualizer.range?.startIndex ?? 0);
  const firstIndex = virtualItems[0]?.index ?? 0;
  const lastIndex = virtualItems[virtualItems.length - 1]?.index ?? 0;

  // Rows prepended above (after a jump) must not push the reader's rows down.
  const previous = useRef<{ items: readonly TimelineItem[]; firstEventId: string | null }>({ items: [], firstEventId: null });
  useLayoutEffect(() => {
    const before = previous.current;
    const firstEvent = items.find((item) => item.type === 'event');
    previous.current = { items, firstEventId: firstEvent?.type === 'event' ? firstEvent.row.id : null };
    if (before.firstEventId === null || before.items === items) return;
    const oldIndex = before.items.findIndex((item) => item.type === 'event' && item.row.id === before.firstEventId);
    const newIndex = items.findIndex((item) => item.type === 'event' && item.row.id === before.firstEventId);
    if (oldIndex < 0 || newIndex <= oldIndex) return;
    const delta = offsetOf(items, newIndex) - offsetOf(before.items, oldIndex);
    if (delta > 0 && listRef.current) listRef.current.scrollTop += delta;
  }, [items, listRef]);

  useEffect(() => {
    if (!scrollRequest) return;
    if (scrollRequest.align === 'start' && scrollRequest.index === 0) virtualizer.scrollToOffset(0);
    else virtualizer.scrollToIndex(scrollRequest.index, { align: scrollRequest.align });
    // Only a new request scrolls; the virtualizer object is stable.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollRequest]);

  useEffect(() => {
    if (!isIdle || items.length === 0) return;
    if (tailCursor !== null && lastIndex >= items.length - LOAD_AHEAD_ITEMS) void loadMore(desk, 'tail');
    else if (headCursor !== null && firstIndex <= LOAD_AHEAD_ITEMS / 2) void loadMore(desk, 'head');
  }, [isIdle, firstIndex, lastIndex, items.length, tailCursor, headCursor, desk, loadMore]);

  const open = useCallback(
    (eventId: string) => {
      selectEvent(eventId);
      listRef.current?.focus({ preventScroll: true });
    },
    [selectEvent, listRef],
  );

  // Only a rendered option can be the active descendant.
  const isActiveRendered = activeId !== null && virtualItems.some((virtualItem) => items[virtualItem.index]?.key === activeId);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const page = Math.max(Math.floor((listRef.current?.clientHeight ?? 400) / EVENT_ROW_HEIGHT) - 1, 1);
    const moves: Record<string, number> = {
      j: 1,
      ArrowDown: 1,
      k: -1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      End: Number.MAX_SAFE_INTEGER,
      Home: -Number.MAX_SAFE_INTEGER,
    };
    const delta = moves[event.key];
    if (delta !== undefined) {
      event.preventDefault();
      // Handled here; the page-level j/k listener must not move a second time.
      event.stopPropagation();
      moveActive(delta);
    } else if ((event.key === 'Enter' || event.key === ' ') && activeId) {
      event.preventDefault();
      selectEvent(activeId);
    }
  };

  return (
    <div
      ref={listRef}
      className="timeline-scroll"
      role="listbox"
      aria-label="Timeline events"
      tabIndex={0}
      aria-activedescendant={isActiveRendered && activeId ? optionId(activeId) : undefined}
      onKeyDown={onKeyDown}
    >
      <div className="virtual-space" style={{ height: virtualizer.getTotalSize() }}>
        {virtualItems.map((virtualItem) => {
          const item = items[virtualItem.index];
          if (!item) return null;
          if (item.type === 'day') {
            const isSticky = virtualItem.index === stickyIndex;
            return (
              <div
                key={item.key}
                aria-hidden="true"
                className={isSticky ? 'day-header is-sticky' : 'day-header'}
                style={
                  isSticky
                    ? { height: DAY_HEADER_HEIGHT }
                    : { height: DAY_HEADER_HEIGHT, transform: `translateY(${virtualItem.start}px)` }
                }
              >
                {formatDayKey(item.dayKey)}
              </div>
            );
          }
          return (
            <EventRow
              key={item.key}
              row={item.row}
              start={virtualItem.start}
              isActive={item.row.id === activeId}
              isSelected={item.row.id === selectedId}
              isHighlighted={item.row.id === highlightId}
              onOpen={open}
            />
          );
        })}
      </div>
    </div>
  );
}

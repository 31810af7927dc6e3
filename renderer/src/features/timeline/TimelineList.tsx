import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, type KeyboardEvent, type RefObject } from 'react';
import { MAX_PAGE } from '../../../../shared/ipc/limits';
import type { DisplayTimeZone, TimelineRow } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { listMoveOf, matchesShortcut } from '../../app/shortcuts';
import { kindGlyph, kindLabel, severityGlyph } from '../../components/Badges';
import { useVirtualList, type ListGeometry } from '../../components/useVirtualList';
import { formatDateTime, formatDayKey, formatDuration, formatTime, timeTitle } from '../../lib/time';
import { useStore } from '../../store/store';
import {
  headerIndex,
  isLate,
  itemAt,
  itemAtOffset,
  itemCount,
  itemIndexOfRow,
  offsetOfItem,
  runOfItem,
  totalSizeOf,
  type DayRun,
  type TimelineSizes,
} from './timeline-model';

export const DAY_HEADER_HEIGHT = 30;
export const EVENT_ROW_HEIGHT = 44;
const SIZES: TimelineSizes = { header: DAY_HEADER_HEIGHT, row: EVENT_ROW_HEIGHT };
/**
 * Load the next page while this many pixels (or four screens, if more) are still
 * below the view: a page of 1,000 rows is 44,000 px, so the next one is on its
 * way long before a fast scroll reaches the end of the loaded rows.
 */
const LOAD_AHEAD_PX = 12_000;
/** Lines rendered beyond each edge of the view. */
const OVERSCAN = 2;
/** How far down to look for the old first row after rows were put above it (more than a page holds). */
const PREPEND_SCAN = 2 * MAX_PAGE;

const dayLabels = new Map<string, string>();

/** The header text of a day; formatted once per day, not on every frame a header is on screen. */
function dayLabel(dayKey: string): string {
  let label = dayLabels.get(dayKey);
  if (label === undefined) {
    label = formatDayKey(dayKey);
    dayLabels.set(dayKey, label);
  }
  return label;
}

function timelineGeometry(rowCount: number, days: readonly DayRun[]): ListGeometry {
  const count = itemCount(rowCount, days);
  return {
    count,
    totalSize: totalSizeOf(rowCount, days, SIZES),
    offsetOf: (index) => offsetOfItem(days, index, SIZES),
    sizeOf: (index) => (days.length > 0 && index === headerIndex(days, runOfItem(days, index)) ? SIZES.header : SIZES.row),
    indexAt: (offset) => itemAtOffset(rowCount, days, offset, SIZES),
  };
}

/** The DOM id of an event's option (for aria-activedescendant). */
export function optionId(eventId: string): string {
  return `timeline-event-${eventId}`;
}

function describe(row: TimelineRow): string {
  const late = isLate(row) ? `, recorded ${formatDuration(Date.parse(row.recordedAt) - Date.parse(row.occurredAt))} later` : '';
  return `${row.summary}. ${kindLabel(row.kind)}, ${row.severity}, ${formatDateTime(row.occurredAt)}${row.feature ? `, feature ${row.feature}` : ''}${late}`;
}

/**
 * One event. The row is rebuilt for every line that scrolls into view, so it is
 * kept to a few boxes with one text node each: the option's accessible name comes
 * from `aria-label`, which lets the badges be plain text instead of nested spans.
 */
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
  /** The zone times are shown in: a new zone redraws the row. */
  timeZone: DisplayTimeZone;
}) {
  const late = isLate(row);
  let className = `timeline-row sev-row-${row.severity}`;
  if (isActive) className += ' is-active';
  if (isSelected) className += ' is-selected';
  if (isHighlighted) className += ' is-highlighted';
  return (
    <div
      role="option"
      id={optionId(row.id)}
      aria-selected={isSelected}
      aria-label={describe(row)}
      data-testid="timeline-row"
      className={className}
      style={{ transform: `translateY(${start}px)` }}
      onClick={() => onOpen(row.id)}
    >
      <span className={`row-icon sev-${row.severity}`} aria-hidden="true">
        {kindGlyph(row.kind)}
      </span>
      <time
        dateTime={row.occurredAt}
        className="row-time"
        // Both zones and the exact time on hover, formatted when first hovered rather than for every row drawn.
        onPointerEnter={(event) => {
          event.currentTarget.title = timeTitle(row.occurredAt);
        }}
      >
        {formatTime(row.occurredAt)}
      </time>
      <span className={`row-severity sev-${row.severity}`}>{`${severityGlyph(row.severity)} ${row.severity}`}</span>
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
        {row.noteCount > 0 ? <span className="tag">{`✎ ${row.noteCount}`}</span> : null}
        {isHighlighted ? <span className="tag tag-linked">linked</span> : null}
      </span>
    </div>
  );
});

/**
 * The virtualized timeline: a listbox of events under sticky day headers. Focus
 * stays on the list; j/k (and the arrows) move the active event, Enter opens it.
 */
export const TimelineList = memo(function TimelineList({ listRef }: { listRef: RefObject<HTMLDivElement | null> }) {
  const desk = useDesk();
  const rows = useStore((state) => state.timeline.rows);
  const days = useStore((state) => state.timeline.days);
  const activeId = useStore((state) => state.timeline.activeId);
  const selectedId = useStore((state) => state.timeline.selectedId);
  const highlightId = useStore((state) => state.timeline.highlightId);
  const scrollRequest = useStore((state) => state.timeline.scrollRequest);
  const tailCursor = useStore((state) => state.timeline.tailCursor);
  // Rows and day headers show times in this zone: a change re-renders them.
  const timeZone = useStore((state) => state.timeZone);
  const headCursor = useStore((state) => state.timeline.headCursor);
  const isIdle = useStore(
    (state) => state.timeline.loadingMore === null && state.timeline.status === 'ready' && state.timeline.moreError === null,
  );
  const moveActive = useStore((state) => state.moveActive);
  const selectEvent = useStore((state) => state.selectEvent);
  const loadMore = useStore((state) => state.loadMoreTimeline);

  const rowCount = rows.length;
  const geometry = useMemo(() => timelineGeometry(rowCount, days), [rowCount, days]);
  // The day header of the first visible row stays pinned on top (rendered sticky, out of the absolute flow).
  const stickyFor = useCallback(
    (firstVisible: number) => (days.length > 0 && firstVisible >= 0 ? headerIndex(days, runOfItem(days, firstVisible)) : null),
    [days],
  );
  const virtualizer = useVirtualList({ geometry, scrollRef: listRef, overscan: OVERSCAN, pin: stickyFor });
  const stickyIndex = stickyFor(virtualizer.firstVisible);
  const { scrollOffset, viewportHeight, totalSize } = virtualizer;

  // Rows put above the reader (scrolling up after a jump, or a refresh with newer events) must not push the rows in view down.
  const previous = useRef<{ rows: readonly TimelineRow[]; days: readonly DayRun[] }>({ rows: [], days: [] });
  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = { rows, days };
    const oldFirst = before.rows[0];
    if (!oldFirst || before.rows === rows || rows[0]?.id === oldFirst.id) return;
    // A page holds at most MAX_PAGE rows, so the old first row is near the top if it is there at all.
    let newIndex = -1;
    for (let index = 0; index < Math.min(rows.length, PREPEND_SCAN); index += 1) {
      if (rows[index]!.id === oldFirst.id) {
        newIndex = index;
        break;
      }
    }
    if (newIndex <= 0) return;
    const delta =
      offsetOfItem(days, itemIndexOfRow(days, newIndex), SIZES) -
      offsetOfItem(before.days, itemIndexOfRow(before.days, 0), SIZES);
    if (delta > 0) virtualizer.scrollToOffset(scrollOffset + delta);
    // Runs once per new set of rows; the virtualizer and offset are this render's.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows, days]);

  useEffect(() => {
    if (!scrollRequest) return;
    if (scrollRequest.align === 'start' && scrollRequest.index === 0) virtualizer.scrollToOffset(0);
    else virtualizer.scrollToIndex(scrollRequest.index, { align: scrollRequest.align });
    // Only a new request scrolls.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollRequest]);

  const ahead = Math.max(LOAD_AHEAD_PX, 4 * viewportHeight);
  const isNearEnd = totalSize - (scrollOffset + viewportHeight) < ahead;
  const isNearStart = scrollOffset < ahead;
  useEffect(() => {
    if (!isIdle || rowCount === 0) return;
    if (tailCursor !== null && isNearEnd) void loadMore(desk, 'tail');
    else if (headCursor !== null && isNearStart) void loadMore(desk, 'head');
  }, [isIdle, isNearEnd, isNearStart, rowCount, tailCursor, headCursor, desk, loadMore]);

  const open = useCallback(
    (eventId: string) => {
      selectEvent(eventId);
      listRef.current?.focus({ preventScroll: true });
    },
    [selectEvent, listRef],
  );

  const lines = virtualizer.items.map((virtualItem) => ({ virtualItem, item: itemAt(rows, days, virtualItem.index) }));
  // Only a rendered option can be the active descendant.
  const isActiveRendered = activeId !== null && lines.some(({ item }) => item?.type === 'event' && item.row.id === activeId);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const page = Math.max(Math.floor(viewportHeight / EVENT_ROW_HEIGHT) - 1, 1);
    const delta = listMoveOf(event, page);
    if (delta !== null) {
      event.preventDefault();
      // Handled here; the page-level j/k listener must not move a second time.
      event.stopPropagation();
      moveActive(delta);
    } else if ((matchesShortcut(event, 'list-open') || event.key === ' ') && activeId) {
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
      <div className="virtual-space" style={{ height: totalSize }}>
        {lines.map(({ virtualItem, item }) => {
          if (!item) return null;
          if (item.type === 'day') {
            const isSticky = virtualItem.index === stickyIndex;
            return (
              <div
                key={item.key}
                aria-hidden="true"
                className={isSticky ? 'day-header is-sticky' : 'day-header'}
                style={isSticky ? undefined : { transform: `translateY(${virtualItem.start}px)` }}
              >
                {dayLabel(item.dayKey)}
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
              timeZone={timeZone}
            />
          );
        })}
      </div>
    </div>
  );
});

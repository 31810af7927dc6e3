import { useEffect, useLayoutEffect, useRef } from 'react';
import type { CustomerDetail } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { matchesShortcut } from '../../app/shortcuts';
import { ErrorMessage } from '../../components/ErrorMessage';
import { isTypingTarget } from '../../lib/keys';
import { agreeing, countOf } from '../../lib/plural';
import { formatDateTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { TimelineFilters } from './TimelineFilters';
import { TimelineList } from './TimelineList';
import { activeFilterCount } from './timeline-model';
import './timeline.css';

/** The customer's timeline: filter bar, status line and the virtualized list, with j/k anywhere on the page. */
export function TimelineView({ facets }: { facets: CustomerDetail['facets'] | null }) {
  const desk = useDesk();
  const status = useStore((state) => state.timeline.status);
  const error = useStore((state) => state.timeline.error);
  const moreError = useStore((state) => state.timeline.moreError);
  const total = useStore((state) => state.timeline.total);
  const isTextIndexing = useStore((state) => state.timeline.isTextIndexing);
  const loaded = useStore((state) => state.timeline.rows.length);
  const startAt = useStore((state) => state.timeline.startAt);
  const isStale = useStore((state) => state.timeline.isStale);
  const loadingMore = useStore((state) => state.timeline.loadingMore);
  const filterCount = useStore((state) => activeFilterCount(state.timeline.filters));
  const reload = useStore((state) => state.reloadTimeline);
  const loadMore = useStore((state) => state.loadMoreTimeline);
  const backToLatest = useStore((state) => state.backToLatest);
  const resetFilters = useStore((state) => state.resetTimelineFilters);
  const moveActive = useStore((state) => state.moveActive);
  const closeTimeline = useStore((state) => state.closeTimeline);
  const prefetch = useStore((state) => state.prefetchTimeline);
  // The customer whose first page can be asked for now: the page's own open asks for it with no moment to go to.
  const prefetchFor = useStore((state) => (state.route.view === 'customer' && !state.route.at ? state.route.customerId : null));
  const newEvents = useStore((state) => state.timeline.newEvents);
  const order = useStore((state) => state.timeline.order);
  const showNewEvents = useStore((state) => state.showNewEvents);
  const forgetNewEvents = useStore((state) => state.forgetNewEvents);
  const listRef = useRef<HTMLDivElement>(null);

  // A layout effect runs before every passive one, so the first page is the first call the customer page makes.
  useLayoutEffect(() => {
    if (prefetchFor !== null) prefetch(desk, prefetchFor);
  }, [desk, prefetchFor, prefetch]);
  useEffect(() => closeTimeline, [closeTimeline]);

  // j/k work from anywhere on the customer page, except while typing or in a dialog.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || !matchesShortcut(event, 'list-enter')) return;
      if (useStore.getState().isPaletteOpen || useStore.getState().isShortcutsOpen) return;
      event.preventDefault();
      moveActive(event.key === 'j' ? 1 : -1);
      listRef.current?.focus({ preventScroll: true });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [moveActive]);

  // Scrolling to the new events by hand sees them as well as the button does.
  const hasNewEvents = newEvents !== null;
  useEffect(() => {
    const element = listRef.current;
    if (!element || !hasNewEvents) return;
    // Read once per frame, at its start, never in the listener: a read there after React committed rows forces a
    // synchronous layout, once per scroll event (issue 13; as useVirtualList does).
    let frame = 0;
    const checkEdge = () => {
      frame = 0;
      const isAtEdge =
        order === 'desc' ? element.scrollTop <= 1 : element.scrollTop + element.clientHeight >= element.scrollHeight - 1;
      if (isAtEdge) forgetNewEvents();
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(checkEdge);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      if (frame !== 0) cancelAnimationFrame(frame);
      element.removeEventListener('scroll', onScroll);
    };
  }, [hasNewEvents, order, forgetNewEvents]);

  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <div className="timeline-head">
        <h2 id="timeline-title">Timeline</h2>
        <p className="muted" aria-live="polite">
          {status === 'loading'
            ? 'Loading events…'
            : total !== null
              ? `${countOf(total, 'event', 'events')}${filterCount > 0 ? ` ${agreeing(total, 'matches', 'match')} the filters` : ''}${loaded < total ? ` · ${loaded.toLocaleString()} loaded` : ''}`
              : loaded > 0
                ? `${countOf(loaded, 'event', 'events')} loaded · counting the matches…`
                : ''}
          {loadingMore ? ' · loading more…' : ''}
        </p>
      </div>
      <TimelineFilters facets={facets} />
      {isTextIndexing ? (
        <p className="stale-note" role="note">
          This customer&apos;s events are still being indexed for search, so text matches may be missing. They are indexed first
          now; the list updates when it is done.
        </p>
      ) : null}
      {startAt ? (
        <p className="jump-note">
          Showing events around {formatDateTime(startAt)}.{' '}
          <button type="button" className="link-button" onClick={() => void backToLatest(desk)}>
            Back to the latest
          </button>
        </p>
      ) : null}
      {isStale ? (
        <p className="stale-note">
          New events arrived.{' '}
          <button type="button" className="link-button" onClick={() => void reload(desk)}>
            Refresh the timeline
          </button>
        </p>
      ) : null}
      {error ? <ErrorMessage title="Could not load the timeline" error={error} onRetry={() => void reload(desk)} /> : null}
      {moreError ? (
        <ErrorMessage compact title="Could not load more events" error={moreError} onRetry={() => void loadMore(desk, 'tail')} />
      ) : null}
      {status === 'ready' && loaded === 0 ? (
        <div className="empty">
          {filterCount > 0 || startAt ? (
            <>
              <p>No events match these filters.</p>
              <button type="button" onClick={() => void resetFilters(desk)}>
                Clear filters
              </button>
            </>
          ) : (
            <p>No events for this customer in the local cache yet.</p>
          )}
        </div>
      ) : null}
      <div className="timeline-list-wrap">
        <div className={order === 'desc' ? 'new-events is-top' : 'new-events is-bottom'} aria-live="polite">
          {newEvents ? (
            <button
              type="button"
              className="new-events-button"
              onClick={() => {
                showNewEvents();
                listRef.current?.focus({ preventScroll: true });
              }}
            >
              <span aria-hidden="true">{order === 'desc' ? '↑ ' : '↓ '}</span>
              {countOf(newEvents.count, 'new event', 'new events')}
            </button>
          ) : null}
        </div>
        <TimelineList listRef={listRef} />
      </div>
    </section>
  );
}

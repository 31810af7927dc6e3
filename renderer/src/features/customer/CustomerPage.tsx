import { useCallback, useEffect } from 'react';
import type { OpenItem } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useMediaQuery } from '../../components/useMediaQuery';
import { useStore } from '../../store/store';
import { touchesCustomer } from '../../store/app-slice';
import { NotesPanel } from '../notes/NotesPanel';
import { FollowUpsPanel } from '../follow-ups/FollowUpsPanel';
import { CustomerProblems } from '../problems/CustomerProblems';
import { EventDetails } from '../timeline/EventDetails';
import { TimelineView } from '../timeline/TimelineView';
import { TIMELINE_PAGE } from '../timeline/timeline-slice';
import { SuggestedWizards } from '../wizards/SuggestedWizards';
import { LikelyCause } from '../diagnosis/LikelyCause';
import { CustomerHeader } from './CustomerHeader';
import { FeatureMatrix } from './FeatureMatrix';
import { OpenItems } from './OpenItems';
import { SetupPanel } from './SetupPanel';
import './customer.css';

/**
 * One customer: header, feature matrix, open items, notes, the timeline and the
 * details of the selected event. `at` (from a deep link) scrolls the timeline to
 * that moment.
 */
export function CustomerPage({ customerId, at }: { customerId: string; at?: string }) {
  const desk = useDesk();
  const customer = useStore((state) => state.customer);
  const hasSelection = useStore((state) => state.timeline.selectedId !== null);
  const loadCustomer = useStore((state) => state.loadCustomer);
  const openTimeline = useStore((state) => state.openTimeline);
  const selectEvent = useStore((state) => state.selectEvent);
  const overviewChoice = useStore((state) => state.overviewChoice);
  const setOverviewOpen = useStore((state) => state.setOverviewOpen);
  // Left to itself the overview shows where the timeline keeps room beside it (#15): from 1280 px,
  // and beside open event details only on very wide screens.
  const isWide = useMediaQuery('(min-width: 1280px)', true);
  const isVeryWide = useMediaQuery('(min-width: 1701px)', true);
  const isOverviewOpen = overviewChoice ?? (isWide && (!hasSelection || isVeryWide));

  useEffect(() => {
    void loadCustomer(desk, customerId);
  }, [desk, customerId, loadCustomer]);

  useEffect(() => {
    const focus = useStore.getState().takeEventFocus(customerId);
    void openTimeline(
      desk,
      customerId,
      focus ? { at: focus.occurredAt, eventId: focus.eventId, openDetails: true } : at ? { at } : {},
    );
  }, [desk, customerId, at, openTimeline]);

  useCacheRefresh(
    useCallback((change) => touchesCustomer(change, customerId), [customerId]),
    useCallback(() => {
      const store = useStore.getState();
      void store.loadCustomer(desk, customerId, { quiet: true });
      const { timeline } = store;
      if (timeline.customerId === customerId) {
        // Refreshing in place is safe only while the reader is on the first page at the latest end.
        if (timeline.startAt === null && timeline.rows.length <= TIMELINE_PAGE && timeline.loadingMore === null) {
          void store.reloadTimeline(desk, { quiet: true });
        } else store.markTimelineStale();
        if (timeline.selectedId) void store.loadEventDetails(desk, timeline.selectedId, { quiet: true });
      }
    }, [desk, customerId]),
  );

  // Esc closes the details panel (dialogs and menus handle their own Esc first).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !useStore.getState().timeline.selectedId || useStore.getState().isPaletteOpen) return;
      selectEvent(null);
      document.querySelector<HTMLElement>('[role="listbox"][aria-label="Timeline events"]')?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectEvent]);

  const openItem = (item: OpenItem) => selectEvent(item.eventId);
  const detail = customer.id === customerId ? customer.detail : null;

  if (customer.id === customerId && customer.status === 'error' && customer.error) {
    return (
      <section aria-labelledby="customer-title" className="page">
        <h1 id="customer-title">Customer {customerId}</h1>
        <ErrorMessage
          title="Could not open this customer"
          error={customer.error}
          onRetry={() => void loadCustomer(desk, customerId)}
        />
        <p>
          <button type="button" onClick={() => navigate({ view: 'fleet' })}>
            Back to the fleet
          </button>
        </p>
      </section>
    );
  }

  const overviewToggle = (
    <button
      type="button"
      className="overview-toggle"
      aria-expanded={isOverviewOpen}
      aria-controls="customer-overview"
      onClick={() => setOverviewOpen(!isOverviewOpen)}
    >
      <span aria-hidden="true">{isOverviewOpen ? '◂ ' : '▸ '}</span>
      Overview
    </button>
  );
  let bodyClass = 'customer-body';
  if (isOverviewOpen) bodyClass += ' with-overview';
  if (hasSelection) bodyClass += ' with-details';

  return (
    <section aria-labelledby="customer-title" className="page page-fill customer-page">
      {detail ? (
        <CustomerHeader detail={detail} actions={overviewToggle} />
      ) : (
        <header className="customer-header">
          <div className="customer-title-row">
            <h1 id="customer-title">Customer {customerId}</h1>
            {overviewToggle}
          </div>
          <p className="muted">Loading the customer…</p>
        </header>
      )}
      <div className={bodyClass}>
        <div
          id="customer-overview"
          className="customer-overview"
          role="region"
          aria-label="Customer overview"
          hidden={!isOverviewOpen}
        >
          {detail ? (
            <>
              <LikelyCause customerId={customerId} refreshKey={detail.customer.updatedAt + (detail.customer.lastEventAt ?? '')} />
              <OpenItems items={detail.openItems} onOpen={openItem} />
              <CustomerProblems customerId={customerId} />
              <SuggestedWizards customerId={customerId} />
              <SetupPanel detail={detail} refreshKey={detail.customer.updatedAt + (detail.customer.lastEventAt ?? '')} />
              <FeatureMatrix features={detail.features} />
              <FollowUpsPanel customerId={customerId} />
              <NotesPanel customerId={customerId} eventId={null} />
            </>
          ) : null}
        </div>
        <TimelineView facets={detail?.facets ?? null} />
        {hasSelection ? <EventDetails /> : null}
      </div>
    </section>
  );
}

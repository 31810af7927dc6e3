import { Suspense, useEffect } from 'react';
import type { AppRoute } from '../../shared/routes';
import { useGlobalKeys } from './app/useGlobalKeys';
import { useHashRoute } from './app/useHashRoute';
import { useDeskState } from './app/useDeskState';
import { Sidebar } from './components/Sidebar';
import { TimeZoneToggle } from './components/TimeZoneToggle';
import {
  AboutView,
  ApprovalsView,
  CommandPalette,
  CustomerPage,
  FleetView,
  FollowUpsView,
  InsightsView,
  PageFrame,
  ProblemsView,
  ReleasesView,
  RunPage,
  ShortcutSheet,
  SourcesView,
  SyncView,
  WizardsPage,
} from './app/pages';
import { UpdateNotice } from './features/about/UpdateNotice';
import { SearchBox } from './features/search/SearchBox';
import { SyncIndicator } from './features/sync/SyncIndicator';
import { SignedInAs } from './features/sync/SignInPanel';
import { useStore } from './store/store';
import './app.css';

function View({ route }: { route: AppRoute }) {
  switch (route.view) {
    case 'fleet':
      return <FleetView variant="fleet" />;
    case 'customers':
      return <FleetView variant="customers" />;
    case 'customer':
      // Keyed by customer so nothing from one customer's page leaks into the next.
      return <CustomerPage key={route.customerId} customerId={route.customerId} at={route.at} />;
    case 'wizards':
      return <WizardsPage />;
    case 'run':
      // Keyed by run so nothing of one run's screen (typed names, open forms) leaks into the next.
      return <RunPage key={route.runId} runId={route.runId} />;
    case 'sync':
      return <SyncView />;
    case 'followups':
      return <FollowUpsView />;
    case 'releases':
      return <ReleasesView />;
    case 'problems':
      return <ProblemsView problemId={route.problemId} />;
    case 'insights':
      return <InsightsView />;
    case 'approvals':
      return <ApprovalsView />;
    case 'sources':
      return <SourcesView />;
    case 'about':
      return <AboutView />;
  }
}

/** The application frame: sidebar, header with search and the sync indicator, the current view, the palette. */
export function App() {
  useHashRoute();
  useDeskState();
  useGlobalKeys();
  const route = useStore((state) => state.route);
  const notice = useStore((state) => state.notice);
  const setNotice = useStore((state) => state.setNotice);
  const isPaletteOpen = useStore((state) => state.isPaletteOpen);
  const setPaletteOpen = useStore((state) => state.setPaletteOpen);
  // Read here so that every view re-renders its times when the zone changes.
  useStore((state) => state.timeZone);
  const isShortcutsOpen = useStore((state) => state.isShortcutsOpen);
  useEffect(() => {
    // Kept out of the first screen's chunk, fetched right after it so Ctrl K and ? open at once.
    void CommandPalette.preload().catch(() => undefined);
    void ShortcutSheet.preload().catch(() => undefined);
  }, []);

  return (
    <>
      {/* While the palette is open the rest of the app is inert: no focus, no clicks, hidden from assistive tech. */}
      <div className="frame" inert={isPaletteOpen || isShortcutsOpen}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Sidebar />
        <div className="main-column">
          <header className="header">
            <span className="header-title">Lightkeeper</span>
            <SearchBox />
            <div className="header-actions">
              <button type="button" aria-keyshortcuts="Control+K Meta+K" onClick={() => setPaletteOpen(true)}>
                Commands <kbd aria-hidden="true">Ctrl K</kbd>
              </button>
              <TimeZoneToggle />
              <SignedInAs />
              <SyncIndicator />
            </div>
          </header>
          <UpdateNotice />
          {notice ? (
            <div role="status" className="notice">
              {notice}{' '}
              <button type="button" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </div>
          ) : null}
          <main id="main" tabIndex={-1}>
            <PageFrame routeKey={route.view}>
              <View route={route} />
            </PageFrame>
          </main>
        </div>
      </div>
      {/* Opened on demand, so loaded on demand; nothing shows until they arrive (a blink on first use). */}
      <Suspense fallback={null}>
        {isPaletteOpen ? <CommandPalette /> : null}
        {isShortcutsOpen ? <ShortcutSheet /> : null}
      </Suspense>
    </>
  );
}

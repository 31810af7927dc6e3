import type { AppRoute } from '../../shared/routes';
import { useGlobalKeys } from './app/useGlobalKeys';
import { useHashRoute } from './app/useHashRoute';
import { useDeskState } from './app/useDeskState';
import { ShortcutSheet } from './components/ShortcutSheet';
import { Sidebar } from './components/Sidebar';
import { TimeZoneToggle } from './components/TimeZoneToggle';
import { AboutView } from './features/about/AboutView';
import { CustomerPage } from './features/customer/CustomerPage';
import { FleetView } from './features/fleet/FleetView';
import { FollowUpsView } from './features/follow-ups/FollowUpsView';
import { CommandPalette } from './features/palette/CommandPalette';
import { ReleasesView } from './features/releases/ReleasesView';
import { InsightsView } from './features/insights/InsightsView';
import { ApprovalsView } from './features/approvals/ApprovalsView';
import { ProblemsView } from './features/problems/ProblemsView';
import { RunPage } from './features/runs/RunPage';
import { SearchBox } from './features/search/SearchBox';
import { SyncIndicator } from './features/sync/SyncIndicator';
import { SignedInAs } from './features/sync/SignInPanel';
import { SyncView } from './features/sync/SyncView';
import { WizardsPage } from './features/wizards/WizardsPage';
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
          {notice ? (
            <div role="status" className="notice">
              {notice}{' '}
              <button type="button" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </div>
          ) : null}
          <main id="main" tabIndex={-1}>
            <View route={route} />
          </main>
        </div>
      </div>
      {isPaletteOpen ? <CommandPalette /> : null}
      {isShortcutsOpen ? <ShortcutSheet /> : null}
    </>
  );
}

import { useEffect } from 'react';
import type { AppRoute } from '../../shared/routes';
import { navigate, useHashRoute } from './app/useHashRoute';
import { useDeskState } from './app/useDeskState';
import { EmptyState } from './components/EmptyState';
import { NAV_ITEMS, Sidebar } from './components/Sidebar';
import { AboutView } from './features/about/AboutView';
import { SyncIndicator } from './features/sync/SyncIndicator';
import { SyncView } from './features/sync/SyncView';
import { useStore } from './store/store';

function View({ route }: { route: AppRoute }) {
  switch (route.view) {
    case 'fleet':
      return (
        <EmptyState title="Fleet">
          No customers in the local cache yet. Connect a backend on the <a href="#/sync">Sync</a> page to see the fleet.
        </EmptyState>
      );
    case 'customers':
      return (
        <EmptyState title="Customers">No customers in the local cache yet. They appear here once the first sync completes.</EmptyState>
      );
    case 'customer':
      return (
        <EmptyState title={`Customer ${route.customerId}`}>
          This customer is not in the local cache. Check the id, or sync and try again.
        </EmptyState>
      );
    case 'wizards':
      return <EmptyState title="Wizards">No wizards are installed yet.</EmptyState>;
    case 'sync':
      return <SyncView />;
    case 'about':
      return <AboutView />;
  }
}

/** The application frame: sidebar, header with the sync indicator, and the current view. */
export function App() {
  useHashRoute();
  useDeskState();
  const route = useStore((state) => state.route);
  const notice = useStore((state) => state.notice);
  const setNotice = useStore((state) => state.setNotice);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const item = NAV_ITEMS.find((candidate) => candidate.shortcut === event.key);
      if (item) {
        event.preventDefault();
        navigate({ view: item.view } as AppRoute);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="frame">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar />
      <div className="main-column">
        <header className="header">
          <span className="header-title">Lightkeeper</span>
          <SyncIndicator />
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
  );
}

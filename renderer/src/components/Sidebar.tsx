import type { AppRoute } from '../../../shared/routes';
import { navigate } from '../app/useHashRoute';
import { useStore } from '../store/store';

type Item = { view: AppRoute['view']; label: string; shortcut: string };

export const NAV_ITEMS: readonly Item[] = [
  { view: 'fleet', label: 'Fleet', shortcut: '1' },
  { view: 'customers', label: 'Customers', shortcut: '2' },
  { view: 'wizards', label: 'Wizards', shortcut: '3' },
  { view: 'sync', label: 'Sync', shortcut: '4' },
  { view: 'followups', label: 'Follow-ups', shortcut: '5' },
  { view: 'releases', label: 'Releases', shortcut: '6' },
  { view: 'problems', label: 'Known problems', shortcut: '7' },
  { view: 'insights', label: 'Insights', shortcut: '8' },
  { view: 'approvals', label: 'Approvals', shortcut: '9' },
  { view: 'sources', label: 'Sources', shortcut: '0' },
];

/** The main navigation. The customer page belongs to Customers. */
export function Sidebar() {
  const view = useStore((state) => state.route.view);
  const current = view === 'customer' ? 'customers' : view === 'run' ? 'wizards' : view;
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand" aria-hidden="true">
        <span className="brand-mark">◆</span> Lightkeeper
      </div>
      <ul>
        {NAV_ITEMS.map((item) => (
          <li key={item.view}>
            <a
              href={`#/${item.view}`}
              aria-current={current === item.view ? 'page' : undefined}
              aria-keyshortcuts={`Alt+${item.shortcut}`}
              onClick={(event) => {
                event.preventDefault();
                navigate({ view: item.view } as AppRoute);
              }}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
      <a
        className="sidebar-about"
        href="#/about"
        aria-current={current === 'about' ? 'page' : undefined}
        onClick={(event) => {
          event.preventDefault();
          navigate({ view: 'about' });
        }}
      >
        About
      </a>
    </nav>
  );
}

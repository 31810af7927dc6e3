import { Component, Suspense, type ReactNode } from 'react';
import { lazyPage } from './lazyPage';

/**
 * Every page of the app, each in its own chunk (#15, item 16): the first screen
 * loads the frame and the page it shows, not all of them. The palette and the
 * shortcut sheet open on demand, so they are chunks too.
 */
export const FleetView = lazyPage(
  'FleetView',
  () => import('../features/fleet/FleetView'),
  (m) => m.FleetView,
);
export const CustomerPage = lazyPage(
  'CustomerPage',
  () => import('../features/customer/CustomerPage'),
  (m) => m.CustomerPage,
);
export const WizardsPage = lazyPage(
  'WizardsPage',
  () => import('../features/wizards/WizardsPage'),
  (m) => m.WizardsPage,
);
export const RunPage = lazyPage(
  'RunPage',
  () => import('../features/runs/RunPage'),
  (m) => m.RunPage,
);
export const SyncView = lazyPage(
  'SyncView',
  () => import('../features/sync/SyncView'),
  (m) => m.SyncView,
);
export const FollowUpsView = lazyPage(
  'FollowUpsView',
  () => import('../features/follow-ups/FollowUpsView'),
  (m) => m.FollowUpsView,
);
export const ReleasesView = lazyPage(
  'ReleasesView',
  () => import('../features/releases/ReleasesView'),
  (m) => m.ReleasesView,
);
export const ProblemsView = lazyPage(
  'ProblemsView',
  () => import('../features/problems/ProblemsView'),
  (m) => m.ProblemsView,
);
export const InsightsView = lazyPage(
  'InsightsView',
  () => import('../features/insights/InsightsView'),
  (m) => m.InsightsView,
);
export const ApprovalsView = lazyPage(
  'ApprovalsView',
  () => import('../features/approvals/ApprovalsView'),
  (m) => m.ApprovalsView,
);
export const SourcesView = lazyPage(
  'SourcesView',
  () => import('../features/sources/SourcesView'),
  (m) => m.SourcesView,
);
export const AboutView = lazyPage(
  'AboutView',
  () => import('../features/about/AboutView'),
  (m) => m.AboutView,
);
export const CommandPalette = lazyPage(
  'CommandPalette',
  () => import('../features/palette/CommandPalette'),
  (m) => m.CommandPalette,
);
export const ShortcutSheet = lazyPage(
  'ShortcutSheet',
  () => import('../components/ShortcutSheet'),
  (m) => m.ShortcutSheet,
);

const ALL = [
  FleetView,
  CustomerPage,
  WizardsPage,
  RunPage,
  SyncView,
  FollowUpsView,
  ReleasesView,
  ProblemsView,
  InsightsView,
  ApprovalsView,
  SourcesView,
  AboutView,
  CommandPalette,
  ShortcutSheet,
];

/** Fetches every page ahead of use (DOM tests render pages synchronously after this). */
export async function preloadPages(): Promise<void> {
  await Promise.all(ALL.map((page) => page.preload()));
}

/** Shown while a page's chunk loads: announced politely, the main region marked busy. */
export function PageLoading() {
  return (
    <div className="page page-loading" aria-busy="true">
      <p role="status" className="muted">
        Loading the page…
      </p>
    </div>
  );
}

type BoundaryState = { error: Error | null };

/**
 * A page whose chunk could not be loaded (a file missing after an update, a
 * dropped connection in browser mode) says so and what to do, instead of a blank
 * window. Keyed by the route by its caller, so another page starts afresh.
 */
class PageLoadBoundary extends Component<{ children: ReactNode }, BoundaryState> {
  override state: BoundaryState = { error: null };

  static getDerivedStateFromError(error: Error): BoundaryState {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="page">
        <div role="alert" className="error-box">
          <p className="error-title">This page could not be shown</p>
          <p>{this.state.error.message}</p>
          <p className="error-hint">Reload the window (Ctrl R) to load it again; your work is kept in the local cache.</p>
          <div className="error-actions">
            <button type="button" onClick={() => window.location.reload()}>
              Reload
            </button>
          </div>
        </div>
      </div>
    );
  }
}

/** A lazy page with its loading state and its load-failure message. */
export function PageFrame({ routeKey, children }: { routeKey: string; children: ReactNode }) {
  return (
    <PageLoadBoundary key={routeKey}>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </PageLoadBoundary>
  );
}

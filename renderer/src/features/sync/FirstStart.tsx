import type { SyncStatus } from '../../../../shared/ipc/contract';
import { countOf } from '../../lib/plural';
import { useStore } from '../../store/store';

/** The first copy's progress in words: "3 pages applied · 1,200 changes · 12 customers so far". */
export function firstSyncProgress(firstSync: NonNullable<SyncStatus['firstSync']>): string {
  return [
    `${countOf(firstSync.pages, 'page', 'pages')} applied`,
    countOf(firstSync.changes, 'change', 'changes'),
    `${countOf(firstSync.customers, 'customer', 'customers')} so far`,
  ].join(' · ');
}

/**
 * What the desk is doing while there is no copy yet (#15, item 2): starting the demo backend, loading the
 * first copy with its progress, or why it cannot and what to do. Nothing once the first copy is whole.
 */
export function FirstStart({ hasCustomers }: { hasCustomers: boolean }) {
  const status = useStore((state) => state.syncStatus);
  if (!status) return null;
  if (status.firstSync) {
    return (
      <div className="empty first-start" role="status" data-testid="first-start">
        <p>Loading the first copy of the fleet…</p>
        <p className="muted">{firstSyncProgress(status.firstSync)}</p>
      </div>
    );
  }
  if (hasCustomers || status.lastSyncAt) return null;
  if (status.state === 'syncing') {
    return (
      <div className="empty first-start" role="status" data-testid="first-start">
        <p>{status.message ?? 'Getting the first copy of the fleet…'}</p>
        <p className="muted">Customers appear here as soon as the first of them is copied.</p>
      </div>
    );
  }
  if (status.state === 'error' || status.state === 'offline') {
    return (
      <div className="empty first-start" role="alert" data-testid="first-start">
        <p>No customers yet: {status.message ?? 'the backend cannot be reached.'}</p>
        <p>
          Check or change the backend on the <a href="#/sync">Sync</a> page.
        </p>
      </div>
    );
  }
  return null;
}

import type { SyncStatus } from '../../../../shared/ipc/contract';
import { navigate } from '../../app/useHashRoute';
import { useNow } from '../../components/useNow';
import { formatDateTime, formatRelative, formatTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { countOf } from '../../lib/plural';

const LABELS: Record<SyncStatus['state'], string> = {
  not_configured: 'No backend',
  online: 'Online',
  offline: 'Offline',
  syncing: 'Syncing',
  error: 'Sync error',
};

/** The line under the state: when the cache was last brought up to date, and how old an offline copy is. */
export function syncFreshness(status: SyncStatus, now: number): string {
  if (status.state === 'offline' || status.state === 'error') {
    return status.lastSyncAt ? `offline copy as of ${formatDateTime(status.lastSyncAt)}` : 'no offline copy yet';
  }
  if (status.firstSync) return `first copy: ${countOf(status.firstSync.customers, 'customer', 'customers')} so far`;
  if (status.isBootstrapping) return 'first copy loading';
  // Before the first copy: what the desk is doing (starting the demo backend…), not "not synced yet" (#15, item 2).
  if (status.state === 'syncing' && !status.lastSyncAt && status.message) return status.message;
  // The server said it may be holding changes back: not "in sync", however recent the last pull.
  if (status.serverDelayedSince) return `server delayed since ${formatTime(status.serverDelayedSince)}`;
  return status.lastSyncAt ? `synced ${formatRelative(status.lastSyncAt, now)}` : 'not synced yet';
}

/** The header's connection indicator; it shows the core's state, never a guess. */
export function SyncIndicator() {
  const status = useStore((state) => state.syncStatus);
  const now = useNow(15_000);
  const label = status ? LABELS[status.state] : 'Connecting…';
  const freshness = status ? syncFreshness(status, now) : '';
  const pending = status && status.pendingOutbox > 0 ? `${status.pendingOutbox} pending` : '';
  const waiting = status && status.waitingOutbox > 0 ? `${status.waitingOutbox} for another backend` : '';
  const detail = status?.message ?? '';
  const description = [
    label,
    freshness,
    pending ? countOf(status?.pendingOutbox ?? 0, 'pending local change', 'pending local changes') : '',
    waiting ? `${waiting} kept, not sent here` : '',
    detail,
  ]
    .filter((part) => part !== '')
    .join('. ');
  return (
    <button
      type="button"
      className={`sync-indicator sync-${status?.state ?? 'unknown'}`}
      aria-label={`Sync status: ${description}. Open sync details`}
      title={detail || label}
      onClick={() => navigate({ view: 'sync' })}
    >
      <span className="dot" aria-hidden="true" />
      <span data-testid="sync-state">{label}</span>
      {freshness ? (
        <span className="sync-freshness" data-testid="sync-freshness">
          {freshness}
        </span>
      ) : null}
      {pending ? (
        <span className="badge" data-testid="sync-pending">
          {pending}
        </span>
      ) : null}
      {waiting ? (
        <span className="badge" data-testid="sync-waiting">
          {waiting}
        </span>
      ) : null}
    </button>
  );
}

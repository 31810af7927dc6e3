import type { SyncStatus } from '../../../../shared/ipc/contract';
import { navigate } from '../../app/useHashRoute';
import { useStore } from '../../store/store';

const LABELS: Record<SyncStatus['state'], string> = {
  not_configured: 'No backend',
  online: 'Online',
  offline: 'Offline',
  syncing: 'Syncing',
  error: 'Sync error',
};

/** The header's connection indicator; it shows the core's state, never a guess. */
export function SyncIndicator() {
  const status = useStore((state) => state.syncStatus);
  const label = status ? LABELS[status.state] : 'Connecting…';
  const detail = status?.message ?? '';
  return (
    <button
      type="button"
      className={`sync-indicator sync-${status?.state ?? 'unknown'}`}
      aria-label={`Sync status: ${label}${detail ? `. ${detail}` : ''}. Open sync details`}
      title={detail || label}
      onClick={() => navigate({ view: 'sync' })}
    >
      <span className="dot" aria-hidden="true" />
      <span data-testid="sync-state">{label}</span>
      {status && status.pendingOutbox > 0 ? <span className="badge">{status.pendingOutbox} pending</span> : null}
    </button>
  );
}

import { useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNow } from '../../components/useNow';
import { formatDateTime, formatRelative } from '../../lib/time';
import { useStore } from '../../store/store';
import { BackendSettings } from './BackendSettings';
import { LocalChanges } from './LocalChanges';
import { SignInPanel } from './SignInPanel';
import './sync.css';

/** Sync details: state, last successful sync, pending local changes, "Sync now", and the backend setting. */
export function SyncView() {
  const desk = useDesk();
  const status = useStore((state) => state.syncStatus);
  const setSyncStatus = useStore((state) => state.setSyncStatus);
  const [isSyncing, setSyncing] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const now = useNow();

  const syncNow = async () => {
    setSyncing(true);
    const result = await desk.sync.now();
    setSyncing(false);
    if (result.ok) {
      setSyncStatus(result.value);
      setError(null);
    } else setError(result.error);
  };

  return (
    <section aria-labelledby="sync-title" className="page sync-page">
      <h1 id="sync-title">Sync</h1>
      {status ? (
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="sync-detail-state">{status.state.replace('_', ' ')}</dd>
          <dt>Backend</dt>
          <dd>{status.backendUrl ?? 'none'}</dd>
          <dt>Last successful sync</dt>
          <dd>
            {status.lastSyncAt ? (
              <>
                {formatDateTime(status.lastSyncAt)} ({formatRelative(status.lastSyncAt, now)})
              </>
            ) : (
              'never'
            )}
          </dd>
          {status.state === 'offline' || status.state === 'error' ? (
            <>
              <dt>Offline copy</dt>
              <dd>
                {status.lastSyncAt
                  ? `Everything synced up to ${formatDateTime(status.lastSyncAt)} stays browsable and searchable; notes are kept and sent when the backend is back.`
                  : 'Nothing has been synced yet.'}
              </dd>
            </>
          ) : null}
          {status.serverDelayedSince ? (
            <>
              <dt>Server delayed</dt>
              <dd data-testid="sync-detail-delayed">
                Since {formatDateTime(status.serverDelayedSince)}: a change on the server has been in progress since then (a long
                import or maintenance). What it changes arrives when it finishes; everything else is up to date.
              </dd>
            </>
          ) : null}
          <dt>First copy</dt>
          <dd>{status.isBootstrapping ? 'still loading' : 'complete'}</dd>
          <dt>Local changes waiting to be sent</dt>
          <dd data-testid="sync-detail-pending">{status.pendingOutbox}</dd>
          {status.waitingOutbox > 0 ? (
            <>
              <dt>Kept for another backend</dt>
              <dd data-testid="sync-detail-waiting">{status.waitingOutbox} (listed below; never sent to this backend)</dd>
            </>
          ) : null}
          {status.message ? (
            <>
              <dt>Details</dt>
              <dd>{status.message}</dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p>Reading sync state from the desk core…</p>
      )}
      <p>
        <button type="button" className="primary" onClick={() => void syncNow()} disabled={isSyncing}>
          {isSyncing ? 'Syncing…' : 'Sync now'}
        </button>
      </p>
      {error ? <ErrorMessage title="Sync did not run" error={error} onRetry={() => void syncNow()} /> : null}
      <SignInPanel />
      <LocalChanges />
      <BackendSettings />
    </section>
  );
}

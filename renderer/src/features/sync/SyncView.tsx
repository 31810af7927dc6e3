import { useStore } from '../../store/store';

/** Sync details: state, last successful sync, pending local changes. */
export function SyncView() {
  const status = useStore((state) => state.syncStatus);
  return (
    <section aria-labelledby="sync-title" className="page">
      <h1 id="sync-title">Sync</h1>
      {status ? (
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="sync-detail-state">{status.state.replace('_', ' ')}</dd>
          <dt>Last successful sync</dt>
          <dd>{status.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : 'never'}</dd>
          <dt>Local changes waiting to be sent</dt>
          <dd>{status.pendingOutbox}</dd>
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
    </section>
  );
}

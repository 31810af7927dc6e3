import { useEffect, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import { UPDATE_CHANNELS, type UpdateChannel, type UpdateStatus } from '../../../../shared/ipc/update-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';

const CHANNEL_TEXT: Record<UpdateChannel, { label: string; hint: string }> = {
  stable: { label: 'Stable', hint: 'released versions only' },
  beta: { label: 'Beta', hint: 'also test versions before they are released; you can go back to Stable at any time' },
};

/** What the updater is doing, in words, with the next step. */
function stateText(status: UpdateStatus): string {
  switch (status.state) {
    case 'unavailable':
      return status.message ?? 'This desk does not update itself.';
    case 'idle':
      return status.checkedAt ? 'Lightkeeper is up to date.' : 'No check has run yet.';
    case 'checking':
      return 'Checking for an update…';
    case 'downloading':
      return `Update ${status.version ?? ''} available: downloading${status.percent !== null ? ` (${Math.round(status.percent)} %)` : ''}. You can keep working.`;
    case 'ready':
      return `Update ${status.version ?? ''} is ready to install: restart Lightkeeper to update (it also installs when you quit).`;
    case 'error':
      return status.message ?? 'The update check failed.';
  }
}

/**
 * Updates on the About page (issue 14): the channel (stable or beta), what the
 * updater is doing — told by the shell over `updates:changed` — and "Restart to
 * update" once an update is downloaded.
 */
export function UpdatesPanel() {
  const desk = useDesk();
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [error, setError] = useState<ContractError | null>(null);

  useEffect(() => {
    let isCurrent = true;
    void desk.updates.status().then((result) => {
      if (!isCurrent) return;
      if (result.ok) setStatus(result.value);
      else setError(result.error);
    });
    const stop = desk.events.updatesChanged((next) => setStatus(next));
    return () => {
      isCurrent = false;
      stop();
    };
  }, [desk]);

  const apply = (result: Awaited<ReturnType<typeof desk.updates.status>>) => {
    if (result.ok) {
      setStatus(result.value);
      setError(null);
    } else setError(result.error);
  };

  return (
    <section aria-labelledby="updates-title" className="panel">
      <h2 id="updates-title">Updates</h2>
      {status ? (
        <>
          <fieldset className="chip-group">
            <legend>Update channel</legend>
            {UPDATE_CHANNELS.map((channel) => (
              <label key={channel} className="check">
                <input
                  type="radio"
                  name="update-channel"
                  value={channel}
                  checked={status.channel === channel}
                  onChange={() => void desk.updates.setChannel({ channel }).then(apply)}
                />{' '}
                {CHANNEL_TEXT[channel].label} <span className="muted">— {CHANNEL_TEXT[channel].hint}</span>
              </label>
            ))}
          </fieldset>
          <p role="status" data-testid="update-state">
            {stateText(status)}
          </p>
          {status.checkedAt ? (
            <p className="muted">
              Last checked{' '}
              <time dateTime={status.checkedAt} title={timeTitle(status.checkedAt)}>
                {formatDateTime(status.checkedAt)}
              </time>
              {status.feedUrl ? (
                <>
                  {' '}
                  at <code>{status.feedUrl}</code>
                </>
              ) : null}
              .
            </p>
          ) : null}
          <div className="error-actions">
            {status.state === 'ready' ? (
              <button type="button" className="primary" onClick={() => void desk.updates.restart().then(apply)}>
                Restart to update
              </button>
            ) : null}
            {status.state !== 'unavailable' ? (
              <button
                type="button"
                disabled={status.state === 'checking' || status.state === 'downloading'}
                onClick={() => void desk.updates.check().then(apply)}
              >
                Check now
              </button>
            ) : null}
          </div>
        </>
      ) : error ? null : (
        <p className="muted">Reading the updater…</p>
      )}
      {error ? <ErrorMessage compact title="The update setting was not changed" error={error} /> : null}
    </section>
  );
}

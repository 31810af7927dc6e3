import { useEffect, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { UpdateStatus } from '../../../../shared/ipc/update-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStore } from '../../store/store';

/**
 * "Update ready — restart to update" on every page (issue 14): once the shell has
 * downloaded an update (`updates:changed` with state ready) the frame says so under
 * the header, with Restart to update and Later (hidden for that version until the
 * next one). The About page has the full updates panel, so the notice is not shown
 * there. Type-only imports: the first screen stays free of zod.
 */
export function UpdateNotice() {
  const desk = useDesk();
  const view = useStore((state) => state.route.view);
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [laterFor, setLaterFor] = useState<string | null>(null);
  const [error, setError] = useState<ContractError | null>(null);

  useEffect(() => {
    let isCurrent = true;
    void desk.updates.status().then((result) => {
      if (isCurrent && result.ok) setStatus(result.value);
    });
    const stop = desk.events.updatesChanged((next) => setStatus(next));
    return () => {
      isCurrent = false;
      stop();
    };
  }, [desk]);

  if (!status || status.state !== 'ready' || view === 'about') return null;
  const version = status.version ?? 'A new version';
  if (laterFor === version) return null;

  return (
    <div role="region" aria-label="Update ready" className="notice update-notice">
      Lightkeeper {status.version ?? ''} is downloaded: restart to update, or it installs when you quit.{' '}
      <button
        type="button"
        className="primary"
        onClick={() =>
          void desk.updates.restart().then((result) => {
            if (!result.ok) setError(result.error);
          })
        }
      >
        Restart to update
      </button>{' '}
      <button type="button" onClick={() => setLaterFor(version)}>
        Later
      </button>
      {error ? <ErrorMessage compact title="Lightkeeper did not restart" error={error} /> : null}
    </div>
  );
}

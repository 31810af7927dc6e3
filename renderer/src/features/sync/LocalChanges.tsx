import { useEffect, useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { OutboxList } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime } from '../../lib/time';
import { useStore } from '../../store/store';
import { countOf } from '../../lib/plural';

type Group = OutboxList['groups'][number];

const STATUS: Record<Group['items'][number]['status'], string> = {
  pending: 'waiting to be sent',
  applied: 'accepted, arriving',
  rejected: 'refused by the server',
  conflict: 'changed by someone else meanwhile',
};

/** One backend's waiting changes, with the explicit choice to throw them away. */
function WaitingGroup({ group, onDiscarded }: { group: Group; onDiscarded: () => void }) {
  const desk = useDesk();
  const [isConfirming, setConfirming] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const headingId = useId();
  const count = group.items.length;
  const changes = countOf(count, 'change', 'changes');

  const discard = async () => {
    const result = await desk.outbox.discard({ backendKey: group.backendKey });
    if (result.ok) {
      setConfirming(false);
      setError(null);
      onDiscarded();
    } else setError(result.error);
  };

  return (
    <section aria-labelledby={headingId} className="outbox-group" data-testid="outbox-waiting">
      <h3 id={headingId}>Waiting for {group.label}</h3>
      <p className="muted">
        Written for that backend, so they are kept here and never sent anywhere else. Switch back to it on this page and they are
        sent.
      </p>
      <ul>
        {group.items.map((item) => (
          <li key={item.id}>
            {item.summary}{' '}
            <span className="muted">
              ({STATUS[item.status]}, {formatDateTime(item.clientTime)})
            </span>
          </li>
        ))}
      </ul>
      {isConfirming ? (
        <div role="group" aria-label={`Confirm discarding ${changes}`} className="outbox-confirm">
          <p>
            Discard {changes} for {group.label}? They were never sent; they cannot be brought back.
          </p>
          <button type="button" className="danger" onClick={() => void discard()}>
            Discard for good
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Discard {changes} for {group.label}…
        </button>
      )}
      {error ? <ErrorMessage compact title="Nothing was discarded" error={error} /> : null}
    </section>
  );
}

/** The local changes the desk keeps: those being sent to this backend, and those waiting for another one. */
export function LocalChanges() {
  const desk = useDesk();
  const status = useStore((state) => state.syncStatus);
  const [list, setList] = useState<OutboxList | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((count) => count + 1);

  // Reloaded whenever the counts in the sync status change (a write was sent, a backend switched).
  useEffect(() => {
    let isCurrent = true;
    void desk.outbox.list().then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setList(result.value);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, reloads, status?.pendingOutbox, status?.waitingOutbox, status?.backendUrl]);

  const waiting = list?.groups.filter((group) => !group.isCurrent && group.items.length > 0) ?? [];
  return (
    <section aria-labelledby="local-changes-title" className="local-changes">
      <h2 id="local-changes-title">Local changes for other backends</h2>
      {error ? <ErrorMessage compact title="The local changes could not be listed" error={error} onRetry={reload} /> : null}
      {list && waiting.length === 0 ? <p className="muted">None: every local change belongs to the backend in use.</p> : null}
      {waiting.map((group) => (
        <WaitingGroup key={group.backendKey} group={group} onDiscarded={reload} />
      ))}
    </section>
  );
}

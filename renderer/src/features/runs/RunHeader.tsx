import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import { routeToHash } from '../../../../shared/routes';
import { navigate } from '../../app/useHashRoute';
import { usePersonLabel } from '../../app/useYou';
import { CopyLink } from '../../components/CopyLink';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import type { SendAct } from './StepPanels';

/** The words every screen of a practice run carries. */
export const PRACTICE_TEXT = 'Practice run — simulated checks and actions; nothing touches the customer';

/** The banner on every screen of a practice run. */
export function PracticeBanner() {
  return (
    <div className="practice-banner" role="status" data-testid="practice-banner">
      <span className="practice-mark" aria-hidden="true">
        PRACTICE
      </span>
      {PRACTICE_TEXT}
    </div>
  );
}

const STATUS_WORDS: Record<RunView['status'], string> = {
  running: 'Running',
  waiting: 'Waiting',
  finished: 'Finished',
  cancelled: 'Cancelled',
};

/** Asks before cancelling: a cancelled run ends as aborted and cannot be resumed. */
function CancelConfirm({ view, onClose, send }: { view: RunView; onClose: () => void; send: SendAct }) {
  const titleId = useId();
  const reasonId = useId();
  const keepRef = useRef<HTMLButtonElement>(null);
  const [reason, setReason] = useState('');
  const [isSending, setSending] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);

  useEffect(() => {
    keepRef.current?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
    }
  };

  return (
    <div
      className="cancel-confirm"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={`${titleId}-text`}
      onKeyDown={onKeyDown}
    >
      <h2 id={titleId}>Cancel this run?</h2>
      <p id={`${titleId}-text`}>
        {view.practice
          ? 'The practice run ends here. Nothing on the customer changes.'
          : `The run ends as aborted and is recorded on the timeline of ${view.customerName}. Actions that already ran are not undone.`}
      </p>
      <div className="run-field">
        <label htmlFor={reasonId}>
          Reason <span className="muted">(optional)</span>
        </label>
        <input id={reasonId} type="text" maxLength={500} value={reason} onChange={(event) => setReason(event.target.value)} />
      </div>
      <div className="run-actions">
        <button ref={keepRef} type="button" onClick={onClose}>
          Keep the run
        </button>
        <button
          type="button"
          className="danger"
          disabled={isSending}
          onClick={async () => {
            setSending(true);
            const refusal = await send(reason.trim() ? { type: 'cancel', reason: reason.trim() } : { type: 'cancel' });
            setSending(false);
            if (refusal) setError(refusal);
            else onClose();
          }}
        >
          Yes, cancel the run
        </button>
      </div>
      {error ? <ErrorMessage compact title="The run was not cancelled" error={error} /> : null}
    </div>
  );
}

/** Title and pinned version, customer, status; Resume later and Cancel while the run is open. */
export function RunHeader({ view, send }: { view: RunView; send: SendAct }) {
  const [isCancelling, setCancelling] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const isOpen = view.status === 'running' || view.status === 'waiting';
  const person = usePersonLabel();
  return (
    <header className="run-header">
      <div className="run-title-row">
        <h1 id="run-title">{view.title}</h1>
        <span className="tag" title="A run stays on the wizard version it started with">
          version {view.wizardVersion} (pinned)
        </span>
        {view.practice ? <span className="tag tag-practice">Practice</span> : null}
        <span className={`run-status run-status-${view.status}`} data-testid="run-status">
          {STATUS_WORDS[view.status]}
        </span>
      </div>
      <dl className="run-facts">
        <div>
          <dt>Customer</dt>
          <dd>
            <a href={routeToHash({ view: 'customer', customerId: view.customerId })}>{view.customerName}</a>
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <time dateTime={view.startedAt} title={timeTitle(view.startedAt)}>
              {formatDateTime(view.startedAt)}
            </time>
          </dd>
        </div>
        {view.startedBy ? (
          <div>
            <dt>Started by</dt>
            <dd>{person(view.startedBy.name, view.startedBy.userId)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Wizard</dt>
          <dd>
            <code>{view.wizardId}</code>
          </dd>
        </div>
      </dl>
      <div className="run-header-actions">
        <CopyLink route={{ view: 'run', runId: view.runId }} label="Copy link to this run" />
        {isOpen ? (
          <>
            <button
              type="button"
              onClick={() => navigate({ view: 'wizards' })}
              title="The run is saved; resume it from Wizards or the command palette"
            >
              Resume later
            </button>
            <button ref={cancelRef} type="button" aria-expanded={isCancelling} onClick={() => setCancelling(true)}>
              Cancel run
            </button>
          </>
        ) : null}
      </div>
      {isCancelling && isOpen ? (
        <CancelConfirm
          view={view}
          send={send}
          onClose={() => {
            setCancelling(false);
            cancelRef.current?.focus();
          }}
        />
      ) : null}
    </header>
  );
}

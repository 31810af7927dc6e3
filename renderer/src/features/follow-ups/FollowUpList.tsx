import { useEffect, useState } from 'react';
import {
  FOLLOW_UP_FIELD_WORDS,
  FOLLOW_UP_STATE_LABELS,
  FOLLOW_UP_STATES,
  type FollowUpFields,
  type FollowUpState,
} from '../../../../shared/follow-ups';
import type { FollowUpHistory, FollowUpView } from '../../../../shared/ipc/follow-up-views';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { usePersonLabel } from '../../app/useYou';
import { useCapability } from '../../app/useCapability';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { formatDateTime, timeTitle } from '../../lib/time';
import './follow-ups.css';

/** A field's value as people read it. */
function shown(field: string, value: string): string {
  if (value === '') return 'none';
  if (field === 'state' && value in FOLLOW_UP_STATE_LABELS) return FOLLOW_UP_STATE_LABELS[value as FollowUpState];
  return value;
}

/** Every write of the follow-up, oldest first: who, when, what it set and what it replaced. */
function FollowUpHistoryList({ followUpId }: { followUpId: string }) {
  const desk = useDesk();
  const label = usePersonLabel();
  const [history, setHistory] = useState<FollowUpHistory | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void desk.followUps.history({ followUpId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setHistory(result.value);
      else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, followUpId]);
  if (error) return <ErrorMessage compact title="The history could not be read" error={error} />;
  if (!history) return <p className="muted">Reading the history…</p>;
  if (history.revisions.length === 0) return <p className="muted">No history synced yet.</p>;
  return (
    <ol className="follow-up-history" aria-label="Follow-up history">
      {history.revisions.map((revision) => (
        <li key={revision.id}>
          <span className="follow-up-actor">{label(revision.actor)}</span> {revision.kind === 'create' ? 'made it' : 'changed'}{' '}
          <time dateTime={revision.at} title={timeTitle(revision.at)}>
            {formatDateTime(revision.at)}
          </time>
          :{' '}
          {revision.changes
            .filter((change) => revision.kind !== 'create' || change.value !== '')
            .map((change) => (
              <span key={change.field} className="follow-up-change">
                {FOLLOW_UP_FIELD_WORDS[change.field] ?? change.field} {shown(change.field, change.value)}
                {change.replaced !== null ? ` (replaced ${shown(change.field, change.replaced)}, set meanwhile)` : ''}
              </span>
            ))}
        </li>
      ))}
    </ol>
  );
}

/** One follow-up: what, whose, by when, where it came from; state, owner and due day change in place. */
function FollowUpItem({ item, me, showCustomer }: { item: FollowUpView; me: string | null; showCustomer: boolean }) {
  const desk = useDesk();
  const [error, setError] = useState<ContractError | null>(null);
  const [isHistoryOpen, setHistoryOpen] = useState(false);
  const label = usePersonLabel();
  const permission = useCapability('write');
  const gate = permission.isAllowed ? {} : { disabled: true, title: permission.reason };

  const change = async (set: Partial<FollowUpFields>) => {
    const result = await desk.followUps.update({ followUpId: item.id, set });
    setError(result.ok ? null : result.error);
  };

  return (
    <li className={item.overdue ? 'follow-up overdue' : 'follow-up'} data-testid="follow-up">
      <div className="follow-up-main">
        <p className="follow-up-title">{item.title}</p>
        <p className="follow-up-meta muted">
          {showCustomer ? (
            <>
              <a
                href={`#/customer/${encodeURIComponent(item.customerId)}`}
                onClick={(event) => {
                  event.preventDefault();
                  navigate({ view: 'customer', customerId: item.customerId });
                }}
              >
                {item.customerName}
              </a>
              {' · '}
            </>
          ) : null}
          {item.owner ? `owner ${label(item.owner)}` : 'nobody owns it yet'}
          {item.dueDate ? ` · due ${item.dueDate}` : ' · no due date'}
          {item.overdue ? (
            <>
              {' '}
              <span className="badge badge-overdue">overdue</span>
            </>
          ) : null}
          {item.runId ? (
            <>
              {' · from '}
              <a
                href={`#/run/${encodeURIComponent(item.runId)}`}
                onClick={(event) => {
                  event.preventDefault();
                  navigate({ view: 'run', runId: item.runId ?? '' });
                }}
              >
                a wizard run
              </a>
            </>
          ) : null}
          {item.problemId ? ` · problem ${item.problemId}` : ''}
          {item.release ? ` · release ${item.release}` : ''}
          {item.ticketUrl ? (
            <>
              {' · '}
              <a href={item.ticketUrl} target="_blank" rel="noreferrer">
                ticket
              </a>
            </>
          ) : null}
          {item.pending ? (
            <>
              {' '}
              <span className="badge">pending</span>
            </>
          ) : null}
        </p>
        {item.replaced ? (
          <p className="follow-up-replaced" role="note">
            {label(item.replaced.actor)}’s change at {formatDateTime(item.replaced.at)} replaced what someone else had set
            meanwhile:{' '}
            {item.replaced.fields
              .map((field) => `${FOLLOW_UP_FIELD_WORDS[field.field] ?? field.field} was ${shown(field.field, field.previous)}`)
              .join(', ')}
            . Both are in the history.
          </p>
        ) : null}
        {item.error ? (
          <p role="alert" className="follow-up-error">
            The server did not accept this change: {item.error}
          </p>
        ) : null}
      </div>
      <div className="follow-up-controls">
        <label>
          <span className="visually-hidden">State of {item.title}</span>
          <select {...gate} value={item.state} onChange={(event) => void change({ state: event.target.value as FollowUpState })}>
            {FOLLOW_UP_STATES.map((state) => (
              <option key={state} value={state}>
                {FOLLOW_UP_STATE_LABELS[state]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="visually-hidden">Due date of {item.title}</span>
          <input
            {...gate}
            type="date"
            value={item.dueDate ?? ''}
            onChange={(event) => void change({ dueDate: event.target.value === '' ? null : event.target.value })}
          />
        </label>
        {me !== null && item.owner !== me ? (
          <GatedButton
            capability="write"
            type="button"
            onClick={() => void change({ owner: me })}
            aria-label={`Take ${item.title}`}
          >
            Take it
          </GatedButton>
        ) : null}
        <button type="button" aria-expanded={isHistoryOpen} onClick={() => setHistoryOpen(!isHistoryOpen)}>
          History
        </button>
      </div>
      {error ? <ErrorMessage compact title="The follow-up was not changed" error={error} /> : null}
      {isHistoryOpen ? <FollowUpHistoryList followUpId={item.id} /> : null}
    </li>
  );
}

/** Follow-ups as a list; empty text says what to do. */
export function FollowUpList({
  rows,
  me,
  showCustomer,
  label,
  empty,
}: {
  rows: readonly FollowUpView[];
  me: string | null;
  showCustomer: boolean;
  label: string;
  empty: string;
}) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="follow-up-list" aria-label={label}>
      {rows.map((item) => (
        <FollowUpItem key={item.id} item={item} me={me} showCustomer={showCustomer} />
      ))}
    </ul>
  );
}

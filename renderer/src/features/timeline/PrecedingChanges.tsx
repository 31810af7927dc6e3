import { useEffect, useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { TimelineRow } from '../../../../shared/ipc/views';
import { useDesk } from '../../api/DeskContext';
import { usePersonLabel } from '../../app/useYou';
import { ErrorMessage } from '../../components/ErrorMessage';
import { KindIcon, kindLabel, SeverityBadge } from '../../components/Badges';
import { formatDuration, timeTitle } from '../../lib/time';

const WINDOWS = [
  { hours: 6, label: '6 hours' },
  { hours: 24, label: '24 hours' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
] as const;

export const DEFAULT_WINDOW_HOURS = 24;

type Answer = { rows: TimelineRow[]; windowHours: number };

/**
 * "What changed just before this broke?": the customer's changes in the window
 * before an alert or error, nearest first; each one opens its details.
 */
export function PrecedingChanges({
  eventId,
  occurredAt,
  onOpen,
}: {
  eventId: string;
  occurredAt: string;
  onOpen: (row: TimelineRow) => void;
}) {
  const desk = useDesk();
  const label = usePersonLabel();
  const [windowHours, setWindowHours] = useState<number | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const headingId = useId();

  useEffect(() => {
    if (windowHours === null) return;
    let isCurrent = true;
    void desk.events.precedingChanges({ eventId, windowHours }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setAnswer(result.value);
        setError(null);
      } else {
        setAnswer(null);
        setError(result.error);
      }
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, eventId, windowHours, attempt]);

  if (windowHours === null) {
    return (
      <button type="button" className="primary" onClick={() => setWindowHours(DEFAULT_WINDOW_HOURS)}>
        Show changes before this
      </button>
    );
  }

  const at = Date.parse(occurredAt);
  return (
    <section aria-labelledby={headingId} className="preceding">
      <div className="preceding-head">
        <h3 id={headingId}>Changes before this</h3>
        <label className="field inline">
          <span>Window</span>
          <select value={windowHours} onChange={(event) => setWindowHours(Number(event.target.value))}>
            {WINDOWS.map((option) => (
              <option key={option.hours} value={option.hours}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? (
        <ErrorMessage
          compact
          title="Could not list the preceding changes"
          error={error}
          onRetry={() => setAttempt((value) => value + 1)}
        />
      ) : null}
      {!answer && !error ? <p className="muted">Looking for changes…</p> : null}
      {answer && answer.rows.length === 0 ? (
        <p className="muted">
          No changes in the {answer.windowHours} h before this event.{' '}
          {answer.windowHours < 168 ? (
            <button type="button" className="link-button" onClick={() => setWindowHours(168)}>
              Look back 7 days
            </button>
          ) : null}
        </p>
      ) : null}
      {answer && answer.rows.length > 0 ? (
        <ol className="preceding-list" aria-label={`Changes in the ${answer.windowHours} h before this event, nearest first`}>
          {answer.rows.map((row) => (
            <li key={row.id}>
              <button type="button" className="preceding-item" onClick={() => onOpen(row)}>
                <KindIcon kind={row.kind} severity={row.severity} />
                <span className="preceding-summary">{row.summary}</span>
                <span className="preceding-meta">
                  {kindLabel(row.kind)} · <SeverityBadge severity={row.severity} /> ·{' '}
                  <time dateTime={row.occurredAt} title={timeTitle(row.occurredAt)}>
                    {formatDuration(at - Date.parse(row.occurredAt))} before
                  </time>
                  {row.actor ? ` · ${label(row.actor)}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

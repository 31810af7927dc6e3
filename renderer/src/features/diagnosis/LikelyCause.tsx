import { useId, useState } from 'react';
import type { SuspectView } from '../../../../shared/ipc/diagnosis-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import { useStore } from '../../store/store';
import { SignalChart } from './SignalChart';
import { SuspectList, ScoreBadge } from './SuspectList';
import { useDeskAnswer } from './useDeskAnswer';
import { WhoElse } from './WhoElse';
import './diagnosis.css';

/**
 * The customer page's first answer to "why": the signal that matters most now
 * (the worst open alert or incident, else a recent error, an open ticket, an
 * unhealthy feature), its top suspect change with the reason in words, and how
 * many other customers have the same signal — before any wizard is started —
 * and the signal over time with the suspect changes on the same axis (SignalChart).
 * `refreshKey` changes when the customer's cached data did.
 */
export function LikelyCause({ customerId, refreshKey }: { customerId: string; refreshKey: string }) {
  const desk = useDesk();
  const headingId = useId();
  const [isWhoElseOpen, setWhoElseOpen] = useState(false);
  const revealEvent = useStore((state) => state.revealEvent);
  const selectEvent = useStore((state) => state.selectEvent);
  const { value, error, retry } = useDeskAnswer(`${customerId}\u0000${refreshKey}`, () =>
    desk.diagnosis.customer({ customerId }),
  );

  const focus = (row: { eventId: string | null; occurredAt: string }) => {
    if (row.eventId === null) return;
    void revealEvent(desk, { id: row.eventId, occurredAt: row.occurredAt });
    selectEvent(row.eventId);
  };
  const openSuspect = (suspect: SuspectView) => focus(suspect);

  if (error) {
    return (
      <section aria-labelledby={headingId} className="panel likely-cause">
        <h2 id={headingId}>Likely cause</h2>
        <ErrorMessage compact title="Could not rank the suspect changes" error={error} onRetry={retry} />
      </section>
    );
  }
  if (!value) {
    return (
      <section aria-labelledby={headingId} className="panel likely-cause">
        <h2 id={headingId}>Likely cause</h2>
        <p className="muted">Looking at the recent changes…</p>
      </section>
    );
  }
  const { signal, suspects, impact } = value;
  const [top, ...rest] = suspects;
  return (
    <section aria-labelledby={headingId} className="panel likely-cause">
      <h2 id={headingId}>Likely cause</h2>
      {signal === null ? (
        <p className="muted">Nothing to explain: no open alert, incident, ticket or unhealthy feature.</p>
      ) : (
        <>
          <p className="likely-signal">
            Of{' '}
            {signal.eventId ? (
              <button type="button" className="link-button" onClick={() => focus(signal)}>
                {signal.summary}
              </button>
            ) : (
              <strong>{signal.summary}</strong>
            )}
            <span className="muted">
              {' '}
              · started{' '}
              <time dateTime={signal.occurredAt} title={timeTitle(signal.occurredAt)}>
                {formatDateTime(signal.occurredAt)}
              </time>
            </span>
          </p>
          {top ? (
            <div className="top-suspect" data-testid="top-suspect">
              <p className="top-suspect-title">
                <ScoreBadge suspect={top} /> <span className="muted">Top suspect:</span>{' '}
                <button type="button" className="link-button" onClick={() => openSuspect(top)}>
                  {top.summary}
                </button>
              </p>
              <p className="top-suspect-reason">{top.reason}</p>
            </div>
          ) : (
            <p className="muted">No change on this customer in the week before it started.</p>
          )}
          {rest.length > 0 ? (
            <details className="more-suspects">
              <summary>Other suspects ({rest.length})</summary>
              <SuspectList suspects={rest} onOpen={openSuspect} label="Other suspect changes, most likely first" />
            </details>
          ) : null}
          {impact ? (
            <p className="impact-headline">
              <span data-testid="impact-headline">{impact.headline}</span>{' '}
              {signal.eventId ? (
                <button
                  type="button"
                  className="link-button"
                  aria-expanded={isWhoElseOpen}
                  onClick={() => setWhoElseOpen((open) => !open)}
                >
                  {isWhoElseOpen ? 'Hide who else is hit' : 'Who else is hit?'}
                </button>
              ) : null}
            </p>
          ) : null}
          {isWhoElseOpen && signal.eventId ? <WhoElse eventId={signal.eventId} /> : null}
          <SignalChart customerId={customerId} refreshKey={refreshKey} onSelectChange={focus} />
        </>
      )}
    </section>
  );
}

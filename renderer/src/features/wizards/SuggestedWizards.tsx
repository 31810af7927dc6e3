import { useCallback, useEffect, useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { WizardListItem } from '../../../../shared/ipc/wizard-views';
import { routeToHash } from '../../../../shared/routes';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { useNow } from '../../components/useNow';
import { formatRelative, timeTitle } from '../../lib/time';
import { touchesCustomer } from '../../store/app-slice';
import { coalesce } from '../runs/coalesce';
import { startKey, useStartRun } from './useStartRun';
import type { RunListItem } from './wizards-slice';
import './wizards.css';

/** Event kinds whose details panel suggests wizards. */
export const SUGGESTING_EVENT_KINDS: ReadonlySet<string> = new Set(['alert', 'incident', 'error_spike', 'ticket']);

function WizardChoice({
  wizard,
  suffix,
  onStart,
  pendingKey,
}: {
  wizard: WizardListItem;
  suffix: string;
  onStart: (practice: boolean) => void;
  pendingKey: string | null;
}) {
  const isBusy = pendingKey !== null;
  return (
    <li className="suggestion" data-testid="wizard-suggestion">
      <div className="suggestion-text">
        <span className="suggestion-title">{wizard.title}</span> <span className="muted">v{wizard.version}</span>
        {wizard.isSuggested && wizard.reason ? <p className="suggestion-reason">Suggested because {wizard.reason}.</p> : null}
      </div>
      <div className="suggestion-actions">
        <GatedButton
          capability="operate"
          type="button"
          className={wizard.isSuggested ? 'primary' : undefined}
          aria-label={`Start ${wizard.title}${suffix}`}
          disabled={isBusy}
          onClick={() => onStart(false)}
        >
          {pendingKey === startKey({ wizardId: wizard.id, practice: false }) ? 'Starting…' : 'Start'}
        </GatedButton>
        <button type="button" aria-label={`Practice ${wizard.title}${suffix}`} disabled={isBusy} onClick={() => onStart(true)}>
          {pendingKey === startKey({ wizardId: wizard.id, practice: true }) ? 'Starting…' : 'Practice'}
        </button>
      </div>
    </li>
  );
}

type ResolvedBy = NonNullable<WizardListItem['resolvedBy']>;

/** "resolved by run …AZ3C (workaround, dana) 3 min ago": the run that fixed it, which the runner can open when it is this desk's. */
function ResolvedLine({ wizard, resolvedBy }: { wizard: WizardListItem; resolvedBy: ResolvedBy }) {
  const now = useNow(30_000);
  const shortId = `…${resolvedBy.runId.slice(-6)}`;
  const how = [resolvedBy.outcome.replace(/_/g, ' '), resolvedBy.actor].filter(Boolean).join(', ');
  return (
    <li className="suggestion" data-testid="wizard-resolved">
      <div className="suggestion-text">
        <span className="suggestion-title">{wizard.title}</span>
        <p className="suggestion-reason">
          Not suggested now: resolved by{' '}
          {resolvedBy.isLocal ? (
            <a href={routeToHash({ view: 'run', runId: resolvedBy.runId })} aria-label={`Open run ${resolvedBy.runId}`}>
              run {shortId}
            </a>
          ) : (
            <>run {shortId}</>
          )}{' '}
          ({how}){' '}
          <time dateTime={resolvedBy.finishedAt} title={timeTitle(resolvedBy.finishedAt)}>
            {formatRelative(resolvedBy.finishedAt, now)}
          </time>
          . If it comes back, start it again from Other wizards.
        </p>
      </div>
    </li>
  );
}

/**
 * "Suggested wizards" for a customer, or for one event of it: the wizards whose
 * appliesTo matches first, each with the reason in words, then the others.
 * Start opens a real run, Practice a simulated one; both open the runner.
 */
export function SuggestedWizards({
  customerId,
  eventId,
  headingLevel = 2,
}: {
  customerId: string;
  eventId?: string;
  headingLevel?: 2 | 3;
}) {
  const desk = useDesk();
  const [wizards, setWizards] = useState<WizardListItem[] | null>(null);
  const [isEventResolved, setEventResolved] = useState(false);
  const [openRuns, setOpenRuns] = useState<RunListItem[]>([]);
  const [error, setError] = useState<ContractError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const { start, pendingKey, failure } = useStartRun();
  const headingId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';

  useEffect(() => {
    let isCurrent = true;
    void desk.wizards.list(eventId ? { customerId, eventId } : { customerId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setWizards(result.value.wizards);
        setEventResolved(result.value.isEventResolved ?? false);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, customerId, eventId, attempt]);

  // Runs left open on this customer come first: resuming beats starting again.
  useEffect(() => {
    if (eventId) return;
    let isCurrent = true;
    const load = () =>
      desk.runs.list({ customerId, status: 'active' }).then((result) => {
        if (isCurrent && result.ok) setOpenRuns(result.value.runs);
      });
    void load();
    const stop = desk.events.runsChanged(coalesce(load));
    return () => {
      isCurrent = false;
      stop();
    };
  }, [desk, customerId, eventId]);

  // A run finishing on this desk changes what is suggested before its record comes back through sync.
  useEffect(() => desk.events.runsChanged(() => setAttempt((value) => value + 1)), [desk]);

  useCacheRefresh(
    useCallback((change) => touchesCustomer(change, customerId), [customerId]),
    useCallback(() => setAttempt((value) => value + 1), []),
  );

  const suggested = (wizards ?? []).filter((wizard) => wizard.isSuggested);
  const others = (wizards ?? []).filter((wizard) => !wizard.isSuggested);
  const resolved = others.flatMap((wizard) => (wizard.resolvedBy ? [{ wizard, resolvedBy: wizard.resolvedBy }] : []));
  const suffix = eventId ? ' for this event' : '';
  const onStart = (wizard: WizardListItem) => (practice: boolean) =>
    void start({ wizardId: wizard.id, customerId, practice, ...(eventId ? { eventId } : {}) });

  return (
    <section
      className={headingLevel === 2 ? 'panel suggested-wizards' : 'detail-section suggested-wizards'}
      aria-labelledby={headingId}
    >
      <Heading id={headingId}>Suggested wizards</Heading>
      {openRuns.length > 0 ? (
        <ul className="suggestion-list" aria-label="Open runs for this customer">
          {openRuns.map((run) => (
            <li key={run.runId} className="suggestion">
              <div className="suggestion-text">
                <span className="suggestion-title">{run.title}</span>{' '}
                {run.practice ? <span className="tag tag-practice">Practice</span> : null}
                <p className="suggestion-reason">Open run, {run.status === 'waiting' ? 'waiting for you' : run.status}.</p>
              </div>
              <div className="suggestion-actions">
                <a
                  className="button-link"
                  href={routeToHash({ view: 'run', runId: run.runId })}
                  aria-label={`Resume ${run.title}`}
                >
                  Resume
                </a>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <ErrorMessage compact title="Could not load the wizards" error={error} onRetry={() => setAttempt((value) => value + 1)} />
      ) : null}
      {wizards === null && !error ? <p className="muted">Looking for wizards that match…</p> : null}
      {wizards !== null && suggested.length === 0 ? (
        <p className="muted">
          {isEventResolved
            ? 'This is resolved now, so no wizard is suggested for it. Every wizard is listed below.'
            : `No wizard matches what is known about this ${eventId ? 'event' : 'customer'}. Every wizard is listed below.`}
        </p>
      ) : null}
      {resolved.length > 0 ? (
        <ul className="suggestion-list" aria-label={eventId ? 'Resolved for this event' : 'Resolved on this customer'}>
          {resolved.map(({ wizard, resolvedBy }) => (
            <ResolvedLine key={wizard.id} wizard={wizard} resolvedBy={resolvedBy} />
          ))}
        </ul>
      ) : null}
      {suggested.length > 0 ? (
        <ul
          className="suggestion-list"
          aria-label={eventId ? 'Wizards suggested for this event' : 'Wizards suggested for this customer'}
        >
          {suggested.map((wizard) => (
            <WizardChoice key={wizard.id} wizard={wizard} suffix={suffix} onStart={onStart(wizard)} pendingKey={pendingKey} />
          ))}
        </ul>
      ) : null}
      {others.length > 0 ? (
        <details className="other-wizards" open={wizards !== null && suggested.length === 0}>
          <summary>Other wizards ({others.length})</summary>
          <ul className="suggestion-list" aria-label="Other wizards">
            {others.map((wizard) => (
              <WizardChoice key={wizard.id} wizard={wizard} suffix={suffix} onStart={onStart(wizard)} pendingKey={pendingKey} />
            ))}
          </ul>
        </details>
      ) : null}
      {failure ? <ErrorMessage compact title="The run did not start" error={failure.error} /> : null}
    </section>
  );
}

import type { RunView } from '../../../../shared/ipc/wizard-views';
import { routeToHash } from '../../../../shared/routes';
import type { RunState, RunSummary } from '../../../../shared/wizards/engine';
import { formatDateTime, formatDuration, timeTitle } from '../../lib/time';
import { NewProblemButton } from '../problems/NewProblem';
import { outcomeLabel, rootCauseLabel } from './run-model';

function recordText(view: RunView): string {
  if (view.practice) return 'Not recorded: practice runs never touch the customer’s timeline.';
  switch (view.recordState) {
    case 'synced':
      return 'Recorded on the customer’s timeline.';
    case 'pending':
      return 'Recorded on this desk; it appears on the customer’s timeline once it syncs (pending).';
    case 'none':
      return 'Not recorded on the timeline.';
  }
}

function durationText(ms: number | null): string {
  if (ms === null) return 'unknown';
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  return formatDuration(ms);
}

/** The finished run: outcome, root cause, follow-ups, the path taken, how long, and whether it is on the timeline. */
export function DoneSummary({ view, summary, state }: { view: RunView; summary: RunSummary; state: RunState | null }) {
  const titles = new Map((state?.steps ?? []).map((record) => [record.path, record.title]));
  return (
    <div className="done-summary">
      <dl className="facts">
        <dt>Outcome</dt>
        <dd data-testid="run-outcome">{view.status === 'cancelled' ? 'Cancelled' : outcomeLabel(summary.outcome)}</dd>
        <dt>Root cause</dt>
        <dd data-testid="run-root-cause">{rootCauseLabel(summary.rootCause)}</dd>
        {summary.reason ? (
          <>
            <dt>Why</dt>
            <dd>{summary.reason}</dd>
          </>
        ) : null}
        <dt>Duration</dt>
        <dd>
          {durationText(summary.durationMs)}
          {summary.finishedAt ? (
            <>
              {' '}
              (finished{' '}
              <time dateTime={summary.finishedAt} title={timeTitle(summary.finishedAt)}>
                {formatDateTime(summary.finishedAt)}
              </time>
              )
            </>
          ) : null}
        </dd>
        <dt>Actions run</dt>
        <dd>{view.practice ? `${summary.actionsExecuted} (simulated)` : summary.actionsExecuted}</dd>
        <dt>Timeline</dt>
        <dd data-testid="run-record-state">{recordText(view)}</dd>
      </dl>
      <h3>Follow-ups</h3>
      {summary.followUps.length === 0 ? (
        <p className="muted">No follow-ups.</p>
      ) : (
        <ul aria-label="Follow-ups">
          {summary.followUps.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      {summary.escalations.length > 0 ? (
        <>
          <h3>Escalations</h3>
          <ul aria-label="Escalations">
            {summary.escalations.map((escalation, index) => (
              <li key={index}>
                {escalation.team}
                {escalation.reference ? ` (${escalation.reference})` : ''}: {escalation.summary}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {!view.practice && view.status !== 'cancelled' ? (
        <NewProblemButton
          label="Create a known problem from this run"
          seed={{
            title: `${view.title}: ${summary.reason ?? rootCauseLabel(summary.rootCause)} on ${view.customerName}`.slice(0, 300),
            customers: [view.customerId],
            // A run that worked around it (or fixed it) is the workaround to offer first next time.
            workaroundWizard: summary.outcome === 'workaround' || summary.outcome === 'remediated' ? view.wizardId : null,
            origin: 'from this run',
          }}
        />
      ) : null}
      <h3>Path taken</h3>
      <ol aria-label="Path taken" className="path-taken">
        {summary.path.map((path, index) => (
          <li key={`${path}-${index}`}>
            {titles.get(path) ?? path} <code className="muted">{path}</code>
          </li>
        ))}
      </ol>
      <p>
        <a href={routeToHash({ view: 'customer', customerId: view.customerId })}>Back to the timeline of {view.customerName}</a>
      </p>
    </div>
  );
}

import { useEffect, useId, useRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { RunHistoryItem, WizardListItem } from '../../../../shared/ipc/wizard-views';
import { routeToHash } from '../../../../shared/routes';
import { OUTCOMES, type Outcome } from '../../../../shared/wizards/format';
import { useDesk } from '../../api/DeskContext';
import { listMoveOf } from '../../app/shortcuts';
import { usePersonLabel } from '../../app/useYou';
import { ErrorMessage } from '../../components/ErrorMessage';
import { countOf } from '../../lib/plural';
import { formatDateTime, formatDuration, timeTitle } from '../../lib/time';
import { useStore } from '../../store/store';
import { outcomeLabel } from '../runs/run-model';

/** The periods the history offers (days; null: all of it). */
const PERIODS: readonly { days: number | null; label: string }[] = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: null, label: 'All time' },
];

/** Where a history row opens: the run on this desk, else its record on the customer's timeline. */
function recordHref(run: RunHistoryItem): string {
  return run.isLocal
    ? routeToHash({ view: 'run', runId: run.runId })
    : routeToHash({ view: 'customer', customerId: run.customerId, at: run.finishedAt });
}

function When({ iso }: { iso: string | null }) {
  if (iso === null) return <span className="muted">not recorded</span>;
  return (
    <time dateTime={iso} title={timeTitle(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}

function durationOf(run: RunHistoryItem): string {
  if (run.startedAt === null) return '—';
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : '—';
}

/**
 * The run history of the Wizards page (issue 15, item 14): finished runs of
 * every desk and customer, newest first, filtered by wizard, outcome and
 * period; j/k (and the other list keys) move between the rows, Enter opens
 * the run's record.
 */
export function RunHistory({ wizards }: { wizards: readonly WizardListItem[] }) {
  const desk = useDesk();
  const history = useStore((state) => state.runHistory);
  const filter = useStore((state) => state.historyFilter);
  const setFilter = useStore((state) => state.setHistoryFilter);
  const loadRunHistory = useStore((state) => state.loadRunHistory);
  const person = usePersonLabel();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const wizardFieldId = useId();
  const outcomeFieldId = useId();
  const ranByFieldId = useId();
  const periodFieldId = useId();

  useEffect(() => {
    void loadRunHistory(desk, { quiet: true });
  }, [desk, loadRunHistory, filter]);

  const isFiltered = filter.wizardId !== null || filter.outcome !== null || filter.ranBy !== null;
  const onRowsKeyDown = (event: ReactKeyboardEvent<HTMLTableSectionElement>) => {
    const links = [...(bodyRef.current?.querySelectorAll<HTMLAnchorElement>('a[data-history-open]') ?? [])];
    const row = event.target instanceof HTMLElement ? event.target.closest('tr') : null;
    const index = links.findIndex((link) => link.closest('tr') === row);
    const delta = listMoveOf(event, 10);
    if (delta === null || links.length === 0 || index < 0) return;
    event.preventDefault();
    event.stopPropagation();
    const target = Math.abs(delta) === Number.MAX_SAFE_INTEGER ? (delta > 0 ? links.length - 1 : 0) : index + delta;
    links[Math.min(Math.max(target, 0), links.length - 1)]?.focus();
  };

  // Wizards of the library, and any the history names that the library no longer has.
  const wizardOptions = new Map(wizards.map((wizard) => [wizard.id, wizard.title]));
  for (const run of history.runs) if (!wizardOptions.has(run.wizardId)) wizardOptions.set(run.wizardId, run.title);
  // People who ran something in the period; the chosen one stays offered even when the period has none of theirs.
  const operatorOptions = [...history.operators];
  if (filter.ranBy !== null && !operatorOptions.includes(filter.ranBy)) operatorOptions.unshift(filter.ranBy);

  return (
    <section aria-labelledby="run-history-title" className="panel">
      <h2 id="run-history-title">Run history</h2>
      <div className="filter-bar" role="search" aria-label="Run history filter">
        <label className="field" htmlFor={wizardFieldId}>
          <span>Wizard</span>
          <select
            id={wizardFieldId}
            value={filter.wizardId ?? ''}
            onChange={(event) => setFilter({ wizardId: event.target.value || null })}
          >
            <option value="">Any wizard</option>
            {[...wizardOptions].map(([id, title]) => (
              <option key={id} value={id}>
                {title}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={outcomeFieldId}>
          <span>Outcome</span>
          <select
            id={outcomeFieldId}
            value={filter.outcome ?? ''}
            onChange={(event) => setFilter({ outcome: OUTCOMES.find((outcome) => outcome === event.target.value) ?? null })}
          >
            <option value="">Any outcome</option>
            {OUTCOMES.map((outcome: Outcome) => (
              <option key={outcome} value={outcome}>
                {outcomeLabel(outcome)}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={ranByFieldId}>
          <span>Ran by</span>
          <select
            id={ranByFieldId}
            value={filter.ranBy ?? ''}
            onChange={(event) => setFilter({ ranBy: event.target.value || null })}
          >
            <option value="">Anyone</option>
            {operatorOptions.map((name) => (
              <option key={name} value={name}>
                {person(name)}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={periodFieldId}>
          <span>Finished</span>
          <select
            id={periodFieldId}
            value={filter.days === null ? 'all' : String(filter.days)}
            onChange={(event) => setFilter({ days: event.target.value === 'all' ? null : Number(event.target.value) })}
          >
            {PERIODS.map((period) => (
              <option key={period.label} value={period.days === null ? 'all' : String(period.days)}>
                {period.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" aria-live="polite">
          {history.status === 'ready' ? `${countOf(history.runs.length, 'run', 'runs')}${history.next ? ' so far' : ''}` : ''}
        </span>
      </div>
      {history.error ? (
        <ErrorMessage
          compact
          title="Could not load the run history"
          error={history.error}
          onRetry={() => void loadRunHistory(desk)}
        />
      ) : null}
      {history.status === 'loading' && history.runs.length === 0 ? <p className="muted">Loading the run history…</p> : null}
      {history.status === 'ready' && history.runs.length === 0 ? (
        <p className="muted">
          {isFiltered || filter.days !== null
            ? 'No finished run matches these filters. Choose “Any wizard”, “Any outcome”, “Anyone” or “All time” to see more.'
            : 'No finished runs yet. A run appears here when it ends, from this desk or any other.'}
        </p>
      ) : null}
      {history.runs.length > 0 ? (
        <div className="run-history-scroll">
          <table className="run-table run-history" aria-label="Run history">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Wizard</th>
                <th scope="col">Ran by</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Duration</th>
                <th scope="col">
                  <span className="visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody ref={bodyRef} onKeyDown={onRowsKeyDown}>
              {history.runs.map((run) => (
                <tr key={run.runId} data-testid="history-row">
                  <td>
                    <a href={routeToHash({ view: 'customer', customerId: run.customerId })}>{run.customerName}</a>
                  </td>
                  <td>
                    {run.title}
                    {run.wizardVersion !== null ? <span className="muted"> v{run.wizardVersion}</span> : null}
                    {run.practice ? <span className="tag tag-practice">Practice</span> : null}
                  </td>
                  <td>{run.ranBy ? person(run.ranBy.name, run.ranBy.userId) : '—'}</td>
                  <td>
                    <span className={`outcome outcome-${run.outcome}`}>{outcomeLabel(run.outcome)}</span>
                  </td>
                  <td>
                    <When iso={run.startedAt} />
                  </td>
                  <td>
                    <When iso={run.finishedAt} />
                  </td>
                  <td>{durationOf(run)}</td>
                  <td>
                    <a
                      href={recordHref(run)}
                      data-history-open=""
                      aria-label={`Open the record of ${run.title} for ${run.customerName}, ${outcomeLabel(run.outcome).toLowerCase()}`}
                    >
                      {run.isLocal ? 'Open run' : 'Open record'}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {history.next ? (
        <button type="button" disabled={history.isLoadingMore} onClick={() => void loadRunHistory(desk, { more: true })}>
          {history.isLoadingMore ? 'Loading older runs…' : 'Show older runs'}
        </button>
      ) : null}
    </section>
  );
}

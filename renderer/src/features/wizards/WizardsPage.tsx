import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { WizardListItem } from '../../../../shared/ipc/wizard-views';
import { routeToHash } from '../../../../shared/routes';
import { useDesk } from '../../api/DeskContext';
import { usePersonLabel } from '../../app/useYou';
import { listMoveOf, matchesShortcut } from '../../app/shortcuts';
import { isTypingTarget } from '../../lib/keys';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { CustomerOptions, useCustomerPicker } from '../../components/CustomerOptions';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SafeMarkdown } from '../../components/SafeMarkdown';
import { useNow } from '../../components/useNow';
import { formatRelative, timeTitle } from '../../lib/time';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import type { CustomerSummary } from '../../../../shared/ipc/views';
import { coalesce } from '../runs/coalesce';
import { RunHistory } from './RunHistory';
import { startKey, useStartRun } from './useStartRun';
import { filterWizards, type RunListItem } from './wizards-slice';
import './wizards.css';
import { countOf } from '../../lib/plural';

const RUN_STATUS_WORDS: Record<RunListItem['status'], string> = {
  running: 'running',
  waiting: 'waiting for you',
  finished: 'finished',
  cancelled: 'cancelled',
};

/** The customer a practice run uses unless the trainee picks another: the one last opened, else the first by name. */
function defaultPracticeCustomer(rows: readonly CustomerSummary[], lastOpened: string | null): CustomerSummary | null {
  const opened = lastOpened ? rows.find((row) => row.id === lastOpened) : undefined;
  if (opened) return opened;
  return [...rows].sort((a, b) => a.name.localeCompare(b.name))[0] ?? null;
}

function PracticeForm({ wizard, onClose }: { wizard: WizardListItem; onClose: () => void }) {
  const lastOpened = useStore((state) => state.customer.id);
  const { start, pendingKey, failure } = useStartRun();
  const [text, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const fieldId = useId();
  const listId = useId();

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const rows = useStore((state) => state.fleet.rows);
  const fallback = defaultPracticeCustomer(rows, lastOpened);
  const value = text ?? fallback?.id ?? '';
  const typed = value.trim();
  const { match, isLoading } = useCustomerPicker(value);

  return (
    <form
      className="practice-form"
      aria-label={`Practice ${wizard.title}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (typed === '') {
          setProblem('Choose a customer for the practice run.');
          inputRef.current?.focus();
          return;
        }
        if (!match && rows.length > 0) {
          setProblem(`No customer “${typed}” in the local cache. Pick one from the list.`);
          inputRef.current?.focus();
          return;
        }
        setProblem(null);
        void start({ wizardId: wizard.id, customerId: match?.id ?? typed, practice: true });
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <p className="muted">
        Checks and actions are simulated: nothing touches the customer. The customer only gives the run its names and values.
      </p>
      <div className="run-field">
        <label htmlFor={fieldId}>Customer for the practice run</label>
        <input
          ref={inputRef}
          id={fieldId}
          type="text"
          list={listId}
          autoComplete="off"
          value={value}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${fieldId}-note`}
          onChange={(event) => {
            setText(event.target.value);
            setProblem(null);
          }}
        />
        <CustomerOptions id={listId} rows={rows} />
        <p id={`${fieldId}-note`} className={problem ? 'field-error' : 'muted'}>
          {problem ??
            (match ? `${match.name} (${match.health})` : isLoading ? 'Loading customers…' : 'Type a customer id or name.')}
        </p>
      </div>
      <div className="run-actions">
        <button type="submit" className="primary" disabled={pendingKey !== null}>
          {pendingKey === startKey({ wizardId: wizard.id, practice: true }) ? 'Starting…' : 'Start practice run'}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {failure ? <ErrorMessage compact title="The practice run did not start" error={failure.error} /> : null}
    </form>
  );
}

/** Focuses the card at `index` (clamped to the list). */
function focusCard(list: HTMLUListElement | null, index: number) {
  const cards = list?.querySelectorAll<HTMLElement>('[data-testid="wizard-card"]') ?? [];
  cards[Math.min(Math.max(index, 0), cards.length - 1)]?.focus();
}

function WizardCard({
  wizard,
  isFirst,
  isPracticeOpen,
  onPractice,
}: {
  wizard: WizardListItem;
  isFirst: boolean;
  isPracticeOpen: boolean;
  onPractice: (isOpen: boolean) => void;
}) {
  const headingId = useId();
  const practiceRef = useRef<HTMLButtonElement>(null);
  const { appliesTo } = wizard;
  const applies = [
    appliesTo.features.length ? `features: ${appliesTo.features.join(', ')}` : null,
    appliesTo.eventKinds.length ? `events: ${appliesTo.eventKinds.map(humanize).join(', ')}` : null,
    appliesTo.symptoms.length ? `symptoms: ${appliesTo.symptoms.map((symptom) => `“${symptom}”`).join(', ')}` : null,
  ].filter((part): part is string => part !== null);
  return (
    <li
      className="wizard-card"
      aria-labelledby={headingId}
      data-testid="wizard-card"
      tabIndex={isFirst ? 0 : -1}
      onKeyDown={(event) => {
        // Enter on the card itself (not on a control inside it) opens its practice form.
        if (event.target !== event.currentTarget || !matchesShortcut(event, 'list-open')) return;
        event.preventDefault();
        onPractice(true);
      }}
    >
      <div className="wizard-card-head">
        <h3 id={headingId}>{wizard.title}</h3>
        <span className="tag">v{wizard.version}</span>
        <span className="tag">{wizard.origin === 'server' ? 'server library' : 'bundled starter'}</span>
        <code className="muted">{wizard.id}</code>
      </div>
      {wizard.description ? <SafeMarkdown source={wizard.description} /> : null}
      <p className="muted wizard-applies">{applies.length ? `Applies to ${applies.join('; ')}.` : 'Applies to any customer.'}</p>
      <button
        ref={practiceRef}
        type="button"
        aria-label={`Practice ${wizard.title}`}
        aria-expanded={isPracticeOpen}
        onClick={() => onPractice(!isPracticeOpen)}
      >
        Practice
      </button>
      {isPracticeOpen ? (
        <PracticeForm
          wizard={wizard}
          onClose={() => {
            onPractice(false);
            practiceRef.current?.focus();
          }}
        />
      ) : null}
    </li>
  );
}

function RunTable({ runs, label }: { runs: readonly RunListItem[]; label: string }) {
  const now = useNow();
  const person = usePersonLabel();
  return (
    <table className="run-table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Wizard</th>
          <th scope="col">Customer</th>
          <th scope="col">Started by</th>
          <th scope="col">Status</th>
          <th scope="col">Last change</th>
          <th scope="col">
            <span className="visually-hidden">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.runId}>
            <td>
              {run.title} <span className="muted">v{run.wizardVersion}</span>
              {run.practice ? <span className="tag tag-practice">Practice</span> : null}
            </td>
            <td>
              <a href={routeToHash({ view: 'customer', customerId: run.customerId })}>{run.customerName}</a>
            </td>
            <td>{run.startedBy ? person(run.startedBy.name, run.startedBy.userId) : '—'}</td>
            <td>{RUN_STATUS_WORDS[run.status]}</td>
            <td>
              <time dateTime={run.updatedAt} title={timeTitle(run.updatedAt)}>
                {formatRelative(run.updatedAt, now)}
              </time>
            </td>
            <td>
              <a href={routeToHash({ view: 'run', runId: run.runId })} aria-label={`Resume ${run.title} for ${run.customerName}`}>
                Resume
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The Wizards page: open runs to resume, the library with a filter and a
 * Practice button on every wizard, and the history of finished runs.
 */
export function WizardsPage() {
  const desk = useDesk();
  const library = useStore((state) => state.library);
  const runLists = useStore((state) => state.runLists);
  const filter = useStore((state) => state.wizardFilter);
  const setFilter = useStore((state) => state.setWizardFilter);
  const loadLibrary = useStore((state) => state.loadLibrary);
  const loadRunLists = useStore((state) => state.loadRunLists);
  const [practiceFor, setPracticeFor] = useState<string | null>(null);

  useEffect(() => {
    void loadLibrary(desk, { quiet: true });
    void loadRunLists(desk, { quiet: true });
    return desk.events.runsChanged(
      coalesce(async () => {
        await useStore.getState().loadRunLists(desk, { quiet: true });
        await useStore.getState().loadRunHistory(desk, { quiet: true });
      }),
    );
  }, [desk, loadLibrary, loadRunLists]);
  useCacheRefresh(
    useCallback((change) => change.global, []),
    useCallback(() => void useStore.getState().loadLibrary(desk, { quiet: true }), [desk]),
  );
  // Runs finished on other desks arrive as wizard_run events on their customers' timelines.
  useCacheRefresh(
    useCallback((change) => change.customerIds.length > 0, []),
    useCallback(() => void useStore.getState().loadRunHistory(desk, { quiet: true }), [desk]),
  );

  const visible = useMemo(() => filterWizards(library.wizards, filter), [library.wizards, filter]);
  const cardsRef = useRef<HTMLUListElement>(null);

  // The list keys of shortcuts.ts move between the cards; j/k from elsewhere on the page start at the first.
  const onCardsKeyDown = (event: ReactKeyboardEvent<HTMLUListElement>) => {
    const card = event.target instanceof HTMLElement ? event.target.closest('[data-testid="wizard-card"]') : null;
    if (!card || card !== event.target) return;
    const delta = listMoveOf(event, 3);
    if (delta === null) return;
    event.preventDefault();
    event.stopPropagation();
    const cards = [...(cardsRef.current?.querySelectorAll('[data-testid="wizard-card"]') ?? [])];
    const index = cards.indexOf(card);
    focusCard(cardsRef.current, Math.abs(delta) === Number.MAX_SAFE_INTEGER ? (delta > 0 ? cards.length - 1 : 0) : index + delta);
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTypingTarget(event.target) || !matchesShortcut(event, 'list-enter')) return;
      if (event.target instanceof Element && event.target.closest('[role="dialog"], .wizard-cards')) return;
      event.preventDefault();
      focusCard(cardsRef.current, 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <section aria-labelledby="page-title" className="page wizards-page">
      <div className="page-heading">
        <h1 id="page-title">Wizards</h1>
        <p className="muted">
          Guided remediation: checks, decisions, a safe action and a verification. Start one from a customer or an alert; practise
          any of them here.
        </p>
      </div>

      <section aria-labelledby="open-runs-title" className="panel">
        <h2 id="open-runs-title">Open runs ({runLists.active.length})</h2>
        {runLists.error ? (
          <ErrorMessage compact title="Could not load the runs" error={runLists.error} onRetry={() => void loadRunLists(desk)} />
        ) : null}
        {runLists.status === 'loading' && runLists.active.length === 0 ? <p className="muted">Loading runs…</p> : null}
        {runLists.status === 'ready' && runLists.active.length === 0 ? (
          <p className="muted">No run is open. Runs you leave stay here until they finish.</p>
        ) : null}
        {runLists.active.length > 0 ? <RunTable runs={runLists.active} label="Open runs" /> : null}
      </section>

      <section aria-labelledby="library-title" className="panel">
        <h2 id="library-title">Library</h2>
        <div className="filter-bar" role="search" aria-label="Wizard library filter">
          <label className="field">
            <span>Filter wizards</span>
            <input
              type="search"
              placeholder="Title, feature, event kind or symptom"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
            />
          </label>
          <span className="muted" aria-live="polite">
            {library.status === 'ready' || library.wizards.length > 0
              ? `${visible.length.toLocaleString()} of ${countOf(library.wizards.length, 'wizard', 'wizards')}`
              : ''}
          </span>
        </div>
        {library.error ? (
          <ErrorMessage title="Could not load the wizard library" error={library.error} onRetry={() => void loadLibrary(desk)} />
        ) : null}
        {library.status === 'loading' && library.wizards.length === 0 ? <p className="muted">Loading the library…</p> : null}
        {library.status === 'ready' && library.wizards.length === 0 ? (
          <p className="muted">
            The library is empty. Wizards arrive with the first sync; the bundled starters load with the app.
          </p>
        ) : null}
        {library.wizards.length > 0 && visible.length === 0 ? (
          <p className="muted">
            No wizard matches “{filter}”.{' '}
            <button type="button" className="link-button" onClick={() => setFilter('')}>
              Clear the filter
            </button>
          </p>
        ) : null}
        <ul className="wizard-cards" aria-label="Wizard library" ref={cardsRef} onKeyDown={onCardsKeyDown}>
          {visible.map((wizard, index) => (
            <WizardCard
              key={wizard.id}
              wizard={wizard}
              isFirst={index === 0}
              isPracticeOpen={practiceFor === wizard.id}
              onPractice={(isOpen) => setPracticeFor(isOpen ? wizard.id : null)}
            />
          ))}
        </ul>
      </section>

      <RunHistory wizards={library.wizards} />
    </section>
  );
}

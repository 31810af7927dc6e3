import { useEffect, useMemo, useState } from 'react';
import type { FollowUpView } from '../../../../shared/ipc/follow-up-views';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { navigate } from '../../app/useHashRoute';
import { useStore } from '../../store/store';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import { FollowUpList } from './FollowUpList';
import { NewFollowUp } from './NewFollowUp';
import { useFollowUps } from './useFollowUps';
import './follow-ups.css';

type Scope = 'mine' | 'overdue' | 'all' | 'problem';

const SCOPES: { scope: Scope; label: string; empty: string }[] = [
  { scope: 'mine', label: 'Mine', empty: 'Nothing is yours right now. Take one from All, or add one below.' },
  { scope: 'overdue', label: 'Overdue', empty: 'Nothing is overdue.' },
  { scope: 'all', label: 'All', empty: 'No follow-ups yet. Runs add them from their record step; add one by hand below.' },
  { scope: 'problem', label: 'By problem', empty: 'No follow-ups yet.' },
];

const everyCustomer = () => true;

/** Follow-ups grouped by the problem they belong to; those of no problem last. */
function groupByProblem(rows: readonly FollowUpView[]): [string | null, FollowUpView[]][] {
  const groups = new Map<string | null, FollowUpView[]>();
  for (const row of rows) groups.set(row.problemId, [...(groups.get(row.problemId) ?? []), row]);
  return [...groups].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
}

/**
 * The Follow-ups view: what runs, problems and people left to do, across the
 * fleet — mine, overdue, everything, or by problem — with state, owner and due
 * day changed in place (offline too: it is sent when the backend is back).
 */
export function FollowUpsView() {
  const desk = useDesk();
  const [scope, setScope] = useState<Scope>('mine');
  const [includeClosed, setIncludeClosed] = useState(false);
  const fleetRows = useStore((state) => state.fleet.rows);
  const loadFleet = useStore((state) => state.loadFleet);
  useEffect(() => {
    if (useStore.getState().fleet.status === 'idle') void loadFleet(desk);
  }, [desk, loadFleet]);

  const { list, error, reload } = useFollowUps({ scope: scope === 'problem' ? 'all' : scope, includeClosed }, everyCustomer);
  const customers = useMemo(
    () => fleetRows.map((row) => ({ id: row.id, name: row.name })).sort((a, b) => a.name.localeCompare(b.name)),
    [fleetRows],
  );
  // Problem titles for the "By problem" groups, from the cache.
  const problems = useDeskAnswer(scope === 'problem' ? `problems:${list?.rows.length ?? 0}` : null, () => desk.problems.list());
  const problemTitle = (problemId: string) =>
    problems.value?.rows.find((problem) => problem.id === problemId)?.title ?? `Problem ${problemId}`;
  const current = SCOPES.find((item) => item.scope === scope) ?? SCOPES[0]!;
  const rows = list?.rows ?? [];

  return (
    <section aria-labelledby="page-title" className="page follow-ups-page">
      <div className="page-heading">
        <h1 id="page-title">Follow-ups</h1>
        <p className="muted" aria-live="polite">
          {list
            ? `${rows.length} ${rows.length === 1 ? 'follow-up' : 'follow-ups'}${list.me ? ` · signed in as ${list.me}` : ''}`
            : 'Reading the local cache…'}
        </p>
      </div>
      <div className="follow-up-scopes" role="group" aria-label="Which follow-ups">
        {SCOPES.map((item) => (
          <button key={item.scope} type="button" aria-pressed={scope === item.scope} onClick={() => setScope(item.scope)}>
            {item.label}
          </button>
        ))}
        <label className="check">
          <input type="checkbox" checked={includeClosed} onChange={(event) => setIncludeClosed(event.target.checked)} /> Show done
          and won’t do
        </label>
      </div>
      {scope === 'mine' && list && list.me === null ? (
        <p className="muted">The backend has not said who you are yet; “Mine” fills in once the desk has synced.</p>
      ) : null}
      {error ? <ErrorMessage title="The follow-ups could not be read" error={error} onRetry={reload} /> : null}
      {list && scope === 'problem' ? (
        rows.length === 0 ? (
          <p className="muted">{current.empty}</p>
        ) : (
          groupByProblem(rows).map(([problemId, items]) => (
            <section
              key={problemId ?? '-'}
              aria-label={problemId ? problemTitle(problemId) : 'No problem'}
              className="follow-up-group"
            >
              <h2>
                {problemId ? (
                  <a
                    href={`#/problems/${encodeURIComponent(problemId)}`}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate({ view: 'problems', problemId });
                    }}
                  >
                    {problemTitle(problemId)}
                  </a>
                ) : (
                  'Not linked to a problem'
                )}
              </h2>
              <FollowUpList
                rows={items}
                me={list.me}
                showCustomer
                label={problemId ? `Follow-ups of ${problemTitle(problemId)}` : 'Follow-ups of no problem'}
                empty=""
              />
            </section>
          ))
        )
      ) : list ? (
        <FollowUpList rows={rows} me={list.me} showCustomer label={`${current.label} follow-ups`} empty={current.empty} />
      ) : null}
      <NewFollowUp customers={customers} me={list?.me ?? null} headingLevel={2} />
    </section>
  );
}

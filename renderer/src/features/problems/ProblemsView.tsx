import { useCallback, useEffect, useRef, useState } from 'react';
import { PROBLEM_STATUS_LABELS } from '../../../../shared/problems';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { countOf } from '../../lib/plural';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import { NewProblemButton } from './NewProblem';
import { PROBLEM_SEEN_PERIODS, ProblemEditor } from './ProblemEditor';
import { ProblemFollowUps } from './ProblemFollowUps';
import './problems.css';

/** Re-asks the desk whenever the cache changes (a sync, this desk's own write). */
function useRefreshKey(): number {
  const [reloads, setReloads] = useState(0);
  useCacheRefresh(
    useCallback(() => true, []),
    useCallback(() => setReloads((count) => count + 1), []),
  );
  return reloads;
}

/**
 * The Known problems view (issue 12): every problem the fleet has, regressed
 * ones first, and the chosen one open for editing — from the local cache, so
 * it works offline; changes are sent when the backend is reachable.
 */
export function ProblemsView({ problemId }: { problemId?: string }) {
  const desk = useDesk();
  const reloads = useRefreshKey();
  const [seenDays, setSeenDays] = useState<number>(PROBLEM_SEEN_PERIODS[1]);
  const list = useDeskAnswer(`list:${reloads}`, () => desk.problems.list());
  const detail = useDeskAnswer(problemId ? `${problemId}:${seenDays}:${reloads}` : null, () =>
    desk.problems.get({ problemId: problemId ?? '', days: seenDays }),
  );
  const rows = list.value?.rows ?? [];
  const editorRef = useRef<HTMLDivElement>(null);
  const focusedFor = useRef<string | null>(null);
  useEffect(() => {
    // Opening a problem moves focus to its heading (once per problem), so keyboard users land on what they chose.
    if (!problemId || !detail.value || focusedFor.current === problemId) return;
    focusedFor.current = problemId;
    editorRef.current?.querySelector<HTMLElement>('#problem-title')?.focus();
  }, [problemId, detail.value]);

  return (
    <section aria-labelledby="page-title" className="page problems-page">
      <div className="page-heading">
        <h1 id="page-title">Known problems</h1>
        <p className="muted" aria-live="polite">
          {list.value ? countOf(rows.length, 'problem', 'problems') : 'Reading the local cache…'}
        </p>
      </div>
      <NewProblemButton seed={{}} label="New known problem" />
      {list.error ? <ErrorMessage title="The known problems could not be read" error={list.error} onRetry={list.retry} /> : null}
      <div className="problems-layout">
        {list.value && rows.length === 0 ? (
          <p className="muted">No known problems yet. Make one from a signal’s details, a finished run, or here.</p>
        ) : (
          <ul className="problem-list" aria-label="Known problems">
            {rows.map((row) => (
              <li key={row.id} className={row.regressions > 0 ? 'regressed' : undefined}>
                <a
                  href={`#/problems/${encodeURIComponent(row.id)}`}
                  aria-current={row.id === problemId ? 'true' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate({ view: 'problems', problemId: row.id });
                  }}
                >
                  {row.title}
                </a>
                <span className="muted">
                  {' '}
                  {PROBLEM_STATUS_LABELS[row.status]}
                  {row.fixedVersion ? ` in ${row.fixedVersion}` : ''} · {countOf(row.customersHit, 'customer', 'customers')}
                </span>
                {row.regressions > 0 ? (
                  <span className="badge badge-regression">
                    regression on {countOf(row.regressions, 'customer', 'customers')}
                  </span>
                ) : null}
                {row.pending ? <span className="badge">pending</span> : null}
                {row.error ? <span className="badge badge-error">refused</span> : null}
              </li>
            ))}
          </ul>
        )}
        <div ref={editorRef} className="problem-detail">
          {detail.error ? (
            <ErrorMessage title="The problem could not be read" error={detail.error} onRetry={detail.retry} />
          ) : null}
          {detail.value ? (
            <ProblemEditor key={detail.value.problem.id} detail={detail.value} seenDays={seenDays} onSeenDays={setSeenDays}>
              <ProblemFollowUps detail={detail.value} />
            </ProblemEditor>
          ) : !problemId && rows.length > 0 ? (
            <p className="muted">Choose a problem to see who it hits and to edit it.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}

import { useCallback, useEffect, useId, useState } from 'react';
import type { CustomerProblem } from '../../../../shared/ipc/problem-views';
import { PROBLEM_STATUS_LABELS } from '../../../../shared/problems';
import type { ContractError } from '../../../../shared/ipc/result';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime } from '../../lib/time';
import { useStartRun } from '../wizards/useStartRun';
import { WorkaroundButton } from './WorkaroundButton';

/**
 * The known problems hitting this customer (issue 12): how often, when last,
 * a regression after the fix flagged, and a known error's workaround wizard
 * offered first. Shown only when there are any.
 */
export function CustomerProblems({ customerId }: { customerId: string }) {
  const desk = useDesk();
  const headingId = useId();
  const [problems, setProblems] = useState<CustomerProblem[] | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  const [reloads, setReloads] = useState(0);
  const { start, pendingKey, failure } = useStartRun();

  useEffect(() => {
    let isCurrent = true;
    void desk.problems.forCustomer({ customerId }).then((result) => {
      if (!isCurrent) return;
      if (result.ok) {
        setProblems(result.value.problems);
        setError(null);
      } else setError(result.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [desk, customerId, reloads]);
  useCacheRefresh(
    useCallback((change) => change.global || change.customerIds.includes(customerId), [customerId]),
    useCallback(() => setReloads((count) => count + 1), []),
  );

  if (error) return <ErrorMessage compact title="The known problems could not be read" error={error} />;
  if (!problems || problems.length === 0) return null;
  return (
    <section aria-labelledby={headingId} className="customer-problems">
      <h2 id={headingId}>Known problems ({problems.length})</h2>
      <ul>
        {problems.map(({ problem, hit, suggestedWizard }) => (
          <li key={problem.id} data-testid="customer-problem">
            <p>
              <a
                href={`#/problems/${encodeURIComponent(problem.id)}`}
                onClick={(event) => {
                  event.preventDefault();
                  navigate({ view: 'problems', problemId: problem.id });
                }}
              >
                <strong>{problem.title}</strong>
              </a>{' '}
              <span className="badge">{PROBLEM_STATUS_LABELS[problem.status]}</span>
              {problem.fixedVersion ? <span className="muted"> · fixed in {problem.fixedVersion}</span> : null}
            </p>
            {hit.regression ? (
              <p role="alert" className="problem-regression">
                Regression: it came back at {formatDateTime(hit.regression.at)} on {hit.regression.version}, a version that
                carries the fix. Tell the problem’s owner{problem.owner ? ` (${problem.owner})` : ''}.
              </p>
            ) : null}
            <p className="muted">
              {hit.occurrences === 0
                ? 'Linked by hand; its signature has not been seen here.'
                : `Seen ${hit.occurrences} ${hit.occurrences === 1 ? 'time' : 'times'} here${hit.lastAt ? `, last ${formatDateTime(hit.lastAt)}` : ''}.`}
            </p>
            {suggestedWizard ? (
              <WorkaroundButton
                wizardId={suggestedWizard}
                disabled={pendingKey !== null}
                onStart={() => void start({ wizardId: suggestedWizard, customerId, practice: false })}
              />
            ) : null}
            {failure ? <ErrorMessage compact title="The workaround did not start" error={failure.error} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

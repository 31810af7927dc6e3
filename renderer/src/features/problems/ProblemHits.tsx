import type { ProblemDetail, ProblemView } from '../../../../shared/ipc/problem-views';
import { suggestedWorkaround } from '../../../../shared/problems';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime } from '../../lib/time';
import { useStartRun } from '../wizards/useStartRun';
import { WorkaroundButton } from './WorkaroundButton';

/**
 * Who a problem hits (issue 12): each customer, how it is linked, its signals,
 * the last one and a regression after the fix; where the problem has a
 * workaround to offer there (a known error, or a fix that did not hold), the
 * workaround wizard starts on that customer from its row.
 */
export function ProblemHits({ problem, hits }: { problem: ProblemView; hits: ProblemDetail['hits'] }) {
  const { start, pendingKey, failure } = useStartRun();
  const hasWorkaround = hits.some((hit) => suggestedWorkaround(problem, hit) !== null);
  return (
    <section aria-labelledby="problem-hits-title">
      <h3 id="problem-hits-title">Customers hit ({hits.length})</h3>
      {hits.length === 0 ? (
        <p className="muted">No customer in the local cache shows its signatures yet.</p>
      ) : (
        <table className="problem-hits">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Linked by</th>
              <th scope="col">Signals</th>
              <th scope="col">Last</th>
              <th scope="col">Regression</th>
              {hasWorkaround ? <th scope="col">Workaround</th> : null}
            </tr>
          </thead>
          <tbody>
            {hits.map((hit) => {
              const wizardId = suggestedWorkaround(problem, hit);
              return (
                <tr key={hit.customerId}>
                  <td>
                    <a
                      href={`#/customer/${encodeURIComponent(hit.customerId)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate({ view: 'customer', customerId: hit.customerId });
                      }}
                    >
                      {hit.customerName}
                    </a>
                  </td>
                  <td>{hit.linkedBy === 'both' ? 'signature and hand' : hit.linkedBy}</td>
                  <td>{hit.occurrences}</td>
                  <td>{hit.lastAt ? formatDateTime(hit.lastAt) : '—'}</td>
                  <td>
                    {hit.regression ? `came back on ${hit.regression.version}, ${formatDateTime(hit.regression.at)}` : 'no'}
                  </td>
                  {hasWorkaround ? (
                    <td>
                      {wizardId ? (
                        <WorkaroundButton
                          wizardId={wizardId}
                          customerName={hit.customerName}
                          isCompact
                          disabled={pendingKey !== null}
                          onStart={() => void start({ wizardId, customerId: hit.customerId, practice: false })}
                        />
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {failure ? <ErrorMessage compact title="The workaround did not start" error={failure.error} /> : null}
    </section>
  );
}

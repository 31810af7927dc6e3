import { useId } from 'react';
import type { WhoElseOutput } from '../../../../shared/ipc/diagnosis-views';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { HealthBadge } from '../../components/Badges';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import { SignatureSeenLine } from './SignatureSeenLine';
import { useDeskAnswer } from './useDeskAnswer';

const DIMENSIONS = [
  { key: 'version', title: 'Version' },
  { key: 'plan', title: 'Plan' },
  { key: 'region', title: 'Region' },
  { key: 'lifecycle', title: 'Stage' },
] as const;

function Breakdown({ answer }: { answer: WhoElseOutput }) {
  return (
    <div className="who-else-breakdown">
      {DIMENSIONS.map((dimension) => {
        const rows = answer.breakdown[dimension.key].filter((row) => row.affected > 0 || dimension.key === 'version');
        return (
          <table key={dimension.key} className="data-table compact">
            <caption>{dimension.title}</caption>
            <thead>
              <tr>
                <th scope="col">{dimension.title}</th>
                <th scope="col">Affected</th>
                <th scope="col">Of customers</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 8).map((row) => (
                <tr key={row.value}>
                  <th scope="row">{row.value}</th>
                  <td>{row.affected}</td>
                  <td>{row.fleet}</td>
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </div>
  );
}

/**
 * "Who else is hit": the other customers with the same signature around this
 * signal, the share of the fleet, and what they share (version, plan, region,
 * stage, a change they all had before it), as counts. Read from the cache, so it
 * works offline for what was synced.
 */
export function WhoElse({ eventId, headingLevel = 3 }: { eventId: string; headingLevel?: 2 | 3 }) {
  const desk = useDesk();
  const headingId = useId();
  const { value, error, retry } = useDeskAnswer(eventId, () => desk.diagnosis.whoElse({ eventId }));
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section aria-labelledby={headingId} className="who-else detail-section">
      <Heading id={headingId}>Who else is hit</Heading>
      {error ? <ErrorMessage compact title="Could not compare with other customers" error={error} onRetry={retry} /> : null}
      {!value && !error ? <p className="muted">Comparing with the fleet…</p> : null}
      {value ? (
        <>
          <p className="who-else-headline" data-testid="who-else-headline">
            {value.headline}
          </p>
          {value.seen ? <SignatureSeenLine seen={value.seen} /> : null}
          {value.lines.length > 0 ? (
            <ul className="who-else-lines">
              {value.lines.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          ) : null}
          {value.sharedChanges.length > 0 ? (
            <table className="data-table compact">
              <caption>Changes the affected customers had in the {value.changeWindowHours} h before</caption>
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Affected who had it</th>
                  <th scope="col">Not hit who had it</th>
                </tr>
              </thead>
              <tbody>
                {value.sharedChanges.map((change) => (
                  <tr key={change.changeKey}>
                    <th scope="row">{change.label}</th>
                    <td>
                      {change.affected} of {value.affectedCount}
                    </td>
                    <td>{change.unaffected ?? 'not known'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {value.affectedCount > 0 ? <Breakdown answer={value} /> : null}
          {value.customers.length > 0 ? (
            <ul className="who-else-customers" aria-label="Other affected customers">
              {value.customers.map((customer) => (
                <li key={customer.id}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => navigate({ view: 'customer', customerId: customer.id, at: customer.firstAt })}
                  >
                    {customer.name}
                  </button>{' '}
                  <HealthBadge health={customer.health} /> <span className="muted">{customer.version}</span>{' '}
                  <span className="muted">
                    first at{' '}
                    <time dateTime={customer.firstAt} title={timeTitle(customer.firstAt)}>
                      {formatDateTime(customer.firstAt)}
                    </time>
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

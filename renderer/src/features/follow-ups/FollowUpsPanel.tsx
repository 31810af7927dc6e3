import { useCallback, useId } from 'react';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { FollowUpList } from './FollowUpList';
import { NewFollowUp } from './NewFollowUp';
import { useFollowUps } from './useFollowUps';

/** The customer page's follow-ups: the open ones with their counts, and a form for a new one. */
export function FollowUpsPanel({ customerId }: { customerId: string }) {
  const headingId = useId();
  const { list, error, reload } = useFollowUps(
    { customerId },
    useCallback((customerIds: readonly string[]) => customerIds.includes(customerId), [customerId]),
  );
  const rows = list?.rows ?? [];
  const overdue = rows.filter((row) => row.overdue).length;
  const heading = `Follow-ups (${rows.length} open${overdue > 0 ? `, ${overdue} overdue` : ''})`;
  return (
    <section aria-labelledby={headingId} className="follow-ups-panel">
      <h2 id={headingId}>{list ? heading : 'Follow-ups'}</h2>
      {error ? <ErrorMessage compact title="The follow-ups could not be read" error={error} onRetry={reload} /> : null}
      {list ? (
        <FollowUpList
          rows={rows}
          me={list.me}
          showCustomer={false}
          label="Open follow-ups of this customer"
          empty="Nothing left to do for this customer."
        />
      ) : null}
      <NewFollowUp customerId={customerId} me={list?.me ?? null} />
      <p>
        <a
          href="#/followups"
          onClick={(event) => {
            event.preventDefault();
            navigate({ view: 'followups' });
          }}
        >
          All follow-ups
        </a>
      </p>
    </section>
  );
}

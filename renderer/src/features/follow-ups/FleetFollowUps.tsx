import { navigate } from '../../app/useHashRoute';
import { useFollowUpCounts } from './useFollowUps';

/** The fleet's follow-up counts ("12 open · 3 overdue · 2 yours"), a link to the Follow-ups view. */
export function FleetFollowUps() {
  const counts = useFollowUpCounts();
  if (!counts) return null;
  const customers = counts.byCustomer.length;
  return (
    <p className="fleet-follow-ups" data-testid="fleet-follow-ups">
      <a
        href="#/followups"
        onClick={(event) => {
          event.preventDefault();
          navigate({ view: 'followups' });
        }}
      >
        Follow-ups: {counts.open} open
        {counts.overdue > 0 ? ` · ${counts.overdue} overdue` : ''}
        {counts.mine > 0 ? ` · ${counts.mine} yours` : ''}
      </a>
      {customers > 0 ? <span className="muted"> on {customers === 1 ? '1 customer' : `${customers} customers`}</span> : null}
    </p>
  );
}

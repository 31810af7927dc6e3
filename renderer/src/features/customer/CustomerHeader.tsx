import type { ReactNode } from 'react';
import type { CustomerDetail } from '../../../../shared/ipc/views';
import type { AppRoute } from '../../../../shared/routes';
import { CopyLink } from '../../components/CopyLink';
import { HealthBadge } from '../../components/Badges';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import { countOf } from '../../lib/plural';

/** The customer's route at the event under the keyboard position, if there is one. */
function currentMomentRoute(customerId: string): AppRoute {
  const { timeline } = useStore.getState();
  const active = timeline.customerId === customerId ? timeline.rows.find((row) => row.id === timeline.activeId) : undefined;
  return active ? { view: 'customer', customerId, at: active.occurredAt } : { view: 'customer', customerId };
}

/** Name, plan, region, stage, version against the latest, health and owner; `actions` go beside the name. */
export function CustomerHeader({ detail, actions }: { detail: CustomerDetail; actions?: ReactNode }) {
  const { customer, latestVersion } = detail;
  const hasActive = useStore((state) => state.timeline.activeId !== null && state.timeline.customerId === customer.id);
  const behind =
    customer.versionsBehind === null
      ? 'lag unknown'
      : customer.versionsBehind === 0
        ? 'on the latest'
        : `${countOf(customer.versionsBehind, 'version', 'versions')} behind`;
  return (
    <header className="customer-header">
      <div className="customer-title-row">
        <h1 id="customer-title">{customer.name}</h1>
        <HealthBadge health={customer.health} />
        <CopyLink route={() => currentMomentRoute(customer.id)} label={hasActive ? 'Copy link to this moment' : 'Copy link'} />
        {actions}
      </div>
      <dl className="customer-facts" aria-label="Customer facts">
        <div>
          <dt>Id</dt>
          <dd>
            <code>{customer.id}</code>
          </dd>
        </div>
        <div>
          <dt>Plan</dt>
          <dd>{humanize(customer.plan)}</dd>
        </div>
        <div>
          <dt>Region</dt>
          <dd>
            {customer.region} · {customer.environment}
          </dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd>{humanize(customer.lifecycle)}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd className={customer.versionsBehind ? 'behind' : undefined}>
            {customer.version}
            {latestVersion ? ` (latest ${latestVersion}, ${behind})` : ` (${behind})`}
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{customer.owner ?? 'unassigned'}</dd>
        </div>
      </dl>
    </header>
  );
}

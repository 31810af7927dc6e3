import { useCallback, useEffect, useMemo, useState } from 'react';
import { HEALTH_STATES, LIFECYCLE_STAGES, PLANS } from '../../../../shared/domain-values';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { ErrorMessage } from '../../components/ErrorMessage';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import { countByHealth, fleetView, hasFleetFilters, NO_REGRESSIONS, regionsOf, regressionMarks, versionsOf } from './fleet-model';
import { FleetTable } from './FleetTable';
import { FleetFollowUps } from '../follow-ups/FleetFollowUps';
import { FirstStart } from '../sync/FirstStart';
import './fleet.css';

/** Health states in the order the summary shows them: what needs attention first. */
const SUMMARY_ORDER = ['down', 'degraded', 'ok', 'unknown'] as const;

/**
 * The fleet ("are the lights on?") and the customer directory: every customer in
 * one sortable, filterable, virtualized table.
 */
export function FleetView({ variant }: { variant: 'fleet' | 'customers' }) {
  const desk = useDesk();
  const fleet = useStore((state) => state.fleet);
  // While the first copy is on its way (or cannot come), FirstStart says so instead of "no customers".
  const isFirstStartQuiet = useStore(
    (state) =>
      !state.syncStatus ||
      state.syncStatus.lastSyncAt !== null ||
      (state.syncStatus.state !== 'syncing' && state.syncStatus.state !== 'error' && state.syncStatus.state !== 'offline'),
  );
  const sort = useStore((state) => state.fleetSort);
  const filters = useStore((state) => state.fleetFilters);
  const loadFleet = useStore((state) => state.loadFleet);
  const setFilters = useStore((state) => state.setFleetFilters);
  const resetFilters = useStore((state) => state.resetFleetFilters);

  useEffect(() => {
    if (useStore.getState().fleet.status === 'idle') void loadFleet(desk);
  }, [desk, loadFleet]);
  useCacheRefresh(
    useCallback((change) => change.global || change.customerIds.length > 0, []),
    useCallback(() => void loadFleet(desk), [desk, loadFleet]),
  );

  // Regressions of fixed known problems (issue 12), from the cache, read again when it changes.
  const [regressionReads, setRegressionReads] = useState(0);
  useCacheRefresh(
    useCallback((change) => change.global || change.customerIds.length > 0, []),
    useCallback(() => setRegressionReads((count) => count + 1), []),
  );
  const regressionAnswer = useDeskAnswer(`regressions:${regressionReads}`, () => desk.problems.regressions());
  const regressionRows = regressionAnswer.value?.rows;
  const regressed = useMemo(() => (regressionRows ? regressionMarks(regressionRows) : NO_REGRESSIONS), [regressionRows]);
  const visible = useMemo(() => fleetView(fleet.rows, sort, filters, regressed), [fleet.rows, sort, filters, regressed]);
  const counts = useMemo(() => countByHealth(fleet.rows), [fleet.rows]);
  const regions = useMemo(() => regionsOf(fleet.rows), [fleet.rows]);
  const versions = useMemo(() => versionsOf(fleet.rows), [fleet.rows]);
  const title = variant === 'fleet' ? 'Fleet' : 'Customers';
  const isFiltered = hasFleetFilters(filters);

  return (
    <section aria-labelledby="page-title" className="page page-fill fleet-page">
      <div className="page-heading">
        <h1 id="page-title">{title}</h1>
        <p className="muted" aria-live="polite">
          {fleet.status === 'loading' && fleet.rows.length === 0
            ? 'Loading customers from the local cache…'
            : `${visible.length.toLocaleString()} of ${fleet.rows.length.toLocaleString()} customers${fleet.isComplete || fleet.status !== 'loading' ? '' : ' (loading more…)'}`}
          {fleet.latestVersion ? ` · latest version ${fleet.latestVersion}` : ''}
        </p>
      </div>

      {variant === 'fleet' ? (
        <ul className="health-summary" aria-label="Fleet health summary">
          {SUMMARY_ORDER.map((health) => {
            const isPressed = filters.health.length === 1 && filters.health[0] === health;
            return (
              <li key={health}>
                <button
                  type="button"
                  className={`health-count health-${health}`}
                  aria-pressed={isPressed}
                  data-testid={`fleet-count-${health}`}
                  title={isPressed ? 'Show every health state' : `Show only ${health} customers`}
                  onClick={() => setFilters({ health: isPressed ? [] : [health] })}
                >
                  <span className="count">{counts[health].toLocaleString()}</span> <span className="count-label">{health}</span>
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      {variant === 'fleet' ? <FleetFollowUps /> : null}

      <form className="filter-bar" role="search" aria-label="Filter customers" onSubmit={(event) => event.preventDefault()}>
        <label className="field">
          <span>Filter</span>
          <input
            type="search"
            value={filters.text}
            placeholder="Name, id, owner or version"
            onChange={(event) => setFilters({ text: event.target.value })}
          />
        </label>
        <fieldset className="chip-group">
          <legend>Health</legend>
          {HEALTH_STATES.map((health) => (
            <label key={health} className="chip">
              <input
                type="checkbox"
                checked={filters.health.includes(health)}
                onChange={(event) =>
                  setFilters({
                    health: event.target.checked
                      ? [...filters.health, health]
                      : filters.health.filter((value) => value !== health),
                  })
                }
              />
              {health}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Plan</span>
          <select value={filters.plan} onChange={(event) => setFilters({ plan: event.target.value })}>
            <option value="">Any plan</option>
            {PLANS.map((plan) => (
              <option key={plan} value={plan}>
                {humanize(plan)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Stage</span>
          <select value={filters.lifecycle} onChange={(event) => setFilters({ lifecycle: event.target.value })}>
            <option value="">Any stage</option>
            {LIFECYCLE_STAGES.map((stage) => (
              <option key={stage} value={stage}>
                {humanize(stage)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Region</span>
          <select value={filters.region} onChange={(event) => setFilters({ region: event.target.value })}>
            <option value="">Any region</option>
            {regions.map((region) => (
              <option key={region} value={region}>
                {region}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Version</span>
          <select value={filters.version} onChange={(event) => setFilters({ version: event.target.value })}>
            <option value="">Any version</option>
            {versions.map((version) => (
              <option key={version} value={version}>
                {version}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Setup</span>
          <select
            value={filters.setup}
            onChange={(event) => setFilters({ setup: event.target.value as '' | 'stuck' | 'lagging' })}
          >
            <option value="">Any</option>
            <option value="stuck">Onboarding and stuck</option>
            <option value="lagging">Lagging behind the latest release</option>
          </select>
        </label>
        <label className="chip">
          <input
            type="checkbox"
            checked={filters.regressed}
            onChange={(event) => setFilters({ regressed: event.target.checked })}
          />
          Regressions only ({regressed.size.toLocaleString()})
        </label>
        {isFiltered ? (
          <button type="button" onClick={resetFilters}>
            Clear filters
          </button>
        ) : null}
      </form>

      {fleet.error ? (
        <ErrorMessage title="Could not load the customers" error={fleet.error} onRetry={() => void loadFleet(desk)} />
      ) : null}

      <FirstStart hasCustomers={fleet.rows.length > 0} />

      {fleet.status === 'ready' && fleet.rows.length === 0 && isFirstStartQuiet ? (
        <div className="empty">
          <p>No customers in the local cache yet.</p>
          <p>
            They appear once the first sync completes. Check the connection on the <a href="#/sync">Sync</a> page.
          </p>
        </div>
      ) : fleet.rows.length > 0 && visible.length === 0 ? (
        <div className="empty">
          <p>No customer matches these filters.</p>
          <button type="button" onClick={resetFilters}>
            Clear filters
          </button>
        </div>
      ) : (
        <FleetTable rows={visible} label={variant === 'fleet' ? 'Fleet customers' : 'Customers'} regressed={regressed} />
      )}
    </section>
  );
}

import { useCallback, useId, useState } from 'react';
import type { ReleaseHealth, ReleasesOutput } from '../../../../shared/ipc/diagnosis-views';
import {
  SUSPECT_MIN_AFFECTED,
  SUSPECT_MIN_COMPARED,
  SUSPECT_SHARE_POINTS,
  SUSPECT_SHARE_RATIO,
} from '../../../../shared/diagnosis/releases';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNow } from '../../components/useNow';
import { countOf } from '../../lib/plural';
import { formatRelative, timeTitle } from '../../lib/time';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import './releases.css';

/** The rule of shared/diagnosis/releases.ts in words, shown under the table so nobody has to guess what "suspect" means. */
export const SUSPECT_RULE = `A release is flagged suspect when at least ${SUSPECT_MIN_AFFECTED} of its customers are degraded or down and its affected share is at least ${SUSPECT_SHARE_RATIO}× and ${SUSPECT_SHARE_POINTS} percentage points above the previous version's. When fewer than ${SUSPECT_MIN_COMPARED} customers run the previous version, their share is noise and the release is compared with the rest of the fleet.`;

const LAG_LABELS: Record<ReleasesOutput['lagging'][number]['reason'], string> = {
  pinned: 'Pinned',
  upgrade_failed: 'Upgrade failed',
  blocked_by_setting: 'Held back by a setting',
  onboarding: 'Still onboarding',
  not_yet: 'Not reached yet',
};

const pct = (share: number) => `${Math.round(share * 100)}%`;

function openCustomer(customerId: string) {
  navigate({ view: 'customer', customerId });
}

/** The customers of one version: the fleet grouped by version, one disclosure per release. */
function VersionCustomers({ release, names }: { release: ReleaseHealth; names: Record<string, string> }) {
  const setFilters = useStore((state) => state.setFleetFilters);
  const resetFilters = useStore((state) => state.resetFleetFilters);
  const [isOpen, setOpen] = useState(false);
  const listId = useId();
  if (release.customers === 0) return <span className="muted">none</span>;
  return (
    <div className="version-customers">
      <button
        type="button"
        className="link-button"
        aria-expanded={isOpen}
        aria-controls={listId}
        onClick={() => setOpen(!isOpen)}
      >
        {countOf(release.customers, 'customer', 'customers')}
      </button>
      {isOpen ? (
        <div id={listId}>
          <ul className="version-customer-list" aria-label={`Customers on ${release.version}`}>
            {release.customerIds.map((id) => (
              <li key={id}>
                <a
                  href={`#/customer/${encodeURIComponent(id)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    openCustomer(id);
                  }}
                >
                  {names[id] ?? id}
                </a>
              </li>
            ))}
          </ul>
          {release.customerIds.length < release.customers ? (
            <p className="muted">and {release.customers - release.customerIds.length} more</p>
          ) : null}
          <button
            type="button"
            onClick={() => {
              resetFilters();
              setFilters({ version: release.version });
              navigate({ view: 'fleet' });
            }}
          >
            Show {release.version} in the fleet
          </button>
        </div>
      ) : null}
    </div>
  );
}

function ReleaseRow({ release, names, now }: { release: ReleaseHealth; names: Record<string, string>; now: number }) {
  const affected = release.degraded + release.down;
  return (
    <tr className={release.suspect ? 'release-row suspect' : 'release-row'} data-testid={`release-${release.version}`}>
      <th scope="row">
        <span className="release-version">{release.version}</span>
        {release.suspect ? (
          <span className="badge badge-suspect" data-testid="suspect-badge">
            Suspect
          </span>
        ) : null}
        {release.suspect ? <p className="release-suspect-reason">{release.suspect}</p> : null}
        {release.notes ? <p className="muted release-notes">{release.notes}</p> : null}
      </th>
      <td>
        <time dateTime={release.releasedAt} title={timeTitle(release.releasedAt)}>
          {formatRelative(release.releasedAt, now)}
        </time>
      </td>
      <td>
        <VersionCustomers release={release} names={names} />
      </td>
      <td>
        <span className={affected > 0 ? 'release-affected has-affected' : 'release-affected'}>{pct(release.affectedShare)}</span>{' '}
        <span className="muted">
          ({release.degraded} degraded, {release.down} down)
        </span>
        {release.customers > 0 && release.comparedWith ? <p className="muted release-compared">{release.comparedWith}</p> : null}
      </td>
      <td>
        {release.newSignatures.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="release-signatures" aria-label={`New signatures since ${release.version}`}>
            {release.newSignatures.map((signature) => (
              <li key={signature.signature}>
                <code>{signature.label}</code>{' '}
                <span className="muted">
                  {countOf(signature.customers, 'customer', 'customers')}, first{' '}
                  <time dateTime={signature.firstAt} title={timeTitle(signature.firstAt)}>
                    {formatRelative(signature.firstAt, now)}
                  </time>
                </span>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

/**
 * Release health (issue 12): per version its customers, the share degraded or
 * down, signatures new since the release and time since rollout; a release far
 * worse than the previous version is flagged suspect. Below: who lags behind the
 * latest release and why, and onboarding that is stuck or waiting on the
 * customer. Everything is read from the local cache, so it works offline.
 */
export function ReleasesView() {
  const desk = useDesk();
  const now = useNow();
  const [refresh, setRefresh] = useState(0);
  const { value, error, retry, isLoading } = useDeskAnswer(String(refresh), () => desk.releases.list());
  useCacheRefresh(
    useCallback((change) => change.global || change.customerIds.length > 0, []),
    useCallback(() => setRefresh((count) => count + 1), []),
  );
  const suspects = value?.releases.filter((release) => release.suspect !== null) ?? [];

  return (
    <section aria-labelledby="page-title" className="page releases-page">
      <div className="page-heading">
        <h1 id="page-title">Releases</h1>
        <p className="muted" aria-live="polite">
          {value
            ? `${countOf(value.releases.length, 'version', 'versions')}${value.latestVersion ? ` · latest ${value.latestVersion}` : ''}${suspects.length > 0 ? ` · ${countOf(suspects.length, 'suspect release', 'suspect releases')}` : ''}`
            : isLoading
              ? 'Reading the local cache…'
              : ''}
        </p>
      </div>
      {error ? <ErrorMessage title="Could not read the releases" error={error} onRetry={retry} /> : null}
      {value ? (
        <>
          {suspects.length > 0 ? (
            <div className="release-alert" role="note" aria-label="Suspect releases">
              {suspects.map((release) => (
                <p key={release.version}>
                  <strong>{release.version} is suspect:</strong> {release.suspect}.
                </p>
              ))}
            </div>
          ) : null}
          {value.releases.length === 0 ? (
            <p className="empty">No releases in the local cache yet. They appear once the first sync completes.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Release health table" tabIndex={0}>
              <table className="release-table">
                <caption>Release health, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Rolled out</th>
                    <th scope="col">Customers on it</th>
                    <th scope="col">Degraded or down</th>
                    <th scope="col">New signatures since</th>
                  </tr>
                </thead>
                <tbody>
                  {value.releases.map((release) => (
                    <ReleaseRow key={release.version} release={release} names={value.names} now={now} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted release-rule">{SUSPECT_RULE}</p>

          <section aria-labelledby="lagging-title" className="panel">
            <h2 id="lagging-title">
              Lagging behind {value.latestVersion ?? 'the latest release'} ({value.lagging.length})
            </h2>
            {value.lagging.length === 0 ? (
              <p className="muted">Every customer is on the latest release.</p>
            ) : (
              <div className="table-scroll" role="region" aria-label="Lagging customers table" tabIndex={0}>
                <table className="release-table">
                  <caption className="visually-hidden">Customers behind the latest release, and why</caption>
                  <thead>
                    <tr>
                      <th scope="col">Customer</th>
                      <th scope="col">Version</th>
                      <th scope="col">Behind</th>
                      <th scope="col">Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {value.lagging.map((row) => (
                      <tr key={row.customerId}>
                        <th scope="row">
                          <a
                            href={`#/customer/${encodeURIComponent(row.customerId)}`}
                            onClick={(event) => {
                              event.preventDefault();
                              openCustomer(row.customerId);
                            }}
                          >
                            {row.name}
                          </a>{' '}
                          <span className="muted">{humanize(row.lifecycle)}</span>
                        </th>
                        <td>{row.version}</td>
                        <td>{countOf(row.behind, 'version', 'versions')}</td>
                        <td>
                          <strong>{LAG_LABELS[row.reason]}</strong> <span className="muted">{row.detail}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>

          <section aria-labelledby="onboarding-title" className="panel">
            <h2 id="onboarding-title">Onboarding ({value.onboarding.length})</h2>
            {value.onboarding.length === 0 ? (
              <p className="muted">No customer is onboarding.</p>
            ) : (
              <ul className="onboarding-list">
                {value.onboarding.map((row) => (
                  <li key={row.customerId}>
                    <a
                      href={`#/customer/${encodeURIComponent(row.customerId)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        openCustomer(row.customerId);
                      }}
                    >
                      {row.name}
                    </a>{' '}
                    <span className="muted">
                      {row.done} of {row.total} steps done
                    </span>
                    {row.stuck.length > 0 ? <span className="step-stuck"> · stuck: {row.stuck.join(', ')}</span> : null}
                    {row.waiting.length > 0 ? (
                      <span className="step-waiting"> · waiting on the customer: {row.waiting.join(', ')}</span>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </section>
  );
}

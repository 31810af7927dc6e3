import { memo, useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { ProblemRegression } from '../../../../shared/ipc/problem-views';
import type { CustomerSummary } from '../../../../shared/ipc/views';
import { routeToHash } from '../../../../shared/routes';
import { listMoveOf, matchesShortcut } from '../../app/shortcuts';
import { navigate } from '../../app/useHashRoute';
import { isTypingTarget } from '../../lib/keys';
import { HealthBadge } from '../../components/Badges';
import { useNow } from '../../components/useNow';
import { uniformGeometry, useVirtualList } from '../../components/useVirtualList';
import { formatRelative, timeTitle } from '../../lib/time';
import { humanize } from '../../lib/values';
import { useStore } from '../../store/store';
import { FLEET_COLUMNS, NO_REGRESSIONS, regressionLabel, type FleetColumn, type RegressionMarks } from './fleet-model';

export const FLEET_ROW_HEIGHT = 36;

function versionText(row: CustomerSummary): string {
  if (row.versionsBehind === null) return `${row.version} · lag unknown`;
  if (row.versionsBehind === 0) return `${row.version} · latest`;
  return `${row.version} · ${row.versionsBehind} behind`;
}

/** A known problem fixed in a version this customer runs came back on it: marked beside its name, labelled in words. */
function RegressionMarker({ marks }: { marks: readonly ProblemRegression[] }) {
  const label = regressionLabel(marks);
  return (
    <span className="regression-marker" data-testid="regression-marker" title={label}>
      <span aria-hidden="true">↻ </span>Regression<span className="visually-hidden">{label.slice('Regression'.length)}</span>
    </span>
  );
}

function Cell({
  column,
  row,
  now,
  marks,
}: {
  column: FleetColumn;
  row: CustomerSummary;
  now: number;
  marks: readonly ProblemRegression[] | undefined;
}) {
  switch (column) {
    case 'health':
      return <HealthBadge health={row.health} />;
    case 'name':
      return (
        <>
          <a
            href={routeToHash({ view: 'customer', customerId: row.id })}
            className="customer-link"
            title={marks ? row.name : undefined}
            onClick={(event) => {
              event.preventDefault();
              navigate({ view: 'customer', customerId: row.id });
            }}
          >
            {row.name}
          </a>
          {marks ? <RegressionMarker marks={marks} /> : null}
        </>
      );
    case 'plan':
      return <>{humanize(row.plan)}</>;
    case 'region':
      return <>{row.region}</>;
    case 'lifecycle':
      return <>{humanize(row.lifecycle)}</>;
    case 'version':
      return <span className={row.versionsBehind && row.versionsBehind > 0 ? 'behind' : undefined}>{versionText(row)}</span>;
    case 'openAlerts':
      return <>{row.openAlerts}</>;
    case 'openIncidents':
      return <>{row.openIncidents}</>;
    case 'openTickets':
      return <>{row.openTickets}</>;
    case 'lastEventAt':
      return row.lastEventAt ? (
        <time dateTime={row.lastEventAt} title={timeTitle(row.lastEventAt)}>
          {formatRelative(row.lastEventAt, now)}
        </time>
      ) : (
        <>never</>
      );
  }
}

/** One customer row; memoized so scrolling only renders the rows that come into view. */
const FleetRow = memo(function FleetRow({
  row,
  index,
  start,
  now,
  marks,
}: {
  row: CustomerSummary;
  index: number;
  start: number;
  now: number;
  marks: readonly ProblemRegression[] | undefined;
}) {
  // Its times follow the chosen zone.
  useStore((state) => state.timeZone);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      data-testid="fleet-row"
      data-customer-id={row.id}
      className={`fleet-row-grid fleet-row health-row-${row.health}`}
      style={{ height: FLEET_ROW_HEIGHT, transform: `translateY(${start}px)` }}
      onClick={(event) => {
        if ((event.target as HTMLElement).closest('a')) return;
        navigate({ view: 'customer', customerId: row.id });
      }}
    >
      {FLEET_COLUMNS.map((column) => (
        <div key={column.key} role="cell" className={`col-${column.key}`}>
          <Cell column={column.key} row={row} now={now} marks={marks} />
        </div>
      ))}
    </div>
  );
});

/**
 * The virtualized customer table: sortable headers, one link per customer, and the list keys of
 * `shortcuts.ts` between rows (j/k or the arrows, pages, ends; Enter opens the focused customer).
 * j/k from elsewhere on the page start at the first row.
 */
export function FleetTable({
  rows,
  label,
  regressed = NO_REGRESSIONS,
}: {
  rows: readonly CustomerSummary[];
  label: string;
  regressed?: RegressionMarks;
}) {
  const sort = useStore((state) => state.fleetSort);
  const setSort = useStore((state) => state.setFleetSort);
  const scrollRef = useRef<HTMLDivElement>(null);
  const now = useNow();
  const geometry = useMemo(() => uniformGeometry(rows.length, FLEET_ROW_HEIGHT), [rows.length]);
  const virtualizer = useVirtualList({ geometry, scrollRef, overscan: 4 });

  const focusRow = (index: number) => {
    const target = Math.min(Math.max(index, 0), rows.length - 1);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    // The row may only exist after the virtualizer re-renders for the new offset.
    const tryFocus = (attempt: number) => {
      const link = scrollRef.current?.querySelector<HTMLAnchorElement>(`[data-index="${target}"] a`);
      if (link) link.focus();
      else if (attempt < 5) window.requestAnimationFrame(() => tryFocus(attempt + 1));
    };
    tryFocus(0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const rowElement = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    const index = rowElement ? Number(rowElement.dataset.index) : -1;
    const page = Math.max(Math.floor((scrollRef.current?.clientHeight ?? 400) / FLEET_ROW_HEIGHT) - 1, 1);
    const delta = listMoveOf(event, page);
    if (delta === null || rows.length === 0) return;
    event.preventDefault();
    // Handled here; the page-level listener must not move a second time.
    event.stopPropagation();
    focusRow(Math.abs(delta) === Number.MAX_SAFE_INTEGER ? (delta > 0 ? rows.length - 1 : 0) : index + delta);
  };

  // Re-subscribed with every render: focusRow reads the rows and the virtualizer of this one.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.defaultPrevented || isTypingTarget(event.target) || rows.length === 0) return;
      if (event.target instanceof Element && event.target.closest('[role="dialog"], .fleet-body')) return;
      if (!matchesShortcut(event, 'list-enter')) return;
      event.preventDefault();
      focusRow(0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div className="fleet-table" role="table" aria-label={label} aria-rowcount={rows.length + 1}>
      <div role="rowgroup" className="fleet-head">
        <div role="row" aria-rowindex={1} className="fleet-row-grid">
          {FLEET_COLUMNS.map((column) => {
            const isSorted = sort.column === column.key;
            return (
              <div
                key={column.key}
                role="columnheader"
                aria-sort={isSorted ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
                className={`col-${column.key}`}
              >
                <button type="button" className="sort-button" onClick={() => setSort(column.key)}>
                  {column.label}
                  <span aria-hidden="true" className="sort-mark">
                    {isSorted ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
                  </span>
                </button>
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" className="fleet-body" ref={scrollRef} onKeyDown={onKeyDown} data-testid="fleet-rows">
        <div className="virtual-space" style={{ height: virtualizer.totalSize }}>
          {virtualizer.items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <FleetRow key={row.id} row={row} index={item.index} start={item.start} now={now} marks={regressed.get(row.id)} />
            );
          })}
        </div>
      </div>
    </div>
  );
}

import { LIFECYCLE_STAGES, PLANS, type Health } from '../../../../shared/domain-values';
import type { ProblemRegression } from '../../../../shared/ipc/problem-views';
import type { CustomerSummary } from '../../../../shared/ipc/views';

/** Columns of the fleet table; each one sorts. */
export const FLEET_COLUMNS = [
  { key: 'health', label: 'Health' },
  { key: 'name', label: 'Name' },
  { key: 'plan', label: 'Plan' },
  { key: 'region', label: 'Region' },
  { key: 'lifecycle', label: 'Stage' },
  { key: 'version', label: 'Version' },
  { key: 'openAlerts', label: 'Alerts' },
  { key: 'openIncidents', label: 'Incidents' },
  { key: 'openTickets', label: 'Tickets' },
  { key: 'lastEventAt', label: 'Last event' },
] as const;

export type FleetColumn = (typeof FLEET_COLUMNS)[number]['key'];
export type SortDirection = 'asc' | 'desc';
export type FleetSort = { column: FleetColumn; direction: SortDirection };

export type FleetFilters = {
  text: string;
  /** Empty means every health state. */
  health: Health[];
  plan: string;
  lifecycle: string;
  region: string;
  /** Setup and currency (issue 12): onboarding with a stuck step, or behind the latest release. */
  setup: '' | 'stuck' | 'lagging';
  /** One version's customers: the fleet grouped by version (the Releases view links here). */
  version: string;
  /** Only customers where a fixed known problem came back (a regression, issue 12). */
  regressed: boolean;
};

export const EMPTY_FLEET_FILTERS: FleetFilters = {
  text: '',
  health: [],
  plan: '',
  lifecycle: '',
  region: '',
  setup: '',
  version: '',
  regressed: false,
};

/** Worst first: ascending health puts the customers that need attention on top. */
const HEALTH_RANK: Record<Health, number> = { down: 0, degraded: 1, unknown: 2, ok: 3 };
const PLAN_RANK = new Map<string, number>(PLANS.map((plan, index) => [plan, index]));
const STAGE_RANK = new Map<string, number>(LIFECYCLE_STAGES.map((stage, index) => [stage, index]));
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

type Compare = (a: CustomerSummary, b: CustomerSummary) => number;

const byNumber =
  (value: (row: CustomerSummary) => number): Compare =>
  (a, b) =>
    value(a) - value(b);

const COMPARE: Record<FleetColumn, Compare> = {
  health: byNumber((row) => HEALTH_RANK[row.health]),
  name: (a, b) => collator.compare(a.name, b.name),
  plan: byNumber((row) => PLAN_RANK.get(row.plan) ?? 99),
  region: (a, b) => collator.compare(a.region, b.region),
  lifecycle: byNumber((row) => STAGE_RANK.get(row.lifecycle) ?? 99),
  // Further behind sorts after; an unknown lag sorts last.
  version: (a, b) =>
    (a.versionsBehind ?? Number.MAX_SAFE_INTEGER) - (b.versionsBehind ?? Number.MAX_SAFE_INTEGER) ||
    collator.compare(a.version, b.version),
  openAlerts: byNumber((row) => row.openAlerts),
  openIncidents: byNumber((row) => row.openIncidents),
  openTickets: byNumber((row) => row.openTickets),
  lastEventAt: byNumber((row) => (row.lastEventAt ? Date.parse(row.lastEventAt) : 0)),
};

/** Whether the filters narrow the fleet at all. */
export function hasFleetFilters(filters: FleetFilters): boolean {
  return (
    filters.text.trim() !== '' ||
    filters.health.length > 0 ||
    filters.plan !== '' ||
    filters.lifecycle !== '' ||
    filters.region !== '' ||
    filters.setup !== '' ||
    filters.version !== '' ||
    filters.regressed
  );
}

/** The rows that pass the filters, sorted; ties fall back to name, then id, so the order is stable. */
export function sortAndFilterFleet(
  rows: readonly CustomerSummary[],
  sort: FleetSort,
  filters: FleetFilters,
  regressed: RegressionMarks = NO_REGRESSIONS,
): CustomerSummary[] {
  const text = filters.text.trim().toLowerCase();
  const health = new Set(filters.health);
  const filtered = rows.filter(
    (row) =>
      (health.size === 0 || health.has(row.health)) &&
      (filters.plan === '' || row.plan === filters.plan) &&
      (filters.lifecycle === '' || row.lifecycle === filters.lifecycle) &&
      (filters.region === '' || row.region === filters.region) &&
      (filters.version === '' || row.version === filters.version) &&
      (!filters.regressed || regressed.has(row.id)) &&
      (filters.setup === '' ||
        (filters.setup === 'stuck' ? row.setupStuck : row.versionsBehind !== null && row.versionsBehind > 0)) &&
      (text === '' ||
        row.name.toLowerCase().includes(text) ||
        row.id.toLowerCase().includes(text) ||
        (row.owner ?? '').toLowerCase().includes(text) ||
        row.version.toLowerCase().includes(text)),
  );
  const compare = COMPARE[sort.column];
  const sign = sort.direction === 'asc' ? 1 : -1;
  return filtered.sort(
    (a, b) => sign * compare(a, b) || collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Per customer, the fixed problems that came back on it (from `problems:regressions`). */
export type RegressionMarks = ReadonlyMap<string, readonly ProblemRegression[]>;
export const NO_REGRESSIONS: RegressionMarks = new Map();

/** The regressions by customer. */
export function regressionMarks(rows: readonly ProblemRegression[]): RegressionMarks {
  const marks = new Map<string, ProblemRegression[]>();
  for (const row of rows) marks.set(row.customerId, [...(marks.get(row.customerId) ?? []), row]);
  return marks;
}

/** What the regression marker says, for screen readers and the tooltip. */
export function regressionLabel(marks: readonly ProblemRegression[]): string {
  return `Regression: ${marks
    .map((mark) => `${mark.title} came back on ${mark.version} after its fix in ${mark.fixedVersion}`)
    .join('; ')}`;
}

let lastView: {
  rows: readonly CustomerSummary[];
  sort: FleetSort;
  filters: FleetFilters;
  regressed: RegressionMarks;
  result: CustomerSummary[];
} | null = null;

/**
 * {@link sortAndFilterFleet}, remembering the last answer: the store keeps the same rows,
 * sort and filters objects while nothing changes, so coming back to the fleet does not
 * sort 10,000 customers again.
 */
export function fleetView(
  rows: readonly CustomerSummary[],
  sort: FleetSort,
  filters: FleetFilters,
  regressed: RegressionMarks = NO_REGRESSIONS,
): CustomerSummary[] {
  if (
    lastView &&
    lastView.rows === rows &&
    lastView.sort === sort &&
    lastView.filters === filters &&
    lastView.regressed === regressed
  )
    return lastView.result;
  const result = sortAndFilterFleet(rows, sort, filters, regressed);
  lastView = { rows, sort, filters, regressed, result };
  return result;
}

/** How many customers are in each health state. */
export function countByHealth(rows: readonly CustomerSummary[]): Record<Health, number> {
  const counts: Record<Health, number> = { ok: 0, degraded: 0, down: 0, unknown: 0 };
  for (const row of rows) counts[row.health] += 1;
  return counts;
}

/** Distinct regions, sorted, for the region filter. */
export function regionsOf(rows: readonly CustomerSummary[]): string[] {
  return [...new Set(rows.map((row) => row.region))].sort(collator.compare);
}

/** The versions customers run, newest first by natural order (the fleet's Version filter). */
export function versionsOf(rows: readonly CustomerSummary[]): string[] {
  return [...new Set(rows.map((row) => row.version))].sort((a, b) => collator.compare(b, a));
}

/** The direction a column sorts in when first clicked: numbers and times biggest first. */
export function defaultDirection(column: FleetColumn): SortDirection {
  return ['openAlerts', 'openIncidents', 'openTickets', 'lastEventAt'].includes(column) ? 'desc' : 'asc';
}

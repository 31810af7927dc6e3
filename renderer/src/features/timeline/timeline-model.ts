import { SEVERITIES, type Severity } from '../../../../shared/domain-values';
import type { TimelineFilters, TimelineRow } from '../../../../shared/ipc/views';
import { DAY_MS, HOUR_MS, localDayKey } from '../../lib/time';

export type RangePreset = '24h' | '7d' | '30d' | 'all' | 'custom';
export type TimelineOrder = 'desc' | 'asc';

export const RANGE_PRESETS: readonly { value: RangePreset; label: string; ms: number | null }[] = [
  { value: '24h', label: '24 h', ms: 24 * HOUR_MS },
  { value: '7d', label: '7 d', ms: 7 * DAY_MS },
  { value: '30d', label: '30 d', ms: 30 * DAY_MS },
  { value: 'all', label: 'All', ms: null },
  { value: 'custom', label: 'Custom', ms: null },
];

/** What the filter bar holds; turned into the contract's `TimelineFilters` by {@link toFilterInput}. */
export type TimelineFilterState = {
  kinds: string[];
  severities: Severity[];
  features: string[];
  sources: string[];
  text: string;
  range: RangePreset;
  /** ISO times, used when `range` is `custom`. */
  customFrom: string | null;
  customTo: string | null;
  changesOnly: boolean;
};

export const EMPTY_TIMELINE_FILTERS: TimelineFilterState = {
  kinds: [],
  severities: [],
  features: [],
  sources: [],
  text: '',
  range: 'all',
  customFrom: null,
  customTo: null,
  changesOnly: false,
};

/** The `filters` input of `timeline:page`; undefined when nothing narrows the timeline. */
export function toFilterInput(state: TimelineFilterState, now: number): TimelineFilters | undefined {
  const filters: TimelineFilters = {};
  if (state.kinds.length > 0) filters.kinds = [...state.kinds];
  if (state.severities.length > 0) filters.severities = [...state.severities];
  if (state.features.length > 0) filters.features = [...state.features];
  if (state.sources.length > 0) filters.sources = [...state.sources];
  const text = state.text.trim();
  if (text !== '') filters.text = text;
  if (state.changesOnly) filters.changesOnly = true;
  const preset = RANGE_PRESETS.find((candidate) => candidate.value === state.range);
  if (preset?.ms) {
    filters.from = new Date(now - preset.ms).toISOString();
  } else if (state.range === 'custom') {
    if (state.customFrom) filters.from = state.customFrom;
    if (state.customTo) filters.to = state.customTo;
  }
  return Object.keys(filters).length > 0 ? filters : undefined;
}

/** How many filters narrow the timeline (for the "Clear filters" button). */
export function activeFilterCount(state: TimelineFilterState): number {
  return (
    state.kinds.length +
    state.severities.length +
    state.features.length +
    state.sources.length +
    (state.text.trim() === '' ? 0 : 1) +
    (state.range === 'all' ? 0 : 1) +
    (state.changesOnly ? 1 : 0)
  );
}

/** One line of the virtualized timeline: a day header or an event. */
export type TimelineItem =
  { type: 'day'; key: string; dayKey: string } | { type: 'event'; key: string; row: TimelineRow; dayKey: string };

/**
 * Consecutive rows (in display order) that occurred on one local day; the list
 * shows a header before each run. `start` is the index of the run's first row.
 * The grouping of a 100,000-row timeline is a few hundred runs, so appending or
 * prepending a page touches the runs and the new rows only, never every row.
 */
export type DayRun = { readonly dayKey: string; readonly start: number };

type LocalDay = { key: string; from: number; to: number };

function localDayOf(time: number): LocalDay {
  const date = new Date(time);
  const year = date.getFullYear();
  const month = date.getMonth();
  const day = date.getDate();
  return {
    key: `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    from: new Date(year, month, day).getTime(),
    to: new Date(year, month, day + 1).getTime(),
  };
}

/**
 * The day runs of `rows`, with row indexes counted from `offset`. Rows come
 * sorted by time, so a run's day bounds are worked out once and each row only
 * compares its time with them.
 */
export function dayRunsOf(rows: readonly TimelineRow[], offset = 0): DayRun[] {
  const runs: DayRun[] = [];
  let day: LocalDay | null = null;
  for (let index = 0; index < rows.length; index += 1) {
    const time = Date.parse(rows[index]!.occurredAt);
    if (day !== null && time >= day.from && time < day.to) continue;
    const next = localDayOf(time);
    if (day === null || next.key !== day.key) runs.push({ dayKey: next.key, start: offset + index });
    day = next;
  }
  return runs;
}

/** The runs after `added` rows are appended below `rowCount` rows; the last day continues instead of repeating. */
export function appendDayRuns(runs: readonly DayRun[], rowCount: number, added: readonly TimelineRow[]): DayRun[] {
  const tail = dayRunsOf(added, rowCount);
  const last = runs[runs.length - 1];
  if (last && tail[0]?.dayKey === last.dayKey) tail.shift();
  return runs.concat(tail);
}

/** The runs after `added` rows are put above the existing ones; the first day continues instead of repeating. */
export function prependDayRuns(runs: readonly DayRun[], added: readonly TimelineRow[]): DayRun[] {
  const head = dayRunsOf(added);
  const shifted = runs.map((run) => ({ dayKey: run.dayKey, start: run.start + added.length }));
  if (head.length > 0 && shifted[0]?.dayKey === head[head.length - 1]?.dayKey) shifted.shift();
  return head.concat(shifted);
}

/** How many lines the list has: every row plus one header per run. */
export function itemCount(rowCount: number, runs: readonly DayRun[]): number {
  return rowCount + runs.length;
}

/** The index of a run's header among the list's lines. */
export function headerIndex(runs: readonly DayRun[], run: number): number {
  return (runs[run]?.start ?? 0) + run;
}

/** The run a line belongs to (its header or one of its rows); binary search over the runs. */
export function runOfItem(runs: readonly DayRun[], index: number): number {
  let low = 0;
  let high = runs.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (headerIndex(runs, middle) <= index) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The run a row belongs to. */
export function runOfRow(runs: readonly DayRun[], rowIndex: number): number {
  let low = 0;
  let high = runs.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((runs[middle]?.start ?? 0) <= rowIndex) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** The line a row is shown on. */
export function itemIndexOfRow(runs: readonly DayRun[], rowIndex: number): number {
  return rowIndex + runOfRow(runs, rowIndex) + 1;
}

/** The line at `index`: a day header or an event. */
export function itemAt(rows: readonly TimelineRow[], runs: readonly DayRun[], index: number): TimelineItem | undefined {
  if (index < 0 || index >= itemCount(rows.length, runs)) return undefined;
  const run = runOfItem(runs, index);
  const dayKey = runs[run]?.dayKey ?? '';
  if (index === headerIndex(runs, run)) return { type: 'day', key: `day:${dayKey}:${run}`, dayKey };
  const row = rows[index - run - 1];
  return row ? { type: 'event', key: row.id, row, dayKey } : undefined;
}

/** Every line of the list, headers and events; for tests and small lists (the list itself reads lines one by one). */
export function groupByDay(rows: readonly TimelineRow[], runs: readonly DayRun[] = dayRunsOf(rows)): TimelineItem[] {
  const items: TimelineItem[] = [];
  const count = itemCount(rows.length, runs);
  for (let index = 0; index < count; index += 1) {
    const item = itemAt(rows, runs, index);
    if (item) items.push(item);
  }
  return items;
}

/** The line of an event, or -1. */
export function indexOfEvent(rows: readonly TimelineRow[], runs: readonly DayRun[], eventId: string | null): number {
  if (eventId === null) return -1;
  const rowIndex = rows.findIndex((row) => row.id === eventId);
  return rowIndex < 0 ? -1 : itemIndexOfRow(runs, rowIndex);
}

/** Pixel geometry of the list: fixed heights for headers and rows make every offset a little arithmetic. */
export type TimelineSizes = { header: number; row: number };

/** Where line `index` starts. */
export function offsetOfItem(runs: readonly DayRun[], index: number, sizes: TimelineSizes): number {
  if (runs.length === 0 || index <= 0) return 0;
  const run = runOfItem(runs, index);
  const headers = run + (index > headerIndex(runs, run) ? 1 : 0);
  return headers * sizes.header + (index - headers) * sizes.row;
}

/** The line under pixel `offset` (clamped to the list). */
export function itemAtOffset(rowCount: number, runs: readonly DayRun[], offset: number, sizes: TimelineSizes): number {
  const count = itemCount(rowCount, runs);
  if (count === 0) return 0;
  // The run whose header starts at or above the offset: header d starts at d headers and runs[d].start rows down.
  let low = 0;
  let high = runs.length - 1;
  let run = 0;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (middle * sizes.header + (runs[middle]?.start ?? 0) * sizes.row <= offset) {
      run = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  const top = run * sizes.header + (runs[run]?.start ?? 0) * sizes.row;
  if (offset < top + sizes.header) return Math.min(headerIndex(runs, run), count - 1);
  const end = runs[run + 1]?.start ?? rowCount;
  const rowIndex = Math.min((runs[run]?.start ?? 0) + Math.floor((offset - top - sizes.header) / sizes.row), end - 1);
  return Math.min(rowIndex + run + 1, count - 1);
}

/** The list's whole height. */
export function totalSizeOf(rowCount: number, runs: readonly DayRun[], sizes: TimelineSizes): number {
  return runs.length * sizes.header + rowCount * sizes.row;
}

/** A late event was recorded well after it happened (delayed ingest, backfill). */
export const LATE_AFTER_MS = 15 * 60_000;

export function isLate(row: TimelineRow): boolean {
  return Date.parse(row.recordedAt) - Date.parse(row.occurredAt) > LATE_AFTER_MS;
}

/** The row closest in time to `at`; ties go to the earlier row in display order. */
export function nearestRowId(rows: readonly TimelineRow[], at: string): string | null {
  const target = Date.parse(at);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const row of rows) {
    const distance = Math.abs(Date.parse(row.occurredAt) - target);
    if (distance < bestDistance) {
      best = row.id;
      bestDistance = distance;
    }
  }
  return best;
}

/** The first row (in display order) on the local day of `at`, or else the nearest row. */
export function firstRowOfDayId(rows: readonly TimelineRow[], runs: readonly DayRun[], at: string): string | null {
  const day = localDayKey(at);
  const run = runs.find((candidate) => candidate.dayKey === day);
  return (run ? rows[run.start]?.id : undefined) ?? nearestRowId(rows, at);
}

/** Kinds the server counts as changes; the details panel offers "changes before this" from the others. */
export const INVESTIGATE_KINDS = new Set(['alert', 'error_spike', 'incident', 'usage_drop']);

/** Whether "Show changes before this" makes sense for an event. */
export function canShowPrecedingChanges(kind: string, severity: Severity): boolean {
  return INVESTIGATE_KINDS.has(kind) || severity === 'error' || severity === 'critical';
}

/** Distinct values kept for {@link compactRows}; a pool that grows past this starts again. */
const SHARED_VALUES_LIMIT = 10_000;
const sharedValues = new Map<string, string>();

function shared(value: string): string;
function shared(value: string | null): string | null;
function shared(value: string | null): string | null {
  if (value === null) return value;
  const known = sharedValues.get(value);
  if (known !== undefined) return known;
  if (sharedValues.size >= SHARED_VALUES_LIMIT) sharedValues.clear();
  sharedValues.set(value, value);
  return value;
}

/**
 * The rows with the values every row repeats (customer, kind, severity, feature,
 * source, actor, and a recorded time equal to the occurred one) held as one string
 * each. A loaded 100,000-row timeline then holds about a third fewer heap objects,
 * which shortens the garbage collector's pauses while it scrolls.
 */
export function compactRows(rows: readonly TimelineRow[]): TimelineRow[] {
  return rows.map((row) => ({
    id: row.id,
    customerId: shared(row.customerId),
    occurredAt: row.occurredAt,
    recordedAt: row.recordedAt === row.occurredAt ? row.occurredAt : row.recordedAt,
    kind: shared(row.kind),
    severity: SEVERITIES.find((severity) => severity === row.severity) ?? row.severity,
    summary: row.summary,
    feature: shared(row.feature),
    sourceSystem: shared(row.sourceSystem),
    actor: shared(row.actor),
    noteCount: row.noteCount,
  }));
}

/** How far from the seam a repeated row can sit: pages overlap only at a jump's anchor moment. */
const SEAM = 1000;

/**
 * The incoming rows not already present near the seam they join at. Only the
 * seam is checked so adding a page to a 100k-row timeline stays cheap.
 */
export function freshRows(
  existing: readonly TimelineRow[],
  incoming: readonly TimelineRow[],
  at: 'head' | 'tail',
): TimelineRow[] {
  const seen = new Set<string>();
  const from = at === 'tail' ? Math.max(existing.length - SEAM, 0) : 0;
  const to = at === 'tail' ? existing.length : Math.min(SEAM, existing.length);
  for (let index = from; index < to; index += 1) seen.add(existing[index]!.id);
  return incoming.filter((row) => !seen.has(row.id));
}

/** Appends or prepends rows, dropping ids already present near the seam. */
export function mergeRows(
  existing: readonly TimelineRow[],
  incoming: readonly TimelineRow[],
  at: 'head' | 'tail',
): TimelineRow[] {
  const fresh = freshRows(existing, incoming, at);
  return at === 'tail' ? existing.concat(fresh) : fresh.concat(existing);
}

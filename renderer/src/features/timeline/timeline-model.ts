import type { Severity } from '../../../../shared/domain';
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

// Day keys are computed once per row object: a long timeline regroups on every page without re-parsing 100k dates.
const dayKeys = new WeakMap<TimelineRow, string>();

function dayKeyOf(row: TimelineRow): string {
  let key = dayKeys.get(row);
  if (key === undefined) {
    key = localDayKey(row.occurredAt);
    dayKeys.set(row, key);
  }
  return key;
}

/**
 * Rows (already in display order) with a header before each local day. Events go
 * under the day they occurred on, whenever they were recorded.
 */
export function groupByDay(rows: readonly TimelineRow[]): TimelineItem[] {
  return appendToGroups([], rows);
}

/** `items` followed by `rows`, continuing the last day instead of repeating its header. */
export function appendToGroups(items: readonly TimelineItem[], rows: readonly TimelineRow[]): TimelineItem[] {
  const added: TimelineItem[] = [];
  let currentDay = items.length > 0 ? (items[items.length - 1]?.dayKey ?? null) : null;
  for (const row of rows) {
    const dayKey = dayKeyOf(row);
    if (dayKey !== currentDay) {
      // A day repeats only if rows arrive out of order; the position keeps keys unique anyway.
      added.push({ type: 'day', key: `day:${dayKey}:${items.length + added.length}`, dayKey });
      currentDay = dayKey;
    }
    added.push({ type: 'event', key: row.id, row, dayKey });
  }
  return items.concat(added);
}

/** Index of an event's item, or -1. */
export function indexOfEvent(items: readonly TimelineItem[], eventId: string | null): number {
  if (eventId === null) return -1;
  return items.findIndex((item) => item.type === 'event' && item.row.id === eventId);
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
export function firstRowOfDayId(rows: readonly TimelineRow[], at: string): string | null {
  const day = localDayKey(at);
  return rows.find((row) => dayKeyOf(row) === day)?.id ?? nearestRowId(rows, at);
}

/** Kinds the server counts as changes; the details panel offers "changes before this" from the others. */
export const INVESTIGATE_KINDS = new Set(['alert', 'error_spike', 'incident', 'usage_drop']);

/** Whether "Show changes before this" makes sense for an event. */
export function canShowPrecedingChanges(kind: string, severity: Severity): boolean {
  return INVESTIGATE_KINDS.has(kind) || severity === 'error' || severity === 'critical';
}

/** How far from the seam a repeated row can sit: pages overlap only at a jump's anchor moment. */
const SEAM = 1000;

/**
 * Appends or prepends rows, dropping ids already present near the seam. Only the
 * seam is checked so appending a page to a 100k-row timeline stays cheap.
 */
export function mergeRows(
  existing: readonly TimelineRow[],
  incoming: readonly TimelineRow[],
  at: 'head' | 'tail',
): TimelineRow[] {
  const near = at === 'tail' ? existing.slice(-SEAM) : existing.slice(0, SEAM);
  const seen = new Set(near.map((row) => row.id));
  const fresh = incoming.filter((row) => !seen.has(row.id));
  return at === 'tail' ? existing.concat(fresh) : fresh.concat(existing);
}

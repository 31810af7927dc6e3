import type Database from 'better-sqlite3';
import { CHANGE_KINDS } from '../../shared/domain';
import type { TimelineFilters } from '../../shared/ipc/views';
import { customerSearchTerm } from './search-key';

/**
 * How the timeline reads a filtered page of one customer fast at any size (issue 13). Every page is read
 * in two steps: the rows' keys (time, id) off an index (no table row touched), then only the rows shown, from
 * the time index, which holds every column a row shows (cache version 19). The index is
 * chosen from the kept per-facet counts (`customer_facets.n`), not left to SQLite's planner, which cannot
 * see through the filter lists and stops a time-ordered scan early only if it knows matches are common:
 *
 * - `time`: the covering index in time order (`events_by_customer_time`, which carries every filter
 *   column) — reading about `limit / selectivity` entries; best when the filters match many events.
 * - a facet index (`events_by_customer_<facet>`, which carries the other filter columns too): only the
 *   matching entries of one facet, sorted, the other filters checked in the index — best when they are few (a
 *   rare kind, "critical", or the rarest of several filters), however long the customer's history.
 * - `text`: with a text filter, the index's matches of this customer are read first (their row ids, so their
 *   number is known exactly), kind and feature filters asked of the index too; the rows of those matches are
 *   then looked up by row id — best when the words are rare in this customer's history, or never meet the other
 *   filters (a time-ordered scan would read the whole history to find no match).
 *
 * Measurements and the trade are in docs/performance.md.
 */

/** A list filter of the filter bar, as the column and the index that serve it. */
type ListFilter = { facet: 'kind' | 'severity' | 'feature' | 'source'; column: string; index: string; values: string[] };

const FACET_INDEX: Record<ListFilter['facet'], { column: string; index: string }> = {
  kind: { column: 'kind', index: 'events_by_customer_kind' },
  severity: { column: 'severity', index: 'events_by_customer_severity' },
  feature: { column: 'feature', index: 'events_by_customer_feature' },
  source: { column: 'source_system', index: 'events_by_customer_source' },
};
const TIME_INDEX = 'events_by_customer_time';

/** Relative costs: an index entry read in order, one read and sorted, a table row looked up. */
const COST = { scan: 1, sorted: 2, lookup: 12 };
/** Counts costing more than this (in index-entry reads) are left to `count()`, off the page's path. */
const INLINE_COUNT_BUDGET = 20_000;

export type TimelinePlanInput = {
  customerId: string;
  filters: TimelineFilters | undefined;
  /** The text filter as an FTS5 query (queries.ts `toFtsQuery`), or null. */
  fts: string | null;
};

/** The list filters in effect; "changes only" is a kind filter (intersected with one the user chose). */
function listFilters(filters: TimelineFilters | undefined): ListFilter[] {
  const lists: ListFilter[] = [];
  let kinds = filters?.kinds && filters.kinds.length > 0 ? [...filters.kinds] : null;
  if (filters?.changesOnly) {
    const changes: readonly string[] = CHANGE_KINDS;
    kinds = kinds ? kinds.filter((kind) => changes.includes(kind)) : [...changes];
  }
  const add = (facet: ListFilter['facet'], values: readonly string[] | null | undefined) => {
    if (values && (values.length > 0 || facet === 'kind')) lists.push({ facet, ...FACET_INDEX[facet], values: [...values] });
  };
  add('kind', kinds);
  if (filters?.severities?.length) add('severity', filters.severities);
  if (filters?.features?.length) add('feature', filters.features);
  if (filters?.sources?.length) add('source', filters.sources);
  return lists;
}

/** Columns of the search index that hold a list filter's value (events_fts: summary, body, kind, feature, actor, search_key). */
const INDEXED_FACETS: readonly ListFilter['facet'][] = ['kind', 'feature'];

/**
 * The text filter's query for one customer: its term, the words, and the kind and feature filters as column
 * phrases (`kind : "deploy" OR kind : "flag_change"`), so the index returns only rows that can match. The phrase
 * is tokenized as the column was, so it matches the value's words; that may let through a value containing the
 * same words (kind "flag_change_failed"), which the SQL filter then drops. A list with a value that has no word
 * (nothing the index holds) is not asked of the index.
 */
function customerTextQuery(customerId: string, fts: string, lists: readonly ListFilter[]): string {
  const parts = [customerSearchTerm(customerId), `(${fts})`];
  for (const list of lists) {
    if (!INDEXED_FACETS.includes(list.facet) || list.values.length === 0) continue;
    if (!list.values.every((value) => /[\p{L}\p{N}]/u.test(value))) continue;
    parts.push(`(${list.values.map((value) => `${list.column} : "${value.replace(/"/g, '""')}"`).join(' OR ')})`);
  }
  return parts.join(' AND ');
}

export function createTimelinePlanner(db: Database.Database) {
  const textMatches = db.prepare<[string], number>('select rowid from events_fts where events_fts match ?').pluck();
  const facetCounts = db.prepare<[string, string], { value: string; n: number }>(
    'select value, n from customer_facets where customer_id = ? and facet = ?',
  );
  const eventCount = db.prepare<[string], number>('select event_count from customer_stats where customer_id = ?').pluck();

  /** Matching events of one list filter, from the kept counts (exact). */
  function matchesOf(customerId: string, list: ListFilter): number {
    const wanted = new Set(list.values);
    let sum = 0;
    for (const row of facetCounts.all(customerId, list.facet)) if (wanted.has(row.value)) sum += row.n;
    return sum;
  }

  /**
   * The WHERE clause (over alias `e`) and its parameters for a customer and filters, and what is known
   * about how many events match: `exact` when the kept counts answer it, else an upper bound per list.
   */
  function analyse({ customerId, filters, fts }: TimelinePlanInput) {
    const total = eventCount.get(customerId) ?? 0;
    const lists = listFilters(filters);
    const params: Record<string, unknown> = { customerId };
    const listClause = (list: ListFilter, alias: string) =>
      `${alias}.${list.column} in (select value from json_each(@${list.facet}))`;
    for (const list of lists) params[list.facet] = JSON.stringify(list.values);
    const range: string[] = [];
    if (filters?.from) {
      range.push('occurred_at >= @from');
      params.from = new Date(filters.from).toISOString();
    }
    if (filters?.to) {
      range.push('occurred_at <= @to');
      params.to = new Date(filters.to).toISOString();
    }
    // The customer's own term first: the index reads this customer's matches only, not the whole fleet's. Their row
    // ids are read once, here: their number prices the plans, and the page and the count check rows against them.
    const textRids = fts !== null ? textMatches.all(customerTextQuery(customerId, fts, lists)) : null;
    const text = textRids !== null ? 'e.rid in (select value from json_each(@text))' : null;
    if (textRids !== null) params.text = JSON.stringify(textRids);
    const where = [
      'e.customer_id = @customerId',
      ...lists.map((list) => listClause(list, 'e')),
      ...range.map((clause) => `e.${clause}`),
      ...(text ? [text] : []),
    ].join(' and ');
    const counts = lists.map((list) => ({ list, matches: matchesOf(customerId, list) }));
    const exact = range.length === 0 && text === null && counts.length <= 1 ? (counts[0]?.matches ?? total) : null;
    return { where, params, counts, total, exact, text, textMatches: textRids?.length ?? null };
  }

  type Analysis = ReturnType<typeof analyse>;
  /** How the row ids are read: one index scanned (in time order or one facet's entries), or the text filter's matches looked up by row id. */
  type Plan = { kind: 'index'; index: string; cost: number } | { kind: 'text'; cost: number };

  /**
   * The cheapest way to read `want` matching entries in time order (`want` = Infinity: all of them, to count),
   * by the kept counts. Range and text filters are taken as not narrowing. A time-ordered scan under several
   * list filters is charged its worst case too, since filters can be anti-correlated (no error among deploys).
   */
  function choose(analysis: Analysis, want: number): Plan {
    const { total, counts, text, textMatches } = analysis;
    // The text filter's matches, known exactly: looked up by row id, every one (to sort them by time).
    const textPlan: Plan | null = textMatches === null ? null : { kind: 'text', cost: textMatches * COST.lookup };
    const cheaper = (plan: Plan) => (textPlan && textPlan.cost < plan.cost ? textPlan : plan);
    if (total === 0 || (counts.length === 0 && textMatches === null))
      return { kind: 'index', index: TIME_INDEX, cost: Math.min(want, total) };
    const selectivity =
      counts.reduce((product, { matches }) => product * (matches / total), 1) *
      (textMatches === null ? 1 : Math.min(textMatches / total, 1));
    const expected = selectivity === 0 ? total : Math.min(total, want / selectivity);
    const filters = counts.length + (textMatches === null ? 0 : 1);
    const scanned = filters > 1 ? Math.min(total, expected * 4) : expected;
    // The text filter is checked by row id, which every index holds: a probe, not a table row.
    const probe = text ? COST.scan : 0;
    let best: Plan = { kind: 'index', index: TIME_INDEX, cost: scanned * (COST.scan + probe) };
    // Every facet index carries the other filter columns (cache version 18): one facet's matching entries, sorted
    // by time, are checked against the other filters without a table row, so the fewest matches win.
    for (const { list, matches } of counts) {
      const cost = matches * (COST.sorted + probe);
      if (cost < best.cost) best = { kind: 'index', index: list.index, cost };
    }
    return cheaper(best);
  }

  /** The query for the keys (time, id) of a page's rows (`keyset` and the order appended by the caller's parameters). */
  function pageIds(analysis: Analysis, plan: Plan, keyset: string, order: 'asc' | 'desc'): string {
    const sort = `order by e.occurred_at ${order}, e.id ${order} limit @limit`;
    // Not indexed: the rows are reached by their row ids (the text matches), not by an index of the customer.
    const keys = 'select e.occurred_at, e.id from events e';
    if (plan.kind === 'text') return `${keys} not indexed where ${analysis.where}${keyset} ${sort}`;
    return `${keys} indexed by ${plan.index} where ${analysis.where}${keyset} ${sort}`;
  }

  /** The query counting every match. */
  function countAll(analysis: Analysis, plan: Plan): string {
    if (plan.kind === 'text') return `select count(*) as n from events e not indexed where ${analysis.where}`;
    return `select count(*) as n from events e indexed by ${plan.index} where ${analysis.where}`;
  }

  return {
    analyse,
    choose,
    pageIds,
    countAll,
    /** Counts costing more than this are not computed on the page's path. */
    inlineCountBudget: INLINE_COUNT_BUDGET,
    timeIndex: TIME_INDEX,
  };
}

export type TimelinePlanner = ReturnType<typeof createTimelinePlanner>;

import type Database from 'better-sqlite3';
import type { Severity } from '../shared/domain';
import type { TimelineFilters } from '../shared/ipc/views';
import type { Queries } from '../electron/db/queries';
import { percentile } from './support';

/** A small deterministic PRNG so every run of a benchmark sees the same queries. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export type SearchQuery = { text: string; category: string };

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

/**
 * What people type into the search box, drawn from the cache's own texts and customers:
 * single words, two- and three-word queries, every prefix of a word while it is typed
 * (lengths 1 to 12), quoted phrases, misses, and customer names. Deterministic per seed.
 */
export function searchMix(db: Database.Database, total: number, seed = 11): SearchQuery[] {
  const random = seededRandom(seed);
  const max = db.prepare('select max(rid) from events').pluck().get() as number;
  const sampled = db.prepare<[number], string>('select summary from events where rid = ?').pluck();
  const summaries: string[] = [];
  for (let index = 0; summaries.length < 600 && index < 5000; index += 1) {
    const summary = sampled.get(1 + Math.floor(random() * max));
    if (summary) summaries.push(summary);
  }
  const tokensOf = (text: string) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word.length >= 3);
  const phrases = summaries.map(tokensOf).filter((tokens) => tokens.length >= 2);
  const words = phrases.flat();
  const longWords = words.filter((word) => word.length >= 6);
  const names = db.prepare('select name from customers').pluck().all() as string[];
  const queries: SearchQuery[] = [];
  const add = (text: string, category: string) => queries.push({ text, category });
  while (queries.length < total) {
    const roll = random();
    if (roll < 0.2) add(pick(words, random), 'single word');
    else if (roll < 0.35) {
      const tokens = pick(phrases, random);
      const length = Math.min(tokens.length, 2 + Math.floor(random() * 2));
      const start = Math.floor(random() * (tokens.length - length + 1));
      add(tokens.slice(start, start + length).join(' '), '2–3 words');
    } else if (roll < 0.6) {
      // Typing a word: every prefix, as the search box asks for each keystroke; sometimes after a first word.
      const word = pick(longWords, random);
      const before = random() < 0.3 ? `${pick(words, random)} ` : '';
      for (let length = 1; length <= Math.min(word.length, 12); length += 1)
        add(`${before}${word.slice(0, length)}`, 'typing (prefix 1–12)');
    } else if (roll < 0.7) {
      const tokens = pick(phrases, random);
      const start = Math.floor(random() * (tokens.length - 1));
      add(`"${tokens.slice(start, start + 2).join(' ')}"`, 'quoted phrase');
    } else if (roll < 0.8) {
      const letters = 'bcdfghjklmnpqrstvwxz';
      const junk = Array.from({ length: 4 + Math.floor(random() * 6) }, () => pick([...letters], random)).join('');
      add(random() < 0.5 ? junk : `${pick(words, random)} ${junk}`, 'miss');
    } else {
      const name = pick(names, random);
      const parts = name.split(/\s+/);
      add(random() < 0.5 ? name : parts[0]!, 'customer name');
    }
  }
  return queries.slice(0, total);
}

/** The same words as plain FTS5 terms (no prefixes): what the index answers most cheaply for that text. */
export function plainTerms(text: string): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word.length > 0)
    .slice(0, 12);
  return words.length === 0 ? null : words.map((word) => `"${word}"`).join(' ');
}

/**
 * Wall time and, beside it, the CPU time this process spent (user + system): on a shared machine the
 * wall time of a query includes every moment the scheduler gave the cores to other processes, which
 * at a load of 20 on 2 cores is most of a p95; the CPU time is the query's own cost.
 */
export type Timed = { times: number[]; cpu: number[]; byCategory: Map<string, number[]> };

let cpuAtStart = process.cpuUsage();
/** Starts a measurement: wall clock and process CPU time. */
const begin = () => {
  cpuAtStart = process.cpuUsage();
  return performance.now();
};
const cpuSince = () => {
  const used = process.cpuUsage(cpuAtStart);
  return (used.user + used.system) / 1000;
};

const record = (timed: Timed, category: string, time: number) => {
  timed.cpu.push(cpuSince());
  timed.times.push(time);
  const list = timed.byCategory.get(category) ?? [];
  list.push(time);
  timed.byCategory.set(category, list);
};

/**
 * Runs the search mix through the product's query (`queries.search`, grouped and highlighted) and,
 * interleaved query by query, the baseline: a raw FTS5 MATCH of the same words as plain terms, LIMIT 100.
 */
export function runSearchMix(db: Database.Database, queries: Queries, mix: readonly SearchQuery[]) {
  const product: Timed = { times: [], cpu: [], byCategory: new Map() };
  const baseline: Timed = { times: [], cpu: [], byCategory: new Map() };
  const raw = db.prepare('select rowid from events_fts where events_fts match ? limit 100');
  for (const query of mix) {
    let started = begin();
    queries.search(query.text, 100);
    record(product, query.category, performance.now() - started);
    const terms = plainTerms(query.text);
    started = begin();
    if (terms) raw.all(terms);
    record(baseline, query.category, performance.now() - started);
  }
  return { product, baseline };
}

export type TimelineCase = {
  name: string;
  customerId: string;
  filters?: TimelineFilters;
  direction?: 'asc' | 'desc';
  startAt?: string;
};

/**
 * Every kind of filter the timeline's filter bar offers — kinds, severities, features, sources,
 * changes only, the range presets and a custom range, text, and combinations of them — plus the
 * other order and a jump to a date, for each of the given customers (values from their own facets).
 */
export function timelineCases(db: Database.Database, customerIds: readonly string[]): TimelineCase[] {
  const now = Date.parse(db.prepare('select max(occurred_at) from events').pluck().get() as string);
  const valuesOf = (customerId: string, column: 'kind' | 'feature' | 'source_system') =>
    db
      .prepare<[string], { value: string; n: number }>(
        `select ${column} as value, count(*) as n from events where customer_id = ? and ${column} is not null group by 1 order by 2 desc`,
      )
      .all(customerId);
  const cases: TimelineCase[] = [];
  for (const customerId of customerIds) {
    const kinds = valuesOf(customerId, 'kind').map((row) => row.value);
    const features = valuesOf(customerId, 'feature').map((row) => row.value);
    const sources = valuesOf(customerId, 'source_system').map((row) => row.value);
    const words = (db
      .prepare<[string], string>('select summary from events where customer_id = ? order by occurred_at desc limit 50')
      .pluck()
      .all(customerId)
      .join(' ')
      .toLowerCase()
      .match(/[a-z]{5,}/g) ?? ['error']) as string[];
    const range = db
      .prepare<[string], { first: string; last: string }>(
        'select min(occurred_at) as first, max(occurred_at) as last from events where customer_id = ?',
      )
      .get(customerId)!;
    const middle = (Date.parse(range.first) + Date.parse(range.last)) / 2;
    const iso = (time: number) => new Date(time).toISOString();
    const severe: Severity[] = ['warning', 'error', 'critical'];
    const list: [string, Omit<TimelineCase, 'name' | 'customerId'>][] = [
      ['no filter', {}],
      ['no filter, oldest first', { direction: 'asc' }],
      ['jump to a date', { startAt: iso(middle) }],
      ['kind: the most common', { filters: { kinds: kinds.slice(0, 1) } }],
      ['kind: the rarest', { filters: { kinds: kinds.slice(-1) } }],
      ['kinds: three', { filters: { kinds: kinds.slice(1, 4) } }],
      ['severity: warning, error, critical', { filters: { severities: severe } }],
      ['severity: critical', { filters: { severities: ['critical'] } }],
      ['severity: info', { filters: { severities: ['info'] } }],
      ['feature: one', { filters: { features: features.slice(0, 1) } }],
      ['features: two, the rarest', { filters: { features: features.slice(-2) } }],
      ['source: the most common', { filters: { sources: sources.slice(0, 1) } }],
      ['source: the rarest', { filters: { sources: sources.slice(-1) } }],
      ['changes only', { filters: { changesOnly: true } }],
      ['range: 24 h', { filters: { from: iso(now - 86_400_000) } }],
      ['range: 7 d', { filters: { from: iso(now - 7 * 86_400_000) } }],
      ['range: 30 d', { filters: { from: iso(now - 30 * 86_400_000) } }],
      ['range: custom 10 days', { filters: { from: iso(middle - 5 * 86_400_000), to: iso(middle + 5 * 86_400_000) } }],
      ['text: a common word', { filters: { text: words[0]! } }],
      ['text: two words', { filters: { text: `${words[1] ?? words[0]!} ${words[2] ?? words[0]!}` } }],
      ['text: a prefix', { filters: { text: words[3]?.slice(0, 3) ?? 'err' } }],
      ['kind + severity', { filters: { kinds: kinds.slice(0, 2), severities: severe } }],
      ['severity + feature', { filters: { severities: severe, features: features.slice(0, 1) } }],
      ['changes only + 7 d', { filters: { changesOnly: true, from: iso(now - 7 * 86_400_000) } }],
      ['text + kind', { filters: { text: words[0]!, kinds: kinds.slice(0, 1) } }],
      [
        'kinds + severities + features + source + 30 d',
        {
          filters: {
            kinds: kinds.slice(0, 3),
            severities: severe,
            features: features.slice(0, 2),
            sources: sources.slice(0, 1),
            from: iso(now - 30 * 86_400_000),
          },
        },
      ],
    ];
    for (const [name, rest] of list) cases.push({ name, customerId, ...rest });
  }
  return cases;
}

/**
 * Runs each case `repeats` times as the timeline asks for it: the first page (400 rows with the
 * filtered total) and, from its cursor, the next page of 1,000 rows; interleaved with the baseline,
 * an unfiltered keyset select of as many rows of the same customer (no total, no note counts).
 */
export function runTimelineCases(db: Database.Database, queries: Queries, cases: readonly TimelineCase[], repeats: number) {
  const first: Timed = { times: [], cpu: [], byCategory: new Map() };
  const next: Timed = { times: [], cpu: [], byCategory: new Map() };
  const baseline: Timed = { times: [], cpu: [], byCategory: new Map() };
  const nextBaseline: Timed = { times: [], cpu: [], byCategory: new Map() };
  const rawPage = db.prepare('select * from events where customer_id = ? order by occurred_at desc, id desc limit ?');
  for (let round = 0; round < repeats; round += 1) {
    for (const entry of cases) {
      const key = `${entry.customerId} · ${entry.name}`;
      let started = begin();
      const page = queries.timelinePage({
        customerId: entry.customerId,
        limit: 400,
        direction: entry.direction,
        startAt: entry.startAt,
        filters: entry.filters,
      });
      record(first, key, performance.now() - started);
      started = begin();
      rawPage.all(entry.customerId, 400);
      record(baseline, key, performance.now() - started);
      if (page.nextCursor) {
        started = begin();
        queries.timelinePage({
          customerId: entry.customerId,
          limit: 1000,
          direction: entry.direction,
          cursor: page.nextCursor,
          filters: entry.filters,
        });
        record(next, key, performance.now() - started);
        started = begin();
        rawPage.all(entry.customerId, 1000);
        record(nextBaseline, key, performance.now() - started);
      }
    }
  }
  return { first, next, baseline, nextBaseline };
}

/** The worst entry of a per-category map by its median, with that median. */
export function worstByMedian(byCategory: Map<string, number[]>): { name: string; p50: number; n: number } {
  let worst = { name: '', p50: -1, n: 0 };
  for (const [name, times] of byCategory) {
    const p50 = percentile(times, 50);
    if (p50 > worst.p50) worst = { name, p50, n: times.length };
  }
  return worst;
}

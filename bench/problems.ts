// `npm run bench:problems [-- --events N --customers N --quick]`: the known-problem reads of the desk on a big
// cache (issue 12) — the fleet's regression markers (problems:regressions), the Known problems list, one
// problem's customers, and the Insights report — each timed against a baseline measured in the same run: a raw
// grouped select over the signature index for the same signatures. Not a test: no pass/fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createInsightQueries } from '../electron/db/insight-queries';
import { createProblemQueries } from '../electron/db/problem-queries';
import { buildInsights } from '../shared/insights';
import { seedBenchCache } from './seed-cache';
import { createSummary, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    customers: { type: 'string' },
    repeats: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const EVENTS = Number(values.events ?? (quick ? 100_000 : 1_000_000));
const CUSTOMERS = Number(values.customers ?? 200);
const REPEATS = Number(values.repeats ?? (quick ? 40 : 200));
const PROBLEMS = 12;
const line = (text: string) => process.stdout.write(`${text}\n`);
const summary = createSummary('problems', { events: EVENTS, customers: CUSTOMERS, repeats: REPEATS, problems: PROBLEMS });

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

line(
  `Lightkeeper known-problem benchmark — ${EVENTS.toLocaleString()} events, ${CUSTOMERS} customers, ${os.cpus().length} cores`,
);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-problems-'));
try {
  const now = Date.now();
  const cache = seedBenchCache(path.join(work, 'desk'), { customers: CUSTOMERS, events: EVENTS, heavyEvents: EVENTS / 10, now });
  line(`cache ready in ${cache.buildSeconds.toFixed(1)} s (setup): ${cache.events.toLocaleString()} events`);
  const db = new Database(path.join(cache.dataDir, 'cache.sqlite'));
  // Known problems over the fleet's most widespread signatures; half of them fixed a week ago in a version
  // most customers run, so their later signals are regressions.
  const top = db
    .prepare<[number], { signature: string }>(
      `select signature from events where signature is not null group by signature order by count(distinct customer_id) desc limit ?`,
    )
    .all(PROBLEMS);
  const fixedAt = new Date(now - 7 * 86_400_000).toISOString();
  const insert = db.prepare(
    `insert or replace into problems (id, title, status, rules, customers, workaround_wizard, fixed_version, fixed_at, owner,
       workaround, ticket_url, fix_url, created_by, created_at, updated_at, ver)
     values (?, ?, ?, ?, '[]', null, ?, ?, null, null, null, null, 'bench', ?, ?, 1)`,
  );
  top.forEach((row, index) => {
    const isFixed = index % 2 === 0;
    insert.run(
      `bench-problem-${index}`,
      `Bench problem ${index}`,
      isFixed ? 'fixed' : 'investigating',
      JSON.stringify([{ signature: row.signature }]),
      isFixed ? '0.0.1' : null,
      isFixed ? fixedAt : null,
      new Date(now - 30 * 86_400_000).toISOString(),
      fixedAt,
    );
  });
  const problems = createProblemQueries(db);
  const insights = createInsightQueries(db);
  const signatures = JSON.stringify(top.map((row) => row.signature));
  // The baseline: the same signatures' signals grouped per customer, one indexed select, nothing else.
  const raw = db.prepare(
    `select customer_id, count(*), max(occurred_at) from events
      where signature in (select value from json_each(?)) group by customer_id`,
  );
  const cases: { measure: string; run: () => unknown }[] = [
    { measure: 'fleet regression markers (problems:regressions)', run: () => problems.regressions('bench') },
    { measure: 'Known problems list (problems:list)', run: () => problems.list('bench') },
    { measure: "one problem's customers (problems:get)", run: () => problems.get('bench-problem-0', 'bench') },
    {
      measure: 'Insights report, 30 days (insights:get)',
      run: () => {
        const since = new Date(now - 30 * 86_400_000).toISOString();
        return buildInsights({
          days: 30,
          now,
          runs: insights.runs(since),
          problems: problems.list('bench').map((view) => ({
            ...view,
            hits: (problems.get(view.id, 'bench')?.hits ?? []).map((hit) => ({
              customerId: hit.customerId,
              occurrences: hit.occurrences,
              isRegression: hit.regression !== null,
            })),
          })),
          signatures: insights.signatures(since),
          followUps: [],
        });
      },
    },
  ];
  const regressions = problems.regressions('bench').length;
  line(`${top.length} problems, ${regressions} regressed customer-problem pairs`);
  for (const item of cases) {
    item.run();
    raw.all(signatures);
    const times: number[] = [];
    const baseline: number[] = [];
    // Interleaved, so load on the shared machine hits both alike.
    for (let index = 0; index < REPEATS; index += 1) {
      times.push(timed(item.run));
      baseline.push(timed(() => raw.all(signatures)));
    }
    const p95 = percentile(times, 95);
    const base = percentile(baseline, 95);
    line(
      `${item.measure}: p50 ${ms(percentile(times, 50))}, p95 ${ms(p95)}; raw grouped select p95 ${ms(base)} (${(p95 / base).toFixed(1)}×)`,
    );
    summary.add({
      measure: `${item.measure}, p95`,
      value: p95,
      unit: 'ms',
      baseline: { value: base, what: 'raw grouped select of the same signatures, p95' },
      samples: REPEATS,
    });
  }
  db.close();
  summary.finish();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

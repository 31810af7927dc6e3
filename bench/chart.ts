// `npm run bench:chart [-- --points N --repeats N --quick]`: the signal chart (issue 12).
// 1. The series: diagnosis:signalSeries on the bench cache (every customer with a signal; the
//    heaviest has 100,000 events at full size), against a raw indexed count of the same rows.
// 2. The chart in the system Chromium, built by vite from the renderer's own chart code: the
//    columns from a 10,000-bucket series against plain arrays, and the first paint of the chart
//    (uPlot with the change markers) against a raw canvas polyline of the same points; both timed
//    to the frame that shows them, in the same run. Not a test: no pass/fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { openCache } from '../electron/db/cache';
import { createDiagnosis } from '../electron/db/diagnosis';
import { silentLogger } from '../electron/core/log';
import { seedBenchCache } from './seed-cache';
import { createSummary, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    points: { type: 'string' },
    repeats: { type: 'string' },
    events: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const POINTS = Number(values.points ?? 10_000);
const REPEATS = Number(values.repeats ?? (quick ? 10 : 40));
const EVENTS = Number(values.events ?? (quick ? 100_000 : 1_000_000));
const line = (text: string) => process.stdout.write(`${text}\n`);
const summary = createSummary('chart', { points: POINTS, repeats: REPEATS, events: EVENTS });
line(
  `Lightkeeper chart benchmark — ${POINTS.toLocaleString()} points × ${REPEATS}, cache of ${EVENTS.toLocaleString()} events, ${os.cpus().length} cores`,
);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-chart-'));
try {
  // --- 1. The series from the cache --------------------------------------------------------------
  // The same inputs as bench:queries, so a kept build of its cache is reused.
  const cache = seedBenchCache(path.join(work, 'desk'), {
    customers: 200,
    events: EVENTS,
    heavyEvents: quick ? 20_000 : 100_000,
    now: Date.now(),
  });
  const handle = openCache({ dataDir: cache.dataDir, log: silentLogger });
  const diagnosis = createDiagnosis(handle.db, { now: () => Date.now() });
  const customerIds = handle.db.prepare<[], string>('select id from customers order by id').pluck().all();
  const rawCount = handle.db
    .prepare<[string, string, string], unknown>(
      'select count(*) from events where signature = ? and occurred_at >= ? and occurred_at < ?',
    )
    .pluck();
  const seriesTimes: number[] = [];
  const rawTimes: number[] = [];
  let buckets = 0;
  for (const customerId of [cache.heavyCustomer, ...customerIds]) diagnosis.signalSeries(customerId); // warm
  for (let round = 0; round < (quick ? 1 : 3); round += 1) {
    for (const customerId of [cache.heavyCustomer, ...customerIds]) {
      let started = performance.now();
      const series = diagnosis.signalSeries(customerId);
      const elapsed = performance.now() - started;
      if (series.signal?.signature == null) continue;
      seriesTimes.push(elapsed);
      buckets = Math.max(buckets, series.buckets.length);
      started = performance.now();
      rawCount.get(series.signal.signature, series.from, series.to);
      rawTimes.push(performance.now() - started);
    }
  }
  handle.db.close();
  line(
    `signal series from the cache, ${seriesTimes.length} customers with a signed signal (up to ${buckets} buckets): p50 ${ms(percentile(seriesTimes, 50))}, p95 ${ms(percentile(seriesTimes, 95))}`,
  );
  summary.add({
    measure: 'signal series from the cache (signal, suspects as markers, counts per bucket), p95',
    value: percentile(seriesTimes, 95),
    unit: 'ms',
    samples: seriesTimes.length,
    baseline: { value: percentile(rawTimes, 95), what: 'raw indexed count of the same signature range' },
    goal: { of: 'value', op: '<', target: 20 },
  });

  // --- 2. The chart in Chromium ------------------------------------------------------------------
  const outDir = path.join(work, 'page');
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      lib: {
        entry: path.resolve('bench/chart-page.ts'),
        formats: ['iife'],
        name: 'lkChartPage',
        fileName: () => 'chart.js',
        cssFileName: 'chart',
      },
    },
  });
  const css = fs.readdirSync(outDir).filter((name) => name.endsWith('.css'));
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
    (candidate) => candidate && fs.existsSync(candidate),
  );
  const browser = await chromium.launch({
    executablePath,
    args: ['--disable-gpu', '--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent('<!doctype html><html><body><div id="host" style="width:1000px"></div></body></html>');
    for (const name of css) await page.addStyleTag({ content: fs.readFileSync(path.join(outDir, name), 'utf8') });
    await page.addScriptTag({ content: fs.readFileSync(path.join(outDir, 'chart.js'), 'utf8') });
    await page.evaluate(
      ([points]) =>
        (window as unknown as { lkChartBench: { run(p: number, r: number): Promise<unknown> } }).lkChartBench.run(points!, 3),
      [POINTS],
    );
    const result = (await page.evaluate(
      ([points, repeats]) =>
        (window as unknown as { lkChartBench: { run(p: number, r: number): Promise<unknown> } }).lkChartBench.run(
          points!,
          repeats!,
        ),
      [POINTS, REPEATS],
    )) as { series: number[]; seriesBaseline: number[]; paint: number[]; paintBaseline: number[] };
    line(
      `chart columns from ${POINTS.toLocaleString()} buckets: p50 ${ms(percentile(result.series, 50))} (plain arrays ${ms(percentile(result.seriesBaseline, 50))})`,
    );
    line(
      `chart first paint, ${POINTS.toLocaleString()} points × 2 series + 5 markers: p50 ${ms(percentile(result.paint, 50))}, p95 ${ms(percentile(result.paint, 95))} (raw canvas polyline p95 ${ms(percentile(result.paintBaseline, 95))})`,
    );
    summary.add({
      measure: `chart columns from a ${POINTS.toLocaleString()}-bucket series (toChartData), p95`,
      value: percentile(result.series, 95),
      unit: 'ms',
      samples: result.series.length,
      baseline: { value: percentile(result.seriesBaseline, 95), what: 'plain arrays of the same numbers' },
    });
    summary.add({
      measure: `chart first paint, ${POINTS.toLocaleString()} points × 2 series + change markers (uPlot), p95`,
      value: percentile(result.paint, 95),
      unit: 'ms',
      samples: result.paint.length,
      baseline: {
        value: percentile(result.paintBaseline, 95),
        what: 'raw canvas polyline of the same points, to the same frame',
      },
      goal: { of: 'value', op: '<', target: 100 },
    });
  } finally {
    await browser.close();
  }
  summary.finish({ heavyCustomer: cache.heavyCustomer, heavyEvents: cache.heavyEvents });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

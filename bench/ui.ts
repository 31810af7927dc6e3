/// <reference lib="dom" />
// `npm run bench:ui`: UI speed in browser mode with the system Chromium, on a desk cache with
// 10,000 customers and one customer with 100,000 events. Prints figures with ratios to
// baselines measured in the same run. Not a test: no pass/fail.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium, type Page } from '@playwright/test';
import { ms, percentile } from './support';
import { seedBenchCache } from './seed-cache';

const line = (text: string) => process.stdout.write(`${text}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-ui-'));
const dataDir = path.join(work, 'desk');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 30);

line(
  `Lightkeeper UI benchmark — browser mode, system Chromium, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'})`,
);
const started = performance.now();
const { bigCustomer } = seedBenchCache(dataDir, { customers: 10_000, bigEvents: 100_000, otherEvents: 3, now: Date.now() });
line(`cache seeded through the real apply path in ${((performance.now() - started) / 1000).toFixed(1)} s (setup)`);

const host = spawn(
  process.execPath,
  ['--import', 'tsx', 'electron/host/cli.ts', '--json', '--backend', 'none', '--data-dir', dataDir],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve, reject) => {
  readline.createInterface({ input: host.stdout! }).on('line', (text) => {
    if (text.startsWith('{')) resolve((JSON.parse(text) as { url: string }).url);
  });
  host.once('exit', (code) => reject(new Error(`browser host exited with ${code}`)));
});
const origin = new URL(url).origin;
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
  (candidate) => candidate && fs.existsSync(candidate),
);
const browser = await chromium.launch({
  executablePath,
  args: [
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  ],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
// tsx keeps function names with a `__name` helper that does not exist inside the page.
await page.addInitScript({ content: 'window.__name = (fn) => fn;' });

/** Installs long-task and frame recorders in the page. */
async function instrument(target: Page): Promise<void> {
  await target.evaluate(() => {
    const w = window as unknown as { __longTasks: number[]; __frames: number[]; __recording: boolean };
    w.__longTasks = [];
    w.__frames = [];
    w.__recording = false;
    new PerformanceObserver((list) => {
      if (!w.__recording) return;
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    const tick = (now: number) => {
      if (w.__recording) w.__frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Measures in the page: run `action`, then wait until `selector` matches and one frame has painted. */
async function timeUntil(target: Page, action: string, selector: string): Promise<number> {
  return target.evaluate(
    ({ action, selector }) =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        const done = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
        const check = () => {
          if (document.querySelector(selector)) {
            observer.disconnect();
            done();
            return true;
          }
          return false;
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { childList: true, subtree: true });
        window.location.hash = action;
        check();
      }),
    { action, selector },
  );
}

// --- Fleet: first paint with 10,000 customers, then scroll -----------------------------------
await page.goto(url);
await page.waitForSelector('[data-testid="fleet-row"]');
const fleetPaint = await page.evaluate(() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
  return { fcp: paint, rowsAt: performance.now() };
});
await page.waitForFunction(() => !document.body.textContent?.includes('loading more'), undefined, { timeout: 60_000 });
const fleetAllLoaded = await page.evaluate(() => performance.now());
await instrument(page);

async function scrollThrough(
  target: Page,
  selector: string,
  step: number,
  maxMs: number,
): Promise<{ longTasks: number[]; worstFrame: number; frames: number; seconds: number }> {
  return target.evaluate(
    ({ selector, step, maxMs }) =>
      new Promise((resolve) => {
        const w = window as unknown as { __longTasks: number[]; __frames: number[]; __recording: boolean };
        const element = document.querySelector<HTMLElement>(selector);
        if (!element) throw new Error(`nothing matches ${selector}`);
        w.__longTasks = [];
        w.__frames = [];
        w.__recording = true;
        const start = performance.now();
        let stuck = 0;
        const move = () => {
          const before = element.scrollTop;
          element.scrollTop = before + step;
          stuck = element.scrollTop === before ? stuck + 1 : 0;
          // Stop at the real end: no movement for a while (more pages may still be loading).
          if (stuck > 120 || performance.now() - start > maxMs) {
            w.__recording = false;
            resolve({
              longTasks: [...w.__longTasks],
              worstFrame: Math.max(0, ...w.__frames),
              frames: w.__frames.length,
              seconds: (performance.now() - start) / 1000,
            });
            return;
          }
          requestAnimationFrame(move);
        };
        requestAnimationFrame(move);
      }),
    { selector, step, maxMs },
  );
}

async function idleFrames(target: Page, durationMs: number): Promise<number> {
  return target.evaluate(
    (durationMs) =>
      new Promise<number>((resolve) => {
        const w = window as unknown as { __frames: number[]; __recording: boolean };
        w.__frames = [];
        w.__recording = true;
        setTimeout(() => {
          w.__recording = false;
          resolve(Math.max(0, ...w.__frames));
        }, durationMs);
      }),
    durationMs,
  );
}

const idleWorst = await idleFrames(page, 2000);
const fleetScroll = await scrollThrough(page, '[data-testid="fleet-rows"]', 900, 120_000);
line('');
line('1. Fleet view, 10,000 customers');
line(
  `   first contentful paint ${ms(fleetPaint.fcp)}, first rows ${ms(fleetPaint.rowsAt)}, all 10,000 loaded ${ms(fleetAllLoaded)} after navigation start`,
);
line(
  `   scroll to the end: ${fleetScroll.frames} frames in ${fleetScroll.seconds.toFixed(1)} s, long tasks > 50 ms: ${fleetScroll.longTasks.length}, worst frame ${ms(fleetScroll.worstFrame)}`,
);
line(
  `   baseline, worst frame while idle: ${ms(idleWorst)}; ratio ${(fleetScroll.worstFrame / Math.max(idleWorst, 1)).toFixed(1)}×`,
);

// --- Navigation to the first timeline rows -------------------------------------------------
const navigations: number[] = [];
const baselineNavigations: number[] = [];
for (let index = 0; index < REPEATS; index += 1) {
  await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
  navigations.push(await timeUntil(page, `#/customer/${bigCustomer}`, '[data-testid="timeline-row"]'));
  await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
  baselineNavigations.push(await timeUntil(page, '#/about', '[data-testid="about-version"]'));
}
line('');
line(`2. Open the 100,000-event customer → first timeline rows painted (${REPEATS} opens)`);
line(`   p50 ${ms(percentile(navigations, 50))}  p95 ${ms(percentile(navigations, 95))}  (goal p95 < 150 ms)`);
line(
  `   baseline, navigating to the About page the same way: p50 ${ms(percentile(baselineNavigations, 50))}; ratio p50 ${(percentile(navigations, 50) / percentile(baselineNavigations, 50)).toFixed(1)}×`,
);

// --- Scroll the whole timeline --------------------------------------------------------------
await timeUntil(page, `#/customer/${bigCustomer}`, '[data-testid="timeline-row"]');
const timelineScroll = await scrollThrough(page, '.timeline-scroll', 3000, 240_000);
// The status line says "N events · M loaded" while loading, and only "N events" once every row is loaded.
const loaded = await page.evaluate(() => {
  const status = document.querySelector('.timeline-head p')?.textContent ?? '';
  return status.match(/([\d,]+) loaded/)?.[1] ?? status.match(/^([\d,]+) events?/)?.[1] ?? '?';
});
line('');
line('3. Scroll the whole 100,000-event timeline (3,000 px per frame, pages load as it goes)');
line(`   ${timelineScroll.frames} frames in ${timelineScroll.seconds.toFixed(1)} s, rows loaded at the end: ${loaded}`);
line(
  `   long tasks > 50 ms: ${timelineScroll.longTasks.length}${timelineScroll.longTasks.length ? ` (longest ${ms(Math.max(...timelineScroll.longTasks))})` : ''}, worst frame ${ms(timelineScroll.worstFrame)}  (goal: no long task)`,
);
line(
  `   baseline, worst frame while idle: ${ms(idleWorst)}; ratio ${(timelineScroll.worstFrame / Math.max(idleWorst, 1)).toFixed(1)}×`,
);

// --- Search as you type ---------------------------------------------------------------------
await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
const searchBox = page
  .getByRole('combobox', { name: 'Search customers and events' })
  .or(page.getByRole('searchbox', { name: 'Search customers and events' }))
  .first();
const keystrokes: number[] = [];
let timedOut = 0;
const apiOnly: number[] = [];
for (const word of ['certificate', 'dashboard', 'webhook', 'schedule', 'latency']) {
  await searchBox.fill('');
  await searchBox.focus();
  for (let index = 0; index < word.length; index += 1) {
    const typed = word.slice(0, index + 1);
    const elapsed = await page.evaluate(
      ({ char, typed }) =>
        new Promise<number>((resolve) => {
          const input = document.activeElement as HTMLInputElement;
          const start = performance.now();
          // Done when the results shown are the ones for exactly this text, and a frame has painted them.
          const isShown = () =>
            document.querySelector('[data-testid="search-results"]')?.getAttribute('data-result-text') === typed;
          const observer = new MutationObserver(() => {
            if (!isShown()) return;
            observer.disconnect();
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
          });
          observer.observe(document.body, { childList: true, subtree: true, attributes: true });
          const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
          setter.call(input, input.value + char);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          setTimeout(() => {
            observer.disconnect();
            resolve(-1);
          }, 5000);
        }),
      { char: word[index]!, typed },
    );
    if (elapsed >= 0) keystrokes.push(elapsed);
    else timedOut += 1;
    const apiStart = performance.now();
    await page.request.post(`${origin}/api/call/search:query`, { data: { input: { text: typed } } });
    apiOnly.push(performance.now() - apiStart);
  }
}
line('');
line(
  `4. Search as you type, keystroke → its results painted (${keystrokes.length} keystrokes over 100,000+ events${timedOut ? `, ${timedOut} never shown within 5 s` : ''})`,
);
line(`   p50 ${ms(percentile(keystrokes, 50))}  p95 ${ms(percentile(keystrokes, 95))}  (goal p95 < 50 ms)`);
line(
  `   baseline, the search:query call alone over HTTP: p50 ${ms(percentile(apiOnly, 50))}  p95 ${ms(percentile(apiOnly, 95))}; ratio p95 ${(percentile(keystrokes, 95) / percentile(apiOnly, 95)).toFixed(1)}×`,
);

const report = {
  cores: os.cpus().length,
  fleet: { ...fleetPaint, allLoaded: fleetAllLoaded, scroll: { ...fleetScroll, longTasks: fleetScroll.longTasks.length } },
  navigation: {
    p50: percentile(navigations, 50),
    p95: percentile(navigations, 95),
    baselineP50: percentile(baselineNavigations, 50),
  },
  timelineScroll: { ...timelineScroll, longTasks: timelineScroll.longTasks.length },
  idleWorstFrame: idleWorst,
  search: { p50: percentile(keystrokes, 50), p95: percentile(keystrokes, 95), apiP95: percentile(apiOnly, 95) },
};
await browser.close();
host.kill('SIGTERM');
await new Promise((resolve) => host.once('exit', resolve));
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync('.bench', { recursive: true });
fs.writeFileSync('.bench/ui.json', JSON.stringify(report, null, 2));
line('\nwritten to .bench/ui.json');

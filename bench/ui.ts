/// <reference lib="dom" />
// `npm run bench:ui [-- --quick]`: UI speed in browser mode with the system Chromium, on a desk cache
// of 1,000,000 events over 10,000 customers, one of them with a 100,000-event history: first paint
// and scrolling of the fleet, opening customers, scrolling the whole long timeline, search as you
// type, and an ingested event painted in an online desk. Prints one summary table with baselines
// measured in the same run and writes it to .bench/ui.json. Not a test: no pass/fail.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { chromium, type Page } from '@playwright/test';
import { searchMix } from './query-mix';
import { benchDatabaseUrl, createSummary, ms, percentile } from './support';
import { seedBenchCache } from './seed-cache';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    customers: { type: 'string' },
    heavy: { type: 'string' },
    opens: { type: 'string' },
    keystrokes: { type: 'string' },
    probes: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const EVENTS = Number(values.events ?? (quick ? 100_000 : 1_000_000));
const CUSTOMERS = Number(values.customers ?? 10_000);
const HEAVY = Number(values.heavy ?? (quick ? 20_000 : 100_000));
const OPENS = Number(values.opens ?? (quick ? 40 : 200));
const KEYSTROKES = Number(values.keystrokes ?? (quick ? 60 : 240));
const PROBES = Number(values.probes ?? (quick ? 20 : 200));
const summary = createSummary('ui', {
  events: EVENTS,
  customers: CUSTOMERS,
  heavy: HEAVY,
  opens: OPENS,
  keystrokes: KEYSTROKES,
  probes: PROBES,
});

const line = (text: string) => process.stdout.write(`${text}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-ui-'));
const dataDir = path.join(work, 'desk');
const children: ChildProcess[] = [];

line(
  `Lightkeeper UI benchmark — browser mode, system Chromium, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'})`,
);
const cache = seedBenchCache(dataDir, { customers: CUSTOMERS, events: EVENTS, heavyEvents: HEAVY, now: Date.now() });
const bigCustomer = cache.heavyCustomer;
line(
  `cache ${cache.isBuilt ? 'built through the real apply path' : 'copied from an earlier build'} in ${cache.buildSeconds.toFixed(1)} s (setup): ${cache.events.toLocaleString()} events, ${cache.customers.toLocaleString()} customers, ${bigCustomer} with ${cache.heavyEvents.toLocaleString()}`,
);
// Customers to open, spread over the fleet, and words to type, from the cache itself.
const cacheDb = new Database(path.join(dataDir, 'cache.sqlite'), { readonly: true });
const allCustomers = cacheDb.prepare('select id from customers order by id').pluck().all() as string[];
const typed = searchMix(cacheDb, 4000, 23).filter(
  (query) => query.category === 'typing (prefix 1–12)' || query.category === '2–3 words' || query.category === 'customer name',
);
cacheDb.close();

/** Starts a child that prints one JSON line with its URL on stdout. */
async function startChild(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      // Progress lines ({"starting": …}) come first; the ready line is the one with the url.
      const ready = JSON.parse(text) as { url?: string };
      if (ready.url) resolve(ready.url);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, url };
}

const { child: host, url } = await startChild([
  ...['--import', 'tsx', 'electron/host/cli.ts', '--json', '--backend', 'none', '--data-dir', dataDir],
]);
const origin = new URL(url).origin;
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
  (candidate) => candidate && fs.existsSync(candidate),
);
const browserArgs = [
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];
const browser = await chromium.launch({ executablePath, args: browserArgs });
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

/** Worst frame and long tasks while nothing happens, for as long as a measured phase took: its baseline. */
async function idle(target: Page, durationMs: number): Promise<{ worstFrame: number; longTasks: number[] }> {
  return target.evaluate(
    (durationMs) =>
      new Promise<{ worstFrame: number; longTasks: number[] }>((resolve) => {
        const w = window as unknown as { __longTasks: number[]; __frames: number[]; __recording: boolean };
        w.__frames = [];
        w.__longTasks = [];
        w.__recording = true;
        setTimeout(() => {
          w.__recording = false;
          resolve({ worstFrame: Math.max(0, ...w.__frames), longTasks: [...w.__longTasks] });
        }, durationMs);
      }),
    durationMs,
  );
}

const fleetScroll = await scrollThrough(page, '[data-testid="fleet-rows"]', 900, 120_000);
const fleetIdle = await idle(page, Math.min(fleetScroll.seconds * 1000, 30_000));
line('');
line(`1. Fleet view, ${cache.customers.toLocaleString()} customers`);
line(
  `   first contentful paint ${ms(fleetPaint.fcp)}, first rows ${ms(fleetPaint.rowsAt)}, all loaded ${ms(fleetAllLoaded)} after navigation start`,
);
line(
  `   scroll to the end: ${fleetScroll.frames} frames in ${fleetScroll.seconds.toFixed(1)} s, long tasks > 50 ms: ${fleetScroll.longTasks.length}${fleetScroll.longTasks.length ? ` (longest ${ms(Math.max(...fleetScroll.longTasks))})` : ''}, worst frame ${ms(fleetScroll.worstFrame)}`,
);
line(`   baseline, idle as long: long tasks ${fleetIdle.longTasks.length}, worst frame ${ms(fleetIdle.worstFrame)}`);
summary.add({
  measure: `fleet (${cache.customers.toLocaleString()} customers): first rows painted after navigation start`,
  value: fleetPaint.rowsAt,
  unit: 'ms',
  baseline: { value: fleetPaint.fcp, what: 'first contentful paint' },
});
summary.add({
  measure: 'fleet: long tasks > 50 ms while scrolling it end to end',
  value: fleetScroll.longTasks.length,
  unit: '',
  baseline: { value: fleetIdle.longTasks.length, what: 'idle page, as long' },
  goal: { of: 'value', op: '≤', target: 0 },
});
summary.add({
  measure: 'fleet: worst frame while scrolling',
  value: fleetScroll.worstFrame,
  unit: 'ms',
  baseline: { value: fleetIdle.worstFrame, what: 'idle page, as long' },
});

// --- Opening customers: fleet → the customer's first timeline rows painted ----------------------
const step = Math.max(1, Math.floor(allCustomers.length / OPENS));
const others = Array.from({ length: OPENS }, (_unused, index) => allCustomers[(index * step) % allCustomers.length]!).filter(
  (id) => id !== bigCustomer,
);
const opens: number[] = [];
const aboutOpens: number[] = [];
for (const [index, customerId] of others.entries()) {
  await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
  opens.push(await timeUntil(page, `#/customer/${customerId}`, '[data-testid="timeline-row"]'));
  if (index % 4 === 0) {
    await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
    aboutOpens.push(await timeUntil(page, '#/about', '[data-testid="about-version"]'));
  }
}
const bigOpens: number[] = [];
for (let index = 0; index < 20; index += 1) {
  await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
  bigOpens.push(await timeUntil(page, `#/customer/${bigCustomer}`, '[data-testid="timeline-row"]'));
}
line('');
line(`2. Fleet → a customer's first timeline rows painted: ${opens.length} different customers, then ${bigCustomer} 20 times`);
line(
  `   p50 ${ms(percentile(opens, 50))}  p95 ${ms(percentile(opens, 95))}; the heavy customer p50 ${ms(percentile(bigOpens, 50))}, first ${ms(bigOpens[0]!)}`,
);
line(`   baseline, fleet → About the same way: p50 ${ms(percentile(aboutOpens, 50))}  p95 ${ms(percentile(aboutOpens, 95))}`);
summary.add({
  measure: 'open a customer from the fleet → first timeline rows painted, p95 (each customer once)',
  value: percentile(opens, 95),
  unit: 'ms',
  samples: opens.length,
  baseline: { value: percentile(aboutOpens, 95), what: 'fleet → About page the same way' },
  goal: { of: 'value', op: '<', target: 150 },
});
summary.add({
  measure: `open the ${cache.heavyEvents.toLocaleString()}-event customer → first rows painted, p50 (opened again)`,
  value: percentile(bigOpens, 50),
  unit: 'ms',
  samples: bigOpens.length,
  baseline: { value: percentile(aboutOpens, 50), what: 'fleet → About page the same way' },
});

// --- Scroll the whole timeline --------------------------------------------------------------
await timeUntil(page, `#/customer/${bigCustomer}`, '[data-testid="timeline-row"]');
const timelineScroll = await scrollThrough(page, '.timeline-scroll', 3000, 240_000);
// The status line says "N events · M loaded" while loading, and only "N events" once every row is loaded.
const loaded = await page.evaluate(() => {
  const status = document.querySelector('.timeline-head p')?.textContent ?? '';
  return status.match(/([\d,]+) loaded/)?.[1] ?? status.match(/^([\d,]+) events?/)?.[1] ?? '?';
});
const timelineIdle = await idle(page, Math.min(timelineScroll.seconds * 1000, 30_000));
line('');
line(`3. Scroll the whole ${cache.heavyEvents.toLocaleString()}-event timeline (3,000 px per frame, pages load as it goes)`);
line(`   ${timelineScroll.frames} frames in ${timelineScroll.seconds.toFixed(1)} s, rows loaded at the end: ${loaded}`);
line(
  `   long tasks > 50 ms: ${timelineScroll.longTasks.length}${timelineScroll.longTasks.length ? ` (longest ${ms(Math.max(...timelineScroll.longTasks))})` : ''}, worst frame ${ms(timelineScroll.worstFrame)}  (goal: no long task)`,
);
line(`   baseline, idle as long: long tasks ${timelineIdle.longTasks.length}, worst frame ${ms(timelineIdle.worstFrame)}`);
summary.add({
  measure: `timeline (${cache.heavyEvents.toLocaleString()} events): long tasks > 50 ms while scrolling it end to end`,
  value: timelineScroll.longTasks.length,
  unit: '',
  baseline: { value: timelineIdle.longTasks.length, what: 'idle page, as long' },
  goal: { of: 'value', op: '≤', target: 0 },
});
summary.add({
  measure: 'timeline: worst frame while scrolling',
  value: timelineScroll.worstFrame,
  unit: 'ms',
  baseline: { value: timelineIdle.worstFrame, what: 'idle page, as long' },
});

// --- Search as you type ---------------------------------------------------------------------
await timeUntil(page, '#/fleet', '[data-testid="fleet-row"]');
const searchBox = page
  .getByRole('combobox', { name: 'Search customers and events' })
  .or(page.getByRole('searchbox', { name: 'Search customers and events' }))
  .first();
const keystrokes: number[] = [];
let timedOut = 0;
const apiOnly: number[] = [];
// Whole texts typed letter by letter: the mix's typing sequences end in their full word.
const texts = [...new Set(typed.map((query) => query.text))].filter(
  (text, index, all) => !all.some((other, otherIndex) => otherIndex !== index && other.startsWith(text) && other !== text),
);
for (const text of texts) {
  if (keystrokes.length + timedOut >= KEYSTROKES) break;
  await searchBox.fill('');
  await searchBox.focus();
  for (let index = 0; index < Math.min(text.length, 16); index += 1) {
    // The box searches for the trimmed text: a space typed after a word changes nothing on screen.
    const typedSoFar = text.slice(0, index + 1).trim();
    if (typedSoFar === text.slice(0, index).trim()) {
      await searchBox.press(text[index]!);
      continue;
    }
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
      { char: text[index]!, typed: typedSoFar },
    );
    if (elapsed >= 0) keystrokes.push(elapsed);
    else timedOut += 1;
    const apiStart = performance.now();
    await page.request.post(`${origin}/api/call/search:query`, { data: { input: { text: typedSoFar } }, headers: { origin } });
    apiOnly.push(performance.now() - apiStart);
  }
}
line('');
line(
  `4. Search as you type, keystroke → its results painted (${keystrokes.length} keystrokes over ${cache.events.toLocaleString()} events${timedOut ? `, ${timedOut} never shown within 5 s` : ''})`,
);
line(`   p50 ${ms(percentile(keystrokes, 50))}  p95 ${ms(percentile(keystrokes, 95))}  (goal p95 < 30 ms)`);
line(
  `   baseline, the search:query call alone over HTTP: p50 ${ms(percentile(apiOnly, 50))}  p95 ${ms(percentile(apiOnly, 95))}`,
);
summary.add({
  measure: 'search as you type: keystroke → its results painted, p95',
  value: percentile(keystrokes, 95),
  unit: 'ms',
  samples: keystrokes.length,
  baseline: { value: percentile(apiOnly, 95), what: 'the search:query call alone over HTTP' },
  goal: { of: 'value', op: '<', target: 30 },
});
summary.add({
  measure: 'search as you type: keystrokes whose results never showed within 5 s',
  value: timedOut,
  unit: '',
  goal: { of: 'value', op: '≤', target: 0 },
});
await browser.close();
host.kill('SIGTERM');
await new Promise((resolve) => host.once('exit', resolve));

// --- Ingest → painted in an online desk -----------------------------------------------------
// A server over PostgreSQL with a small demo fleet, a desk bootstrapped from it, a browser on one
// customer's timeline: an event posted to the server's ingest API, timed until its row is painted.
const database = await benchDatabaseUrl();
const adminToken = crypto.randomBytes(24).toString('base64url');
const server = await startChild(
  [
    ...['--import', 'tsx', 'server/cli.ts', '--demo', '--json', '--port', '0', '--seed', '7', '--live-interval', '0'],
    ...(database.url ? [] : ['--data-dir', path.join(work, 'server')]),
  ],
  { ...process.env, DATABASE_URL: database.url ?? '', LIGHTKEEPER_ADMIN_TOKEN: adminToken },
);
const liveDir = path.join(work, 'live-desk');
fs.mkdirSync(liveDir, { recursive: true });
fs.writeFileSync(
  path.join(liveDir, 'settings.json'),
  JSON.stringify({ backend: { mode: 'remote', url: server.url, token: adminToken } }),
  { mode: 0o600 },
);
const liveHost = await startChild([
  '--import',
  'tsx',
  'electron/host/cli.ts',
  '--json',
  '--backend',
  'none',
  '--data-dir',
  liveDir,
]);
const liveBrowser = await chromium.launch({ executablePath, args: browserArgs });
const livePage = await liveBrowser.newPage({ viewport: { width: 1440, height: 900 } });
await livePage.addInitScript({ content: 'window.__name = (fn) => fn;' });
await livePage.goto(liveHost.url);
await livePage.waitForSelector('[data-testid="fleet-row"]', { timeout: 120_000 });
// Wait for the bootstrap to finish: the sync indicator stops saying so.
await livePage.waitForFunction(
  () => document.querySelector('.sync-online') !== null && !document.body.textContent?.includes('first copy loading'),
  undefined,
  { timeout: 300_000 },
);
const liveCustomer = await livePage.evaluate(
  () => document.querySelector<HTMLElement>('[data-testid="fleet-row"]')?.dataset.customerId ?? '',
);
await timeUntil(livePage, `#/customer/${liveCustomer}`, '[data-testid="timeline-row"]');
const painted: number[] = [];
const ingestTrips: number[] = [];
let neverShown = 0;
for (let index = 0; index < PROBES; index += 1) {
  const summaryText = `bench probe ${crypto.randomBytes(4).toString('hex')} ${index}`;
  // Each probe starts with the newest events in view, as a reader watching a live timeline has them.
  await livePage.evaluate(() => {
    const list = document.querySelector('.timeline-scroll');
    if (list) list.scrollTop = 0;
  });
  // The page reports the wall-clock moment (epoch ms, sub-millisecond) the reader could see it: the row
  // painted inside the list's view, or the list's "new events" button painted over it.
  const shown = livePage.evaluate(
    (text) =>
      new Promise<number>((resolve) => {
        const isThere = () => {
          const list = document.querySelector('.timeline-scroll');
          if (!list) return false;
          const view = list.getBoundingClientRect();
          const row = Array.from(list.querySelectorAll('[data-testid="timeline-row"]')).find((candidate) =>
            candidate.getAttribute('aria-label')?.includes(text),
          );
          const box = row?.getBoundingClientRect();
          if (box && box.bottom > view.top && box.top < view.bottom) return true;
          return Array.from(document.querySelectorAll('button')).some((button) =>
            /\d+ new events?/.test(button.textContent ?? ''),
          );
        };
        const observer = new MutationObserver(() => {
          if (!isThere()) return;
          observer.disconnect();
          requestAnimationFrame(() => setTimeout(() => resolve(performance.timeOrigin + performance.now()), 0));
        });
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        setTimeout(() => {
          observer.disconnect();
          resolve(-1);
        }, 10_000);
      }),
    summaryText,
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  const sentAt = performance.timeOrigin + performance.now();
  const response = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        {
          customerId: liveCustomer,
          occurredAt: new Date().toISOString(),
          kind: 'alert',
          severity: 'warning',
          source: { system: 'bench', externalId: `paint-${summaryText}` },
          summary: summaryText,
        },
      ],
    }),
  });
  await response.text();
  ingestTrips.push(performance.timeOrigin + performance.now() - sentAt);
  const at = await shown;
  if (at < 0) neverShown += 1;
  else painted.push(at - sentAt);
  // A "new events" button is cleared by going to the newest events, as the reader would.
  await livePage.evaluate(() => {
    const button = Array.from(document.querySelectorAll('button')).find((candidate) =>
      /\d+ new events?/.test(candidate.textContent ?? ''),
    );
    button?.click();
  });
  await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
}
line('');
line(`5. Ingest → the row painted in an online desk's open timeline (${PROBES} events, one at a time)`);
line(
  `   p50 ${ms(percentile(painted, 50))}  p95 ${ms(percentile(painted, 95))}${neverShown ? `, ${neverShown} not shown within 10 s` : ''}; baseline, the ingest round trip: p50 ${ms(percentile(ingestTrips, 50))}`,
);
summary.add({
  measure: 'ingest → the event’s row painted in an online desk, p95',
  value: percentile(painted, 95),
  unit: 'ms',
  samples: painted.length,
  baseline: { value: percentile(ingestTrips, 95), what: 'the ingest HTTP round trip alone' },
  goal: { of: 'value', op: '<', target: 1000 },
});
summary.add({
  measure: 'ingest → painted: events never shown within 10 s',
  value: neverShown,
  unit: '',
  goal: { of: 'value', op: '≤', target: 0 },
});
await liveBrowser.close();
for (const child of children) {
  if (child.exitCode !== null) continue;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
await database.dispose();
fs.rmSync(work, { recursive: true, force: true });
summary.finish();

// First start (#15, item 2): a desk core on a fresh data directory starting the demo backend, as browser mode
// does, to the first customer row in its cache and to the whole first copy. Measured twice in the same run:
// the baseline with the demo backend running initdb itself (LIGHTKEEPER_PGLITE_TEMPLATE=none, as before the
// build prepared a cluster), then as shipped, unpacking the build's prepared cluster. Prints each start step
// and the summary table. `npm run bench:first-start`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnedBackend } from '../electron/backend/demo-launcher';
import { createDesk } from '../electron/core/desk';
import { silentLogger } from '../electron/core/log';
import { defaultPgliteTemplate, writePgliteTemplate } from '../server/storage/pglite-template';
import type { SyncStatus } from '../shared/ipc/contract';
import { createSummary } from './support';

const serverArgs = ['--import', 'tsx', path.resolve('server/cli.ts')];
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lk-first-start-'));

async function deskFirstStart(env: Record<string, string>): Promise<Record<string, number>> {
  const marks: Record<string, number> = {};
  const started = performance.now();
  const mark = (name: string) => (marks[name] ??= performance.now() - started);
  const desk = createDesk({
    dataDir: fresh(),
    mode: 'browser',
    appVersion: 'bench',
    platform: process.platform,
    log: silentLogger,
    demoBackend: spawnedBackend(process.execPath, serverArgs, env),
    demoStartTimeoutMs: 900_000,
  });
  let firstRow: Promise<void> | null = null;
  const whole = new Promise<void>((resolve) => {
    desk.events.on((name, payload) => {
      if (name !== 'sync:changed') return;
      const status = payload as SyncStatus;
      if (status.message) mark(status.message);
      if (status.backendUrl) mark('backend ready');
      if (status.firstSync) mark('first sync progress shown');
      if (status.state === 'error') {
        // A start that failed ends this run with its reason instead of waiting on nothing.
        mark(`failed: ${status.message ?? 'no message'}`);
        resolve();
      }
      if (status.state === 'online') {
        mark('first copy whole');
        resolve();
      }
    });
    desk.events.on((name) => {
      if (name !== 'cache:changed' || marks['first customer row']) return;
      firstRow ??= (async () => {
        const answer = await desk.dispatch('customers:list', {});
        firstRow = null;
        if (answer.ok && (answer.value as { rows?: unknown[] }).rows?.length) mark('first customer row');
      })();
    });
  });
  await desk.start();
  await whole;
  const answer = await desk.dispatch('customers:list', {});
  if (answer.ok && (answer.value as { rows?: unknown[] }).rows?.length) mark('first customer row');
  await desk.stop();
  desk.close();
  return marks;
}

const summary = createSummary('first-start', {});
const template = defaultPgliteTemplate(path.resolve('.'));
if (template === null) throw new Error('PGlite is not installed where the bench can find it.');
let preparedMs: number | null = null;
if (!fs.existsSync(template)) {
  // What `npm run build` does once per PGlite version.
  const started = performance.now();
  await writePgliteTemplate(template);
  preparedMs = performance.now() - started;
}
const baseline = await deskFirstStart({ LIGHTKEEPER_PGLITE_TEMPLATE: 'none' });
const marks = await deskFirstStart({});
const show = (title: string, at: Record<string, number>) => {
  console.log(title);
  for (const [name, ms] of Object.entries(at).sort((left, right) => left[1] - right[1]))
    console.log(`  ${ms.toFixed(0).padStart(6)}  ${name}`);
};
show('baseline: the demo backend runs initdb (ms from desk.start)', baseline);
show('as shipped: the demo backend unpacks the prepared cluster (ms from desk.start)', marks);
if (preparedMs !== null) console.log(`the build's template prepared first, in ${preparedMs.toFixed(0)} ms (not part of a start)`);
const what = 'same start, the backend running initdb';
for (const [measure, mark] of [
  ['desk start to the demo backend ready', 'backend ready'],
  ['desk start to the first customer row in the cache', 'first customer row'],
  ['desk start to the first copy whole (Online)', 'first copy whole'],
] as const) {
  summary.add({
    measure,
    value: marks[mark] ?? Number.NaN,
    unit: 'ms',
    baseline: { value: baseline[mark] ?? Number.NaN, what },
    goal: mark === 'first customer row' ? { of: 'ratio', op: '≤', target: 0.75 } : null,
  });
}
summary.finish({ baseline, marks, templatePreparedMs: preparedMs });

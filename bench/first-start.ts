// First start (#15, item 2): a desk core on a fresh data directory starting the demo backend, as browser mode
// does. Prints when each start step was reported, when the backend was ready, when the first customer row
// was in the cache and when the first copy was whole; the baseline, in the same run, is the server process
// alone on a fresh data directory, to its ready line. `npm run bench:first-start`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawnedBackend } from '../electron/backend/demo-launcher';
import { createDesk } from '../electron/core/desk';
import { silentLogger } from '../electron/core/log';
import type { SyncStatus } from '../shared/ipc/contract';

const serverArgs = ['--import', 'tsx', path.resolve('server/cli.ts')];
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lk-first-start-'));

async function serverAlone(): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...serverArgs, '--demo', '--json', '--port', '0', '--host', '127.0.0.1', '--data-dir', fresh()],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, DATABASE_URL: '' },
    },
  );
  for await (const line of readline.createInterface({ input: child.stdout })) {
    if (line.startsWith('{"url"')) break;
  }
  const readyMs = performance.now() - started;
  child.kill('SIGTERM');
  return readyMs;
}

async function deskFirstStart(): Promise<Record<string, number>> {
  const marks: Record<string, number> = {};
  const started = performance.now();
  const mark = (name: string) => (marks[name] ??= performance.now() - started);
  const desk = createDesk({
    dataDir: fresh(),
    mode: 'browser',
    appVersion: 'bench',
    platform: process.platform,
    log: silentLogger,
    demoBackend: spawnedBackend(process.execPath, serverArgs),
  });
  let firstRow: Promise<void> | null = null;
  const whole = new Promise<void>((resolve) => {
    desk.events.on((name, payload) => {
      if (name !== 'sync:changed') return;
      const status = payload as SyncStatus;
      if (status.message) mark(status.message);
      if (status.backendUrl) mark('backend ready');
      if (status.firstSync) mark('first sync progress shown');
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

const baseline = await serverAlone();
const marks = await deskFirstStart();
console.log('first start, fresh data directory (ms from desk.start)');
for (const [name, at] of Object.entries(marks).sort((a, b) => a[1] - b[1]))
  console.log(`  ${at.toFixed(0).padStart(6)}  ${name}`);
console.log(`baseline: the server alone ready in ${baseline.toFixed(0)} ms (same run)`);
const firstRowMs = marks['first customer row'] ?? Number.NaN;
console.log(`first customer row / server alone ready = ${(firstRowMs / baseline).toFixed(2)}`);

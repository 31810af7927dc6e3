// `npm run bench:all [-- --quick]`: every benchmark, one after the other, each printing its summary
// table and writing .bench/<name>.json; at the end, all the tables again, together. With --quick each
// runs at a small size (the whole set in a few minutes, useful before a commit); without, at full size.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const quick = process.argv.includes('--quick');
const benches = [
  { name: 'queries', args: ['bench/queries.ts'] },
  { name: 'problems', args: ['bench/problems.ts'] },
  { name: 'sync', args: ['bench/sync.ts'] },
  { name: 'sync-server', args: ['bench/sync-server.ts'] },
  { name: 'ingest', args: ['bench/ingest.ts'] },
  { name: 'ui', args: ['bench/ui.ts'], build: true },
  { name: 'chart', args: ['bench/chart.ts'] },
  { name: 'scale', args: ['bench/scale.ts'] },
].filter((bench) => fs.existsSync(bench.args[0]));

const started = Date.now();
const results = [];
const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
for (const bench of benches) {
  const began = Date.now();
  process.stdout.write(`\n=== bench:${bench.name}${quick ? ' --quick' : ''} (load average ${os.loadavg()[0].toFixed(2)})\n`);
  const run = spawnSync('npx', ['tsx', ...bench.args, ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  results.push({ name: bench.name, status: run.status, seconds: (Date.now() - began) / 1000 });
}
process.stdout.write(`\n=== bench:all${quick ? ' --quick' : ''}: ${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
for (const result of results) {
  const file = `.bench/${result.name}.json`;
  const failed = result.status !== 0 ? ` — FAILED (exit ${result.status})` : '';
  process.stdout.write(`\n${result.name}: ${result.seconds.toFixed(0)} s${failed}\n`);
  if (result.status !== 0 || !fs.existsSync(file)) continue;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const row of report.summary) {
    const met = row.met === null ? '' : row.met ? ' ✓' : ' ✗';
    const ratio = row.ratio === null ? '' : ` (ratio ${row.ratio.toFixed(2)})`;
    process.stdout.write(
      `  ${row.measure}: ${Number(row.value.toFixed(2))} ${row.unit}${ratio}${row.goal ? ` goal ${row.goal}${met}` : ''}\n`,
    );
  }
}
process.exit(results.some((result) => result.status !== 0) ? 1 : 0);

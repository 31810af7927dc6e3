#!/usr/bin/env node
// `npm test`: everything CI runs, in order, continuing past failures so one run
// shows every problem. Ends with one plain line "N passed, N failed" summing all
// runners (each tool check — typecheck, lint, build — counts as one).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

fs.mkdirSync('test-results', { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

function run(label, command, args, env = {}) {
  process.stdout.write(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function check(label, command, args) {
  if (run(label, command, args)) totals.passed += 1;
  else {
    totals.failed += 1;
    failedSteps.push(label);
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function counted(label, command, args, reportFile, count, env) {
  fs.rmSync(reportFile, { force: true });
  const ok = run(label, command, args, env);
  const report = readJson(reportFile);
  const numbers = report ? count(report) : null;
  if (!numbers) {
    totals.failed += 1;
    failedSteps.push(`${label} (no report)`);
    return;
  }
  totals.passed += numbers.passed;
  totals.failed += numbers.failed;
  totals.skipped += numbers.skipped;
  if (!ok || numbers.failed > 0) failedSteps.push(label);
  if (!ok && numbers.failed === 0) {
    totals.failed += 1;
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

check('typecheck (node)', npx, ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck (web)', npx, ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
check('format (prettier)', npx, ['prettier', '--check', '.']);
check('lint', npx, ['eslint', '.', '--max-warnings', '0']);
counted(
  'unit and integration (vitest)',
  npx,
  ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json'],
  'test-results/vitest.json',
  (report) => ({
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  }),
);
if (fs.existsSync('scripts/wizards.ts') && fs.existsSync('resources/wizards')) {
  check('wizard library lint', npx, ['tsx', 'scripts/wizards.ts', 'lint', 'resources/wizards']);
  check('wizard library scenarios', npx, ['tsx', 'scripts/wizards.ts', 'test', 'resources/wizards']);
}
check('build (electron-vite)', npx, ['electron-vite', 'build']);
counted('end-to-end (playwright, browser mode)', npx, ['playwright', 'test'], 'test-results/e2e-report.json', (report) => ({
  passed: report.stats.expected + report.stats.flaky,
  failed: report.stats.unexpected,
  skipped: report.stats.skipped,
}));

process.stdout.write('\n');
if (failedSteps.length > 0) process.stdout.write(`Failed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exit(totals.failed > 0 || failedSteps.length > 0 ? 1 : 0);

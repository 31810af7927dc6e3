import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStorage } from '../server/storage/open';
import type { Storage } from '../server/storage/types';

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Formats milliseconds with sensible precision. */
export function ms(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}

const CLOCK_TICK_MS = 1000 / 100;

/** utime + stime of a process in milliseconds (fields 14 and 15 of /proc/<pid>/stat); null once it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return null;
  }
}

/** CPU time in milliseconds of every PostgreSQL backend connected to the database `client` is connected to (but its own). */
export async function backendCpuMs(client: pg.Client): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = processCpuMs(pid);
    if (ms !== null) used.set(pid, ms);
  }
  return used;
}

const ADMIN_URL = process.env.LIGHTKEEPER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway PostgreSQL database URL when the machine has one (null otherwise), and its cleanup. */
export async function benchDatabaseUrl(): Promise<{ url: string | null; dispose(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return { url: null, dispose: async () => {} };
  }
  const name = `lk_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** A throwaway PostgreSQL database when the machine has one, else in-memory PGlite. */
export async function benchStorage(): Promise<{ storage: Storage; kind: string; dispose(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    const storage = await openStorage({});
    return { storage, kind: 'PGlite (no PostgreSQL reachable)', dispose: () => storage.close() };
  }
  const name = `lk_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const storage = await openStorage({ databaseUrl: url.toString() });
  return {
    storage,
    kind: 'PostgreSQL',
    async dispose() {
      await storage.close();
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** A goal a figure is judged by: the value (or the ratio to its baseline) compared with a target. */
export type Goal = { of: 'value' | 'ratio'; op: '<' | '≤' | '≥' | '>'; target: number };

/** One line of a benchmark's summary table. */
export type SummaryRow = {
  /** What exactly is measured, in words (no abbreviations a reader must look up). */
  measure: string;
  value: number;
  unit: string;
  /** The baseline's value in the same unit, measured in the same run, and what it is. */
  baseline?: { value: number; what: string } | null;
  goal?: Goal | null;
  /** Samples behind a percentile (a p95 needs at least 200 to mean something). */
  samples?: number;
};

const compare = (value: number, goal: Goal) =>
  goal.op === '<'
    ? value < goal.target
    : goal.op === '≤'
      ? value <= goal.target
      : goal.op === '≥'
        ? value >= goal.target
        : value > goal.target;

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'ms') return ms(value);
  if (unit === '×') return `${value.toFixed(2)}×`;
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
}

/**
 * The machine's load while a benchmark runs: `os.loadavg()` read every few seconds, so the
 * summary says how busy the (shared) machine was behind its figures.
 */
export function startLoadSampler(everyMs = 5000) {
  const samples: number[] = [os.loadavg()[0]!];
  const timer = setInterval(() => samples.push(os.loadavg()[0]!), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(os.loadavg()[0]!);
      const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
      return { min: Math.min(...samples), mean, max: Math.max(...samples), cores: os.cpus().length, samples: samples.length };
    },
  };
}

/**
 * A benchmark's one summary table (measure | value | baseline | ratio | goal | met), printed at the end and
 * written as JSON to `.bench/<name>.json` with the machine, the load during the run and the options, so
 * runs can be compared.
 */
export function createSummary(name: string, options: Record<string, unknown>) {
  const rows: SummaryRow[] = [];
  const load = startLoadSampler();
  const startedAt = new Date().toISOString();
  return {
    add(row: SummaryRow): void {
      rows.push(row);
    },
    /** Prints the table and writes the JSON; returns the file written. */
    finish(extra: Record<string, unknown> = {}): string {
      const loadAverage = load.stop();
      const table = rows.map((row) => {
        const ratio = row.baseline && row.baseline.value !== 0 ? row.value / row.baseline.value : null;
        const judged = row.goal ? (row.goal.of === 'ratio' ? ratio : row.value) : null;
        const met = row.goal && judged !== null ? compare(judged, row.goal) : null;
        return {
          measure: row.measure,
          value: row.value,
          unit: row.unit,
          samples: row.samples ?? null,
          baseline: row.baseline?.value ?? null,
          baselineIs: row.baseline?.what ?? null,
          ratio,
          goal: row.goal
            ? `${row.goal.of === 'ratio' ? 'ratio ' : ''}${row.goal.op} ${row.goal.of === 'ratio' ? row.goal.target : formatValue(row.goal.target, row.unit)}`
            : null,
          met,
        };
      });
      const cells = table.map((row) => [
        row.measure + (row.samples ? ` (n=${row.samples})` : ''),
        formatValue(row.value, row.unit),
        row.baseline === null ? '' : `${formatValue(row.baseline, row.unit)} (${row.baselineIs})`,
        row.ratio === null ? '' : `${row.ratio.toFixed(2)}`,
        row.goal ?? '',
        row.met === null ? '' : row.met ? 'yes' : 'NO',
      ]);
      const header = ['measure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met'];
      const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
      const render = (cell: string[]) => `| ${cell.map((text, column) => text.padEnd(widths[column]!)).join(' | ')} |`;
      const out = [
        '',
        `Summary — ${name}; load average during the run ${loadAverage.min.toFixed(2)}–${loadAverage.max.toFixed(2)} (mean ${loadAverage.mean.toFixed(2)}) on ${loadAverage.cores} cores`,
        render(header),
        `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
        ...cells.map(render),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
      const file = path.join('.bench', `${name}.json`);
      fs.mkdirSync('.bench', { recursive: true });
      fs.writeFileSync(
        file,
        JSON.stringify(
          {
            name,
            startedAt,
            finishedAt: new Date().toISOString(),
            machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, node: process.version },
            loadAverage,
            options,
            summary: table,
            ...extra,
          },
          null,
          2,
        ),
      );
      process.stdout.write(`written to ${file}\n`);
      return file;
    },
  };
}

/** Whether `--quick` was passed: every benchmark then runs at a small size (bench:all -- --quick). */
export const isQuick = process.argv.includes('--quick');

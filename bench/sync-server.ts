// `npx tsx bench/sync-server.ts [--events N --customers N --limit N --ingest N --profile DIR]`:
// the server side of sync alone, over HTTP, with no desk work in the timings — demo seeding
// rate, bulk HTTP ingest rate, bootstrap and catch-up pull throughput (request sent → body fully
// received) — with PostgreSQL's own time to produce the same event rows, measured in the same
// run, as the baseline. Also CPU per 1,000 ops of the server process and of its PostgreSQL
// backends: on a shared machine wall times swing with whatever else runs, CPU time much less.
// `--profile DIR` runs the server under `node --cpu-prof` and leaves the .cpuprofile in DIR.
// Not a test: no pass/fail. Needs PostgreSQL at 127.0.0.1:5432 (like the server tests).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PROTOCOL_VERSION, type PullResponse } from '../shared/sync/wire';
import { benchDatabaseUrl, createSummary, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    customers: { type: 'string', default: '200' },
    limit: { type: 'string', default: '5000' },
    ingest: { type: 'string' },
    profile: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(values.events ?? (values.quick ? 100_000 : 1_000_000));
const CUSTOMERS = Number(values.customers);
const LIMIT = Number(values.limit);
const INGEST = Number(values.ingest ?? (values.quick ? 20_000 : 100_000));
const summary = createSummary('sync-server', { events: EVENTS, customers: CUSTOMERS, limit: LIMIT, ingest: INGEST });
const INGEST_BATCH = 5_000;
const line = (text: string) => process.stdout.write(`${text}\n`);
const perSecond = (count: number, millis: number) => count / (millis / 1000);
const rate = (count: number, millis: number) => `${Math.round(perSecond(count, millis)).toLocaleString()}/s`;

type Cpu = { server: number; postgres: number };
type Known = { cursor: string | null; pageToken: string | null };
type SyncRun = { ops: number; times: number[]; opsPerPull: number[]; parseMs: number; bytes: number; serverMs: number; cpu: Cpu };

const database = await benchDatabaseUrl();
if (!database.url) {
  line('bench/sync-server.ts needs PostgreSQL at 127.0.0.1:5432: it measures the server over PostgreSQL.');
  process.exit(1);
}
const databaseUrl = database.url;
const report: Record<string, unknown> = {
  machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() },
  events: EVENTS,
  customers: CUSTOMERS,
  limit: LIMIT,
};
const adminToken = crypto.randomBytes(24).toString('base64url');
const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
const serverProcess = spawn(
  process.execPath,
  [
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : []),
    ...['--import', 'tsx', 'server/cli.ts', '--demo', '--json', '--port', '0', '--seed', '7'],
    ...['--customers', String(CUSTOMERS), '--events', String(EVENTS), '--live-interval', '0', '--log-retention-days', '0'],
  ],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: databaseUrl, LIGHTKEEPER_ADMIN_TOKEN: adminToken } },
);
const clients: pg.Client[] = [];

try {
  line(
    `Lightkeeper sync server benchmark — ${EVENTS.toLocaleString()} events over ${CUSTOMERS} customers, pages of ${LIMIT}, ${os.cpus().length} cores`,
  );
  let seedSeconds = Number.NaN;
  readline.createInterface({ input: serverProcess.stderr! }).on('line', (text) => {
    const seeded = /Demo fleet seeded: .* in ([\d.]+) s/.exec(text);
    if (seeded) seedSeconds = Number(seeded[1]);
    else if (!text.startsWith('{')) process.stderr.write(`${text}\n`);
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: serverProcess.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      // Progress lines ({"starting": …}) come first; the ready line is the one with the url.
      const ready = JSON.parse(text) as { url?: string };
      if (ready.url) resolve(ready.url);
    });
    serverProcess.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });

  const monitor = new pg.Client({ connectionString: databaseUrl });
  const raw = new pg.Client({ connectionString: databaseUrl });
  clients.push(monitor, raw);
  await monitor.connect();
  await raw.connect();
  const clockTickMs = 1000 / 100;
  const processCpuMs = (pid: number): number => {
    try {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * clockTickMs;
    } catch {
      return 0;
    }
  };
  // Per backend: a connection that closes during a phase takes its CPU time with it (counted low, never negative).
  type CpuSample = { server: number; backends: Map<number, number> };
  const cpuNow = async (): Promise<CpuSample> => {
    const { rows } = await monitor.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return { server: processCpuMs(serverProcess.pid!), backends: new Map(rows.map((row) => [row.pid, processCpuMs(row.pid)])) };
  };
  const cpuSince = async (before: CpuSample): Promise<Cpu> => {
    const after = await cpuNow();
    let postgres = 0;
    for (const [pid, used] of after.backends) postgres += used - (before.backends.get(pid) ?? 0);
    return { server: after.server - before.server, postgres };
  };
  const cpuLine = (cpu: Cpu, count: number, unit: string) =>
    `   CPU per 1,000 ${unit}: server process ${((cpu.server / count) * 1000).toFixed(1)} ms, PostgreSQL ${((cpu.postgres / count) * 1000).toFixed(1)} ms`;

  line('');
  line(
    `1. Demo seed (fleet + padding, generated and written in bulk, one process): ${rate(EVENTS, seedSeconds * 1000)} events (${seedSeconds.toFixed(1)} s; goal ≥ 20,000/s)`,
  );
  report.seed = { eventsPerSecond: perSecond(EVENTS, seedSeconds * 1000), seconds: seedSeconds };
  summary.add({
    measure: 'demo seed (fleet + padding, bulk, one process)',
    value: perSecond(EVENTS, seedSeconds * 1000),
    unit: 'events/s',
    goal: { of: 'value', op: '≥', target: 20_000 },
  });

  /** Drives the pull protocol like the desk (every bucket in every request), one request at a time. */
  const syncAll = async (clientId: string, known: Map<string, Known>): Promise<SyncRun> => {
    const run: SyncRun = {
      ops: 0,
      times: [],
      opsPerPull: [],
      parseMs: 0,
      bytes: 0,
      serverMs: 0,
      cpu: { server: 0, postgres: 0 },
    };
    const before = await cpuNow();
    for (;;) {
      const body = JSON.stringify({
        protocol: PROTOCOL_VERSION,
        clientId,
        schemaVersion: 1,
        limit: LIMIT,
        buckets: [...known].map(([bucket, state]) => ({ bucket, cursor: state.cursor, pageToken: state.pageToken })),
      });
      const started = performance.now();
      const response = await fetch(`${url}/v1/sync/pull`, { method: 'POST', headers, body });
      const text = await response.text();
      run.times.push(performance.now() - started);
      run.serverMs += Number(/pull;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? 0);
      if (!response.ok) throw new Error(`pull answered ${response.status}: ${text.slice(0, 300)}`);
      run.bytes += Buffer.byteLength(text);
      const parseStarted = performance.now();
      const parsed = JSON.parse(text) as PullResponse;
      run.parseMs += performance.now() - parseStarted;
      let pageOps = 0;
      let isUnfinished = parsed.addedBuckets.length > 0;
      for (const page of parsed.buckets) {
        if ('reset' in page) throw new Error(`unexpected reset of ${page.bucket}`);
        pageOps += page.ops.length;
        const isBootstrapping = page.bootstrap !== undefined && !page.bootstrap.done;
        known.set(page.bucket, { cursor: page.cursor, pageToken: isBootstrapping ? (page.bootstrap?.pageToken ?? null) : null });
        if (page.hasMore || isBootstrapping) isUnfinished = true;
      }
      for (const bucket of parsed.addedBuckets) known.set(bucket, { cursor: null, pageToken: null });
      run.ops += pageOps;
      run.opsPerPull.push(pageOps);
      if (!isUnfinished) break;
    }
    run.cpu = await cpuSince(before);
    return run;
  };

  const summarise = (title: string, run: SyncRun): Record<string, number> => {
    const total = run.times.reduce((sum, time) => sum + time, 0);
    const full = run.times.filter((_time, index) => (run.opsPerPull[index] ?? 0) >= LIMIT);
    line(title);
    line(
      `   served: ${rate(run.ops, total)} ops (${run.ops.toLocaleString()} ops in ${run.times.length} pulls, ${(total / 1000).toFixed(2)} s, ${(run.bytes / 1e6).toFixed(0)} MB)`,
    );
    if (full.length > 0) line(`   full ${LIMIT}-op pulls: p50 ${ms(percentile(full, 50))}  p95 ${ms(percentile(full, 95))}`);
    line(
      `   of that, the server building its answers (Server-Timing): ${(run.serverMs / 1000).toFixed(2)} s, ${rate(run.ops, run.serverMs)} ops`,
    );
    line(cpuLine(run.cpu, run.ops, 'ops'));
    line(`   (the client's JSON.parse, not in the figures above: ${(run.parseMs / 1000).toFixed(2)} s)`);
    return {
      opsPerSecond: perSecond(run.ops, total),
      serverBuildOpsPerSecond: perSecond(run.ops, run.serverMs),
      pulls: run.times.length,
      fullPullP50: percentile(full, 50),
      fullPullP95: percentile(full, 95),
      serverCpuMsPer1000: (run.cpu.server / run.ops) * 1000,
      postgresCpuMsPer1000: (run.cpu.postgres / run.ops) * 1000,
    };
  };

  // --- 2. Bootstrap ----------------------------------------------------------------------------
  const known = new Map<string, Known>();
  const boot = await syncAll('bench-server-01', known);
  line('');
  const bootReport = summarise(`2. Bootstrap of all ${known.size} buckets, limit ${LIMIT} (goal ≥ 50,000 ops/s)`, boot);

  // Baseline: PostgreSQL alone producing the same event rows as JSON text (lk_event_row), keyset pages of LIMIT.
  const customerIds = (await raw.query<{ id: string }>('select id from customers order by id')).rows.map((row) => row.id);
  let rawRows = 0;
  const rawStarted = performance.now();
  for (const customerId of customerIds) {
    for (let after = ''; ;) {
      const { rows } = await raw.query<{ id: string; row: string }>(
        'select id, lk_event_row(e)::text as row from events e where customer_id = $1 and id > $2 order by id limit $3',
        [customerId, after, LIMIT],
      );
      rawRows += rows.length;
      if (rows.length < LIMIT) break;
      after = rows.at(-1)!.id;
    }
  }
  const rawMs = performance.now() - rawStarted;
  line(`   baseline, PostgreSQL alone (pg client, lk_event_row as JSON text, same keyset pages): ${rate(rawRows, rawMs)} rows`);
  line(`   ratio served/baseline: ${(bootReport.opsPerSecond! / perSecond(rawRows, rawMs)).toFixed(2)}`);
  report.bootstrap = { ...bootReport, baselineRowsPerSecond: perSecond(rawRows, rawMs) };
  const pgWhat = 'PostgreSQL alone producing the same rows as JSON text, same keyset pages';
  summary.add({
    measure: `bootstrap pulls served, request sent → body received (pages of ${LIMIT})`,
    value: bootReport.opsPerSecond!,
    unit: 'ops/s',
    baseline: { value: perSecond(rawRows, rawMs), what: pgWhat },
    goal: { of: 'value', op: '≥', target: 50_000 },
  });
  summary.add({
    measure: 'bootstrap, the server building its answers (Server-Timing)',
    value: bootReport.serverBuildOpsPerSecond!,
    unit: 'ops/s',
    baseline: { value: perSecond(rawRows, rawMs), what: pgWhat },
  });
  summary.add({
    measure: `bootstrap: full ${LIMIT}-op pull, p95`,
    value: bootReport.fullPullP95!,
    unit: 'ms',
    samples: boot.times.filter((_time, index) => (boot.opsPerPull[index] ?? 0) >= LIMIT).length,
  });

  // --- 3. Bulk ingest over HTTP ----------------------------------------------------------------
  // Bodies are built before the clock starts: the client's own work is not the server's.
  const runId = crypto.randomBytes(4).toString('hex');
  const bodies: string[] = [];
  for (let start = 0; start < INGEST; start += INGEST_BATCH) {
    const events = Array.from({ length: Math.min(INGEST_BATCH, INGEST - start) }, (_unused, offset) => {
      const index = start + offset;
      return {
        customerId: customerIds[index % customerIds.length],
        occurredAt: new Date(Date.now() - (index % 86_400) * 1000).toISOString(),
        kind: 'alert',
        severity: 'warning',
        source: { system: 'bench', externalId: `ingest-${runId}-${index}` },
        summary: `bench alert ${index}: queue depth above threshold`,
        feature: 'exports',
        properties: { queueDepth: index % 977, threshold: 500 },
      };
    });
    bodies.push(JSON.stringify({ events }));
  }
  let ingested = 0;
  const ingestCpu = await cpuNow();
  const ingestStarted = performance.now();
  for (const body of bodies) {
    const response = await fetch(`${url}/v1/events`, { method: 'POST', headers, body });
    const answer = (await response.json()) as { accepted: number };
    if (!response.ok) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer)}`);
    ingested += answer.accepted;
  }
  const ingestMs = performance.now() - ingestStarted;
  const ingestCpuUsed = await cpuSince(ingestCpu);
  line('');
  line(
    `3. HTTP ingest, POST /v1/events in batches of ${INGEST_BATCH}: ${rate(ingested, ingestMs)} events (${ingested.toLocaleString()} in ${(ingestMs / 1000).toFixed(1)} s; goal ≥ 20,000/s)`,
  );
  line(cpuLine(ingestCpuUsed, ingested, 'events'));
  summary.add({
    measure: `HTTP ingest, POST /v1/events in batches of ${INGEST_BATCH}`,
    value: perSecond(ingested, ingestMs),
    unit: 'events/s',
    goal: { of: 'value', op: '≥', target: 20_000 },
  });
  report.ingest = {
    eventsPerSecond: perSecond(ingested, ingestMs),
    serverCpuMsPer1000: (ingestCpuUsed.server / ingested) * 1000,
    postgresCpuMsPer1000: (ingestCpuUsed.postgres / ingested) * 1000,
  };

  // --- 4. Catch-up of what was ingested --------------------------------------------------------
  line('');
  const catchUp = await syncAll('bench-server-01', known);
  const catchUpReport = summarise(
    `4. Catch-up of the ingested events from the change log, limit ${LIMIT} (goal ≥ 50,000 ops/s)`,
    catchUp,
  );
  report.catchUp = catchUpReport;

  summary.add({
    measure: 'catch-up pulls of the ingested events from the change log',
    value: catchUpReport.opsPerSecond!,
    unit: 'ops/s',
    goal: { of: 'value', op: '≥', target: 50_000 },
  });
  summary.finish({ report });
} finally {
  await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  if (serverProcess.exitCode === null) {
    serverProcess.kill('SIGTERM');
    await new Promise((resolve) => serverProcess.once('exit', resolve));
  }
  await database.dispose();
  if (values.profile) line(`CPU profile of the server written to ${path.resolve(values.profile)}`);
}

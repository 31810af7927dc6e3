// `npm run bench:sync-server [-- --events N --customers N --limit N --profile DIR]`: the server
// side of sync alone, over HTTP, with no desk work in the timings: demo seeding rate, bulk HTTP
// ingest rate, bootstrap and catch-up pull throughput (request sent → body fully received), with
// PostgreSQL's own time to produce the same rows measured in the same run as the baseline.
// `--profile DIR` runs the server under `node --cpu-prof` and leaves the .cpuprofile in DIR.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PROTOCOL_VERSION, type PullResponse } from '../shared/sync/wire';
import { benchDatabaseUrl, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    customers: { type: 'string', default: '200' },
    limit: { type: 'string', default: '5000' },
    ingest: { type: 'string', default: '100000' },
    profile: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const CUSTOMERS = Number(values.customers);
const LIMIT = Number(values.limit);
const INGEST = Number(values.ingest);
const line = (text: string) => process.stdout.write(`${text}\n`);
const rate = (count: number, millis: number) => `${Math.round(count / (millis / 1000)).toLocaleString()}/s`;

const database = await benchDatabaseUrl();
if (!database.url) {
  line('bench:sync-server needs PostgreSQL at 127.0.0.1:5432 (it measures the PostgreSQL server path).');
  process.exit(1);
}
line(
  `Lightkeeper sync server benchmark — ${EVENTS.toLocaleString()} events over ${CUSTOMERS} customers, pages of ${LIMIT}, ${os.cpus().length} cores`,
);
const adminToken = crypto.randomBytes(24).toString('base64url');
const profileArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [];
const serverProcess = spawn(
  process.execPath,
  [
    ...profileArgs,
    '--import',
    'tsx',
    'server/cli.ts',
    '--demo',
    '--json',
    '--port',
    '0',
    '--seed',
    '7',
    '--customers',
    String(CUSTOMERS),
    '--events',
    String(EVENTS),
    '--live-interval',
    '0',
    '--log-retention-days',
    '0',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: database.url, LIGHTKEEPER_ADMIN_TOKEN: adminToken } },
);
let seedSeconds = Number.NaN;
readline.createInterface({ input: serverProcess.stderr! }).on('line', (text) => {
  const seeded = /Demo fleet seeded: .* in ([\d.]+) s/.exec(text);
  if (seeded) seedSeconds = Number(seeded[1]);
  else if (!text.startsWith('{')) process.stderr.write(`${text}\n`);
});
const url = await new Promise<string>((resolve, reject) => {
  readline.createInterface({ input: serverProcess.stdout! }).on('line', (text) => {
    if (text.startsWith('{')) resolve((JSON.parse(text) as { url: string }).url);
  });
  serverProcess.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

line('');
line(
  `1. Demo seed (generate + insertEvents in bulk, one process): ${rate(EVENTS, seedSeconds * 1000)} events (${seedSeconds.toFixed(1)} s)`,
);

type Known = { cursor: string | null; pageToken: string | null };

/** Drives the pull protocol like the desk (all buckets in every request), one request at a time. */
async function syncAll(
  clientId: string,
  known: Map<string, Known>,
): Promise<{ ops: number; times: number[]; opsPerPull: number[]; parseMs: number; bytes: number }> {
  const times: number[] = [];
  const opsPerPull: number[] = [];
  let ops = 0;
  let parseMs = 0;
  let bytes = 0;
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
    times.push(performance.now() - started);
    if (!response.ok) throw new Error(`pull answered ${response.status}: ${text.slice(0, 300)}`);
    bytes += text.length;
    const parseStarted = performance.now();
    const parsed = JSON.parse(text) as PullResponse;
    parseMs += performance.now() - parseStarted;
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
    ops += pageOps;
    opsPerPull.push(pageOps);
    if (!isUnfinished) return { ops, times, opsPerPull, parseMs, bytes };
  }
}

function report(title: string, result: Awaited<ReturnType<typeof syncAll>>): number {
  const total = result.times.reduce((sum, time) => sum + time, 0);
  const full = result.times.filter((_time, index) => (result.opsPerPull[index] ?? 0) >= LIMIT);
  line(title);
  line(
    `   served: ${rate(result.ops, total)} ops (${result.ops.toLocaleString()} ops in ${result.times.length} pulls, ${(total / 1000).toFixed(2)} s, ${(result.bytes / 1e6).toFixed(0)} MB)`,
  );
  if (full.length > 0) line(`   full ${LIMIT}-op pulls: p50 ${ms(percentile(full, 50))}  p95 ${ms(percentile(full, 95))}`);
  line(`   (client JSON.parse, not in the figures above: ${(result.parseMs / 1000).toFixed(2)} s)`);
  return result.ops / (total / 1000);
}

// --- 2. Bootstrap --------------------------------------------------------------------------
const bootKnown = new Map<string, Known>();
const boot = await syncAll('bench-server-boot', bootKnown);
line('');
const servedBoot = report(`2. Bootstrap of all ${bootKnown.size} buckets, limit ${LIMIT} (goal ≥ 50,000 ops/s)`, boot);

// Baseline: PostgreSQL alone producing the same event rows as JSON text, keyset pages of LIMIT.
const raw = new pg.Client({ connectionString: database.url });
await raw.connect();
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
line(`   baseline, PostgreSQL alone (pg client, event rows as JSON text, same page size): ${rate(rawRows, rawMs)} rows`);
line(`   ratio served/baseline: ${(servedBoot / (rawRows / (rawMs / 1000))).toFixed(2)}`);

// --- 3. Bulk ingest over HTTP ----------------------------------------------------------------
const batchSize = 5000;
let ingested = 0;
const ingestStarted = performance.now();
const runId = crypto.randomBytes(4).toString('hex');
for (let start = 0; start < INGEST; start += batchSize) {
  const events = Array.from({ length: Math.min(batchSize, INGEST - start) }, (_unused, offset) => {
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
  const response = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: JSON.stringify({ events }) });
  const answer = (await response.json()) as { accepted: number };
  if (!response.ok) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer)}`);
  ingested += answer.accepted;
}
const ingestMs = performance.now() - ingestStarted;
line('');
line(
  `3. HTTP ingest, POST /v1/events in batches of ${batchSize}: ${rate(ingested, ingestMs)} events (${ingested.toLocaleString()} in ${(ingestMs / 1000).toFixed(1)} s; goal ≥ 20,000/s)`,
);

// --- 4. Catch-up of what was ingested -------------------------------------------------------
line('');
const catchUp = await syncAll('bench-server-boot', bootKnown);
report(`4. Catch-up of the ingested events from the change log, limit ${LIMIT} (goal ≥ 50,000 ops/s)`, catchUp);

await raw.end();
serverProcess.kill('SIGTERM');
await new Promise((resolve) => serverProcess.once('exit', resolve));
await database.dispose();
if (values.profile) line(`\nCPU profile of the server written to ${path.resolve(values.profile)}`);
fs.mkdirSync('.bench', { recursive: true });

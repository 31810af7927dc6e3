// `npm run bench:ingest [-- --quick] [--events N --senders N --batch N --rounds N]`: sustained ingest
// throughput of producer payloads (Prometheus Alertmanager notifications, CloudEvents batches)
// through server/ingest, each against the native batch endpoint (POST /v1/events) carrying the same
// events, in the same run, with 20 concurrent senders and a real desk syncing the whole time. The paths
// run in turns (native as Alertmanager, Alertmanager, native as CloudEvents, CloudEvents, then again,
// --rounds times) and the desk catches up between turns (not timed): on a shared machine whose load
// swings within a minute, one long phase per path judged a path by the minute it ran in, and each
// phase paid for the previous one's sync backlog. Then ingest → visible in that online desk (the event
// in its SQLite cache, pulled after the server's poke), p95, for single Alertmanager notifications
// against the same alerts as single native events. Server, senders and desk share this process, so
// every path pays the same overhead. Not a test: no pass/fail. Uses PostgreSQL at 127.0.0.1:5432 when
// reachable (else PGlite, which the summary says).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDesk } from '../electron/core/desk';
import { silentLogger as deskLogger } from '../electron/core/log';
import { createServer } from '../server/app';
import { alertmanagerModule } from '../server/ingest/alertmanager';
import { cloudEventsModule } from '../server/ingest/cloudevents';
import { AlertmanagerConfigSchema, CloudEventsConfigSchema, type SourceConfig } from '../server/ingest/config';
import type { SourceKindModule } from '../server/ingest/types';
import { silentLogger } from '../server/log';
import { createApiToken } from '../server/repo/tokens';
import { upsertCustomers } from '../server/repo/writes';
import type { Customer } from '../shared/domain';
import { benchStorage, createSummary, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    senders: { type: 'string', default: '20' },
    batch: { type: 'string', default: '50' },
    samples: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const EVENTS = Number(values.events ?? (values.quick ? 6_000 : 40_000));
const SENDERS = Number(values.senders);
const BATCH = Number(values.batch);
const SAMPLES = Number(values.samples ?? (values.quick ? 100 : 400));
const ROUNDS = Number(values.rounds ?? (values.quick ? 2 : 4));
const CUSTOMERS = 200;
const line = (text: string) => process.stdout.write(`${text}\n`);
const summary = createSummary('ingest', { events: EVENTS, senders: SENDERS, batch: BATCH, samples: SAMPLES, rounds: ROUNDS });

const { storage, kind, dispose } = await benchStorage();
line(`bench:ingest over ${kind}: ${EVENTS} events per path in ${ROUNDS} turns, ${SENDERS} senders, ${BATCH} per request`);
const app = await createServer({ storage, log: silentLogger, pokeIntervalMs: 50 });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const admin = (await createApiToken(storage, { userId: 'admin', role: 'admin' })).token;
const ingest = (await createApiToken(storage, { userId: 'feeder', role: 'ingest' })).token;
const deskToken = (await createApiToken(storage, { userId: 'dana', role: 'desk' })).token;
const customerIds = Array.from({ length: CUSTOMERS }, (_, index) => `c-${String(index).padStart(4, '0')}`);
const now = new Date().toISOString();
await storage.transaction((db) =>
  upsertCustomers(
    db,
    customerIds.map((id): Customer => ({
      id,
      name: `Customer ${id}`,
      plan: 'pro',
      region: 'eu-west-1',
      environment: 'production',
      version: '5.2.0',
      lifecycle: 'live',
      health: 'ok',
      owner: null,
      createdAt: now,
      updatedAt: now,
    })),
  ),
);

async function addSource(source: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: { ...source, limits: { requestsPerMinute: 1_000_000 } } }),
  });
  if (response.status !== 201) throw new Error(`source: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { path: string }).path;
}
const amPath = await addSource({ id: 'bench-am', kind: 'alertmanager' });
const cePath = await addSource({ id: 'bench-ce', kind: 'cloudevents', kinds: { 'com.example.*': 'deploy' } });

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-ingest-'));
const desk = createDesk({ dataDir, mode: 'browser', appVersion: 'bench', platform: 'linux', log: deskLogger });
const set = await desk.dispatch('backend:set', { mode: 'remote', url, token: deskToken });
if (!set.ok) throw new Error(set.error.message);

let serial = 0;
const customerOf = () => customerIds[serial % CUSTOMERS]!;
const at = () => new Date(Date.now() - 60_000).toISOString();

type Request = { path: string; headers: Record<string, string>; body: string };
const amConfig = AlertmanagerConfigSchema.parse({ id: 'bench-am', kind: 'alertmanager' });
const ceConfig = CloudEventsConfigSchema.parse({ id: 'bench-ce', kind: 'cloudevents', kinds: { 'com.example.*': 'deploy' } });

/**
 * The baseline of a producer path: the very events that path stores (its module's own parse of the same
 * kind of payload), posted to the native endpoint. A leaner native event (no body, a few properties) made
 * the ratio weigh what the events carry — bytes PostgreSQL writes and the desk indexes — instead of the path.
 */
function nativeOf(producer: (count: number) => Request, module: SourceKindModule, config: SourceConfig) {
  return async (count: number): Promise<Request> => {
    const payload = producer(count);
    const parsed = await module.parse(
      {
        headers: payload.headers,
        mediaType: payload.headers['content-type']!,
        body: Buffer.from(payload.body),
        receivedAt: Date.now(),
      },
      config,
    );
    if (parsed.type !== 'items') throw new Error('the producer payload made no items');
    return {
      path: '/v1/events',
      headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: parsed.items.map((item) => ({
          ...item.event,
          customerId: item.customerRefs[0],
          source: { system: 'bench-native', externalId: item.key },
        })),
      }),
    };
  };
}
const alertmanager = (count: number): Request => ({
  path: amPath,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'lightkeeper',
    groupLabels: { alertname: 'ExportQueueLagging' },
    commonLabels: { alertname: 'ExportQueueLagging' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    groupKey: '{}:{alertname="ExportQueueLagging"}',
    alerts: Array.from({ length: count }, () => {
      serial += 1;
      return {
        status: 'firing',
        labels: { alertname: 'ExportQueueLagging', customer: customerOf(), instance: `w-${serial % 13}`, severity: 'warning' },
        annotations: { summary: 'Export queue lagging' },
        startsAt: at(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: crypto.createHash('sha1').update(String(serial)).digest('hex').slice(0, 16),
      };
    }),
  }),
});
const cloudEvents = (count: number): Request => ({
  path: cePath,
  headers: { 'content-type': 'application/cloudevents-batch+json' },
  body: JSON.stringify(
    Array.from({ length: count }, () => {
      serial += 1;
      return {
        specversion: '1.0',
        id: `e-${serial}`,
        source: 'https://ci.example.com/pipelines/billing',
        type: 'com.example.deploy.finished',
        subject: customerOf(),
        time: at(),
        datacontenttype: 'application/json',
        data: { summary: 'Billing 5.3.1 deployed', current: '5.3.1' },
      };
    }),
  ),
});

const nativeAsAlertmanager = nativeOf(alertmanager, alertmanagerModule as SourceKindModule, amConfig);
const nativeAsCloudEvents = nativeOf(cloudEvents, cloudEventsModule as SourceKindModule, ceConfig);

async function send(request: Request): Promise<{ ids: string[] }> {
  const response = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.path.split('/').slice(0, 4).join('/')}: ${response.status} ${text}`);
  const body = JSON.parse(text) as { ids?: string[]; items?: { ids: string[] }[] };
  return { ids: body.ids ?? (body.items ?? []).flatMap((item) => item.ids) };
}

/** One turn: SENDERS senders each posting BATCH-sized requests until `events` are stored; events and seconds. */
async function turn(
  make: (count: number) => Request | Promise<Request>,
  events: number,
): Promise<{ events: number; seconds: number }> {
  // Payloads are made before the clock starts: making a native baseline's events costs a module parse.
  const requests: Request[] = [];
  for (let made = 0; made < events; made += BATCH) requests.push(await make(BATCH));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < requests.length) {
        next += 1;
        await send(requests[next - 1]!);
      }
    }),
  );
  return { events: requests.length * BATCH, seconds: (performance.now() - started) / 1000 };
}

/** Waits (untimed) until the desk's cache holds every event the server stored, so the next turn starts even. */
async function deskCaughtUp(): Promise<void> {
  const [stored] = await storage.query<{ n: number }>('select count(*)::integer as n from events');
  const count = desk.cache.prepare('select count(*) as n from events');
  while ((count.get() as { n: number }).n < (stored?.n ?? 0)) await new Promise((resolve) => setTimeout(resolve, 20));
}

function inDesk(id: string): boolean {
  return desk.cache.prepare('select 1 from events where id = ?').get(id) !== undefined;
}

/** Send → in the desk's cache, per single-event request, SENDERS at a time. */
async function visibleLatency(make: (count: number) => Request | Promise<Request>): Promise<number[]> {
  const times: number[] = [];
  let left = SAMPLES;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (left > 0) {
        left -= 1;
        const request = await make(1);
        const started = performance.now();
        const { ids } = await send(request);
        const id = ids[0] ?? '';
        while (!inDesk(id)) await new Promise((resolve) => setTimeout(resolve, 2));
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

// Warm-up: every path compiled and prepared, the desk bootstrapped.
await send(await nativeAsAlertmanager(BATCH));
await send(await nativeAsCloudEvents(BATCH));
await send(alertmanager(BATCH));
await send(cloudEvents(BATCH));
const warm = await send(await nativeAsAlertmanager(1));
while (!inDesk(warm.ids[0] ?? '')) await new Promise((resolve) => setTimeout(resolve, 20));

type Turn = { events: number; seconds: number };
const paths = [
  { name: 'native POST /v1/events, Alertmanager’s events', make: nativeAsAlertmanager, turns: [] as Turn[] },
  { name: 'Alertmanager notifications', make: alertmanager, turns: [] as Turn[] },
  { name: 'native POST /v1/events, CloudEvents’ events', make: nativeAsCloudEvents, turns: [] as Turn[] },
  { name: 'CloudEvents batches', make: cloudEvents, turns: [] as Turn[] },
];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const path of paths) {
    await deskCaughtUp();
    path.turns.push(await turn(path.make, Math.ceil(EVENTS / ROUNDS)));
  }
}
const rateOf = (turns: readonly { events: number; seconds: number }[]) =>
  turns.reduce((sum, one) => sum + one.events, 0) / turns.reduce((sum, one) => sum + one.seconds, 0);
for (const path of paths) {
  const rates = path.turns.map((one) => Math.round(one.events / one.seconds));
  line(`${path.name}: ${Math.round(rateOf(path.turns))} events/s (turns: ${rates.join(', ')})`);
}
const [amBaseline, amRate, ceBaseline, ceRate] = paths.map((path) => rateOf(path.turns)) as [number, number, number, number];
const baselineWhat = 'native POST /v1/events with the same events, in turns with it';
summary.add({
  measure: `Alertmanager webhook ingest, ${SENDERS} senders × ${BATCH} alerts per notification, desk syncing`,
  value: amRate,
  unit: 'events/s',
  baseline: { value: amBaseline, what: baselineWhat },
  goal: { of: 'ratio', op: '≥', target: 0.7 },
});
summary.add({
  measure: `CloudEvents batch ingest, ${SENDERS} senders × ${BATCH} events per batch, desk syncing`,
  value: ceRate,
  unit: 'events/s',
  baseline: { value: ceBaseline, what: baselineWhat },
  goal: { of: 'ratio', op: '≥', target: 0.7 },
});

await deskCaughtUp();
const nativeLatency = await visibleLatency(nativeAsAlertmanager);
const amLatency = await visibleLatency(alertmanager);
line(`visible p95: native ${ms(percentile(nativeLatency, 95))}, Alertmanager ${ms(percentile(amLatency, 95))}`);
summary.add({
  measure: `Alertmanager notification → visible in an online desk, p95, ${SENDERS} concurrent senders`,
  value: percentile(amLatency, 95),
  unit: 'ms',
  samples: amLatency.length,
  baseline: { value: percentile(nativeLatency, 95), what: 'the same alert as a native single event, p95' },
  goal: { of: 'value', op: '<', target: 1000 },
});
summary.add({
  measure: 'Alertmanager notification → visible in an online desk, p50',
  value: percentile(amLatency, 50),
  unit: 'ms',
  samples: amLatency.length,
  baseline: { value: percentile(nativeLatency, 50), what: 'the same alert as a native single event, p50' },
});
summary.finish({ storage: kind });

await desk.stop();
desk.close();
await app.close();
await dispose();
fs.rmSync(dataDir, { recursive: true, force: true });

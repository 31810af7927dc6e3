import { eventSignature } from '../shared/signature';
import type { Customer, TimelineEvent } from '../shared/domain';
import { ulid } from '../shared/ulid';
import type { Op, PullResponse } from '../shared/sync/wire';
import { createApplier } from '../electron/db/apply';
import { openCache } from '../electron/db/cache';
import { createOutbox } from '../electron/db/outbox';
import { silentLogger } from '../electron/core/log';

const KINDS = [
  'deploy',
  'version_upgrade',
  'flag_change',
  'config_change',
  'alert',
  'error_spike',
  'ticket',
  'usage_drop',
  'incident',
  'provisioning_step',
] as const;
const SEVERITY = {
  deploy: 'info',
  version_upgrade: 'notice',
  flag_change: 'notice',
  config_change: 'notice',
  alert: 'error',
  error_spike: 'warning',
  ticket: 'warning',
  usage_drop: 'warning',
  incident: 'critical',
  provisioning_step: 'info',
} as const;
const FEATURES = ['sso', 'exports', 'billing_sync', 'audit_log', 'api_access', 'analytics', 'webhooks'];
const WORDS = [
  'login',
  'latency',
  'export',
  'timeout',
  'certificate',
  'rollout',
  'webhook',
  'quota',
  'invoice',
  'saml',
  'dashboard',
  'import',
  'schedule',
  'worker',
  'token',
  'region',
];

/** A small deterministic PRNG so every run of a benchmark sees the same data. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Fills a desk data directory through the real apply path (as a bootstrap would):
 * `customers` customers, one of them (`bench-big`) with `bigEvents` events, the
 * others with a few each. For UI benchmarks that need more than the demo fleet holds.
 */
export function seedBenchCache(
  dataDir: string,
  options: { customers: number; bigEvents: number; otherEvents: number; now: number },
): { bigCustomer: string } {
  const rand = random(42);
  const handle = openCache({ dataDir, log: silentLogger });
  const applier = createApplier(handle.db, createOutbox(handle.db));
  const nowIso = new Date(options.now).toISOString();
  const ids = [
    'bench-big',
    ...Array.from({ length: options.customers - 1 }, (_, index) => `customer-${String(index).padStart(5, '0')}`),
  ];
  const buckets = ids.map((id) => `customer:${id}`);
  applier.applyPull(
    { buckets: [], addedBuckets: [...buckets, 'global'], removedBuckets: [], acked: { lastSeq: 0, results: [] } },
    nowIso,
  );
  const releases: Op[] = ['26.9.0', '26.10.0', '26.11.0', '26.12.0'].map((version, index) => ({
    op: 'put',
    entity: 'release',
    id: version,
    ver: 1,
    row: { version, releasedAt: new Date(options.now - (4 - index) * 14 * 86_400_000).toISOString(), notes: null },
  }));
  applier.applyPull(
    {
      buckets: [{ bucket: 'global', ops: releases, cursor: 'c', hasMore: false }],
      addedBuckets: [],
      removedBuckets: [],
      acked: { lastSeq: 0, results: [] },
    },
    nowIso,
  );

  const event = (customerId: string, index: number, span: number): TimelineEvent => {
    const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
    const occurredAt = options.now - Math.floor(rand() * span);
    const word = WORDS[Math.floor(rand() * WORDS.length)]!;
    const thread: Record<string, string> =
      kind === 'alert' || kind === 'ticket' || kind === 'incident'
        ? { thread: `${kind}-${customerId}-${index % 500}`, status: rand() < 0.9 ? 'resolved' : 'open' }
        : {};
    const summary = `${kind.replace('_', ' ')}: ${word} ${WORDS[index % WORDS.length]} #${index}`;
    const feature = rand() < 0.6 ? FEATURES[Math.floor(rand() * FEATURES.length)]! : null;
    return {
      id: ulid(occurredAt, rand),
      customerId,
      occurredAt: new Date(occurredAt).toISOString(),
      recordedAt: new Date(occurredAt).toISOString(),
      kind,
      severity: SEVERITY[kind],
      source: { system: 'bench', externalId: `${customerId}-${index}` },
      actor: rand() < 0.5 ? 'deploybot' : 'dana@example.com',
      summary,
      body: `Details about **${word}** on ${customerId}. Step ${index}.`,
      feature,
      prevValue: kind === 'flag_change' ? false : null,
      newValue: kind === 'flag_change' ? true : null,
      links: {},
      properties: thread,
      signature: eventSignature({ customerId, kind, summary, feature, properties: thread }),
    };
  };
  const customerRow = (id: string, index: number): Customer => ({
    id,
    name:
      id === 'bench-big'
        ? 'Bench Big Corp'
        : `Company ${index} ${WORDS[index % WORDS.length]} ${WORDS[(index * 7) % WORDS.length]}`,
    plan: (['free', 'starter', 'pro', 'enterprise'] as const)[index % 4]!,
    region: ['eu-west', 'us-east', 'ap-south'][index % 3]!,
    environment: 'production',
    version: ['26.9.0', '26.10.0', '26.11.0', '26.12.0'][index % 4]!,
    lifecycle: (['live', 'live', 'live', 'onboarding', 'trial'] as const)[index % 5]!,
    health: (['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'degraded', 'down'] as const)[index % 8]!,
    owner: `Owner ${index % 40}`,
    createdAt: new Date(options.now - 200 * 86_400_000).toISOString(),
    updatedAt: nowIso,
  });
  const PAGE = 5000;
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const pages = chunk.map((id, offset) => {
      const ops: Op[] = [{ op: 'put', entity: 'customer', id, ver: 1, row: customerRow(id, start + offset) }];
      for (const feature of FEATURES) {
        ops.push({
          op: 'put',
          entity: 'feature',
          id: `${id}:${feature}`,
          ver: 1,
          row: { customerId: id, feature, entitled: true, enabled: rand() < 0.9, health: 'ok', lastSignalAt: nowIso },
        });
      }
      if (id !== 'bench-big')
        for (let index = 0; index < options.otherEvents; index += 1)
          ops.push({ op: 'put', entity: 'event', id: `e-${id}-${index}`, ver: 1, row: event(id, index, 90 * 86_400_000) });
      return {
        bucket: `customer:${id}`,
        ops: ops.map((op) => (op.entity === 'event' ? { ...op, id: (op.row as TimelineEvent).id } : op)),
        cursor: 'c',
        hasMore: id === 'bench-big',
        bootstrap: { pageToken: id === 'bench-big' ? 'more' : null, done: id !== 'bench-big' },
      };
    });
    applier.applyPull(
      { buckets: pages, addedBuckets: [], removedBuckets: [], acked: { lastSeq: 0, results: [] } } satisfies PullResponse,
      nowIso,
    );
  }
  for (let start = 0; start < options.bigEvents; start += PAGE) {
    const ops: Op[] = [];
    for (let index = start; index < Math.min(options.bigEvents, start + PAGE); index += 1) {
      const row = event('bench-big', index, 365 * 86_400_000);
      ops.push({ op: 'put', entity: 'event', id: row.id, ver: 1, row });
    }
    const done = start + PAGE >= options.bigEvents;
    applier.applyPull(
      {
        buckets: [
          {
            bucket: 'customer:bench-big',
            ops,
            cursor: 'c',
            hasMore: !done,
            bootstrap: { pageToken: done ? null : 'more', done },
          },
        ],
        addedBuckets: [],
        removedBuckets: [],
        acked: { lastSeq: 0, results: [] },
      },
      nowIso,
    );
  }
  handle.db.close();
  return { bigCustomer: 'bench-big' };
}

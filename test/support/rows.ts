import type { Customer, TimelineEvent } from '../../shared/domain';
import type { Op, PullResponse } from '../../shared/sync/wire';
import { ulid } from '../../shared/ulid';

/** A valid customer row. */
export function customerRow(id: string, overrides: Partial<Customer> = {}): Customer {
  return {
    id,
    name: `Customer ${id}`,
    plan: 'pro',
    region: 'eu-west',
    environment: 'production',
    version: '24.3.0',
    lifecycle: 'live',
    health: 'ok',
    owner: 'Dana Ops',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

let counter = 0;
/** A valid timeline event row. */
export function eventRow(customerId: string, occurredAt: string, overrides: Partial<TimelineEvent> = {}): TimelineEvent {
  counter += 1;
  return {
    id: ulid(Date.parse(occurredAt)),
    customerId,
    occurredAt,
    recordedAt: occurredAt,
    kind: 'deploy',
    severity: 'info',
    source: { system: 'deploybot', externalId: `deploy-${counter}` },
    actor: 'deploybot',
    summary: `Deployed build ${counter}`,
    body: null,
    feature: null,
    prevValue: null,
    newValue: null,
    links: {},
    properties: {},
    signature: null,
    ...overrides,
  };
}

/** A put op of a row. */
export function put(entity: string, id: string, row: unknown, ver = 1): Op {
  return { op: 'put', entity, id, ver, row };
}

/** A pull response with one page per bucket. */
export function pullResponse(
  pages: {
    bucket: string;
    ops: Op[];
    cursor?: string;
    hasMore?: boolean;
    bootstrap?: { pageToken: string | null; done: boolean };
  }[],
  extra: Partial<PullResponse> = {},
): PullResponse {
  return {
    buckets: pages.map((page) => ({ cursor: 'c1', hasMore: false, ...page })),
    addedBuckets: [],
    removedBuckets: [],
    acked: { lastSeq: 0, results: [] },
    ...extra,
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';
import { OFFLINE_PROBE_REASON } from '../../../electron/wizards/run-errors';
import { withStatus } from '../../../electron/wizards/run-records';
import type { RunRecord } from '../../../electron/wizards/store';
import { tempDirs } from '../../support/temp';
import { customerWithFault } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';

/**
 * The desk host at a parallel group (the onboarding starter wizard's
 * "Provisioning evidence": a cache query and two probes), against a real HTTP
 * server that answers a probe only once the group's other probe is in flight
 * too — a host that ran them one after the other would get no answer to the
 * first and the group would stop with a timeout.
 */
const dirs = tempDirs('lk-parallel-');
const customerId = customerWithFault('provisioning_stuck');

const RESULTS: Record<string, unknown> = {
  'provisioning.status': {
    complete: false,
    currentStep: 'dns',
    failedStep: 'dns',
    error: 'DNS verification failed: TXT record missing',
    attempts: 1,
    steps: [{ name: 'dns', state: 'failed', attempts: 1, error: 'DNS verification failed' }],
  },
  'customer.health': { health: 'degraded', errorRate: 0.02, failingFeatures: [], version: '5.2.0' },
};

type ProbeServer = {
  url: string;
  /** Probe names in the order their requests arrived. */
  calls: string[];
  /** The most probe requests that were in flight at once. */
  maxInFlight: number;
  /** Probes that answer 503 (until removed). */
  failing: Set<string>;
  /** How many requests must be in flight before any is answered (1: answer at once). */
  barrier: number;
  close(): Promise<void>;
};

async function startProbeServer(): Promise<ProbeServer> {
  let inFlight = 0;
  let held: (() => void)[] = [];
  const state: Omit<ProbeServer, 'url' | 'close'> = { calls: [], maxInFlight: 0, failing: new Set(), barrier: 2 };
  const server = http.createServer((request, response) => {
    const name = decodeURIComponent(/^\/v1\/probes\/([^/]+)$/.exec(request.url ?? '')?.[1] ?? '');
    request.resume();
    request.on('end', () => {
      state.calls.push(name);
      inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      const answer = () => {
        inFlight -= 1;
        const isFailing = state.failing.has(name);
        response.writeHead(isFailing ? 503 : 200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(
            isFailing
              ? { error: 'probe_failed', message: `the ${name} runner is unavailable` }
              : { probe: name, customerId, observedAt: '2026-01-05T09:00:00.000Z', result: RESULTS[name] ?? {} },
          ),
        );
      };
      held.push(answer);
      if (held.length >= state.barrier) {
        const release = held;
        held = [];
        for (const send of release) send();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

let dataDir: string;
let parts: Parts;
let probes: ProbeServer;
let record: RunRecord;

function connect(target: Parts): void {
  target.client = createBackendClient({ baseUrl: probes.url, token: 'test-token', timeoutMs: 3_000 });
}

function unblock(target: Parts, runId: string): void {
  target.records.save(withStatus({ ...target.records.require(runId), blockedReason: null }), null);
}

beforeEach(async () => {
  dataDir = dirs.make();
  parts = openParts(dataDir, [customerId]);
  probes = await startProbeServer();
  record = await parts.start({ wizardId: 'onboarding-provisioning-stuck', customerId });
});
afterEach(async () => {
  await parts.close();
  await probes.close();
  dirs.cleanup();
});

describe('a parallel group in the desk host', () => {
  it('offline: the cache check lands, the probes wait for a connection', () => {
    expect(record.need?.need).toBe('parallel');
    if (record.need?.need !== 'parallel') return;
    expect(record.need.landed).toEqual(['provisioning-history']);
    expect(record.need.checks.map((check) => check.id)).toEqual(['provisioning-state', 'customer-health']);
    expect(record.blockedReason).toBe(`${OFFLINE_PROBE_REASON} (2 of 3 checks of “Provisioning evidence” could not run.)`);
  });

  it('runs the probes of the group at the same time, and goes on once every result has landed', async () => {
    connect(parts);
    unblock(parts, record.id);
    await parts.steps.advance(record.id);
    const after = parts.records.require(record.id);
    expect(after.blockedReason).toBeNull();
    expect(probes.maxInFlight).toBe(2);
    expect([...probes.calls].sort()).toEqual(['customer.health', 'provisioning.status']);
    const group = after.state.steps.find((step) => step.stepId === 'provisioning-evidence');
    expect(group?.group?.map((check) => [check.id, check.landed])).toEqual([
      ['provisioning-history', true],
      ['provisioning-state', true],
      ['customer-health', true],
    ]);
    expect(group?.result).toMatchObject({ ok: true, failed: [] });
    // The decision after the group read the probe's result: DNS failed, so the operator checks the record.
    expect(after.need).toMatchObject({ need: 'guidance', stepId: 'check-dns-record' });
  });

  it('a failed probe stops the group with its reason; after a restart, Retry runs only that probe again', async () => {
    connect(parts);
    probes.failing.add('customer.health');
    unblock(parts, record.id);
    await parts.steps.advance(record.id);
    const stopped = parts.records.require(record.id);
    expect(stopped.need?.need).toBe('parallel');
    expect(stopped.blockedReason).toMatch(
      /^1 of 3 checks of “Provisioning evidence” failed — Customer health right now: .*customer\.health runner is unavailable\. Fix the cause, then press Retry: only the failed checks run again\.$/,
    );
    const group = stopped.state.steps.find((step) => step.stepId === 'provisioning-evidence');
    expect(group?.group?.find((check) => check.id === 'customer-health')).toMatchObject({ landed: false });
    expect(group?.group?.find((check) => check.id === 'customer-health')?.error).toMatch(/unavailable/);

    // The desk restarts: the run is read back from the cache file.
    await parts.close();
    parts = openParts(dataDir, []);
    const resumed = parts.records.require(record.id);
    expect(resumed.need).toMatchObject({ need: 'parallel', landed: ['provisioning-history', 'provisioning-state'] });
    probes.failing.clear();
    probes.barrier = 1;
    probes.calls.length = 0;
    connect(parts);
    unblock(parts, record.id);
    await parts.steps.advance(record.id);
    expect(probes.calls).toEqual(['customer.health']);
    expect(parts.records.require(record.id).need).toMatchObject({ need: 'guidance', stepId: 'check-dns-record' });
  });
});

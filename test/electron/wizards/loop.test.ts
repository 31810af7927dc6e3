import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackendClient } from '../../../electron/backend/client';
import { withStatus } from '../../../electron/wizards/run-records';
import type { RunRecord } from '../../../electron/wizards/store';
import { tempDirs } from '../../support/temp';
import { customerWithFault } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * The desk host through the onboarding starter wizard's loop ("Retry each
 * failed provisioning step", at most 3) against a real HTTP backend: one dry
 * run and one execution per failed step, each with its own idempotency key,
 * and a restart in the middle resumes at the same item.
 */
const dirs = tempDirs('lk-loop-');
const customerId = customerWithFault('provisioning_stuck');
const failed = (name: string) => ({ name, state: 'failed', attempts: 1, error: `${name} failed` });

let dataDir: string;
let parts: Parts;
let stub: StubBackend;
let record: RunRecord;

function connect(target: Parts): void {
  target.client = createBackendClient({ baseUrl: stub.url, token: 'test-token', timeoutMs: 3_000 });
  target.records.save(withStatus({ ...target.records.require(record.id), blockedReason: null }), null);
}

/** What the operator does at a human step, as the operator acts do: an engine event, then the host goes on. */
async function operator(target: Parts, event: { type: 'continue'; confirmed: true } | { type: 'action-confirmed' }) {
  const at = new Date(target.clock.now()).toISOString();
  target.records.transition(target.records.require(record.id), { ...event, at });
  await target.steps.advance(record.id);
  return target.records.require(record.id);
}

beforeEach(async () => {
  dataDir = dirs.make();
  parts = openParts(dataDir, [customerId]);
  stub = await startStubBackend({
    now: () => parts.clock.now(),
    probeResults: {
      'provisioning.status': {
        complete: false,
        currentStep: 'dns',
        failedStep: 'dns',
        error: 'DNS verification failed',
        attempts: 1,
        steps: [{ name: 'tenant_create', state: 'done', attempts: 1, error: null }, failed('dns'), failed('data_import')],
      },
      'customer.health': { health: 'degraded', errorRate: 0.02, failingFeatures: [], version: '5.2.0' },
    },
  });
  record = await parts.start({ wizardId: 'onboarding-provisioning-stuck', customerId });
});
afterEach(async () => {
  await parts.close();
  await stub.close();
  dirs.cleanup();
});

describe('a loop in the desk host', () => {
  it('plans and executes the body once per item with its own key, and resumes at the same item after a restart', async () => {
    connect(parts);
    await parts.steps.advance(record.id);
    expect(parts.records.require(record.id).need).toMatchObject({ need: 'guidance', stepId: 'check-dns-record' });
    let after = await operator(parts, { type: 'continue', confirmed: true });
    expect(after.need).toMatchObject({ need: 'action-confirm', stepId: 'retry-step', params: { step: 'dns' } });
    after = await operator(parts, { type: 'action-confirmed' });
    // Back at the loop: the second failed step is planned on the server.
    expect(after.need).toMatchObject({ need: 'action-confirm', stepId: 'retry-step', params: { step: 'data_import' } });
    expect(after.state.steps.filter((step) => step.stepId === 'retry-step').map((step) => step.iteration?.index)).toEqual([0, 1]);

    // The desk restarts before the operator confirms the second retry.
    await parts.close();
    parts = openParts(dataDir, []);
    connect(parts);
    const resumed = parts.records.require(record.id);
    expect(resumed.need).toMatchObject({ need: 'action-confirm', params: { step: 'data_import' } });
    expect(resumed.state.frames[0]?.loops?.['retry-each']?.index).toBe(1);
    after = await operator(parts, { type: 'action-confirmed' });
    const executed = stub.callsTo('/v1/actions/execute').map((call) => (call.body as { idempotencyKey: string }).idempotencyKey);
    expect(executed).toEqual([`${record.id}:retry-step:1`, `${record.id}:retry-step:2`]);
    const plans = stub.callsTo('/v1/actions/plan').map((call) => (call.body as { params: unknown }).params);
    expect(plans).toEqual([{ step: 'dns' }, { step: 'data_import' }]);
    // After the last item the run goes on to the verify step.
    expect(after.need?.need).toBe('verify-attempt');
    expect(after.state.steps.filter((step) => step.stepId === 'retry-each').at(-1)?.note).toBe('handled all 2 items');
  });
});

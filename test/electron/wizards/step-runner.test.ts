import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, createBackendClient } from '../../../electron/backend/client';
import { OFFLINE_PROBE_REASON } from '../../../electron/wizards/run-errors';
import { withStatus } from '../../../electron/wizards/run-records';
import type { RemediationClient } from '../../../electron/wizards/step-runner';
import type { RunRecord } from '../../../electron/wizards/store';
import type { Need } from '../../../shared/wizards/run-state';
import { tempDirs } from '../../support/temp';
import { customerWithFault, demoFleet } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * Step execution on its own: a run stopped at its first server probe (started
 * with no backend) is given different backends, and the step runner turns each
 * answer into a result, or into the reason the run waits.
 */
const dirs = tempDirs('lk-step-runner-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
let parts: Parts;
let record: RunRecord;
let check: Extract<Need, { need: 'check' }>;

/** A client whose probe answers (or throws) what the test says; other calls are not expected. */
function probeClient(probe: RemediationClient['probe']): RemediationClient {
  const unexpected = () => Promise.reject(new Error('not expected in this test'));
  return { probe, planAction: unexpected, executeAction: unexpected, requestApproval: unexpected, approval: unexpected };
}

beforeEach(async () => {
  parts = openParts(dirs.make(), [ssoCustomer]);
  record = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
  if (record.need?.need !== 'check' || record.need.request.source !== 'probe')
    throw new Error(`expected the run at a probe, got ${record.need?.need}`);
  check = record.need;
});
afterEach(async () => {
  await parts.close();
  dirs.cleanup();
});

describe('diagnose', () => {
  it('without a backend: the run waits for a connection', async () => {
    expect(record.blockedReason).toBe(OFFLINE_PROBE_REASON);
    const diagnosis = await parts.steps.diagnose(record, check.request, check.path, false);
    expect(diagnosis).toEqual({ ok: false, error: 'no backend is connected', blocked: OFFLINE_PROBE_REASON });
  });

  it('a network failure: the run waits for a connection, saying what failed', async () => {
    parts.client = probeClient(() => Promise.reject(new BackendError('network', 'connect ECONNREFUSED')));
    const diagnosis = await parts.steps.diagnose(record, check.request, check.path, false);
    expect(diagnosis).toMatchObject({ ok: false, blocked: `${OFFLINE_PROBE_REASON} (connect ECONNREFUSED)` });
  });

  it('a refusal by the server: the run waits for Retry, with the server’s words', async () => {
    parts.client = probeClient(() => Promise.reject(new BackendError('http', 'unknown probe', { status: 404 })));
    const diagnosis = await parts.steps.diagnose(record, check.request, check.path, false);
    expect(diagnosis).toMatchObject({ ok: false, blocked: expect.stringMatching(/could not run probe .*unknown probe/) });
  });

  it('an answer that does not match the catalog: the run waits, saying the two disagree', async () => {
    parts.client = probeClient(async (probe, request) => ({
      probe,
      customerId: request.customerId,
      observedAt: new Date(parts.clock.now()).toISOString(),
      result: { unexpected: true },
    }));
    const diagnosis = await parts.steps.diagnose(record, check.request, check.path, false);
    expect(diagnosis).toMatchObject({ ok: false, blocked: expect.stringMatching(/disagree on the probe/) });
  });

  it('a real answer: the result, and the run shows as working only while the call is in flight', async () => {
    const stub = await startStubBackend({ now: () => parts.clock.now() });
    try {
      const client = createBackendClient({ baseUrl: stub.url, token: 'test-token', timeoutMs: 3_000 });
      let wasBusy = false;
      parts.client = probeClient((probe, request) => {
        wasBusy = parts.scheduler.isBusy(record.id);
        return client.probe(probe, request);
      });
      const diagnosis = await parts.steps.diagnose(record, check.request, check.path, false);
      expect(diagnosis.ok).toBe(true);
      expect(wasBusy).toBe(true);
      expect(parts.scheduler.isBusy(record.id)).toBe(false);
    } finally {
      await stub.close();
    }
  });

  it('in practice: a simulated result, and the backend is never asked', async () => {
    const practice = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    let asked = 0;
    parts.client = probeClient(() => {
      asked += 1;
      return Promise.reject(new Error('a practice run must not probe'));
    });
    const diagnosis = await parts.steps.diagnose(practice, check.request, check.path, true);
    expect(diagnosis.ok).toBe(true);
    expect(asked).toBe(0);
  });
});

describe('advance', () => {
  let stub: StubBackend;
  beforeEach(async () => {
    const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
    stub = await startStubBackend({ now: () => parts.clock.now(), customerNames: { [ssoCustomer]: customerName } });
  });
  afterEach(() => stub.close());

  it('does the automatic steps until a person is needed: probes, then the dry-run plan, then waits for the confirmation', async () => {
    parts.client = createBackendClient({ baseUrl: stub.url, token: 'test-token', timeoutMs: 3_000 });
    parts.records.save(withStatus({ ...record, blockedReason: null }), null);
    await parts.steps.advance(record.id);
    const after = parts.records.require(record.id);
    expect(after.need?.need).toBe('action-confirm');
    expect(after.plan?.action).toBe('flags.set');
    expect(after.status).toBe('waiting');
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
  });

  it('does nothing for a run that waits (blocked) until it is cleared', async () => {
    parts.client = createBackendClient({ baseUrl: stub.url, token: 'test-token', timeoutMs: 3_000 });
    await parts.steps.advance(record.id);
    expect(parts.records.require(record.id).need?.need).toBe('check');
    expect(stub.calls).toHaveLength(0);
  });
});

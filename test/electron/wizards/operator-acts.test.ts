import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOperatorActs } from '../../../electron/wizards/operator-acts';
import { OFFLINE_PROBE_REASON } from '../../../electron/wizards/run-errors';
import type { RunRecord } from '../../../electron/wizards/store';
import { tempDirs } from '../../support/temp';
import { customerWithFault } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';

/**
 * The operator's acts on their own: each is checked against what the run waits
 * for and refused with a reason to act on; allowed ones are saved and the run's
 * automatic steps are driven again.
 */
const dirs = tempDirs('lk-operator-acts-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
let parts: Parts;
let record: RunRecord;

function acts() {
  return createOperatorActs({
    records: parts.records,
    scheduler: parts.scheduler,
    steps: parts.steps,
    library: parts.library,
    backend: () => parts.client,
    clock: parts.clock,
    operator: () => 'Ada',
  });
}

beforeEach(async () => {
  parts = openParts(dirs.make(), [ssoCustomer]);
  record = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
});
afterEach(async () => {
  await parts.close();
  dirs.cleanup();
});

describe('operator acts', () => {
  it('refuses a confirmation when the run waits for something else, saying what it waits for', async () => {
    await expect(acts().act(record.id, { type: 'confirm-action' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/not waiting for an action confirmation; it waits for check at “.+”/),
    });
  });

  it('refuses an answer the engine does not accept as a bad request, and changes nothing', async () => {
    const before = parts.records.require(record.id);
    await expect(acts().act(record.id, { type: 'answer', values: { nothing: 1 } })).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(parts.records.require(record.id)).toEqual(before);
  });

  it('answers not_found for a run this desk does not have', async () => {
    await expect(acts().act('no-such-run', { type: 'retry' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('retry clears the reason the run waited, and the run goes on by itself (here: stops again, still offline)', async () => {
    expect(record.blockedReason).toBe(OFFLINE_PROBE_REASON);
    const changesBefore = parts.changes.length;
    const retried = await acts().act(record.id, { type: 'retry' });
    expect(retried.blockedReason).toBeNull();
    await parts.scheduler.settled(record.id);
    expect(parts.records.require(record.id).blockedReason).toBe(OFFLINE_PROBE_REASON);
    expect(parts.changes.length).toBeGreaterThan(changesBefore);
  });

  it('cancel finishes the run, and afterwards every act is refused as finished', async () => {
    const cancelled = await acts().act(record.id, { type: 'cancel', reason: 'duplicate ticket' });
    expect(cancelled.status).toBe('cancelled');
    await expect(acts().act(record.id, { type: 'retry' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/has finished .*start a new one/),
    });
  });
});

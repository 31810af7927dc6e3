import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineRefusal, OFFLINE_PROBE_REASON } from '../../../electron/wizards/run-errors';
import { approvalFor, statusOf, withStatus } from '../../../electron/wizards/run-records';
import type { RunRecord } from '../../../electron/wizards/store';
import type { Approval, Plan } from '../../../shared/remediation/wire';
import { tempDirs } from '../../support/temp';
import { customerWithFault, FLEET_NOW } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';

/** The run record: status in words, the approval that counts, and saving with the event and the timeline record. */
const dirs = tempDirs('lk-run-records-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
let parts: Parts;
let record: RunRecord;

const plan: Plan = {
  planId: 'plan-1',
  action: 'flags.set',
  actionVersion: 1,
  risk: 'high',
  customer: { id: ssoCustomer, name: 'Customer' },
  params: { key: 'sso.enforce', value: false },
  changes: [{ target: 'flag sso.enforce', from: true, to: false }],
  isNoop: false,
  requiresTypedConfirmation: true,
  requiresApproval: true,
  expiresAt: '2026-11-20T13:00:00.000Z',
  createdBy: 'you',
};
const approval = (planId: string, status: Approval['status']): Approval => ({
  approvalId: 'approval-1',
  planId,
  status,
  requestedBy: 'you',
  decidedBy: null,
  note: '',
  plan,
});
const cancelAt = '2026-11-20T12:05:00.000Z';

function outboxRecords() {
  return parts.outbox.all().filter((row) => row.name === 'wizardRun.record');
}

beforeEach(async () => {
  parts = openParts(dirs.make(), [ssoCustomer]);
  record = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
});
afterEach(async () => {
  await parts.close();
  dirs.cleanup();
});

describe('status and approval', () => {
  it('a blocked run waits; cleared at an automatic step it runs; at a question it waits', () => {
    expect(record.blockedReason).toBe(OFFLINE_PROBE_REASON);
    expect(statusOf(record)).toBe('waiting');
    expect(statusOf({ ...record, blockedReason: null })).toBe('running');
    expect(withStatus({ ...record, blockedReason: null }).status).toBe('running');
    expect(statusOf({ ...record, blockedReason: null, need: null })).toBe('running');
  });

  it('an execution that needs an approval waits until it is granted', () => {
    const atExecute: RunRecord = {
      ...record,
      blockedReason: null,
      plan,
      need: {
        need: 'action-execute',
        practice: false,
        wizardId: record.wizardId,
        stepId: 'stop-enforcing',
        path: 'stop-enforcing',
        title: 'Stop enforcing SSO',
        action: 'flags.set',
        params: plan.params,
        plan: null,
        idempotencyKey: `${record.id}:stop-enforcing:1`,
      },
    };
    expect(statusOf({ ...atExecute, approval: approval('plan-1', 'pending') })).toBe('waiting');
    expect(statusOf({ ...atExecute, approval: approval('plan-1', 'granted') })).toBe('running');
  });

  it('an approval counts only for the plan it was given for', () => {
    expect(approvalFor({ ...record, plan, approval: approval('plan-1', 'granted') })?.status).toBe('granted');
    expect(approvalFor({ ...record, plan, approval: approval('an-older-plan', 'granted') })).toBeNull();
    expect(approvalFor({ ...record, plan: null, approval: approval('plan-1', 'granted') })).toBeNull();
  });
});

describe('saving', () => {
  it('a refused event throws and changes nothing', () => {
    const before = parts.records.require(record.id);
    expect(() => parts.records.transition(record, { type: 'inputs', at: cancelAt, values: {} })).toThrow(EngineRefusal);
    expect(parts.records.require(record.id)).toEqual(before);
    expect(parts.records.log(record.id).some((entry) => entry.event.type === 'inputs')).toBe(false);
  });

  it('an event is saved with the run, in the run’s log, and said to have changed it', () => {
    const cancelled = parts.records.transition(record, { type: 'cancel', at: cancelAt, reason: 'wrong customer' });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).toBe(cancelAt);
    expect(parts.records.require(record.id).state.finish?.reason).toMatch(/cancelled by the operator: wrong customer/);
    expect(parts.records.log(record.id).at(-1)?.event).toEqual({ type: 'cancel', at: cancelAt, reason: 'wrong customer' });
    expect(parts.changes).toContain(record.id);
  });

  it('a real run that finished is queued for the timeline exactly once, in the same save', () => {
    const finished = parts.records.transition(record, { type: 'cancel', at: cancelAt });
    expect(outboxRecords()).toHaveLength(1);
    expect(finished.recordMutationId).toBe(outboxRecords()[0]?.id);
    expect(parts.localWrites).toBe(1);
    parts.records.save(withStatus({ ...finished, updatedAt: FLEET_NOW }), null);
    expect(outboxRecords()).toHaveLength(1);
    expect(parts.localWrites).toBe(1);
  });

  it('a practice run is never queued for the timeline', async () => {
    const before = outboxRecords().length;
    // Practice simulates every step, so the run finishes on its own.
    const practice = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    expect(practice.state.status).toBe('finished');
    expect(practice.recordMutationId).toBeNull();
    expect(outboxRecords()).toHaveLength(before);
  });

  it('blocking keeps the run where it is and says why', () => {
    const blocked = parts.records.block({ ...record, blockedReason: null }, 'The cache query failed; sync, then press Retry.');
    expect(blocked.status).toBe('waiting');
    expect(parts.records.require(record.id).blockedReason).toBe('The cache query failed; sync, then press Retry.');
  });
});

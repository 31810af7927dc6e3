import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runView } from '../../../electron/wizards/run-view';
import type { RunRecord } from '../../../electron/wizards/store';
import { RunViewSchema } from '../../../shared/ipc/wizard-views';
import type { Approval, Plan } from '../../../shared/remediation/wire';
import { tempDirs } from '../../support/temp';
import { customerWithFault } from './support/demo-cache';
import { openParts, type Parts } from './support/parts';

/** The view of a run: what it needs (none while a call is in flight), its timeline record's state, why it waits. */
const dirs = tempDirs('lk-run-view-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
let parts: Parts;
let record: RunRecord;
const idle = { isBusy: false, mutationState: () => 'pending' as const };

beforeEach(async () => {
  parts = openParts(dirs.make(), [ssoCustomer]);
  record = await parts.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
});
afterEach(async () => {
  await parts.close();
  dirs.cleanup();
});

describe('runView', () => {
  it('shows the record as the contract describes it', () => {
    const view = runView(record, idle);
    expect(RunViewSchema.parse(view)).toEqual(view);
    expect(view).toMatchObject({ runId: record.id, status: 'waiting', need: record.need, canEditAnswers: true });
    expect(view.blockedReason).toBe(record.blockedReason);
  });

  it('shows no need while a backend call is in flight', () => {
    expect(runView(record, { ...idle, isBusy: true }).need).toBeNull();
  });

  it('tells where the finished run’s timeline record is', () => {
    const recorded = { ...record, recordMutationId: 'mutation-1' };
    expect(runView(record, idle).recordState).toBe('none');
    expect(runView(recorded, { ...idle, mutationState: () => 'pending' }).recordState).toBe('pending');
    expect(runView(recorded, { ...idle, mutationState: () => 'acknowledged' }).recordState).toBe('synced');
    expect(runView(recorded, { ...idle, mutationState: () => 'rejected' }).recordState).toBe('none');
    expect(runView({ ...recorded, practice: true }, { ...idle, mutationState: () => 'pending' }).recordState).toBe('none');
  });

  it('at an approval step with the approval pending, says who it waits for', () => {
    const plan: Plan = {
      planId: 'plan-1',
      action: 'flags.set',
      actionVersion: 1,
      risk: 'high',
      customer: { id: ssoCustomer, name: 'Customer' },
      params: {},
      changes: [],
      isNoop: false,
      requiresTypedConfirmation: false,
      requiresApproval: true,
      expiresAt: '2026-11-20T13:00:00.000Z',
      createdBy: 'you',
    };
    const approval: Approval = {
      approvalId: 'approval-7',
      planId: 'plan-1',
      status: 'pending',
      requestedBy: 'you',
      decidedBy: null,
      note: '',
      plan,
    };
    const atApproval: RunRecord = {
      ...record,
      blockedReason: null,
      plan,
      approval,
      need: {
        need: 'approval',
        practice: false,
        wizardId: record.wizardId,
        stepId: 'second-person',
        path: 'second-person',
        title: 'A second person approves',
        reason: 'high risk',
        who: 'an L3 engineer',
      },
    };
    expect(runView(atApproval, idle).blockedReason).toMatch(
      /Waiting for a second person to approve this plan \(approval approval-7\)/,
    );
    expect(runView({ ...atApproval, approval: { ...approval, status: 'granted' } }, idle).blockedReason).toBeNull();
  });
});

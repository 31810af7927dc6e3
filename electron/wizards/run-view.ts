import type { RunView } from '../../shared/ipc/wizard-views';
import { canEditAnswers } from '../../shared/wizards/engine';
import { approvalFor, statusOf } from './run-records';
import type { RunRecord } from './store';

/** What a view needs to know beyond the record. */
export type RunViewContext = {
  /** A backend call is in flight for the run: it shows no need until the call answers. */
  isBusy: boolean;
  /** Where the finished run's timeline record is: still in the outbox, rejected, or acknowledged by the server. */
  mutationState: (mutationId: string) => 'pending' | 'rejected' | 'acknowledged';
};

/** A run as the runner shows it (`runs:get`, `runs:act`, `runs:start`). */
export function runView(record: RunRecord, context: RunViewContext): RunView {
  const approval = approvalFor(record);
  const isWaitingForApproval =
    record.state.status !== 'finished' &&
    approval?.status === 'pending' &&
    (record.need?.need === 'action-execute' || record.need?.need === 'approval');
  let recordState: RunView['recordState'] = 'none';
  if (!record.practice && record.recordMutationId) {
    const state = context.mutationState(record.recordMutationId);
    recordState = state === 'pending' ? 'pending' : state === 'acknowledged' ? 'synced' : 'none';
  }
  return {
    runId: record.id,
    wizardId: record.wizardId,
    wizardVersion: record.wizardVersion,
    title: record.title,
    customerId: record.customerId,
    customerName: record.customerName,
    practice: record.practice,
    status: statusOf(record),
    startedAt: record.startedAt,
    updatedAt: record.updatedAt,
    startedBy: record.startedBy,
    state: record.state,
    need: context.isBusy ? null : record.need,
    canEditAnswers: canEditAnswers(record.state),
    plan: record.plan,
    execution: record.execution,
    approval: record.approval,
    blockedReason:
      record.blockedReason ??
      (isWaitingForApproval
        ? `Waiting for a second person to approve this plan (approval ${approval?.approvalId}); it runs as soon as it is granted.`
        : null),
    recordState,
  };
}

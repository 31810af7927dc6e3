import { ACCESS_ROLES, can, type AccessRole } from '../../shared/identity';
import { DeskError, type ErrorCode } from '../../shared/ipc/result';
import type { ApprovalsInbox } from '../../shared/ipc/views';
import type { Approval } from '../../shared/remediation/wire';
import { BackendError, type BackendClient } from '../backend/client';

/*
 * The approvals inbox (issue 14): other people's high-risk plans waiting for a
 * decision the signed-in person may give, and the decision itself. The server
 * stays the authority (approver role, never the requester or planner: 403
 * self_approval); the desk only leaves out what it would refuse.
 */

type Person = { userId: string; roles: readonly string[] };

export type ApprovalHandlerOptions = {
  backend: () => BackendClient | null;
  user: () => Person | null;
};

/** A backend answer as a contract error whose message is the server's reason. */
function deskErrorOf(error: unknown): DeskError {
  if (!(error instanceof BackendError)) return new DeskError('internal', String(error));
  if (error.kind !== 'http') return new DeskError('offline', `The backend cannot be reached: ${error.message}`);
  const byStatus: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };
  const code = byStatus[error.status ?? 0] ?? (error.status === 409 || error.status === 410 ? 'conflict' : 'unavailable');
  return new DeskError(code, error.message);
}

export function createApprovalHandlers(options: ApprovalHandlerOptions) {
  const isOwn = (approval: Approval, person: Person) =>
    approval.requestedBy === person.userId || approval.plan.createdBy === person.userId;

  return {
    'approvals:inbox': async (): Promise<ApprovalsInbox> => {
      const backend = options.backend();
      const person = options.user();
      if (!backend || !person)
        return { approvals: [], yours: [], unavailable: 'Connect to a backend and sign in to see approvals.' };
      const roles = person.roles.filter((role): role is AccessRole => (ACCESS_ROLES as readonly string[]).includes(role));
      if (!can(roles, 'approve')) {
        return {
          approvals: [],
          yours: [],
          unavailable: `Approving needs the approver role (or admin); you are ${person.roles.join(', ') || 'without a role'}.`,
        };
      }
      try {
        const pending = await backend.pendingApprovals();
        return {
          approvals: pending.filter((approval) => !isOwn(approval, person)),
          yours: pending.filter((approval) => isOwn(approval, person)),
          unavailable: null,
        };
      } catch (error) {
        throw deskErrorOf(error);
      }
    },
    'approvals:decide': async (input: { approvalId: string; decision: 'granted' | 'denied'; note: string }) => {
      const backend = options.backend();
      if (!backend) throw new DeskError('unavailable', 'No backend is configured.');
      if (input.decision === 'denied' && input.note.trim() === '')
        throw new DeskError('bad_request', 'Say why you decline: the requester reads it on their run.');
      try {
        return await backend.decideApproval(input.approvalId, { decision: input.decision, note: input.note.trim() });
      } catch (error) {
        throw deskErrorOf(error);
      }
    },
  };
}

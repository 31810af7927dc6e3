import { useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type { Approval, Plan } from '../../../../shared/remediation/wire';
import type { Json } from '../../../../shared/json';
import type { Need } from '../../../../shared/wizards/engine';
import { isMe, useMe, usePersonLabel } from '../../app/useYou';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { formatDateTime, timeTitle } from '../../lib/time';
import { scalarText } from './run-model';
import type { RunAct } from '../../../../shared/ipc/wizard-views';
import { ValueTable } from './ValueTable';

/** The risk level as a word and a shape, not colour alone. */
export function RiskBadge({ risk }: { risk: Plan['risk'] }) {
  const glyph = risk === 'high' ? '▲▲▲' : risk === 'medium' ? '▲▲' : '▲';
  return (
    <span className={`risk-badge risk-${risk}`}>
      <span aria-hidden="true">{glyph}</span> {risk} risk
    </span>
  );
}

function ChangeValue({ value }: { value: Json }) {
  return <code>{scalarText(value)}</code>;
}

/** The plan as a before/after table, with what it acts on and how risky it is. */
export function PlanTable({ plan }: { plan: Plan }) {
  return (
    <div className="plan">
      <dl className="plan-facts">
        <div>
          <dt>Action</dt>
          <dd>
            <code>{plan.action}</code> <span className="muted">v{plan.actionVersion}</span>
          </dd>
        </div>
        <div>
          <dt>Customer</dt>
          <dd>
            {plan.customer.name} <span className="muted">({plan.customer.id})</span>
          </dd>
        </div>
        <div>
          <dt>Risk</dt>
          <dd>
            <RiskBadge risk={plan.risk} />
          </dd>
        </div>
        <div>
          <dt>Plan valid until</dt>
          <dd>
            <time dateTime={plan.expiresAt} title={timeTitle(plan.expiresAt)}>
              {formatDateTime(plan.expiresAt)}
            </time>
          </dd>
        </div>
      </dl>
      {plan.isNoop ? (
        <p className="plan-noop" role="note">
          Nothing would change: the customer is already in the wanted state. Confirming records that and changes nothing.
        </p>
      ) : null}
      <table className="plan-table" aria-label="What will change">
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Before</th>
            <th scope="col" aria-hidden="true" />
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {plan.changes.length === 0 ? (
            <tr>
              <td colSpan={4} className="muted">
                No changes.
              </td>
            </tr>
          ) : (
            plan.changes.map((change, index) => (
              <tr key={`${change.target}-${index}`}>
                <th scope="row">{change.target}</th>
                <td className="plan-before">
                  <ChangeValue value={change.from ?? null} />
                </td>
                <td aria-hidden="true" className="plan-arrow">
                  →
                </td>
                <td className="plan-after">
                  <ChangeValue value={change.to ?? null} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** The approval of a plan, as the runner shows it while it is requested, pending or decided. */
export function ApprovalStatus({ approval }: { approval: Approval }) {
  const label = usePersonLabel();
  const me = useMe();
  if (approval.status === 'pending') {
    // The server refuses the requester (and the plan's author) as approver: say so to them.
    const isOwnRequest = isMe(me, { userId: approval.requestedBy }) || isMe(me, { userId: approval.plan.createdBy });
    return (
      <div className="approval-status approval-pending" role="status">
        <span className="spinner" aria-hidden="true" /> Waiting for approval from a second person. Requested by{' '}
        {label(approval.requestedByName ?? approval.requestedBy, approval.requestedBy)}; status: <strong>pending</strong>.
        {isOwnRequest ? ' You cannot approve your own request: someone else with the approver role decides it.' : null}
      </div>
    );
  }
  return (
    <div className={`approval-status approval-${approval.status}`} role="status">
      {approval.status === 'granted' ? 'Approved' : 'Denied'} by{' '}
      {approval.decidedBy || approval.decidedByName
        ? label(approval.decidedByName ?? approval.decidedBy, approval.decidedBy)
        : 'the approver'}
      {approval.note ? `: ${approval.note}` : '.'}
    </div>
  );
}

/** Why an action cannot be confirmed now, or null. */
function blockerOf(
  plan: Plan,
  typed: string,
  approval: Approval | null,
  offlineReason: string | null,
  blockedReason: string | null,
): string | null {
  if (offlineReason) return offlineReason;
  if (blockedReason) return 'This step is blocked; see the message above, then press Retry.';
  if (plan.requiresApproval && approval?.status !== 'granted') {
    if (approval?.status === 'pending') return 'Waiting for the approval before this can run.';
    if (approval?.status === 'denied') return 'The approval was denied; request it again or cancel the run.';
    return 'This high-risk plan needs approval from a second person first: press Request approval.';
  }
  if (plan.requiresTypedConfirmation && typed.trim() !== plan.customer.name)
    return `Type the customer name exactly as shown (${plan.customer.name}) to enable Confirm.`;
  return null;
}

/**
 * The dry-run plan and the explicit confirmation: typed customer name for high
 * risk, a second person's approval when the server asks for one, and never
 * while offline or blocked.
 */
export function ActionConfirm({
  view,
  need,
  offlineReason,
  act,
}: {
  view: RunView;
  need: Extract<Need, { need: 'action-confirm' }>;
  offlineReason: string | null;
  act: (act: RunAct) => Promise<ContractError | null>;
}) {
  const [typed, setTyped] = useState('');
  const [isSending, setSending] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const typedId = useId();
  const reasonId = useId();
  const plan = view.plan;

  if (!plan) {
    return (
      <>
        <p>The server’s plan for this step:</p>
        <ValueTable value={need.plan} label="Plan" />
        <p className="muted">The plan details are still loading from the desk.</p>
      </>
    );
  }
  const approval = view.approval && view.approval.planId === plan.planId ? view.approval : null;
  const blocker = blockerOf(plan, typed, approval, offlineReason, view.blockedReason);

  const send = async (request: RunAct) => {
    setSending(true);
    setError(await act(request));
    setSending(false);
  };
  const needsApprovalRequest = plan.requiresApproval && (!approval || approval.status === 'denied');

  return (
    <div className="action-confirm">
      {need.replanned ? (
        <div className="plan-replanned" role="alert">
          <p>
            <strong>The plan changed since you confirmed it, so nothing was run.</strong> The server says: {need.replanned}.
          </p>
          <p>Check the new plan below and confirm again, or cancel the run.</p>
        </div>
      ) : null}
      <p>
        The server made a dry run of <code>{need.action}</code>. Nothing has changed yet: check the plan, then confirm.
      </p>
      <PlanTable plan={plan} />
      {plan.requiresApproval ? (
        <div className="approval-block">
          <p>This plan needs approval from a second person before it runs.</p>
          {approval ? <ApprovalStatus approval={approval} /> : null}
          {needsApprovalRequest ? (
            <GatedButton
              capability={view.practice ? 'read' : 'operate'}
              type="button"
              className="primary"
              data-primary="true"
              disabled={isSending || offlineReason !== null}
              onClick={() => void send({ type: 'request-approval', reason: '' })}
            >
              Request approval
            </GatedButton>
          ) : null}
        </div>
      ) : null}
      {plan.requiresTypedConfirmation ? (
        <div className="run-field typed-confirmation">
          <label htmlFor={typedId}>Type the customer name to confirm</label>
          <p className="muted" id={`${typedId}-hint`}>
            This is a high-risk action. Type <strong>{plan.customer.name}</strong> exactly.
          </p>
          <input
            id={typedId}
            type="text"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${typedId}-hint`}
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && blocker === null) {
                event.preventDefault();
                void send({ type: 'confirm-action', typedConfirmation: typed.trim() });
              }
            }}
          />
        </div>
      ) : null}
      <div className="run-actions">
        <GatedButton
          capability={view.practice ? 'read' : 'operate'}
          type="button"
          className="primary danger"
          data-primary={needsApprovalRequest ? undefined : 'true'}
          disabled={blocker !== null || isSending}
          aria-describedby={blocker ? reasonId : undefined}
          onClick={() =>
            void send(
              plan.requiresTypedConfirmation
                ? { type: 'confirm-action', typedConfirmation: typed.trim() }
                : { type: 'confirm-action' },
            )
          }
        >
          {isSending ? 'Sending…' : 'Confirm and run'}
        </GatedButton>
      </div>
      {blocker ? (
        <p id={reasonId} className="confirm-blocker">
          {blocker}
        </p>
      ) : null}
      {error ? <ErrorMessage compact title="The action was not confirmed" error={error} /> : null}
    </div>
  );
}

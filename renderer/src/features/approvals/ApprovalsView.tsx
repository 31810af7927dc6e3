import { useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { Approval } from '../../../../shared/remediation/wire';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatDateTime, timeTitle } from '../../lib/time';
import { formatValue } from '../../lib/values';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';

type Outcome = { approvalId: string; text: string };

function ApprovalItem({ approval, onDecided }: { approval: Approval; onDecided: (outcome: Outcome) => void }) {
  const desk = useDesk();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ContractError | null>(null);
  const [isBusy, setBusy] = useState(false);
  const { plan } = approval;
  const titleId = `approval-${approval.approvalId}`;
  const asker = approval.requestedByName ?? approval.requestedBy;

  const decide = async (decision: 'granted' | 'denied') => {
    if (decision === 'denied' && note.trim() === '') {
      setError({ code: 'bad_request', message: 'Say why you decline: the requester reads it on their run.' });
      return;
    }
    setBusy(true);
    const result = await desk.approvals.decide({ approvalId: approval.approvalId, decision, note });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    onDecided({
      approvalId: approval.approvalId,
      text: `${decision === 'granted' ? 'Approved' : 'Declined'}: ${plan.action} for ${plan.customer.name}, asked by ${asker}.`,
    });
  };

  return (
    <li>
      <article aria-labelledby={titleId} className="approval-card">
        <h2 id={titleId}>
          {plan.action} for {plan.customer.name}
        </h2>
        <dl className="detail-grid">
          <dt>Asked by</dt>
          <dd>{asker}</dd>
          <dt>Customer</dt>
          <dd>
            {plan.customer.name} <code>{plan.customer.id}</code>
          </dd>
          <dt>Risk</dt>
          <dd>{plan.risk}</dd>
          {approval.reason ? (
            <>
              <dt>Why</dt>
              <dd>{approval.reason}</dd>
            </>
          ) : null}
          <dt>Open until</dt>
          <dd>
            <time dateTime={plan.expiresAt} title={timeTitle(plan.expiresAt)}>
              {formatDateTime(plan.expiresAt)}
            </time>
          </dd>
        </dl>
        <h3>The plan</h3>
        {plan.changes.length === 0 ? (
          <p className="muted">Nothing would change.</p>
        ) : (
          <ul aria-label={`Changes of ${plan.action} for ${plan.customer.name}`}>
            {plan.changes.map((change) => (
              <li key={change.target}>
                {change.target}: <code>{formatValue(change.from)}</code> → <code>{formatValue(change.to)}</code>
              </li>
            ))}
          </ul>
        )}
        <label className="field">
          <span>Reason (required to decline)</span>
          <textarea value={note} maxLength={2000} onChange={(event) => setNote(event.target.value)} />
        </label>
        {error ? <ErrorMessage title="The decision was not recorded" error={error} compact /> : null}
        <div className="button-row">
          <button type="button" disabled={isBusy} onClick={() => void decide('granted')}>
            Approve
          </button>
          <button type="button" disabled={isBusy} onClick={() => void decide('denied')}>
            Decline
          </button>
        </div>
      </article>
    </li>
  );
}

/**
 * The approvals inbox (issue 14): other people's high-risk plans waiting for a
 * decision the signed-in person may give — never their own requests (the
 * server refuses those: self_approval) — with who asked, for which customer,
 * why, and the plan; approve, or decline with a reason.
 */
export function ApprovalsView() {
  const desk = useDesk();
  const [reads, setReads] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { value: inbox, error, retry } = useDeskAnswer(`${reads}`, () => desk.approvals.inbox());
  const waiting = inbox?.approvals.filter((approval) => approval.approvalId !== outcome?.approvalId) ?? [];

  return (
    <section aria-labelledby="page-title" className="page approvals-page">
      <div className="page-heading">
        <h1 id="page-title">Approvals</h1>
        <button type="button" onClick={() => setReads((count) => count + 1)}>
          Refresh
        </button>
      </div>
      <p role="status">{outcome?.text ?? ''}</p>
      {error ? <ErrorMessage title="The approvals could not be read" error={error} onRetry={retry} /> : null}
      {inbox?.unavailable ? <p>{inbox.unavailable}</p> : null}
      {inbox && !inbox.unavailable && waiting.length === 0 ? (
        <p className="muted">Nothing is waiting for your approval.</p>
      ) : null}
      {waiting.length > 0 ? (
        <ul className="approval-list" aria-label="Waiting for your approval">
          {waiting.map((approval) => (
            <ApprovalItem key={approval.approvalId} approval={approval} onDecided={setOutcome} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

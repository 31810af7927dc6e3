import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { Approval } from '../../../../shared/remediation/wire';
import { useDesk } from '../../api/DeskContext';
import { listMoveOf, matchesShortcut } from '../../app/shortcuts';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { usePersonLabel } from '../../app/useYou';
import { ErrorMessage } from '../../components/ErrorMessage';
import { isTypingTarget } from '../../lib/keys';
import { formatDateTime, timeTitle } from '../../lib/time';
import { formatValue } from '../../lib/values';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import './approvals.css';

/** Approvals live on the server, not in the synced cache: besides every cache change, the page asks again this often. */
export const APPROVALS_REREAD_MS = 30_000;

const CARD = '[data-approval-card]';

function focusCard(list: HTMLElement | null, index: number) {
  const cards = list?.querySelectorAll<HTMLElement>(CARD) ?? [];
  cards[Math.min(Math.max(index, 0), cards.length - 1)]?.focus();
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={timeTitle(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}

/** Who asked, the customer, the risk, why, until when, and the plan's changes. */
function ApprovalFacts({ approval }: { approval: Approval }) {
  const label = usePersonLabel();
  const { plan } = approval;
  return (
    <>
      <dl className="approval-facts">
        <dt>Asked by</dt>
        <dd>{label(approval.requestedByName ?? approval.requestedBy, approval.requestedBy)}</dd>
        {plan.createdBy !== approval.requestedBy ? (
          <>
            <dt>Planned by</dt>
            <dd>{label(plan.createdByName ?? plan.createdBy, plan.createdBy)}</dd>
          </>
        ) : null}
        <dt>Customer</dt>
        <dd>
          {plan.customer.name} <code>{plan.customer.id}</code>
        </dd>
        <dt>Risk</dt>
        <dd className={`approval-risk-${plan.risk}`}>{plan.risk}</dd>
        {approval.reason ? (
          <>
            <dt>Why</dt>
            <dd>{approval.reason}</dd>
          </>
        ) : null}
        <dt>Open until</dt>
        <dd>
          <Time iso={plan.expiresAt} />
        </dd>
      </dl>
      <h3>The plan</h3>
      {plan.changes.length === 0 ? (
        <p className="muted">Nothing would change.</p>
      ) : (
        <ul className="approval-changes" aria-label={`Changes of ${plan.action} for ${plan.customer.name}`}>
          {plan.changes.map((change) => (
            <li key={change.target}>
              {change.target}: <code>{formatValue(change.from)}</code> → <code>{formatValue(change.to)}</code>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ApprovalCard({ approval, onDecided }: { approval: Approval; onDecided: (decided: Approval) => void }) {
  const desk = useDesk();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ContractError | null>(null);
  const [isBusy, setBusy] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const { plan } = approval;
  const titleId = `approval-${approval.approvalId}`;

  const decide = async (decision: 'granted' | 'denied') => {
    if (decision === 'denied' && note.trim() === '') {
      setError({ code: 'bad_request', message: 'Say why you decline: the requester reads it on their run.' });
      noteRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await desk.approvals.decide({ approvalId: approval.approvalId, decision, note });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    onDecided(result.value);
  };

  // Enter on the card opens the decision: the reason field, then Approve and Decline by Tab.
  const onKeyDown = (event: ReactKeyboardEvent<HTMLElement>) => {
    if (event.target !== event.currentTarget || !matchesShortcut(event, 'list-open')) return;
    event.preventDefault();
    noteRef.current?.focus();
  };

  return (
    <li>
      <article aria-labelledby={titleId} className="approval-card" tabIndex={0} data-approval-card onKeyDown={onKeyDown}>
        <h2 id={titleId}>
          {plan.action} for {plan.customer.name}
        </h2>
        <ApprovalFacts approval={approval} />
        <div className="approval-decision">
          <label className="field">
            <span>Reason (required to decline)</span>
            <textarea ref={noteRef} value={note} maxLength={2000} onChange={(event) => setNote(event.target.value)} />
          </label>
          <div className="approval-buttons">
            <button type="button" className="primary" disabled={isBusy} onClick={() => void decide('granted')}>
              Approve
            </button>
            <button type="button" disabled={isBusy} onClick={() => void decide('denied')}>
              Decline
            </button>
          </div>
        </div>
        {error ? <ErrorMessage title="The decision was not recorded" error={error} compact /> : null}
      </article>
    </li>
  );
}

/** A request of the signed-in person: shown with the reason it is not theirs to decide. */
function YourRequestCard({ approval }: { approval: Approval }) {
  const { plan } = approval;
  const titleId = `approval-${approval.approvalId}`;
  return (
    <li>
      <article aria-labelledby={titleId} className="approval-card is-yours" tabIndex={0} data-approval-card>
        <h2 id={titleId}>
          {plan.action} for {plan.customer.name}
        </h2>
        <ApprovalFacts approval={approval} />
        <p className="approval-self">
          You asked for this approval{plan.createdBy !== approval.requestedBy ? ' (or made its plan)' : ''}, so you cannot approve
          it yourself: a second person with the approver role decides it. It stays here until they do.
        </p>
      </article>
    </li>
  );
}

function decisionText(approval: Approval, label: ReturnType<typeof usePersonLabel>): string {
  const decider = label(approval.decidedByName ?? approval.decidedBy, approval.decidedBy) || 'the approver';
  const asker = label(approval.requestedByName ?? approval.requestedBy, approval.requestedBy);
  return `${approval.status === 'granted' ? 'Approved' : 'Declined'} by ${decider}: ${approval.plan.action} for ${approval.plan.customer.name}, asked by ${asker}${approval.note ? ` — ${approval.note}` : ''}.`;
}

/**
 * The approvals inbox (issue 14): other people's high-risk plans waiting for a
 * decision the signed-in person may give — never their own requests (the
 * server refuses those: self_approval), which are listed apart with the reason —
 * with who asked, for which customer, why, and the plan; approve, or decline with
 * a reason. Read again on every cache change, on focus and every
 * {@link APPROVALS_REREAD_MS}; j/k move between requests, Enter starts a decision.
 */
export function ApprovalsView() {
  const desk = useDesk();
  const label = usePersonLabel();
  const [reads, setReads] = useState(0);
  const [decided, setDecided] = useState<Approval[]>([]);
  const reread = useCallback(() => setReads((count) => count + 1), []);
  const { value: inbox, error, retry } = useDeskAnswer(`${reads}`, () => desk.approvals.inbox());
  const listsRef = useRef<HTMLDivElement>(null);

  useCacheRefresh(
    useCallback(() => true, []),
    reread,
  );
  useEffect(() => {
    const timer = window.setInterval(reread, APPROVALS_REREAD_MS);
    window.addEventListener('focus', reread);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('focus', reread);
    };
  }, [reread]);

  // j/k from elsewhere on the page go to the first request, as on the other lists.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTypingTarget(event.target) || !matchesShortcut(event, 'list-enter')) return;
      if (event.target instanceof Element && event.target.closest(`[role="dialog"], ${CARD}`)) return;
      event.preventDefault();
      focusCard(listsRef.current, 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onListsKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const card = event.target instanceof HTMLElement ? event.target.closest(CARD) : null;
    if (!card || card !== event.target) return;
    const delta = listMoveOf(event, 3);
    if (delta === null) return;
    event.preventDefault();
    event.stopPropagation();
    const cards = [...(listsRef.current?.querySelectorAll(CARD) ?? [])];
    const index = cards.indexOf(card);
    focusCard(listsRef.current, Math.abs(delta) === Number.MAX_SAFE_INTEGER ? (delta > 0 ? cards.length - 1 : 0) : index + delta);
  };

  const onDecided = (approval: Approval) => {
    setDecided((list) => [approval, ...list.filter((item) => item.approvalId !== approval.approvalId)]);
    reread();
  };
  const decidedIds = new Set(decided.map((approval) => approval.approvalId));
  const waiting = inbox?.approvals.filter((approval) => !decidedIds.has(approval.approvalId)) ?? [];
  const yours = inbox?.yours ?? [];
  const latest = decided[0];

  return (
    <section aria-labelledby="page-title" className="page approvals-page">
      <div className="page-heading">
        <h1 id="page-title">Approvals</h1>
        <p className="muted">
          High-risk plans wait here for a second person. j and k move between requests; Enter starts your decision.
        </p>
        <button type="button" onClick={reread}>
          Refresh
        </button>
      </div>
      <p role="status">{latest ? decisionText(latest, label) : ''}</p>
      {error ? <ErrorMessage title="The approvals could not be read" error={error} onRetry={retry} /> : null}
      {inbox?.unavailable ? <p className="panel">{inbox.unavailable}</p> : null}
      {/* The list keys move between the cards of both lists. */}
      <div ref={listsRef} onKeyDown={onListsKeyDown}>
        {inbox && !inbox.unavailable && waiting.length === 0 ? (
          <p className="muted">Nothing is waiting for your approval.</p>
        ) : null}
        {waiting.length > 0 ? (
          <ul className="approval-list" aria-label="Waiting for your approval">
            {waiting.map((approval) => (
              <ApprovalCard key={approval.approvalId} approval={approval} onDecided={onDecided} />
            ))}
          </ul>
        ) : null}
        {yours.length > 0 ? (
          <section aria-labelledby="your-requests-title">
            <h2 id="your-requests-title">Your requests, waiting for someone else</h2>
            <ul className="approval-list" aria-label="Your requests">
              {yours.map((approval) => (
                <YourRequestCard key={approval.approvalId} approval={approval} />
              ))}
            </ul>
          </section>
        ) : null}
      </div>
      {decided.length > 0 ? (
        <section aria-labelledby="decided-title" className="panel">
          <h2 id="decided-title">Decided here</h2>
          <ul className="approval-decided" aria-label="Decided here">
            {decided.map((approval) => (
              <li key={approval.approvalId}>
                <span className={`approval-${approval.status}`}>{approval.status === 'granted' ? 'Approved' : 'Declined'}</span>{' '}
                by {label(approval.decidedByName ?? approval.decidedBy, approval.decidedBy) || 'the approver'}:{' '}
                {approval.plan.action} for {approval.plan.customer.name}, asked by{' '}
                {label(approval.requestedByName ?? approval.requestedBy, approval.requestedBy)}
                {approval.note ? ` — ${approval.note}` : ''}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}

import { useId, useState } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type {
  DiagnosticRequest,
  GroupCheckRecord,
  Need,
  ReasonCondition,
  ReasonEvidence,
  RunState,
  StepReason,
} from '../../../../shared/wizards/engine';
import type { Step } from '../../../../shared/wizards/format';
import { ErrorMessage } from '../../components/ErrorMessage';
import { GatedButton } from '../../components/GatedButton';
import { SafeMarkdown } from '../../components/SafeMarkdown';
import { useNow } from '../../components/useNow';
import { formatDateTime, formatTime, timeTitle } from '../../lib/time';
import { ApprovalStatus } from './ActionConfirm';
import { currentRecord, maxVerifyAttempts } from './run-model';
import type { RunAct } from '../../../../shared/ipc/wizard-views';
import { ValueTable } from './ValueTable';

/** Sends an act and says whether the desk refused it. */
export type SendAct = (act: RunAct) => Promise<ContractError | null>;

/** "cache query changes (feature sso, within 24h)" / "server probe sso.metadata". */
export function describeRequest(request: DiagnosticRequest): string {
  const params = Object.entries(request.params).map(
    ([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  const name = request.source === 'cache' ? `cache query ${request.query}` : `server probe ${request.probe}`;
  return params.length > 0 ? `${name} (${params.join(', ')})` : name;
}

/** Every value the conditions read, each once, in the order they were read. */
function evidenceOf(conditions: readonly ReasonCondition[]): ReasonEvidence[] {
  const seen = new Map<string, ReasonEvidence>();
  for (const condition of conditions) for (const item of condition.evidence) if (!seen.has(item.name)) seen.set(item.name, item);
  return [...seen.values()];
}

function conditionResult(condition: ReasonCondition): string {
  if (condition.value === 'error') return `could not be evaluated (${condition.detail ?? 'unknown error'})`;
  return condition.value === 'true' ? 'held' : 'did not hold';
}

/** The values a decision read, in words: `health from “Customer health”: degraded`. */
export function EvidenceList({ conditions }: { conditions: readonly ReasonCondition[] }) {
  const evidence = evidenceOf(conditions);
  if (evidence.length === 0) return null;
  return (
    <ul className="why-evidence" aria-label="Evidence">
      {evidence.map((item) => (
        <li key={item.name}>
          {item.label}: <strong>{item.shown}</strong>
        </li>
      ))}
    </ul>
  );
}

/** The conditions a decision weighed and the values they read: what a Details toggle reveals (#15). */
export function ReasonConditions({ conditions }: { conditions: readonly ReasonCondition[] }) {
  return (
    <ul className="conditions">
      {conditions.map((condition, index) => (
        <li key={index}>
          <code>{condition.when}</code> {conditionResult(condition)}
          {condition.label ? <span className="muted"> ({condition.label})</span> : null}
          {condition.evidence.length > 0 ? (
            <ul className="condition-values">
              {condition.evidence.map((item) => (
                <li key={item.name}>
                  <code>{item.name}</code> = <code>{item.json ?? '(not there)'}</code>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * "Why this step" (#15): why the wizard asks this step now, in words, with the
 * evidence the decision read; the conditions and raw values behind Details.
 */
export function WhyThisStep({ reason }: { reason: StepReason }) {
  const headingId = useId();
  return (
    <section className="why-step" aria-labelledby={headingId} data-testid="why-step">
      <h3 id={headingId}>Why this step</h3>
      <p data-testid="step-reason">{reason.text}</p>
      <EvidenceList conditions={reason.conditions} />
      {reason.conditions.length > 0 ? (
        <details className="why-details">
          <summary>Details</summary>
          <ReasonConditions conditions={reason.conditions} />
        </details>
      ) : null}
    </section>
  );
}

function Working({ children }: { children: string }) {
  return (
    <p className="working" role="status">
      <span className="spinner" aria-hidden="true" /> {children}
    </p>
  );
}

/** A button row whose primary acts on the run and shows the desk's refusal under it. */
function useSend(send: SendAct) {
  const [isSending, setSending] = useState(false);
  const [error, setError] = useState<ContractError | null>(null);
  const run = async (act: RunAct) => {
    setSending(true);
    setError(await send(act));
    setSending(false);
  };
  return { isSending, error, run };
}

/**
 * What a check or verify step is doing: "Checking…" only while it runs. A step the
 * desk stopped (offline, refused) is not running; it says so and what restarts it (#15).
 */
function CheckState({ isBlocked, request }: { isBlocked: boolean; request: DiagnosticRequest }) {
  if (!isBlocked) return <Working>Checking…</Working>;
  return (
    <p className="working is-stopped" role="status" data-testid="check-state">
      {request.source === 'probe'
        ? 'Not checked yet: this check needs the backend. It runs by itself once the backend is back, or when you press Retry above.'
        : 'Not checked yet: this step is stopped (the reason is above). Press Retry above to run it again.'}
    </p>
  );
}

/** What one check of a parallel group asked, in words. */
function groupCheckRequest(check: GroupCheckRecord): DiagnosticRequest {
  return check.source === 'cache'
    ? { source: 'cache', query: check.name, params: check.params }
    : { source: 'probe', probe: check.name, params: check.params };
}

/**
 * The checks of a parallel group, each with its state and, once it answered,
 * its evidence (the current step's panel and the step list both show it).
 */
export function GroupChecks({
  title,
  checks,
  isSimulated = false,
  isBlocked = false,
}: {
  title: string;
  checks: readonly GroupCheckRecord[];
  isSimulated?: boolean;
  isBlocked?: boolean;
}) {
  return (
    <ul className="group-checks" aria-label={`Checks of ${title}`}>
      {checks.map((check) => (
        <li key={check.id} data-testid="group-check" data-check={check.id}>
          <p>
            <strong>{check.title}</strong>{' '}
            <span data-testid="group-check-state">
              {check.landed ? '— answered' : check.error ? '— failed' : isBlocked ? '— not run yet' : '— running…'}
            </span>
          </p>
          <p className="muted">
            From the {describeRequest(groupCheckRequest(check))}
            {isSimulated ? ' (simulated for practice)' : ''}
          </p>
          {check.landed ? <ValueTable value={check.result} label={`Evidence from ${check.title}`} /> : null}
          {!check.landed && check.error ? (
            <p className="field-error">
              {check.title} failed: {check.error}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A parallel group waiting for its checks: which have answered (with their evidence) and which are still running or failed. */
export function ParallelPanel({
  need,
  state,
  isBlocked = false,
}: {
  need: Extract<Need, { need: 'parallel' }>;
  state: RunState;
  isBlocked?: boolean;
}) {
  const record = currentRecord(state);
  const checks = record?.path === need.path ? (record.group ?? []) : [];
  const waiting = need.checks.length;
  return (
    <>
      {isBlocked ? (
        <p className="working is-stopped" role="status" data-testid="check-state">
          {`Not every check has answered: ${waiting} of ${checks.length} still ${waiting === 1 ? 'needs' : 'need'} a result. The reason is above; press Retry above to run only ${waiting === 1 ? 'that check' : 'those checks'} again — the answers already in are kept.`}
        </p>
      ) : (
        <Working>{`Running ${waiting} ${waiting === 1 ? 'check' : 'checks'} at the same time…`}</Working>
      )}
      <p>The run goes on once every check below has answered.</p>
      <GroupChecks title={need.title} checks={checks} isSimulated={need.isSimulated} isBlocked={isBlocked} />
    </>
  );
}

export function CheckPanel({ need, isBlocked = false }: { need: Extract<Need, { need: 'check' }>; isBlocked?: boolean }) {
  return (
    <>
      <CheckState isBlocked={isBlocked} request={need.request} />
      <p>
        Running the {describeRequest(need.request)}
        {need.isSimulated
          ? ' — simulated for practice'
          : need.request.source === 'cache'
            ? ' against the local cache (works offline)'
            : ' on the server'}
        .
      </p>
      {need.lastError ? <p className="field-error">The last attempt failed: {need.lastError}</p> : null}
    </>
  );
}

function secondsUntil(iso: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

export function VerifyPanel({
  need,
  state,
  step,
  isBlocked = false,
}: {
  need: Extract<Need, { need: 'verify-attempt' }>;
  state: RunState;
  step: Step | undefined;
  isBlocked?: boolean;
}) {
  const now = useNow(1000);
  const max = maxVerifyAttempts(step);
  const record = currentRecord(state);
  const attempts = record?.path === need.path ? (record.attempts ?? []) : [];
  const last = attempts[attempts.length - 1];
  const nextIn = secondsUntil(need.dueAt, now);
  const deadlineIn = secondsUntil(need.deadline, now);
  return (
    <>
      <CheckState isBlocked={isBlocked} request={need.request} />
      <dl className="facts verify-facts">
        <dt>Attempt</dt>
        <dd data-testid="verify-attempt">
          attempt {need.attempt}
          {max ? ` of ${max}` : ''}
        </dd>
        <dt>Next attempt</dt>
        <dd>{nextIn > 0 ? `in ${waitText(nextIn)}` : 'now'}</dd>
        <dt>Gives up</dt>
        <dd>
          at{' '}
          <time dateTime={need.deadline} title={timeTitle(need.deadline)}>
            {formatTime(need.deadline)}
          </time>{' '}
          ({deadlineIn > 0 ? `in ${waitText(deadlineIn)}` : 'now'})
        </dd>
        <dt>Healthy when</dt>
        <dd>
          <code>{need.until}</code>
        </dd>
        <dt>Checks</dt>
        <dd>
          the {describeRequest(need.request)}
          {need.isSimulated ? ' (simulated for practice)' : ''}
        </dd>
      </dl>
      {last ? (
        <div className="verify-last">
          <p>
            Last attempt at{' '}
            <time dateTime={last.at} title={timeTitle(last.at)}>
              {formatTime(last.at)}
            </time>
            : {last.held ? 'healthy' : `not yet${last.detail ? ` (${last.detail})` : ''}`}
          </p>
          {last.result !== null ? <ValueTable value={last.result} label="Last attempt result" /> : null}
        </div>
      ) : null}
    </>
  );
}

export function GuidancePanel({ need, send }: { need: Extract<Need, { need: 'guidance' }>; send: SendAct }) {
  const [isConfirmed, setConfirmed] = useState(false);
  const { isSending, error, run } = useSend(send);
  const reasonId = useId();
  const isBlocked = need.confirm !== null && !isConfirmed;
  return (
    <>
      <SafeMarkdown source={need.text} />
      {need.confirm ? (
        <label className="check guidance-confirm">
          <input type="checkbox" checked={isConfirmed} onChange={(event) => setConfirmed(event.target.checked)} />
          {need.confirm}
        </label>
      ) : null}
      <div className="run-actions">
        <button
          type="button"
          className="primary"
          data-primary="true"
          disabled={isBlocked || isSending}
          aria-describedby={isBlocked ? reasonId : undefined}
          onClick={() => void run(need.confirm ? { type: 'continue', confirmed: true } : { type: 'continue' })}
        >
          Continue
        </button>
      </div>
      {isBlocked ? (
        <p id={reasonId} className="muted">
          Tick the statement above to continue.
        </p>
      ) : null}
      {error ? <ErrorMessage compact title="The run did not continue" error={error} /> : null}
    </>
  );
}

export function ApprovalPanel({ need, view, send }: { need: Extract<Need, { need: 'approval' }>; view: RunView; send: SendAct }) {
  const { isSending, error, run } = useSend(send);
  const approval = view.approval;
  const isPending = approval?.status === 'pending';
  return (
    <>
      <SafeMarkdown source={need.reason} />
      <p>
        Approver role: <strong>{need.who}</strong>
        {view.practice ? ' (simulated in practice: it is granted at once)' : ''}
      </p>
      {approval ? <ApprovalStatus approval={approval} /> : null}
      {!isPending ? (
        <div className="run-actions">
          <GatedButton
            capability={view.practice ? 'read' : 'operate'}
            type="button"
            className="primary"
            data-primary="true"
            disabled={isSending}
            onClick={() => void run({ type: 'request-approval', reason: '' })}
          >
            Request approval
          </GatedButton>
        </div>
      ) : null}
      {error ? <ErrorMessage compact title="The approval was not requested" error={error} /> : null}
    </>
  );
}

export function EscalatePanel({ need, send }: { need: Extract<Need, { need: 'escalate' }>; send: SendAct }) {
  const [reference, setReference] = useState('');
  const { isSending, error, run } = useSend(send);
  const referenceId = useId();
  return (
    <>
      <p>
        Hand the case to <strong>{need.team}</strong> with this summary:
      </p>
      <blockquote className="escalation-summary">
        <SafeMarkdown source={need.summary} />
      </blockquote>
      <form
        className="run-form"
        aria-label="Escalation"
        onSubmit={(event) => {
          event.preventDefault();
          void run(reference.trim() ? { type: 'escalated', reference: reference.trim() } : { type: 'escalated' });
        }}
      >
        <div className="run-field">
          <label htmlFor={referenceId}>
            Reference <span className="muted">(optional: the ticket or incident you filed)</span>
          </label>
          <input
            id={referenceId}
            type="text"
            maxLength={500}
            value={reference}
            onChange={(event) => setReference(event.target.value)}
          />
        </div>
        <div className="run-actions">
          <button type="submit" className="primary" data-primary="true" disabled={isSending}>
            Mark escalated
          </button>
        </div>
      </form>
      {error ? <ErrorMessage compact title="The escalation was not recorded" error={error} /> : null}
    </>
  );
}

export function ActionPlanPanel({ need }: { need: Extract<Need, { need: 'action-plan' }> }) {
  return (
    <>
      <Working>{`Asking the server for a dry-run plan of ${need.action}…`}</Working>
      <ValueTable value={need.params} label="Action parameters" />
    </>
  );
}

export function ActionExecutePanel({ need, view }: { need: Extract<Need, { need: 'action-execute' }>; view: RunView }) {
  const approval = view.approval && view.plan && view.approval.planId === view.plan.planId ? view.approval : null;
  return (
    <>
      {approval?.status === 'pending' ? (
        <ApprovalStatus approval={approval} />
      ) : (
        <Working>{`Running ${need.action} on the server…`}</Working>
      )}
      <p className="muted">
        Idempotency key <code>{need.idempotencyKey}</code>: a retry can never run the action twice.
      </p>
    </>
  );
}

export function SimulatedActionPanel({ need }: { need: Extract<Need, { need: 'simulated-action' }> }) {
  return (
    <>
      <Working>{`Simulating ${need.action}…`}</Working>
      <p>
        In a real run the server would plan <code>{need.action}</code> with these parameters, show you the change and run it after
        your confirmation. Here nothing is sent to the server.
      </p>
      <ValueTable value={need.params} label="What would be sent" />
    </>
  );
}

export function LinkPanel({ need }: { need: Extract<Need, { need: 'wizard' }> }) {
  return <Working>{`Opening the linked wizard ${need.linkedWizardId}…`}</Working>;
}

export function BusyPanel() {
  return <Working>Working on it: the desk is talking to the backend…</Working>;
}

/** When the run started, for the header. */
export function startedText(view: RunView): string {
  return formatDateTime(view.startedAt);
}

import { useId, useState } from 'react';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type { Json } from '../../../../shared/json';
import type { RunState, StepRecord } from '../../../../shared/wizards/engine';
import type { InputField, WizardDefinition } from '../../../../shared/wizards/format';
import { usePersonLabel } from '../../app/useYou';
import { formatDateTime, formatTime, timeTitle } from '../../lib/time';
import { InputForm } from './InputForm';
import { plainLabel, scalarText, stepById, stepKindLabel, type UpcomingStep } from './run-model';
import type { SendAct } from './StepPanels';
import { describeRequest, EvidenceList, GroupChecks, ReasonConditions } from './StepPanels';
import { ValueTable } from './ValueTable';
import { countOf } from '../../lib/plural';

/** A loop's item in a few words: its name (or id, title, key) when it has one, else the value itself. */
function itemWords(item: Json): string {
  if (isObject(item)) {
    const named = ['name', 'id', 'title', 'key'].map((key) => item[key]).find((value) => typeof value === 'string');
    if (typeof named === 'string') return named;
    return JSON.stringify(item);
  }
  return scalarText(item);
}

function isObject(value: Json | undefined): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the values of an answered step came from, and how to ask them again. */
type AnswerFields = { fields: readonly InputField[]; isExact: boolean };

function AnswerValues({ record, fields }: { record: StepRecord; fields: readonly InputField[] | null }) {
  const values = record.values ?? {};
  const labels = new Map((fields ?? []).map((field) => [field.id, field.label]));
  const entries = Object.entries(values);
  if (entries.length === 0) return <p className="muted">No answers needed.</p>;
  return (
    <table className="value-table" aria-label={`Answers to ${record.title}`}>
      <tbody>
        {entries.map(([id, value]) => (
          <tr key={id}>
            <th scope="row">{labels.has(id) ? plainLabel(labels.get(id) ?? id) : id}</th>
            <td>
              <code>{value === true ? 'yes' : value === false ? 'no' : scalarText(value)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EditAnswer({
  record,
  answerFields,
  lockReason,
  send,
}: {
  record: StepRecord;
  answerFields: AnswerFields | null;
  lockReason: string | null;
  send: SendAct;
}) {
  const [isEditing, setEditing] = useState(false);
  const reasonId = useId();
  if (isEditing && answerFields && lockReason === null) {
    return (
      <InputForm
        label={`Change the answers to ${record.title}`}
        fields={answerFields.fields}
        values={record.values ?? {}}
        submitLabel="Save answer"
        onCancel={() => setEditing(false)}
        onSubmit={async (values) => {
          const error = await send({ type: 'edit-answer', path: record.path, values });
          if (!error) setEditing(false);
          return error;
        }}
      />
    );
  }
  const reason = lockReason ?? (answerFields ? null : 'The questions of this step are still loading.');
  return (
    <div className="edit-answer">
      <button
        type="button"
        className="link-button"
        aria-label={`Edit answer: ${record.title}`}
        disabled={reason !== null}
        aria-describedby={reason ? reasonId : undefined}
        onClick={() => setEditing(true)}
      >
        Edit answer
      </button>
      {reason ? (
        <span id={reasonId} className="muted edit-lock">
          {reason}
        </span>
      ) : null}
    </div>
  );
}

function BranchResult({ record, definition }: { record: StepRecord; definition: WizardDefinition | null }) {
  const branch = record.branch;
  if (!branch) return null;
  const target = stepById(definition, branch.taken);
  return (
    <div className="branch">
      <p className="branch-taken">
        Went to <strong>{target?.title ?? branch.taken}</strong>
        {branch.label ? <> — {branch.label}</> : null}
      </p>
      {branch.why ? (
        <>
          <p data-testid="branch-why">{branch.why.text}</p>
          <EvidenceList conditions={branch.why.conditions} />
        </>
      ) : null}
      <details>
        <summary>
          Details{branch.evaluated.length > 0 ? ` (${countOf(branch.evaluated.length, 'condition', 'conditions')} checked)` : ''}
        </summary>
        <p className="branch-reason" data-testid="branch-reason">
          {branch.reason}
        </p>
        {branch.why ? (
          <ReasonConditions conditions={branch.why.conditions} />
        ) : branch.evaluated.length > 0 ? (
          <ul className="conditions">
            {branch.evaluated.map((entry, index) => (
              <li key={index}>
                <code>{entry.when}</code>:{' '}
                {entry.value === 'error' ? `could not be evaluated (${entry.detail ?? 'unknown error'})` : entry.value}
              </li>
            ))}
          </ul>
        ) : null}
      </details>
    </div>
  );
}

function ActionResult({ record, view }: { record: StepRecord; view: RunView }) {
  const result = isObject(record.result) ? record.result : null;
  if (!result) return record.params ? <ValueTable value={record.params} label={`Parameters of ${record.title}`} /> : null;
  const ok = result.ok === true;
  const inner = isObject(result.result) ? result.result : null;
  const changes = inner && Array.isArray(inner.changes) ? inner.changes : null;
  return (
    <div className="action-result">
      {record.isSimulated ? (
        <p>
          <span className="tag tag-practice">simulated</span> Practice: nothing was changed on the customer.
        </p>
      ) : (
        <p className={ok ? 'result-ok' : 'result-failed'}>
          {ok ? 'The server ran it.' : `It failed: ${typeof result.error === 'string' ? result.error : 'no reason given'}`}
          {inner?.isReplay === true ? ' (the stored result of an earlier identical request)' : ''}
        </p>
      )}
      {record.params ? <ValueTable value={record.params} label={`Parameters of ${record.title}`} /> : null}
      {changes && changes.length > 0 ? (
        <table className="plan-table" aria-label={`Changes made by ${record.title}`}>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change, index) =>
              isObject(change) ? (
                <tr key={index}>
                  <th scope="row">{scalarText(change.target ?? null)}</th>
                  <td>
                    <code>{scalarText(change.from ?? null)}</code>
                  </td>
                  <td>
                    <code>{scalarText(change.to ?? null)}</code>
                  </td>
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      ) : null}
      {record.idempotencyKey && !view.practice ? (
        <p className="muted">
          Idempotency key <code>{record.idempotencyKey}</code>
        </p>
      ) : null}
    </div>
  );
}

function StepResult({
  record,
  view,
  definition,
  answerFields,
  lockReason,
  send,
}: {
  record: StepRecord;
  view: RunView;
  definition: WizardDefinition | null;
  answerFields: AnswerFields | null;
  lockReason: string | null;
  send: SendAct;
}) {
  const step = stepById(definition, record.stepId);
  const label = usePersonLabel();
  const body = (() => {
    switch (record.kind) {
      case 'inputs':
      case 'input':
        return (
          <>
            <AnswerValues record={record} fields={answerFields?.fields ?? null} />
            <EditAnswer record={record} answerFields={answerFields} lockReason={lockReason} send={send} />
          </>
        );
      case 'check':
        return (
          <>
            {step && (step.kind === 'check' || step.kind === 'verify') ? (
              <p className="muted">
                From the{' '}
                {describeRequest(
                  step.source === 'cache'
                    ? { source: 'cache', query: step.query, params: record.params ?? {} }
                    : { source: 'probe', probe: step.probe, params: record.params ?? {} },
                )}
                {record.isSimulated ? ' (simulated for practice)' : ''}
              </p>
            ) : record.isSimulated ? (
              <p className="muted">Simulated for practice.</p>
            ) : null}
            {record.result !== undefined ? <ValueTable value={record.result} label={`Evidence from ${record.title}`} /> : null}
          </>
        );
      case 'parallel':
        return record.group ? (
          <GroupChecks title={record.title} checks={record.group} isSimulated={record.isSimulated ?? false} />
        ) : null;
      case 'loop':
        return isObject(record.result) && typeof record.result.count === 'number' ? (
          <p data-testid="loop-progress">
            {record.result.tooMany === true
              ? `${countOf(record.result.count, 'item', 'items')}: more than this loop may handle, so none was handled.`
              : record.iteration
                ? `Item ${record.iteration.index + 1} of ${record.iteration.count}: ${itemWords(record.iteration.item)}`
                : record.result.count === 0
                  ? 'No items: nothing to do.'
                  : `Done: all ${countOf(record.result.count, 'item', 'items')} handled.`}
          </p>
        ) : null;
      case 'decision':
        return <BranchResult record={record} definition={definition} />;
      case 'guidance':
        return record.text ? (
          <details>
            <summary>Guidance shown</summary>
            <p className="muted">{record.text}</p>
          </details>
        ) : null;
      case 'action':
        return <ActionResult record={record} view={view} />;
      case 'approval':
        return record.approval ? (
          <p>
            {record.approval.granted ? 'Approved' : 'Denied'} by {label(record.approval.by)}
            {record.approval.note ? `: ${record.approval.note}` : ''}
          </p>
        ) : null;
      case 'verify': {
        const attempts = record.attempts ?? [];
        const last = attempts[attempts.length - 1];
        return (
          <>
            <p>
              {countOf(attempts.length, 'attempt', 'attempts')}
              {last?.held ? ': healthy' : ''}
              {record.isSimulated ? ' (simulated for practice)' : ''}
            </p>
            {record.note ? <p className="result-failed">{record.note}</p> : null}
            {last && last.result !== null ? <ValueTable value={last.result} label={`Evidence from ${record.title}`} /> : null}
          </>
        );
      }
      case 'link':
        return isObject(record.result) ? <ValueTable value={record.result} label={`Outcome of ${record.title}`} /> : null;
      case 'escalate':
        return record.escalation ? (
          <p>
            Escalated to <strong>{record.escalation.team}</strong>
            {record.escalation.reference ? ` (reference ${record.escalation.reference})` : ''}
          </p>
        ) : null;
      case 'record':
        return null;
    }
  })();
  return (
    <div className="step-result">
      {record.iteration && record.kind !== 'loop' ? (
        <p className="muted" data-testid="step-iteration">
          For item {record.iteration.index + 1} of {record.iteration.count}: {itemWords(record.iteration.item)}
        </p>
      ) : null}
      {body}
      {record.errors && record.errors.length > 0 ? (
        <ul className="step-errors" aria-label={`Problems at ${record.title}`}>
          {record.errors.map((error, index) => (
            <li key={index}>
              <time dateTime={error.at} title={timeTitle(error.at)}>
                {formatTime(error.at)}
              </time>
              : {error.message}
            </li>
          ))}
        </ul>
      ) : null}
      {record.note && record.kind !== 'verify' ? <p className="result-failed">{record.note}</p> : null}
    </div>
  );
}

/**
 * The run's steps: every step taken with its result (evidence, the reason of
 * each branch, what an action did), the current one, and the steps expected
 * next on this path.
 */
export function StepList({
  view,
  state,
  upcoming,
  definitionOf,
  fieldsOf,
  send,
}: {
  view: RunView;
  state: RunState;
  upcoming: readonly UpcomingStep[];
  definitionOf: (wizardId: string) => WizardDefinition | null;
  fieldsOf: (record: StepRecord) => AnswerFields | null;
  send: SendAct;
}) {
  const headingId = useId();
  const records = state.steps;
  const done = records.filter((record) => record.completedAt !== null).length;
  const total = done + (state.status === 'running' ? 1 : 0) + upcoming.length;
  const lockReason =
    state.status !== 'running'
      ? 'The run has finished; answers can no longer change.'
      : view.canEditAnswers
        ? null
        : `Answers are locked: an action was confirmed${state.actionsLockedAt ? ` at ${formatDateTime(state.actionsLockedAt)}` : ''}, so the customer may already have changed. To change them, cancel this run and start a new one.`;
  return (
    <section className="panel run-steps" aria-labelledby={headingId}>
      <h2 id={headingId}>Steps</h2>
      <p className="muted" data-testid="run-progress">
        {done} done{state.status === 'running' ? ', 1 in progress' : ''}
        {upcoming.length > 0 ? `, ${upcoming.length} expected next` : ''}
      </p>
      <progress max={Math.max(total, 1)} value={done} aria-label="Run progress" />
      <ol className="step-list">
        {records.map((record, index) => {
          const isCurrent = record.completedAt === null;
          const status = isCurrent ? 'current' : 'done';
          return (
            <li
              key={`${record.path}-${index}`}
              className={`step step-${status}`}
              aria-current={isCurrent ? 'step' : undefined}
              data-testid="step-item"
              data-path={record.path}
            >
              <div className="step-head">
                <span className="step-glyph" aria-hidden="true">
                  {isCurrent ? '▶' : '✓'}
                </span>
                <span className="visually-hidden">{isCurrent ? 'Current step: ' : 'Done: '}</span>
                <span className="step-title">{record.title}</span>
                <span className="tag">{stepKindLabel(record.kind)}</span>
                {record.completedAt ? (
                  <time className="muted step-time" dateTime={record.completedAt} title={timeTitle(record.completedAt)}>
                    {formatTime(record.completedAt)}
                  </time>
                ) : null}
              </div>
              {isCurrent ? null : (
                <StepResult
                  record={record}
                  view={view}
                  definition={definitionOf(record.wizardId)}
                  answerFields={record.kind === 'input' || record.kind === 'inputs' ? fieldsOf(record) : null}
                  lockReason={lockReason}
                  send={send}
                />
              )}
            </li>
          );
        })}
        {upcoming.map((step) => (
          <li key={`upcoming-${step.path}`} className="step step-upcoming" data-testid="step-item" data-path={step.path}>
            <div className="step-head">
              <span className="step-glyph" aria-hidden="true">
                ○
              </span>
              <span className="visually-hidden">Upcoming: </span>
              <span className="step-title">{step.title}</span>
              <span className="tag">{stepKindLabel(step.kind)}</span>
            </div>
            {step.kind === 'decision' ? <p className="muted step-note">What follows depends on this decision.</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

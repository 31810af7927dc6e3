import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type { Need, RunState, StepRecord } from '../../../../shared/wizards/engine';
import type { WizardDefinition } from '../../../../shared/wizards/format';
import { useDesk } from '../../api/DeskContext';
import { navigate } from '../../app/useHashRoute';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SafeMarkdown } from '../../components/SafeMarkdown';
import { useStore } from '../../store/store';
import { ActionConfirm } from './ActionConfirm';
import { coalesce } from './coalesce';
import { DoneSummary } from './DoneSummary';
import { InputForm } from './InputForm';
import { PracticeBanner, RunHeader } from './RunHeader';
import { currentRecord, definitionKey, needKey, outcomeLabel, stepById, upcomingSteps } from './run-model';
import {
  ActionExecutePanel,
  ActionPlanPanel,
  ApprovalPanel,
  BusyPanel,
  CheckPanel,
  ParallelPanel,
  EscalatePanel,
  GuidancePanel,
  LinkPanel,
  SimulatedActionPanel,
  VerifyPanel,
  WhyThisStep,
  type SendAct,
} from './StepPanels';
import { StepList } from './StepList';
import './runs.css';

/** Said when the desk is offline and an action would need the backend (issue 5: the UI says why). */
export const OFFLINE_ACTION_TEXT = 'Actions need a live connection to the backend — you are offline. Reconnect, then retry.';
const NO_BACKEND_ACTION_TEXT = 'Actions need a backend — none is configured. Choose one on the Sync page, then retry.';

function useOfflineReason(): string | null {
  const state = useStore((store) => store.syncStatus?.state);
  if (state === 'offline') return OFFLINE_ACTION_TEXT;
  if (state === 'not_configured') return NO_BACKEND_ACTION_TEXT;
  return null;
}

function BlockedNotice({ reason, isWaitingForApproval, send }: { reason: string; isWaitingForApproval: boolean; send: SendAct }) {
  const [isSending, setSending] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  // Waiting for a second person is expected, not a fault: it is announced politely.
  return (
    <div
      className={isWaitingForApproval ? 'run-blocked is-waiting' : 'run-blocked'}
      role={isWaitingForApproval ? 'status' : 'alert'}
    >
      <p className="run-blocked-title">{isWaitingForApproval ? 'Waiting for approval' : 'This step cannot go on right now'}</p>
      <p data-testid="blocked-reason">{reason}</p>
      <button
        type="button"
        className="primary"
        disabled={isSending}
        onClick={async () => {
          setSending(true);
          const error = await send({ type: 'retry' });
          setSending(false);
          setRefusal(error ? error.message : null);
        }}
      >
        Retry
      </button>
      {refusal ? <p className="field-error">{refusal}</p> : null}
    </div>
  );
}

/** The desk stopped the run on its step (the notice above says why): nothing is running. */
function isStopped(view: RunView): boolean {
  return Boolean(view.blockedReason) && view.status !== 'finished' && view.status !== 'cancelled';
}

/** What the current step asks for, by the engine's need. */
function CurrentStepBody({
  view,
  need,
  state,
  definition,
  offlineReason,
  send,
}: {
  view: RunView;
  need: Need | null;
  state: RunState | null;
  definition: WizardDefinition | null;
  offlineReason: string | null;
  send: SendAct;
}) {
  if (!need) return <BusyPanel />;
  switch (need.need) {
    case 'input':
      return (
        <InputForm
          // A new form per question: answers never carry over from one step to the next.
          key={need.path}
          label={need.title}
          fields={need.fields}
          values={need.values}
          submitLabel="Continue"
          onSubmit={(values) => send(need.stepId === null ? { type: 'inputs', values } : { type: 'answer', values })}
        />
      );
    case 'check':
      return <CheckPanel need={need} isBlocked={isStopped(view)} />;
    case 'parallel':
      return state ? <ParallelPanel need={need} state={state} isBlocked={isStopped(view)} /> : null;
    case 'guidance':
      return <GuidancePanel key={need.path} need={need} send={send} />;
    case 'action-plan':
      return <ActionPlanPanel need={need} />;
    case 'action-confirm':
      return <ActionConfirm key={need.path} view={view} need={need} offlineReason={offlineReason} act={send} />;
    case 'action-execute':
      return <ActionExecutePanel need={need} view={view} />;
    case 'simulated-action':
      return <SimulatedActionPanel need={need} />;
    case 'approval':
      return <ApprovalPanel need={need} view={view} send={send} />;
    case 'verify-attempt':
      return state ? (
        <VerifyPanel need={need} state={state} step={stepById(definition, need.stepId)} isBlocked={isStopped(view)} />
      ) : null;
    case 'wizard':
      return <LinkPanel need={need} />;
    case 'escalate':
      return <EscalatePanel key={need.path} need={need} send={send} />;
    case 'done':
      return <DoneSummary view={view} summary={need.summary} state={state} />;
  }
}

/**
 * The wizard runner (#/run/<runId>): header, practice banner, what blocks the
 * run, the steps so far with their evidence, and the current step. It follows
 * `runs:changed`; focus moves to the current step's heading when the step
 * changes, and the change is announced.
 */
export function RunPage({ runId }: { runId: string }) {
  const desk = useDesk();
  const run = useStore((store) => store.run);
  const definitions = useStore((store) => store.definitions);
  const askedFields = useStore((store) => store.askedFields);
  const loadRun = useStore((store) => store.loadRun);
  const loadDefinition = useStore((store) => store.loadDefinition);
  const actOnRun = useStore((store) => store.actOnRun);
  const offlineReason = useOfflineReason();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const lastKey = useRef<string | null>(null);
  const announcerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void loadRun(desk, runId);
    const refresh = coalesce(() => useStore.getState().loadRun(desk, runId, { quiet: true }));
    return desk.events.runsChanged((change) => {
      if (change.runId === runId) refresh();
    });
  }, [desk, runId, loadRun]);

  // A finished run's record is acknowledged by a sync, which does not change the run itself: look again after each sync.
  const syncMoment = useStore((store) => `${store.syncStatus?.lastSyncAt ?? ''}|${store.syncStatus?.pendingOutbox ?? ''}`);
  useEffect(() => {
    const shown = useStore.getState().run;
    if (shown.id === runId && shown.view?.recordState === 'pending')
      void useStore.getState().loadRun(desk, runId, { quiet: true });
  }, [desk, runId, syncMoment]);

  const view = run.id === runId ? run.view : null;
  const state = view?.state ?? null;
  const need = view?.need ?? null;

  useEffect(() => {
    for (const pin of state?.pins ?? []) void loadDefinition(desk, pin.id, pin.version);
  }, [desk, state?.pins, loadDefinition]);

  const definitionOf = useCallback(
    (wizardId: string): WizardDefinition | null => {
      const pin = state?.pins.find((candidate) => candidate.id === wizardId);
      return pin ? (definitions[definitionKey(pin.id, pin.version)]?.definition ?? null) : null;
    },
    [state, definitions],
  );

  const send: SendAct = useCallback(
    async (act) => {
      const result = await actOnRun(desk, runId, act);
      return result.ok ? null : result.error;
    },
    [desk, runId, actOnRun],
  );

  const current = state ? currentRecord(state) : null;
  const frame = state?.frames[state.frames.length - 1];
  const frameDefinition = frame ? definitionOf(frame.wizard.id) : null;
  const upcoming = useMemo(() => {
    if (!frame || !frameDefinition || state?.status !== 'running') return [];
    return upcomingSteps(frameDefinition, frame.cursor.at === 'step' ? frame.cursor.stepId : null, frame.prefix);
  }, [frame, frameDefinition, state?.status]);

  const heading = need ? (need.need === 'done' ? 'Run finished' : need.title) : (current?.title ?? 'Working…');
  const key = needKey(need);
  useEffect(() => {
    // While the desk works (no need) the step has not changed: focus stays where it is.
    if (key === null || key === lastKey.current) return;
    lastKey.current = key;
    headingRef.current?.focus({ preventScroll: false });
    // Written straight into the live region: a re-render while the desk is busy must not announce the step again.
    if (announcerRef.current && need) {
      announcerRef.current.textContent =
        need.need === 'done'
          ? `Run finished: ${view?.status === 'cancelled' ? 'cancelled' : outcomeLabel(need.summary.outcome)}.`
          : `Now: ${need.title}.`;
    }
    // Focus follows the step, not every refresh of the same step.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const fieldsOf = useCallback(
    (record: StepRecord) => {
      const asked = askedFields[`${runId}|${record.path}`];
      if (asked) return { fields: asked, isExact: true };
      const definition = definitionOf(record.wizardId);
      if (!definition) return null;
      if (record.kind === 'inputs') return { fields: definition.inputs, isExact: true };
      const step = stepById(definition, record.stepId);
      return step && step.kind === 'input' ? { fields: step.fields, isExact: false } : null;
    },
    [askedFields, runId, definitionOf],
  );

  // Enter anywhere in the current step (outside a field or button) presses its primary button.
  const onStepKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Enter' || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey)
      return;
    const target = event.target;
    if (target instanceof HTMLElement && target.closest('input, textarea, select, button, a, summary')) return;
    const primary = event.currentTarget.querySelector<HTMLButtonElement>('button[data-primary="true"]');
    if (primary && !primary.disabled) {
      event.preventDefault();
      primary.click();
    }
  };

  if (run.id === runId && run.status === 'error' && run.error && !view) {
    return (
      <section className="page" aria-labelledby="run-title">
        <h1 id="run-title">Wizard run</h1>
        <ErrorMessage title="Could not open this run" error={run.error} onRetry={() => void loadRun(desk, runId)} />
        <p>
          <button type="button" onClick={() => navigate({ view: 'wizards' })}>
            Back to Wizards
          </button>
        </p>
      </section>
    );
  }
  if (!view) {
    return (
      <section className="page" aria-labelledby="run-title" aria-busy="true">
        <h1 id="run-title">Wizard run</h1>
        <p className="muted">Loading the run…</p>
      </section>
    );
  }

  const stepDefinition = need && need.need !== 'done' ? definitionOf(need.wizardId) : frameDefinition;
  const description = need && need.need !== 'done' ? stepById(stepDefinition, need.stepId)?.description : undefined;
  const reason = need && need.need !== 'done' && current?.path === need.path ? current.reason : undefined;

  return (
    <section className={view.practice ? 'page run-page is-practice' : 'page run-page'} aria-labelledby="run-title">
      {view.practice ? <PracticeBanner /> : null}
      <RunHeader view={view} send={send} />
      {view.blockedReason && view.status !== 'finished' && view.status !== 'cancelled' ? (
        <BlockedNotice
          reason={view.blockedReason}
          isWaitingForApproval={
            view.approval?.status === 'pending' && (need?.need === 'approval' || need?.need === 'action-execute')
          }
          send={send}
        />
      ) : null}
      {!state ? (
        <ErrorMessage
          title="This run cannot be shown"
          error={{
            code: 'internal',
            message: 'The desk sent a run state this window cannot read (it may be from a newer Lightkeeper).',
          }}
        />
      ) : (
        <div className="run-body">
          <section
            className="panel current-step"
            aria-labelledby="current-step-title"
            onKeyDown={onStepKeyDown}
            data-testid="current-step"
          >
            <p className="current-kicker muted">{need?.need === 'done' ? 'Summary' : 'Current step'}</p>
            <h2 id="current-step-title" ref={headingRef} tabIndex={-1}>
              {heading}
            </h2>
            {reason ? <WhyThisStep reason={reason} /> : null}
            {description ? (
              <div className="step-description">
                <SafeMarkdown source={description} />
              </div>
            ) : null}
            <CurrentStepBody
              view={view}
              need={need}
              state={state}
              definition={stepDefinition}
              offlineReason={offlineReason}
              send={send}
            />
          </section>
          <StepList view={view} state={state} upcoming={upcoming} definitionOf={definitionOf} fieldsOf={fieldsOf} send={send} />
        </div>
      )}
      <div ref={announcerRef} className="visually-hidden" aria-live="polite" data-testid="run-announcer" />
    </section>
  );
}

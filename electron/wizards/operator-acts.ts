import type { Clock } from '../../shared/clock';
import { DeskError } from '../../shared/ipc/result';
import type { RunAct } from '../../shared/ipc/wizard-views';
import type { Plan } from '../../shared/remediation/wire';
import { renderValue } from '../../shared/wizards/cel';
import type { Need, RunEvent } from '../../shared/wizards/engine';
import { stepEdges } from '../../shared/wizards/format';
import type { WizardLibrary } from './library';
import { simulatedApproval } from './practice';
import { describe, EngineRefusal, isTransient, OFFLINE_ACTION_REASON, refusalCode } from './run-errors';
import { approvalFor, withStatus, wizardRefFor, type RunRecords } from './run-records';
import type { RunScheduler } from './run-scheduler';
import type { RemediationClient, StepRunner } from './step-runner';
import type { RunRecord } from './store';

/**
 * What the person at the desk does to a run (`runs:act`): answers, continues,
 * confirmations (typed for high risk), approval requests, escalations, edits,
 * retries and cancels. Each is checked against what the run waits for and
 * refused with a reason the operator can act on.
 */

export type OperatorActsContext = {
  records: RunRecords;
  scheduler: RunScheduler;
  steps: StepRunner;
  library: WizardLibrary;
  backend: () => RemediationClient | null;
  clock: Clock;
  /** Who is at the desk, for confirmations. */
  operator: () => string;
};

/** Creates the operator's acts of a run host. */
export function createOperatorActs(context: OperatorActsContext) {
  const { records, scheduler, steps, library, clock, operator } = context;
  const nowIso = () => new Date(clock.now()).toISOString();

  function humanTransition(record: RunRecord, event: RunEvent, patch: Partial<RunRecord> = {}): RunRecord {
    try {
      return records.transition(record, event, patch);
    } catch (error) {
      if (error instanceof EngineRefusal) throw new DeskError(refusalCode(error.error), error.message);
      throw error;
    }
  }

  function waitsFor(record: RunRecord): string {
    return record.need ? `${record.need.need}${'title' in record.need ? ` at “${record.need.title}”` : ''}` : 'nothing';
  }

  /** At a wizard approval step: plans the action that follows it, so the approver sees exactly what they approve. */
  async function planAhead(record: RunRecord, need: Extract<Need, { need: 'approval' }>): Promise<Plan> {
    const frame = record.state.frames[record.state.frames.length - 1];
    const definition = record.pinned.find((pin) => pin.id === need.wizardId)?.definition;
    const index = definition?.steps.findIndex((step) => step.id === need.stepId) ?? -1;
    const target =
      definition && index >= 0
        ? stepEdges(definition.steps, index).targets.find((edge) => edge.via === 'next')?.target
        : undefined;
    const action = definition?.steps.find((step) => step.id === target);
    if (!frame || !action || action.kind !== 'action') {
      throw new DeskError(
        'bad_request',
        `The approval step “${need.title}” is not followed by an action, so there is no plan for an approver to see. Ask ${need.who} directly, then escalate or cancel.`,
      );
    }
    const rendered = renderValue(action.params, {
      inputs: frame.inputs,
      answers: frame.answers,
      checks: frame.checks,
      customer: record.state.customer,
    });
    if (!rendered.ok || rendered.value === null || typeof rendered.value !== 'object' || Array.isArray(rendered.value)) {
      throw new DeskError(
        'conflict',
        `The parameters of “${action.title}” could not be filled in: ${rendered.ok ? 'not an object' : rendered.error}`,
      );
    }
    const client = context.backend();
    if (!client) throw new DeskError('offline', 'Approvals need a live connection to the backend; reconnect, then try again.');
    try {
      return await client.planAction({
        action: action.action,
        customerId: record.customerId,
        params: rendered.value,
        runId: record.id,
        wizard: wizardRefFor(record, need.wizardId),
      });
    } catch (error) {
      throw new DeskError(
        isTransient(error) ? 'offline' : 'conflict',
        `The server could not plan “${action.title}”: ${describe(error)}`,
      );
    }
  }

  async function confirmAction(record: RunRecord, typed: string | undefined): Promise<RunRecord> {
    if (record.need?.need !== 'action-confirm')
      throw new DeskError('conflict', `This run is not waiting for an action confirmation; it waits for ${waitsFor(record)}.`);
    const plan = record.plan;
    if (!plan) throw new DeskError('conflict', 'This run has no plan to confirm; press Retry to plan the action again.');
    if (Date.parse(plan.expiresAt) <= clock.now()) {
      const client = context.backend();
      if (!client) throw new DeskError('offline', OFFLINE_ACTION_REASON);
      let fresh: Plan;
      try {
        fresh = await client.planAction({
          action: plan.action,
          customerId: record.customerId,
          params: record.need.params,
          runId: record.id,
          wizard: wizardRefFor(record, record.need.wizardId),
        });
      } catch (error) {
        throw new DeskError(
          isTransient(error) ? 'offline' : 'conflict',
          `The plan expired and a new one could not be made: ${describe(error)}`,
        );
      }
      humanTransition(record, { type: 'action-planned', at: nowIso(), plan: fresh }, { plan: fresh, approval: null });
      throw new DeskError('conflict', 'The plan had expired, so the server made a fresh one. Review it and confirm again.');
    }
    const typedConfirmation = typed?.trim() ?? null;
    if (plan.requiresTypedConfirmation && typedConfirmation !== plan.customer.name) {
      throw new DeskError(
        'bad_request',
        `This is a high-risk action: type the customer's name exactly as shown (${plan.customer.name}) to confirm it.`,
      );
    }
    const at = nowIso();
    return humanTransition(
      record,
      { type: 'action-confirmed', at, by: operator() },
      {
        confirmation: { typedConfirmation: plan.requiresTypedConfirmation ? typedConfirmation : null, by: operator(), at },
        blockedReason: null,
      },
    );
  }

  async function requestApproval(record: RunRecord, reason: string): Promise<RunRecord> {
    const need = record.need;
    if (need?.need === 'approval') {
      if (record.practice) {
        const decision = simulatedApproval(library.practiceScenario(record.wizardId, record.wizardVersion), need.path);
        const at = nowIso();
        return humanTransition(
          record,
          decision.granted
            ? { type: 'approval-granted', at, by: decision.by }
            : { type: 'approval-denied', at, by: decision.by, ...(decision.note ? { note: decision.note } : {}) },
        );
      }
      const pending = approvalFor(record);
      if (pending && pending.status === 'pending') return record;
      const plan = await planAhead(record, need);
      return steps.requestApprovalFor({ ...record, execution: null, confirmation: null }, plan, reason || need.reason);
    }
    if (need?.need !== 'action-confirm' && need?.need !== 'action-execute') {
      throw new DeskError('conflict', `This run is not at an approval or an action; it waits for ${waitsFor(record)}.`);
    }
    const plan = record.plan;
    if (!plan) throw new DeskError('conflict', 'This run has no plan to approve yet.');
    if (!plan.requiresApproval) throw new DeskError('bad_request', 'This plan does not need an approval; confirm it to run it.');
    const existing = approvalFor(record);
    if (existing && existing.status !== 'denied') return record;
    return steps.requestApprovalFor(record, plan, reason || `Wizard "${record.title}" for ${record.customerName}`);
  }

  /** Does what the operator asked, after the run's queued work; then the run's automatic steps go on. */
  async function act(runId: string, input: RunAct): Promise<RunRecord> {
    const record = await scheduler.exclusive(runId, async () => {
      const current = records.require(runId);
      if (current.state.status === 'finished')
        throw new DeskError(
          'conflict',
          `This run has finished (${current.state.finish?.outcome ?? 'done'}); start a new one instead.`,
        );
      const at = nowIso();
      switch (input.type) {
        case 'inputs':
          return humanTransition(current, { type: 'inputs', at, values: input.values });
        case 'answer':
          return humanTransition(current, { type: 'answer', at, values: input.values });
        case 'continue':
          return humanTransition(current, {
            type: 'continue',
            at,
            ...(input.confirmed === undefined ? {} : { confirmed: input.confirmed }),
          });
        case 'escalated':
          return humanTransition(current, { type: 'escalated', at, ...(input.reference ? { reference: input.reference } : {}) });
        case 'edit-answer':
          return humanTransition(
            current,
            { type: 'edit-answer', at, path: input.path, values: input.values },
            { blockedReason: null },
          );
        case 'cancel':
          scheduler.clearTimers(runId);
          return humanTransition(
            current,
            { type: 'cancel', at, ...(input.reason ? { reason: input.reason } : {}) },
            { blockedReason: null },
          );
        case 'confirm-action':
          return confirmAction(current, input.typedConfirmation);
        case 'request-approval':
          return requestApproval(current, input.reason ?? '');
        case 'retry': {
          return records.save(withStatus({ ...current, blockedReason: null, updatedAt: at }), null);
        }
      }
    });
    scheduler.drive(runId);
    return record;
  }

  return { act };
}

import type { CustomerFeature, TimelineEvent } from '../../../../shared/domain';
import type { CustomerSummary, OpenItem } from '../../../../shared/ipc/views';
import type { RunHistoryItem, RunView, WizardListItem } from '../../../../shared/ipc/wizard-views';
import {
  ApprovalSchema,
  ExecutionSchema,
  PlanSchema,
  type Approval,
  type Execution,
  type Plan,
} from '../../../../shared/remediation/wire';
import { renderValue } from '../../../../shared/wizards/cel';
import type { Json } from '../../../../shared/json';
import {
  applyEvent,
  canEditAnswers,
  createRun,
  type Need,
  type RunError,
  type RunEvent,
  type RunState,
} from '../../../../shared/wizards/engine';
import { stepEdges, type Outcome, type WizardDefinition } from '../../../../shared/wizards/format';
import { DEFAULT_CHECKS, PLAN_CHANGES, TEST_WIZARDS, type CheckScript } from './wizard-fixtures';

/** The demo catalog's risks (resources/catalogs/demo.catalog.yaml): the server is the authority, this fake plays it. */
const ACTION_RISKS: Readonly<Record<string, 'low' | 'medium' | 'high'>> = {
  'flags.set': 'medium',
  'feature.setEnabled': 'medium',
  'provisioning.retry': 'low',
  'jobs.restart': 'low',
  'config.set': 'high',
  'version.pin': 'high',
};

/**
 * The desk's run host, as far as the renderer can tell: the REAL wizard engine
 * (shared/wizards/engine.ts) driven with scripted check results, plans,
 * executions and approvals, answering in the contract's RunView shape. It
 * mirrors electron/wizards/host.ts: automatic needs are done at once, human
 * needs wait for `act`, probes and actions block with a reason while offline,
 * high-risk plans need a typed name and an approval, practice runs simulate.
 */

/** Said when a probe or an action cannot reach the backend (the desk core's words). */
export const OFFLINE_ACTION_REASON = 'Actions need a live connection to the backend; reconnect, then press Retry.';
export const OFFLINE_PROBE_REASON = 'Server probes need a live connection to the backend; reconnect, then press Retry.';

/** A refusal the handlers turn into `{ ok: false, error }`. */
export class FakeRefusal extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found' | 'conflict' | 'forbidden' | 'offline',
    message: string,
  ) {
    super(message);
  }
}

type FakeRun = {
  id: string;
  wizard: WizardDefinition;
  customerId: string;
  customerName: string;
  practice: boolean;
  state: RunState;
  need: Need;
  plan: Plan | null;
  execution: Execution | null;
  approval: Approval | null;
  typedConfirmation: string | null;
  blockedReason: string | null;
  isSynced: boolean;
  isBusy: boolean;
  startedAt: string;
  startedBy: { userId: string; name: string } | null;
  updatedAt: string;
};

type Act =
  | { type: 'inputs'; values: Record<string, Json> }
  | { type: 'answer'; values: Record<string, Json> }
  | { type: 'continue'; confirmed?: boolean }
  | { type: 'confirm-action'; typedConfirmation?: string }
  | { type: 'request-approval'; reason?: string }
  | { type: 'escalated'; reference?: string }
  | { type: 'edit-answer'; path: string; values: Record<string, Json> }
  | { type: 'retry' }
  | { type: 'cancel'; reason?: string };

type HistoryInput = {
  wizardId?: string;
  outcome?: Outcome;
  ranBy?: string;
  days?: number;
  before?: { finishedAt: string; runId: string } | null;
  limit?: number;
};

/** What the host reads from the fake cache. */
export type FakeRunSources = {
  customers: readonly CustomerSummary[];
  features: readonly CustomerFeature[];
  openItems: Record<string, OpenItem[]>;
  events: readonly TimelineEvent[];
};

const HUMAN_NEEDS = new Set<Need['need']>(['input', 'guidance', 'action-confirm', 'approval', 'escalate']);

function refusalCode(error: RunError): FakeRefusal['code'] {
  if (['invalid-event', 'invalid-input', 'invalid-result', 'confirmation-required'].includes(error.code)) return 'bad_request';
  return error.code === 'practice-violation' ? 'forbidden' : 'conflict';
}

function pick(given: Json | Json[] | undefined, index: number): Json | undefined {
  if (!Array.isArray(given)) return given;
  return given[Math.min(index, given.length - 1)];
}

function quote(text: string): string {
  return `“${text}”`;
}

/** Creates the fake host; `emit` is called after every change of a run, as `runs:changed`. */
export function createFakeRunHost(sources: FakeRunSources, emit: (runId: string) => void) {
  const runs = new Map<string, FakeRun>();
  let clock = Date.parse('2026-11-20T13:00:00.000Z');
  let sequence = 0;
  const library: WizardDefinition[] = [...TEST_WIZARDS];
  const host = {
    /** Whether the backend answers probes, plans and executions. */
    isOnline: true,
    /** Check and verify results by wizard id, then step path. */
    checks: structuredClone(DEFAULT_CHECKS) as Record<string, CheckScript>,
    /** Overrides for the plan the "server" makes at a step path (e.g. `{ requiresApproval: true }`). */
    planOverrides: {} as Record<string, Partial<Plan>>,
    /** Checks of a parallel group that fail (by check path), with the error; remove one and Retry to let it answer. */
    failingChecks: {} as Record<string, string>,
    /** Failing executions by step path. */
    failingActions: {} as Record<string, string>,
    /** Per action step path: at its next execution the server refuses with 409 plan_changed (this reason) and a new plan. */
    planChanges: {} as Record<string, { reason: string; plan: Partial<Plan> }>,
    /** `manual` leaves verify attempts to {@link attemptVerify}, so a test can look at the waiting state. */
    verifyMode: 'auto' as 'auto' | 'manual',
    library,
    /** Finished runs of other desks, as their wizard_run events tell them (tests add to it). */
    recorded: [] as RunHistoryItem[],
    /** Every `runs:history` input, in order. */
    historyRequests: [] as HistoryInput[],
    handlers: {
      'wizards:list': (input: { customerId?: string; eventId?: string }) => ({ wizards: list(input) }),
      'wizards:get': (input: { wizardId: string; version?: number }) => {
        const definition = find(input.wizardId, input.version);
        if (!definition)
          return {
            error: { code: 'not_found', message: `Wizard "${input.wizardId}" is not in the library. Sync, then try again.` },
          };
        return {
          ...listItem(definition, false, null),
          source: `id: ${definition.id}\n`,
          definition,
        };
      },
      'runs:start': (input: { wizardId: string; customerId: string; practice?: boolean; eventId?: string }) =>
        guard(() => host.start(input)),
      'runs:get': (input: { runId: string }) => guard(() => host.view(input.runId)),
      'runs:list': (input: { customerId?: string; status?: 'active' | 'finished' }) => ({
        runs: [...runs.values()]
          .map(view)
          .filter((run) => !input.customerId || run.customerId === input.customerId)
          .filter(
            (run) => !input.status || (input.status === 'active') === (run.status === 'running' || run.status === 'waiting'),
          )
          .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0))
          .map(
            ({
              runId,
              wizardId,
              wizardVersion,
              title,
              customerId,
              customerName,
              practice,
              status,
              startedAt,
              updatedAt,
              startedBy,
            }) => ({
              runId,
              wizardId,
              wizardVersion,
              title,
              customerId,
              customerName,
              practice,
              status,
              startedAt,
              updatedAt,
              startedBy,
            }),
          ),
      }),
      'runs:history': (input: HistoryInput) => {
        host.historyRequests.push(input);
        const local = [...runs.values()].filter((run) => run.state.status === 'finished').map(historyItem);
        const localIds = new Set(local.map((run) => run.runId));
        const since = input.days === undefined ? '' : new Date(clock - input.days * 86_400_000).toISOString();
        const before = input.before;
        const inPeriod = [...local, ...host.recorded.filter((run) => !localIds.has(run.runId))].filter(
          (run) => run.finishedAt >= since,
        );
        const operators = [...new Set(inPeriod.flatMap((run) => (run.ranBy ? [run.ranBy.name] : [])))].sort((a, b) =>
          a.localeCompare(b, undefined, { sensitivity: 'base' }),
        );
        const matching = inPeriod
          .filter((run) => input.wizardId === undefined || run.wizardId === input.wizardId)
          .filter((run) => input.outcome === undefined || run.outcome === input.outcome)
          .filter((run) => input.ranBy === undefined || run.ranBy?.name === input.ranBy)
          .filter(
            (run) =>
              !before || run.finishedAt < before.finishedAt || (run.finishedAt === before.finishedAt && run.runId < before.runId),
          )
          .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.runId.localeCompare(a.runId));
        const limit = input.limit ?? 100;
        const page = matching.slice(0, limit);
        const last = page.at(-1);
        return {
          runs: page,
          next: matching.length > limit && last ? { finishedAt: last.finishedAt, runId: last.runId } : null,
          operators,
        };
      },
      'runs:act': (input: { runId: string; act: Act }) => guard(() => host.act(input.runId, input.act)),
    },

    /** Starts a run (what `runs:start` does). */
    start(input: { wizardId: string; customerId: string; practice?: boolean; eventId?: string }): RunView {
      const wizard = find(input.wizardId);
      if (!wizard) throw new FakeRefusal('not_found', `Wizard "${input.wizardId}" is not in the library. Sync, then try again.`);
      const customer = sources.customers.find((candidate) => candidate.id === input.customerId);
      if (!customer)
        throw new FakeRefusal('not_found', `Customer "${input.customerId}" is not in the local cache. Sync, then try again.`);
      sequence += 1;
      const runId = `01JRUN${String(sequence).padStart(20, '0')}`;
      const startedAt = tick();
      const customerRecord: Record<string, Json> = { ...customer };
      const created = createRun(
        wizard,
        { runId, customerId: customer.id, startedAt, practice: input.practice ?? false, customer: customerRecord },
        library,
      );
      if (!created.ok) throw new FakeRefusal(refusalCode(created.error), created.error.message);
      const run: FakeRun = {
        id: runId,
        wizard,
        customerId: customer.id,
        customerName: customer.name,
        practice: input.practice ?? false,
        state: created.state,
        need: created.need,
        plan: null,
        execution: null,
        approval: null,
        typedConfirmation: null,
        blockedReason: null,
        isSynced: false,
        isBusy: false,
        startedAt,
        updatedAt: startedAt,
        // The fake desk's signed-in person (fake-desk.ts), as the core records it.
        startedBy: { userId: 'dana', name: 'Dana Desk' },
      };
      runs.set(runId, run);
      advance(run);
      return view(run);
    },

    /** What `runs:get` answers. */
    view(runId: string): RunView {
      return view(requireRun(runId));
    },

    /** What `runs:act` does. */
    act(runId: string, act: Act): RunView {
      const run = requireRun(runId);
      if (run.state.status === 'finished')
        throw new FakeRefusal(
          'conflict',
          `This run has finished (${run.state.finish?.outcome ?? 'done'}); start a new one instead.`,
        );
      const at = tick();
      switch (act.type) {
        case 'inputs':
        case 'answer':
          transition(run, { type: act.type, at, values: act.values });
          break;
        case 'continue':
          transition(run, { type: 'continue', at, ...(act.confirmed === undefined ? {} : { confirmed: act.confirmed }) });
          break;
        case 'escalated':
          transition(run, { type: 'escalated', at, ...(act.reference ? { reference: act.reference } : {}) });
          break;
        case 'edit-answer':
          transition(run, { type: 'edit-answer', at, path: act.path, values: act.values });
          run.blockedReason = null;
          break;
        case 'cancel':
          transition(run, { type: 'cancel', at, ...(act.reason ? { reason: act.reason } : {}) });
          run.blockedReason = null;
          break;
        case 'confirm-action': {
          if (run.need.need !== 'action-confirm')
            throw new FakeRefusal(
              'conflict',
              `This run is not waiting for an action confirmation; it waits for ${run.need.need}.`,
            );
          const plan = run.plan;
          if (!plan) throw new FakeRefusal('conflict', 'This run has no plan to confirm; press Retry to plan the action again.');
          const typed = act.typedConfirmation?.trim() ?? null;
          if (plan.requiresTypedConfirmation && typed !== plan.customer.name) {
            throw new FakeRefusal(
              'bad_request',
              `This is a high-risk action: type the customer's name exactly as shown (${plan.customer.name}) to confirm it.`,
            );
          }
          transition(run, { type: 'action-confirmed', at, by: 'you@ops.example' });
          run.typedConfirmation = typed;
          run.blockedReason = null;
          break;
        }
        case 'request-approval':
          requestApproval(run, act.reason ?? '');
          break;
        case 'retry':
          run.blockedReason = null;
          break;
      }
      run.updatedAt = at;
      advance(run);
      emit(run.id);
      return view(run);
    },

    /** A second person decides on the pending approval of a run. */
    decideApproval(runId: string, decision: 'granted' | 'denied', by = 'dana.l2@ops.example', note = '') {
      const run = requireRun(runId);
      if (!run.approval || run.approval.status !== 'pending') throw new Error(`run ${runId} has no pending approval`);
      run.approval = ApprovalSchema.parse({ ...run.approval, status: decision, decidedBy: by, note });
      const at = tick();
      if (run.need.need === 'approval') {
        transition(
          run,
          decision === 'granted'
            ? { type: 'approval-granted', at, by }
            : { type: 'approval-denied', at, by, ...(note ? { note } : {}) },
        );
      }
      run.updatedAt = at;
      advance(run);
      emit(run.id);
    },

    /** Runs the verify attempt that is due (in `manual` verify mode). */
    attemptVerify(runId: string) {
      const run = requireRun(runId);
      if (run.need.need !== 'verify-attempt') throw new Error(`run ${runId} is not verifying; it waits for ${run.need.need}`);
      verifyOnce(run, run.need);
      advance(run);
      emit(run.id);
    },

    /** The server acknowledged the finished run's record. As on the desk, the run itself does not change: no `runs:changed`. */
    markSynced(runId: string) {
      requireRun(runId).isSynced = true;
    },

    /** The desk stops the run on its step with a reason (as after a refused result or a restart mid-execution). */
    block(runId: string, reason: string) {
      requireRun(runId).blockedReason = reason;
      emit(runId);
    },

    /** The desk is in the middle of a backend call for the run: its view shows no need. */
    setBusy(runId: string, isBusy: boolean) {
      requireRun(runId).isBusy = isBusy;
      emit(runId);
    },
  };

  function tick(): string {
    clock += 1000;
    return new Date(clock).toISOString();
  }

  function guard<T>(work: () => T): T | { error: { code: string; message: string } } {
    try {
      return work();
    } catch (error) {
      if (error instanceof FakeRefusal) return { error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  function find(wizardId: string, version?: number): WizardDefinition | undefined {
    return library
      .filter((definition) => definition.id === wizardId && (version === undefined || definition.version === version))
      .sort((a, b) => b.version - a.version)[0];
  }

  function requireRun(runId: string): FakeRun {
    const run = runs.get(runId);
    if (!run) throw new FakeRefusal('not_found', `Wizard run ${runId} does not exist on this desk.`);
    return run;
  }

  function listItem(definition: WizardDefinition, isSuggested: boolean, reason: string | null): WizardListItem {
    return {
      id: definition.id,
      version: definition.version,
      title: definition.title,
      description: definition.description ?? '',
      appliesTo: definition.appliesTo,
      isSuggested,
      reason,
      origin: definition.id === 'export-job-behind' ? 'server' : 'bundled',
    };
  }

  /** The desk's suggestion rules, in short (electron/wizards/suggest.ts). */
  function list(input: { customerId?: string; eventId?: string }): WizardListItem[] {
    const symptomIn = (definition: WizardDefinition, text: string) =>
      definition.appliesTo.symptoms.find((symptom) => text.toLowerCase().includes(symptom.toLowerCase())) ?? null;
    const scored = library.map((definition) => {
      const { features, eventKinds } = definition.appliesTo;
      const reasons: string[] = [];
      let score = 0;
      let isRelevant = true;
      if (input.eventId) {
        const event = sources.events.find((candidate) => candidate.id === input.eventId);
        if (!event) throw new FakeRefusal('not_found', `Event ${input.eventId} is not in the local cache.`);
        const isFeature = event.feature !== null && features.includes(event.feature);
        const symptom = symptomIn(definition, event.summary);
        if (isFeature) {
          score += 4;
          reasons.push(`the ${event.kind} is about ${event.feature}`);
        }
        if (symptom) {
          score += 2;
          reasons.push(`the ${event.kind} mentions “${symptom}”`);
        }
        if (eventKinds.includes(event.kind)) {
          score += 1;
          reasons.push(`answers ${event.kind} events`);
        }
        isRelevant = isFeature || symptom !== null;
      } else if (input.customerId) {
        for (const feature of sources.features.filter((candidate) => candidate.customerId === input.customerId)) {
          if ((feature.health === 'degraded' || feature.health === 'down') && features.includes(feature.feature)) {
            score += 3;
            reasons.push(`feature ${feature.feature} is ${feature.health}`);
          }
        }
        for (const item of sources.openItems[input.customerId] ?? []) {
          const symptom = symptomIn(definition, item.summary);
          if (item.feature !== null && features.includes(item.feature)) {
            score += eventKinds.includes(item.kind) ? 4 : 2;
            reasons.push(`open ${item.kind} on ${item.feature}: ${quote(item.summary)}`);
          } else if (symptom) {
            score += 2;
            reasons.push(`open ${item.kind} ${quote(item.summary)} mentions “${symptom}”`);
          }
        }
      }
      const isSuggested = isRelevant && score >= 2;
      return {
        definition,
        score,
        isSuggested,
        reason: isSuggested && reasons.length > 0 ? reasons.slice(0, 3).join('; ') : null,
      };
    });
    return scored
      .sort(
        (a, b) =>
          Number(b.isSuggested) - Number(a.isSuggested) ||
          b.score - a.score ||
          a.definition.title.localeCompare(b.definition.title),
      )
      .map((entry) => listItem(entry.definition, entry.isSuggested, entry.reason));
  }

  function statusOf(run: FakeRun): RunView['status'] {
    if (run.state.status === 'finished')
      return run.state.finish?.reason.startsWith('cancelled by the operator') ? 'cancelled' : 'finished';
    if (run.blockedReason) return 'waiting';
    if (HUMAN_NEEDS.has(run.need.need)) return 'waiting';
    if (run.need.need === 'action-execute' && run.plan?.requiresApproval && approvalFor(run)?.status !== 'granted')
      return 'waiting';
    return 'running';
  }

  function approvalFor(run: FakeRun): Approval | null {
    return run.approval && run.plan && run.approval.planId === run.plan.planId ? run.approval : null;
  }

  function view(run: FakeRun): RunView {
    const approval = approvalFor(run);
    const isWaitingForApproval =
      run.state.status !== 'finished' &&
      approval?.status === 'pending' &&
      (run.need.need === 'action-execute' || run.need.need === 'approval');
    return {
      runId: run.id,
      wizardId: run.wizard.id,
      wizardVersion: run.wizard.version,
      title: run.wizard.title,
      customerId: run.customerId,
      customerName: run.customerName,
      practice: run.practice,
      status: statusOf(run),
      startedAt: run.startedAt,
      updatedAt: run.updatedAt,
      startedBy: run.startedBy,
      state: structuredClone(run.state),
      need: run.isBusy ? null : structuredClone(run.need),
      canEditAnswers: canEditAnswers(run.state),
      plan: run.plan,
      execution: run.execution,
      approval: run.approval,
      blockedReason:
        run.blockedReason ??
        (isWaitingForApproval
          ? `Waiting for a second person to approve this plan (approval ${approval?.approvalId}); it runs as soon as it is granted.`
          : null),
      recordState: run.practice || run.state.status !== 'finished' ? 'none' : run.isSynced ? 'synced' : 'pending',
    };
  }

  function historyItem(run: FakeRun): RunHistoryItem {
    return {
      runId: run.id,
      wizardId: run.wizard.id,
      wizardVersion: run.wizard.version,
      title: run.wizard.title,
      customerId: run.customerId,
      customerName: run.customerName,
      outcome: run.state.finish?.outcome ?? 'aborted',
      practice: run.practice,
      startedAt: run.startedAt,
      finishedAt: run.state.finish?.finishedAt ?? run.updatedAt,
      ranBy: run.startedBy,
      isLocal: true,
      eventId: null,
    };
  }

  function transition(run: FakeRun, event: RunEvent): void {
    const result = applyEvent(library, run.state, event);
    if (!result.ok) throw new FakeRefusal(refusalCode(result.error), result.error.message);
    run.state = result.state;
    run.need = result.need;
    run.updatedAt = event.at;
  }

  function resultsSoFar(run: FakeRun, path: string): number {
    let count = 0;
    for (const record of run.state.steps) {
      const prefix = record.path.slice(0, record.path.length - record.stepId.length);
      if (record.group?.some((check) => check.landed && `${prefix}${check.id}` === path)) count += 1;
      if (record.path !== path) continue;
      if (record.kind === 'verify') count += record.attempts?.length ?? 0;
      else if (record.result !== undefined) count += 1;
    }
    return count;
  }

  function scripted(run: FakeRun, path: string): Json {
    const result = pick(host.checks[run.wizard.id]?.[path], resultsSoFar(run, path));
    if (result === undefined) throw new Error(`no scripted result for ${run.wizard.id} step ${path}`);
    return result;
  }

  function makePlan(run: FakeRun, path: string, action: string, params: Record<string, Json>): Plan {
    sequence += 1;
    const risk = ACTION_RISKS[action] ?? 'medium';
    return PlanSchema.parse({
      planId: `plan-${sequence}`,
      action,
      actionVersion: 1,
      risk,
      customer: { id: run.customerId, name: run.customerName },
      params,
      changes: PLAN_CHANGES[action]?.(params) ?? [{ target: action, from: null, to: params }],
      isNoop: false,
      requiresTypedConfirmation: risk === 'high',
      requiresApproval: risk === 'high',
      expiresAt: new Date(clock + 15 * 60_000).toISOString(),
      createdBy: 'you@ops.example',
      ...host.planOverrides[path],
    });
  }

  function pendingApproval(run: FakeRun, plan: Plan, reason: string): Approval {
    sequence += 1;
    return ApprovalSchema.parse({
      approvalId: `approval-${sequence}`,
      planId: plan.planId,
      status: 'pending',
      requestedBy: 'you@ops.example',
      decidedBy: null,
      note: reason,
      plan,
    });
  }

  function requestApproval(run: FakeRun, reason: string): void {
    const need = run.need;
    if (need.need === 'approval') {
      if (run.practice) {
        transition(run, { type: 'approval-granted', at: tick(), by: 'practice-approver' });
        return;
      }
      if (approvalFor(run)?.status === 'pending') return;
      // As the desk does: plan the action after the approval step, so the approver sees what they approve.
      const frame = run.state.frames[run.state.frames.length - 1];
      const index = run.wizard.steps.findIndex((step) => step.id === need.stepId);
      const target = stepEdges(run.wizard.steps, index).targets.find((edge) => edge.via === 'next')?.target;
      const action = run.wizard.steps.find((step) => step.id === target);
      if (!frame || !action || action.kind !== 'action')
        throw new FakeRefusal('bad_request', 'The approval step is not followed by an action.');
      if (!host.isOnline)
        throw new FakeRefusal('offline', 'Approvals need a live connection to the backend; reconnect, then try again.');
      const rendered = renderValue(action.params, {
        inputs: frame.inputs,
        answers: frame.answers,
        checks: frame.checks,
        customer: run.state.customer,
      });
      if (!rendered.ok || rendered.value === null || typeof rendered.value !== 'object' || Array.isArray(rendered.value))
        throw new Error('bad action parameters');
      run.plan = makePlan(run, action.id, action.action, rendered.value);
      run.approval = pendingApproval(run, run.plan, reason || need.reason);
      return;
    }
    if (need.need !== 'action-confirm' && need.need !== 'action-execute')
      throw new FakeRefusal('conflict', `This run is not at an approval or an action; it waits for ${need.need}.`);
    const plan = run.plan;
    if (!plan) throw new FakeRefusal('conflict', 'This run has no plan to approve yet.');
    if (!plan.requiresApproval)
      throw new FakeRefusal('bad_request', 'This plan does not need an approval; confirm it to run it.');
    const existing = approvalFor(run);
    if (existing && existing.status !== 'denied') return;
    run.approval = pendingApproval(run, plan, reason || `Wizard "${run.wizard.title}" for ${run.customerName}`);
  }

  function verifyOnce(run: FakeRun, need: Extract<Need, { need: 'verify-attempt' }>): void {
    // The fake clock jumps to the moment the attempt is due.
    clock = Math.max(clock, Date.parse(need.dueAt));
    const at = tick();
    if (need.request.source === 'probe' && !run.practice && !host.isOnline)
      transition(run, { type: 'verify-failed', at, error: 'no backend is connected' });
    else transition(run, { type: 'verify-result', at, result: scripted(run, need.path) });
  }

  /** Does the automatic part of the run until it needs a person, a connection or (in manual mode) a verify attempt. */
  function advance(run: FakeRun): void {
    for (let guardCount = 0; guardCount < 200; guardCount += 1) {
      if (run.state.status === 'finished' || run.blockedReason) return;
      const need = run.need;
      switch (need.need) {
        case 'check': {
          if (need.request.source === 'probe' && !run.practice && !host.isOnline) {
            transition(run, { type: 'check-failed', at: tick(), error: 'no backend is connected' });
            run.blockedReason = OFFLINE_PROBE_REASON;
            return;
          }
          transition(run, { type: 'check-result', at: tick(), result: scripted(run, need.path) });
          break;
        }
        case 'parallel': {
          // As the desk: every check without a result runs; each result lands on its own; failures stop the group.
          const failed: string[] = [];
          for (const check of need.checks) {
            const error =
              host.failingChecks[check.path] ??
              (check.request.source === 'probe' && !run.practice && !host.isOnline ? 'no backend is connected' : undefined);
            if (error) {
              failed.push(`${check.title}: ${error}`);
              transition(run, { type: 'group-check-failed', at: tick(), check: check.id, error });
            } else
              transition(run, { type: 'group-check-result', at: tick(), check: check.id, result: scripted(run, check.path) });
          }
          if (failed.length > 0 && run.need.need === 'parallel') {
            run.blockedReason = `${failed.length} of ${need.checks.length + need.landed.length} checks of “${need.title}” failed — ${failed.join('; ')}. Fix the cause, then press Retry: only the failed checks run again.`;
            return;
          }
          break;
        }
        case 'verify-attempt':
          if (host.verifyMode === 'manual') return;
          verifyOnce(run, need);
          break;
        case 'action-plan': {
          const approved = approvalFor(run);
          if (run.plan && approved?.status === 'granted' && run.plan.action === need.action) {
            transition(run, { type: 'action-planned', at: tick(), plan: run.plan });
            break;
          }
          if (!host.isOnline) {
            run.blockedReason = OFFLINE_ACTION_REASON;
            return;
          }
          run.plan = makePlan(run, need.path, need.action, need.params);
          run.execution = null;
          transition(run, { type: 'action-planned', at: tick(), plan: run.plan });
          break;
        }
        case 'action-execute': {
          const plan = run.plan;
          if (!plan) throw new Error('executing without a plan');
          if (plan.requiresApproval) {
            const approval = approvalFor(run);
            if (!approval) {
              run.approval = pendingApproval(run, plan, `Wizard "${run.wizard.title}" for ${run.customerName}`);
              return;
            }
            if (approval.status === 'pending') return;
            if (approval.status === 'denied') {
              transition(run, {
                type: 'action-result',
                at: tick(),
                ok: false,
                error: `approval denied by ${approval.decidedBy ?? 'the approver'}`,
              });
              break;
            }
          }
          if (!host.isOnline) {
            run.blockedReason = OFFLINE_ACTION_REASON;
            return;
          }
          const change = host.planChanges[need.path];
          if (change) {
            // As the desk does on 409 plan_changed: the new plan replaces the confirmed one, and the operator confirms again.
            delete host.planChanges[need.path];
            run.plan = { ...makePlan(run, need.path, need.action, need.params), ...change.plan };
            run.approval = null;
            transition(run, { type: 'action-planned', at: tick(), plan: run.plan, replanned: change.reason });
            break;
          }
          sequence += 1;
          const failure = host.failingActions[need.path];
          const execution = ExecutionSchema.parse({
            executionId: `exec-${sequence}`,
            planId: plan.planId,
            idempotencyKey: need.idempotencyKey,
            status: failure ? 'failed' : 'succeeded',
            isReplay: false,
            changes: plan.changes,
            result: failure ? null : { changed: true },
            error: failure ?? null,
            auditId: `audit-${sequence}`,
            eventId: failure ? null : `01JEVENT${String(sequence).padStart(18, '0')}`,
            executedAt: new Date(clock).toISOString(),
          });
          run.execution = execution;
          const result: Json = {
            executionId: execution.executionId,
            status: execution.status,
            changes: execution.changes,
            result: execution.result,
            eventId: execution.eventId,
            isReplay: execution.isReplay,
          };
          transition(run, { type: 'action-result', at: tick(), ok: !failure, result, ...(failure ? { error: failure } : {}) });
          break;
        }
        case 'simulated-action':
          transition(run, { type: 'action-result', at: tick(), ok: true, result: { simulated: true } });
          break;
        case 'wizard':
          transition(run, { type: 'continue', at: tick() });
          break;
        default:
          return;
      }
    }
  }

  return host;
}

/** The fake run host's type. */
export type FakeRunHost = ReturnType<typeof createFakeRunHost>;

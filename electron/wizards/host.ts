import type Database from 'better-sqlite3';
import { CUSTOMER_FIELDS } from '../../shared/wizards/catalog';
import { DeskError, type ErrorCode } from '../../shared/ipc/result';
import type { RunAct, RunView } from '../../shared/ipc/wizard-views';
import { WizardRunRecordArgsSchema, type Approval, type Plan } from '../../shared/remediation/wire';
import { renderValue } from '../../shared/wizards/cel';
import type { Json } from '../../shared/json';
import { probeSpec } from '../../shared/wizards/catalog';
import {
  applyEvent,
  canEditAnswers,
  createRun,
  definitionHash,
  resumeRun,
  summarizeRun,
  type DiagnosticRequest,
  type Need,
  type RunError,
  type RunEvent,
  type RunState,
} from '../../shared/wizards/engine';
import { stepEdges, type WizardDefinition } from '../../shared/wizards/format';
import { ulid } from '../../shared/ulid';
import { BackendError, type BackendClient } from '../backend/client';
import type { Outbox } from '../db/outbox';
import type { Logger } from '../ipc/dispatch';
import { systemClock, type Clock } from '../sync/engine';
import { createCacheQueries } from './cache-queries';
import type { WizardLibrary } from './library';
import { simulatedAction, simulatedApproval, simulatedCheck } from './practice';
import { createRunStore, type PinnedDefinition, type RunRecord, type RunStatus } from './store';

/**
 * The run host: drives the wizard engine for the desk. It performs what the
 * engine's need asks — cache queries, server probes, dry-run plans, executions,
 * approvals, verify timers, simulated results in practice — and persists the
 * run after every engine event, so a run survives an app restart. Human needs
 * wait for `act`. Actions and probes are never queued: without a connection a
 * run stops on its step with a `blockedReason`, and the operator retries.
 */

/** The backend calls the host makes; `null` from the getter means no backend is configured. */
export type RemediationClient = Pick<BackendClient, 'probe' | 'planAction' | 'executeAction' | 'requestApproval' | 'approval'>;

/** Dependencies of {@link createRunHost}; nothing is reached for globally. */
export type RunHostOptions = {
  db: Database.Database;
  outbox: Outbox;
  library: WizardLibrary;
  backend: () => RemediationClient | null;
  /** Called after every change of a run (the desk emits `runs:changed`). */
  emit: (runId: string) => void;
  log: Logger;
  clock?: Clock;
  newId?: () => string;
  /** Who is at the desk, for confirmations. */
  operator?: () => string;
  /** Called after a finished run was queued in the outbox (the sync engine pushes it). */
  onLocalWrite?: () => void;
  /** How often a pending approval is asked about. */
  approvalPollMs?: number;
  /** Executions whose answer is lost are retried this many times in a row (same idempotency key) before the run waits for Retry. */
  executeAttempts?: number;
  retryDelayMs?: number;
};

/** Why an action or probe waits: said to the operator as is. */
export const OFFLINE_ACTION_REASON = 'Actions need a live connection to the backend; reconnect, then press Retry.';
export const OFFLINE_PROBE_REASON = 'Server probes need a live connection to the backend; reconnect, then press Retry.';
export const RESTARTED_EXECUTION_REASON =
  'The desk restarted while this action was being executed, so its outcome is unknown. Press Retry to ask the server: the retry sends the same idempotency key, so the action cannot run twice.';

const HUMAN_NEEDS = new Set<Need['need']>(['input', 'guidance', 'action-confirm', 'approval', 'escalate']);

/** An engine refusal of an event the host itself produced. */
class EngineRefusal extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

function refusalCode(error: RunError): ErrorCode {
  switch (error.code) {
    case 'invalid-event':
    case 'invalid-input':
    case 'invalid-result':
    case 'confirmation-required':
      return 'bad_request';
    case 'practice-violation':
      return 'forbidden';
    default:
      return 'conflict';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isCancelled(state: RunState): boolean {
  return state.finish?.reason.startsWith('cancelled by the operator') ?? false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Network trouble, timeouts, garbled answers, 5xx and 429: the request may be sent again. */
function isTransient(error: unknown): boolean {
  return !(error instanceof BackendError) || error.isRetryable;
}

function connectionReason(base: string, error: unknown): string {
  return error instanceof BackendError && (error.kind === 'network' || error.kind === 'timeout')
    ? `${base} (${error.message})`
    : base;
}

/** Creates the host. Call `resumeAll()` once at desk start and `stop()` before closing the cache. */
export function createRunHost(options: RunHostOptions) {
  const { db, outbox, library, log } = options;
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? ulid;
  const operator = options.operator ?? (() => 'you');
  const approvalPollMs = options.approvalPollMs ?? 5_000;
  const executeAttempts = Math.max(1, options.executeAttempts ?? 3);
  const retryDelayMs = options.retryDelayMs ?? 400;
  const store = createRunStore(db);
  const cacheQueries = createCacheQueries(db);
  const customerRow = db.prepare<[string], Record<string, Json>>(
    `select id, name, plan, region, environment, version, lifecycle, health, owner, created_at as createdAt, updated_at as updatedAt from customers where id = ?`,
  );

  const chains = new Map<string, Promise<void>>();
  const verifyTimers = new Map<string, unknown>();
  const approvalTimers = new Map<string, unknown>();
  /** Runs with a backend call in flight: their view shows no need until it answers. */
  const busy = new Set<string>();
  let stopped = false;

  const nowIso = () => new Date(clock.now()).toISOString();
  /** A backend call starts: the runner shows the step as working (no need) until it answers. */
  const markBusy = (runId: string) => {
    busy.add(runId);
    options.emit(runId);
  };
  const sleep = (ms: number) => (ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => clock.setTimeout(resolve, ms)));

  // ---- serialising work per run ------------------------------------------------

  /** Runs `work` after everything queued for this run; a failure does not stop later work. */
  function exclusive<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = chains.get(runId) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    chains.set(runId, tail);
    void tail.then(() => {
      if (chains.get(runId) === tail) chains.delete(runId);
    });
    return result;
  }

  function drive(runId: string): void {
    if (stopped) return;
    exclusive(runId, () => advance(runId)).catch((error: unknown) =>
      log.error('wizard run failed to advance', { runId, error: describe(error) }),
    );
  }

  // ---- state, persistence ------------------------------------------------------

  function engineLibrary(record: Pick<RunRecord, 'pinned'>): WizardDefinition[] {
    const pinnedIds = new Set(record.pinned.map((pin) => pin.id));
    // Pinned definitions first; the newest library versions only for wizards a link has not opened yet.
    return [
      ...record.pinned.map((pin) => pin.definition),
      ...library
        .latest()
        .filter((entry) => !pinnedIds.has(entry.id))
        .map((entry) => entry.definition),
    ];
  }

  /** Keeps every definition the engine pinned (links add pins as they are reached). */
  function syncPins(pinned: PinnedDefinition[], state: RunState, candidates: readonly WizardDefinition[]): PinnedDefinition[] {
    const result = [...pinned];
    for (const pin of state.pins) {
      if (result.some((known) => known.id === pin.id && known.version === pin.version && known.hash === pin.hash)) continue;
      const definition = candidates.find(
        (candidate) => candidate.id === pin.id && candidate.version === pin.version && definitionHash(candidate) === pin.hash,
      );
      if (!definition) throw new Error(`run ${state.runId} pinned ${pin.id}@${pin.version}, which is not in the library`);
      result.push({ id: pin.id, version: pin.version, hash: pin.hash, definition });
    }
    return result;
  }

  function approvalFor(record: RunRecord): Approval | null {
    return record.approval && record.plan && record.approval.planId === record.plan.planId ? record.approval : null;
  }

  function statusOf(record: RunRecord): RunStatus {
    if (record.state.status === 'finished') return isCancelled(record.state) ? 'cancelled' : 'finished';
    if (record.blockedReason) return 'waiting';
    const need = record.need;
    if (!need) return 'running';
    if (HUMAN_NEEDS.has(need.need)) return 'waiting';
    if (need.need === 'action-execute' && record.plan?.requiresApproval && approvalFor(record)?.status !== 'granted')
      return 'waiting';
    return 'running';
  }

  function withState(record: RunRecord, state: RunState, need: Need, at: string): RunRecord {
    const next: RunRecord = {
      ...record,
      state,
      need,
      pinned: syncPins(record.pinned, state, engineLibrary(record)),
      updatedAt: at,
      finishedAt: state.finish?.finishedAt ?? null,
    };
    return { ...next, status: statusOf(next) };
  }

  function recordArgs(record: RunRecord) {
    const summary = summarizeRun(record.state);
    const outcome = summary.outcome ?? 'aborted';
    const body: string[] = [
      `**Outcome:** ${outcome}${summary.reason ? ` — ${summary.reason}` : ''}`,
      `**Root cause:** ${summary.rootCause ?? 'not determined'}`,
      `**Wizard:** ${record.title} (${record.wizardId} v${record.wizardVersion}), run ${record.id}`,
      ...(record.eventId ? [`**Started from event:** ${record.eventId}`] : []),
      '',
      '### Path',
    ];
    for (const step of record.state.steps) {
      if (step.kind === 'inputs') continue;
      let line = `- ${step.title} (${step.kind})`;
      if (step.branch) line += `: ${step.branch.reason}`;
      if (step.kind === 'action' && step.result !== undefined)
        line += `: ${sameJson((step.result as { ok?: unknown }).ok, true) ? 'done' : 'failed'}${step.idempotencyKey ? ` (key ${step.idempotencyKey})` : ''}`;
      if (step.kind === 'verify') line += `: ${step.attempts?.length ?? 0} attempt(s)${step.note ? `; ${step.note}` : ''}`;
      if (step.escalation)
        line += `: to ${step.escalation.team}${step.escalation.reference ? ` (${step.escalation.reference})` : ''}`;
      body.push(line);
    }
    if (summary.followUps.length > 0) body.push('', '### Follow-ups', ...summary.followUps.map((text) => `- ${text}`));
    return WizardRunRecordArgsSchema.parse({
      runId: record.id,
      customerId: record.customerId,
      wizardId: record.wizardId,
      wizardVersion: record.wizardVersion,
      outcome,
      rootCause: summary.rootCause,
      path: summary.path.slice(0, 500).map((path) => path.slice(0, 100)),
      followUps: summary.followUps.slice(0, 50).map((text) => text.slice(0, 500)),
      startedAt: record.startedAt,
      finishedAt: summary.finishedAt ?? record.updatedAt,
      summary: `Wizard "${record.title}": ${outcome}${summary.reason ? ` — ${summary.reason}` : ''}`.slice(0, 500),
      body: body.join('\n').slice(0, 20_000),
    });
  }

  /**
   * Persists a run: the row, the event in the log and — when a real run has just
   * finished — its `wizardRun.record` mutation, all in ONE transaction.
   */
  function save(record: RunRecord, event: RunEvent | null, isNew = false): RunRecord {
    let isRecorded = false;
    db.transaction(() => {
      if (record.state.status === 'finished' && !record.practice && record.recordMutationId === null) {
        const row = outbox.enqueue('wizardRun.record', recordArgs(record), record.updatedAt);
        record.recordMutationId = row.id;
        isRecorded = true;
      }
      store.save(record, isNew, event, null);
    })();
    options.emit(record.id);
    if (isRecorded) options.onLocalWrite?.();
    return record;
  }

  /** Applies an engine event and saves; throws EngineRefusal when the engine says no. */
  function transition(record: RunRecord, event: RunEvent, patch: Partial<RunRecord> = {}): RunRecord {
    const result = applyEvent(engineLibrary(record), record.state, event);
    if (!result.ok) throw new EngineRefusal(result.error);
    return save(withState({ ...record, ...patch }, result.state, result.need, event.at), event);
  }

  function block(record: RunRecord, reason: string): RunRecord {
    const next = { ...record, blockedReason: reason, updatedAt: nowIso() };
    return save({ ...next, status: statusOf(next) }, null);
  }

  function requireRun(runId: string): RunRecord {
    const record = store.get(runId);
    if (!record) throw new DeskError('not_found', `Wizard run ${runId} does not exist on this desk.`);
    return record;
  }

  // ---- timers ------------------------------------------------------------------

  function armVerify(runId: string, dueAt: string): void {
    clock.clearTimeout(verifyTimers.get(runId));
    const handle = clock.setTimeout(
      () => {
        verifyTimers.delete(runId);
        drive(runId);
      },
      Math.max(0, Date.parse(dueAt) - clock.now()),
    );
    verifyTimers.set(runId, handle);
  }

  function armApprovalPoll(runId: string): void {
    if (stopped || approvalTimers.has(runId)) return;
    const handle = clock.setTimeout(() => {
      approvalTimers.delete(runId);
      if (stopped) return;
      exclusive(runId, () => pollApproval(runId)).catch((error: unknown) =>
        log.warn('approval poll failed', { runId, error: describe(error) }),
      );
    }, approvalPollMs);
    approvalTimers.set(runId, handle);
  }

  function clearTimers(runId: string): void {
    clock.clearTimeout(verifyTimers.get(runId));
    clock.clearTimeout(approvalTimers.get(runId));
    verifyTimers.delete(runId);
    approvalTimers.delete(runId);
  }

  // ---- automatic steps ------------------------------------------------------------

  type Diagnosis = { ok: true; result: Json } | { ok: false; error: string; blocked: string | null };

  async function diagnose(record: RunRecord, request: DiagnosticRequest, path: string, isSimulated: boolean): Promise<Diagnosis> {
    if (record.practice || isSimulated) {
      const scenario = library.practiceScenario(record.wizardId, record.wizardVersion);
      return { ok: true, result: simulatedCheck(scenario, record.state, path, request, nowIso()).result };
    }
    if (request.source === 'cache') {
      try {
        return { ok: true, result: cacheQueries.run(request.query, request.params, record.customerId, clock.now()) };
      } catch (error) {
        return {
          ok: false,
          error: describe(error),
          blocked: `The cache query ${request.query} failed: ${describe(error)}. Fix the cause (e.g. sync), then press Retry.`,
        };
      }
    }
    const client = options.backend();
    if (!client) return { ok: false, error: 'no backend is connected', blocked: OFFLINE_PROBE_REASON };
    markBusy(record.id);
    try {
      const response = await client.probe(request.probe, { customerId: record.customerId, params: request.params });
      const spec = probeSpec(request.probe);
      const checked = spec?.result.safeParse(response.result);
      if (checked && !checked.success) {
        const issue = checked.error.issues[0];
        const message = `the server's ${request.probe} answer does not match the catalog (${issue?.path.join('.')}: ${issue?.message})`;
        return {
          ok: false,
          error: message,
          blocked: `Probe ${request.probe}: ${message}. The server and this desk disagree on the probe; escalate, or press Retry after updating.`,
        };
      }
      return { ok: true, result: response.result };
    } catch (error) {
      if (isTransient(error) && !(error instanceof BackendError && error.kind === 'http')) {
        return { ok: false, error: describe(error), blocked: connectionReason(OFFLINE_PROBE_REASON, error) };
      }
      return {
        ok: false,
        error: describe(error),
        blocked: `The server could not run probe ${request.probe}: ${describe(error)} Press Retry to try again.`,
      };
    } finally {
      busy.delete(record.id);
    }
  }

  async function planStep(record: RunRecord, need: Extract<Need, { need: 'action-plan' }>): Promise<boolean> {
    const approved = approvalFor(record);
    const current = record.plan;
    // A plan approved at an approval step right before this action is the plan: re-planning would need a new approval.
    if (
      current &&
      approved?.status === 'granted' &&
      current.action === need.action &&
      sameJson(current.params, need.params) &&
      Date.parse(current.expiresAt) > clock.now()
    ) {
      transition(record, { type: 'action-planned', at: nowIso(), plan: current });
      return true;
    }
    const client = options.backend();
    if (!client) {
      block(record, OFFLINE_ACTION_REASON);
      return false;
    }
    const pinned = record.pinned.find((pin) => pin.id === need.wizardId);
    let plan: Plan;
    markBusy(record.id);
    try {
      plan = await client.planAction({
        action: need.action,
        customerId: record.customerId,
        params: need.params,
        runId: record.id,
        wizard: pinned ? { id: pinned.id, version: pinned.version } : null,
      });
    } catch (error) {
      const reason =
        error instanceof BackendError && error.status === 429
          ? `The server limits how often this action may run: ${error.message} Press Retry later.`
          : isTransient(error) && !(error instanceof BackendError && error.kind === 'http')
            ? connectionReason(OFFLINE_ACTION_REASON, error)
            : `The server refused to plan ${need.action}: ${describe(error)} Press Retry, or cancel and escalate.`;
      block(record, reason);
      return false;
    } finally {
      busy.delete(record.id);
    }
    const keepApproval = record.approval?.planId === plan.planId ? record.approval : null;
    transition(
      record,
      { type: 'action-planned', at: nowIso(), plan },
      { plan, execution: null, confirmation: null, approval: keepApproval },
    );
    return true;
  }

  async function requestApprovalFor(record: RunRecord, plan: Plan, reason: string): Promise<RunRecord> {
    const client = options.backend();
    if (!client) throw new DeskError('offline', 'Approvals need a live connection to the backend; reconnect, then try again.');
    let approval: Approval;
    try {
      approval = await client.requestApproval({ planId: plan.planId, reason });
    } catch (error) {
      throw new DeskError(isTransient(error) ? 'offline' : 'conflict', `The approval could not be requested: ${describe(error)}`);
    }
    const next = save({ ...record, plan, approval, blockedReason: null, updatedAt: nowIso() }, null);
    armApprovalPoll(record.id);
    return next;
  }

  async function executeStep(record: RunRecord, need: Extract<Need, { need: 'action-execute' }>): Promise<boolean> {
    const plan = record.plan;
    if (!plan) {
      block(record, 'The plan of this action is missing from the run; cancel the run and start it again.');
      return false;
    }
    let approvalId: string | undefined;
    if (plan.requiresApproval) {
      const approval = approvalFor(record);
      if (!approval) {
        try {
          await requestApprovalFor(record, plan, `Wizard "${record.title}" for ${record.customerName}`);
        } catch (error) {
          block(record, error instanceof DeskError && error.code === 'offline' ? OFFLINE_ACTION_REASON : describe(error));
        }
        return false;
      }
      if (approval.status === 'pending') {
        armApprovalPoll(record.id);
        return false;
      }
      if (approval.status === 'denied') {
        const note = approval.note ? `: ${approval.note}` : '';
        transition(record, {
          type: 'action-result',
          at: nowIso(),
          ok: false,
          error: `approval denied by ${approval.decidedBy ?? 'the approver'}${note}`.slice(0, 2000),
        });
        return true;
      }
      approvalId = approval.approvalId;
    }
    const client = options.backend();
    if (!client) {
      block(record, OFFLINE_ACTION_REASON);
      return false;
    }
    const typedConfirmation = record.confirmation?.typedConfirmation ?? undefined;
    let lastError: unknown = null;
    markBusy(record.id);
    try {
      for (let attempt = 0; attempt < executeAttempts; attempt += 1) {
        if (attempt > 0) await sleep(retryDelayMs);
        try {
          const execution = await client.executeAction({
            planId: plan.planId,
            idempotencyKey: need.idempotencyKey,
            ...(typedConfirmation === undefined ? {} : { typedConfirmation }),
            ...(approvalId === undefined ? {} : { approvalId }),
          });
          busy.delete(record.id);
          const result: Json = {
            executionId: execution.executionId,
            status: execution.status,
            changes: execution.changes,
            result: execution.result,
            eventId: execution.eventId,
            isReplay: execution.isReplay,
          };
          transition(
            record,
            {
              type: 'action-result',
              at: nowIso(),
              ok: execution.status === 'succeeded',
              result,
              ...(execution.error ? { error: execution.error.slice(0, 2000) } : {}),
            },
            { execution, confirmation: null, blockedReason: null },
          );
          return true;
        } catch (error) {
          lastError = error;
          if (error instanceof BackendError && error.status === 401) break;
          if (!isTransient(error)) {
            busy.delete(record.id);
            transition(record, {
              type: 'action-result',
              at: nowIso(),
              ok: false,
              error: `The server refused the action: ${describe(error)}`.slice(0, 2000),
            });
            return true;
          }
        }
      }
    } finally {
      busy.delete(record.id);
    }
    const reason =
      lastError instanceof BackendError && lastError.status === 401
        ? 'The backend refused the access token. Enter a valid token on the Sync page, then press Retry.'
        : `The backend did not confirm the action (${describe(lastError)}). It may or may not have run: press Retry — the retry sends the same idempotency key (${need.idempotencyKey}), so it cannot run twice.`;
    block(record, reason);
    return false;
  }

  function linkStep(record: RunRecord, need: Extract<Need, { need: 'wizard' }>): boolean {
    const entry = library.find(need.linkedWizardId);
    if (!entry) {
      block(record, `The linked wizard "${need.linkedWizardId}" is not in the library; sync, then press Retry.`);
      return false;
    }
    const pinned = record.pinned.some((pin) => pin.id === entry.id)
      ? record.pinned
      : [...record.pinned, { id: entry.id, version: entry.version, hash: entry.hash, definition: entry.definition }];
    transition({ ...record, pinned }, { type: 'continue', at: nowIso() });
    return true;
  }

  /** Does the automatic part of the run until it needs a person, a timer or a connection. */
  async function advance(runId: string): Promise<void> {
    for (let guard = 0; guard < 2_000 && !stopped; guard += 1) {
      const record = store.get(runId);
      if (!record || record.state.status === 'finished' || record.blockedReason || !record.need) return;
      const need = record.need;
      try {
        switch (need.need) {
          case 'check': {
            const diagnosis = await diagnose(record, need.request, need.path, need.isSimulated);
            if (diagnosis.ok) transition(record, { type: 'check-result', at: nowIso(), result: diagnosis.result });
            else {
              const failed = transition(record, { type: 'check-failed', at: nowIso(), error: diagnosis.error.slice(0, 2000) });
              if (diagnosis.blocked) {
                block(failed, diagnosis.blocked);
                return;
              }
            }
            break;
          }
          case 'verify-attempt': {
            if (clock.now() < Date.parse(need.dueAt)) {
              armVerify(runId, need.dueAt);
              return;
            }
            const diagnosis = await diagnose(record, need.request, need.path, need.isSimulated);
            const at = nowIso();
            if (diagnosis.ok) transition(record, { type: 'verify-result', at, result: diagnosis.result });
            else transition(record, { type: 'verify-failed', at, error: diagnosis.error.slice(0, 2000) });
            break;
          }
          case 'action-plan':
            if (!(await planStep(record, need))) return;
            break;
          case 'action-execute':
            if (!(await executeStep(record, need))) return;
            break;
          case 'simulated-action': {
            const scenario = library.practiceScenario(record.wizardId, record.wizardVersion);
            const simulated = simulatedAction(scenario, record.state, need.path);
            transition(record, {
              type: 'action-result',
              at: nowIso(),
              ok: simulated.ok,
              result: simulated.result,
              ...(simulated.error ? { error: simulated.error } : {}),
            });
            break;
          }
          case 'wizard':
            if (!linkStep(record, need)) return;
            break;
          default:
            return;
        }
      } catch (error) {
        if (!(error instanceof EngineRefusal)) throw error;
        const latest = store.get(runId) ?? record;
        block(latest, `The wizard engine refused the desk's ${need.need} result: ${error.message}`);
        return;
      }
    }
  }

  async function pollApproval(runId: string): Promise<void> {
    const record = store.get(runId);
    const current = record?.approval;
    if (!record || !current || current.status !== 'pending' || record.state.status === 'finished') return;
    const client = options.backend();
    if (!client) {
      armApprovalPoll(runId);
      return;
    }
    let fresh: Approval;
    try {
      fresh = await client.approval(current.approvalId);
    } catch (error) {
      log.warn('could not read an approval', { runId, approvalId: current.approvalId, error: describe(error) });
      armApprovalPoll(runId);
      return;
    }
    if (fresh.status === 'pending') {
      if (!sameJson(fresh, current)) save({ ...record, approval: fresh, updatedAt: nowIso() }, null);
      armApprovalPoll(runId);
      return;
    }
    const at = nowIso();
    if (record.need?.need === 'approval') {
      const by = fresh.decidedBy ?? 'approver';
      const note = fresh.note ? { note: fresh.note.slice(0, 2000) } : {};
      transition(
        record,
        fresh.status === 'granted' ? { type: 'approval-granted', at, by, ...note } : { type: 'approval-denied', at, by, ...note },
        { approval: fresh },
      );
    } else {
      const next = { ...record, approval: fresh, updatedAt: at };
      save({ ...next, status: statusOf(next) }, null);
    }
    drive(runId);
  }

  // ---- human acts ------------------------------------------------------------------

  function humanTransition(record: RunRecord, event: RunEvent, patch: Partial<RunRecord> = {}): RunRecord {
    try {
      return transition(record, event, patch);
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
    const client = options.backend();
    if (!client) throw new DeskError('offline', 'Approvals need a live connection to the backend; reconnect, then try again.');
    try {
      return await client.planAction({
        action: action.action,
        customerId: record.customerId,
        params: rendered.value,
        runId: record.id,
        wizard: {
          id: need.wizardId,
          version: record.pinned.find((pin) => pin.id === need.wizardId)?.version ?? record.wizardVersion,
        },
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
      const client = options.backend();
      if (!client) throw new DeskError('offline', OFFLINE_ACTION_REASON);
      let fresh: Plan;
      try {
        fresh = await client.planAction({
          action: plan.action,
          customerId: record.customerId,
          params: record.need.params,
          runId: record.id,
          wizard: { id: record.wizardId, version: record.wizardVersion },
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
      return requestApprovalFor({ ...record, execution: null, confirmation: null }, plan, reason || need.reason);
    }
    if (need?.need !== 'action-confirm' && need?.need !== 'action-execute') {
      throw new DeskError('conflict', `This run is not at an approval or an action; it waits for ${waitsFor(record)}.`);
    }
    const plan = record.plan;
    if (!plan) throw new DeskError('conflict', 'This run has no plan to approve yet.');
    if (!plan.requiresApproval) throw new DeskError('bad_request', 'This plan does not need an approval; confirm it to run it.');
    const existing = approvalFor(record);
    if (existing && existing.status !== 'denied') return record;
    return requestApprovalFor(record, plan, reason || `Wizard "${record.title}" for ${record.customerName}`);
  }

  async function act(runId: string, input: RunAct): Promise<RunView> {
    const record = await exclusive(runId, async () => {
      const current = requireRun(runId);
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
          clearTimers(runId);
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
          const next = { ...current, blockedReason: null, updatedAt: at };
          return save({ ...next, status: statusOf(next) }, null);
        }
      }
    });
    drive(runId);
    return view(record);
  }

  // ---- views ---------------------------------------------------------------------

  function view(record: RunRecord): RunView {
    const approval = approvalFor(record);
    const isWaitingForApproval =
      record.state.status !== 'finished' &&
      approval?.status === 'pending' &&
      (record.need?.need === 'action-execute' || record.need?.need === 'approval');
    let recordState: RunView['recordState'] = 'none';
    if (!record.practice && record.recordMutationId) {
      const state = store.mutationState(record.recordMutationId);
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
      state: record.state,
      need: busy.has(record.id) ? null : record.need,
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

  // ---- the public API ------------------------------------------------------------

  return {
    /** Starts a run of the newest version of a wizard for a cached customer. */
    async start(input: { wizardId: string; customerId: string; practice?: boolean; eventId?: string }): Promise<RunView> {
      const entry = library.find(input.wizardId);
      if (!entry) throw new DeskError('not_found', `Wizard "${input.wizardId}" is not in the library. Sync, then try again.`);
      const row = customerRow.get(input.customerId);
      if (!row)
        throw new DeskError('not_found', `Customer "${input.customerId}" is not in the local cache. Sync, then try again.`);
      const customer: Record<string, Json> = {};
      for (const field of CUSTOMER_FIELDS) customer[field] = row[field] ?? null;
      const runId = newId();
      const startedAt = nowIso();
      const practice = input.practice ?? false;
      const others = library.latest().filter((candidate) => candidate.id !== entry.id);
      const created = createRun(
        entry.definition,
        { runId, customerId: input.customerId, startedAt, practice, customer },
        others.map((candidate) => candidate.definition),
      );
      if (!created.ok) throw new DeskError(refusalCode(created.error), created.error.message);
      const base: RunRecord = {
        id: runId,
        wizardId: entry.id,
        wizardVersion: entry.version,
        wizardHash: entry.hash,
        title: entry.title,
        customerId: input.customerId,
        customerName: String(row.name ?? input.customerId),
        eventId: input.eventId ?? null,
        practice,
        status: 'running',
        state: created.state,
        need: created.need,
        pinned: [{ id: entry.id, version: entry.version, hash: entry.hash, definition: entry.definition }],
        plan: null,
        execution: null,
        approval: null,
        confirmation: null,
        blockedReason: null,
        recordMutationId: null,
        startedAt,
        updatedAt: startedAt,
        finishedAt: null,
      };
      const record = withState(base, created.state, created.need, startedAt);
      save(record, null, true);
      drive(runId);
      return view(record);
    },

    /** The run as the runner shows it; a pending approval is asked about first. */
    async get(runId: string): Promise<RunView> {
      const record = requireRun(runId);
      if (record.approval?.status === 'pending' && options.backend()) {
        await exclusive(runId, () => pollApproval(runId)).catch((error: unknown) =>
          log.warn('approval refresh failed', { runId, error: describe(error) }),
        );
        return view(requireRun(runId));
      }
      return view(record);
    },

    list(filter: { customerId?: string; status?: 'active' | 'finished' }): RunView[] {
      return store.list(filter).map(view);
    },

    act,

    /** Continues the runs an earlier desk left open: automatic steps go on, verify timers and approval polls are re-armed. */
    resumeAll(): void {
      for (const record of store.open()) {
        const resumed = resumeRun(engineLibrary(record), record.state);
        if (!resumed.ok) {
          if (record.blockedReason === null) block(record, `This run cannot continue on this desk: ${resumed.error.message}`);
          continue;
        }
        let next: RunRecord = { ...record, need: resumed.need };
        const automatic = ['check', 'verify-attempt', 'action-plan', 'wizard', 'simulated-action'].includes(resumed.need.need);
        // Safe steps are simply tried again; an execution in flight is not, until the operator says so.
        if (automatic) next.blockedReason = null;
        const approval = approvalFor(next);
        const isWaitingForApproval = next.plan?.requiresApproval && approval?.status === 'pending';
        if (resumed.need.need === 'action-execute' && !isWaitingForApproval && next.blockedReason === null)
          next.blockedReason = RESTARTED_EXECUTION_REASON;
        next = { ...next, status: statusOf(next) };
        if (!sameJson(next.need, record.need) || next.blockedReason !== record.blockedReason || next.status !== record.status)
          save(next, null);
        if (record.approval?.status === 'pending') armApprovalPoll(record.id);
        drive(record.id);
      }
    },

    /**
     * The backend is reachable again: runs that stopped for want of a connection
     * at a probe or a dry-run plan go on by themselves. An execution never does:
     * it waits for the operator's Retry.
     */
    reconnected(): void {
      for (const record of store.open()) {
        const need = record.need?.need;
        const isConnectionBlock =
          record.blockedReason?.startsWith(OFFLINE_PROBE_REASON) || record.blockedReason?.startsWith(OFFLINE_ACTION_REASON);
        if (!isConnectionBlock || (need !== 'check' && need !== 'action-plan')) continue;
        exclusive(record.id, async () => {
          const current = store.get(record.id);
          if (!current || current.blockedReason !== record.blockedReason) return;
          const next = { ...current, blockedReason: null, updatedAt: nowIso() };
          save({ ...next, status: statusOf(next) }, null);
        }).catch((error: unknown) =>
          log.warn('could not resume a run after reconnecting', { runId: record.id, error: describe(error) }),
        );
        drive(record.id);
      }
    },

    /** Resolves when no automatic work is queued for the run (or any run); timers may still be armed. */
    async settled(runId?: string): Promise<void> {
      for (;;) {
        const pending =
          runId === undefined
            ? [...chains.values()]
            : [chains.get(runId)].filter((chain): chain is Promise<void> => chain !== undefined);
        if (pending.length === 0) return;
        await Promise.all(pending);
      }
    },

    /** Stops timers and waits for work in flight; runs stay where they are and resume on the next start. */
    async stop(): Promise<void> {
      stopped = true;
      for (const runId of [...verifyTimers.keys(), ...approvalTimers.keys()]) clearTimers(runId);
      await Promise.all([...chains.values()]);
    },

    /** The events a run received, oldest first (the run's local audit trail). */
    log: (runId: string) => store.log(runId),
  };
}

/** The run host type. */
export type RunHost = ReturnType<typeof createRunHost>;

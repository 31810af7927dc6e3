import type { Clock } from '../../shared/clock';
import type { Json } from '../../shared/json';
import type { Logger } from '../../shared/log';
import { DeskError } from '../../shared/ipc/result';
import { PlanSchema, type Approval, type Plan } from '../../shared/remediation/wire';
import { catalogSpecs } from '../../shared/catalog/publish';
import type { DiagnosticRequest, Need } from '../../shared/wizards/engine';
import { BackendError, type BackendClient } from '../backend/client';
import type { CacheQueries } from './cache-queries';
import type { WizardLibrary } from './library';
import { simulatedAction, simulatedCheck } from './practice';
import {
  connectionReason,
  describe,
  EngineRefusal,
  isTransient,
  OFFLINE_ACTION_REASON,
  OFFLINE_PROBE_REASON,
  sameJson,
} from './run-errors';
import { approvalFor, withStatus, wizardRefFor, type RunRecords } from './run-records';
import type { RunScheduler } from './run-scheduler';
import type { RunRecord } from './store';

/**
 * Step execution: what the engine's automatic needs ask, done for one run at a
 * time given its context — cache queries and server probes (simulated in
 * practice), dry-run plans, executions with their idempotency key and
 * approvals, linked wizards — each outcome fed back to the engine through the
 * run records. A call that cannot be made stops the run on its step with the
 * reason (nothing is queued offline).
 */

/** The backend calls the host makes; `null` from the getter means no backend is configured. */
export type RemediationClient = Pick<BackendClient, 'probe' | 'planAction' | 'executeAction' | 'requestApproval' | 'approval'>;

/** What step execution works with. */
export type StepContext = {
  records: RunRecords;
  scheduler: RunScheduler;
  library: WizardLibrary;
  cacheQueries: CacheQueries;
  backend: () => RemediationClient | null;
  clock: Clock;
  log: Logger;
  /** Executions whose answer is lost are retried this many times in a row (same idempotency key). */
  executeAttempts: number;
  retryDelayMs: number;
};

/** A diagnostic's answer, or why there is none (and, when the run must stop, what to tell the operator). */
export type Diagnosis = { ok: true; result: Json } | { ok: false; error: string; blocked: string | null };

/** Creates the step execution of a run host. */
export function createStepRunner(context: StepContext) {
  const { records, scheduler, library, cacheQueries, clock, log, executeAttempts, retryDelayMs } = context;
  const nowIso = () => new Date(clock.now()).toISOString();
  const sleep = (ms: number) => (ms <= 0 ? Promise.resolve() : new Promise<void>((resolve) => clock.setTimeout(resolve, ms)));

  /** Runs one query or probe; `trackBusy: false` when the caller marks the run busy itself (a parallel group). */
  async function diagnose(
    record: RunRecord,
    request: DiagnosticRequest,
    path: string,
    isSimulated: boolean,
    trackBusy = true,
  ): Promise<Diagnosis> {
    if (record.practice || isSimulated) {
      const scenario = library.practiceScenario(record.wizardId, record.wizardVersion);
      return { ok: true, result: simulatedCheck(scenario, record.state, path, request, nowIso(), library.catalog()).result };
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
    const client = context.backend();
    if (!client) return { ok: false, error: 'no backend is connected', blocked: OFFLINE_PROBE_REASON };
    if (trackBusy) scheduler.markBusy(record.id);
    try {
      const response = await client.probe(request.probe, { customerId: record.customerId, params: request.params });
      // Checked against the catalog the server published (its own probes, not a built-in list).
      const catalog = library.catalog();
      const spec = catalog ? catalogSpecs(catalog).probes.get(request.probe) : undefined;
      const checked = spec?.result.safeParse(response.result);
      if (checked && !checked.success) {
        const issue = checked.error.issues[0];
        const message = `the server's ${request.probe} answer does not match its catalog (${issue?.path.join('.')}: ${issue?.message})`;
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
      if (trackBusy) scheduler.markIdle(record.id);
    }
  }

  /** Asks the server for a dry-run plan of the step's action, for the wizard (version) that owns the step. */
  async function requestPlan(
    client: RemediationClient,
    record: RunRecord,
    need: Extract<Need, { need: 'action-plan' | 'action-execute' }>,
  ): Promise<Plan> {
    scheduler.markBusy(record.id);
    try {
      return await client.planAction({
        action: need.action,
        customerId: record.customerId,
        params: need.params,
        runId: record.id,
        wizard: wizardRefFor(record, need.wizardId),
      });
    } finally {
      scheduler.markIdle(record.id);
    }
  }

  /**
   * A parallel group: every check without a result runs at the same time (the
   * probes are in flight together), and each result is fed to the engine and
   * saved as it lands, so a restart re-runs only the checks still without one.
   * When checks failed and the group has no onFailure, the run stops there
   * with each check's reason; Retry runs only those again.
   */
  async function parallelStep(record: RunRecord, need: Extract<Need, { need: 'parallel' }>): Promise<boolean> {
    const runId = record.id;
    const failures: { title: string; error: string; blocked: string | null }[] = [];
    scheduler.markBusy(runId);
    try {
      await Promise.all(
        need.checks.map(async (check) => {
          const diagnosis = await diagnose(record, check.request, check.path, need.isSimulated, false);
          const latest = records.get(runId);
          if (!latest || latest.state.status === 'finished' || latest.need?.need !== 'parallel') return;
          if (diagnosis.ok) {
            records.transition(latest, { type: 'group-check-result', at: nowIso(), check: check.id, result: diagnosis.result });
            return;
          }
          failures.push({ title: check.title, error: diagnosis.error, blocked: diagnosis.blocked });
          records.transition(latest, {
            type: 'group-check-failed',
            at: nowIso(),
            check: check.id,
            error: diagnosis.error.slice(0, 2000),
          });
        }),
      );
    } finally {
      scheduler.markIdle(runId);
    }
    const latest = records.get(runId);
    // With onFailure the group has moved on; otherwise it waits at the same group for a retry.
    if (!latest || failures.length === 0 || latest.need?.need !== 'parallel' || latest.need.path !== need.path) return true;
    const offline = failures.every((failure) => failure.blocked === OFFLINE_PROBE_REASON);
    const each = failures.map((failure) => `${failure.title}: ${failure.error}`).join('; ');
    records.block(
      latest,
      offline
        ? `${OFFLINE_PROBE_REASON} (${failures.length} of ${need.checks.length + need.landed.length} checks of “${need.title}” could not run.)`
        : `${failures.length} of ${need.checks.length + need.landed.length} checks of “${need.title}” failed — ${each}. Fix the cause, then press Retry: only the failed checks run again.`,
    );
    return false;
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
      records.transition(record, { type: 'action-planned', at: nowIso(), plan: current });
      return true;
    }
    const client = context.backend();
    if (!client) {
      records.block(record, OFFLINE_ACTION_REASON);
      return false;
    }
    let plan: Plan;
    try {
      plan = await requestPlan(client, record, need);
    } catch (error) {
      const reason =
        error instanceof BackendError && error.status === 429
          ? `The server limits how often this action may run: ${error.message} Press Retry later.`
          : isTransient(error) && !(error instanceof BackendError && error.kind === 'http')
            ? connectionReason(OFFLINE_ACTION_REASON, error)
            : `The server refused to plan ${need.action}: ${describe(error)} Press Retry, or cancel and escalate.`;
      records.block(record, reason);
      return false;
    }
    const keepApproval = record.approval?.planId === plan.planId ? record.approval : null;
    records.transition(
      record,
      { type: 'action-planned', at: nowIso(), plan },
      { plan, execution: null, confirmation: null, approval: keepApproval },
    );
    return true;
  }

  async function requestApprovalFor(record: RunRecord, plan: Plan, reason: string): Promise<RunRecord> {
    const client = context.backend();
    if (!client) throw new DeskError('offline', 'Approvals need a live connection to the backend; reconnect, then try again.');
    let approval: Approval;
    try {
      approval = await client.requestApproval({ planId: plan.planId, reason });
    } catch (error) {
      throw new DeskError(isTransient(error) ? 'offline' : 'conflict', `The approval could not be requested: ${describe(error)}`);
    }
    const next = records.save({ ...record, plan, approval, blockedReason: null, updatedAt: nowIso() }, null);
    scheduler.armApprovalPoll(record.id);
    return next;
  }

  async function executeStep(record: RunRecord, need: Extract<Need, { need: 'action-execute' }>): Promise<boolean> {
    const plan = record.plan;
    if (!plan) {
      records.block(record, 'The plan of this action is missing from the run; cancel the run and start it again.');
      return false;
    }
    let approvalId: string | undefined;
    if (plan.requiresApproval) {
      const approval = approvalFor(record);
      if (!approval) {
        try {
          await requestApprovalFor(record, plan, `Wizard "${record.title}" for ${record.customerName}`);
        } catch (error) {
          records.block(record, error instanceof DeskError && error.code === 'offline' ? OFFLINE_ACTION_REASON : describe(error));
        }
        return false;
      }
      if (approval.status === 'pending') {
        scheduler.armApprovalPoll(record.id);
        return false;
      }
      if (approval.status === 'denied') {
        const note = approval.note ? `: ${approval.note}` : '';
        records.transition(record, {
          type: 'action-result',
          at: nowIso(),
          ok: false,
          error: `approval denied by ${approval.decidedByName ?? approval.decidedBy ?? 'the approver'}${note}`.slice(0, 2000),
        });
        return true;
      }
      approvalId = approval.approvalId;
    }
    const client = context.backend();
    if (!client) {
      records.block(record, OFFLINE_ACTION_REASON);
      return false;
    }
    if (plan.action !== need.action || !sameJson(plan.params, need.params)) {
      // The step sends other parameters than the confirmed plan was made for: never execute that plan; plan again.
      let fresh: Plan;
      try {
        fresh = await requestPlan(client, record, need);
      } catch (error) {
        records.block(
          record,
          `The step's parameters differ from the confirmed plan and the server could not plan again: ${describe(error)} Press Retry.`,
        );
        return false;
      }
      if (fresh.action !== need.action || !sameJson(fresh.params, need.params)) {
        records.block(
          record,
          `The server plans ${fresh.action} with other parameters than this step sends, so no plan can be confirmed for it; cancel the run and escalate.`,
        );
        return false;
      }
      replan(
        record,
        fresh,
        `the parameters of this step (${JSON.stringify(need.params)}) are not the ones plan ${plan.planId} was confirmed for (${JSON.stringify(plan.params)}); the server made a new plan`,
      );
      return true;
    }
    const typedConfirmation = record.confirmation?.typedConfirmation ?? undefined;
    let lastError: unknown = null;
    scheduler.markBusy(record.id);
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
          scheduler.markIdle(record.id);
          const result: Json = {
            executionId: execution.executionId,
            status: execution.status,
            changes: execution.changes,
            result: execution.result,
            eventId: execution.eventId,
            isReplay: execution.isReplay,
            // How many times the server sent the call to the target (its catalog's retries, same idempotency key).
            attempts: execution.attempts,
          };
          records.transition(
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
          const replacement = replacedPlan(error);
          if (replacement) {
            // The server refused the confirmed plan because it no longer holds: the operator sees the new one and why.
            scheduler.markIdle(record.id);
            replan(record, replacement, error instanceof Error ? error.message : 'the plan changed');
            return true;
          }
          if (!isTransient(error)) {
            scheduler.markIdle(record.id);
            records.transition(record, {
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
      scheduler.markIdle(record.id);
    }
    const reason =
      lastError instanceof BackendError && lastError.status === 401
        ? 'The backend refused the access token. Enter a valid token on the Sync page, then press Retry.'
        : `The backend did not confirm the action (${describe(lastError)}). It may or may not have run: press Retry — the retry sends the same idempotency key (${need.idempotencyKey}), so it cannot run twice.`;
    records.block(record, reason);
    return false;
  }

  /** The new plan of a 409 plan_changed, or null for any other error. */
  function replacedPlan(error: unknown): Plan | null {
    if (!(error instanceof BackendError) || error.status !== 409 || error.code !== 'plan_changed') return null;
    const body = error.body;
    const parsed = PlanSchema.safeParse(body && typeof body === 'object' && 'plan' in body ? body.plan : undefined);
    return parsed.success ? parsed.data : null;
  }

  /** Puts a new plan in place of a confirmed one: the confirmation (and an approval of the old plan) no longer count. */
  function replan(record: RunRecord, fresh: Plan, reason: string): void {
    records.transition(
      record,
      { type: 'action-planned', at: nowIso(), plan: fresh, replanned: reason.slice(0, 2000) },
      { plan: fresh, execution: null, confirmation: null, approval: null },
    );
  }

  function linkStep(record: RunRecord, need: Extract<Need, { need: 'wizard' }>): boolean {
    const entry = library.find(need.linkedWizardId);
    if (!entry) {
      records.block(record, `The linked wizard "${need.linkedWizardId}" is not in the library; sync, then press Retry.`);
      return false;
    }
    const pinned = record.pinned.some((pin) => pin.id === entry.id)
      ? record.pinned
      : [...record.pinned, { id: entry.id, version: entry.version, hash: entry.hash, definition: entry.definition }];
    records.transition({ ...record, pinned }, { type: 'continue', at: nowIso() });
    return true;
  }

  /** Does the automatic part of the run until it needs a person, a timer or a connection. */
  async function advance(runId: string): Promise<void> {
    for (let guard = 0; guard < 2_000 && !scheduler.isStopped(); guard += 1) {
      const record = records.get(runId);
      if (!record || record.state.status === 'finished' || record.blockedReason || !record.need) return;
      const need = record.need;
      try {
        switch (need.need) {
          case 'check': {
            const diagnosis = await diagnose(record, need.request, need.path, need.isSimulated);
            if (diagnosis.ok) records.transition(record, { type: 'check-result', at: nowIso(), result: diagnosis.result });
            else {
              const failed = records.transition(record, {
                type: 'check-failed',
                at: nowIso(),
                error: diagnosis.error.slice(0, 2000),
              });
              if (diagnosis.blocked) {
                records.block(failed, diagnosis.blocked);
                return;
              }
            }
            break;
          }
          case 'parallel':
            if (!(await parallelStep(record, need))) return;
            break;
          case 'verify-attempt': {
            if (clock.now() < Date.parse(need.dueAt)) {
              scheduler.armVerify(runId, need.dueAt);
              return;
            }
            const diagnosis = await diagnose(record, need.request, need.path, need.isSimulated);
            const at = nowIso();
            if (diagnosis.ok) records.transition(record, { type: 'verify-result', at, result: diagnosis.result });
            else records.transition(record, { type: 'verify-failed', at, error: diagnosis.error.slice(0, 2000) });
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
            records.transition(record, {
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
        const latest = records.get(runId) ?? record;
        records.block(latest, `The wizard engine refused the desk's ${need.need} result: ${error.message}`);
        return;
      }
    }
  }

  async function pollApproval(runId: string): Promise<void> {
    const record = records.get(runId);
    const current = record?.approval;
    if (!record || !current || current.status !== 'pending' || record.state.status === 'finished') return;
    const client = context.backend();
    if (!client) {
      scheduler.armApprovalPoll(runId);
      return;
    }
    let fresh: Approval;
    try {
      fresh = await client.approval(current.approvalId);
    } catch (error) {
      log.warn('could not read an approval', { runId, approvalId: current.approvalId, error: describe(error) });
      scheduler.armApprovalPoll(runId);
      return;
    }
    if (fresh.status === 'pending') {
      if (!sameJson(fresh, current)) records.save({ ...record, approval: fresh, updatedAt: nowIso() }, null);
      scheduler.armApprovalPoll(runId);
      return;
    }
    const at = nowIso();
    if (record.need?.need === 'approval') {
      const by = fresh.decidedByName ?? fresh.decidedBy ?? 'approver';
      const note = fresh.note ? { note: fresh.note.slice(0, 2000) } : {};
      records.transition(
        record,
        fresh.status === 'granted' ? { type: 'approval-granted', at, by, ...note } : { type: 'approval-denied', at, by, ...note },
        { approval: fresh },
      );
    } else {
      const next = { ...record, approval: fresh, updatedAt: at };
      records.save(withStatus(next), null);
    }
    scheduler.drive(runId);
  }

  return { diagnose, planStep, requestApprovalFor, advance, pollApproval };
}

/** The step execution type. */
export type StepRunner = ReturnType<typeof createStepRunner>;

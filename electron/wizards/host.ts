import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../shared/clock';
import { DeskError } from '../../shared/ipc/result';
import type { RunAct, RunView } from '../../shared/ipc/wizard-views';
import type { Json } from '../../shared/json';
import type { Logger } from '../../shared/log';
import { ulid } from '../../shared/ulid';
import { CUSTOMER_FIELDS } from '../../shared/wizards/catalog';
import { createRun, resumeRun } from '../../shared/wizards/engine';
import type { Outbox } from '../db/outbox';
import { createCacheQueries } from './cache-queries';
import type { WizardLibrary } from './library';
import { createOperatorActs } from './operator-acts';
import {
  describe,
  OFFLINE_ACTION_REASON,
  OFFLINE_PROBE_REASON,
  RESTARTED_EXECUTION_REASON,
  refusalCode,
  sameJson,
} from './run-errors';
import { approvalFor, createRunRecords, withStatus } from './run-records';
import { createRunScheduler } from './run-scheduler';
import { runView } from './run-view';
import { createStepRunner, type RemediationClient } from './step-runner';
import type { RunRecord } from './store';

/**
 * The run host: drives the wizard engine for the desk. It performs what the
 * engine's need asks — cache queries, server probes, dry-run plans, executions,
 * approvals, verify timers, simulated results in practice — and persists the
 * run after every engine event, so a run survives an app restart. Human needs
 * wait for `act`. Actions and probes are never queued: without a connection a
 * run stops on its step with a `blockedReason`, and the operator retries.
 *
 * This module is the facade over parts with one job each: per-run scheduling
 * (./run-scheduler.ts), step execution (./step-runner.ts), the operator's acts
 * (./operator-acts.ts), the run record and its timeline Markdown
 * (./run-records.ts, ./timeline-record.ts), and views (./run-view.ts).
 */

export { OFFLINE_ACTION_REASON, OFFLINE_PROBE_REASON, RESTARTED_EXECUTION_REASON } from './run-errors';
export type { RemediationClient } from './step-runner';

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
  /** The signed-in person, who starts runs here (issue 14); none when nobody is known. */
  me?: () => { userId: string; name: string } | null;
  /** How often a pending approval is asked about. */
  approvalPollMs?: number;
  /** Executions whose answer is lost are retried this many times in a row (same idempotency key) before the run waits for Retry. */
  executeAttempts?: number;
  retryDelayMs?: number;
};

/** Creates the host. Call `resumeAll()` once at desk start and `stop()` before closing the cache. */
export function createRunHost(options: RunHostOptions) {
  const { db, library, log } = options;
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? ulid;
  const nowIso = () => new Date(clock.now()).toISOString();
  const customerRow = db.prepare<[string], Record<string, Json>>(
    `select id, name, plan, region, environment, version, lifecycle, health, owner, created_at as createdAt, updated_at as updatedAt from customers where id = ?`,
  );

  const records = createRunRecords({
    db,
    outbox: options.outbox,
    library,
    clock,
    emit: options.emit,
    ...(options.onLocalWrite ? { onLocalWrite: options.onLocalWrite } : {}),
  });
  // The scheduler calls back into step execution, which is built right after it.
  const scheduler = createRunScheduler({
    clock,
    log,
    advance: (runId) => steps.advance(runId),
    pollApproval: (runId) => steps.pollApproval(runId),
    approvalPollMs: options.approvalPollMs ?? 5_000,
    onBusy: options.emit,
  });
  const steps = createStepRunner({
    records,
    scheduler,
    library,
    cacheQueries: createCacheQueries(db),
    backend: options.backend,
    clock,
    log,
    executeAttempts: Math.max(1, options.executeAttempts ?? 3),
    retryDelayMs: options.retryDelayMs ?? 400,
  });
  const acts = createOperatorActs({
    records,
    scheduler,
    steps,
    library,
    backend: options.backend,
    clock,
    operator: options.operator ?? (() => 'you'),
  });
  const view = (record: RunRecord): RunView =>
    runView(record, { isBusy: scheduler.isBusy(record.id), mutationState: records.mutationState });

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
        library.catalog(),
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
        startedBy: options.me?.() ?? null,
      };
      const record = records.withState(base, created.state, created.need, startedAt);
      records.save(record, null, true);
      scheduler.drive(runId);
      return view(record);
    },

    /** The run as the runner shows it; a pending approval is asked about first. */
    async get(runId: string): Promise<RunView> {
      const record = records.require(runId);
      if (record.approval?.status === 'pending' && options.backend()) {
        await scheduler
          .exclusive(runId, () => steps.pollApproval(runId))
          .catch((error: unknown) => log.warn('approval refresh failed', { runId, error: describe(error) }));
        return view(records.require(runId));
      }
      return view(record);
    },

    list(filter: { customerId?: string; status?: 'active' | 'finished' }): RunView[] {
      return records.list(filter).map(view);
    },

    /** Does what the operator asked (`runs:act`) and answers the run as it is then. */
    async act(runId: string, input: RunAct): Promise<RunView> {
      return view(await acts.act(runId, input));
    },

    /** Continues the runs an earlier desk left open: automatic steps go on, verify timers and approval polls are re-armed. */
    resumeAll(): void {
      for (const record of records.open()) {
        const resumed = resumeRun(records.engineLibrary(record), record.state, library.catalog());
        if (!resumed.ok) {
          if (record.blockedReason === null)
            records.block(record, `This run cannot continue on this desk: ${resumed.error.message}`);
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
        next = withStatus(next);
        if (!sameJson(next.need, record.need) || next.blockedReason !== record.blockedReason || next.status !== record.status)
          records.save(next, null);
        if (record.approval?.status === 'pending') scheduler.armApprovalPoll(record.id);
        scheduler.drive(record.id);
      }
    },

    /**
     * The backend is reachable again: runs that stopped for want of a connection
     * at a probe or a dry-run plan go on by themselves. An execution never does:
     * it waits for the operator's Retry.
     */
    reconnected(): void {
      for (const record of records.open()) {
        const need = record.need?.need;
        const isConnectionBlock =
          record.blockedReason?.startsWith(OFFLINE_PROBE_REASON) || record.blockedReason?.startsWith(OFFLINE_ACTION_REASON);
        if (!isConnectionBlock || (need !== 'check' && need !== 'action-plan')) continue;
        scheduler
          .exclusive(record.id, async () => {
            const current = records.get(record.id);
            if (!current || current.blockedReason !== record.blockedReason) return;
            records.save(withStatus({ ...current, blockedReason: null, updatedAt: nowIso() }), null);
          })
          .catch((error: unknown) =>
            log.warn('could not resume a run after reconnecting', { runId: record.id, error: describe(error) }),
          );
        scheduler.drive(record.id);
      }
    },

    /** Resolves when no automatic work is queued for the run (or any run); timers may still be armed. */
    settled: (runId?: string): Promise<void> => scheduler.settled(runId),

    /** Stops timers and waits for work in flight; runs stay where they are and resume on the next start. */
    stop: (): Promise<void> => scheduler.stop(),

    /** The events a run received, oldest first (the run's local audit trail). */
    log: (runId: string) => records.log(runId),
  };
}

/** The run host type. */
export type RunHost = ReturnType<typeof createRunHost>;

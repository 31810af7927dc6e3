import type Database from 'better-sqlite3';
import type { Clock } from '../../shared/clock';
import { DeskError } from '../../shared/ipc/result';
import type { Approval } from '../../shared/remediation/wire';
import { applyEvent, definitionHash, type Need, type RunEvent, type RunState } from '../../shared/wizards/engine';
import type { WizardDefinition } from '../../shared/wizards/format';
import type { Outbox } from '../db/outbox';
import type { WizardLibrary } from './library';
import { EngineRefusal } from './run-errors';
import { createRunStore, type PinnedDefinition, type RunRecord, type RunStatus } from './store';
import { timelineRecordArgs } from './timeline-record';

/**
 * The run record: the engine's state together with what the desk learned from
 * the server (plan, execution, approval) and why a run waits. Every change is
 * saved with the event that caused it — and, when a real run has just
 * finished, its timeline record in the outbox — in one transaction.
 */

const HUMAN_NEEDS = new Set<Need['need']>(['input', 'guidance', 'action-confirm', 'approval', 'escalate']);

function isCancelled(state: RunState): boolean {
  return state.finish?.reason.startsWith('cancelled by the operator') ?? false;
}

/** The run's approval when it is for the current plan. */
export function approvalFor(record: RunRecord): Approval | null {
  return record.approval && record.plan && record.approval.planId === record.plan.planId ? record.approval : null;
}

/**
 * The wizard (version) a plan request names for a step of `wizardId`: the run's pin of
 * that wizard, which a linked wizard's steps get when the link is entered; the run's
 * own version for its top-level wizard when it holds no pin (runs saved before pins).
 * Null only for a wizard the run never pinned — the server then plans without one.
 */
export function wizardRefFor(record: RunRecord, wizardId: string): { id: string; version: number } | null {
  const pinned = record.pinned.find((pin) => pin.id === wizardId);
  if (pinned) return { id: pinned.id, version: pinned.version };
  return wizardId === record.wizardId ? { id: record.wizardId, version: record.wizardVersion } : null;
}

/** How the runner shows the run: waiting for a person (or a blocked step, or an approval), running, or done. */
export function statusOf(record: RunRecord): RunStatus {
  if (record.state.status === 'finished') return isCancelled(record.state) ? 'cancelled' : 'finished';
  if (record.blockedReason) return 'waiting';
  const need = record.need;
  if (!need) return 'running';
  if (HUMAN_NEEDS.has(need.need)) return 'waiting';
  if (need.need === 'action-execute' && record.plan?.requiresApproval && approvalFor(record)?.status !== 'granted')
    return 'waiting';
  return 'running';
}

/** The record with its status worked out again (after a patch). */
export function withStatus(record: RunRecord): RunRecord {
  return { ...record, status: statusOf(record) };
}

export type RunRecordsOptions = {
  db: Database.Database;
  outbox: Outbox;
  library: WizardLibrary;
  clock: Clock;
  /** Called after every save (the desk emits `runs:changed`). */
  emit: (runId: string) => void;
  /** Called after a finished run was queued in the outbox (the sync engine pushes it). */
  onLocalWrite?: () => void;
};

/** Creates the run records of a run host over the cache connection. */
export function createRunRecords(options: RunRecordsOptions) {
  const { db, outbox, library, clock } = options;
  const store = createRunStore(db);
  const nowIso = () => new Date(clock.now()).toISOString();

  /** The definitions the engine may use for this run. */
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

  /** The record after the engine moved it to `state`. */
  function withState(record: RunRecord, state: RunState, need: Need, at: string): RunRecord {
    return withStatus({
      ...record,
      state,
      need,
      pinned: syncPins(record.pinned, state, engineLibrary(record)),
      updatedAt: at,
      finishedAt: state.finish?.finishedAt ?? null,
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
        const row = outbox.enqueue('wizardRun.record', timelineRecordArgs(record), record.updatedAt);
        record.recordMutationId = row.id;
        isRecorded = true;
      }
      store.save(record, isNew, event, null);
    })();
    options.emit(record.id);
    if (isRecorded) options.onLocalWrite?.();
    return record;
  }

  return {
    engineLibrary,
    withState,
    save,

    /** Applies an engine event and saves; throws {@link EngineRefusal} when the engine says no. */
    transition(record: RunRecord, event: RunEvent, patch: Partial<RunRecord> = {}): RunRecord {
      const result = applyEvent(engineLibrary(record), record.state, event, library.catalog());
      if (!result.ok) throw new EngineRefusal(result.error);
      return save(withState({ ...record, ...patch }, result.state, result.need, event.at), event);
    },

    /** Stops the run on its step, with what the operator should do, until Retry (or a reconnect) clears it. */
    block(record: RunRecord, reason: string): RunRecord {
      return save(withStatus({ ...record, blockedReason: reason, updatedAt: nowIso() }), null);
    },

    get: (runId: string): RunRecord | null => store.get(runId),

    /** The run, or a `not_found` the operator can read. */
    require(runId: string): RunRecord {
      const record = store.get(runId);
      if (!record) throw new DeskError('not_found', `Wizard run ${runId} does not exist on this desk.`);
      return record;
    },

    open: (): RunRecord[] => store.open(),
    list: (filter: { customerId?: string; status?: 'active' | 'finished' }): RunRecord[] => store.list(filter),
    log: (runId: string) => store.log(runId),
    mutationState: (mutationId: string) => store.mutationState(mutationId),
  };
}

/** The run records type. */
export type RunRecords = ReturnType<typeof createRunRecords>;

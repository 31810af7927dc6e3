import type Database from 'better-sqlite3';
import type { Approval, Execution, Plan } from '../../shared/remediation/wire';
import type { Need, RunEvent, RunState } from '../../shared/wizards/engine';
import type { WizardDefinition } from '../../shared/wizards/format';

/**
 * The `wizard_runs` table: one row per run holding the engine's state, its
 * current need and what the desk learned from the server (plan, execution,
 * approval). The host rewrites the row after every engine event, together with
 * the event in `wizard_run_log`, in one transaction.
 */

/** How the runner shows a run. */
export type RunStatus = 'running' | 'waiting' | 'finished' | 'cancelled';

/** A wizard version a run follows, kept whole so library updates never change the run. */
export type PinnedDefinition = { id: string; version: number; hash: string; definition: WizardDefinition };

/** What the operator confirmed for the current action, kept so a retried execution sends the same thing. */
export type Confirmation = { typedConfirmation: string | null; by: string; at: string };

/** One run as stored. */
export type RunRecord = {
  id: string;
  wizardId: string;
  wizardVersion: number;
  wizardHash: string;
  title: string;
  customerId: string;
  customerName: string;
  eventId: string | null;
  practice: boolean;
  status: RunStatus;
  state: RunState;
  need: Need | null;
  pinned: PinnedDefinition[];
  plan: Plan | null;
  execution: Execution | null;
  approval: Approval | null;
  confirmation: Confirmation | null;
  blockedReason: string | null;
  recordMutationId: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Who started the run (the signed-in person); null for runs from before issue 14 kept it, or with nobody known. */
  startedBy: { userId: string; name: string } | null;
};

type Raw = {
  id: string;
  wizard_id: string;
  wizard_version: number;
  wizard_hash: string;
  title: string;
  customer_id: string;
  customer_name: string;
  event_id: string | null;
  practice: number;
  status: RunStatus;
  state: string;
  need: string | null;
  pinned: string;
  plan: string | null;
  execution: string | null;
  approval: string | null;
  confirmation: string | null;
  blocked_reason: string | null;
  record_mutation_id: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  started_by: string | null;
  started_by_name: string | null;
};

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const parsed = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function fromRaw(raw: Raw): RunRecord {
  return {
    id: raw.id,
    wizardId: raw.wizard_id,
    wizardVersion: raw.wizard_version,
    wizardHash: raw.wizard_hash,
    title: raw.title,
    customerId: raw.customer_id,
    customerName: raw.customer_name,
    eventId: raw.event_id,
    practice: raw.practice === 1,
    status: raw.status,
    state: JSON.parse(raw.state) as RunState,
    need: parsed<Need>(raw.need),
    pinned: JSON.parse(raw.pinned) as PinnedDefinition[],
    plan: parsed<Plan>(raw.plan),
    execution: parsed<Execution>(raw.execution),
    approval: parsed<Approval>(raw.approval),
    confirmation: parsed<Confirmation>(raw.confirmation),
    blockedReason: raw.blocked_reason,
    recordMutationId: raw.record_mutation_id,
    startedAt: raw.started_at,
    updatedAt: raw.updated_at,
    finishedAt: raw.finished_at,
    startedBy: raw.started_by === null ? null : { userId: raw.started_by, name: raw.started_by_name ?? raw.started_by },
  };
}

function toParams(record: RunRecord) {
  return {
    id: record.id,
    wizardId: record.wizardId,
    wizardVersion: record.wizardVersion,
    wizardHash: record.wizardHash,
    title: record.title,
    customerId: record.customerId,
    customerName: record.customerName,
    eventId: record.eventId,
    practice: record.practice ? 1 : 0,
    status: record.status,
    state: JSON.stringify(record.state),
    need: json(record.need),
    pinned: JSON.stringify(record.pinned),
    plan: json(record.plan),
    execution: json(record.execution),
    approval: json(record.approval),
    confirmation: json(record.confirmation),
    blockedReason: record.blockedReason,
    recordMutationId: record.recordMutationId,
    startedAt: record.startedAt,
    updatedAt: record.updatedAt,
    finishedAt: record.finishedAt,
    startedBy: record.startedBy?.userId ?? null,
    startedByName: record.startedBy?.name ?? null,
  };
}

/** Repository of wizard runs over a cache connection (the outbox attached, for record states). */
export function createRunStore(db: Database.Database) {
  const insert = db.prepare(`
    insert into wizard_runs (id, wizard_id, wizard_version, wizard_hash, title, customer_id, customer_name, event_id, practice,
      status, state, need, pinned, plan, execution, approval, confirmation, blocked_reason, record_mutation_id, started_at, updated_at, finished_at,
      started_by, started_by_name)
    values (@id, @wizardId, @wizardVersion, @wizardHash, @title, @customerId, @customerName, @eventId, @practice,
      @status, @state, @need, @pinned, @plan, @execution, @approval, @confirmation, @blockedReason, @recordMutationId, @startedAt, @updatedAt, @finishedAt,
      @startedBy, @startedByName)`);
  const update = db.prepare(`
    update wizard_runs set status = @status, state = @state, need = @need, pinned = @pinned, plan = @plan, execution = @execution,
      approval = @approval, confirmation = @confirmation, blocked_reason = @blockedReason, record_mutation_id = @recordMutationId,
      updated_at = @updatedAt, finished_at = @finishedAt
    where id = @id`);
  const one = db.prepare<[string], Raw>('select * from wizard_runs where id = ?');
  const open = db.prepare<[], Raw>("select * from wizard_runs where status in ('running', 'waiting') order by started_at");
  const nextSeq = db.prepare<[string], number>('select coalesce(max(seq), 0) + 1 from wizard_run_log where run_id = ?').pluck();
  const appendLog = db.prepare('insert into wizard_run_log (run_id, seq, at, event) values (?, ?, ?, ?)');
  const logOf = db.prepare<[string], { seq: number; at: string; event: string }>(
    'select seq, at, event from wizard_run_log where run_id = ? order by seq',
  );
  const mutationStatus = db.prepare<[string], string>('select status from outbox.outbox where id = ?').pluck();

  /** Writes the row (insert or update), the event and `alongside` (e.g. the outbox record) in ONE transaction. */
  const save = db.transaction(
    (record: RunRecord, isNew: boolean, event: RunEvent | null, alongside: (() => void) | null): void => {
      if (isNew) insert.run(toParams(record));
      else {
        const changed = update.run(toParams(record));
        if (changed.changes !== 1) throw new Error(`wizard run ${record.id} does not exist`);
      }
      if (event) appendLog.run(record.id, nextSeq.get(record.id) ?? 1, event.at, JSON.stringify(event));
      alongside?.();
    },
  );

  return {
    save,
    get: (runId: string): RunRecord | null => {
      const raw = one.get(runId);
      return raw ? fromRaw(raw) : null;
    },
    /** Runs that have not finished, oldest first. */
    open: (): RunRecord[] => open.all().map(fromRaw),
    list(filter: { customerId?: string; status?: 'active' | 'finished' }, limit = 500): RunRecord[] {
      const clauses: string[] = [];
      const params: Record<string, unknown> = { limit };
      if (filter.customerId) {
        clauses.push('customer_id = @customerId');
        params.customerId = filter.customerId;
      }
      if (filter.status === 'active') clauses.push("status in ('running', 'waiting')");
      if (filter.status === 'finished') clauses.push("status in ('finished', 'cancelled')");
      const where = clauses.length > 0 ? `where ${clauses.join(' and ')}` : '';
      const rows = db
        .prepare(`select * from wizard_runs ${where} order by updated_at desc, id desc limit @limit`)
        .all(params) as Raw[];
      return rows.map(fromRaw);
    },
    /** The events a run received, in order. */
    log: (runId: string): { seq: number; at: string; event: RunEvent }[] =>
      logOf.all(runId).map((row) => ({ seq: row.seq, at: row.at, event: JSON.parse(row.event) as RunEvent })),
    /** Whether a recorded run's mutation is still waiting in the outbox: pending, rejected, or gone (acknowledged by the server). */
    mutationState(mutationId: string): 'pending' | 'rejected' | 'acknowledged' {
      const status = mutationStatus.get(mutationId);
      if (status === undefined) return 'acknowledged';
      return status === 'rejected' ? 'rejected' : 'pending';
    },
  };
}

/** The run store type. */
export type RunStore = ReturnType<typeof createRunStore>;

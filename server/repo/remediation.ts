import type { Customer, CustomerFeature } from '../../shared/domain';
import type { Approval, Execution, Plan } from '../../shared/remediation/wire';
import type { Json } from '../../shared/json';
import type { PlannedChange } from '../remediation/types';
import type { Queryable } from '../storage/types';

/*
 * Plans, approvals, executions and the audit trail of remediation actions. All
 * of it lives in the database (the server keeps nothing in memory), and none of
 * it is synced: desks learn the outcome from the `remediation` event.
 */

/** The customer row as the wire carries it, or null. */
export async function readCustomer(db: Queryable, customerId: string): Promise<Customer | null> {
  const [row] = await db.query<{ row: Customer }>('select lk_customer_row(c) as row from customers c where id = $1', [
    customerId,
  ]);
  return row?.row ?? null;
}

/** The customer row, locked until the transaction ends. */
export async function readCustomerForUpdate(db: Queryable, customerId: string): Promise<Customer | null> {
  const [row] = await db.query<{ row: Customer }>('select lk_customer_row(c) as row from customers c where id = $1 for update', [
    customerId,
  ]);
  return row?.row ?? null;
}

/** One customer's feature rows. */
export async function readCustomerFeatures(db: Queryable, customerId: string): Promise<CustomerFeature[]> {
  const rows = await db.query<{ row: CustomerFeature }>(
    'select lk_feature_row(f) as row from customer_features f where customer_id = $1 order by feature',
    [customerId],
  );
  return rows.map((row) => row.row);
}

// ---- plans ---------------------------------------------------------------------

/** A stored plan: what the desk was shown, and what execute checks against. */
export type PlanRecord = {
  plan: Plan;
  customerId: string;
  runId: string | null;
  wizard: { id: string; version: number } | null;
  details: Json | null;
  createdAt: string;
};

export async function insertPlan(db: Queryable, record: PlanRecord): Promise<void> {
  const { plan } = record;
  await db.query(
    `insert into action_plans (id, customer_id, action, action_version, risk, params, plan, details, run_id, wizard, created_by, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11, $12::timestamptz, $13::timestamptz)`,
    [
      plan.planId,
      record.customerId,
      plan.action,
      plan.actionVersion,
      plan.risk,
      JSON.stringify(plan.params),
      JSON.stringify(plan),
      record.details === null ? null : JSON.stringify(record.details),
      record.runId,
      record.wizard === null ? null : JSON.stringify(record.wizard),
      plan.createdBy,
      record.createdAt,
      plan.expiresAt,
    ],
  );
}

type PlanRow = {
  plan: Plan;
  customer_id: string;
  run_id: string | null;
  wizard: PlanRecord['wizard'];
  details: Json | null;
  created_at: string;
};

const PLAN_COLUMNS = `plan, customer_id, run_id, wizard, details, lk_iso(created_at) as created_at`;

function toPlanRecord(row: PlanRow): PlanRecord {
  return {
    plan: row.plan,
    customerId: row.customer_id,
    runId: row.run_id,
    wizard: row.wizard,
    details: row.details,
    createdAt: row.created_at,
  };
}

export async function readPlan(db: Queryable, planId: string, options: { forUpdate?: boolean } = {}): Promise<PlanRecord | null> {
  const [row] = await db.query<PlanRow>(
    `select ${PLAN_COLUMNS} from action_plans where id = $1${options.forUpdate ? ' for update' : ''}`,
    [planId],
  );
  return row ? toPlanRecord(row) : null;
}

/** Moves a plan's expiry later (never earlier); returns the plan as stored now. */
export async function extendPlan(db: Queryable, planId: string, expiresAt: string): Promise<Plan | null> {
  const [row] = await db.query<{ plan: Plan }>(
    `update action_plans
        set expires_at = greatest(expires_at, $2::timestamptz),
            plan = jsonb_set(plan, '{expiresAt}', to_jsonb(lk_iso(greatest(expires_at, $2::timestamptz))))
      where id = $1
      returning plan`,
    [planId, expiresAt],
  );
  return row?.plan ?? null;
}

// ---- approvals -----------------------------------------------------------------

type ApprovalRow = {
  id: string;
  plan_id: string;
  status: Approval['status'];
  requested_by: string;
  decided_by: string | null;
  requested_by_name: string | null;
  decided_by_name: string | null;
  note: string;
  plan: Plan;
  reason: string;
};

const APPROVAL_SELECT = `select a.id, a.plan_id, a.status, a.requested_by, a.decided_by, a.requested_by_name, a.decided_by_name,
    a.note, a.reason, p.plan
  from action_approvals a join action_plans p on p.id = a.plan_id`;

/** An approval with the plan it approves and that plan's customer. */
export type ApprovalRecord = { approval: Approval; customerId: string; reason: string };

function toApprovalRecord(row: ApprovalRow): ApprovalRecord {
  return {
    approval: {
      approvalId: row.id,
      planId: row.plan_id,
      status: row.status,
      requestedBy: row.requested_by,
      decidedBy: row.decided_by,
      requestedByName: row.requested_by_name ?? row.requested_by,
      decidedByName: row.decided_by === null ? null : (row.decided_by_name ?? row.decided_by),
      note: row.note,
      reason: row.reason,
      plan: row.plan,
    },
    customerId: row.plan.customer.id,
    reason: row.reason,
  };
}

/** Inserts an approval request; when the plan already has one, nothing is written and that one is returned. */
export async function insertApproval(
  db: Queryable,
  input: { id: string; planId: string; requestedBy: string; requestedByName: string; reason: string; createdAt: string },
): Promise<{ record: ApprovalRecord; isNew: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `insert into action_approvals (id, plan_id, status, requested_by, requested_by_name, reason, created_at)
     values ($1, $2, 'pending', $3, $4, $5, $6::timestamptz)
     on conflict (plan_id) do nothing returning id`,
    [input.id, input.planId, input.requestedBy, input.requestedByName, input.reason, input.createdAt],
  );
  const [row] = await db.query<ApprovalRow>(`${APPROVAL_SELECT} where a.plan_id = $1`, [input.planId]);
  if (!row) throw new Error(`approval of plan ${input.planId} was neither inserted nor found`);
  return { record: toApprovalRecord(row), isNew: inserted.length > 0 };
}

export async function readApproval(
  db: Queryable,
  approvalId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApprovalRecord | null> {
  const [row] = await db.query<ApprovalRow>(`${APPROVAL_SELECT} where a.id = $1${options.forUpdate ? ' for update of a' : ''}`, [
    approvalId,
  ]);
  return row ? toApprovalRecord(row) : null;
}

/** Records a decision on a pending approval; null when it was no longer pending. */
export async function decideApproval(
  db: Queryable,
  input: {
    approvalId: string;
    status: 'granted' | 'denied';
    decidedBy: string;
    decidedByName: string;
    note: string;
    decidedAt: string;
  },
): Promise<boolean> {
  const rows = await db.query(
    `update action_approvals set status = $2, decided_by = $3, decided_by_name = $4, note = $5, decided_at = $6::timestamptz
      where id = $1 and status = 'pending' returning id`,
    [input.approvalId, input.status, input.decidedBy, input.decidedByName, input.note, input.decidedAt],
  );
  return rows.length > 0;
}

/**
 * Approvals by status, newest first, limited to customers in `scope` (null: all).
 * Pending ones whose plan has expired are left out: nobody can act on them.
 */
export async function listApprovals(
  db: Queryable,
  input: { status: Approval['status'] | null; scope: readonly string[] | null; now: string; limit: number },
): Promise<ApprovalRecord[]> {
  const rows = await db.query<ApprovalRow>(
    `${APPROVAL_SELECT}
      where ($1::text is null or a.status = $1)
        and ($2::jsonb is null or p.customer_id in (select jsonb_array_elements_text($2::jsonb)))
        and (a.status <> 'pending' or p.expires_at > $3::timestamptz)
      order by a.created_at desc, a.id desc
      limit $4`,
    [input.status, input.scope === null ? null : JSON.stringify(input.scope), input.now, input.limit],
  );
  return rows.map(toApprovalRecord);
}

// ---- executions ----------------------------------------------------------------

/** A stored execution; `status: 'running'` until its runner finished. */
export type ExecutionRecord = {
  executionId: string;
  idempotencyKey: string;
  planId: string;
  customerId: string;
  userId: string;
  status: 'running' | 'succeeded' | 'failed';
  changes: PlannedChange[];
  result: Json;
  error: string | null;
  auditId: string | null;
  eventId: string | null;
  createdAt: string;
  executedAt: string | null;
  /** How many times the call was sent to the target. */
  attempts: number;
};

type ExecutionRow = {
  id: string;
  idempotency_key: string;
  plan_id: string;
  customer_id: string;
  user_id: string;
  status: ExecutionRecord['status'];
  changes: PlannedChange[] | null;
  result: Json;
  error: string | null;
  audit_id: string | null;
  event_id: string | null;
  created_at: string;
  executed_at: string | null;
  attempts: number;
};

const EXECUTION_COLUMNS = `id, idempotency_key, plan_id, customer_id, user_id, status, changes, result, error, audit_id, event_id,
  lk_iso(created_at) as created_at, lk_iso(executed_at) as executed_at, attempts`;

function toExecutionRecord(row: ExecutionRow): ExecutionRecord {
  return {
    executionId: row.id,
    idempotencyKey: row.idempotency_key,
    planId: row.plan_id,
    customerId: row.customer_id,
    userId: row.user_id,
    status: row.status,
    changes: row.changes ?? [],
    result: row.result ?? null,
    error: row.error,
    auditId: row.audit_id,
    eventId: row.event_id,
    createdAt: row.created_at,
    executedAt: row.executed_at,
    attempts: row.attempts,
  };
}

/** The execution answer of a finished record. */
export function toExecution(record: ExecutionRecord, isReplay: boolean): Execution {
  return {
    executionId: record.executionId,
    planId: record.planId,
    idempotencyKey: record.idempotencyKey,
    status: record.status === 'succeeded' ? 'succeeded' : 'failed',
    isReplay,
    changes: record.changes,
    result: record.result,
    error: record.error,
    auditId: record.auditId ?? '',
    eventId: record.eventId,
    executedAt: record.executedAt ?? record.createdAt,
    attempts: record.attempts,
  };
}

export async function readExecutionByKey(db: Queryable, idempotencyKey: string): Promise<ExecutionRecord | null> {
  const [row] = await db.query<ExecutionRow>(`select ${EXECUTION_COLUMNS} from action_executions where idempotency_key = $1`, [
    idempotencyKey,
  ]);
  return row ? toExecutionRecord(row) : null;
}

export async function readExecutionByPlan(db: Queryable, planId: string): Promise<ExecutionRecord | null> {
  const [row] = await db.query<ExecutionRow>(`select ${EXECUTION_COLUMNS} from action_executions where plan_id = $1`, [planId]);
  return row ? toExecutionRecord(row) : null;
}

/**
 * Claims an idempotency key and a plan for one execution. Returns false when
 * either is taken: the unique keys make a second claim impossible, also from
 * another process (a concurrent insert waits for the first to commit).
 */
export async function claimExecution(
  db: Queryable,
  input: {
    executionId: string;
    idempotencyKey: string;
    planId: string;
    customerId: string;
    userId: string;
    runId: string | null;
    createdAt: string;
  },
): Promise<boolean> {
  const rows = await db.query(
    `insert into action_executions (id, idempotency_key, plan_id, customer_id, user_id, run_id, status, created_at)
     values ($1, $2, $3, $4, $5, $6, 'running', $7::timestamptz)
     on conflict do nothing returning id`,
    [input.executionId, input.idempotencyKey, input.planId, input.customerId, input.userId, input.runId, input.createdAt],
  );
  return rows.length > 0;
}

export async function finishExecution(
  db: Queryable,
  input: {
    executionId: string;
    status: 'succeeded' | 'failed';
    changes: PlannedChange[];
    result: Json;
    error: string | null;
    auditId: string;
    eventId: string | null;
    executedAt: string;
    attempts: number;
  },
): Promise<ExecutionRecord> {
  const [row] = await db.query<ExecutionRow>(
    `update action_executions
        set status = $2, changes = $3::jsonb, result = $4::jsonb, error = $5, audit_id = $6, event_id = $7, executed_at = $8::timestamptz,
            attempts = $9
      where id = $1
      returning ${EXECUTION_COLUMNS}`,
    [
      input.executionId,
      input.status,
      JSON.stringify(input.changes),
      JSON.stringify(input.result),
      input.error,
      input.auditId,
      input.eventId,
      input.executedAt,
      input.attempts,
    ],
  );
  if (!row) throw new Error(`execution ${input.executionId} vanished before it finished`);
  return toExecutionRecord(row);
}

/** How many executions a user (or a customer) started since `since`, and when the oldest of them started. */
export async function countExecutionsSince(
  db: Queryable,
  input: { column: 'user_id' | 'customer_id'; value: string; since: string; action?: string },
): Promise<{ count: number; oldest: string | null }> {
  // One action's own limits count only its executions (the plan row names the action).
  const [row] = await db.query<{ count: number; oldest: string | null }>(
    input.action === undefined
      ? `select count(*)::integer as count, lk_iso(min(created_at)) as oldest from action_executions
          where ${input.column} = $1 and created_at > $2::timestamptz`
      : `select count(*)::integer as count, lk_iso(min(e.created_at)) as oldest from action_executions e
          join action_plans p on p.id = e.plan_id
          where e.${input.column} = $1 and e.created_at > $2::timestamptz and p.action = $3`,
    input.action === undefined ? [input.value, input.since] : [input.value, input.since, input.action],
  );
  return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
}

/** The customers a run has executed actions on so far. */
export async function runCustomers(db: Queryable, runId: string): Promise<string[]> {
  const rows = await db.query<{ customer_id: string }>(
    'select distinct customer_id from action_executions where run_id = $1 order by customer_id',
    [runId],
  );
  return rows.map((row) => row.customer_id);
}

// ---- audit ---------------------------------------------------------------------

/** One audit record: who did what to which customer, with what plan and approval, and how it ended. */
export type AuditRecord = {
  auditId: string;
  at: string;
  userId: string;
  /** Who it was, as people read it. */
  userName: string;
  customerId: string;
  action: string;
  actionVersion: number;
  params: Json;
  plan: Plan;
  approval: Approval | null;
  idempotencyKey: string | null;
  runId: string | null;
  executionId: string | null;
  eventId: string | null;
  outcome: 'succeeded' | 'failed' | 'refused';
  error: string | null;
};

export async function insertAudit(db: Queryable, record: AuditRecord): Promise<void> {
  await db.query(
    `insert into action_audit (id, at, user_id, customer_id, action, action_version, params, plan, approval, idempotency_key, run_id,
       execution_id, event_id, outcome, error, user_name)
     values ($1, $2::timestamptz, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $16)`,
    [
      record.auditId,
      record.at,
      record.userId,
      record.customerId,
      record.action,
      record.actionVersion,
      JSON.stringify(record.params),
      JSON.stringify(record.plan),
      record.approval === null ? null : JSON.stringify(record.approval),
      record.idempotencyKey,
      record.runId,
      record.executionId,
      record.eventId,
      record.outcome,
      record.error,
      record.userName,
    ],
  );
}

type AuditRow = {
  id: string;
  at: string;
  user_id: string;
  user_name: string | null;
  customer_id: string;
  action: string;
  action_version: number;
  params: Json;
  plan: Plan;
  approval: Approval | null;
  idempotency_key: string | null;
  run_id: string | null;
  execution_id: string | null;
  event_id: string | null;
  outcome: AuditRecord['outcome'];
  error: string | null;
};

/** Audit records, newest first (ids are time-ordered), optionally for one customer and before an id (keyset paging). */
export async function listAudit(
  db: Queryable,
  input: { customerId: string | null; before: string | null; limit: number },
): Promise<AuditRecord[]> {
  const rows = await db.query<AuditRow>(
    `select id, lk_iso(at) as at, user_id, user_name, customer_id, action, action_version, params, plan, approval, idempotency_key, run_id,
            execution_id, event_id, outcome, error
       from action_audit
      where ($1::text is null or customer_id = $1) and ($2::text is null or id < $2)
      order by id desc
      limit $3`,
    [input.customerId, input.before, input.limit],
  );
  return rows.map((row) => ({
    auditId: row.id,
    at: row.at,
    userId: row.user_id,
    userName: row.user_name ?? row.user_id,
    customerId: row.customer_id,
    action: row.action,
    actionVersion: row.action_version,
    params: row.params,
    plan: row.plan,
    approval: row.approval,
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    executionId: row.execution_id,
    eventId: row.event_id,
    outcome: row.outcome,
    error: row.error,
  }));
}

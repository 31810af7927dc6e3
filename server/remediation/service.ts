import type { z } from 'zod';
import type { Customer } from '../../shared/domain';
import type {
  Approval,
  ApprovalDecisionSchema,
  ApprovalRequestSchema,
  ExecuteRequestSchema,
  Execution,
  Plan,
  PlanRequestSchema,
  ProbeRequestSchema,
  ProbeResponse,
} from '../../shared/remediation/wire';
import { ApiFailure } from '../errors';
import { errorMessage, type Logger } from '../log';
import {
  claimExecution,
  countExecutionsSince,
  decideApproval,
  extendPlan,
  finishExecution,
  insertApproval,
  insertAudit,
  insertPlan,
  listApprovals,
  listAudit,
  readApproval,
  readCustomer,
  readExecutionByKey,
  readExecutionByPlan,
  readPlan,
  runCustomers,
  toExecution,
  type AuditRecord,
  type ExecutionRecord,
  type PlanRecord,
} from '../repo/remediation';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import { insertEvents } from '../repo/writes';
import type { Queryable, Storage } from '../storage/types';
import { remediationEvent } from './events';
import { describeZodIssues } from '../../shared/issues';
import type { Json } from '../../shared/json';
import {
  ActionNotApplicableError,
  type ActionRegistry,
  type ProbeRegistry,
  type RegisteredAction,
  type RunnerOutcome,
} from './types';
import { canonicalJson } from '../../shared/wizards/hash';

/** A rate limit: at most `max` executions per `windowMs`. */
export type RateLimit = { max: number; windowMs: number };

/** The server-side safety limits of remediation; all configurable. */
export type RemediationLimits = {
  perUser: RateLimit;
  perCustomer: RateLimit;
  /** Distinct customers one run (runId) may execute actions on. */
  maxCustomersPerRun: number;
  /** How long a plan may be executed after it was made. */
  planTtlMs: number;
  /** Asking for an approval keeps the plan open this long, so the approver has time. */
  approvalTtlMs: number;
  /** A replayed key whose first execution is still running waits this long for it before answering 409. */
  replayWaitMs: number;
};

export const DEFAULT_REMEDIATION_LIMITS: RemediationLimits = {
  perUser: { max: 10, windowMs: 10 * 60_000 },
  perCustomer: { max: 3, windowMs: 10 * 60_000 },
  maxCustomersPerRun: 5,
  planTtlMs: 10 * 60_000,
  approvalTtlMs: 60 * 60_000,
  replayWaitMs: 20_000,
};

// Advisory lock namespaces (first key) for executions of one user, one customer, one run.
const USER_LOCK = 4_700_010;
const CUSTOMER_LOCK = 4_700_011;
const RUN_LOCK = 4_700_012;

export type RemediationServiceOptions = {
  storage: Storage;
  clock: () => number;
  newId: (time: number) => string;
  log: Logger;
  actions: ActionRegistry;
  probes: ProbeRegistry;
  limits: RemediationLimits;
};

type ProbeRequest = z.output<typeof ProbeRequestSchema>;
type PlanRequest = z.output<typeof PlanRequestSchema>;
type ExecuteRequest = z.output<typeof ExecuteRequestSchema>;
type ApprovalRequest = z.output<typeof ApprovalRequestSchema>;
type ApprovalDecision = z.output<typeof ApprovalDecisionSchema>;

function iso(time: number): string {
  return new Date(time).toISOString();
}

function sameName(typed: string, name: string): boolean {
  return typed.trim().toLowerCase() === name.trim().toLowerCase();
}

function retryAfterSeconds(oldest: string | null, windowMs: number, now: number): number {
  const freeAt = (oldest === null ? now : Date.parse(oldest)) + windowMs;
  return Math.max(1, Math.ceil((freeAt - now) / 1000));
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/** A refusal the client may retry after `retryAfterSeconds` (429 rate limits, 409 still running); the route sets Retry-After. */
export class RetryLaterFailure extends ApiFailure {
  readonly retryAfterSeconds: number;
  constructor(status: number, error: string, message: string, retryAfterSeconds: number) {
    super(status, error, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Probes, plans, executions and approvals. Every rule is checked against the
 * database inside the request (nothing lives in process memory), so any number
 * of server processes over one database enforce the same limits.
 */
export function createRemediationService(options: RemediationServiceOptions) {
  const { storage, clock, newId, log, actions, probes, limits } = options;

  async function visibleCustomer(db: Queryable, principal: Principal, customerId: string): Promise<Customer> {
    // Out of scope reads exactly like missing: the token learns nothing about other customers.
    const customer = canSeeCustomer(principal, customerId) ? await readCustomer(db, customerId) : null;
    if (!customer) throw new ApiFailure(404, 'unknown_customer', `customer ${customerId} does not exist`);
    return customer;
  }

  async function visiblePlan(db: Queryable, principal: Principal, planId: string): Promise<PlanRecord> {
    const record = await readPlan(db, planId);
    if (!record || !canSeeCustomer(principal, record.customerId))
      throw new ApiFailure(404, 'unknown_plan', `plan ${planId} does not exist`);
    return record;
  }

  function runLimitFailure(runId: string, customers: readonly string[]): ApiFailure {
    return new ApiFailure(
      409,
      'run_customer_limit',
      `run ${runId} already executed actions on ${customers.length} customer${customers.length === 1 ? '' : 's'} (${customers.slice(0, 10).join(', ')}); one run may act on at most ${limits.maxCustomersPerRun}, so start a new run for more`,
    );
  }

  async function probe(principal: Principal, name: string, request: ProbeRequest): Promise<ProbeResponse> {
    if (!probes.names.includes(name)) {
      throw new ApiFailure(404, 'unknown_probe', `no probe "${name}"; known probes: ${probes.names.join(', ')}`);
    }
    const now = clock();
    const customer = await visibleCustomer(storage, principal, request.customerId);
    const result = await probes.run(name, { db: storage, customer, params: request.params as Record<string, Json>, now });
    return { probe: name, customerId: customer.id, observedAt: iso(now), result };
  }

  async function plan(principal: Principal, request: PlanRequest): Promise<Plan> {
    const action = actions.get(request.action);
    if (!action) {
      throw new ApiFailure(
        404,
        'unknown_action',
        `no action "${request.action}"; known actions: ${actions
          .list()
          .map((item) => item.name)
          .join(', ')}`,
      );
    }
    const params = action.params.safeParse(request.params);
    if (!params.success) throw new ApiFailure(400, 'invalid_params', `${action.name}: ${describeZodIssues(params.error)}`);
    const now = clock();
    const customer = await visibleCustomer(storage, principal, request.customerId);
    if (request.runId !== null) {
      const customers = await runCustomers(storage, request.runId);
      if (!customers.includes(customer.id) && customers.length >= limits.maxCustomersPerRun)
        throw runLimitFailure(request.runId, customers);
    }
    return makePlan(principal, action, customer, params.data as Record<string, Json>, {
      runId: request.runId,
      wizard: request.wizard,
      now,
    });
  }

  /** Runs the action's dry run for these params and stores the plan it yields. */
  async function makePlan(
    principal: Principal,
    action: RegisteredAction,
    customer: Customer,
    typedParams: Record<string, Json>,
    context: { runId: string | null; wizard: PlanRecord['wizard']; now: number },
  ): Promise<Plan> {
    const { now } = context;
    const planned = await dryRun(action, customer, typedParams, now);
    const result: Plan = {
      planId: `plan_${newId(now)}`,
      action: action.name,
      actionVersion: action.version,
      risk: action.risk,
      customer: { id: customer.id, name: customer.name },
      params: typedParams,
      changes: planned.changes,
      isNoop: planned.isNoop,
      // The catalog's rules (by default, high risk asks for both).
      requiresTypedConfirmation: action.confirmation === 'typed-name',
      requiresApproval: action.requiresApproval,
      expiresAt: iso(now + limits.planTtlMs),
      createdBy: principal.userId,
      createdByName: principal.name,
    };
    await insertPlan(storage, {
      plan: result,
      customerId: customer.id,
      runId: context.runId,
      wizard: context.wizard,
      details: planned.details,
      createdAt: iso(now),
    });
    return result;
  }

  async function dryRun(action: RegisteredAction, customer: Customer, params: Record<string, Json>, now: number) {
    try {
      return await action.runner.plan({ db: storage, customer, params, now });
    } catch (error) {
      if (error instanceof ActionNotApplicableError)
        throw new ApiFailure(422, 'action_not_applicable', `${action.name} cannot run on ${customer.name}: ${error.message}`);
      throw error;
    }
  }

  /**
   * The dry run made again at execution. An action that can no longer run at all
   * (ActionNotApplicableError) is left to its execution, which records the
   * failure with its reason on the timeline: null.
   */
  async function recheckPlan(action: RegisteredAction, customer: Customer, stored: Plan, plannedAt: number) {
    // On the confirmed plan's clock: the question is whether the state it acts on changed, not whether time
    // passed — a change predicted for "when it runs" (a job's next run at now) or a lag counted up to now
    // would otherwise differ on every execution and no plan could ever run.
    try {
      return await action.runner.plan({ db: storage, customer, params: stored.params as Record<string, Json>, now: plannedAt });
    } catch (error) {
      if (error instanceof ActionNotApplicableError) return null;
      throw error;
    }
  }

  /**
   * What differs between the plan the operator confirmed and the dry run now, in
   * words; null when they are the same (the changes, and whether it is a no-op).
   */
  function planDifference(confirmed: Plan, now: { changes: Plan['changes']; isNoop: boolean }): string | null {
    const differences: string[] = [];
    const key = (change: Plan['changes'][number]) => change.target;
    const before = new Map(confirmed.changes.map((change) => [key(change), change]));
    const after = new Map(now.changes.map((change) => [key(change), change]));
    const shown = (value: Json) => (typeof value === 'string' ? value : JSON.stringify(value));
    for (const [target, change] of after) {
      const old = before.get(target);
      if (!old) differences.push(`${target} now changes (${shown(change.from)} → ${shown(change.to)})`);
      else if (canonicalJson(old) !== canonicalJson(change))
        differences.push(
          `${target}: confirmed ${shown(old.from)} → ${shown(old.to)}, now ${shown(change.from)} → ${shown(change.to)}`,
        );
    }
    for (const target of before.keys()) if (!after.has(target)) differences.push(`${target} no longer changes`);
    if (differences.length === 0 && canonicalJson(confirmed.changes) !== canonicalJson(now.changes))
      differences.push('the changes come in another order');
    if (confirmed.isNoop !== now.isNoop)
      differences.push(now.isNoop ? 'it would now change nothing' : 'it would now change something');
    return differences.length === 0 ? null : differences.join('; ');
  }

  async function audit(record: Omit<AuditRecord, 'auditId' | 'at'>, at: number, db: Queryable = storage): Promise<string> {
    const auditId = `aud_${newId(at)}`;
    await insertAudit(db, { ...record, auditId, at: iso(at) });
    return auditId;
  }

  async function replay(existing: ExecutionRecord, principal: Principal, request: ExecuteRequest): Promise<Execution> {
    if (existing.userId !== principal.userId || existing.planId !== request.planId) {
      throw new ApiFailure(
        409,
        'idempotency_key_reused',
        `idempotency key ${request.idempotencyKey} was already used for another execution; a new execution needs a new key`,
      );
    }
    let current = existing;
    const deadline = Date.now() + limits.replayWaitMs;
    // The first request with this key is still running (possibly in another process): wait for its answer, never run again.
    while (current.status === 'running') {
      if (Date.now() >= deadline) {
        throw new RetryLaterFailure(
          409,
          'execution_in_progress',
          `execution ${current.executionId} with this idempotency key is still running; ask again shortly`,
          2,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = (await readExecutionByKey(storage, request.idempotencyKey)) ?? current;
    }
    return toExecution(current, true);
  }

  type Claim = { kind: 'claimed' } | { kind: 'replay'; record: ExecutionRecord } | { kind: 'refused'; failure: ApiFailure };

  async function execute(principal: Principal, request: ExecuteRequest): Promise<Execution> {
    const existing = await readExecutionByKey(storage, request.idempotencyKey);
    if (existing) return replay(existing, principal, request);
    const record = await visiblePlan(storage, principal, request.planId);
    const { plan: stored } = record;
    const now = clock();
    let approval: Approval | null = null;
    const base = {
      userId: principal.userId,
      userName: principal.name,
      customerId: record.customerId,
      action: stored.action,
      actionVersion: stored.actionVersion,
      params: stored.params as Json,
      plan: stored,
      idempotencyKey: request.idempotencyKey,
      runId: record.runId,
    };
    // Refusals that reach the executor are audited too: who tried what, and why it was refused.
    const refuse = async (failure: ApiFailure): Promise<never> => {
      await audit(
        {
          ...base,
          approval,
          executionId: null,
          eventId: null,
          outcome: 'refused',
          error: `${failure.body.error}: ${failure.message}`,
        },
        now,
      );
      throw failure;
    };

    if (stored.createdBy !== principal.userId) {
      await refuse(
        new ApiFailure(
          403,
          'not_plan_owner',
          `plan ${stored.planId} was made by ${stored.createdByName ?? stored.createdBy}; only they can execute it — make your own plan`,
        ),
      );
    }
    if (Date.parse(stored.expiresAt) <= now) {
      await refuse(
        new ApiFailure(
          410,
          'plan_expired',
          `plan ${stored.planId} expired at ${stored.expiresAt}; plan again to see the current state`,
        ),
      );
    }
    const action = actions.get(stored.action);
    if (!action || action.version !== stored.actionVersion) {
      await refuse(
        new ApiFailure(
          409,
          'plan_outdated',
          `${stored.action} changed on the server since plan ${stored.planId} was made (version ${stored.actionVersion}); plan again`,
        ),
      );
    }
    if (stored.requiresTypedConfirmation) {
      if (request.typedConfirmation === undefined || request.typedConfirmation.trim() === '') {
        await refuse(
          new ApiFailure(
            422,
            'confirmation_required',
            `${stored.action} is high risk: type the customer's name (${stored.customer.name}) to confirm`,
          ),
        );
      } else if (!sameName(request.typedConfirmation, stored.customer.name)) {
        await refuse(
          new ApiFailure(
            422,
            'confirmation_mismatch',
            `the typed confirmation does not match the customer's name (${stored.customer.name}); nothing was executed`,
          ),
        );
      }
    }
    if (stored.requiresApproval) {
      if (!request.approvalId) {
        await refuse(
          new ApiFailure(
            403,
            'approval_required',
            `${stored.action} is high risk: a second person must approve plan ${stored.planId} first (POST /v1/approvals)`,
          ),
        );
      } else {
        const found = await readApproval(storage, request.approvalId);
        approval = found && found.approval.planId === stored.planId ? found.approval : null;
        if (!approval)
          await refuse(
            new ApiFailure(403, 'approval_invalid', `approval ${request.approvalId} is not an approval of plan ${stored.planId}`),
          );
        else if (approval.status === 'pending')
          await refuse(
            new ApiFailure(403, 'approval_pending', `approval ${approval.approvalId} is still waiting for a second person`),
          );
        else if (approval.status === 'denied') {
          await refuse(
            new ApiFailure(
              403,
              'approval_denied',
              `approval ${approval.approvalId} was denied by ${approval.decidedByName ?? approval.decidedBy ?? 'the approver'}${approval.note ? `: ${approval.note}` : ''}`,
            ),
          );
        } else if (approval.decidedBy === null || approval.decidedBy === principal.userId) {
          await refuse(
            new ApiFailure(
              403,
              'approval_invalid',
              `approval ${approval.approvalId} must be granted by someone other than ${principal.name}`,
            ),
          );
        }
      }
    }
    const customer = await readCustomer(storage, record.customerId);
    if (!customer || !action) throw new ApiFailure(404, 'unknown_plan', `plan ${stored.planId} does not exist`);
    // The server is the authority on what a confirmation covers: the dry run is made again, and a plan that no
    // longer holds (the target answers otherwise, or the customer changed since) is never executed. The operator
    // gets the new plan to review and confirm instead.
    const executed = await readExecutionByPlan(storage, stored.planId);
    // A request with the same key that arrived at the same time claimed it: answer its execution.
    if (executed?.idempotencyKey === request.idempotencyKey) return replay(executed, principal, request);
    if (executed) {
      await refuse(
        new ApiFailure(
          409,
          'plan_already_executed',
          `plan ${stored.planId} was already executed (execution ${executed.executionId}, another idempotency key); plan again to run the action again`,
        ),
      );
    }
    const recheck = await recheckPlan(action, customer, stored, Date.parse(record.createdAt));
    const difference = recheck === null ? null : planDifference(stored, recheck);
    if (difference !== null) {
      // The dry run may differ because a request with the same key ran meanwhile: that is its answer, not a new plan.
      const meanwhile = await readExecutionByKey(storage, request.idempotencyKey);
      if (meanwhile) return replay(meanwhile, principal, request);
      const fresh = await makePlan(principal, action, customer, stored.params as Record<string, Json>, {
        runId: record.runId,
        wizard: record.wizard,
        now,
      });
      await refuse(
        new ApiFailure(
          409,
          'plan_changed',
          `the dry run of ${stored.action} on ${customer.name} changed since plan ${stored.planId} was confirmed (${difference}); nothing was executed — review the new plan ${fresh.planId} and confirm it`,
          { plan: fresh },
        ),
      );
    }

    const executionId = `exe_${newId(now)}`;
    const claim = await storage.transaction(async (db): Promise<Claim> => {
      // Serialises the checks and the claim per user, customer and run, so concurrent requests cannot all pass a limit.
      await db.query(`select pg_advisory_xact_lock(${USER_LOCK}, hashtext($1))`, [principal.userId]);
      await db.query(`select pg_advisory_xact_lock(${CUSTOMER_LOCK}, hashtext($1))`, [record.customerId]);
      if (record.runId !== null) await db.query(`select pg_advisory_xact_lock(${RUN_LOCK}, hashtext($1))`, [record.runId]);
      const again = await readExecutionByKey(db, request.idempotencyKey);
      if (again) return { kind: 'replay', record: again };
      const byPlan = await readExecutionByPlan(db, stored.planId);
      if (byPlan) {
        return {
          kind: 'refused',
          failure: new ApiFailure(
            409,
            'plan_already_executed',
            `plan ${stored.planId} was already executed (execution ${byPlan.executionId}, another idempotency key); plan again to run the action again`,
          ),
        };
      }
      if (record.runId !== null) {
        const customers = await runCustomers(db, record.runId);
        if (!customers.includes(record.customerId) && customers.length >= limits.maxCustomersPerRun)
          return { kind: 'refused', failure: runLimitFailure(record.runId, customers) };
      }
      const byUser = await countExecutionsSince(db, {
        column: 'user_id',
        value: principal.userId,
        since: iso(now - limits.perUser.windowMs),
      });
      if (byUser.count >= limits.perUser.max) {
        const wait = retryAfterSeconds(byUser.oldest, limits.perUser.windowMs, now);
        return {
          kind: 'refused',
          failure: new RetryLaterFailure(
            429,
            'rate_limited',
            `${principal.name} executed ${byUser.count} actions in the last ${minutes(limits.perUser.windowMs)} (limit ${limits.perUser.max}); try again in ${wait} s`,
            wait,
          ),
        };
      }
      const byCustomer = await countExecutionsSince(db, {
        column: 'customer_id',
        value: record.customerId,
        since: iso(now - limits.perCustomer.windowMs),
      });
      if (byCustomer.count >= limits.perCustomer.max) {
        const wait = retryAfterSeconds(byCustomer.oldest, limits.perCustomer.windowMs, now);
        return {
          kind: 'refused',
          failure: new RetryLaterFailure(
            429,
            'rate_limited',
            `${customer.name} had ${byCustomer.count} actions executed in the last ${minutes(limits.perCustomer.windowMs)} (limit ${limits.perCustomer.max}); try again in ${wait} s`,
            wait,
          ),
        };
      }
      const own = action?.limits;
      if (own?.maxCustomersPerRun && record.runId !== null) {
        const customers = await runCustomers(db, record.runId);
        if (!customers.includes(record.customerId) && customers.length >= own.maxCustomersPerRun)
          return {
            kind: 'refused',
            failure: new ApiFailure(
              409,
              'run_customer_limit',
              `run ${record.runId} already executed actions on ${customers.length} customers; ${stored.action} may act on at most ${own.maxCustomersPerRun} per run, so start a new run for more`,
            ),
          };
      }
      for (const [column, rate, who] of [
        ['user_id', own?.perUser, principal.userId],
        ['customer_id', own?.perCustomer, record.customerId],
      ] as const) {
        if (!rate) continue;
        const used = await countExecutionsSince(db, {
          column,
          value: who,
          since: iso(now - rate.windowMs),
          action: stored.action,
        });
        if (used.count >= rate.max) {
          const wait = retryAfterSeconds(used.oldest, rate.windowMs, now);
          return {
            kind: 'refused',
            failure: new RetryLaterFailure(
              429,
              'rate_limited',
              `${stored.action} ran ${used.count} times ${column === 'user_id' ? `for ${principal.name}` : `on ${customer.name}`} in the last ${minutes(rate.windowMs)} (its limit is ${rate.max}); try again in ${wait} s`,
              wait,
            ),
          };
        }
      }
      const isClaimed = await claimExecution(db, {
        executionId,
        idempotencyKey: request.idempotencyKey,
        planId: stored.planId,
        customerId: record.customerId,
        userId: principal.userId,
        runId: record.runId,
        createdAt: iso(now),
      });
      if (!isClaimed) {
        // Another user's request took this key or plan between our reads (the locks are per user).
        const taken = await readExecutionByKey(db, request.idempotencyKey);
        if (taken) return { kind: 'replay', record: taken };
        return {
          kind: 'refused',
          failure: new ApiFailure(
            409,
            'plan_already_executed',
            `plan ${stored.planId} was already executed; plan again to run the action again`,
          ),
        };
      }
      return { kind: 'claimed' };
    });
    if (claim.kind === 'replay') return replay(claim.record, principal, request);
    if (claim.kind === 'refused') await refuse(claim.failure);

    const finish = async (db: Queryable, outcome: RunnerOutcome): Promise<Execution> => {
      const at = clock();
      const declared = action.event({ customer, params: stored.params as Record<string, Json>, result: outcome.result });
      const event = remediationEvent({
        customer,
        plan: stored,
        runId: record.runId,
        wizard: record.wizard,
        executionId,
        idempotencyKey: request.idempotencyKey,
        actor: principal.name,
        approval,
        status: outcome.status,
        changes: outcome.changes,
        error: outcome.error,
        feature: declared.feature,
        summary: declared.summary,
        attempts: outcome.attempts ?? 1,
        now: at,
      });
      const inserted = await insertEvents(db, [event, ...outcome.events], { now: at, newId });
      const eventId = inserted.ids[0] ?? null;
      const auditId = await audit(
        { ...base, approval, executionId, eventId, outcome: outcome.status, error: outcome.error },
        at,
        db,
      );
      const finished = await finishExecution(db, {
        executionId,
        status: outcome.status,
        changes: outcome.changes,
        result: outcome.result,
        error: outcome.error,
        auditId,
        eventId,
        executedAt: iso(at),
        attempts: outcome.attempts ?? 1,
      });
      return toExecution(finished, false);
    };

    try {
      return await action.runner.execute({
        storage,
        customer,
        params: stored.params as Record<string, Json>,
        now,
        idempotencyKey: request.idempotencyKey,
        finish,
      });
    } catch (error) {
      const isExpected = error instanceof ActionNotApplicableError || error instanceof ApiFailure;
      if (!isExpected)
        log.error('remediation runner failed', {
          action: stored.action,
          customerId: record.customerId,
          executionId,
          error: errorMessage(error),
        });
      const message = isExpected ? error.message : `the runner failed: ${errorMessage(error)}`;
      return storage.transaction((db) => finish(db, { status: 'failed', changes: [], result: null, error: message, events: [] }));
    }
  }

  async function requestApproval(
    principal: Principal,
    request: ApprovalRequest,
  ): Promise<{ approval: Approval; isNew: boolean }> {
    const now = clock();
    return storage.transaction(async (db) => {
      const record = await visiblePlan(db, principal, request.planId);
      const { plan: stored } = record;
      if (!stored.requiresApproval)
        throw new ApiFailure(409, 'approval_not_required', `${stored.action} is ${stored.risk} risk; it needs no approval`);
      if (stored.createdBy !== principal.userId)
        throw new ApiFailure(
          403,
          'not_plan_owner',
          `plan ${stored.planId} was made by ${stored.createdByName ?? stored.createdBy}; only they can ask to approve it`,
        );
      if (Date.parse(stored.expiresAt) <= now)
        throw new ApiFailure(410, 'plan_expired', `plan ${stored.planId} expired at ${stored.expiresAt}; plan again`);
      const inserted = await insertApproval(db, {
        id: `apr_${newId(now)}`,
        planId: stored.planId,
        requestedBy: principal.userId,
        requestedByName: principal.name,
        reason: request.reason,
        createdAt: iso(now),
      });
      if (!inserted.isNew) return { approval: inserted.record.approval, isNew: false };
      // Approvers are people: keep the plan open long enough for one to answer.
      const plan = (await extendPlan(db, stored.planId, iso(now + limits.approvalTtlMs))) ?? stored;
      return { approval: { ...inserted.record.approval, plan }, isNew: true };
    });
  }

  async function decide(principal: Principal, approvalId: string, decision: ApprovalDecision): Promise<Approval> {
    const now = clock();
    return storage.transaction(async (db) => {
      const record = await readApproval(db, approvalId, { forUpdate: true });
      if (!record || !canSeeCustomer(principal, record.customerId))
        throw new ApiFailure(404, 'unknown_approval', `approval ${approvalId} does not exist`);
      const { approval } = record;
      if (approval.requestedBy === principal.userId || approval.plan.createdBy === principal.userId) {
        throw new ApiFailure(
          403,
          'self_approval',
          `${principal.name} asked for this approval (or made its plan); a different person must decide it`,
        );
      }
      if (approval.status !== 'pending')
        throw new ApiFailure(
          409,
          'approval_decided',
          `approval ${approvalId} was already ${approval.status} by ${approval.decidedByName ?? approval.decidedBy ?? 'someone'}`,
        );
      if (Date.parse(approval.plan.expiresAt) <= now)
        throw new ApiFailure(
          410,
          'plan_expired',
          `plan ${approval.planId} expired at ${approval.plan.expiresAt}; the requester must plan again`,
        );
      await decideApproval(db, {
        approvalId,
        status: decision.decision,
        decidedBy: principal.userId,
        decidedByName: principal.name,
        note: decision.note,
        decidedAt: iso(now),
      });
      // The requester gets a full plan lifetime after the grant to execute.
      if (decision.decision === 'granted') await extendPlan(db, approval.planId, iso(now + limits.planTtlMs));
      const fresh = await readApproval(db, approvalId);
      if (!fresh) throw new Error(`approval ${approvalId} vanished`);
      return fresh.approval;
    });
  }

  async function approval(principal: Principal, approvalId: string): Promise<Approval> {
    const record = await readApproval(storage, approvalId);
    if (!record || !canSeeCustomer(principal, record.customerId))
      throw new ApiFailure(404, 'unknown_approval', `approval ${approvalId} does not exist`);
    return record.approval;
  }

  async function approvals(
    principal: Principal,
    input: { status: Approval['status'] | null; limit: number },
  ): Promise<Approval[]> {
    const records = await listApprovals(storage, {
      status: input.status,
      scope: principal.scope,
      now: iso(clock()),
      limit: input.limit,
    });
    return records.map((record) => record.approval);
  }

  async function auditRecords(input: {
    customerId: string | null;
    before: string | null;
    limit: number;
  }): Promise<AuditRecord[]> {
    return listAudit(storage, input);
  }

  return { probe, plan, execute, requestApproval, decide, approval, approvals, auditRecords };
}

export type RemediationService = ReturnType<typeof createRemediationService>;

import type { z } from 'zod';
import type { Customer, EventInput } from '../../shared/domain';
import type { Execution, PlannedChangeSchema } from '../../shared/remediation/wire';
import type { RiskLevel } from '../../shared/wizards/catalog';
import type { Queryable, Storage } from '../storage/types';
import type { Json } from '../../shared/json';

/** One line of a plan or an execution: what changes, from what, to what. */
export type PlannedChange = z.infer<typeof PlannedChangeSchema>;

/** A runner's dry run. `details` is what the runner needs to show or check later (the rendered HTTP request). */
export type RunnerPlan = { changes: PlannedChange[]; isNoop: boolean; details: Json | null };

/** How an execution ended, as the runner reports it; `events` are extra timeline events it caused (recoveries). */
export type RunnerOutcome = {
  status: 'succeeded' | 'failed';
  changes: PlannedChange[];
  result: Json;
  error: string | null;
  events: EventInput[];
};

export type RunnerPlanInput = { db: Queryable; customer: Customer; params: Record<string, Json>; now: number };

export type RunnerExecuteInput = {
  storage: Storage;
  customer: Customer;
  params: Record<string, Json>;
  now: number;
  idempotencyKey: string;
  /**
   * Writes the outcome (execution row, audit record, timeline event). A runner
   * calls it exactly once, inside the transaction that commits its own effects
   * when it has any, so the record and the change commit together.
   */
  finish: (db: Queryable, outcome: RunnerOutcome) => Promise<Execution>;
};

/** What executes an action: the demo fleet simulation or a company's own admin API. */
export type ActionRunner = {
  kind: 'demo' | 'http' | 'script' | 'builtin';
  plan(input: RunnerPlanInput): Promise<RunnerPlan>;
  execute(input: RunnerExecuteInput): Promise<Execution>;
};

/** A catalog action as this server runs it. `version` changes when its runner changes; plans of an older version are refused. */
export type RegisteredAction = {
  name: string;
  summary: string;
  risk: RiskLevel;
  params: z.ZodObject;
  version: number;
  runner: ActionRunner;
  /** A catalog's own rules (issue 11); without them, high risk means typed confirmation and approval. */
  confirmation?: 'click' | 'typed-name';
  requiresApproval?: boolean;
  limits?: {
    perCustomer: { max: number; windowMs: number } | null;
    perUser: { max: number; windowMs: number } | null;
    maxCustomersPerRun: number | null;
  };
  /** The timeline event's summary and feature, when the catalog declares them. */
  event?(input: { customer: Customer; params: Record<string, Json>; result: Json }): {
    summary: string | null;
    feature: string | null;
  };
};

/** Thrown by a runner when the action cannot apply to this customer (an unknown job, a step that has not failed). */
export class ActionNotApplicableError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ActionNotApplicableError';
    this.code = code;
  }
}

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
  /** How many times the call was sent to the target (retries with the same idempotency key); absent: once. */
  attempts?: number;
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

/** What a probe is asked: the customer, validated parameters and the server clock. */
export type ProbeInput = { db: Queryable; customer: Customer; params: Record<string, Json>; now: number };

/** The probes the remediation service runs: always the catalog in force (server/catalog). */
export type ProbeRegistry = {
  readonly names: readonly string[];
  run(name: string, input: ProbeInput): Promise<Record<string, Json>>;
};

/** The actions the remediation service plans and executes: always the catalog in force. */
export type ActionRegistry = {
  /** The registered action, or undefined for a name the catalog does not know. */
  get(name: string): RegisteredAction | undefined;
  list(): RegisteredAction[];
};

/** No catalog: no probes and no actions (a server started without one answers 404 for every name). */
export const EMPTY_PROBES: ProbeRegistry = {
  names: [],
  run: (name) => Promise.reject(new Error(`no probe "${name}": this server has no catalog`)),
};
/** No catalog: no actions. */
export const EMPTY_ACTIONS: ActionRegistry = { get: () => undefined, list: () => [] };

/** What executes an action: a catalog's http or script call, or a connector the server registers (the demo fleet). */
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
  /** The catalog's rules (issue 11): by default high risk means typed confirmation and approval. */
  confirmation: 'click' | 'typed-name';
  requiresApproval: boolean;
  limits: {
    perCustomer: { max: number; windowMs: number } | null;
    perUser: { max: number; windowMs: number } | null;
    maxCustomersPerRun: number | null;
  };
  /** The timeline event's summary and feature (the catalog's, else the connector's). */
  event(input: { customer: Customer; params: Record<string, Json>; result: Json }): {
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

import type { PublishedCatalog } from '../catalog/format';
import { IsoTimeSchema } from '../domain';
import type { WizardDefinition } from './format';
import type { Json } from '../json';
import {
  RUN_STATE_FORMAT,
  RunEventSchema,
  type DiagnosticRequest,
  type Need,
  type RunError,
  type RunEvent,
  type RunState,
} from './run-state';
import { needOf } from './run/need';
import { Run } from './run/run';
import { pinOf, Refusal, toPlainJson } from './run/support';

export { summarizeRun } from './run/summary';

/**
 * The wizard run engine: a state machine over a validated definition. It does no
 * I/O: the host (the desk) performs what the returned {@link Need} asks, and
 * feeds the outcome back as a {@link RunEvent}. The state is plain JSON
 * (its schema: ./run-state.ts) so the desk can persist it after every step and
 * resume it after a restart. The machine itself is in ./run/.
 */

export { canEditAnswers, editablePaths, RUN_ERROR_CODES, RUN_STATE_FORMAT, RunEventSchema } from './run-state';
/** The types of the engine's API; their schemas are in ./run-state.ts. */
export type {
  BranchRecord,
  Cursor,
  DiagnosticRequest,
  GroupCheckRecord,
  Need,
  PinnedWizard,
  ReasonCondition,
  ReasonEvidence,
  RunError,
  RunErrorCode,
  RunEvent,
  RunFinish,
  RunFrame,
  RunState,
  RunSummary,
  StepPhase,
  StepReason,
  StepRecord,
} from './run-state';
export { definitionHash, MAX_STEPS_PER_RUN, MAX_VISITS_PER_STEP } from './run/support';

/** Options for {@link createRun}. */
export type RunOptions = {
  runId: string;
  customerId: string;
  /** ISO time the operator started the run. */
  startedAt: string;
  /** A practice run: every check is simulated and no real action can be requested. */
  practice: boolean;
  /** The customer record as cached (the `customer` variable); defaults to `{ id: customerId }`. */
  customer?: Record<string, Json>;
};

/** The answer of every engine function: the new state and what the host must do next, or why not. */
export type RunResult = { ok: true; state: RunState; need: Need } | { ok: false; error: RunError };

/**
 * Starts a run. `library` supplies wizards that link steps may open; `catalog`
 * is the server's effective catalog, which probe results are checked against
 * (null: not known yet, so they are not checked; cache query results always are).
 */
export function createRun(
  definition: WizardDefinition,
  options: RunOptions,
  library: readonly WizardDefinition[] = [],
  catalog: PublishedCatalog | null = null,
): RunResult {
  const parsedAt = IsoTimeSchema.safeParse(options.startedAt);
  if (!parsedAt.success)
    return {
      ok: false,
      error: { code: 'invalid-event', message: `startedAt must be an ISO time with offset, got "${options.startedAt}"` },
    };
  if (!options.runId || !options.customerId)
    return { ok: false, error: { code: 'invalid-event', message: 'a run needs a runId and a customerId' } };
  const pin = pinOf(definition);
  const state: RunState = {
    format: RUN_STATE_FORMAT,
    runId: options.runId,
    customerId: options.customerId,
    startedAt: options.startedAt,
    practice: options.practice,
    wizard: pin,
    pins: [pin],
    customer: toPlainJson(options.customer ?? { id: options.customerId }),
    status: 'running',
    frames: [],
    steps: [],
    visits: {},
    actionsLockedAt: null,
    checkpoints: [],
    edits: [],
    followUps: [],
    escalations: [],
    lastEventAt: options.startedAt,
    finish: null,
  };
  return transition(state, [definition, ...library], catalog, (run) =>
    run.openFrame(definition, null, '', {}, options.startedAt, true),
  );
}

/** Applies one event. The given state is never modified; on refusal it stays valid as it was. */
export function applyEvent(
  library: readonly WizardDefinition[],
  state: RunState,
  event: RunEvent,
  catalog: PublishedCatalog | null = null,
): RunResult {
  const parsed = RunEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: {
        code: 'invalid-event',
        message: `bad event: ${issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'invalid'}`,
      },
    };
  }
  return transition(state, library, catalog, (run) => run.handle(parsed.data));
}

/** What the run waits for now; use after loading a persisted state. Refuses when a pinned wizard is missing. */
export function resumeRun(
  library: readonly WizardDefinition[],
  state: RunState,
  catalog: PublishedCatalog | null = null,
): RunResult {
  return transition(state, library, catalog, () => undefined);
}

function transition(
  state: RunState,
  library: readonly WizardDefinition[],
  catalog: PublishedCatalog | null,
  body: (run: Run) => void,
): RunResult {
  try {
    // The state comes back from storage: refuse what is clearly not a run before touching it.
    const isShaped =
      typeof state === 'object' &&
      state !== null &&
      Array.isArray(state.frames) &&
      Array.isArray(state.steps) &&
      Array.isArray(state.pins) &&
      Array.isArray(state.checkpoints);
    if (!isShaped) throw new Refusal('unsupported-state', 'this is not a wizard run state');
    if (state.format !== RUN_STATE_FORMAT)
      throw new Refusal(
        'unsupported-state',
        `this run was saved in state format ${String(state.format)}; this engine reads format ${RUN_STATE_FORMAT}`,
      );
    const run = new Run(toPlainJson(state), library, catalog);
    body(run);
    run.settle();
    return { ok: true, state: run.state, need: needOf(run) };
  } catch (error) {
    if (error instanceof Refusal)
      return {
        ok: false,
        error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
      };
    throw error;
  }
}

/** The fields of a step's request, for hosts that show parameters next to results. */
export function describeDiagnostic(request: DiagnosticRequest): string {
  const params = Object.entries(request.params)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(', ');
  return `${request.source === 'cache' ? request.query : request.probe}(${params})`;
}

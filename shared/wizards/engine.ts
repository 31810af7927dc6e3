import { z } from 'zod';
import { actionSpec, probeSpec, querySpec } from './catalog';
import { evaluate, renderText, renderValue, type CelBindings } from './cel';
import type { Json } from '../json';
import {
  durationToMs,
  stepEdges,
  type InputField,
  type Outcome,
  type RootCause,
  type Step,
  type StepKind,
  type WizardDefinition,
} from './format';
import { canonicalJson, sha256Hex } from './hash';
import { fieldValueProblem } from './validate';

/**
 * The wizard run engine: a state machine over a validated definition. It does no
 * I/O: the host (the desk) performs what the returned {@link Need} asks, and
 * feeds the outcome back as a {@link RunEvent}. The state is plain JSON so the
 * desk can persist it after every step and resume it after a restart.
 */

/** Bump when {@link RunState} changes shape; older states are refused rather than misread. */
export const RUN_STATE_FORMAT = 1;
/** A step entered more often than this ends the run: a loop the author did not bound. */
export const MAX_VISITS_PER_STEP = 20;
/** Upper bound on steps in one run, linked wizards included. */
export const MAX_STEPS_PER_RUN = 400;

/** The exact wizard a run (or a linked part of it) follows. */
export type PinnedWizard = { id: string; version: number; hash: string };

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

/** Why a transition was refused. */
export const RUN_ERROR_CODES = [
  'invalid-event',
  'invalid-input',
  'invalid-result',
  'confirmation-required',
  'edit-refused',
  'practice-violation',
  'version-mismatch',
  'run-finished',
  'unsupported-state',
] as const;
/** One of {@link RUN_ERROR_CODES}. */
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];
/** A refused transition: the state is unchanged. */
export type RunError = { code: RunErrorCode; message: string; issues?: { field: string; message: string }[] };

/** The answer of every engine function: the new state and what the host must do next, or why not. */
export type RunResult = { ok: true; state: RunState; need: Need } | { ok: false; error: RunError };

/** Where a step in a linked wizard is: `''` for the top wizard, `'link-step/'` inside a link. */
type PathPrefix = string;

/** What the current step waits for; rendered values are stored so a resumed run asks the same thing. */
export type StepPhase =
  | { name: 'input' }
  | { name: 'check'; params: Record<string, Json>; lastError: string | null }
  | { name: 'guidance'; text: string }
  | { name: 'action-plan'; params: Record<string, Json> }
  | { name: 'action-confirm'; params: Record<string, Json>; plan: Json }
  | { name: 'action-execute'; params: Record<string, Json>; plan: Json; idempotencyKey: string }
  | { name: 'simulated-action'; params: Record<string, Json> }
  | { name: 'approval'; reason: string }
  | {
      name: 'verify';
      params: Record<string, Json>;
      attempts: number;
      startedAt: string;
      deadline: string;
      dueAt: string;
      lastResult: Json;
    }
  | { name: 'link-load' }
  | { name: 'escalate'; summary: string };

/** The position of one wizard frame. */
export type Cursor = { at: 'inputs' } | { at: 'step'; stepId: string; phase: StepPhase };

/** One wizard being run: the top one, or one opened by a link step. */
export type RunFrame = {
  wizard: PinnedWizard;
  /** The link step in the parent frame that opened this frame; null for the top wizard. */
  linkStepId: string | null;
  prefix: PathPrefix;
  inputs: Record<string, Json>;
  answers: Record<string, Json>;
  /** Results by step id and save name: checks, verifies (last attempt), actions, links. */
  checks: Record<string, Json>;
  cursor: Cursor;
};

/** How a decision went, in words and in detail. */
export type BranchRecord = {
  taken: string;
  label: string | null;
  when: string | null;
  reason: string;
  evaluated: { when: string; value: 'true' | 'false' | 'error'; detail: string | null }[];
};

/** What happened at one step (or at the wizard's inputs, kind `inputs`). */
export type StepRecord = {
  /** `step-id`, or `link-step/step-id` inside a linked wizard; `$inputs` for a wizard's inputs. */
  path: string;
  wizardId: string;
  stepId: string;
  kind: StepKind | 'inputs';
  title: string;
  enteredAt: string;
  completedAt: string | null;
  params?: Record<string, Json>;
  values?: Record<string, Json>;
  result?: Json;
  text?: string;
  plan?: Json;
  idempotencyKey?: string;
  isSimulated?: boolean;
  attempts?: { at: string; result: Json; held: boolean; detail: string | null }[];
  errors?: { at: string; message: string }[];
  branch?: BranchRecord;
  approval?: { granted: boolean; by: string; note: string | null };
  escalation?: { team: string; summary: string; reference: string | null };
  outcome?: Outcome;
  next?: string | null;
  note?: string;
};

/** How the run ended. */
export type RunFinish = {
  outcome: Outcome;
  rootCause: RootCause | null;
  finishedAt: string;
  /** Why, in words: the record step's title, or why the run stopped. */
  reason: string;
};

/** A snapshot taken when an input is asked, so the answer can be changed later. */
type Checkpoint = { path: string; snapshot: Omit<RunState, 'checkpoints' | 'edits'> };

/** The whole run, as plain JSON. */
export type RunState = {
  format: typeof RUN_STATE_FORMAT;
  runId: string;
  customerId: string;
  startedAt: string;
  practice: boolean;
  /** The top wizard. */
  wizard: PinnedWizard;
  /** Every wizard the run follows: the top one first, then linked ones as they are reached. */
  pins: PinnedWizard[];
  customer: Record<string, Json>;
  status: 'running' | 'finished';
  /** Open wizards, innermost last; empty once finished. */
  frames: RunFrame[];
  steps: StepRecord[];
  visits: Record<string, number>;
  /** Set once the first action is confirmed for execution (or simulated); answers are frozen from then on. */
  actionsLockedAt: string | null;
  checkpoints: Checkpoint[];
  edits: { at: string; path: string; previous: Record<string, Json>; values: Record<string, Json> }[];
  followUps: string[];
  escalations: { team: string; summary: string; reference: string | null; at: string }[];
  lastEventAt: string;
  finish: RunFinish | null;
};

/** A cache query or a server probe, as the host must run it. */
export type DiagnosticRequest =
  | { source: 'cache'; query: string; params: Record<string, Json> }
  | { source: 'probe'; probe: string; params: Record<string, Json> };

type NeedBase = { practice: boolean; wizardId: string; stepId: string | null; path: string; title: string };

/** What the host must do next. */
export type Need =
  | (NeedBase & { need: 'input'; fields: InputField[]; values: Record<string, Json> })
  | (NeedBase & { need: 'check'; request: DiagnosticRequest; isSimulated: boolean; lastError: string | null })
  | (NeedBase & { need: 'guidance'; text: string; confirm: string | null })
  | (NeedBase & { need: 'action-plan'; action: string; params: Record<string, Json> })
  | (NeedBase & { need: 'action-confirm'; action: string; params: Record<string, Json>; plan: Json })
  | (NeedBase & { need: 'action-execute'; action: string; params: Record<string, Json>; plan: Json; idempotencyKey: string })
  | (NeedBase & { need: 'simulated-action'; action: string; params: Record<string, Json> })
  | (NeedBase & { need: 'approval'; reason: string; who: string })
  | (NeedBase & {
      need: 'verify-attempt';
      request: DiagnosticRequest;
      isSimulated: boolean;
      attempt: number;
      after: number;
      dueAt: string;
      deadline: string;
      until: string;
    })
  | (NeedBase & { need: 'wizard'; linkedWizardId: string })
  | (NeedBase & { need: 'escalate'; team: string; summary: string })
  | { need: 'done'; practice: boolean; summary: RunSummary };

const at = z.iso.datetime({ offset: true });
const values = z.record(z.string(), z.json());

/** Everything the host can tell the engine. Every event carries the time it happened. */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inputs'), at, values }),
  z.strictObject({ type: z.literal('answer'), at, values }),
  z.strictObject({ type: z.literal('check-result'), at, result: z.json() }),
  z.strictObject({ type: z.literal('check-failed'), at, error: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('continue'), at, confirmed: z.boolean().optional() }),
  z.strictObject({ type: z.literal('action-planned'), at, plan: z.json() }),
  z.strictObject({ type: z.literal('action-confirmed'), at, by: z.string().max(200).optional() }),
  z.strictObject({
    type: z.literal('action-result'),
    at,
    ok: z.boolean(),
    result: z.json().optional(),
    error: z.string().max(2000).optional(),
  }),
  z.strictObject({
    type: z.literal('approval-granted'),
    at,
    by: z.string().min(1).max(200),
    note: z.string().max(2000).optional(),
  }),
  z.strictObject({
    type: z.literal('approval-denied'),
    at,
    by: z.string().min(1).max(200),
    note: z.string().max(2000).optional(),
  }),
  z.strictObject({ type: z.literal('verify-result'), at, result: z.json() }),
  z.strictObject({ type: z.literal('verify-failed'), at, error: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('timeout'), at }),
  z.strictObject({ type: z.literal('escalated'), at, reference: z.string().max(500).optional() }),
  z.strictObject({ type: z.literal('edit-answer'), at, path: z.string().min(1).max(300), values }),
  z.strictObject({ type: z.literal('cancel'), at, reason: z.string().max(500).optional() }),
]);
/** An event for {@link applyEvent}. */
export type RunEvent = z.infer<typeof RunEventSchema>;

/** A finished (or running) run, as it appears on the customer's timeline. */
export type RunSummary = {
  runId: string;
  customerId: string;
  wizard: PinnedWizard;
  practice: boolean;
  status: 'running' | 'finished';
  /** Step paths in the order they ran. */
  path: string[];
  outcome: Outcome | null;
  rootCause: RootCause | null;
  reason: string | null;
  followUps: string[];
  escalations: { team: string; summary: string; reference: string | null }[];
  actionsExecuted: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
};

const definitionHashes = new WeakMap<WizardDefinition, string>();

/** The content hash a run pins: SHA-256 of the definition's canonical JSON (layout and comments do not count). */
export function definitionHash(definition: WizardDefinition): string {
  let hash = definitionHashes.get(definition);
  if (!hash) {
    hash = sha256Hex(canonicalJson(definition));
    definitionHashes.set(definition, hash);
  }
  return hash;
}

function pinOf(definition: WizardDefinition): PinnedWizard {
  return { id: definition.id, version: definition.version, hash: definitionHash(definition) };
}

/** Thrown inside a transition and turned into `{ ok: false }`; never escapes the module. */
class Refusal extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly issues?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

/** Starts a run. `library` supplies wizards that link steps may open. */
export function createRun(
  definition: WizardDefinition,
  options: RunOptions,
  library: readonly WizardDefinition[] = [],
): RunResult {
  const parsedAt = at.safeParse(options.startedAt);
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
  return transition(state, [definition, ...library], (run) => run.openFrame(definition, null, '', {}, options.startedAt, true));
}

/** Applies one event. The given state is never modified; on refusal it stays valid as it was. */
export function applyEvent(library: readonly WizardDefinition[], state: RunState, event: RunEvent): RunResult {
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
  return transition(state, library, (run) => run.handle(parsed.data));
}

/** What the run waits for now; use after loading a persisted state. Refuses when a pinned wizard is missing. */
export function resumeRun(library: readonly WizardDefinition[], state: RunState): RunResult {
  return transition(state, library, () => undefined);
}

/** Whether answers may still be changed (no action has been confirmed yet). */
export function canEditAnswers(state: RunState): boolean {
  return state.status === 'running' && state.actionsLockedAt === null;
}

/** The record paths whose answers may be edited now, latest last. */
export function editablePaths(state: RunState): string[] {
  return canEditAnswers(state) ? [...new Set(state.checkpoints.map((checkpoint) => checkpoint.path))] : [];
}

/** The run as the timeline shows it. */
export function summarizeRun(state: RunState): RunSummary {
  const finishedAt = state.finish?.finishedAt ?? null;
  return {
    runId: state.runId,
    customerId: state.customerId,
    wizard: state.wizard,
    practice: state.practice,
    status: state.status,
    path: state.steps.filter((record) => record.kind !== 'inputs').map((record) => record.path),
    outcome: state.finish?.outcome ?? null,
    rootCause: state.finish?.rootCause ?? null,
    reason: state.finish?.reason ?? null,
    followUps: [...state.followUps],
    escalations: state.escalations.map(({ team, summary, reference }) => ({ team, summary, reference })),
    actionsExecuted: state.steps.filter(
      (record) => record.kind === 'action' && record.completedAt !== null && record.result !== undefined,
    ).length,
    startedAt: state.startedAt,
    finishedAt,
    durationMs: finishedAt === null ? null : Date.parse(finishedAt) - Date.parse(state.startedAt),
  };
}

/** A deep copy that is guaranteed to be plain JSON (the state is persisted as JSON after every step). */
function toPlainJson<T>(value: T): T {
  const copy: T = JSON.parse(JSON.stringify(value));
  return copy;
}

function transition(state: RunState, library: readonly WizardDefinition[], body: (run: Run) => void): RunResult {
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
    const run = new Run(toPlainJson(state), library);
    body(run);
    run.settle();
    return { ok: true, state: run.state, need: run.need() };
  } catch (error) {
    if (error instanceof Refusal)
      return {
        ok: false,
        error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
      };
    throw error;
  }
}

/** One transition's working copy of a run, with its definitions resolved. */
class Run {
  readonly state: RunState;
  private readonly definitions = new Map<string, WizardDefinition>();

  constructor(
    state: RunState,
    private readonly library: readonly WizardDefinition[],
  ) {
    this.state = state;
    for (const pin of state.pins) {
      const sameVersion = library.filter((definition) => definition.id === pin.id && definition.version === pin.version);
      const match = sameVersion.find((definition) => definitionHash(definition) === pin.hash);
      if (match) {
        this.definitions.set(pin.id, match);
        continue;
      }
      if (sameVersion.length > 0) {
        throw new Refusal(
          'version-mismatch',
          `wizard "${pin.id}" version ${pin.version} was changed after run ${state.runId} started (its content differs); supply the definition the run was pinned to.`,
        );
      }
      const others = library.filter((definition) => definition.id === pin.id).map((definition) => definition.version);
      throw new Refusal(
        'version-mismatch',
        `run ${state.runId} is pinned to wizard "${pin.id}" version ${pin.version}${others.length ? `; only version ${others.join(', ')} was supplied` : ', which was not supplied'}. Supply the pinned version to continue this run.`,
      );
    }
  }

  private get frame(): RunFrame {
    const frame = this.state.frames[this.state.frames.length - 1];
    if (!frame) throw new Refusal('run-finished', `run ${this.state.runId} has finished`);
    return frame;
  }

  private definitionOf(frame: RunFrame): WizardDefinition {
    const definition = this.definitions.get(frame.wizard.id);
    if (!definition) throw new Refusal('version-mismatch', `wizard "${frame.wizard.id}" is not pinned by this run`);
    return definition;
  }

  private stepOf(frame: RunFrame, stepId: string): { step: Step; index: number } {
    const definition = this.definitionOf(frame);
    const index = definition.steps.findIndex((step) => step.id === stepId);
    const step = definition.steps[index];
    if (!step) throw new Refusal('unsupported-state', `wizard "${definition.id}" has no step "${stepId}"`);
    return { step, index };
  }

  private currentRecord(): StepRecord {
    const record = this.state.steps[this.state.steps.length - 1];
    if (!record || record.completedAt !== null) throw new Refusal('unsupported-state', 'the run has no step in progress');
    return record;
  }

  private bindings(frame: RunFrame, extra: CelBindings = {}): CelBindings {
    return { inputs: frame.inputs, answers: frame.answers, checks: frame.checks, customer: this.state.customer, ...extra };
  }

  // ---- entering wizards and steps ------------------------------------------------

  /** Opens a wizard frame; the top wizard always asks its inputs, a linked one only when the mapping leaves a required one open. */
  openFrame(
    definition: WizardDefinition,
    linkStepId: string | null,
    prefix: PathPrefix,
    mapped: Record<string, Json>,
    now: string,
    isTop: boolean,
  ): void {
    const frame: RunFrame = {
      wizard: pinOf(definition),
      linkStepId,
      prefix,
      inputs: {},
      answers: {},
      checks: {},
      cursor: { at: 'inputs' },
    };
    this.state.frames.push(frame);
    const prefilled = this.prefill(definition.inputs, mapped);
    const missingRequired = definition.inputs.some(
      (field) => field.required && (prefilled[field.id] === null || prefilled[field.id] === undefined),
    );
    if (definition.inputs.length === 0 || (!isTop && !missingRequired)) {
      const checked = checkValues(definition.inputs, prefilled);
      if (checked.issues.length > 0) {
        this.abort(
          now,
          `the inputs mapped to "${definition.id}" are invalid: ${checked.issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`,
        );
        return;
      }
      frame.inputs = checked.values;
      this.enter(0, now);
      return;
    }
    frame.inputs = prefilled;
    this.state.steps.push({
      path: `${prefix}$inputs`,
      wizardId: definition.id,
      stepId: '$inputs',
      kind: 'inputs',
      title: `Inputs of ${definition.title}`,
      enteredAt: now,
      completedAt: null,
    });
    this.checkpoint(`${prefix}$inputs`);
  }

  /** Defaults, the run's customer for customer-id fields, then given values. */
  private prefill(fields: readonly InputField[], given: Record<string, Json>): Record<string, Json> {
    const result: Record<string, Json> = {};
    for (const field of fields) {
      const fallback = field.default ?? (field.type === 'customer-id' ? this.state.customerId : null);
      result[field.id] = given[field.id] ?? fallback;
    }
    return result;
  }

  private checkpoint(path: string): void {
    if (this.state.actionsLockedAt !== null) return;
    const { checkpoints: _checkpoints, edits: _edits, ...snapshot } = this.state;
    this.state.checkpoints.push({ path, snapshot: toPlainJson(snapshot) });
  }

  private enter(index: number, now: string): void {
    const frame = this.frame;
    const definition = this.definitionOf(frame);
    const step = definition.steps[index];
    if (!step) {
      this.abort(now, `wizard "${definition.id}" ran past its last step`);
      return;
    }
    const path = `${frame.prefix}${step.id}`;
    const visits = (this.state.visits[path] ?? 0) + 1;
    this.state.visits[path] = visits;
    if (visits > MAX_VISITS_PER_STEP) {
      this.abort(now, `stopped: step "${path}" was reached ${visits} times (a loop that does not end)`);
      return;
    }
    if (this.state.steps.length >= MAX_STEPS_PER_RUN) {
      this.abort(now, `stopped: the run reached ${MAX_STEPS_PER_RUN} steps`);
      return;
    }
    const record: StepRecord = {
      path,
      wizardId: definition.id,
      stepId: step.id,
      kind: step.kind,
      title: step.title,
      enteredAt: now,
      completedAt: null,
    };
    this.state.steps.push(record);
    const bindings = this.bindings(frame);
    const setPhase = (phase: StepPhase) => {
      frame.cursor = { at: 'step', stepId: step.id, phase };
    };
    const renderParams = (params: Record<string, Json>): Record<string, Json> | null => {
      const rendered = renderValue(params, bindings);
      if (!rendered.ok || !isRecord(rendered.value)) {
        this.abort(
          now,
          `step "${path}": its parameters could not be filled in: ${rendered.ok ? 'not an object' : rendered.error}`,
        );
        return null;
      }
      record.params = rendered.value;
      return rendered.value;
    };

    switch (step.kind) {
      case 'input':
        setPhase({ name: 'input' });
        this.checkpoint(path);
        return;
      case 'check': {
        const params = renderParams(step.params ?? {});
        if (params) setPhase({ name: 'check', params, lastError: null });
        return;
      }
      case 'decision':
        this.decide(step, bindings, record, now);
        return;
      case 'guidance': {
        const text = renderText(step.text, bindings);
        record.text = text;
        setPhase({ name: 'guidance', text });
        return;
      }
      case 'action': {
        const params = renderParams(step.params);
        if (!params) return;
        // The one place an action need is chosen: a practice run can only ever simulate.
        setPhase(this.state.practice ? { name: 'simulated-action', params } : { name: 'action-plan', params });
        return;
      }
      case 'approval':
        setPhase({ name: 'approval', reason: renderText(step.reason, bindings) });
        return;
      case 'verify': {
        const params = renderParams(step.params ?? {});
        if (!params) return;
        const deadline = new Date(Date.parse(now) + durationToMs(step.timeout)).toISOString();
        setPhase({ name: 'verify', params, attempts: 0, startedAt: now, deadline, dueAt: now, lastResult: null });
        return;
      }
      case 'link':
        setPhase({ name: 'link-load' });
        this.openLink(step, now);
        return;
      case 'escalate':
        setPhase({ name: 'escalate', summary: renderText(step.summary, bindings) });
        return;
      case 'record': {
        const followUps = step.followUps.map((text) => renderText(text, bindings));
        record.outcome = step.outcome;
        record.completedAt = now;
        record.next = null;
        this.state.followUps.push(...followUps.filter((text) => !this.state.followUps.includes(text)));
        this.finishFrame(
          { outcome: step.outcome, rootCause: step.rootCause ?? null, finishedAt: now, reason: step.title },
          followUps,
          now,
        );
        return;
      }
    }
  }

  private decide(step: Extract<Step, { kind: 'decision' }>, bindings: CelBindings, record: StepRecord, now: string): void {
    const evaluated: BranchRecord['evaluated'] = [];
    let taken: { goto: string; label: string | null; when: string | null } | null = null;
    for (const branch of step.branches) {
      const result = evaluate(branch.when, bindings);
      if (!result.ok) evaluated.push({ when: branch.when, value: 'error', detail: result.error });
      else if (typeof result.value !== 'boolean')
        evaluated.push({ when: branch.when, value: 'error', detail: `is ${JSON.stringify(result.value)}, not true or false` });
      else evaluated.push({ when: branch.when, value: result.value ? 'true' : 'false', detail: null });
      if (result.ok && result.value === true) {
        taken = { goto: branch.goto, label: branch.label ?? null, when: branch.when };
        break;
      }
    }
    let reason: string;
    if (taken) {
      reason = `took '${taken.goto}' because ${taken.when}${taken.label ? ` (${taken.label})` : ''}`;
    } else {
      const why = evaluated
        .map((entry) =>
          entry.value === 'error' ? `${entry.when} could not be evaluated (${entry.detail})` : `${entry.when} is false`,
        )
        .join('; ');
      taken = { goto: step.otherwise, label: null, when: null };
      reason = `took '${step.otherwise}' (otherwise) because no branch held: ${why}`;
    }
    record.branch = { taken: taken.goto, label: taken.label, when: taken.when, reason, evaluated };
    this.complete(record, now, taken.goto);
  }

  private openLink(step: Extract<Step, { kind: 'link' }>, now: string): void {
    const frame = this.frame;
    const pinned = this.definitions.get(step.wizard);
    const candidates = this.library.filter((definition) => definition.id === step.wizard).sort((a, b) => b.version - a.version);
    const child = pinned ?? candidates[0];
    if (!child) return; // stays in link-load: the host is asked for the wizard
    if (!pinned) {
      this.definitions.set(child.id, child);
      this.state.pins.push(pinOf(child));
    }
    const mapped = renderValue(step.inputs, this.bindings(frame));
    if (!mapped.ok || !isRecord(mapped.value)) {
      this.abort(
        now,
        `step "${frame.prefix}${step.id}": the inputs for "${step.wizard}" could not be filled in: ${mapped.ok ? 'not an object' : mapped.error}`,
      );
      return;
    }
    const record = this.currentRecord();
    record.params = mapped.value;
    this.openFrame(child, step.id, `${frame.prefix}${step.id}/`, mapped.value, now, false);
  }

  /** Completes the current step and moves on to `target` (a step id in the current frame). */
  private complete(record: StepRecord, now: string, target: string | null): void {
    record.completedAt = now;
    record.next = target;
    if (target === null) return;
    const frame = this.frame;
    const definition = this.definitionOf(frame);
    const index = definition.steps.findIndex((step) => step.id === target);
    if (index < 0) {
      this.abort(
        now,
        `step "${record.path}" leads to "${target}", which does not exist in "${definition.id}" version ${definition.version}`,
      );
      return;
    }
    this.enter(index, now);
  }

  /** The step after `step` when it simply goes on (its `next`, else the following step). */
  private following(step: Step): string | null {
    const definition = this.definitionOf(this.frame);
    const index = definition.steps.indexOf(step);
    const edge = stepEdges(definition.steps, index).targets.find((candidate) => candidate.via === 'next');
    return edge?.target ?? null;
  }

  private storeResult(frame: RunFrame, step: Step, result: Json): void {
    frame.checks[step.id] = result;
    if ('save' in step && step.save) frame.checks[step.save] = result;
  }

  /** Ends the innermost wizard; a linked one hands its outcome back to its link step. */
  private finishFrame(finish: RunFinish, followUps: string[], now: string): void {
    const frame = this.state.frames.pop();
    const parent = this.state.frames[this.state.frames.length - 1];
    if (!frame || !parent || frame.linkStepId === null) {
      this.state.frames = [];
      this.state.status = 'finished';
      this.state.finish = finish;
      this.state.checkpoints = [];
      return;
    }
    const path = this.state.steps
      .filter((record) => record.path.startsWith(frame.prefix) && record.kind !== 'inputs')
      .map((record) => record.path.slice(frame.prefix.length));
    const result: Json = { outcome: finish.outcome, rootCause: finish.rootCause, followUps, path };
    const { step } = this.stepOf(parent, frame.linkStepId);
    this.storeResult(parent, step, result);
    const record = [...this.state.steps]
      .reverse()
      .find((candidate) => candidate.path === `${parent.prefix}${step.id}` && candidate.completedAt === null);
    if (!record) throw new Refusal('unsupported-state', `link step "${parent.prefix}${step.id}" has no record in progress`);
    record.result = result;
    record.outcome = finish.outcome;
    this.complete(record, now, this.following(step));
  }

  /** Ends the whole run early (a failed action with no onFailure, a denied approval, a cancel, a broken step). */
  private abort(now: string, reason: string, outcome: Outcome = 'aborted'): void {
    for (const record of this.state.steps) {
      if (record.completedAt === null) {
        record.completedAt = now;
        record.next = null;
        record.note = reason;
      }
    }
    this.state.frames = [];
    this.state.status = 'finished';
    this.state.finish = { outcome, rootCause: null, finishedAt: now, reason };
    this.state.checkpoints = [];
  }

  /** Invariants checked after every transition, before the state leaves the engine. */
  settle(): void {
    // Second line of defence behind enter(): a practice run must never stand at a real action.
    if (this.state.practice) {
      for (const frame of this.state.frames) {
        const phase = frame.cursor.at === 'step' ? frame.cursor.phase.name : null;
        if (phase === 'action-plan' || phase === 'action-confirm' || phase === 'action-execute') {
          throw new Refusal(
            'practice-violation',
            `practice run ${this.state.runId} stands at a real action (${phase}); a practice run can only simulate actions`,
          );
        }
      }
    }
  }

  // ---- events ------------------------------------------------------------------

  handle(event: RunEvent): void {
    if (this.state.status === 'finished')
      throw new Refusal(
        'run-finished',
        `run ${this.state.runId} has finished (${this.state.finish?.outcome ?? 'done'}); it accepts no more events`,
      );
    const now = event.at;
    this.state.lastEventAt = now;
    if (event.type === 'cancel') {
      this.abort(now, `cancelled by the operator${event.reason ? `: ${event.reason}` : ''}`);
      return;
    }
    if (event.type === 'edit-answer') {
      this.edit(event.path, event.values, now);
      return;
    }
    const frame = this.frame;
    const cursor = frame.cursor;
    if (cursor.at === 'inputs') {
      if (event.type !== 'inputs') throw this.unexpected(event, 'the wizard inputs (an "inputs" event)');
      this.acceptInputs(frame, event.values, now);
      return;
    }
    const { step } = this.stepOf(frame, cursor.stepId);
    const record = this.currentRecord();
    const phase = cursor.phase;
    switch (phase.name) {
      case 'input': {
        if (event.type !== 'answer' || step.kind !== 'input') throw this.unexpected(event, 'answers (an "answer" event)');
        const checked = checkValues(step.fields, { ...this.prefill(step.fields, {}), ...event.values }, event.values);
        if (checked.issues.length > 0) throw new Refusal('invalid-input', describeIssues(checked.issues), checked.issues);
        Object.assign(frame.answers, checked.values);
        record.values = checked.values;
        this.complete(record, now, this.following(step));
        return;
      }
      case 'check': {
        if (step.kind !== 'check') throw new Refusal('unsupported-state', `step "${step.id}" is not a check`);
        if (event.type === 'check-failed') {
          phase.lastError = event.error;
          record.errors = [...(record.errors ?? []), { at: now, message: event.error }];
          return;
        }
        if (event.type !== 'check-result') throw this.unexpected(event, 'a check result');
        this.assertResultShape(step, event.result);
        record.result = event.result;
        record.isSimulated = this.state.practice;
        this.storeResult(frame, step, event.result);
        this.complete(record, now, this.following(step));
        return;
      }
      case 'guidance': {
        if (event.type !== 'continue' || step.kind !== 'guidance')
          throw this.unexpected(event, 'the operator to continue (a "continue" event)');
        if (step.confirm && event.confirmed !== true)
          throw new Refusal('confirmation-required', `step "${step.id}" needs the operator to confirm: "${step.confirm}"`);
        this.complete(record, now, this.following(step));
        return;
      }
      case 'simulated-action':
      case 'action-plan':
      case 'action-confirm':
      case 'action-execute':
        this.handleAction(frame, step, record, phase, event, now);
        return;
      case 'approval': {
        if (step.kind !== 'approval') throw new Refusal('unsupported-state', `step "${step.id}" is not an approval`);
        if (event.type === 'approval-granted') {
          record.approval = { granted: true, by: event.by, note: event.note ?? null };
          this.complete(record, now, this.following(step));
          return;
        }
        if (event.type !== 'approval-denied') throw this.unexpected(event, `an approval from ${step.who}`);
        record.approval = { granted: false, by: event.by, note: event.note ?? null };
        if (step.onDenied) this.complete(record, now, step.onDenied);
        else this.abort(now, `approval denied by ${event.by}${event.note ? `: ${event.note}` : ''}`);
        return;
      }
      case 'verify':
        this.handleVerify(frame, step, record, phase, event, now);
        return;
      case 'link-load': {
        if (event.type !== 'continue' || step.kind !== 'link')
          throw this.unexpected(event, `wizard "${step.kind === 'link' ? step.wizard : '?'}" (then a "continue" event)`);
        this.openLink(step, now);
        return;
      }
      case 'escalate': {
        if (event.type !== 'escalated' || step.kind !== 'escalate')
          throw this.unexpected(event, 'the escalation to be filed (an "escalated" event)');
        const escalation = { team: step.team, summary: phase.summary, reference: event.reference ?? null };
        record.escalation = escalation;
        this.state.escalations.push({ ...escalation, at: now });
        if (step.next) {
          this.complete(record, now, step.next);
          return;
        }
        record.completedAt = now;
        record.next = null;
        this.finishFrame(
          { outcome: 'escalated', rootCause: null, finishedAt: now, reason: `escalated to ${step.team}` },
          [],
          now,
        );
        return;
      }
    }
  }

  private handleAction(frame: RunFrame, step: Step, record: StepRecord, phase: StepPhase, event: RunEvent, now: string): void {
    if (step.kind !== 'action') throw new Refusal('unsupported-state', `step "${step.id}" is not an action`);
    const isRealActionEvent = event.type === 'action-planned' || event.type === 'action-confirmed';
    if (this.state.practice && isRealActionEvent) {
      throw new Refusal(
        'practice-violation',
        `run ${this.state.runId} is a practice run: actions are simulated and can never be planned or executed for real`,
      );
    }
    if (event.type === 'action-planned' && (phase.name === 'action-plan' || phase.name === 'action-confirm')) {
      record.plan = event.plan;
      frame.cursor = { at: 'step', stepId: step.id, phase: { name: 'action-confirm', params: phase.params, plan: event.plan } };
      return;
    }
    if (event.type === 'action-confirmed' && phase.name === 'action-confirm') {
      const visit = this.state.visits[record.path] ?? 1;
      const idempotencyKey = `${this.state.runId}:${record.path}:${visit}`;
      record.idempotencyKey = idempotencyKey;
      this.lockAnswers(now);
      frame.cursor = {
        at: 'step',
        stepId: step.id,
        phase: { name: 'action-execute', params: phase.params, plan: phase.plan, idempotencyKey },
      };
      return;
    }
    if (event.type === 'action-result' && (phase.name === 'action-execute' || phase.name === 'simulated-action')) {
      this.lockAnswers(now);
      const result: Json = { ok: event.ok, result: event.result ?? null, error: event.error ?? null };
      record.result = result;
      record.isSimulated = phase.name === 'simulated-action';
      this.storeResult(frame, step, result);
      if (event.ok) this.complete(record, now, this.following(step));
      else if (step.onFailure) this.complete(record, now, step.onFailure);
      else this.abort(now, `action ${step.action} failed${event.error ? `: ${event.error}` : ''}`);
      return;
    }
    const waitingFor: Record<string, string> = {
      'action-plan': 'the dry-run plan (an "action-planned" event)',
      'action-confirm': 'the operator to confirm the plan (an "action-confirmed" event)',
      'action-execute': 'the action result (an "action-result" event)',
      'simulated-action': 'a simulated action result (an "action-result" event)',
    };
    throw this.unexpected(event, waitingFor[phase.name] ?? 'an action event');
  }

  private handleVerify(
    frame: RunFrame,
    step: Step,
    record: StepRecord,
    phase: Extract<StepPhase, { name: 'verify' }>,
    event: RunEvent,
    now: string,
  ): void {
    if (step.kind !== 'verify') throw new Refusal('unsupported-state', `step "${step.id}" is not a verify step`);
    const nowMs = Date.parse(now);
    const deadlineMs = Date.parse(phase.deadline);
    if (event.type === 'timeout') {
      if (nowMs < deadlineMs)
        throw new Refusal('invalid-event', `step "${step.id}" times out at ${phase.deadline}, not at ${now}`);
      this.verifyTimedOut(frame, step, record, phase, now);
      return;
    }
    if (event.type !== 'verify-result' && event.type !== 'verify-failed') throw this.unexpected(event, 'a verify attempt result');
    phase.attempts += 1;
    let held = false;
    let detail: string | null;
    let result: Json = null;
    if (event.type === 'verify-failed') {
      detail = `the attempt failed: ${event.error}`;
    } else {
      this.assertResultShape(step, event.result);
      result = event.result;
      phase.lastResult = result;
      const evaluation = evaluate(step.until, this.bindings(frame, { result }));
      held = evaluation.ok && evaluation.value === true;
      detail = !evaluation.ok
        ? `could not be evaluated: ${evaluation.error}`
        : held
          ? null
          : `${step.until} is ${JSON.stringify(evaluation.value)}`;
    }
    record.attempts = [...(record.attempts ?? []), { at: now, result, held, detail }];
    record.isSimulated = this.state.practice;
    if (held) {
      record.result = result;
      this.storeResult(frame, step, result);
      this.complete(record, now, this.following(step));
      return;
    }
    if (nowMs >= deadlineMs) {
      this.verifyTimedOut(frame, step, record, phase, now);
      return;
    }
    phase.dueAt = new Date(Math.min(nowMs + durationToMs(step.every), deadlineMs)).toISOString();
  }

  private verifyTimedOut(
    frame: RunFrame,
    step: Extract<Step, { kind: 'verify' }>,
    record: StepRecord,
    phase: Extract<StepPhase, { name: 'verify' }>,
    now: string,
  ): void {
    record.result = phase.lastResult;
    record.note = `"${step.until}" did not hold within ${step.timeout} (${phase.attempts} attempt${phase.attempts === 1 ? '' : 's'})`;
    this.storeResult(frame, step, phase.lastResult);
    this.complete(record, now, step.onTimeout);
  }

  private acceptInputs(frame: RunFrame, given: Record<string, Json>, now: string): void {
    const definition = this.definitionOf(frame);
    const checked = checkValues(definition.inputs, { ...frame.inputs, ...given }, given);
    if (checked.issues.length > 0) throw new Refusal('invalid-input', describeIssues(checked.issues), checked.issues);
    frame.inputs = checked.values;
    const record = this.currentRecord();
    record.values = checked.values;
    record.completedAt = now;
    record.next = definition.steps[0]?.id ?? null;
    this.enter(0, now);
  }

  private lockAnswers(now: string): void {
    if (this.state.actionsLockedAt !== null) return;
    this.state.actionsLockedAt = now;
    this.state.checkpoints = [];
  }

  /** Goes back to an answered input step, restores the run as it was there, and answers anew. */
  private edit(path: string, newValues: Record<string, Json>, now: string): void {
    if (this.state.actionsLockedAt !== null) {
      throw new Refusal(
        'edit-refused',
        `answers can no longer be changed: an action was confirmed at ${this.state.actionsLockedAt}. Cancel the run and start a new one instead.`,
      );
    }
    const index = this.state.checkpoints.map((checkpoint) => checkpoint.path).lastIndexOf(path);
    const checkpoint = this.state.checkpoints[index];
    if (!checkpoint) {
      const known = editablePaths(this.state);
      throw new Refusal(
        'invalid-event',
        `"${path}" is not an answered input of this run${known.length ? `; editable: ${known.join(', ')}` : ''}`,
      );
    }
    const previous = [...this.state.steps].reverse().find((record) => record.path === path)?.values ?? {};
    const { checkpoints, edits } = this.state;
    Object.assign(this.state, toPlainJson(checkpoint.snapshot));
    this.state.checkpoints = checkpoints.slice(0, index + 1);
    this.state.edits = [...edits, { at: now, path, previous, values: newValues }];
    this.state.lastEventAt = now;
    // The restored record was entered back then; the new answer is given now.
    const frame = this.frame;
    if (frame.cursor.at === 'inputs') this.acceptInputs(frame, newValues, now);
    else this.handle({ type: 'answer', at: now, values: newValues });
  }

  private assertResultShape(step: Step, result: Json): void {
    if (step.kind !== 'check' && step.kind !== 'verify') return;
    const spec = step.source === 'cache' ? querySpec(step.query) : probeSpec(step.probe);
    if (!spec) return;
    const parsed = spec.result.safeParse(result);
    if (!parsed.success) {
      const name = step.source === 'cache' ? `query "${step.query}"` : `probe "${step.probe}"`;
      const issues = parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'result',
        message: issue.message,
      }));
      throw new Refusal(
        'invalid-result',
        `the result for step "${step.id}" does not match ${name}: ${describeIssues(issues)}`,
        issues,
      );
    }
  }

  private unexpected(event: RunEvent, waitingFor: string): Refusal {
    const where =
      this.frame.cursor.at === 'step' ? `step "${this.frame.prefix}${this.frame.cursor.stepId}"` : 'the wizard inputs';
    return new Refusal('invalid-event', `${where} waits for ${waitingFor}; a "${event.type}" event does not fit`);
  }

  // ---- what the host must do -------------------------------------------------

  need(): Need {
    if (this.state.status === 'finished')
      return { need: 'done', practice: this.state.practice, summary: summarizeRun(this.state) };
    const frame = this.frame;
    const definition = this.definitionOf(frame);
    const practice = this.state.practice;
    if (frame.cursor.at === 'inputs') {
      return {
        need: 'input',
        practice,
        wizardId: definition.id,
        stepId: null,
        path: `${frame.prefix}$inputs`,
        title: `Inputs of ${definition.title}`,
        fields: definition.inputs,
        values: frame.inputs,
      };
    }
    const { step } = this.stepOf(frame, frame.cursor.stepId);
    const base: NeedBase = {
      practice,
      wizardId: definition.id,
      stepId: step.id,
      path: `${frame.prefix}${step.id}`,
      title: step.title,
    };
    const phase = frame.cursor.phase;
    const requestOf = (params: Record<string, Json>): DiagnosticRequest =>
      step.kind === 'check' || step.kind === 'verify'
        ? step.source === 'cache'
          ? { source: 'cache', query: step.query, params }
          : { source: 'probe', probe: step.probe, params }
        : { source: 'cache', query: 'customer', params };
    const actionName = step.kind === 'action' ? step.action : '';
    switch (phase.name) {
      case 'input': {
        if (step.kind !== 'input') throw new Refusal('unsupported-state', `step "${step.id}" is not an input step`);
        // Questions may quote evidence ("did it start after ${version}?"): fill them in for the operator.
        const bindings = this.bindings(frame);
        const fields = step.fields.map((field) => ({
          ...field,
          label: renderText(field.label, bindings),
          ...(field.help ? { help: renderText(field.help, bindings) } : {}),
        }));
        return { ...base, need: 'input', fields, values: this.prefill(step.fields, {}) };
      }
      case 'check':
        return { ...base, need: 'check', request: requestOf(phase.params), isSimulated: practice, lastError: phase.lastError };
      case 'guidance':
        return { ...base, need: 'guidance', text: phase.text, confirm: step.kind === 'guidance' ? (step.confirm ?? null) : null };
      case 'simulated-action':
        return { ...base, need: 'simulated-action', action: actionName, params: phase.params };
      case 'action-plan':
        return { ...base, need: 'action-plan', action: actionName, params: phase.params };
      case 'action-confirm':
        return { ...base, need: 'action-confirm', action: actionName, params: phase.params, plan: phase.plan };
      case 'action-execute':
        return {
          ...base,
          need: 'action-execute',
          action: actionName,
          params: phase.params,
          plan: phase.plan,
          idempotencyKey: phase.idempotencyKey,
        };
      case 'approval':
        return { ...base, need: 'approval', reason: phase.reason, who: step.kind === 'approval' ? step.who : '' };
      case 'verify': {
        const after = Math.max(0, Date.parse(phase.dueAt) - Date.parse(this.state.lastEventAt));
        return {
          ...base,
          need: 'verify-attempt',
          request: requestOf(phase.params),
          isSimulated: practice,
          attempt: phase.attempts + 1,
          after,
          dueAt: phase.dueAt,
          deadline: phase.deadline,
          until: step.kind === 'verify' ? step.until : '',
        };
      }
      case 'link-load':
        return { ...base, need: 'wizard', linkedWizardId: step.kind === 'link' ? step.wizard : '' };
      case 'escalate':
        return { ...base, need: 'escalate', team: step.kind === 'escalate' ? step.team : '', summary: phase.summary };
    }
  }
}

function isRecord(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks values against fields: required, types, bounds; unknown names are refused. */
function checkValues(
  fields: readonly InputField[],
  merged: Record<string, Json>,
  given: Record<string, Json> = {},
): { values: Record<string, Json>; issues: { field: string; message: string }[] } {
  const issues: { field: string; message: string }[] = [];
  const known = new Set(fields.map((field) => field.id));
  for (const name of Object.keys(given))
    if (!known.has(name)) issues.push({ field: name, message: 'is not a field of this step' });
  const result: Record<string, Json> = {};
  for (const field of fields) {
    const value = merged[field.id];
    const isEmpty = value === undefined || value === null || value === '';
    if (isEmpty) {
      if (field.required) issues.push({ field: field.id, message: 'is required' });
      result[field.id] = null;
      continue;
    }
    const problem = fieldValueProblem(field, value);
    if (problem) issues.push({ field: field.id, message: problem });
    result[field.id] = value;
  }
  return { values: result, issues };
}

function describeIssues(issues: readonly { field: string; message: string }[]): string {
  return issues.map((issue) => `${issue.field} ${issue.message}`).join('; ');
}

/** The fields of a step's request, for hosts that show parameters next to results. */
export function describeDiagnostic(request: DiagnosticRequest): string {
  const params = Object.entries(request.params)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(', ');
  return `${request.source === 'cache' ? request.query : request.probe}(${params})`;
}

/** The risk the catalog gives an action; the server's registry is the authority. */
export function actionRisk(action: string): 'low' | 'medium' | 'high' | null {
  return actionSpec(action)?.risk ?? null;
}

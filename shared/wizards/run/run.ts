import type { PublishedCatalog } from '../../catalog/format';
import { catalogSpecs } from '../../catalog/publish';
import type { CelBindings } from '../cel';
import { querySpec } from '../catalog';
import { loopBody, stepEdges, type GroupCheck, type InputField, type Outcome, type Step, type WizardDefinition } from '../format';
import { checkValues, describeFieldIssues } from '../fields';
import type { Json } from '../../json';
import { editablePaths } from '../run-state';
import type { RunEvent, RunFinish, RunFrame, RunState, StepReason, StepRecord } from '../run-state';
import { reasonFor, startReason, type Arrival } from './reason';
import { enterStep, handleStep } from './steps';
import { definitionHash, MAX_STEPS_PER_RUN, MAX_VISITS_PER_STEP, pinOf, Refusal, toPlainJson } from './support';

/**
 * One transition's working copy of a run, with its definitions resolved: the
 * frames, the step records and the moves between steps. What each step kind
 * does lives in ./steps.ts, what the host is asked for in ./need.ts. Internal
 * to the engine (shared/wizards/engine.ts is the API); its members are not
 * private only because those modules use them.
 */
export class Run {
  readonly state: RunState;
  readonly definitions = new Map<string, WizardDefinition>();

  constructor(
    state: RunState,
    readonly library: readonly WizardDefinition[],
    /** The server's catalog, which probe results are checked against; null: not known (not checked). */
    readonly catalog: PublishedCatalog | null,
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

  get frame(): RunFrame {
    const frame = this.state.frames[this.state.frames.length - 1];
    if (!frame) throw new Refusal('run-finished', `run ${this.state.runId} has finished`);
    return frame;
  }

  definitionOf(frame: RunFrame): WizardDefinition {
    const definition = this.definitions.get(frame.wizard.id);
    if (!definition) throw new Refusal('version-mismatch', `wizard "${frame.wizard.id}" is not pinned by this run`);
    return definition;
  }

  stepOf(frame: RunFrame, stepId: string): { step: Step; index: number } {
    const definition = this.definitionOf(frame);
    const index = definition.steps.findIndex((step) => step.id === stepId);
    const step = definition.steps[index];
    if (!step) throw new Refusal('unsupported-state', `wizard "${definition.id}" has no step "${stepId}"`);
    return { step, index };
  }

  currentRecord(): StepRecord {
    const record = this.state.steps[this.state.steps.length - 1];
    if (!record || record.completedAt !== null) throw new Refusal('unsupported-state', 'the run has no step in progress');
    return record;
  }

  bindings(frame: RunFrame, extra: CelBindings = {}): CelBindings {
    const item = this.currentItem(frame);
    return {
      inputs: frame.inputs,
      answers: frame.answers,
      checks: frame.checks,
      customer: this.state.customer,
      ...(item ? { item: item.item } : {}),
      ...extra,
    };
  }

  /** The item of the loop whose body the frame is in (loops do not nest), or null. */
  currentItem(frame: RunFrame): { loop: string; index: number; count: number; item: Json } | null {
    const entries = Object.entries(frame.loops ?? {});
    const last = entries[entries.length - 1];
    if (!last) return null;
    const [loop, { items, index }] = last;
    const item = items[index];
    return item === undefined ? null : { loop, index, count: items.length, item };
  }

  // ---- entering wizards and steps ------------------------------------------------

  /** Opens a wizard frame; the top wizard always asks its inputs, a linked one only when the mapping leaves a required one open. */
  openFrame(
    definition: WizardDefinition,
    linkStepId: string | null,
    prefix: string,
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
      this.enter(0, now, startReason(definition.title, isTop ? null : this.linkRecordOf(frame)));
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
  prefill(fields: readonly InputField[], given: Record<string, Json>): Record<string, Json> {
    const result: Record<string, Json> = {};
    for (const field of fields) {
      const fallback = field.default ?? (field.type === 'customer-id' ? this.state.customerId : null);
      result[field.id] = given[field.id] ?? fallback;
    }
    return result;
  }

  checkpoint(path: string): void {
    if (this.state.actionsLockedAt !== null) return;
    const { checkpoints: _checkpoints, edits: _edits, ...snapshot } = this.state;
    this.state.checkpoints.push({ path, snapshot: toPlainJson(snapshot) });
  }

  /** The record of the link step that opened `frame` (still in progress while the linked wizard runs). */
  linkRecordOf(frame: RunFrame): StepRecord | null {
    if (frame.linkStepId === null) return null;
    const parent = this.state.frames[this.state.frames.indexOf(frame) - 1];
    if (!parent) return null;
    const path = `${parent.prefix}${frame.linkStepId}`;
    return [...this.state.steps].reverse().find((record) => record.path === path && record.completedAt === null) ?? null;
  }

  /** Enters step `index` of the current frame; `reason` says why it is asked now (#15). */
  enter(index: number, now: string, reason: StepReason): void {
    const frame = this.frame;
    const definition = this.definitionOf(frame);
    const step = definition.steps[index];
    if (!step) {
      this.abort(now, `wizard "${definition.id}" ran past its last step`);
      return;
    }
    const path = `${frame.prefix}${step.id}`;
    // A step outside a loop's body (other than the loop step) ends that loop: `item` is bound only in the body.
    for (const loopId of Object.keys(frame.loops ?? {})) {
      const loopIndex = definition.steps.findIndex((candidate) => candidate.id === loopId);
      if (loopIndex !== index && !loopBody(definition.steps, loopIndex).has(index)) delete frame.loops?.[loopId];
    }
    if (frame.loops && Object.keys(frame.loops).length === 0) delete frame.loops;
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
      reason,
    };
    const iteration = this.currentItem(frame);
    if (iteration && step.kind !== 'loop') record.iteration = iteration;
    this.state.steps.push(record);
    enterStep(this, frame, step, record, now);
  }

  /** Completes the current step and moves on to `target` (a step id in the current frame), by way of `arrival`. */
  complete(record: StepRecord, now: string, target: string | null, arrival: Arrival = { via: 'next' }): void {
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
    this.enter(index, now, reasonFor(arrival, record));
  }

  /** The step after `step` when it simply goes on (its `next`, else the following step). */
  following(step: Step): string | null {
    const definition = this.definitionOf(this.frame);
    const index = definition.steps.indexOf(step);
    const edge = stepEdges(definition.steps, index).targets.find((candidate) => candidate.via === 'next');
    return edge?.target ?? null;
  }

  storeResult(frame: RunFrame, step: Step, result: Json): void {
    frame.checks[step.id] = result;
    if ('save' in step && step.save) frame.checks[step.save] = result;
  }

  /** Ends the innermost wizard; a linked one hands its outcome back to its link step. */
  finishFrame(finish: RunFinish, followUps: string[], now: string): void {
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
  abort(now: string, reason: string, outcome: Outcome = 'aborted'): void {
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
    handleStep(this, frame, step, record, phase, event, now);
  }

  acceptInputs(frame: RunFrame, given: Record<string, Json>, now: string): void {
    const definition = this.definitionOf(frame);
    const checked = checkValues(definition.inputs, { ...frame.inputs, ...given }, given);
    if (checked.issues.length > 0) throw new Refusal('invalid-input', describeFieldIssues(checked.issues), checked.issues);
    frame.inputs = checked.values;
    const record = this.currentRecord();
    record.values = checked.values;
    record.completedAt = now;
    record.next = definition.steps[0]?.id ?? null;
    this.enter(0, now, startReason(definition.title, this.linkRecordOf(frame)));
  }

  lockAnswers(now: string): void {
    if (this.state.actionsLockedAt !== null) return;
    this.state.actionsLockedAt = now;
    this.state.checkpoints = [];
  }

  /** Goes back to an answered input step, restores the run as it was there, and answers anew. */
  edit(path: string, newValues: Record<string, Json>, now: string): void {
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

  /** Refuses a check's result that does not match its query's (or its catalog probe's) declared result. */
  assertResultShape(step: Step | GroupCheck, result: Json): void {
    if ('kind' in step && step.kind !== 'check' && step.kind !== 'verify') return;
    const diagnostic = step as Extract<Step, { kind: 'check' }> | GroupCheck;
    const spec =
      diagnostic.source === 'cache'
        ? querySpec(diagnostic.query)
        : this.catalog
          ? catalogSpecs(this.catalog).probes.get(diagnostic.probe)
          : undefined;
    if (!spec) return;
    const parsed = spec.result.safeParse(result);
    if (!parsed.success) {
      const name = diagnostic.source === 'cache' ? `query "${diagnostic.query}"` : `probe "${diagnostic.probe}"`;
      const issues = parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'result',
        message: issue.message,
      }));
      throw new Refusal(
        'invalid-result',
        `the result for ${'kind' in step ? 'step' : 'check'} "${diagnostic.id}" does not match ${name}: ${describeFieldIssues(issues)}`,
        issues,
      );
    }
  }

  unexpected(event: RunEvent, waitingFor: string): Refusal {
    const where =
      this.frame.cursor.at === 'step' ? `step "${this.frame.prefix}${this.frame.cursor.stepId}"` : 'the wizard inputs';
    return new Refusal('invalid-event', `${where} waits for ${waitingFor}; a "${event.type}" event does not fit`);
  }
}

import { evaluate, renderText, renderValue, type CelBindings } from '../cel';
import { durationToMs, type Step } from '../format';
import { checkValues, describeFieldIssues } from '../fields';
import type { Json } from '../../json';
import type { BranchRecord, RunEvent, RunFrame, StepPhase, StepRecord } from '../run-state';
import type { Run } from './run';
import { reasonFor, weighBranches, type Arrival } from './reason';
import { isRecord, pinOf, Refusal } from './support';

/**
 * What each step kind does when the run enters it and when an event arrives at
 * it. {@link Run} keeps the frames, the records and the moves between steps.
 */

/**
 * Enters a step of any kind: records what it will ask and sets the frame's
 * phase. Called by {@link Run.enter} once the visit is counted and the record
 * is pushed. A new step kind adds its case here and in {@link handleStep}.
 */
export function enterStep(run: Run, frame: RunFrame, step: Step, record: StepRecord, now: string): void {
  const path = record.path;
  const bindings = run.bindings(frame);
  const setPhase = (phase: StepPhase) => {
    frame.cursor = { at: 'step', stepId: step.id, phase };
  };
  const renderParams = (params: Record<string, Json>): Record<string, Json> | null => {
    const rendered = renderValue(params, bindings);
    if (!rendered.ok || !isRecord(rendered.value)) {
      run.abort(now, `step "${path}": its parameters could not be filled in: ${rendered.ok ? 'not an object' : rendered.error}`);
      return null;
    }
    record.params = rendered.value;
    return rendered.value;
  };

  switch (step.kind) {
    case 'input':
      setPhase({ name: 'input' });
      run.checkpoint(path);
      return;
    case 'check': {
      const params = renderParams(step.params ?? {});
      if (params) setPhase({ name: 'check', params, lastError: null });
      return;
    }
    case 'parallel': {
      const params: Record<string, Record<string, Json>> = {};
      for (const check of step.checks) {
        const rendered = renderValue(check.params ?? {}, bindings);
        if (!rendered.ok || !isRecord(rendered.value)) {
          run.abort(
            now,
            `step "${path}", check "${check.id}": its parameters could not be filled in: ${rendered.ok ? 'not an object' : rendered.error}`,
          );
          return;
        }
        params[check.id] = rendered.value;
      }
      record.params = params;
      record.group = step.checks.map((check) => ({
        id: check.id,
        title: check.title,
        source: check.source,
        name: check.source === 'cache' ? check.query : check.probe,
        params: params[check.id] ?? {},
        landed: false,
        result: null,
        error: null,
        at: null,
      }));
      setPhase({ name: 'parallel', params, results: {}, errors: {} });
      return;
    }
    case 'loop':
      enterLoop(run, frame, step, record, bindings, now);
      return;
    case 'decision':
      decide(run, step, bindings, record, now);
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
      setPhase(run.state.practice ? { name: 'simulated-action', params } : { name: 'action-plan', params });
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
      openLink(run, step, now);
      return;
    case 'escalate':
      setPhase({ name: 'escalate', summary: renderText(step.summary, bindings) });
      return;
    case 'record': {
      const followUps = step.followUps.map((text) => renderText(text, bindings));
      record.outcome = step.outcome;
      record.completedAt = now;
      record.next = null;
      run.state.followUps.push(...followUps.filter((text) => !run.state.followUps.includes(text)));
      run.finishFrame(
        { outcome: step.outcome, rootCause: step.rootCause ?? null, finishedAt: now, reason: step.title },
        followUps,
        now,
      );
      return;
    }
  }
}

/** Applies an event to the step the run stands at (the per-kind half of {@link Run.handle}). */
export function handleStep(
  run: Run,
  frame: RunFrame,
  step: Step,
  record: StepRecord,
  phase: StepPhase,
  event: RunEvent,
  now: string,
): void {
  switch (phase.name) {
    case 'input': {
      if (event.type !== 'answer' || step.kind !== 'input') throw run.unexpected(event, 'answers (an "answer" event)');
      const checked = checkValues(step.fields, { ...run.prefill(step.fields, {}), ...event.values }, event.values);
      if (checked.issues.length > 0) throw new Refusal('invalid-input', describeFieldIssues(checked.issues), checked.issues);
      Object.assign(frame.answers, checked.values);
      record.values = checked.values;
      run.complete(record, now, run.following(step));
      return;
    }
    case 'check': {
      if (step.kind !== 'check') throw new Refusal('unsupported-state', `step "${step.id}" is not a check`);
      if (event.type === 'check-failed') {
        phase.lastError = event.error;
        record.errors = [...(record.errors ?? []), { at: now, message: event.error }];
        return;
      }
      if (event.type !== 'check-result') throw run.unexpected(event, 'a check result');
      run.assertResultShape(step, event.result);
      record.result = event.result;
      record.isSimulated = run.state.practice;
      run.storeResult(frame, step, event.result);
      run.complete(record, now, run.following(step));
      return;
    }
    case 'parallel':
      handleParallel(run, frame, step, record, phase, event, now);
      return;
    case 'guidance': {
      if (event.type !== 'continue' || step.kind !== 'guidance')
        throw run.unexpected(event, 'the operator to continue (a "continue" event)');
      if (step.confirm && event.confirmed !== true)
        throw new Refusal('confirmation-required', `step "${step.id}" needs the operator to confirm: "${step.confirm}"`);
      run.complete(record, now, run.following(step));
      return;
    }
    case 'simulated-action':
    case 'action-plan':
    case 'action-confirm':
    case 'action-execute':
      handleAction(run, frame, step, record, phase, event, now);
      return;
    case 'approval': {
      if (step.kind !== 'approval') throw new Refusal('unsupported-state', `step "${step.id}" is not an approval`);
      if (event.type === 'approval-granted') {
        record.approval = { granted: true, by: event.by, note: event.note ?? null };
        run.complete(record, now, run.following(step));
        return;
      }
      if (event.type !== 'approval-denied') throw run.unexpected(event, `an approval from ${step.who}`);
      record.approval = { granted: false, by: event.by, note: event.note ?? null };
      if (step.onDenied) run.complete(record, now, step.onDenied, { via: 'on-denied', by: event.by, note: event.note ?? null });
      else run.abort(now, `approval denied by ${event.by}${event.note ? `: ${event.note}` : ''}`);
      return;
    }
    case 'verify':
      handleVerify(run, frame, step, record, phase, event, now);
      return;
    case 'link-load': {
      if (event.type !== 'continue' || step.kind !== 'link')
        throw run.unexpected(event, `wizard "${step.kind === 'link' ? step.wizard : '?'}" (then a "continue" event)`);
      openLink(run, step, now);
      return;
    }
    case 'escalate': {
      if (event.type !== 'escalated' || step.kind !== 'escalate')
        throw run.unexpected(event, 'the escalation to be filed (an "escalated" event)');
      const escalation = { team: step.team, summary: phase.summary, reference: event.reference ?? null };
      record.escalation = escalation;
      run.state.escalations.push({ ...escalation, at: now });
      if (step.next) {
        run.complete(record, now, step.next);
        return;
      }
      record.completedAt = now;
      record.next = null;
      run.finishFrame({ outcome: 'escalated', rootCause: null, finishedAt: now, reason: `escalated to ${step.team}` }, [], now);
      return;
    }
  }
}

/**
 * A result or a failure of one check of a parallel group. The group goes on
 * once every check has a result; when every check has answered and some
 * failed, it goes to `onFailure` if the author gave one, else it waits for the
 * failed checks to be run again (the host stops the run with each reason).
 */
function handleParallel(
  run: Run,
  frame: RunFrame,
  step: Step,
  record: StepRecord,
  phase: Extract<StepPhase, { name: 'parallel' }>,
  event: RunEvent,
  now: string,
): void {
  if (step.kind !== 'parallel') throw new Refusal('unsupported-state', `step "${step.id}" is not a parallel group`);
  if (event.type !== 'group-check-result' && event.type !== 'group-check-failed')
    throw run.unexpected(event, 'the results of its checks ("group-check-result" or "group-check-failed" events)');
  const check = step.checks.find((candidate) => candidate.id === event.check);
  if (!check)
    throw new Refusal(
      'invalid-event',
      `step "${record.path}" has no check "${event.check}"; its checks are ${step.checks.map((candidate) => candidate.id).join(', ')}`,
    );
  if (Object.hasOwn(phase.results, check.id))
    throw new Refusal('invalid-event', `check "${check.id}" of step "${record.path}" already has its result`);
  const entry = record.group?.find((candidate) => candidate.id === check.id);
  if (event.type === 'group-check-failed') {
    phase.errors[check.id] = event.error;
    record.errors = [...(record.errors ?? []), { at: now, message: `${check.title}: ${event.error}` }];
    if (entry) Object.assign(entry, { error: event.error, at: now });
  } else {
    run.assertResultShape(check, event.result);
    phase.results[check.id] = event.result;
    delete phase.errors[check.id];
    frame.checks[check.id] = event.result;
    if (check.save) frame.checks[check.save] = event.result;
    if (entry) Object.assign(entry, { landed: true, result: event.result, error: null, at: now });
  }
  record.isSimulated = run.state.practice;
  const missing = step.checks.filter((candidate) => !Object.hasOwn(phase.results, candidate.id));
  const failed = missing.filter((candidate) => phase.errors[candidate.id] !== undefined);
  if (missing.length > 0 && (failed.length < missing.length || !step.onFailure)) return;
  const summary: Json = {
    ok: missing.length === 0,
    results: Object.fromEntries(step.checks.map((candidate) => [candidate.id, phase.results[candidate.id] ?? null])),
    failed: failed.map((candidate) => ({ check: candidate.id, title: candidate.title, error: phase.errors[candidate.id] ?? '' })),
  };
  record.result = summary;
  run.storeResult(frame, step, summary);
  if (missing.length === 0) {
    run.complete(record, now, run.following(step));
    return;
  }
  const reasons = failed.map((candidate) => `${candidate.title}: ${phase.errors[candidate.id] ?? ''}`).join('; ');
  record.note = `${failed.length} of ${step.checks.length} checks failed: ${reasons}`;
  run.complete(record, now, step.onFailure ?? null, { via: 'on-failure', error: reasons });
}

/**
 * A loop step, entered at its start or coming back from its body: the list is
 * taken once, at the start; each return moves to the next item; after the
 * last it goes on. More items than `max` are never cut: the run goes to
 * `onTooMany`, or ends as escalated saying how many there were.
 */
function enterLoop(
  run: Run,
  frame: RunFrame,
  step: Extract<Step, { kind: 'loop' }>,
  record: StepRecord,
  bindings: CelBindings,
  now: string,
): void {
  const running = frame.loops?.[step.id];
  const summary = (items: Json[], index: number, tooMany: boolean): Json => ({
    items,
    count: items.length,
    index,
    tooMany,
  });
  if (running) {
    const index = running.index + 1;
    const count = running.items.length;
    if (index < count) {
      running.index = index;
      const item = running.items[index] ?? null;
      record.iteration = { loop: step.id, index, count, item };
      run.storeResult(frame, step, summary(running.items, index, false));
      record.result = summary(running.items, index, false);
      run.complete(record, now, step.do, { via: 'loop-item', index, count, item });
      return;
    }
    delete frame.loops?.[step.id];
    if (frame.loops && Object.keys(frame.loops).length === 0) delete frame.loops;
    record.result = summary(running.items, count, false);
    record.note = `handled all ${count} item${count === 1 ? '' : 's'}`;
    run.storeResult(frame, step, record.result);
    run.complete(record, now, run.following(step));
    return;
  }
  const evaluated = evaluate(step.forEach, bindings);
  if (!evaluated.ok || !Array.isArray(evaluated.value)) {
    run.abort(
      now,
      `step "${record.path}": forEach "${step.forEach}" ${evaluated.ok ? `is ${JSON.stringify(evaluated.value)}, not a list` : `could not be evaluated: ${evaluated.error}`}`,
    );
    return;
  }
  const items = evaluated.value;
  if (items.length > step.max) {
    record.result = summary(items, 0, true);
    run.storeResult(frame, step, record.result);
    record.note = `${items.length} items, more than the ${step.max} this loop may handle: none was handled`;
    if (step.onTooMany) {
      run.complete(record, now, step.onTooMany, { via: 'on-too-many', count: items.length, max: step.max });
      return;
    }
    run.abort(
      now,
      `step "${record.path}" found ${items.length} items, more than the ${step.max} it may handle; escalate the case`,
      'escalated',
    );
    return;
  }
  if (items.length === 0) {
    record.result = summary(items, 0, false);
    record.note = 'no items: nothing to do';
    run.storeResult(frame, step, record.result);
    run.complete(record, now, run.following(step));
    return;
  }
  frame.loops = { ...(frame.loops ?? {}), [step.id]: { items, index: 0 } };
  const item = items[0] ?? null;
  record.iteration = { loop: step.id, index: 0, count: items.length, item };
  record.result = summary(items, 0, false);
  run.storeResult(frame, step, record.result);
  run.complete(record, now, step.do, { via: 'loop-item', index: 0, count: items.length, item });
}

function decide(
  run: Run,
  step: Extract<Step, { kind: 'decision' }>,
  bindings: CelBindings,
  record: StepRecord,
  now: string,
): void {
  const { conditions, taken } = weighBranches(step, bindings, run.definitionOf(run.frame));
  const evaluated: BranchRecord['evaluated'] = conditions.map(({ when, value, detail }) => ({ when, value, detail }));
  let reason: string;
  if (taken) {
    reason = `took '${taken.goto}' because ${taken.when}${taken.label ? ` (${taken.label})` : ''}`;
  } else {
    const why = evaluated
      .map((entry) =>
        entry.value === 'error' ? `${entry.when} could not be evaluated (${entry.detail})` : `${entry.when} is false`,
      )
      .join('; ');
    reason = `took '${step.otherwise}' (otherwise) because no branch held: ${why}`;
  }
  const arrival: Arrival = { via: taken ? 'branch' : 'otherwise', conditions };
  const goto = taken ? taken.goto : step.otherwise;
  record.branch = {
    taken: goto,
    label: taken?.label ?? null,
    when: taken?.when ?? null,
    reason,
    evaluated,
    why: reasonFor(arrival, record),
  };
  run.complete(record, now, goto, arrival);
}

function openLink(run: Run, step: Extract<Step, { kind: 'link' }>, now: string): void {
  const frame = run.frame;
  const pinned = run.definitions.get(step.wizard);
  const candidates = run.library.filter((definition) => definition.id === step.wizard).sort((a, b) => b.version - a.version);
  const child = pinned ?? candidates[0];
  if (!child) return; // stays in link-load: the host is asked for the wizard
  if (!pinned) {
    run.definitions.set(child.id, child);
    run.state.pins.push(pinOf(child));
  }
  const mapped = renderValue(step.inputs, run.bindings(frame));
  if (!mapped.ok || !isRecord(mapped.value)) {
    run.abort(
      now,
      `step "${frame.prefix}${step.id}": the inputs for "${step.wizard}" could not be filled in: ${mapped.ok ? 'not an object' : mapped.error}`,
    );
    return;
  }
  const record = run.currentRecord();
  record.params = mapped.value;
  run.openFrame(child, step.id, `${frame.prefix}${step.id}/`, mapped.value, now, false);
}

function handleAction(
  run: Run,
  frame: RunFrame,
  step: Step,
  record: StepRecord,
  phase: StepPhase,
  event: RunEvent,
  now: string,
): void {
  if (step.kind !== 'action') throw new Refusal('unsupported-state', `step "${step.id}" is not an action`);
  const isRealActionEvent = event.type === 'action-planned' || event.type === 'action-confirmed';
  if (run.state.practice && isRealActionEvent) {
    throw new Refusal(
      'practice-violation',
      `run ${run.state.runId} is a practice run: actions are simulated and can never be planned or executed for real`,
    );
  }
  if (event.type === 'action-planned' && (phase.name === 'action-plan' || phase.name === 'action-confirm')) {
    record.plan = event.plan;
    const replanned = event.replanned ?? (phase.name === 'action-confirm' ? phase.replanned : undefined);
    frame.cursor = {
      at: 'step',
      stepId: step.id,
      phase: { name: 'action-confirm', params: phase.params, plan: event.plan, ...(replanned ? { replanned } : {}) },
    };
    return;
  }
  if (event.type === 'action-planned' && phase.name === 'action-execute') {
    // The confirmed plan no longer holds (the server refused it with a new one): the operator confirms again.
    if (!event.replanned)
      throw new Refusal(
        'invalid-event',
        `step "${record.path}" has a confirmed plan; a new plan replaces it only with the reason (replanned), so the operator sees why they confirm again`,
      );
    record.replans = [...(record.replans ?? []), { at: now, reason: event.replanned, previousPlan: phase.plan }];
    record.plan = event.plan;
    delete record.idempotencyKey;
    frame.cursor = {
      at: 'step',
      stepId: step.id,
      phase: { name: 'action-confirm', params: phase.params, plan: event.plan, replanned: event.replanned },
    };
    return;
  }
  if (event.type === 'action-confirmed' && phase.name === 'action-confirm') {
    const visit = run.state.visits[record.path] ?? 1;
    // Each confirmed plan has its own key: the one confirmed before a replan never ran, and its key stays unused.
    const replans = record.replans?.length ?? 0;
    const idempotencyKey = `${run.state.runId}:${record.path}:${visit}${replans > 0 ? `:replan-${replans}` : ''}`;
    record.idempotencyKey = idempotencyKey;
    run.lockAnswers(now);
    frame.cursor = {
      at: 'step',
      stepId: step.id,
      phase: { name: 'action-execute', params: phase.params, plan: phase.plan, idempotencyKey },
    };
    return;
  }
  if (event.type === 'action-result' && (phase.name === 'action-execute' || phase.name === 'simulated-action')) {
    run.lockAnswers(now);
    const result: Json = { ok: event.ok, result: event.result ?? null, error: event.error ?? null };
    record.result = result;
    record.isSimulated = phase.name === 'simulated-action';
    run.storeResult(frame, step, result);
    if (event.ok) run.complete(record, now, run.following(step));
    else if (step.onFailure) run.complete(record, now, step.onFailure, { via: 'on-failure', error: event.error ?? null });
    else run.abort(now, `action ${step.action} failed${event.error ? `: ${event.error}` : ''}`);
    return;
  }
  const waitingFor: Record<string, string> = {
    'action-plan': 'the dry-run plan (an "action-planned" event)',
    'action-confirm': 'the operator to confirm the plan (an "action-confirmed" event)',
    'action-execute': 'the action result (an "action-result" event)',
    'simulated-action': 'a simulated action result (an "action-result" event)',
  };
  throw run.unexpected(event, waitingFor[phase.name] ?? 'an action event');
}

function handleVerify(
  run: Run,
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
    if (nowMs < deadlineMs) throw new Refusal('invalid-event', `step "${step.id}" times out at ${phase.deadline}, not at ${now}`);
    verifyTimedOut(run, frame, step, record, phase, now);
    return;
  }
  if (event.type !== 'verify-result' && event.type !== 'verify-failed') throw run.unexpected(event, 'a verify attempt result');
  phase.attempts += 1;
  let held = false;
  let detail: string | null;
  let result: Json = null;
  if (event.type === 'verify-failed') {
    detail = `the attempt failed: ${event.error}`;
  } else {
    run.assertResultShape(step, event.result);
    result = event.result;
    phase.lastResult = result;
    const evaluation = evaluate(step.until, run.bindings(frame, { result }));
    held = evaluation.ok && evaluation.value === true;
    detail = !evaluation.ok
      ? `could not be evaluated: ${evaluation.error}`
      : held
        ? null
        : `${step.until} is ${JSON.stringify(evaluation.value)}`;
  }
  record.attempts = [...(record.attempts ?? []), { at: now, result, held, detail }];
  record.isSimulated = run.state.practice;
  if (held) {
    record.result = result;
    run.storeResult(frame, step, result);
    run.complete(record, now, run.following(step));
    return;
  }
  if (nowMs >= deadlineMs) {
    verifyTimedOut(run, frame, step, record, phase, now);
    return;
  }
  phase.dueAt = new Date(Math.min(nowMs + durationToMs(step.every), deadlineMs)).toISOString();
}

function verifyTimedOut(
  run: Run,
  frame: RunFrame,
  step: Extract<Step, { kind: 'verify' }>,
  record: StepRecord,
  phase: Extract<StepPhase, { name: 'verify' }>,
  now: string,
): void {
  record.result = phase.lastResult;
  record.note = `"${step.until}" did not hold within ${step.timeout} (${phase.attempts} attempt${phase.attempts === 1 ? '' : 's'})`;
  run.storeResult(frame, step, phase.lastResult);
  run.complete(record, now, step.onTimeout, { via: 'on-timeout', note: record.note });
}

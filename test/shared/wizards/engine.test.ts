import { demoPublishedCatalog } from '../../support/catalog';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  createRun,
  definitionHash,
  editablePaths,
  MAX_VISITS_PER_STEP,
  parseScenario,
  resumeRun,
  runScenario,
  summarizeRun,
  WizardSchema,
  type Json,
  type Need,
  type RunState,
  type WizardDefinition,
} from '../../../shared/wizards/index';
import { readdirSync } from 'node:fs';
import { at, expectOk, expectRefused, fixtureLibrary, fixturesDirectory, fixtureSource, send, wizard } from './support';

const flagFixSource = `id: flag-fix
version: 1
title: Flag turned on by mistake
inputs:
  - id: flagKey
    label: Flag
    type: string
    default: sso.enforce
  - id: target
    label: Customer
    type: customer-id
steps:
  - id: ask
    kind: input
    title: Symptom
    fields:
      - id: scope
        label: "Who is affected at \${customer.name}?"
        type: choice
        options: [everyone, someone]
      - id: since
        label: Hours since it started
        type: number
        min: 0
        required: false
  - id: recent-changes
    kind: check
    title: Changes
    source: cache
    query: changes
    params: { feature: sso, within: 24h }
    save: changes
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true)"
        goto: explain
        label: the flag was turned on
      - when: "answers.scope == 'someone'"
        goto: no-fault
    otherwise: escalate
  - id: explain
    kind: guidance
    title: Explain
    text: "The flag \${inputs.flagKey} was turned on by \${checks.changes.flags[0].actor}."
    confirm: I told the customer
  - id: approve
    kind: approval
    title: Approve
    reason: "Turn \${inputs.flagKey} off for \${customer.name}"
    who: l2
    onDenied: escalate
  - id: revert
    kind: action
    title: Revert
    action: flags.set
    params: { key: "\${inputs.flagKey}", value: false }
    onFailure: escalate
  - id: confirm
    kind: verify
    title: Sign-in works
    source: probe
    probe: sso.login
    until: result.ok
    every: 10s
    timeout: 1m
    onTimeout: escalate
  - id: fixed
    kind: record
    title: Fixed
    outcome: remediated
    rootCause: feature-flag
    followUps: ["Ask who turned \${inputs.flagKey} on"]
  - id: no-fault
    kind: record
    title: No fault
    outcome: no_fault_found
  - id: escalate
    kind: escalate
    title: Escalate
    team: l3-identity
    summary: "Flag \${inputs.flagKey} at \${customer.name}"
`;

const flagFix = wizard(flagFixSource);
const library = [flagFix];
const customer = { id: 'northwind', name: 'Northwind Traders', health: 'degraded' };

function changes(flags: { key: string; newValue: Json; actor?: string }[]): Json {
  const items = flags.map((flag, index) => ({
    id: `01JGX3N5V8Q2M6R4T7W9Y1Z3B${index}`,
    kind: 'flag_change',
    occurredAt: '2026-01-05T07:42:00Z',
    feature: 'sso',
    key: flag.key,
    actor: flag.actor ?? 'ops-bot',
    summary: `${flag.key} → ${JSON.stringify(flag.newValue)}`,
    prevValue: null,
    newValue: flag.newValue,
  }));
  return { count: items.length, items, flags: items, latest: items[0] ?? null };
}

const loginOk = { ok: true, status: 200, error: null, latencyMs: 120 };
const loginFailing = { ok: false, status: 403, error: 'SAML response missing', latencyMs: 200 };

function start(practice = false, definition: WizardDefinition = flagFix, extra: WizardDefinition[] = []) {
  return expectOk(
    createRun(definition, { runId: 'run-1', customerId: 'northwind', startedAt: at(0), practice, customer }, extra),
  );
}

/** Runs flag-fix up to the route decision with the flag turned on, i.e. to the guidance step. */
function toGuidance(practice = false) {
  let run = start(practice);
  run = send(library, run, { type: 'inputs', at: at(1), values: {} });
  run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'everyone' } });
  run = send(library, run, {
    type: 'check-result',
    at: at(3),
    result: changes([{ key: 'sso.enforce', newValue: true, actor: 'jane' }]),
  });
  return run;
}

function toAction(practice = false) {
  let run = toGuidance(practice);
  run = send(library, run, { type: 'continue', at: at(4), confirmed: true });
  run = send(library, run, { type: 'approval-granted', at: at(5), by: 'dana.l2' });
  return run;
}

function needOf<K extends Need['need']>(run: { need: Need }, kind: K): Extract<Need, { need: K }> {
  expect(run.need.need).toBe(kind);
  return run.need as Extract<Need, { need: K }>;
}

describe('createRun and wizard inputs', () => {
  it('asks the wizard inputs first, with defaults and the run customer for customer-id fields', () => {
    const run = start();
    const need = needOf(run, 'input');
    expect(need.stepId).toBeNull();
    expect(need.path).toBe('$inputs');
    expect(need.values).toEqual({ flagKey: 'sso.enforce', target: 'northwind' });
    expect(run.state.wizard).toEqual({ id: 'flag-fix', version: 1, hash: definitionHash(flagFix) });
    expect(run.state.practice).toBe(false);
  });

  it('refuses invalid input values and leaves the state as it was', () => {
    const run = start();
    const before = JSON.stringify(run.state);
    const result = applyEvent(library, run.state, {
      type: 'inputs',
      at: at(1),
      values: { flagKey: '', target: 'not a customer id!', extra: 1 },
    });
    if (result.ok) throw new Error('expected refusal');
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.issues).toEqual([
      { field: 'extra', message: 'is not a field of this step' },
      { field: 'flagKey', message: 'is required' },
      { field: 'target', message: 'must be a customer id' },
    ]);
    expect(JSON.stringify(run.state)).toBe(before);
  });

  it('refuses a start time that is not an ISO time', () => {
    const result = createRun(flagFix, { runId: 'r', customerId: 'c', startedAt: 'yesterday', practice: false });
    expect(result.ok).toBe(false);
  });

  it('refuses malformed events with a clear message', () => {
    const run = start();
    // Cast through unknown: the point is what a buggy host might send.
    const message = expectRefused(
      applyEvent(library, run.state, { type: 'inputs', at: 'now', values: {} } as unknown as Parameters<typeof applyEvent>[2]),
      'invalid-event',
    );
    expect(message).toMatch(/at/);
  });
});

describe('input steps', () => {
  it('asks typed questions with templates filled in, and stores the answers', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    const need = needOf(run, 'input');
    expect(need.stepId).toBe('ask');
    expect(need.fields.map((field) => field.label)).toEqual(['Who is affected at Northwind Traders?', 'Hours since it started']);
    expectRefused(applyEvent(library, run.state, { type: 'answer', at: at(2), values: { scope: 'nobody' } }), 'invalid-input');
    expectRefused(
      applyEvent(library, run.state, { type: 'answer', at: at(2), values: { scope: 'everyone', since: -1 } }),
      'invalid-input',
    );
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'everyone', since: 3 } });
    expect(run.state.frames[0]?.answers).toEqual({ scope: 'everyone', since: 3 });
    expect(run.state.steps.find((record) => record.stepId === 'ask')?.values).toEqual({ scope: 'everyone', since: 3 });
  });

  it('refuses an event that does not fit the current step', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    const message = expectRefused(
      applyEvent(library, run.state, { type: 'check-result', at: at(2), result: {} }),
      'invalid-event',
    );
    expect(message).toBe('step "ask" waits for answers (an "answer" event); a "check-result" event does not fit');
  });
});

describe('check steps', () => {
  it('asks the host for a cache query with its parameters and stores the result under the step id and save name', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    const need = needOf(run, 'check');
    expect(need.request).toEqual({ source: 'cache', query: 'changes', params: { feature: 'sso', within: '24h' } });
    expect(need.isSimulated).toBe(false);
    const result = changes([]);
    run = send(library, run, { type: 'check-result', at: at(3), result });
    expect(run.state.steps.find((record) => record.stepId === 'recent-changes')?.result).toEqual(result);
    expect(summarizeRun(run.state).path).toEqual(['ask', 'recent-changes', 'route', 'no-fault']);
  });

  it('keeps waiting after a failed check and says why', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    run = send(library, run, { type: 'check-failed', at: at(3), error: 'cache not synced yet' });
    const need = needOf(run, 'check');
    expect(need.lastError).toBe('cache not synced yet');
    expect(run.state.steps.at(-1)?.errors).toEqual([{ at: at(3), message: 'cache not synced yet' }]);
  });

  it('refuses a result that does not match the query result schema', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    const message = expectRefused(
      applyEvent(library, run.state, { type: 'check-result', at: at(3), result: { count: 'many' } }),
      'invalid-result',
    );
    expect(message).toMatch(/does not match query "changes": count/);
  });

  it('asks a server probe with templated parameters', () => {
    const definition = wizard(`id: feature-check
version: 1
title: Feature
inputs:
  - id: feature
    label: Feature
    type: string
steps:
  - id: state
    kind: check
    title: State
    source: probe
    probe: feature.state
    params: { feature: "\${inputs.feature}" }
  - id: done
    kind: record
    title: Done
    outcome: no_fault_found
`);
    let run = start(false, definition);
    run = send([definition], run, { type: 'inputs', at: at(1), values: { feature: 'exports' } });
    expect(needOf(run, 'check').request).toEqual({ source: 'probe', probe: 'feature.state', params: { feature: 'exports' } });
  });
});

describe('decision steps', () => {
  it('records the branch taken and the reason in words', () => {
    const run = toGuidance();
    const { why, ...branch } = run.state.steps.find((record) => record.stepId === 'route')?.branch ?? {};
    // The same reason in words is what the step it led to shows (see "why this step" below).
    expect(why).toEqual(run.state.steps.find((record) => record.stepId === 'explain')?.reason);
    expect(branch).toEqual({
      taken: 'explain',
      label: 'the flag was turned on',
      when: 'checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true)',
      reason:
        "took 'explain' because checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true) (the flag was turned on)",
      evaluated: [
        { when: 'checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true)', value: 'true', detail: null },
      ],
    });
  });

  it('takes otherwise when no branch holds and says which were false', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'everyone' } });
    run = send(library, run, { type: 'check-result', at: at(3), result: changes([{ key: 'other.flag', newValue: true }]) });
    const branch = run.state.steps.find((record) => record.stepId === 'route')?.branch;
    expect(branch?.taken).toBe('escalate');
    expect(branch?.reason).toBe(
      "took 'escalate' (otherwise) because no branch held: checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true) is false; answers.scope == 'someone' is false",
    );
  });

  it('treats a condition that fails at run time as not holding, and records the error', () => {
    const definition = wizard(`id: shaky
version: 1
title: Shaky
steps:
  - id: health
    kind: check
    title: Health
    source: probe
    probe: customer.health
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "checks.health.failingFeatures[3] == 'sso'"
        goto: odd
      - when: "dyn(checks.health.errorRate)" # lint refuses a bare number (a type error); dyn() lets it reach the engine
        goto: odd
    otherwise: fine
  - id: odd
    kind: record
    title: Odd
    outcome: escalated
  - id: fine
    kind: record
    title: Fine
    outcome: no_fault_found
`);
    let run = start(false, definition);
    run = send([definition], run, {
      type: 'check-result',
      at: at(1),
      result: { health: 'ok', errorRate: 0.5, failingFeatures: [], version: '5.4.0' },
    });
    const branch = run.state.steps.find((record) => record.stepId === 'route')?.branch;
    expect(branch?.taken).toBe('fine');
    expect(branch?.evaluated.map((entry) => entry.value)).toEqual(['error', 'error']);
    expect(branch?.evaluated[1]?.detail).toBe('is 0.5, not true or false');
    expect(summarizeRun(run.state).outcome).toBe('no_fault_found');
  });
});

describe('guidance steps', () => {
  it('shows text with evidence filled in and needs the confirmation', () => {
    let run = toGuidance();
    const need = needOf(run, 'guidance');
    expect(need.text).toBe('The flag sso.enforce was turned on by jane.');
    expect(need.confirm).toBe('I told the customer');
    expectRefused(applyEvent(library, run.state, { type: 'continue', at: at(4) }), 'confirmation-required');
    run = send(library, run, { type: 'continue', at: at(4), confirmed: true });
    expect(needOf(run, 'approval').reason).toBe('Turn sso.enforce off for Northwind Traders');
  });
});

describe('approval steps', () => {
  it('goes on when granted and records who approved', () => {
    let run = toGuidance();
    run = send(library, run, { type: 'continue', at: at(4), confirmed: true });
    expect(needOf(run, 'approval').who).toBe('l2');
    run = send(library, run, { type: 'approval-granted', at: at(5), by: 'dana.l2', note: 'ok' });
    expect(run.state.steps.find((record) => record.stepId === 'approve')?.approval).toEqual({
      granted: true,
      by: 'dana.l2',
      note: 'ok',
    });
    expect(run.need.need).toBe('action-plan');
  });

  it('goes to onDenied when denied', () => {
    let run = toGuidance();
    run = send(library, run, { type: 'continue', at: at(4), confirmed: true });
    run = send(library, run, { type: 'approval-denied', at: at(5), by: 'dana.l2', note: 'not during the sale' });
    expect(needOf(run, 'escalate').summary).toBe('Flag sso.enforce at Northwind Traders');
  });

  it('ends the run as aborted when denied without onDenied', () => {
    const definition = wizard(`id: strict
version: 1
title: Strict
steps:
  - id: approve
    kind: approval
    title: Approve
    reason: Restart
    who: team-lead
  - id: done
    kind: record
    title: Done
    outcome: remediated
`);
    let run = start(false, definition);
    run = send([definition], run, { type: 'approval-denied', at: at(1), by: 'lead', note: 'no' });
    const done = needOf(run, 'done');
    expect(done.summary.outcome).toBe('aborted');
    expect(done.summary.reason).toBe('approval denied by lead: no');
  });
});

describe('action steps', () => {
  it('asks for a plan, then a confirmation, then execution with an idempotency key', () => {
    let run = toAction();
    expect(needOf(run, 'action-plan')).toMatchObject({ action: 'flags.set', params: { key: 'sso.enforce', value: false } });
    const plan = { customer: 'northwind', changes: [{ key: 'sso.enforce', from: true, to: false }] };
    run = send(library, run, { type: 'action-planned', at: at(6), plan });
    expect(needOf(run, 'action-confirm').plan).toEqual(plan);
    run = send(library, run, { type: 'action-confirmed', at: at(7), by: 'sam.l1' });
    const execute = needOf(run, 'action-execute');
    expect(execute.idempotencyKey).toBe('run-1:revert:1');
    expect(execute.plan).toEqual(plan);
    // After a restart the desk must replay the same key, so the server does not run the action twice.
    const resumed = expectOk(resumeRun(library, JSON.parse(JSON.stringify(run.state))));
    expect(needOf(resumed, 'action-execute').idempotencyKey).toBe('run-1:revert:1');
    run = send(library, run, { type: 'action-result', at: at(8), ok: true, result: { changed: true } });
    expect(run.need.need).toBe('verify-attempt');
    expect(run.state.steps.find((record) => record.stepId === 'revert')).toMatchObject({
      plan,
      idempotencyKey: 'run-1:revert:1',
      result: { ok: true, result: { changed: true }, error: null },
      isSimulated: false,
    });
  });

  it('accepts a fresh plan before confirmation and refuses a result before execution', () => {
    let run = toAction();
    run = send(library, run, { type: 'action-planned', at: at(6), plan: { version: 1 } });
    run = send(library, run, { type: 'action-planned', at: at(7), plan: { version: 2 } });
    expect(needOf(run, 'action-confirm').plan).toEqual({ version: 2 });
    const message = expectRefused(
      applyEvent(library, run.state, { type: 'action-result', at: at(8), ok: true }),
      'invalid-event',
    );
    expect(message).toMatch(/waits for the operator to confirm the plan/);
  });

  it('asks again when the confirmed plan no longer holds: the new plan, why, and a new key (issue 11)', () => {
    let run = toAction();
    const first = { planId: 'plan_1', changes: [{ target: 'flag sso.enforce', from: true, to: false }] };
    run = send(library, run, { type: 'action-planned', at: at(6), plan: first });
    run = send(library, run, { type: 'action-confirmed', at: at(7), by: 'sam.l1' });
    expect(needOf(run, 'action-execute').idempotencyKey).toBe('run-1:revert:1');
    // A new plan without a reason would replace a confirmation silently: refused.
    const silent = expectRefused(
      applyEvent(library, run.state, { type: 'action-planned', at: at(8), plan: { planId: 'plan_2' } }),
      'invalid-event',
    );
    expect(silent).toMatch(/replaces it only with the reason \(replanned\)/);
    const second = { planId: 'plan_2', changes: [] };
    const reason = 'the dry run changed since plan plan_1 was confirmed (flag sso.enforce no longer changes)';
    run = send(library, run, { type: 'action-planned', at: at(8), plan: second, replanned: reason });
    expect(needOf(run, 'action-confirm')).toMatchObject({ plan: second, replanned: reason });
    // It survives a restart, and the old confirmation is gone: the run waits for the operator again.
    const resumed = expectOk(resumeRun(library, JSON.parse(JSON.stringify(run.state))));
    expect(needOf(resumed, 'action-confirm')).toMatchObject({ plan: second, replanned: reason });
    expectRefused(applyEvent(library, run.state, { type: 'action-result', at: at(9), ok: true }), 'invalid-event');
    const record = run.state.steps.find((step) => step.stepId === 'revert');
    expect(record?.replans).toEqual([{ at: at(8), reason, previousPlan: first }]);
    expect(record?.idempotencyKey).toBeUndefined();
    run = send(library, run, { type: 'action-confirmed', at: at(10), by: 'sam.l1' });
    expect(needOf(run, 'action-execute')).toMatchObject({ plan: second, idempotencyKey: 'run-1:revert:1:replan-1' });
    run = send(library, run, { type: 'action-result', at: at(11), ok: true });
    expect(run.state.steps.find((step) => step.stepId === 'revert')).toMatchObject({
      plan: second,
      idempotencyKey: 'run-1:revert:1:replan-1',
      replans: [{ reason }],
    });
  });

  it('goes to onFailure when the action fails', () => {
    let run = toAction();
    run = send(library, run, { type: 'action-planned', at: at(6), plan: {} });
    run = send(library, run, { type: 'action-confirmed', at: at(7) });
    run = send(library, run, { type: 'action-result', at: at(8), ok: false, error: 'rate limit' });
    expect(run.need.need).toBe('escalate');
    expect(run.state.frames[0]?.checks.revert).toEqual({ ok: false, result: null, error: 'rate limit' });
  });

  it('ends the run as aborted when an action without onFailure fails', () => {
    const definition = wizard(`id: restart-only
version: 1
title: Restart
steps:
  - id: restart
    kind: action
    title: Restart
    action: jobs.restart
    params: { jobId: export-main }
  - id: done
    kind: record
    title: Done
    outcome: remediated
`);
    let run = start(false, definition);
    run = send([definition], run, { type: 'action-planned', at: at(1), plan: {} });
    run = send([definition], run, { type: 'action-confirmed', at: at(2) });
    run = send([definition], run, { type: 'action-result', at: at(3), ok: false, error: 'no healthy worker' });
    expect(needOf(run, 'done').summary).toMatchObject({
      outcome: 'aborted',
      reason: 'action jobs.restart failed: no healthy worker',
      actionsExecuted: 1,
    });
  });
});

describe('verify steps', () => {
  function toVerify() {
    let run = toAction();
    run = send(library, run, { type: 'action-planned', at: at(6), plan: {} });
    run = send(library, run, { type: 'action-confirmed', at: at(7) });
    return send(library, run, { type: 'action-result', at: at(8), ok: true });
  }

  it('re-attempts on the interval until the condition holds', () => {
    let run = toVerify();
    let need = needOf(run, 'verify-attempt');
    expect(need).toMatchObject({
      attempt: 1,
      after: 0,
      request: { source: 'probe', probe: 'sso.login', params: {} },
      until: 'result.ok',
      deadline: at(68),
    });
    run = send(library, run, { type: 'verify-result', at: at(8), result: loginFailing });
    need = needOf(run, 'verify-attempt');
    expect(need).toMatchObject({ attempt: 2, after: 10_000, dueAt: at(18) });
    run = send(library, run, { type: 'verify-failed', at: at(18), error: 'probe timed out' });
    expect(needOf(run, 'verify-attempt')).toMatchObject({ attempt: 3, after: 10_000 });
    run = send(library, run, { type: 'verify-result', at: at(28), result: loginOk });
    const done = needOf(run, 'done');
    expect(done.summary).toMatchObject({
      outcome: 'remediated',
      rootCause: 'feature-flag',
      followUps: ['Ask who turned sso.enforce on'],
    });
    const record = run.state.steps.find((step) => step.stepId === 'confirm');
    expect(record?.attempts?.map((attempt) => attempt.held)).toEqual([false, false, true]);
    expect(record?.attempts?.[0]?.detail).toBe('result.ok is false');
    expect(record?.attempts?.[1]?.detail).toBe('the attempt failed: probe timed out');
  });

  it('goes to onTimeout when the condition never holds, with the last wait cut to the deadline', () => {
    let run = toVerify();
    const started = 8;
    for (let attempt = 0; attempt < 6; attempt += 1)
      run = send(library, run, { type: 'verify-result', at: at(started + attempt * 10), result: loginFailing });
    // Attempts at 8, 18 … 58 s; the deadline is 68 s, so the next wait is 10 s exactly; one more at 68 s ends it.
    expect(needOf(run, 'verify-attempt')).toMatchObject({ attempt: 7, after: 10_000, dueAt: at(68) });
    run = send(library, run, { type: 'verify-result', at: at(68), result: loginFailing });
    expect(needOf(run, 'escalate').team).toBe('l3-identity');
    const record = run.state.steps.find((step) => step.stepId === 'confirm');
    expect(record?.note).toBe('"result.ok" did not hold within 1m (7 attempts)');
    expect(record?.next).toBe('escalate');
  });

  it('takes a host-reported timeout only once the deadline has passed', () => {
    let run = toVerify();
    run = send(library, run, { type: 'verify-result', at: at(8), result: loginFailing });
    const message = expectRefused(applyEvent(library, run.state, { type: 'timeout', at: at(30) }), 'invalid-event');
    expect(message).toMatch(/times out at/);
    run = send(library, run, { type: 'timeout', at: at(90) });
    expect(run.need.need).toBe('escalate');
    expect(run.state.frames[0]?.checks.confirm).toEqual(loginFailing);
  });
});

describe('escalate and record steps', () => {
  it('ends the run as escalated, with the escalation on the summary', () => {
    let run = toGuidance();
    run = send(library, run, { type: 'continue', at: at(4), confirmed: true });
    run = send(library, run, { type: 'approval-denied', at: at(5), by: 'dana.l2' });
    run = send(library, run, { type: 'escalated', at: at(6), reference: 'JIRA-77' });
    const summary = needOf(run, 'done').summary;
    expect(summary).toEqual({
      runId: 'run-1',
      customerId: 'northwind',
      wizard: { id: 'flag-fix', version: 1, hash: definitionHash(flagFix) },
      practice: false,
      status: 'finished',
      path: ['ask', 'recent-changes', 'route', 'explain', 'approve', 'escalate'],
      outcome: 'escalated',
      rootCause: null,
      reason: 'escalated to l3-identity',
      followUps: [],
      escalations: [{ team: 'l3-identity', summary: 'Flag sso.enforce at Northwind Traders', reference: 'JIRA-77' }],
      actionsExecuted: 0,
      startedAt: at(0),
      finishedAt: at(6),
      durationMs: 6000,
    });
  });

  it('continues after an escalation that has a next step', () => {
    const definition = wizard(`id: hand-over
version: 1
title: Hand over
steps:
  - id: tell
    kind: escalate
    title: Tell L3
    team: l3
    summary: Please look
    next: note
  - id: note
    kind: record
    title: Recorded
    outcome: escalated
    rootCause: unknown
`);
    let run = start(false, definition);
    run = send([definition], run, { type: 'escalated', at: at(1) });
    expect(needOf(run, 'done').summary).toMatchObject({
      path: ['tell', 'note'],
      outcome: 'escalated',
      rootCause: 'unknown',
      escalations: [{ team: 'l3', summary: 'Please look', reference: null }],
    });
  });

  it('refuses events once the run has finished', () => {
    let run = start();
    run = send(library, run, { type: 'cancel', at: at(1), reason: 'wrong customer' });
    expect(needOf(run, 'done').summary).toMatchObject({
      outcome: 'aborted',
      reason: 'cancelled by the operator: wrong customer',
    });
    expectRefused(applyEvent(library, run.state, { type: 'inputs', at: at(2), values: {} }), 'run-finished');
  });
});

describe('why this step (#15)', () => {
  const reasonOf = (run: { state: RunState }, path: string) =>
    [...run.state.steps].reverse().find((record) => record.path === path)?.reason;

  it('says a step follows its wizard start or the step before it, in words', () => {
    let run = start();
    expect(run.state.steps.map((record) => record.path)).toEqual(['$inputs']);
    expect(run.state.steps[0]?.reason).toBeUndefined();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    expect(reasonOf(run, 'ask')).toEqual({
      via: 'start',
      text: 'It is the first step of “Flag turned on by mistake”.',
      from: null,
      conditions: [],
    });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'everyone' } });
    expect(reasonOf(run, 'recent-changes')).toEqual({
      via: 'next',
      text: 'It comes after your answers to “Symptom”.',
      from: { path: 'ask', title: 'Symptom', kind: 'input' },
      conditions: [],
    });
  });

  it('names the branch label and the values the condition read when a decision chose the step', () => {
    const run = toGuidance();
    expect(reasonOf(run, 'explain')).toEqual({
      via: 'branch',
      text: '“Route” found that the flag was turned on.',
      from: { path: 'route', title: 'Route', kind: 'decision' },
      conditions: [
        {
          when: 'checks.changes.flags.exists(f, f.key == inputs.flagKey && f.newValue == true)',
          label: 'the flag was turned on',
          value: 'true',
          detail: null,
          evidence: [
            {
              name: 'checks.changes.flags',
              label: 'flags from “Changes”',
              shown: '1 item',
              json: expect.stringContaining('"key":"sso.enforce"') as unknown as string,
            },
            { name: 'inputs.flagKey', label: 'the wizard input “Flag”', shown: 'sso.enforce', json: '"sso.enforce"' },
          ],
        },
      ],
    });
  });

  it('lists every case that did not hold, with its evidence, when the fallback was taken', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'everyone' } });
    run = send(library, run, { type: 'check-result', at: at(3), result: changes([{ key: 'other.flag', newValue: true }]) });
    const reason = reasonOf(run, 'escalate');
    expect(reason?.via).toBe('otherwise');
    expect(reason?.text).toBe(
      '“Route” found none of its cases: not the flag was turned on; not case 2. This is its fallback path.',
    );
    expect(
      reason?.conditions.map((condition) => [condition.value, condition.evidence.map((item) => `${item.label}: ${item.shown}`)]),
    ).toEqual([
      ['false', ['flags from “Changes”: 1 item', 'the wizard input “Flag”: sso.enforce']],
      // The question is shown as the operator was asked it, with the customer's name filled in.
      ['false', ['your answer to “Who is affected at Northwind Traders?”: everyone']],
    ]);
  });

  it('says why an exit was taken: a denied approval, a failed action, a verify that timed out', () => {
    const denied = send(library, toGuidance(), { type: 'continue', at: at(4), confirmed: true });
    const afterDenial = send(library, denied, { type: 'approval-denied', at: at(5), by: 'dana.l2', note: 'not during the sale' });
    expect(reasonOf(afterDenial, 'escalate')).toMatchObject({
      via: 'on-denied',
      text: 'dana.l2 denied “Approve” (“not during the sale”).',
      from: { path: 'approve', kind: 'approval' },
    });

    let failed = toAction();
    failed = send(library, failed, { type: 'action-planned', at: at(6), plan: {} });
    failed = send(library, failed, { type: 'action-confirmed', at: at(7) });
    failed = send(library, failed, { type: 'action-result', at: at(8), ok: false, error: 'rate limit' });
    expect(reasonOf(failed, 'escalate')).toMatchObject({
      via: 'on-failure',
      text: 'The action “Revert” failed: rate limit. This is its fallback path.',
    });

    let timedOut = toAction();
    timedOut = send(library, timedOut, { type: 'action-planned', at: at(6), plan: {} });
    timedOut = send(library, timedOut, { type: 'action-confirmed', at: at(7) });
    timedOut = send(library, timedOut, { type: 'action-result', at: at(8), ok: true });
    expect(reasonOf(timedOut, 'confirm')).toMatchObject({ via: 'next', text: 'The action “Revert” ran.' });
    timedOut = send(library, timedOut, { type: 'timeout', at: at(8 + 60) });
    expect(reasonOf(timedOut, 'escalate')).toMatchObject({
      via: 'on-timeout',
      text: '“Sign-in works” did not confirm the fix in time: "result.ok" did not hold within 1m (0 attempts).',
    });
  });
});

describe('link steps', () => {
  const fixtures = fixtureLibrary();
  const exportLagging = fixtures.find((definition) => definition.id === 'export-job-lagging');
  const restartJob = fixtures.find((definition) => definition.id === 'restart-stuck-job');
  if (!exportLagging || !restartJob) throw new Error('fixtures missing');
  const stuck = {
    jobId: 'export-main',
    state: 'stuck',
    lagMinutes: 190,
    lastSuccessAt: null,
    schedule: null,
    workerHealthy: false,
  };

  function toLink(available: WizardDefinition[]) {
    let run = expectOk(
      createRun(
        exportLagging as WizardDefinition,
        { runId: 'run-2', customerId: 'litware', startedAt: at(0), practice: false },
        available,
      ),
    );
    run = send(available, run, { type: 'inputs', at: at(1), values: {} });
    run = send(available, run, { type: 'check-result', at: at(2), result: stuck });
    return send(available, run, { type: 'check-result', at: at(3), result: { count: 0, items: [], flags: [], latest: null } });
  }

  it('says a linked wizard’s first step was opened by its link step (#15)', () => {
    const run = toLink([exportLagging, restartJob]);
    const reason = [...run.state.steps].reverse().find((record) => record.path === 'restart/restart')?.reason;
    expect(reason?.via).toBe('start');
    expect(reason?.from?.path).toBe('restart');
    expect(reason?.text).toMatch(/^It is the first step of the linked wizard “.+”, opened by “.+”\.$/);
  });

  it('runs the linked wizard with mapped inputs and hands its outcome back', () => {
    const available = [exportLagging, restartJob];
    let run = toLink(available);
    const plan = needOf(run, 'action-plan');
    expect(plan).toMatchObject({ wizardId: 'restart-stuck-job', path: 'restart/restart', params: { jobId: 'export-main' } });
    expect(run.state.frames.map((frame) => frame.inputs)).toEqual([
      { jobId: 'export-main' },
      { jobId: 'export-main', reason: 'Lagging 190 minutes' },
    ]);
    expect(run.state.pins.map((pin) => `${pin.id}@${pin.version}`)).toEqual(['export-job-lagging@3', 'restart-stuck-job@1']);
    run = send(available, run, { type: 'action-planned', at: at(4), plan: {} });
    run = send(available, run, { type: 'action-confirmed', at: at(5) });
    expect(needOf(run, 'action-execute').idempotencyKey).toBe('run-2:restart/restart:1');
    run = send(available, run, { type: 'action-result', at: at(6), ok: true });
    run = send(available, run, {
      type: 'verify-result',
      at: at(6),
      result: { ...stuck, state: 'running', lagMinutes: 3, workerHealthy: true },
    });
    const summary = needOf(run, 'done').summary;
    expect(summary.path).toEqual([
      'lag',
      'schedule-changes',
      'diagnose',
      'restart',
      'restart/restart',
      'restart/caught-up',
      'restart/done',
      'after-restart',
      'restarted',
    ]);
    expect(summary.outcome).toBe('remediated');
    expect(run.state.steps.find((record) => record.path === 'restart')?.result).toEqual({
      outcome: 'remediated',
      rootCause: 'job-failure',
      followUps: [],
      path: ['restart', 'caught-up', 'done'],
    });
  });

  it('asks the host for a linked wizard it was not given, then goes on', () => {
    let run = toLink([exportLagging]);
    expect(needOf(run, 'wizard').linkedWizardId).toBe('restart-stuck-job');
    expectRefused(applyEvent([exportLagging], run.state, { type: 'check-result', at: at(4), result: {} }), 'invalid-event');
    run = send([exportLagging, restartJob], run, { type: 'continue', at: at(4) });
    expect(needOf(run, 'action-plan').path).toBe('restart/restart');
  });

  it('asks the operator for a required input the mapping left open', () => {
    const parent = wizard(
      `id: parent
version: 1
title: Parent
steps:
  - id: sub
    kind: link
    title: Sub
    wizard: restart-stuck-job
  - id: done
    kind: record
    title: Done
    outcome: remediated
`,
      ['restart-stuck-job'],
    );
    const available = [parent, restartJob];
    let run = expectOk(
      createRun(parent, { runId: 'run-3', customerId: 'litware', startedAt: at(0), practice: false }, available),
    );
    const need = needOf(run, 'input');
    expect(need).toMatchObject({ path: 'sub/$inputs', stepId: null, wizardId: 'restart-stuck-job' });
    run = send(available, run, { type: 'inputs', at: at(1), values: { jobId: 'sync-crm' } });
    expect(needOf(run, 'action-plan').params).toEqual({ jobId: 'sync-crm' });
  });
});

describe('editing answers', () => {
  it('cannot edit a finished run', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    run = send(library, run, { type: 'check-result', at: at(3), result: changes([]) });
    expect(needOf(run, 'done').summary.outcome).toBe('no_fault_found');
    // A finished run cannot be edited; the same run one step earlier can.
    expectRefused(
      applyEvent(library, run.state, { type: 'edit-answer', at: at(4), path: 'ask', values: { scope: 'everyone' } }),
      'run-finished',
    );
  });

  it('re-asks the checks that came after the edited answer', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: { flagKey: 'sso.enforce' } });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    run = send(library, run, { type: 'check-result', at: at(3), result: changes([{ key: 'sso.enforce', newValue: true }]) });
    expect(run.need.need).toBe('guidance');
    expect(editablePaths(run.state)).toEqual(['$inputs', 'ask']);
    run = send(library, run, { type: 'edit-answer', at: at(10), path: 'ask', values: { scope: 'everyone', since: 2 } });
    expect(needOf(run, 'check').request).toMatchObject({ query: 'changes' });
    expect(run.state.frames[0]?.answers).toEqual({ scope: 'everyone', since: 2 });
    expect(run.state.frames[0]?.checks).toEqual({});
    expect(summarizeRun(run.state).path).toEqual(['ask', 'recent-changes']);
    expect(run.state.edits).toEqual([
      { at: at(10), path: 'ask', previous: { scope: 'someone', since: null }, values: { scope: 'everyone', since: 2 } },
    ]);
    expect(run.state.steps.find((record) => record.stepId === 'ask')?.completedAt).toBe(at(10));
  });

  it('edits the wizard inputs too', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    run = send(library, run, { type: 'edit-answer', at: at(3), path: '$inputs', values: { flagKey: 'sso.strict' } });
    expect(run.state.frames[0]?.inputs).toEqual({ flagKey: 'sso.strict', target: 'northwind' });
    expect(needOf(run, 'input').stepId).toBe('ask');
  });

  it('refuses an invalid edit and leaves the run where it was', () => {
    let run = start();
    run = send(library, run, { type: 'inputs', at: at(1), values: {} });
    run = send(library, run, { type: 'answer', at: at(2), values: { scope: 'someone', since: 1 } });
    const before = JSON.stringify(run.state);
    expectRefused(
      applyEvent(library, run.state, { type: 'edit-answer', at: at(3), path: 'ask', values: { scope: 'everybody' } }),
      'invalid-input',
    );
    expectRefused(applyEvent(library, run.state, { type: 'edit-answer', at: at(3), path: 'route', values: {} }), 'invalid-event');
    expect(JSON.stringify(run.state)).toBe(before);
  });

  it('refuses edits once an action has been confirmed', () => {
    let run = toAction();
    run = send(library, run, { type: 'action-planned', at: at(6), plan: {} });
    expect(editablePaths(run.state)).toEqual(['$inputs', 'ask']);
    run = send(library, run, { type: 'action-confirmed', at: at(7) });
    expect(editablePaths(run.state)).toEqual([]);
    expect(run.state.checkpoints).toEqual([]);
    const message = expectRefused(
      applyEvent(library, run.state, { type: 'edit-answer', at: at(8), path: 'ask', values: { scope: 'someone' } }),
      'edit-refused',
    );
    expect(message).toMatch(/an action was confirmed at 2026-01-05T09:00:07/);
  });

  it('refuses edits after a simulated action in practice too', () => {
    let run = toAction(true);
    run = send(library, run, { type: 'action-result', at: at(6), ok: true });
    expectRefused(
      applyEvent(library, run.state, { type: 'edit-answer', at: at(7), path: 'ask', values: { scope: 'someone' } }),
      'edit-refused',
    );
  });
});

describe('version pinning', () => {
  const version2 = wizard(
    flagFixSource.replace('version: 1', 'version: 2').replace("answers.scope == 'someone'", "answers.scope == 'everyone'"),
  );

  it('refuses to resume when only another version is supplied', () => {
    const run = toGuidance();
    const message = expectRefused(resumeRun([version2], run.state), 'version-mismatch');
    expect(message).toBe(
      'run run-1 is pinned to wizard "flag-fix" version 1; only version 2 was supplied. Supply the pinned version to continue this run.',
    );
    expectRefused(applyEvent([version2], run.state, { type: 'continue', at: at(4), confirmed: true }), 'version-mismatch');
  });

  it('stays on the pinned version when a newer one is in the library', () => {
    let run = start();
    run = send([flagFix, version2], run, { type: 'inputs', at: at(1), values: {} });
    run = send([flagFix, version2], run, { type: 'answer', at: at(2), values: { scope: 'someone' } });
    run = send([flagFix, version2], run, { type: 'check-result', at: at(3), result: changes([]) });
    // Version 1 routes 'someone' to no-fault; version 2 would not.
    expect(needOf(run, 'done').summary).toMatchObject({ outcome: 'no_fault_found', wizard: { version: 1 } });
  });

  it('refuses a definition whose content changed under the same version', () => {
    const run = toGuidance();
    const edited = wizard(flagFixSource.replace('title: Explain', 'title: Explain it'));
    const message = expectRefused(resumeRun([edited], run.state), 'version-mismatch');
    expect(message).toMatch(/was changed after run run-1 started/);
    // With the pinned content also supplied, the run goes on with it.
    expect(expectOk(resumeRun([edited, flagFix], run.state)).need).toMatchObject({ need: 'guidance', title: 'Explain' });
  });

  it('pins a linked wizard when the run first reaches it', () => {
    const fixtures = fixtureLibrary();
    const parent = fixtures.find((definition) => definition.id === 'export-job-lagging');
    const child = fixtures.find((definition) => definition.id === 'restart-stuck-job');
    if (!parent || !child) throw new Error('fixtures missing');
    const childNext = WizardSchema.parse({ ...child, version: 2, title: 'Restart, v2' });
    let run = expectOk(
      createRun(parent, { runId: 'r', customerId: 'litware', startedAt: at(0), practice: false }, [parent, child]),
    );
    run = send([parent, child], run, { type: 'inputs', at: at(1), values: {} });
    run = send([parent, child], run, {
      type: 'check-result',
      at: at(2),
      result: { jobId: 'export-main', state: 'stuck', lagMinutes: 90, lastSuccessAt: null, schedule: null, workerHealthy: false },
    });
    run = send([parent, child], run, {
      type: 'check-result',
      at: at(3),
      result: { count: 0, items: [], flags: [], latest: null },
    });
    expect(run.state.pins).toContainEqual({ id: 'restart-stuck-job', version: 1, hash: definitionHash(child) });
    expectRefused(resumeRun([parent, childNext], run.state), 'version-mismatch');
    expect(expectOk(resumeRun([parent, child, childNext], run.state)).need).toMatchObject({ wizardId: 'restart-stuck-job' });
  });

  it('refuses a state saved in another format', () => {
    const run = start();
    const old = { ...run.state, format: 0 } as unknown as RunState;
    expectRefused(resumeRun(library, old), 'unsupported-state');
    expectRefused(resumeRun(library, { format: 1 } as unknown as RunState), 'unsupported-state');
  });
});

describe('practice mode', () => {
  it('asks for a simulated action, never a real one, and marks every need as practice', () => {
    let run = toAction(true);
    const need = needOf(run, 'simulated-action');
    expect(need).toMatchObject({ practice: true, action: 'flags.set', params: { key: 'sso.enforce', value: false } });
    expectRefused(applyEvent(library, run.state, { type: 'action-planned', at: at(6), plan: {} }), 'practice-violation');
    expectRefused(applyEvent(library, run.state, { type: 'action-confirmed', at: at(6) }), 'practice-violation');
    run = send(library, run, { type: 'action-result', at: at(6), ok: true, result: { simulated: true } });
    expect(needOf(run, 'verify-attempt')).toMatchObject({ practice: true, isSimulated: true });
    expect(run.state.steps.find((record) => record.stepId === 'revert')?.isSimulated).toBe(true);
    run = send(library, run, { type: 'verify-result', at: at(7), result: loginOk });
    expect(needOf(run, 'done').summary.practice).toBe(true);
  });

  it('never stands at a real action in any example scenario run as practice', () => {
    const fixtures = fixtureLibrary();
    const files = readdirSync(fixturesDirectory).filter((file) => file.endsWith('.scenario.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    let simulated = 0;
    for (const file of files) {
      const parsed = parseScenario(fixtureSource(file));
      if (!parsed.scenario) throw new Error(file);
      const result = runScenario({ ...parsed.scenario, practice: true }, fixtures, demoPublishedCatalog());
      expect(result.failures, file).toEqual([]);
      expect(
        result.needs.filter((need) => /^action-(plan|confirm|execute) /.test(need)),
        file,
      ).toEqual([]);
      simulated += result.needs.filter((need) => need.startsWith('simulated-action ')).length;
    }
    expect(simulated).toBeGreaterThanOrEqual(4);
  });

  it('refuses a practice state that was altered to stand at a real action', () => {
    const run = toAction(true);
    const tampered: RunState = JSON.parse(JSON.stringify(run.state));
    const frame = tampered.frames[0];
    if (!frame || frame.cursor.at !== 'step') throw new Error('unexpected');
    frame.cursor.phase = { name: 'action-plan', params: { key: 'sso.enforce', value: false } };
    expectRefused(resumeRun(library, tampered), 'practice-violation');
    expectRefused(applyEvent(library, tampered, { type: 'action-planned', at: at(6), plan: {} }), 'practice-violation');
  });
});

describe('loop guard', () => {
  it('stops a run that keeps coming back to the same step', () => {
    // Built without the validator (which would reject this loop) to prove the engine holds on its own.
    const looping = WizardSchema.parse({
      id: 'loop',
      version: 1,
      title: 'Loop',
      steps: [
        { id: 'poll', kind: 'check', title: 'Poll', source: 'probe', probe: 'sso.login' },
        {
          id: 'again',
          kind: 'decision',
          title: 'Again',
          branches: [{ when: '!checks.poll.ok', goto: 'poll' }],
          otherwise: 'done',
        },
        { id: 'done', kind: 'record', title: 'Done', outcome: 'remediated' },
      ],
    });
    let run = start(false, looping);
    for (let index = 0; index < MAX_VISITS_PER_STEP; index += 1)
      run = expectOk(applyEvent([looping], run.state, { type: 'check-result', at: at(index + 1), result: loginFailing }));
    expect(needOf(run, 'done').summary).toMatchObject({
      outcome: 'aborted',
      reason: `stopped: step "poll" was reached ${MAX_VISITS_PER_STEP + 1} times (a loop that does not end)`,
    });
  });
});

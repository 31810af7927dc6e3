import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../../shared/wizards/engine';
import {
  parseScenario,
  runScenario,
  summarizeRun,
  validateWizard,
  type Need,
  type RunState,
} from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';
import { at, expectOk, startWizard, positionOf, send, wizard } from './support';

/** Retries each failed provisioning step (at most 3), then escalates if any retry failed. */
const loopSource = `id: retry-each
version: 1
title: Retry each failed provisioning step
steps:
  - id: status
    kind: check
    title: Provisioning steps
    source: probe
    probe: provisioning.status
  - id: each-failed
    kind: loop
    title: Retry each failed step
    forEach: "checks.status.steps.filter(s, s.state == 'failed')"
    max: 3
    do: retry
    onTooMany: too-many
    next: done
  - id: retry
    kind: action
    title: "Retry \${item.name}"
    action: provisioning.retry
    params: { step: "\${item.name}" }
    onFailure: hand-over
    next: each-failed
  - id: done
    kind: record
    title: Every failed step retried
    outcome: remediated
    rootCause: provisioning
  - id: too-many
    kind: escalate
    title: Too many failed steps
    team: l2-provisioning
    summary: "\${checks['each-failed'].count} failed steps"
  - id: hand-over
    kind: escalate
    title: A retry failed
    team: l2-provisioning
    summary: "retrying failed"
`;

const stepOf = (name: string, state = 'failed') => ({ name, state, attempts: 1, error: state === 'failed' ? 'boom' : null });
const status = (steps: ReturnType<typeof stepOf>[]) => ({
  complete: false,
  currentStep: null,
  failedStep: steps.find((step) => step.state === 'failed')?.name ?? null,
  error: null,
  attempts: 1,
  steps,
});

const start = (source = loopSource) => startWizard(source);

function needIs<K extends Need['need']>(need: Need, kind: K): Extract<Need, { need: K }> {
  if (need.need !== kind) throw new Error(`expected ${kind}, got ${need.need}`);
  return need as Extract<Need, { need: K }>;
}

/** Plans, confirms and executes the current action with the given outcome, through JSON as the desk does. */
function runAction(
  library: ReturnType<typeof start>['library'],
  current: { state: RunState; need: Need },
  second: number,
  ok = true,
) {
  const plan = needIs(current.need, 'action-plan');
  let run = send(library, current, {
    type: 'action-planned',
    at: at(second),
    plan: { action: plan.action, params: plan.params },
  });
  run = send(library, run, { type: 'action-confirmed', at: at(second + 1) });
  return send(library, run, { type: 'action-result', at: at(second + 2), ok, ...(ok ? {} : { error: 'still running' }) });
}

describe('loop steps: the engine', () => {
  it('runs the body once per item with item in scope, each action with its own key, then goes on', () => {
    const { library, run: started } = start();
    let run = send(library, started, {
      type: 'check-result',
      at: at(1),
      result: status([stepOf('tenant', 'done'), stepOf('dns'), stepOf('data_import')]),
    });
    const first = needIs(run.need, 'action-plan');
    expect(first.params).toEqual({ step: 'dns' });
    run = runAction(library, run, 2);
    const second = needIs(run.need, 'action-plan');
    expect(second.params).toEqual({ step: 'data_import' });
    run = runAction(library, run, 10);
    expect(run.need.need).toBe('done');
    expect(summarizeRun(run.state).path).toEqual([
      'status',
      'each-failed',
      'retry',
      'each-failed',
      'retry',
      'each-failed',
      'done',
    ]);
    const retries = run.state.steps.filter((record) => record.stepId === 'retry');
    expect(retries.map((record) => record.iteration?.index)).toEqual([0, 1]);
    expect(retries.map((record) => record.idempotencyKey)).toEqual(['r1:retry:1', 'r1:retry:2']);
    const loops = run.state.steps.filter((record) => record.stepId === 'each-failed');
    expect(loops.map((record) => record.reason?.via)).toEqual(['next', 'next', 'next']);
    expect(run.state.steps.find((record) => record.stepId === 'retry')?.reason?.text).toBe(
      '“Retry each failed step” goes on with item 1 of 2: dns.',
    );
    expect(loops.at(-1)?.result).toMatchObject({ count: 2, index: 2, tooMany: false });
    expect(loops.at(-1)?.note).toBe('handled all 2 items');
  });

  it('an empty list: nothing to do, the run goes on', () => {
    const { library, run: started } = start();
    const run = send(library, started, { type: 'check-result', at: at(1), result: status([stepOf('dns', 'done')]) });
    expect(summarizeRun(run.state).path).toEqual(['status', 'each-failed', 'done']);
    expect(run.state.steps[1]?.note).toBe('no items: nothing to do');
  });

  it('more items than max go to onTooMany, and none is handled', () => {
    const { library, run: started } = start();
    const run = send(library, started, {
      type: 'check-result',
      at: at(1),
      result: status([stepOf('a'), stepOf('b'), stepOf('c'), stepOf('d')]),
    });
    expect(needIs(run.need, 'escalate').summary).toBe('4 failed steps');
    const loop = run.state.steps[1];
    expect(loop?.note).toBe('4 items, more than the 3 this loop may handle: none was handled');
    expect(run.state.steps.at(-1)?.reason).toMatchObject({
      via: 'on-too-many',
      text: '“Retry each failed step” found 4 items, more than the 3 it may handle, so none was handled.',
    });
  });

  it('more items than max without onTooMany: the run ends as escalated, saying how many', () => {
    const { library, run: started } = start(
      loopSource.replace('    onTooMany: too-many\n', '').replace(/ {2}- id: too-many[\s\S]*?summary: "[^"]*"\n/, ''),
    );
    const run = send(library, started, {
      type: 'check-result',
      at: at(1),
      result: status([stepOf('a'), stepOf('b'), stepOf('c'), stepOf('d')]),
    });
    expect(needIs(run.need, 'done').summary).toMatchObject({
      outcome: 'escalated',
      reason: 'step "each-failed" found 4 items, more than the 3 it may handle; escalate the case',
    });
  });

  it('leaving the body (a failed retry) ends the loop; a restart in the middle resumes at the same item', () => {
    const { library, run: started } = start();
    let run = send(library, started, { type: 'check-result', at: at(1), result: status([stepOf('dns'), stepOf('data_import')]) });
    run = runAction(library, run, 2);
    // The desk restarts at the second item's plan: the run comes back from JSON.
    const stored: RunState = JSON.parse(JSON.stringify(run.state));
    expect(stored.frames[0]?.loops).toEqual({ 'each-failed': { items: [stepOf('dns'), stepOf('data_import')], index: 1 } });
    const plan = needIs(
      expectOk(applyEvent(library, stored, { type: 'action-planned', at: at(6), plan: {} }, demoPublishedCatalog())).need,
      'action-confirm',
    );
    expect(plan.params).toEqual({ step: 'data_import' });
    run = runAction(library, run, 6, false);
    expect(needIs(run.need, 'escalate').summary).toBe('retrying failed');
    expect(run.state.frames[0]?.loops).toBeUndefined();
  });
});

describe('loop steps: lint', () => {
  const context = { catalog: demoPublishedCatalog() };

  it('accepts the loop and types item from the list it goes over', () => {
    expect(validateWizard(loopSource, 'loop.yaml', context)).toEqual([]);
    const source = loopSource.replace('params: { step: "${item.name}" }', 'params: { step: "${item.nam}" }');
    const issues = validateWizard(source, 'loop.yaml', context);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'cel-type', ...positionOf(source, 'nam}', source.indexOf('params:')) });
  });

  it('forEach must be a list, checked at the fault', () => {
    const source = loopSource.replace(`"checks.status.steps.filter(s, s.state == 'failed')"`, '"checks.status.attempts"');
    const issues = validateWizard(source, 'loop.yaml', context);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'cel-type', ...positionOf(source, 'checks.status.attempts') });
    expect(issues[0]?.message).toContain('"forEach" must be a list');
  });

  it('item outside a loop body is an unknown variable', () => {
    const source = loopSource.replace('summary: "retrying failed"', 'summary: "retrying ${item.name} failed"');
    const issues = validateWizard(source, 'loop.yaml', context);
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'cel-unknown-variable',
        ...positionOf(source, 'item.name} failed'),
        message: expect.stringContaining('"item" exists only in the steps of a loop\'s body'),
      }),
    );
  });

  it('max is required and small', () => {
    const issues = validateWizard(loopSource.replace('max: 3', 'max: 50'), 'loop.yaml', context);
    expect(issues.map((issue) => [issue.code, issue.line])).toEqual([['schema', positionOf(loopSource, 'max: 3').line]]);
    expect(validateWizard(loopSource.replace('    max: 3\n', ''), 'loop.yaml', context).map((issue) => issue.code)).toEqual([
      'schema',
    ]);
  });

  it('a body that holds the first step of the wizard is refused (it would run without an item)', () => {
    const source = loopSource.replace('    onFailure: hand-over\n', '    onFailure: status\n');
    expect(validateWizard(source, 'loop.yaml', context)).toContainEqual(
      expect.objectContaining({
        code: 'loop-body',
        stepId: 'status',
        message: expect.stringContaining('is the first step of the wizard'),
      }),
    );
  });

  it('a body entered from outside the loop and a loop going on into its own body are refused', () => {
    const intoBody = loopSource.replace('    probe: provisioning.status\n', '    probe: provisioning.status\n    next: retry\n');
    expect(validateWizard(intoBody, 'loop.yaml', context)).toContainEqual(
      expect.objectContaining({
        code: 'loop-body',
        stepId: 'status',
        message: expect.stringContaining('the body is entered only through the loop'),
      }),
    );
    const nextInBody = loopSource.replace('    next: done\n  - id: retry', '    next: retry\n  - id: retry');
    expect(validateWizard(nextInBody, 'loop.yaml', context)).toContainEqual(
      expect.objectContaining({
        code: 'loop-body',
        stepId: 'each-failed',
        message: expect.stringContaining('after its last item'),
      }),
    );
  });

  it('a cycle that does not go through a loop step (nor a verify exit) is unbounded; the message names the loop step', () => {
    const cycle = `id: poll-again
version: 1
title: Poll again
steps:
  - id: poll
    kind: check
    title: Poll
    source: probe
    probe: sso.login
  - id: again
    kind: decision
    title: Again?
    branches:
      - when: "!checks.poll.ok"
        goto: poll
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;
    const issues = validateWizard(cycle, 'loop.yaml', context);
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'unbounded-cycle',
        message: expect.stringContaining('repeat with a loop step (forEach, max)'),
      }),
    );
  });
});

describe('loop steps: scenarios', () => {
  const play = (body: string) => {
    const parsed = parseScenario(body);
    if (!parsed.scenario) throw new Error(JSON.stringify(parsed.problems));
    return runScenario(parsed.scenario, [wizard(loopSource)], demoPublishedCatalog());
  };
  const header = `scenario: two failed steps
wizard: retry-each
checks:
  status:
    complete: false
    currentStep: null
    failedStep: dns
    error: null
    attempts: 1
    steps:
      - { name: dns, state: failed, attempts: 1, error: boom }
      - { name: data_import, state: failed, attempts: 1, error: boom }
`;

  it('gives per-iteration action outcomes and asserts the items and the loop summary', () => {
    const result = play(`${header}actions:
  retry: [{ ok: true }, { ok: false, error: still running }]
expect:
  path: [status, each-failed, retry, each-failed, retry, hand-over]
  outcome: escalated
  iterations:
    each-failed: [{ name: dns, state: failed, attempts: 1, error: boom }, { name: data_import, state: failed, attempts: 1, error: boom }]
  results:
    each-failed: { count: 2, index: 1, tooMany: false }
  actions:
    retry: { action: provisioning.retry, params: { step: data_import } }
`);
    expect(result.failures).toEqual([]);
  });

  it('a wrong iteration list fails with a diff', () => {
    const result = play(`${header}expect:
  path: [status, each-failed, retry, each-failed, retry, each-failed, done]
  outcome: remediated
  iterations:
    each-failed: [{ name: dns, state: failed, attempts: 1, error: boom }]
`);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toContain('iterations of "each-failed" differ (- expected, + ran)');
    expect(result.failures[0]).toContain('+    "name": "data_import"');
  });
});

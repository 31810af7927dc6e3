import { describe, expect, it } from 'vitest';
import {
  createRun,
  parseScenario,
  runScenario,
  summarizeRun,
  validateWizard,
  type Need,
  type RunState,
} from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';
import { at, expectOk, startWizard, expectRefused, positionOf, send, wizard } from './support';
import { applyEvent } from '../../../shared/wizards/engine';

/** A parallel group of a cache query and two probes, then a decision over all three results. */
const groupSource = `id: onboarding-evidence
version: 1
title: Onboarding evidence
steps:
  - id: evidence
    kind: parallel
    title: Provisioning evidence
    save: group
    checks:
      - id: history
        title: Provisioning events
        source: cache
        query: events
        params: { kinds: [provisioning_step], within: 30d }
      - id: state
        title: Provisioning steps now
        source: probe
        probe: provisioning.status
        save: status
      - id: health
        title: Customer health
        source: probe
        probe: customer.health
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "checks.status.complete && checks.health.health == 'ok' && checks.group.ok"
        goto: fine
        label: provisioning is done and the customer is healthy
    otherwise: hand-over
  - id: fine
    kind: record
    title: Nothing is wrong
    outcome: no_fault_found
  - id: hand-over
    kind: escalate
    title: Hand over
    team: l2-provisioning
    summary: "\${checks.history.count} events; failed: \${checks.evidence.failed.map(f, f.check).join(', ')}"
`;

const withFailureExit = groupSource
  .replace('    save: group\n', '    save: group\n    onFailure: hand-over\n')
  .replace(' && checks.group.ok', '')
  .replace('${checks.history.count} events; ', '');

const status = (complete: boolean) => ({
  complete,
  currentStep: complete ? null : 'dns',
  failedStep: complete ? null : 'dns',
  error: complete ? null : 'TXT record missing',
  attempts: complete ? 0 : 2,
  steps: [],
});
const health = { health: 'ok', errorRate: 0, failingFeatures: [], version: '5.2.0' };
const history = { count: 0, items: [] };

const start = (source = groupSource) => startWizard(source);

function parallelNeed(need: Need): Extract<Need, { need: 'parallel' }> {
  if (need.need !== 'parallel') throw new Error(`expected a parallel need, got ${need.need}`);
  return need;
}

function groupRecord(state: RunState) {
  const record = state.steps.find((candidate) => candidate.stepId === 'evidence');
  if (!record) throw new Error('no record of the group');
  return record;
}

describe('parallel groups: the engine', () => {
  it('asks for every check at once, keeps each result as it lands, and goes on only once all have landed', () => {
    const { library, run: started } = start();
    const need = parallelNeed(started.need);
    expect(need.checks.map((check) => [check.id, check.request])).toEqual([
      ['history', { source: 'cache', query: 'events', params: { kinds: ['provisioning_step'], within: '30d' } }],
      ['state', { source: 'probe', probe: 'provisioning.status', params: {} }],
      ['health', { source: 'probe', probe: 'customer.health', params: {} }],
    ]);
    expect(need.landed).toEqual([]);
    // Results arrive in any order; each one is stored (and persisted) on its own.
    let run = send(library, started, { type: 'group-check-result', at: at(1), check: 'state', result: status(true) });
    expect(parallelNeed(run.need).checks.map((check) => check.id)).toEqual(['history', 'health']);
    expect(parallelNeed(run.need).landed).toEqual(['state']);
    run = send(library, run, { type: 'group-check-result', at: at(2), check: 'health', result: health });
    expect(run.need.need).toBe('parallel');
    run = send(library, run, { type: 'group-check-result', at: at(3), check: 'history', result: history });
    expect(run.need.need).toBe('done');
    expect(summarizeRun(run.state).path).toEqual(['evidence', 'route', 'fine']);
    const record = groupRecord(run.state);
    expect(record.result).toEqual({
      ok: true,
      results: { history, state: status(true), health },
      failed: [],
    });
    expect(record.group?.map((check) => [check.id, check.landed, check.at])).toEqual([
      ['history', true, at(3)],
      ['state', true, at(1)],
      ['health', true, at(2)],
    ]);
    // The decision read the results under their own ids, their save names and the group's save name.
    expect(run.state.steps.find((candidate) => candidate.stepId === 'route')?.branch?.taken).toBe('fine');
  });

  it('refuses a result for a check the group does not have, a second result, and a result of the wrong shape', () => {
    const { library, run } = start();
    expect(
      expectRefused(
        applyEvent(library, run.state, { type: 'group-check-result', at: at(1), check: 'dns', result: {} }),
        'invalid-event',
      ),
    ).toContain('has no check "dns"; its checks are history, state, health');
    const landed = send(library, run, { type: 'group-check-result', at: at(1), check: 'health', result: health });
    expect(
      expectRefused(
        applyEvent(library, landed.state, { type: 'group-check-result', at: at(2), check: 'health', result: health }),
        'invalid-event',
      ),
    ).toContain('already has its result');
    expect(
      expectRefused(
        applyEvent(library, landed.state, { type: 'group-check-result', at: at(2), check: 'history', result: { count: 'none' } }),
        'invalid-result',
      ),
    ).toContain('check "history" does not match query "events"');
    expect(
      expectRefused(applyEvent(library, run.state, { type: 'check-result', at: at(1), result: {} }), 'invalid-event'),
    ).toContain('waits for the results of its checks');
  });

  it('without onFailure, a failed check keeps the group waiting with its reason, and only that check is asked again', () => {
    const { library, run: started } = start();
    let run = send(library, started, {
      type: 'group-check-failed',
      at: at(1),
      check: 'state',
      error: 'probe timed out after 10s',
    });
    run = send(library, run, { type: 'group-check-result', at: at(2), check: 'history', result: history });
    run = send(library, run, { type: 'group-check-result', at: at(3), check: 'health', result: health });
    const need = parallelNeed(run.need);
    expect(need.checks.map((check) => [check.id, check.lastError])).toEqual([['state', 'probe timed out after 10s']]);
    expect(groupRecord(run.state).errors).toEqual([{ at: at(1), message: 'Provisioning steps now: probe timed out after 10s' }]);
    expect(groupRecord(run.state).group?.find((check) => check.id === 'state')).toMatchObject({
      landed: false,
      error: 'probe timed out after 10s',
    });
    // The retry lands: the group goes on, and the failure is no longer the check's state.
    run = send(library, run, { type: 'group-check-result', at: at(4), check: 'state', result: status(false) });
    expect(summarizeRun(run.state).path).toEqual(['evidence', 'route', 'hand-over']);
    expect(groupRecord(run.state).group?.find((check) => check.id === 'state')).toMatchObject({ landed: true, error: null });
  });

  it('with onFailure, goes there once every check has answered, with each failed check and its reason', () => {
    const { library, run: started } = start(withFailureExit);
    let run = send(library, started, { type: 'group-check-failed', at: at(1), check: 'state', error: 'probe timed out' });
    // One failure does not move the group while other checks have not answered.
    expect(run.need.need).toBe('parallel');
    run = send(library, run, { type: 'group-check-failed', at: at(2), check: 'health', error: 'server answered 503' });
    run = send(library, run, { type: 'group-check-result', at: at(3), check: 'history', result: history });
    expect(run.need.need).toBe('escalate');
    if (run.need.need !== 'escalate') throw new Error('not escalating');
    expect(run.need.summary).toBe('failed: state, health');
    const record = groupRecord(run.state);
    expect(record.result).toEqual({
      ok: false,
      results: { history, state: null, health: null },
      failed: [
        { check: 'state', title: 'Provisioning steps now', error: 'probe timed out' },
        { check: 'health', title: 'Customer health', error: 'server answered 503' },
      ],
    });
    expect(record.note).toBe(
      '2 of 3 checks failed: Provisioning steps now: probe timed out; Customer health: server answered 503',
    );
    const arrived = run.state.steps.at(-1);
    expect(arrived?.reason?.via).toBe('on-failure');
    expect(arrived?.reason?.text).toBe(
      'The checks of “Provisioning evidence” failed: Provisioning steps now: probe timed out; Customer health: server answered 503. This is its fallback path.',
    );
  });

  it('resumes from JSON after every result: the restarted run asks only the checks without results', () => {
    const { library, run: started } = start();
    const first = send(library, started, { type: 'group-check-result', at: at(1), check: 'history', result: history });
    // What the desk reads back after a restart.
    const stored: RunState = JSON.parse(JSON.stringify(first.state));
    const resumed = expectOk(
      applyEvent(
        library,
        stored,
        { type: 'group-check-result', at: at(2), check: 'health', result: health },
        demoPublishedCatalog(),
      ),
    );
    const afterRestart = JSON.parse(JSON.stringify(resumed.state)) as RunState;
    const again = expectOk(
      applyEvent(
        library,
        afterRestart,
        { type: 'group-check-result', at: at(3), check: 'state', result: status(true) },
        demoPublishedCatalog(),
      ),
    );
    expect(parallelNeed(resumed.need).checks.map((check) => check.id)).toEqual(['state']);
    expect(again.need.need).toBe('done');
  });

  it('simulates in practice: the need says so', () => {
    const definition = wizard(groupSource);
    const run = expectOk(
      createRun(definition, { runId: 'p', customerId: 'acme', startedAt: at(0), practice: true }, [definition]),
    );
    expect(parallelNeed(run.need).isSimulated).toBe(true);
  });
});

describe('parallel groups: lint', () => {
  const context = { catalog: demoPublishedCatalog() };

  it('accepts the group and type-checks conditions over its checks and its summary', () => {
    expect(validateWizard(groupSource, 'group.yaml', context)).toEqual([]);
  });

  it('refuses a check id that is already a step id, with the file:line:column of the check', () => {
    const source = groupSource
      .replace('      - id: health\n', '      - id: route\n')
      .replace(/checks\.health\.health/g, 'checks.route.health');
    const issues = validateWizard(source, 'group.yaml', context);
    const where = positionOf(source, 'route', source.indexOf('      - id: route'));
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'duplicate-id',
        ...where,
        message: 'check id "route" is already a step id, a check id or a save name',
      }),
    );
  });

  it('checks the query and probe of each check and their parameters', () => {
    const source = groupSource
      .replace('probe: customer.health', 'probe: customer.healthz')
      .replace('within: 30d', 'within: soon');
    const issues = validateWizard(source, 'group.yaml', context);
    expect(issues.map((issue) => [issue.code, issue.line])).toEqual([
      ['invalid-params', positionOf(source, 'within: soon').line],
      ['unknown-probe', positionOf(source, 'customer.healthz').line],
    ]);
  });

  it('type-checks a condition over a check of the group at the fault inside the expression', () => {
    const source = groupSource.replace("checks.health.health == 'ok'", "checks.health.errorRate == 'low'");
    const issues = validateWizard(source, 'group.yaml', context);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'cel-type', ...positionOf(source, 'checks.health.errorRate') });
    expect(issues[0]?.message).toContain('double');
  });

  it('knows the fields of the summary and the check results', () => {
    const source = groupSource
      .replace('checks.group.ok', 'checks.group.passed')
      .replace('checks.status.complete', 'checks.status.done');
    const issues = validateWizard(source, 'group.yaml', context);
    expect(issues.map((issue) => [issue.code, issue.line, issue.column])).toEqual([
      ['cel-unknown-field', ...Object.values(positionOf(source, 'checks.status.done'))],
      ['cel-unknown-field', ...Object.values(positionOf(source, 'checks.group.passed'))],
    ]);
  });

  it('on the onFailure path, the results of the checks are not certain: reading one there is an error', () => {
    const source = withFailureExit.replace('summary: "failed:', 'summary: "${checks.health.health}; failed:');
    const issues = validateWizard(source, 'group.yaml', context);
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'cel-not-available',
        ...positionOf(source, 'checks.health.health', source.indexOf('summary:')),
      }),
    );
  });

  it('templates in the parameters of a check are checked too', () => {
    const source = groupSource.replace('within: 30d', 'within: "${inputs.window}"');
    const issues = validateWizard(source, 'group.yaml', context);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'cel-unknown-variable', ...positionOf(source, 'inputs.window') }),
    );
  });
});

describe('parallel groups: scenarios', () => {
  const definition = () => wizard(withFailureExit);
  const scenario = (body: string) => {
    const parsed = parseScenario(body);
    if (!parsed.scenario) throw new Error(JSON.stringify(parsed.problems));
    return runScenario(parsed.scenario, [definition()], demoPublishedCatalog());
  };

  it('gives each check of the group its result, and asserts the group summary and a check result', () => {
    const result = scenario(`scenario: every check answers
wizard: onboarding-evidence
checks:
  history: { count: 0, items: [] }
  state: { complete: true, currentStep: null, failedStep: null, error: null, attempts: 0, steps: [] }
  health: { health: ok, errorRate: 0, failingFeatures: [], version: "5.2.0" }
expect:
  path: [evidence, route, fine]
  outcome: no_fault_found
  results:
    evidence: { ok: true, failed: [], results: { history: { count: 0, items: [] }, state: { complete: true, currentStep: null, failedStep: null, error: null, attempts: 0, steps: [] }, health: { health: ok, errorRate: 0, failingFeatures: [], version: "5.2.0" } } }
    health: { health: ok, errorRate: 0, failingFeatures: [], version: "5.2.0" }
`);
    expect(result.failures).toEqual([]);
    expect(result.needs.filter((need) => need.startsWith('parallel'))).toHaveLength(3);
  });

  it('fails a check, takes onFailure, and shows a diff when the recorded summary differs', () => {
    const result = scenario(`scenario: the probe fails
wizard: onboarding-evidence
checks:
  history: { count: 0, items: [] }
  health: { health: ok, errorRate: 0, failingFeatures: [], version: "5.2.0" }
failures:
  state: probe timed out
expect:
  path: [evidence, hand-over]
  outcome: escalated
  results:
    evidence: { ok: false, failed: [{ check: state, title: Provisioning steps now, error: server said 503 }] }
`);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toContain('result of "evidence" differs');
    expect(result.failures[0]).toContain('-      "error": "server said 503"');
    expect(result.failures[0]).toContain('+      "error": "probe timed out"');
  });

  it('says which check has no result', () => {
    const result = scenario(`scenario: missing
wizard: onboarding-evidence
checks:
  history: { count: 0, items: [] }
expect:
  path: [evidence]
  outcome: escalated
`);
    expect(result.failures).toEqual(['no result given for check "state" of "evidence" (add checks: { state: … })']);
  });
});

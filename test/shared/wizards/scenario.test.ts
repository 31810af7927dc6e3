import { demoPublishedCatalog } from '../../support/catalog';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, parseWizard, runScenario } from '../../../shared/wizards/index';
import { fixtureLibrary, fixturesDirectory, fixtureSource } from './support';

const library = fixtureLibrary();

function scenarioFrom(file: string) {
  const parsed = parseScenario(fixtureSource(file));
  if (!parsed.scenario) throw new Error(JSON.stringify(parsed.problems));
  return parsed.scenario;
}

describe('scenario runner', () => {
  it('passes every example scenario', () => {
    const files = readdirSync(fixturesDirectory).filter((file) => file.endsWith('.scenario.yaml'));
    for (const file of files) expect(runScenario(scenarioFrom(file), library, demoPublishedCatalog()).failures, file).toEqual([]);
  });

  it('fails with a readable difference when the path or outcome differs', () => {
    const scenario = scenarioFrom('sso-enforce-reverted.scenario.yaml');
    const result = runScenario(
      {
        ...scenario,
        expect: { ...scenario.expect, path: ['recent-changes', 'route'], outcome: 'escalated', rootCause: 'certificate' },
      },
      library,
      demoPublishedCatalog(),
    );
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([
      'path: expected recent-changes → route\n     got      recent-changes → idp-metadata → route → revert-enforce → confirm-login → which-fix → enforcement-reverted',
      'outcome: expected escalated, got remediated (SSO sign-in restored by reverting enforcement)',
      'rootCause: expected certificate, got configuration-change',
    ]);
  });

  it('follows the verify sequence, repeating its last result', () => {
    const scenario = scenarioFrom('sso-enforce-reverted.scenario.yaml');
    const failing = { ok: false, status: 403, error: 'still failing', latencyMs: 100 };
    const result = runScenario(
      { ...scenario, checks: { ...scenario.checks, 'confirm-login': [failing] } },
      library,
      demoPublishedCatalog(),
    );
    expect(result.summary?.path.slice(-2)).toEqual(['confirm-login', 'escalate-identity']);
    // 3 minutes at 10 seconds: the first attempt plus 18 more.
    expect(result.needs.filter((need) => need === 'verify-attempt confirm-login')).toHaveLength(19);
  });

  it('names the missing check result', () => {
    const scenario = scenarioFrom('sso-enforce-reverted.scenario.yaml');
    const { 'idp-metadata': _omitted, ...checks } = scenario.checks;
    expect(runScenario({ ...scenario, checks }, library, demoPublishedCatalog()).failures).toEqual([
      'no result given for check "idp-metadata" (add checks: { idp-metadata: … })',
    ]);
  });

  it('reports a result that does not match the probe', () => {
    const scenario = scenarioFrom('sso-enforce-reverted.scenario.yaml');
    const failures = runScenario(
      { ...scenario, checks: { ...scenario.checks, 'idp-metadata': { configured: 'no' } } },
      library,
      demoPublishedCatalog(),
    ).failures;
    expect(failures[0]).toMatch(
      /^the engine refused: invalid-result: the result for step "idp-metadata" does not match probe "sso.metadata"/,
    );
  });

  it('reports scenario file problems with their line', () => {
    const parsed = parseScenario('scenario: x\nwizard: sso-login-failing\nexpect:\n  path: []\n  outcome: fixed\n');
    expect(parsed.scenario).toBeNull();
    expect(parsed.problems.map((problem) => problem.line)).toEqual([4, 5]);
  });

  describe('assertions on what the run sends and shows (issue 11)', () => {
    const reverted = () => scenarioFrom('sso-enforce-reverted.scenario.yaml');
    const timeout = () => scenarioFrom('sso-verify-timeout.scenario.yaml');

    it('asserts the exact action and params a step would send, with a readable diff when they differ', () => {
      const scenario = reverted();
      const passing = runScenario(
        {
          ...scenario,
          expect: {
            ...scenario.expect,
            actions: { 'revert-enforce': { action: 'flags.set', params: { key: 'sso.enforce', value: false } } },
          },
        },
        library,
        demoPublishedCatalog(),
      );
      expect(passing.failures).toEqual([]);
      const failing = runScenario(
        {
          ...scenario,
          expect: {
            ...scenario.expect,
            actions: { 'revert-enforce': { action: 'flags.set', params: { key: 'sso.enforce', value: true } } },
          },
        },
        library,
        demoPublishedCatalog(),
      );
      expect(failing.passed).toBe(false);
      expect(failing.failures).toEqual([
        [
          'action "revert-enforce": what it would send differs (- expected, + sent):',
          ' {',
          '   "action": "flags.set",',
          '   "params": {',
          '     "key": "sso.enforce",',
          '-    "value": true',
          '+    "value": false',
          '   }',
          ' }',
        ].join('\n'),
      ]);
    });

    it('asserts a subset of the params, comparing only the keys it names, and ignores key order', () => {
      const scenario = reverted();
      const expectActions = (actions: NonNullable<typeof scenario.expect.actions>) =>
        runScenario({ ...scenario, expect: { ...scenario.expect, actions } }, library, demoPublishedCatalog()).failures;
      expect(expectActions({ 'revert-enforce': { paramsInclude: { value: false } } })).toEqual([]);
      expect(expectActions({ 'revert-enforce': { action: 'flags.set', paramsInclude: {} } })).toEqual([]);
      expect(expectActions({ 'revert-enforce': { params: { value: false, key: 'sso.enforce' } } })).toEqual([]);
      expect(expectActions({ 'revert-enforce': { paramsInclude: { value: true } } })).toEqual([
        [
          'action "revert-enforce": what it would send differs (- expected, + sent):',
          ' {',
          '   "paramsInclude": {',
          '-    "value": true',
          '+    "value": false',
          '   }',
          ' }',
        ].join('\n'),
      ]);
      // A key the run does not send is missing on the + side; the action name is compared when given.
      expect(expectActions({ 'revert-enforce': { action: 'flags.unset', paramsInclude: { reason: 'x' } } })).toEqual([
        [
          'action "revert-enforce": what it would send differs (- expected, + sent):',
          ' {',
          '-  "action": "flags.unset",',
          '-  "paramsInclude": {',
          '-    "reason": "x"',
          '-  }',
          '+  "action": "flags.set",',
          '+  "paramsInclude": {}',
          ' }',
        ].join('\n'),
      ]);
      // Exact params still refuse a parameter the scenario does not name.
      expect(expectActions({ 'revert-enforce': { params: { key: 'sso.enforce' } } })[0]).toContain('+    "value": false');
    });

    it('compares nested objects key by key in a subset, lists whole', () => {
      const wizard = parseWizard(
        `id: nested-params
version: 1
title: Nested params
steps:
  - id: set
    kind: action
    title: Set
    action: config.set
    params: { key: exports.options, value: { format: csv, columns: [a, b], limits: { rows: 10, bytes: 20 } } }
  - id: done
    kind: record
    title: Done
    outcome: remediated
`,
        'nested-params.yaml',
        { catalog: demoPublishedCatalog() },
      );
      expect(wizard.issues).toEqual([]);
      if (!wizard.definition) throw new Error('no definition');
      const base = {
        scenario: 'nested',
        wizard: 'nested-params',
        expect: { path: ['set', 'done'], outcome: 'remediated' },
      };
      const failuresWith = (paramsInclude: Record<string, unknown>) => {
        const parsed = parseScenario(
          JSON.stringify({ ...base, expect: { ...base.expect, actions: { set: { paramsInclude } } } }),
        );
        if (!parsed.scenario) throw new Error(JSON.stringify(parsed.problems));
        return runScenario(parsed.scenario, [wizard.definition!], demoPublishedCatalog()).failures;
      };
      expect(failuresWith({ value: { limits: { rows: 10 } } })).toEqual([]);
      expect(failuresWith({ value: { columns: ['a', 'b'] } })).toEqual([]);
      expect(failuresWith({ value: { columns: ['a'] } })).toHaveLength(1);
      expect(failuresWith({ value: { limits: { rows: 11 } } })[0]).toContain('-        "rows": 11\n+        "rows": 10');
    });

    it('fails when an expected action is never sent', () => {
      const scenario = timeout();
      const result = runScenario(
        { ...scenario, expect: { ...scenario.expect, actions: { 'renew-certificate': { params: {} } } } },
        library,
        demoPublishedCatalog(),
      );
      expect(result.failures).toEqual(['action "renew-certificate": expected it to be sent, but the run never planned it']);
    });

    const badKey = (key: string) => `id: bad-key
version: 1
title: Bad key
inputs:
  - id: key
    label: Which flag?
    type: number
steps:
  - id: last
    kind: check
    title: Last change
    source: cache
    query: changes
    params: { within: 24h }
  - id: set
    kind: action
    title: Set
    action: flags.set
    params: { key: "${key}", value: true }
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;

    it('lint refuses a parameter template whose type is known to be wrong', () => {
      const source = badKey('${inputs.key}');
      const issues = parseWizard(source, 'bad-key.yaml', { catalog: demoPublishedCatalog() }).issues;
      expect(issues.map((issue) => [issue.code, issue.stepId, issue.line])).toEqual([['cel-type', 'set', 19]]);
      expect(issues[0]?.message).toBe(
        '"inputs.key" is a number, but parameter "key" of action "flags.set" is a string: the server would refuse it (invalid_params)',
      );
    });

    it('fails a scenario whose plan the server would refuse (the params do not fit the catalog)', () => {
      // The value of a change is any JSON, so lint cannot know; the scenario's data makes it a number.
      const wizard = parseWizard(badKey("${checks.last.latest != null ? checks.last.latest.newValue : 'none'}"), 'bad-key.yaml', {
        catalog: demoPublishedCatalog(),
      });
      expect(wizard.issues).toEqual([]);
      if (!wizard.definition) throw new Error('no definition');
      const parsed = parseScenario(`scenario: sends a number
wizard: bad-key
inputs: { key: 7 }
checks:
  last:
    count: 1
    items: []
    flags: []
    latest: { id: c1, kind: flag_change, occurredAt: '2026-01-05T07:42:00Z', feature: null, key: k, actor: null, summary: s, prevValue: 1, newValue: 2 }
expect: { path: [last, set, done], outcome: remediated }
`);
      if (!parsed.scenario) throw new Error(JSON.stringify(parsed.problems));
      const result = runScenario(parsed.scenario, [wizard.definition], demoPublishedCatalog());
      expect(result.passed).toBe(false);
      expect(result.failures).toEqual([
        'action "set": the server would refuse the plan (400 invalid_params): key: Invalid input: expected string, received number',
      ]);
    });

    it('asserts guidance text and escalation summaries as rendered, and the escalations with their summaries', () => {
      const scenario = timeout();
      const summary = [
        'SSO sign-in fails for Northwind Traders (some users).',
        'Metadata configured: false, certificate expired: false.',
        'SSO changes in the last 24 h: 1.',
        '',
      ].join('\n');
      const passing = runScenario(
        {
          ...scenario,
          expect: {
            ...scenario.expect,
            texts: { 'escalate-identity': summary },
            escalations: [{ team: 'l3-identity', summary }],
          },
        },
        library,
        demoPublishedCatalog(),
      );
      expect(passing.failures).toEqual([]);
      const failing = runScenario(
        { ...scenario, expect: { ...scenario.expect, texts: { 'escalate-identity': summary.replace('1.', '2.') } } },
        library,
        demoPublishedCatalog(),
      );
      expect(failing.failures).toEqual([
        [
          'text of "escalate-identity" differs (- expected, + shown):',
          ' SSO sign-in fails for Northwind Traders (some users).',
          ' Metadata configured: false, certificate expired: false.',
          '-SSO changes in the last 24 h: 2.',
          '+SSO changes in the last 24 h: 1.',
        ].join('\n'),
      ]);
      const never = runScenario(
        { ...scenario, expect: { ...scenario.expect, texts: { 'single-user': 'Ask the user' } } },
        library,
        demoPublishedCatalog(),
      );
      expect(never.failures).toEqual(['text of "single-user": expected it to be shown, but the run never reached it']);
    });

    it('asserts the number of verify polls', () => {
      const scenario = reverted();
      const ok = runScenario(
        { ...scenario, expect: { ...scenario.expect, polls: { 'confirm-login': 2 } } },
        library,
        demoPublishedCatalog(),
      );
      expect(ok.failures).toEqual([]);
      const wrong = runScenario(
        { ...scenario, expect: { ...scenario.expect, polls: { 'confirm-login': 1 } } },
        library,
        demoPublishedCatalog(),
      );
      expect(wrong.failures).toEqual(['polls of "confirm-login": expected 1, got 2']);
    });

    it('reads the new assertions from a scenario file', () => {
      const parsed = parseScenario(`scenario: x
wizard: sso-login-failing
expect:
  path: [a]
  outcome: remediated
  actions: { revert-enforce: { action: flags.set, params: { key: sso.enforce, value: false } } }
  texts: { single-user: "Sign-in works" }
  escalations: [{ team: l3-identity, summary: "…" }]
  polls: { confirm-login: 0 }
`);
      expect(parsed.problems).toEqual([]);
      const broken = parseScenario(
        'scenario: x\nwizard: sso-login-failing\nexpect:\n  path: [a]\n  outcome: remediated\n  polls: { confirm-login: -1 }\n',
      );
      expect(broken.problems.map((problem) => problem.line)).toEqual([6]);
      const both = parseScenario(
        'scenario: x\nwizard: sso-login-failing\nexpect:\n  path: [a]\n  outcome: remediated\n  actions:\n    revert-enforce: { params: {}, paramsInclude: {} }\n',
      );
      expect(both.problems.map((problem) => [problem.line, problem.message])).toEqual([
        [
          7,
          'expect.actions.revert-enforce: give either params (the exact parameters) or paramsInclude (a subset of them), not both',
        ],
      ]);
      const neither = parseScenario(
        'scenario: x\nwizard: sso-login-failing\nexpect:\n  path: [a]\n  outcome: remediated\n  actions:\n    revert-enforce: { action: flags.set }\n',
      );
      expect(neither.problems.map((problem) => problem.line)).toEqual([7]);
    });
  });
});

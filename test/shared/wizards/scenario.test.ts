import { demoPublishedCatalog } from '../../support/catalog';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../../shared/wizards/index';
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
      'path: expected recent-changes → route\n          got      recent-changes → idp-metadata → route → revert-enforce → confirm-login → which-fix → enforcement-reverted',
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
});

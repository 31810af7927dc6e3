import { describe, expect, it } from 'vitest';
import { validateWizard, type ValidationIssue } from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';
import { positionOf } from './support';

/**
 * Issue 11: lint passed `until: "result.health"` (a string) and
 * `result.health == 1` (a string compared with a number). Every `when`, `until`
 * and template is now type checked against the declared result types, and the
 * issue points at the fault inside the expression.
 */

const header = `id: typed
version: 1
title: Typed
inputs:
  - id: affected
    label: Who is affected?
    type: choice
    options: [all users, one user]
steps:
  - id: health
    kind: check
    title: Health
    source: probe
    probe: customer.health
  - id: changes
    kind: check
    title: Changes
    source: cache
    query: changes
    params: { within: 24h }
`;

/** A wizard whose step `route` decides on `when`, and whose verify waits `until`. */
function wizardWith({ when = 'true', until = 'result.health == "ok"', text = 'Look.' } = {}): string {
  return `${header}  - id: route
    kind: decision
    title: Route
    branches:
      - when: ${JSON.stringify(when)}
        goto: tell
    otherwise: tell
  - id: tell
    kind: guidance
    title: Tell
    text: ${JSON.stringify(text)}
  - id: wait
    kind: verify
    title: Wait
    source: probe
    probe: customer.health
    until: ${JSON.stringify(until)}
    every: 10s
    timeout: 1m
    onTimeout: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;
}

function typeIssues(source: string): ValidationIssue[] {
  return validateWizard(source, 'typed.yaml', { catalog: demoPublishedCatalog() }).filter((issue) =>
    issue.code.startsWith('cel-'),
  );
}

describe('CEL type checks in wizard lint (issue 11)', () => {
  it('accepts well-typed conditions and templates', () => {
    const source = wizardWith({
      when: "checks.health.errorRate > 0.05 && checks.changes.flags.exists(f, f.key == 'sso.enforce') && inputs.affected == 'one user'",
      until: "result.health == 'ok' && size(result.failingFeatures) == 0",
      text: 'Error rate ${checks.health.errorRate * 100.0}% on ${checks.health.version}',
    });
    expect(typeIssues(source)).toEqual([]);
  });

  it('refuses an until that is a string, not a condition (the case lint passed)', () => {
    const source = wizardWith({ until: 'result.health' });
    const issues = typeIssues(source);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'cel-type', stepId: 'wait', ...positionOf(source, 'result.health"') });
    expect(issues[0]?.message).toMatch(/"until" must be a condition \(true or false\), but "result.health" is a string/);
  });

  it('refuses a when that is a number', () => {
    const issues = typeIssues(wizardWith({ when: 'checks.health.errorRate' }));
    expect(issues.map((issue) => [issue.code, issue.stepId])).toEqual([['cel-type', 'route']]);
    expect(issues[0]?.message).toMatch(/"when" must be a condition .* is a number/);
  });

  it('refuses comparing a string with a number: it can never hold', () => {
    const source = wizardWith({ until: 'result.health == 1' });
    const [issue, ...rest] = typeIssues(source);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ code: 'cel-type', stepId: 'wait', ...positionOf(source, 'result.health == 1') });
    expect(issue?.message).toMatch(/compares a string with a whole number .* can never hold/);
  });

  it('refuses comparing with a value an enum field never has, pointing at the value', () => {
    const source = wizardWith({ until: "result.health == 'green'" });
    const [issue, ...rest] = typeIssues(source);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ code: 'cel-type', ...positionOf(source, "'green'") });
    expect(issue?.message).toMatch(/result.health is never "green" \(it is one of "ok", "degraded", "down", "unknown"\)/);
  });

  it('refuses comparing a choice input with an option it does not have', () => {
    const [issue] = typeIssues(wizardWith({ when: "inputs.affected == 'everyone'" }));
    expect(issue?.message).toMatch(/inputs.affected is never "everyone"/);
  });

  it('refuses an unknown field deeper than the first, at the field', () => {
    const source = wizardWith({ when: "checks.changes.flags.exists(f, f.flagKey == 'sso.enforce')" });
    const [issue, ...rest] = typeIssues(source);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ code: 'cel-type', stepId: 'route', ...positionOf(source, 'flagKey') });
    expect(issue?.message).toMatch(/no field "flagKey"/);
  });

  it('refuses arithmetic mixing a result number (a double) with an int, and says how to write it', () => {
    const [issue] = typeIssues(wizardWith({ text: 'Rate ${checks.health.errorRate * 100}%' }));
    expect(issue).toMatchObject({ code: 'cel-type', stepId: 'tell' });
    expect(issue?.message).toMatch(/double \* int.*write 2\.0/);
  });

  it('refuses a logical operator over a string', () => {
    const [issue] = typeIssues(wizardWith({ when: "checks.health.version && checks.health.health == 'ok'" }));
    expect(issue).toMatchObject({ code: 'cel-type' });
    expect(issue?.message).toMatch(/bool/);
  });

  it('refuses comparing true or false with a string', () => {
    const [issue] = typeIssues(wizardWith({ when: "checks.changes.count > 0 == 'true'" }));
    expect(issue?.message).toMatch(/compares true or false with a string/);
  });

  it('checks an action result against the catalog: ok is a bool, error may be null', () => {
    const source = `${header}  - id: fix
    kind: action
    title: Fix
    action: jobs.restart
    params: { jobId: exports }
    onFailure: done
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "checks.fix.ok == 'yes'"
        goto: done
      - when: "checks.fix.error != null && checks.fix.error.startsWith('timeout')"
        goto: done
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;
    const issues = typeIssues(source);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/compares true or false with a string/);
  });

  it('says a wrong name once (as an unknown field), not again as a type error', () => {
    const codes = typeIssues(wizardWith({ when: 'checks.health.nope == 1' })).map((issue) => issue.code);
    expect(codes).toEqual(['cel-unknown-field']);
  });
});

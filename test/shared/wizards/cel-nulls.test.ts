import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCatalogIssue, parseCatalog } from '../../../shared/catalog/parse';
import { publishCatalog } from '../../../shared/catalog/publish';
import type { PublishedCatalog } from '../../../shared/catalog/format';
import { validateWizard, type ValidationIssue } from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';
import { positionOf } from './support';

/**
 * Issue 11: conditions that type check but fail at run time on a null or a
 * missing field (`result.version.major > 2` while `version` may be null) were
 * passed by lint; the run then recorded "no such key" and the decision fell
 * through. shared/wizards/lint/nulls.ts reports them as `cel-null`, from the
 * catalog's result schemas, and knows the guards CEL evaluates.
 */

const catalogSource = `catalog: releases
probes:
  release.state:
    summary: The customer's release channel and pinned version.
    params: { type: object, properties: {} }
    result:
      type: object
      properties:
        version:
          type: [object, 'null']
          properties: { major: { type: integer }, label: { type: string } }
          required: [major]
        previous: { type: [string, 'null'] }
        channel: { type: string }
        flagged: { type: [boolean, 'null'] }
        tags: { type: array, items: { type: [string, 'null'] } }
        owner: { type: object, properties: { team: { type: string } }, required: [team] }
      required: [version, previous, flagged, tags, owner]
    call: { kind: builtin, connector: demo, operation: release.state }
actions:
  release.pin:
    summary: Pins the customer to a version.
    risk: low
    params: { type: object, properties: { version: { type: string } }, required: [version] }
    result: { type: object, properties: { pinned: { type: boolean } }, required: [pinned] }
    call: { kind: builtin, connector: demo, operation: release.pin }
`;

let catalogCache: PublishedCatalog | null = null;
function releasesCatalog(): PublishedCatalog {
  if (catalogCache) return catalogCache;
  const parsed = parseCatalog(catalogSource, 'releases.catalog.yaml');
  if (!parsed.definition) throw new Error(parsed.issues.map(formatCatalogIssue).join('\n'));
  catalogCache = publishCatalog(parsed.definition, '2026-01-05T09:00:00.000Z');
  return catalogCache;
}

type Parts = {
  nothing?: string;
  when?: string;
  until?: string;
  text?: string;
  version?: string;
  afterTimeout?: string;
  afterFailure?: string;
};

/** A wizard: read the release, decide on `when`, pin, verify `until`, with texts on the success and failure paths. */
function wizardWith({
  when = 'true',
  until = 'result.owner.team == "core"',
  text = 'Look.',
  version = '2.0',
  afterTimeout = 'Timed out.',
  afterFailure = 'Failed.',
  nothing = 'Nothing to do.',
}: Parts = {}): string {
  return `id: nulls
version: 1
title: Nulls
inputs:
  - id: limit
    label: Limit
    type: number
    required: false
  - id: step
    label: Step
    type: string
steps:
  - id: release
    kind: check
    title: Release
    source: probe
    probe: release.state
  - id: route
    kind: decision
    title: Route
    branches:
      - when: ${JSON.stringify(when)}
        goto: tell
    otherwise: nothing
  - id: tell
    kind: guidance
    title: Tell
    text: ${JSON.stringify(text)}
  - id: pin
    kind: action
    title: Pin
    action: release.pin
    params: { version: ${JSON.stringify(version)} }
    onFailure: failed
  - id: wait
    kind: verify
    title: Wait
    source: probe
    probe: release.state
    until: ${JSON.stringify(until)}
    every: 10s
    timeout: 1m
    onTimeout: timed-out
  - id: done
    kind: record
    title: Done
    outcome: remediated
    followUps: ['Check \${checks.wait.owner.team} and \${checks.pin.result.pinned}']
  - id: nothing
    kind: record
    title: Nothing to do
    outcome: no_fault_found
    followUps: [${JSON.stringify(nothing)}]
  - id: timed-out
    kind: escalate
    title: Timed out
    team: l2
    summary: ${JSON.stringify(afterTimeout)}
  - id: failed
    kind: escalate
    title: Failed
    team: l2
    summary: ${JSON.stringify(afterFailure)}
`;
}

function nullIssues(source: string, catalog: PublishedCatalog = releasesCatalog()): ValidationIssue[] {
  return validateWizard(source, 'nulls.yaml', { catalog }).filter((issue) => issue.code.startsWith('cel-'));
}

describe('CEL null and presence checks in wizard lint (issue 11)', () => {
  it('reports a field read through a value that may be null, at the read', () => {
    const source = wizardWith({ until: 'result.version.major > 2' });
    const issues = nullIssues(source);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'cel-null', stepId: 'wait', ...positionOf(source, '.major > 2') });
    expect(issues[0]?.message).toContain('result.version may be null');
    expect(issues[0]?.message).toContain('result.version != null');
  });

  it('knows the guards CEL evaluates: &&, || and ?: on either side', () => {
    expect(nullIssues(wizardWith({ until: 'result.version.major > 2' }))).toHaveLength(1);
    for (const until of [
      'result.version != null && result.version.major > 2',
      'result.version == null || result.version.major > 2',
      'result.version.major > 2 && result.version != null',
      'result.version != null ? result.version.major > 2 : false',
      '!(result.version == null) && result.version.major > 2',
    ])
      expect(nullIssues(wizardWith({ until })), until).toEqual([]);
    // A guard that does not test the value read is no guard.
    expect(nullIssues(wizardWith({ until: 'result.previous != null && result.version.major > 2' }))).toHaveLength(1);
    // Two reads do not guard each other: both fail on null.
    expect(nullIssues(wizardWith({ until: 'result.version.major > 2 && result.version.major < 9' })).length).toBeGreaterThan(0);
  });

  it('reports a field that is not in the required list, unless has() tests it first', () => {
    const source = wizardWith({ until: "result.channel == 'stable'" });
    const [issue, ...rest] = nullIssues(source);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ code: 'cel-null', ...positionOf(source, ".channel == 'stable'") });
    expect(issue?.message).toContain('optional');
    expect(issue?.message).toContain('probe "release.state"');
    expect(nullIssues(wizardWith({ until: "has(result.channel) && result.channel == 'stable'" }))).toEqual([]);
  });

  it('checks the depth of has(): the object it tests must be there', () => {
    const source = wizardWith({ until: 'has(result.version.label)' });
    const [issue, ...rest] = nullIssues(source);
    expect(rest).toEqual([]);
    expect(issue?.code).toBe('cel-null');
    expect(issue?.message).toContain('has(result.version.label)');
    expect(nullIssues(wizardWith({ until: 'result.version != null && has(result.version.label)' }))).toEqual([]);
    expect(nullIssues(wizardWith({ until: 'has(result.owner.team)' }))).toEqual([]);
  });

  it('reports a check named at run time unless "in checks" tests it', () => {
    const when = 'checks[inputs.step].ok == true';
    const issues = nullIssues(wizardWith({ when }));
    expect(issues.map((issue) => issue.code)).toEqual(['cel-null']);
    expect(issues[0]?.message).toContain('may not have run');
    expect(issues[0]?.message).toContain('inputs.step in checks');
    expect(nullIssues(wizardWith({ when: `inputs.step in checks && ${when}` }))).toEqual([]);
  });

  it('reports a verify result read after its timeout, not after it held', () => {
    const afterTimeout = 'Owner: ${checks.wait.owner.team}';
    const source = wizardWith({ afterTimeout });
    const issues = nullIssues(source);
    expect(issues.map((issue) => [issue.code, issue.stepId])).toEqual([['cel-null', 'timed-out']]);
    expect(issues[0]?.message).toContain('verify step "wait" leaves it null');
    // The record step reads the same field after the verify held (its next): no issue there.
    expect(issues.some((issue) => issue.stepId === 'done')).toBe(false);
  });

  it("reports an action's result read after it failed, not after it succeeded", () => {
    const source = wizardWith({ afterFailure: 'Pinned: ${checks.pin.result.pinned}' });
    const issues = nullIssues(source);
    expect(issues.map((issue) => [issue.code, issue.stepId])).toEqual([['cel-null', 'failed']]);
    expect(issues[0]?.message).toContain('action step "pin" leaves it null when the action failed');
  });

  it('reports a parameter that may be null where the action wants a string, unless a decision tested it', () => {
    const source = wizardWith({ version: '${checks.release.previous}' });
    const issues = nullIssues(source);
    expect(issues.map((issue) => [issue.code, issue.stepId])).toEqual([['cel-null', 'pin']]);
    expect(issues[0]?.message).toContain('parameter "version" of action "release.pin" is string');
    expect(issues[0]?.message).toContain('invalid_params');
    // The decision leading to the action tests it: the branch's guard holds in the steps after it.
    expect(nullIssues(wizardWith({ version: '${checks.release.previous}', when: 'checks.release.previous != null' }))).toEqual(
      [],
    );
    expect(nullIssues(wizardWith({ version: '${checks.release.previous}', when: "checks.release.previous == 'v1'" }))).toEqual(
      [],
    );
  });

  it('carries what the branches before it ruled out into the otherwise of a decision', () => {
    const nothing = '${checks.release.previous.size()} characters';
    expect(nullIssues(wizardWith({ nothing })).map((issue) => [issue.code, issue.stepId])).toEqual([['cel-null', 'nothing']]);
    // "nothing" is the otherwise of a branch taken when previous is null: there, it is not.
    expect(nullIssues(wizardWith({ nothing, when: 'checks.release.previous == null' }))).toEqual([]);
    // A branch taken when it is not null says nothing about the otherwise.
    expect(nullIssues(wizardWith({ nothing, when: 'checks.release.previous != null' }))).toHaveLength(1);
  });

  it('reports a condition that may itself be null', () => {
    const issues = nullIssues(wizardWith({ when: 'checks.release.flagged' }));
    expect(issues.map((issue) => issue.code)).toEqual(['cel-null']);
    expect(issues[0]?.message).toContain('checks.release.flagged == true');
    expect(nullIssues(wizardWith({ when: 'checks.release.flagged == true' }))).toEqual([]);
  });

  it('reports an optional input used as a number, and list items that may be null', () => {
    expect(nullIssues(wizardWith({ when: 'inputs.limit > 3.0' })).map((issue) => issue.code)).toEqual(['cel-null']);
    expect(nullIssues(wizardWith({ when: 'inputs.limit != null && inputs.limit > 3.0' }))).toEqual([]);
    const items = nullIssues(wizardWith({ when: "checks.release.tags.exists(t, t.startsWith('lts'))" }));
    expect(items.map((issue) => issue.code)).toEqual(['cel-null']);
    expect(items[0]?.message).toContain('t may be null');
    expect(nullIssues(wizardWith({ when: "checks.release.tags.exists(t, t != null && t.startsWith('lts'))" }))).toEqual([]);
  });

  it('found the fault of degraded-after-version-upgrade v1; v2 and the other starter wizards are clean', () => {
    const directory = join(import.meta.dirname, '..', '..', '..', 'resources', 'wizards');
    const current = readFileSync(join(directory, 'degraded-after-version-upgrade.yaml'), 'utf8');
    expect(current).toMatch(/^version: 2$/m);
    const v1 = current
      .replace(/^version: 2$/m, 'version: 1')
      .replace('checks.upgrade.ageMinutes != null && checks.upgrade.ageMinutes < 10080', 'checks.upgrade.ageMinutes < 10080');
    const issues = nullIssues(v1, demoPublishedCatalog());
    expect(issues.map((issue) => [issue.code, issue.stepId])).toEqual([['cel-null', 'route']]);
    expect(issues[0]?.message).toContain('checks.upgrade.ageMinutes may be null');
    for (const file of [
      'degraded-after-version-upgrade.yaml',
      'export-job-behind.yaml',
      'feature-not-visible.yaml',
      'onboarding-provisioning-stuck.yaml',
      'sso-sign-in-failing.yaml',
    ])
      expect(
        validateWizard(readFileSync(join(directory, file), 'utf8'), file, { catalog: demoPublishedCatalog() }),
        file,
      ).toEqual([]);
  });
});

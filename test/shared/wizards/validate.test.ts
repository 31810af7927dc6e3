import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  validateWizard,
  VALIDATION_CODES,
  type ValidationCode,
  type ValidationContext,
  type ValidationIssue,
} from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';
import { fixturesDirectory, fixtureSource } from './support';

const context: ValidationContext = {
  catalog: demoPublishedCatalog(),
  knownWizards: [
    'restart-stuck-job',
    {
      id: 'needs-job',
      inputs: [
        { id: 'jobId', required: true, hasDefault: false },
        { id: 'note', required: false, hasDefault: false },
      ],
    },
  ],
};

function issuesOf(source: string, file = 'case.yaml'): ValidationIssue[] {
  return validateWizard(source, file, context);
}

/** Expects exactly one issue with this code, at this line (and step), and returns it. */
function expectIssue(source: string, code: ValidationCode, line: number, stepId?: string): ValidationIssue {
  const issues = issuesOf(source);
  const matching = issues.filter((issue) => issue.code === code);
  expect(matching, JSON.stringify(issues, null, 2)).toHaveLength(1);
  const [issue] = matching;
  if (!issue) throw new Error('unreachable');
  expect(issue.file).toBe('case.yaml');
  expect(issue.line).toBe(line);
  expect(issue.stepId).toBe(stepId);
  expect(issue.column).toBeGreaterThan(0);
  expect(issue.message.length).toBeGreaterThan(10);
  return issue;
}

const header = `id: demo
version: 1
title: Demo
`;

/** One tiny failing wizard per code: the line (1-based) and step the issue must name. */
const cases: Record<ValidationCode, { source: string; line: number; stepId?: string; message?: RegExp }> = {
  'yaml-syntax': {
    source: `${header}steps:
  - id: a
    kind: record
    title: A: B
    outcome: remediated
`,
    line: 7,
  },
  schema: {
    source: `${header}steps:
  - id: a
    kind: record
    title: A
    outcome: remediated
    nxt: b
`,
    line: 9,
    stepId: 'a',
    message: /unknown key "nxt" in steps\[0\]/,
  },
  'unknown-step-kind': {
    source: `${header}steps:
  - id: a
    kind: chek
    title: A
`,
    line: 6,
    stepId: 'a',
    message: /unknown step kind "chek"/,
  },
  'decision-without-otherwise': {
    source: `${header}steps:
  - id: a
    kind: decision
    title: A
    branches:
      - when: "true"
        goto: b
  - id: b
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 5,
    stepId: 'a',
  },
  'duplicate-id': {
    source: `${header}steps:
  - id: a
    kind: guidance
    title: A
    text: hello
  - id: a
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 9,
    stepId: 'a',
  },
  'input-spec': {
    source: `${header}inputs:
  - id: affected
    label: Who?
    type: choice
    options: [all, some]
    default: none
steps:
  - id: a
    kind: record
    title: A
    outcome: no_fault_found
`,
    line: 9,
    message: /default must be one of: all, some/,
  },
  'dangling-target': {
    source: `${header}steps:
  - id: a
    kind: guidance
    title: A
    text: hello
    next: nowhere
  - id: b
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 9,
    stepId: 'a',
    message: /"nowhere"/,
  },
  'falls-off-end': {
    source: `${header}steps:
  - id: a
    kind: guidance
    title: A
    text: hello
`,
    line: 6,
    stepId: 'a',
  },
  'unreachable-step': {
    source: `${header}steps:
  - id: a
    kind: record
    title: A
    outcome: no_fault_found
  - id: orphan
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 9,
    stepId: 'orphan',
  },
  'unbounded-cycle': {
    source: `${header}steps:
  - id: start
    kind: guidance
    title: Start
    text: go
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
`,
    line: 9,
    stepId: 'poll',
    message: /poll → again/,
  },
  'loop-body': {
    source: `${header}steps:
  - id: each
    kind: loop
    title: Each
    forEach: "['a', 'b']"
    max: 3
    do: work
    next: done
  - id: work
    kind: guidance
    title: Work on \${item}
    text: go
    next: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`,
    line: 10,
    stepId: 'each',
    message: /never comes back to it: end the body with next: each/,
  },
  'verify-timing': {
    source: `${header}steps:
  - id: a
    kind: verify
    title: A
    source: probe
    probe: sso.login
    until: result.ok
    every: 5m
    timeout: 1m
    onTimeout: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 11,
    stepId: 'a',
  },
  'unknown-query': {
    source: `${header}steps:
  - id: a
    kind: check
    title: A
    source: cache
    query: flagHistory
  - id: b
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 9,
    stepId: 'a',
    message: /known: changes, latestDeploy, openItems, events, customer/,
  },
  'unknown-probe': {
    source: `${header}steps:
  - id: a
    kind: check
    title: A
    source: probe
    probe: sso.ping
  - id: b
    kind: record
    title: B
    outcome: no_fault_found
`,
    line: 9,
    stepId: 'a',
  },
  'unknown-action': {
    source: `${header}steps:
  - id: a
    kind: action
    title: A
    action: flags.delete
    params: { key: sso.enforce }
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 8,
    stepId: 'a',
    message: /flags.set/,
  },
  'invalid-params': {
    source: `${header}steps:
  - id: a
    kind: action
    title: A
    action: flags.set
    params:
      key: sso.enforce
      value: { nested: true }
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 11,
    stepId: 'a',
    message: /parameter "value"/,
  },
  'unknown-wizard': {
    source: `${header}steps:
  - id: a
    kind: link
    title: A
    wizard: no-such-wizard
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 8,
    stepId: 'a',
  },
  'recursive-link': {
    source: `${header}steps:
  - id: a
    kind: link
    title: A
    wizard: demo
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 8,
    stepId: 'a',
  },
  'link-input': {
    source: `${header}steps:
  - id: a
    kind: link
    title: A
    wizard: needs-job
    inputs:
      jobId: export-main
      jobid: typo
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 11,
    stepId: 'a',
    message: /no input "jobid"; its inputs are jobId, note/,
  },
  'cel-syntax': {
    source: `${header}steps:
  - id: a
    kind: decision
    title: A
    branches:
      - when: "inputs.x === 1"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 9,
    stepId: 'a',
  },
  'cel-unknown-variable': {
    source: `${header}steps:
  - id: a
    kind: decision
    title: A
    branches:
      - when: "flags.sso == true"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 9,
    stepId: 'a',
    message: /unknown variable "flags"/,
  },
  'cel-unknown-check': {
    source: `${header}steps:
  - id: a
    kind: decision
    title: A
    branches:
      - when: "checks['idp-probe'].certificateExpired"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 9,
    stepId: 'a',
    message: /no check, verify, action or link step is named "idp-probe"/,
  },
  'cel-unknown-field': {
    source: `${header}steps:
  - id: idp
    kind: check
    title: IdP
    source: probe
    probe: sso.metadata
  - id: a
    kind: decision
    title: A
    branches:
      - when: "checks.idp.certExpired"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 14,
    stepId: 'a',
    message:
      /has no field "certExpired" \(fields: configured, enforced, idpReachable, certificateExpired, certificateExpiresAt\)/,
  },
  'cel-type': {
    source: `${header}steps:
  - id: wait
    kind: verify
    title: Wait
    source: probe
    probe: customer.health
    until: "result.health"
    every: 10s
    timeout: 1m
    onTimeout: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 10,
    stepId: 'wait',
    message: /"until" must be a condition \(true or false\), but "result.health" is a string/,
  },
  'cel-null': {
    source: `${header}steps:
  - id: deploy
    kind: check
    title: Deploy
    source: cache
    query: latestDeploy
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "checks.deploy.ageMinutes < 60"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`,
    line: 14,
    stepId: 'route',
    message: /checks\.deploy\.ageMinutes may be null here \(declared number or null\), and "<" fails on null/,
  },
  'cel-not-available': {
    source: `${header}steps:
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "customer.health == 'down'"
        goto: probe-login
    otherwise: decide
  - id: probe-login
    kind: check
    title: Probe
    source: probe
    probe: sso.login
  - id: decide
    kind: decision
    title: Decide
    branches:
      - when: "checks['probe-login'].ok"
        goto: done
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: no_fault_found
`,
    line: 21,
    stepId: 'decide',
    message: /may not have run yet/,
  },
};

describe('validateWizard', () => {
  it('has a failing example for every validation code', () => {
    expect(Object.keys(cases).sort()).toEqual([...VALIDATION_CODES].sort());
  });

  for (const [code, example] of Object.entries(cases)) {
    it(`reports ${code} with file, line and step`, () => {
      const issue = expectIssue(example.source, code as ValidationCode, example.line, example.stepId);
      if (example.message) expect(issue.message).toMatch(example.message);
    });
  }

  it('accepts every example wizard', () => {
    const files = readdirSync(fixturesDirectory).filter((file) => file.endsWith('.yaml') && !file.includes('.scenario.'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(validateWizard(fixtureSource(file), file, context), file).toEqual([]);
  });

  it('points into a CEL expression at the column of the problem', () => {
    const source = `${header}steps:
  - id: a
    kind: decision
    title: A
    branches:
      - when: checks.nope == 1
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const [issue] = issuesOf(source);
    // `      - when: ` is 14 characters; the reference starts right after.
    expect(issue).toMatchObject({ code: 'cel-unknown-check', line: 9, column: 15 });
  });

  it('finds the line inside a block scalar template', () => {
    const source = `${header}steps:
  - id: a
    kind: guidance
    title: A
    text: |
      first line
      second \${checks.missing.value} line
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const [issue] = issuesOf(source);
    expect(issue).toMatchObject({ code: 'cel-unknown-check', line: 10, column: 16, stepId: 'a' });
  });

  it('reports a missing required field of a step as a schema error at the step', () => {
    const source = `${header}steps:
  - id: a
    kind: guidance
    title: A
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const issues = issuesOf(source);
    expect(issues).toEqual([
      { file: 'case.yaml', line: 5, column: 5, stepId: 'a', code: 'schema', message: 'missing required "text" in steps[0]' },
    ]);
  });

  it('reports a check without source as a schema error naming the allowed values', () => {
    const source = `${header}steps:
  - id: a
    kind: check
    title: A
    probe: sso.login
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const issues = issuesOf(source);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'schema', stepId: 'a', line: 5 });
    expect(issues[0]?.message).toMatch(/source must be cache or probe/);
  });

  it('allows a loop that a verify step can leave', () => {
    const source = `${header}steps:
  - id: retry
    kind: action
    title: Retry
    action: provisioning.retry
    params: { step: dns }
  - id: wait
    kind: verify
    title: Wait
    source: probe
    probe: provisioning.status
    until: result.complete
    every: 30s
    timeout: 5m
    onTimeout: status
    next: done
  - id: status
    kind: check
    title: Status
    source: probe
    probe: provisioning.status
  - id: again
    kind: decision
    title: Again?
    branches:
      - when: checks.status.attempts < 3
        goto: retry
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;
    expect(issuesOf(source)).toEqual([]);
  });

  it("lets an expression read a check it tests with 'in' first", () => {
    const source = `${header}steps:
  - id: route
    kind: decision
    title: Route
    branches:
      - when: "customer.health == 'down'"
        goto: probe-login
    otherwise: decide
  - id: probe-login
    kind: check
    title: Probe
    source: probe
    probe: sso.login
  - id: decide
    kind: decision
    title: Decide
    branches:
      - when: "'probe-login' in checks && checks['probe-login'].ok"
        goto: done
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: no_fault_found
`;
    expect(issuesOf(source)).toEqual([]);
    const misused = issuesOf(source.replace("'probe-login' in checks", "has(checks['probe-login'])"));
    const syntax = misused.filter((issue) => issue.code === 'cel-syntax');
    expect(syntax.map((issue) => issue.line)).toEqual([21]);
    expect(syntax[0]?.message).toMatch(/'name' in checks/);
  });

  it('knows comprehension variables are not free variables', () => {
    const source = `${header}steps:
  - id: changes
    kind: check
    title: Changes
    source: cache
    query: changes
    params: { within: 24h }
  - id: a
    kind: decision
    title: A
    branches:
      - when: "checks.changes.flags.exists(flag, flag.key == 'sso.enforce') && checks.changes.items.all(item, item.actor != null)"
        goto: b
    otherwise: b
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    expect(issuesOf(source)).toEqual([]);
  });

  it('refuses "result" outside a verify step and unknown result fields inside one', () => {
    const source = `${header}steps:
  - id: a
    kind: verify
    title: A
    source: probe
    probe: jobs.lag
    until: result.lag < 15
    every: 1m
    timeout: 10m
    onTimeout: b
  - id: b
    kind: escalate
    title: B
    team: data
    summary: "\${result.lagMinutes}"
`;
    const codes = issuesOf(source).map((issue) => [issue.code, issue.line]);
    expect(codes).toEqual([
      ['cel-unknown-field', 10],
      ['cel-unknown-variable', 18],
    ]);
  });

  it('checks input mappings against the linked wizard: a required input must be mapped', () => {
    const source = `${header}steps:
  - id: a
    kind: link
    title: A
    wizard: needs-job
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const issue = expectIssue(source, 'link-input', 5, 'a');
    expect(issue.message).toMatch(/needs input "jobId"/);
  });

  it('requires the parameters an action needs', () => {
    const source = `${header}steps:
  - id: a
    kind: check
    title: A
    source: cache
    query: changes
    params: { feature: sso }
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const issue = expectIssue(source, 'invalid-params', 6, 'a');
    expect(issue.message).toMatch(/needs parameter "within"/);
  });

  it('skips type checks of templated parameters but checks their expressions', () => {
    const source = `${header}inputs:
  - id: job
    label: Job
    type: string
steps:
  - id: a
    kind: action
    title: A
    action: jobs.restart
    params: { jobId: "\${inputs.jobs}" }
  - id: b
    kind: record
    title: B
    outcome: remediated
`;
    const issue = expectIssue(source, 'cel-unknown-variable', 13, 'a');
    expect(issue.message).toMatch(/no input "jobs" \(inputs: job\)/);
  });

  it('refuses a YAML file that is not a mapping', () => {
    expect(issuesOf('- just\n- a list\n')).toEqual([
      {
        file: 'case.yaml',
        line: 1,
        column: 1,
        code: 'schema',
        message: 'a wizard file is a YAML mapping with id, version, title and steps',
      },
    ]);
  });

  it('reports duplicate YAML keys as syntax errors', () => {
    const issues = issuesOf(`${header}title: Again\nsteps: []\n`);
    expect(issues[0]).toMatchObject({ code: 'yaml-syntax', line: 4 });
  });
});

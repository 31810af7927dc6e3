import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWizardsCli } from '../../scripts/wizards';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'wizards');
const scratch = mkdtempSync(join(tmpdir(), 'wizards-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], libraryDirectory = join(scratch, 'no-library')) {
  const out: string[] = [];
  const err: string[] = [];
  const status = runWizardsCli(
    args,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { cwd: root, libraryDirectory },
  );
  return { status, out, err };
}

function writeTree(name: string, files: Record<string, string>): string {
  const directory = join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(directory, file, '..'), { recursive: true });
    writeFileSync(join(directory, file), text);
  }
  return directory;
}

const broken = `id: broken
version: 1
title: Broken
steps:
  - id: look
    kind: check
    title: Look
    source: probe
    probe: sso.ping
  - id: route
    kind: decision
    title: Route
    branches:
      - when: checks.look.ok
        goto: nowhere
    otherwise: done
  - id: done
    kind: record
    title: Done
    outcome: remediated
`;

describe('wizards lint --catalog', () => {
  it('checks wizards against a catalog file, and runs their scenarios', () => {
    const catalog = ['--catalog', 'test/fixtures/catalog/webhooks.catalog.yaml'];
    expect(run(['lint', ...catalog, 'test/fixtures/catalog'])).toMatchObject({
      status: 0,
      out: ['1 passed, 0 failed (2 scenario files skipped)'],
    });
    expect(run(['test', ...catalog, 'test/fixtures/catalog']).out.at(-1)).toBe('2 passed, 0 failed');
    const demo = run(['lint', 'test/fixtures/catalog']);
    expect(demo.status).toBe(1);
    expect(demo.out.join('\n')).toMatch(/unknown-action unknown action "webhooks.replayFailed"/);
  });

  it('passes the starter library against the demo catalog file', () => {
    const result = run(['lint', '--catalog', 'resources/catalogs/demo.catalog.yaml', 'resources/wizards']);
    expect(result).toMatchObject({ status: 0, out: ['5 passed, 0 failed (18 scenario files skipped)'] });
  });

  it('refuses a broken catalog with its file:line problems and lints nothing', () => {
    const directory = writeTree('bad-catalog', { 'x.catalog.yaml': 'catalog: x\nprobes:\n  a.b:\n    summary: s\n' });
    const result = run(['lint', '--catalog', relative(root, join(directory, 'x.catalog.yaml')), 'test/fixtures/catalog']);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toMatch(
      /x\.catalog\.yaml:4:5 schema probes\.a\.b missing required "result"|x\.catalog\.yaml:\d+:\d+ schema/,
    );
    expect(result.out).toEqual([]);
  });
});

describe('wizards lint', () => {
  it('passes the example wizards and skips scenario files', () => {
    const result = run(['lint', 'test/fixtures/wizards']);
    expect(result.out).toEqual(['4 passed, 0 failed (8 scenario files skipped)']);
    expect(result.status).toBe(0);
  });

  it('prints file:line:col step code message for every problem and exits 1', () => {
    const directory = writeTree('lint-broken', {
      'nested/broken.yml': broken,
      'good.yaml':
        'id: good\nversion: 1\ntitle: Good\nsteps:\n  - id: done\n    kind: record\n    title: Done\n    outcome: no_fault_found\n',
    });
    const result = run(['lint', directory]);
    const display = relative(root, join(directory, 'nested', 'broken.yml'));
    expect(result.out).toEqual([
      `${display}:9:12 look unknown-probe unknown probe "sso.ping"; the catalog "demo-fleet" has customer.health, feature.state, jobs.lag, provisioning.status, sso.login, sso.metadata`,
      `${display}:15:15 route dangling-target "goto" goes to "nowhere", which is not a step in this wizard`,
      '1 passed, 1 failed',
    ]);
    expect(result.status).toBe(1);
  });

  it('knows wizards of the bundled library when checking links', () => {
    const library = writeTree('library', {
      'restart.yaml':
        'id: restart-job\nversion: 1\ntitle: Restart\ninputs:\n  - id: jobId\n    label: Job\n    type: string\nsteps:\n  - id: done\n    kind: record\n    title: Done\n    outcome: remediated\n',
    });
    const linking = writeTree('linking', {
      'parent.yaml':
        'id: parent\nversion: 1\ntitle: Parent\nsteps:\n  - id: sub\n    kind: link\n    title: Sub\n    wizard: restart-job\n    inputs: { job: x }\n  - id: done\n    kind: record\n    title: Done\n    outcome: remediated\n',
    });
    const result = run(['lint', linking], library);
    expect(result.out[0]).toMatch(/parent\.yaml:9:13 sub link-input wizard "restart-job" needs input "jobId"/);
    expect(result.out[1]).toMatch(
      /parent\.yaml:9:15 sub link-input wizard "restart-job" has no input "job"; its inputs are jobId/,
    );
    expect(run(['lint', linking]).out[0]).toMatch(/unknown-wizard links to wizard "restart-job", which is not in the library/);
  });

  it('explains its usage and refuses paths that do not exist', () => {
    expect(run(['check', 'x']).status).toBe(2);
    expect(run(['lint']).err[0]).toMatch(/^usage:/);
    const missing = run(['lint', 'no/such/dir']);
    expect(missing.status).toBe(2);
    expect(missing.err[0]).toMatch(/no such file or directory/);
  });
});

describe('wizards test', () => {
  it('runs the example scenarios', () => {
    const result = run(['test', 'test/fixtures/wizards']);
    expect(result.out.filter((line) => line.startsWith('PASS '))).toHaveLength(8);
    expect(result.out.at(-1)).toBe('8 passed, 0 failed');
    expect(result.status).toBe(0);
  });

  it('reports a failing scenario with the difference and exits 1', () => {
    const directory = writeTree('scenarios', {
      'wizard.yaml':
        'id: tiny\nversion: 1\ntitle: Tiny\nsteps:\n  - id: health\n    kind: check\n    title: Health\n    source: probe\n    probe: customer.health\n  - id: route\n    kind: decision\n    title: Route\n    branches:\n      - when: "checks.health.health == \'ok\'"\n        goto: fine\n    otherwise: broken\n  - id: fine\n    kind: record\n    title: Fine\n    outcome: no_fault_found\n  - id: broken\n    kind: escalate\n    title: Broken\n    team: l2\n    summary: broken\n',
      'ok.scenario.yaml':
        "scenario: healthy\nwizard: tiny\nchecks:\n  health: { health: ok, errorRate: 0, failingFeatures: [], version: '1' }\nexpect:\n  path: [health, route, fine]\n  outcome: no_fault_found\n",
      'wrong.scenario.yaml':
        "scenario: wrong expectation\nwizard: tiny\nchecks:\n  health: { health: down, errorRate: 1, failingFeatures: [], version: '1' }\nexpect:\n  path: [health, route, fine]\n  outcome: no_fault_found\n",
      'bad.scenario.yaml': 'scenario: bad file\nwizard: tiny\nexpect:\n  path: [x]\n  outcome: done\n',
      'missing.scenario.yaml': 'scenario: no such wizard\nwizard: other\nexpect:\n  path: [x]\n  outcome: remediated\n',
    });
    const result = run(['test', directory]);
    const text = result.out.join('\n');
    expect(text).toMatch(/PASS .*ok\.scenario\.yaml: healthy/);
    expect(text).toMatch(
      /FAIL .*wrong\.scenario\.yaml: wrong expectation\n {5}path: expected health → route → fine\n {10}got {6}health → route → broken\n {5}outcome: expected no_fault_found, got escalated/,
    );
    expect(text).toMatch(/FAIL .*bad\.scenario\.yaml\n {5}.*bad\.scenario\.yaml:5:12 expect\.outcome: Invalid option/);
    expect(text).toMatch(/FAIL .*missing\.scenario\.yaml: no such wizard\n {5}wizard "other" is not among the wizards given/);
    expect(result.out.at(-1)).toBe('1 passed, 3 failed');
    expect(result.status).toBe(1);
  });

  it('fails the scenarios of a wizard that does not lint', () => {
    const directory = writeTree('broken-wizard', {
      'broken.yaml': broken,
      'broken.scenario.yaml': 'scenario: never runs\nwizard: broken\nexpect:\n  path: [look]\n  outcome: remediated\n',
    });
    const result = run(['test', directory]);
    expect(result.out.join('\n')).toMatch(
      /FAIL .*broken\.scenario\.yaml: never runs\n {5}.*broken\.yaml has 2 lint errors; first: .*unknown-probe/,
    );
    expect(result.status).toBe(1);
  });

  it('fails when there is no scenario to run', () => {
    const result = run(['test', join(fixtures, 'sso-login-failing.yaml')]);
    expect(result.status).toBe(1);
    expect(result.err[0]).toMatch(/no scenario files/);
  });
});

describe('npm run wizards entry point', () => {
  it('runs as a script and sets the exit status', () => {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const good = spawnSync(tsx, ['scripts/wizards.ts', 'lint', 'test/fixtures/wizards'], { cwd: root, encoding: 'utf8' });
    expect(good.stdout.trim().split('\n').at(-1)).toBe('4 passed, 0 failed (8 scenario files skipped)');
    expect(good.status).toBe(0);
    const directory = writeTree('entry-broken', { 'broken.yaml': broken });
    const bad = spawnSync(tsx, ['scripts/wizards.ts', 'lint', directory], { cwd: root, encoding: 'utf8' });
    expect(bad.stdout).toMatch(/unknown-probe/);
    expect(bad.status).toBe(1);
  }, 120_000); // two tsx processes that each compile the linter: over 30 s on a loaded machine
});

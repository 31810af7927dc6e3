import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, parseWizard, runScenario, type Scenario, type WizardDefinition } from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';

const directory = join(import.meta.dirname, '..', '..', '..', 'resources', 'wizards');
const files = readdirSync(directory).sort();

function wizardFrom(source: string, file: string): WizardDefinition {
  const parsed = parseWizard(source, file, { catalog: demoPublishedCatalog() });
  expect(parsed.issues, file).toEqual([]);
  if (!parsed.definition) throw new Error(file);
  return parsed.definition;
}

const library = files
  .filter((file) => file.endsWith('.yaml') && !file.includes('.scenario.'))
  .map((file) => wizardFrom(readFileSync(join(directory, file), 'utf8'), file));
const scenarios = files
  .filter((file) => file.endsWith('.scenario.yaml'))
  .map((file): [string, Scenario] => {
    const parsed = parseScenario(readFileSync(join(directory, file), 'utf8'));
    if (!parsed.scenario) throw new Error(`${file}: ${JSON.stringify(parsed.problems)}`);
    return [file, parsed.scenario];
  });

describe('the starter scenarios assert what their actions send (issue 11)', () => {
  it('every scenario that reaches an action step says what that step sends, and passes', () => {
    let asserted = 0;
    for (const [file, scenario] of scenarios) {
      const definition = library.find((wizard) => wizard.id === scenario.wizard);
      if (!definition) throw new Error(`${file}: no wizard ${scenario.wizard}`);
      const actionSteps = definition.steps.filter((step) => step.kind === 'action').map((step) => step.id);
      const reached = scenario.expect.path.filter((path) => actionSteps.includes(path));
      expect(Object.keys(scenario.expect.actions ?? {}).sort(), file).toEqual([...new Set(reached)].sort());
      asserted += reached.length;
      expect(runScenario(scenario, library, demoPublishedCatalog()).failures, file).toEqual([]);
    }
    // All five wizards have at least one scenario that reaches their action.
    expect(asserted).toBeGreaterThanOrEqual(5);
  });

  it('a starter scenario fails when its wizard would send other parameters', () => {
    const file = 'sso-sign-in-failing.yaml';
    const source = readFileSync(join(directory, file), 'utf8');
    const changed = source.replace('params: { key: sso.enforce, value: false }', 'params: { key: sso.enforce, value: true }');
    expect(changed).not.toBe(source);
    const others = library.filter((wizard) => wizard.id !== 'sso-sign-in-failing');
    const scenario = scenarios.find(([name]) => name === 'sso-sign-in-failing.enforced.scenario.yaml')?.[1];
    if (!scenario) throw new Error('no scenario');
    const result = runScenario(scenario, [...others, wizardFrom(changed, file)], demoPublishedCatalog());
    expect(result.failures).toEqual([
      [
        'action "stop-enforcing": what it would send differs (- expected, + sent):',
        ' {',
        '   "action": "flags.set",',
        '   "params": {',
        '     "key": "sso.enforce",',
        '-    "value": false',
        '+    "value": true',
        '   }',
        ' }',
      ].join('\n'),
    ]);
  });

  it('a practice scenario fails when the simulated action would be refused by the server', () => {
    // Practice never calls the server, so the params check is the only thing between practice and a refused real run.
    // A change's newValue is any JSON, so lint cannot know its type; the scenario's data makes it the string "pro".
    const file = 'feature-not-visible.yaml';
    const source = readFileSync(join(directory, file), 'utf8');
    const changed = source.replace(
      'params: { feature: "${inputs.feature}", enabled: true }',
      'params: { feature: "${inputs.feature}", enabled: "${checks.changes.items.map(c, c.newValue)[1]}" }',
    );
    expect(changed).not.toBe(source);
    const scenario = scenarios.find(([name]) => name === 'feature-not-visible.switched-on.scenario.yaml')?.[1];
    if (!scenario) throw new Error('no scenario');
    const others = library.filter((wizard) => wizard.id !== 'feature-not-visible');
    for (const practice of [false, true]) {
      const result = runScenario(
        { ...scenario, practice, expect: { ...scenario.expect, actions: {} } },
        [...others, wizardFrom(changed, file)],
        demoPublishedCatalog(),
      );
      expect(result.failures, `practice: ${practice}`).toEqual([
        'action "switch-on": the server would refuse the plan (400 invalid_params): enabled: Invalid input: expected boolean, received string',
      ]);
    }
  });
});

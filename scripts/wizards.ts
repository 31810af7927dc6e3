/**
 * Authoring CLI for wizards (issue 5 §6).
 *
 *   npm run wizards -- lint <paths…>   validate wizard files (directories recursively)
 *   npm run wizards -- test <paths…>   run *.scenario.yaml files through the engine
 *
 * Wizards in resources/wizards (the bundled library) are always known, so a
 * wizard elsewhere may link to them. Exit status 1 when anything fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import {
  catalogNames,
  isScenarioSource,
  parseScenario,
  parseWizard,
  runScenario,
  WizardSchema,
  wizardSignature,
  type ValidationIssue,
  type WizardDefinition,
  type WizardSignature,
} from '../shared/wizards/index';

/** Where the CLI writes; tests pass collectors. */
export type CliOutput = { out: (line: string) => void; err: (line: string) => void };

type Options = { cwd: string; libraryDirectory: string };

const usage = [
  'usage: npm run wizards -- lint <paths…>',
  '       npm run wizards -- test <paths…>',
  '',
  'lint  validates every .yaml/.yml wizard file under the paths (scenario files are skipped)',
  'test  runs every *.scenario.yaml under the paths against the wizards found there and in resources/wizards',
].join('\n');

/** Runs the CLI; resolves to the exit status. */
export function runWizardsCli(args: readonly string[], output: CliOutput, options: Partial<Options> = {}): number {
  const cwd = options.cwd ?? process.cwd();
  const resolved: Options = { cwd, libraryDirectory: options.libraryDirectory ?? join(cwd, 'resources', 'wizards') };
  const [command, ...paths] = args;
  if ((command !== 'lint' && command !== 'test') || paths.length === 0) {
    output.err(usage);
    return 2;
  }
  let files: string[];
  try {
    files = collectYamlFiles(paths.map((path) => resolve(cwd, path)));
  } catch (error) {
    output.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  return command === 'lint' ? lint(files, output, resolved) : test(files, output, resolved);
}

function collectYamlFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    if (!existsSync(path)) throw new Error(`no such file or directory: ${path}`);
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort())
        if (!entry.startsWith('.') && entry !== 'node_modules') visit(join(path, entry));
    } else if (/\.ya?ml$/.test(path)) found.push(path);
  };
  for (const path of paths) visit(path);
  return [...new Set(found)];
}

type Loaded = { file: string; display: string; source: string; isScenario: boolean };

function load(files: readonly string[], cwd: string): Loaded[] {
  return files.map((file) => {
    const source = readFileSync(file, 'utf8');
    const isScenario = /\.scenario\.ya?ml$/.test(file) || isScenarioSource(source);
    return { file, display: relative(cwd, file) || file, source, isScenario };
  });
}

/** The signature of a file that at least matches the schema, so links to a wizard with other problems still resolve. */
function signatureOf(source: string): WizardSignature | null {
  const document = parseDocument(source);
  if (document.errors.length > 0) return null;
  const parsed = WizardSchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  return parsed.success ? wizardSignature(parsed.data) : null;
}

function libraryFiles(options: Options, exclude: ReadonlySet<string>): Loaded[] {
  if (!existsSync(options.libraryDirectory)) return [];
  return load(collectYamlFiles([options.libraryDirectory]), options.cwd).filter(
    (loaded) => !loaded.isScenario && !exclude.has(loaded.file),
  );
}

/** Validates every wizard; returns the valid definitions and each file's issues. */
function validateAll(
  wizards: readonly Loaded[],
  extra: readonly Loaded[],
): { definitions: Map<string, WizardDefinition>; issues: Map<string, ValidationIssue[]> } {
  const signatures = [...wizards, ...extra]
    .map((loaded) => signatureOf(loaded.source))
    .filter((signature): signature is WizardSignature => signature !== null);
  const context = { ...catalogNames(), knownWizards: signatures };
  const definitions = new Map<string, WizardDefinition>();
  const issues = new Map<string, ValidationIssue[]>();
  for (const loaded of [...wizards, ...extra]) {
    const result = parseWizard(loaded.source, loaded.display, context);
    issues.set(loaded.file, result.issues);
    if (result.definition) definitions.set(loaded.file, result.definition);
  }
  return { definitions, issues };
}

function formatIssue(issue: ValidationIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.stepId ?? '-'} ${issue.code} ${issue.message}`;
}

function lint(files: readonly string[], output: CliOutput, options: Options): number {
  const loaded = load(files, options.cwd);
  const wizards = loaded.filter((file) => !file.isScenario);
  if (wizards.length === 0) {
    output.err('no wizard files (.yaml/.yml) found under the given paths');
    output.out('0 passed, 0 failed');
    return 1;
  }
  const inputs = new Set(wizards.map((wizard) => wizard.file));
  const { issues } = validateAll(wizards, libraryFiles(options, inputs));
  let failed = 0;
  for (const wizard of wizards) {
    const found = issues.get(wizard.file) ?? [];
    if (found.length > 0) failed += 1;
    for (const issue of found) output.out(formatIssue(issue));
  }
  const skipped = loaded.length - wizards.length;
  output.out(
    `${wizards.length - failed} passed, ${failed} failed${skipped ? ` (${skipped} scenario file${skipped === 1 ? '' : 's'} skipped)` : ''}`,
  );
  return failed > 0 ? 1 : 0;
}

function test(files: readonly string[], output: CliOutput, options: Options): number {
  const loaded = load(files, options.cwd);
  const scenarios = loaded.filter((file) => file.isScenario);
  const wizards = loaded.filter((file) => !file.isScenario);
  if (scenarios.length === 0) {
    output.err('no scenario files (*.scenario.yaml) found under the given paths');
    output.out('0 passed, 0 failed');
    return 1;
  }
  const inputs = new Set(wizards.map((wizard) => wizard.file));
  const extra = libraryFiles(options, inputs);
  const { definitions, issues } = validateAll(wizards, extra);
  const library = [...definitions.values()];
  const broken = new Map<string, string>();
  for (const wizard of [...wizards, ...extra]) {
    const found = issues.get(wizard.file) ?? [];
    const id = signatureOf(wizard.source)?.id;
    const [first] = found;
    if (first && id)
      broken.set(
        id,
        `${wizard.display} has ${found.length} lint error${found.length === 1 ? '' : 's'}; first: ${formatIssue(first)}`,
      );
  }

  let passed = 0;
  let failed = 0;
  for (const file of scenarios) {
    const parsed = parseScenario(file.source);
    if (!parsed.scenario) {
      failed += 1;
      output.out(`FAIL ${file.display}`);
      for (const problem of parsed.problems)
        output.out(`     ${file.display}:${problem.line}:${problem.column} ${problem.message}`);
      continue;
    }
    const scenario = parsed.scenario;
    const brokenWizard = broken.get(scenario.wizard);
    const result =
      brokenWizard && !library.some((definition) => definition.id === scenario.wizard)
        ? { passed: false, failures: [brokenWizard] }
        : runScenario(scenario, library);
    if (result.passed) {
      passed += 1;
      output.out(`PASS ${file.display}: ${scenario.scenario}`);
    } else {
      failed += 1;
      output.out(`FAIL ${file.display}: ${scenario.scenario}`);
      for (const failure of result.failures) output.out(`     ${failure}`);
    }
  }
  output.out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) {
  const status = runWizardsCli(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
  process.exitCode = status;
}

/**
 * Authoring CLI for wizards (issue 5 §6).
 *
 *   npm run wizards -- lint <paths…>   validate wizard files (directories recursively)
 *   npm run wizards -- test <paths…>   run *.scenario.yaml files through the engine
 *   --catalog <file|url>               check against a catalog file, or a server's effective
 *                                      catalog (GET <url>/v1/catalog, token in LIGHTKEEPER_TOKEN)
 *
 * Wizards in resources/wizards (the bundled library) are always known, so a
 * wizard elsewhere may link to them. Exit status 1 when anything fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { PublishedCatalogSchema, type PublishedCatalog } from '../shared/catalog/format';
import { formatCatalogIssue, parseCatalog } from '../shared/catalog/parse';
import { publishCatalog } from '../shared/catalog/publish';
import { catalogContext, type ValidationContext } from '../shared/wizards/validate';
import {
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

type Options = {
  cwd: string;
  libraryDirectory: string;
  /** A server's effective catalog fetched beforehand (`--catalog <url>`); a file is read here. */
  catalog?: PublishedCatalog | null;
};

type Resolved = { cwd: string; libraryDirectory: string; context: ValidationContext };

const usage = [
  'usage: npm run wizards -- lint [--catalog <file|url>] <paths…>',
  '       npm run wizards -- test [--catalog <file|url>] <paths…>',
  '',
  'lint  validates every .yaml/.yml wizard file under the paths (scenario files are skipped)',
  'test  runs every *.scenario.yaml under the paths against the wizards found there and in resources/wizards',
  '--catalog  the probes and actions to check against: a catalog file, or a server URL (its /v1/catalog;',
  '           LIGHTKEEPER_TOKEN holds the bearer token); default: resources/catalogs/demo.catalog.yaml',
].join('\n');

/** Splits `--catalog X` off the arguments. */
function catalogArgument(args: readonly string[]): { catalog: string | null; rest: string[] } {
  const index = args.indexOf('--catalog');
  if (index < 0) return { catalog: null, rest: [...args] };
  return { catalog: args[index + 1] ?? '', rest: [...args.slice(0, index), ...args.slice(index + 2)] };
}

/** The catalog `npm run server` runs when given none. */
const DEFAULT_CATALOG = join(import.meta.dirname, '..', 'resources', 'catalogs', 'demo.catalog.yaml');

const isUrl = (value: string) => /^https?:\/\//.test(value);

/** The validation context of a catalog file, or the problems that make it unusable. */
function catalogFileContext(file: string, display: string): { context: ValidationContext } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { problems: [`--catalog ${display}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const parsed = parseCatalog(text, display);
  if (!parsed.definition) return { problems: parsed.issues.map(formatCatalogIssue) };
  return { context: catalogContext(publishCatalog(parsed.definition, new Date().toISOString())) };
}

/** Fetches a server's effective catalog for `--catalog <url>`. */
export async function fetchCatalog(url: string, bearer: string | undefined): Promise<PublishedCatalog> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/v1/catalog`, {
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`--catalog ${url}: the server answered ${response.status}: ${text.slice(0, 300)}`);
  const parsed = PublishedCatalogSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`--catalog ${url}: the answer is not a catalog (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** Runs the CLI; resolves to the exit status. */
export function runWizardsCli(args: readonly string[], output: CliOutput, options: Partial<Options> = {}): number {
  const cwd = options.cwd ?? process.cwd();
  const { catalog, rest } = catalogArgument(args);
  const [command, ...paths] = rest;
  if ((command !== 'lint' && command !== 'test') || paths.length === 0 || catalog === '') {
    output.err(usage);
    return 2;
  }
  let context: ValidationContext;
  if (options.catalog) context = catalogContext(options.catalog);
  else if (catalog !== null && isUrl(catalog)) {
    output.err(`--catalog ${catalog}: a server's catalog is fetched by the command line entry point; pass it as options.catalog`);
    return 2;
  } else {
    // Without --catalog: the catalog the server runs by default (the demo fleet's).
    const file = catalog ?? DEFAULT_CATALOG;
    const display = catalog ?? (relative(cwd, file) || file);
    const loaded = catalogFileContext(resolve(cwd, file), display);
    if ('problems' in loaded) {
      for (const problem of loaded.problems) output.err(problem);
      output.err(`--catalog ${display} has problems; fix it first (nothing was checked)`);
      return 2;
    }
    context = loaded.context;
  }
  const resolved: Resolved = { cwd, libraryDirectory: options.libraryDirectory ?? join(cwd, 'resources', 'wizards'), context };
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
  // Catalog files (docs/catalog.md) often sit next to the wizards that use them; they are not wizards.
  return files
    .filter((file) => !/\.catalog\.ya?ml$/.test(file))
    .map((file) => {
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

function libraryFiles(options: Resolved, exclude: ReadonlySet<string>): Loaded[] {
  if (!existsSync(options.libraryDirectory)) return [];
  return load(collectYamlFiles([options.libraryDirectory]), options.cwd).filter(
    (loaded) => !loaded.isScenario && !exclude.has(loaded.file),
  );
}

/** Validates every wizard; returns the valid definitions and each file's issues. */
function validateAll(
  wizards: readonly Loaded[],
  extra: readonly Loaded[],
  catalog: ValidationContext,
): { definitions: Map<string, WizardDefinition>; issues: Map<string, ValidationIssue[]> } {
  const signatures = [...wizards, ...extra]
    .map((loaded) => signatureOf(loaded.source))
    .filter((signature): signature is WizardSignature => signature !== null);
  const context = { ...catalog, knownWizards: signatures };
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

function lint(files: readonly string[], output: CliOutput, options: Resolved): number {
  const loaded = load(files, options.cwd);
  const wizards = loaded.filter((file) => !file.isScenario);
  if (wizards.length === 0) {
    output.err('no wizard files (.yaml/.yml) found under the given paths');
    output.out('0 passed, 0 failed');
    return 1;
  }
  const inputs = new Set(wizards.map((wizard) => wizard.file));
  const { issues } = validateAll(wizards, libraryFiles(options, inputs), options.context);
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

function test(files: readonly string[], output: CliOutput, options: Resolved): number {
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
  const { definitions, issues } = validateAll(wizards, extra, options.context);
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
        : runScenario(scenario, library, options.context.catalog);
    if (result.passed) {
      passed += 1;
      output.out(`PASS ${file.display}: ${scenario.scenario}`);
    } else {
      failed += 1;
      output.out(`FAIL ${file.display}: ${scenario.scenario}`);
      for (const failure of result.failures) output.out(failure.replace(/^/gm, '     '));
    }
  }
  output.out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntryPoint) {
  const args = process.argv.slice(2);
  const output = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
  const { catalog } = catalogArgument(args);
  if (catalog !== null && isUrl(catalog)) {
    fetchCatalog(catalog, process.env.LIGHTKEEPER_TOKEN)
      .then((published) => {
        process.exitCode = runWizardsCli(args, output, { catalog: published });
      })
      .catch((error: unknown) => {
        output.err(error instanceof Error ? error.message : String(error));
        process.exitCode = 2;
      });
  } else process.exitCode = runWizardsCli(args, output);
}

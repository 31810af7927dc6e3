import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { PublishedCatalogSchema, type PublishedCatalog } from '../../shared/catalog/format';
import { definitionHash } from '../../shared/wizards/engine';
import { WizardSchema, type WizardDefinition } from '../../shared/wizards/format';
import { sha256Hex } from '../../shared/wizards/hash';
import { isScenarioSource, parseScenario, type Scenario } from '../../shared/wizards/scenario';
import {
  catalogContext,
  parseWizard,
  wizardSignature,
  type ValidationContext,
  type WizardSignature,
} from '../../shared/wizards/validate';
import type { Logger } from '../../shared/log';

/**
 * The desk's wizard library: versions published on the server (synced into the
 * `wizard_library` cache table) and the starter library bundled with the app
 * (resources/wizards). Every file is validated with the shared validator
 * against the server's effective catalog as synced (the `catalog` table); an
 * invalid one is logged and left out, never fatal. When a new catalog arrives,
 * every wizard — bundled ones too — is checked again against it, so the
 * library, suggestions and practice runs only offer wizards this server can run.
 * Before the first catalog arrives, probe and action names are not checked.
 */

/** One wizard version the desk can run. */
export type LibraryEntry = {
  id: string;
  version: number;
  title: string;
  description: string;
  appliesTo: { features: string[]; eventKinds: string[]; symptoms: string[] };
  origin: 'server' | 'bundled';
  source: string;
  definition: WizardDefinition;
  /** The content hash a run pins (see `definitionHash`). */
  hash: string;
};

/** Options for {@link createWizardLibrary}. */
export type WizardLibraryOptions = {
  db: Database.Database;
  /** resources/wizards, or null for none. */
  bundledDirectory: string | null;
  log: Logger;
};

type ServerRow = { id: string; version: number; source: string };

function signatureOf(source: string): WizardSignature | null {
  const document = parseDocument(source);
  if (document.errors.length > 0) return null;
  const parsed = WizardSchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  return parsed.success ? wizardSignature(parsed.data) : null;
}

function toEntry(definition: WizardDefinition, source: string, origin: LibraryEntry['origin']): LibraryEntry {
  // The definition crosses JSON on its way into a run's pins; hash the same plain copy the run will hold.
  const plain = JSON.parse(JSON.stringify(definition)) as WizardDefinition;
  return {
    id: plain.id,
    version: plain.version,
    title: plain.title,
    description: plain.description ?? '',
    appliesTo: plain.appliesTo,
    origin,
    source,
    definition: plain,
    hash: definitionHash(plain),
  };
}

/**
 * Practice runs draw their simulated results from a scenario of the wizard:
 * one marked `practice: true` first, then one that ends `remediated` or
 * `workaround` (the path a trainee should see), then the first by file name.
 */
function practicePreference(scenario: Scenario): number {
  if (scenario.practice) return 0;
  if (scenario.expect.outcome === 'remediated' || scenario.expect.outcome === 'workaround') return 1;
  return 2;
}

/** Creates the library; call `loadBundled()` once at desk start. */
export function createWizardLibrary(options: WizardLibraryOptions) {
  const { db, log } = options;
  const serverRows = db.prepare<[], ServerRow>('select id, version, source from wizard_library order by id, version');
  const catalogRow = db.prepare<[], { catalog: string; hash: string }>(
    "select catalog, hash from catalog where name = 'effective'",
  );
  let catalogCache: { hash: string; catalog: PublishedCatalog | null } | null = null;
  let bundledFiles: { name: string; source: string }[] = [];
  /** The bundled wizards as validated against the catalog with this hash (null: none synced yet). */
  let bundledFor: { hash: string | null; entries: LibraryEntry[]; loaded: string[]; skipped: string[] } | null = null;
  let bundledSignatures: WizardSignature[] = [];
  let scenarios = new Map<string, Scenario[]>();
  /** Parsed server rows by id, version and source digest; null for rows that failed validation (logged once). */
  const parsedServer = new Map<string, LibraryEntry | null>();

  /** The server's effective catalog as synced, or null before the first sync (or when it cannot be read). */
  function currentCatalog(): { hash: string | null; catalog: PublishedCatalog | null } {
    const row = catalogRow.get();
    if (!row) return { hash: null, catalog: null };
    if (catalogCache?.hash === row.hash) return catalogCache;
    const parsed = PublishedCatalogSchema.safeParse(JSON.parse(row.catalog));
    if (!parsed.success)
      log.warn('the synced catalog cannot be read; probe and action names are not checked until it can', {
        problem: parsed.error.issues[0]?.message,
      });
    catalogCache = { hash: row.hash, catalog: parsed.success ? parsed.data : null };
    // Wizards validated against the previous catalog are checked again.
    parsedServer.clear();
    bundledFor = null;
    return catalogCache;
  }

  function catalogValidation(): ValidationContext {
    return catalogContext(currentCatalog().catalog);
  }

  function loadBundled(): { loaded: string[]; skipped: string[] } {
    const directory = options.bundledDirectory;
    bundledFiles = [];
    bundledFor = null;
    bundledSignatures = [];
    scenarios = new Map();
    if (!directory || !fs.existsSync(directory)) {
      if (directory) log.warn('the bundled wizard library is missing', { directory });
      return { loaded: [], skipped: [] };
    }
    const files = fs
      .readdirSync(directory)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => ({ name, source: fs.readFileSync(path.join(directory, name), 'utf8') }));
    const isScenario = (file: { name: string; source: string }) =>
      /\.scenario\.ya?ml$/.test(file.name) || isScenarioSource(file.source);
    bundledFiles = files.filter((file) => !isScenario(file));
    bundledSignatures = bundledFiles
      .map((file) => signatureOf(file.source))
      .filter((signature): signature is WizardSignature => signature !== null);
    for (const file of files.filter(isScenario)) {
      const parsed = parseScenario(file.source);
      if (!parsed.scenario) {
        log.warn('skipped an invalid scenario file', {
          file: file.name,
          problems: parsed.problems.slice(0, 3).map((problem) => `${problem.line}:${problem.column} ${problem.message}`),
        });
        continue;
      }
      const list = scenarios.get(parsed.scenario.wizard) ?? [];
      list.push(parsed.scenario);
      scenarios.set(parsed.scenario.wizard, list);
    }
    for (const list of scenarios.values()) list.sort((a, b) => practicePreference(a) - practicePreference(b));
    const { loaded, skipped } = bundledEntries();
    return { loaded, skipped };
  }

  /** The bundled wizards valid against the catalog in force; checked again whenever the catalog changes. */
  function bundledEntries(): { entries: LibraryEntry[]; loaded: string[]; skipped: string[] } {
    const { hash } = currentCatalog();
    if (bundledFor && bundledFor.hash === hash) return bundledFor;
    const context = { ...catalogValidation(), knownWizards: [...bundledSignatures, ...serverSignatures()] };
    const result = { hash, entries: [] as LibraryEntry[], loaded: [] as string[], skipped: [] as string[] };
    for (const file of bundledFiles) {
      const parsed = parseWizard(file.source, file.name, context);
      if (!parsed.definition) {
        result.skipped.push(file.name);
        log.warn('skipped an invalid bundled wizard', {
          file: file.name,
          ...(hash ? { catalog: hash } : {}),
          problems: parsed.issues.slice(0, 5).map((issue) => `${issue.line}:${issue.column} ${issue.code} ${issue.message}`),
        });
        continue;
      }
      result.entries.push(toEntry(parsed.definition, file.source, 'bundled'));
      result.loaded.push(file.name);
    }
    bundledFor = result;
    return result;
  }

  function serverSignatures(): WizardSignature[] {
    return serverRows
      .all()
      .map((row) => signatureOf(row.source))
      .filter((signature): signature is WizardSignature => signature !== null);
  }

  function serverEntries(): LibraryEntry[] {
    const rows = serverRows.all();
    const entries: LibraryEntry[] = [];
    let context: ValidationContext | null = null;
    const catalog = catalogValidation();
    for (const row of rows) {
      const key = `${row.id}@${row.version}#${sha256Hex(row.source)}`;
      if (!parsedServer.has(key)) {
        context ??= { ...catalog, knownWizards: [...bundledSignatures, ...serverSignatures()] };
        const result = parseWizard(row.source, `${row.id}@${row.version}`, context);
        const definition = result.definition;
        if (!definition || definition.id !== row.id || definition.version !== row.version) {
          log.warn('skipped an invalid wizard from the server library', {
            wizard: `${row.id}@${row.version}`,
            problems: definition
              ? [`the file says ${definition.id}@${definition.version}`]
              : result.issues.slice(0, 5).map((issue) => `${issue.line}:${issue.column} ${issue.code} ${issue.message}`),
          });
          parsedServer.set(key, null);
        } else {
          parsedServer.set(key, toEntry(definition, row.source, 'server'));
        }
      }
      const entry = parsedServer.get(key);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Every version the desk knows: server versions first, so they win ties. */
  function all(): LibraryEntry[] {
    return [...serverEntries(), ...bundledEntries().entries];
  }

  /** The newest version of each wizard; at an equal version the server's copy wins over the bundled one. */
  function latest(): LibraryEntry[] {
    const best = new Map<string, LibraryEntry>();
    for (const entry of all()) {
      const current = best.get(entry.id);
      if (!current || entry.version > current.version) best.set(entry.id, entry);
    }
    return [...best.values()].sort((a, b) => a.title.localeCompare(b.title));
  }

  return {
    loadBundled,
    all,
    latest,
    /** The server's effective catalog as synced (null before the first sync): what probe results are checked against. */
    catalog: (): PublishedCatalog | null => currentCatalog().catalog,
    /** One wizard: the given version (server copy first), or the newest. */
    find(id: string, version?: number): LibraryEntry | null {
      if (version === undefined) return latest().find((entry) => entry.id === id) ?? null;
      return all().find((entry) => entry.id === id && entry.version === version) ?? null;
    },
    /** The scenario practice runs of this wizard simulate from, or null (then neutral defaults apply). */
    practiceScenario(id: string, version: number): Scenario | null {
      const list = scenarios.get(id) ?? [];
      return list.find((scenario) => scenario.version === undefined || scenario.version === version) ?? null;
    },
  };
}

/** The wizard library type. */
export type WizardLibrary = ReturnType<typeof createWizardLibrary>;

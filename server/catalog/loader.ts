import fs from 'node:fs';
import path from 'node:path';
import { formatCatalogIssue, parseCatalog, type CatalogIssue } from '../../shared/catalog/parse';
import { errorMessage, type Logger } from '../log';
import type { ProbeRegistry } from '../remediation/types';
import { publishEffectiveCatalog } from '../repo/catalogs';
import type { Storage } from '../storage/types';
import { createCatalogRuntime, type CatalogRuntime, type Connector } from './runtime';
import { createSecretSource, readSecretsFile } from './secrets';

/**
 * The server's catalog: loaded from a file at start, reloaded when the file
 * changes or an admin asks (POST /v1/catalog/reload). A file with any problem
 * never replaces the catalog in force: the problems are logged (and answered to
 * the admin) with file:line:column, and the old catalog keeps running.
 */

export type CatalogHolderOptions = {
  file: string;
  /** A YAML/JSON mapping of secret names to values (`--secrets-file`), or null. */
  secretsFile: string | null;
  env: Readonly<Record<string, string | undefined>>;
  connectors: Readonly<Record<string, Connector>>;
  scriptAllowlist: readonly string[];
  storage: Storage;
  log: Logger;
  now: () => number;
};

/** The outcome of a (re)load. */
export type CatalogLoadResult =
  | { status: 'loaded' | 'unchanged'; catalog: string; hash: string; probes: number; actions: number }
  | { status: 'rejected'; issues: CatalogIssue[]; message: string };

/** A catalog file that cannot run; the message names the file and every problem. */
export class CatalogRejectedError extends Error {
  constructor(
    message: string,
    readonly issues: CatalogIssue[],
  ) {
    super(message);
    this.name = 'CatalogRejectedError';
  }
}

function readAndCheck(options: CatalogHolderOptions): { runtime: CatalogRuntime } | { issues: CatalogIssue[]; message: string } {
  const display = path.basename(options.file);
  let text: string;
  try {
    text = fs.readFileSync(options.file, 'utf8');
  } catch (error) {
    const message = `catalog ${options.file} cannot be read: ${errorMessage(error)}`;
    return { issues: [{ file: display, line: 1, column: 1, code: 'yaml-syntax', where: '', message }], message };
  }
  let fileSecrets: Record<string, string> = {};
  if (options.secretsFile) {
    try {
      fileSecrets = readSecretsFile(options.secretsFile);
    } catch (error) {
      const message = errorMessage(error);
      return {
        issues: [
          { file: path.basename(options.secretsFile), line: 1, column: 1, code: 'secret-unavailable', where: '', message },
        ],
        message,
      };
    }
  }
  const secrets = createSecretSource(options.env, fileSecrets);
  const parsed = parseCatalog(text, display, {
    isSecretAvailable: (reference) => secrets.resolve(reference) !== undefined,
    connectors: Object.keys(options.connectors),
    scriptAllowlist: options.scriptAllowlist,
  });
  if (!parsed.definition) {
    const count = parsed.issues.length;
    return {
      issues: parsed.issues,
      message: `catalog ${options.file}: ${count} problem${count === 1 ? '' : 's'}; the catalog in force was kept`,
    };
  }
  return {
    runtime: createCatalogRuntime(parsed.definition, {
      secrets,
      connectors: options.connectors,
      scriptAllowlist: options.scriptAllowlist,
      now: options.now,
    }),
  };
}

/** Loads the catalog once; throws CatalogRejectedError when the file cannot run (the server must not start on it). */
export async function createCatalogHolder(options: CatalogHolderOptions) {
  const first = readAndCheck(options);
  if ('issues' in first)
    throw new CatalogRejectedError(`${first.message}\n${first.issues.map(formatCatalogIssue).join('\n')}`, first.issues);
  let current = first.runtime;
  await options.storage.transaction((db) => publishEffectiveCatalog(db, current.published));
  let watcher: fs.FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let reloading: Promise<CatalogLoadResult> | null = null;

  async function load(): Promise<CatalogLoadResult> {
    const next = readAndCheck(options);
    if ('issues' in next) {
      options.log.warn('catalog reload refused', {
        file: options.file,
        problems: next.issues.slice(0, 20).map(formatCatalogIssue),
      });
      return { status: 'rejected', issues: next.issues, message: next.message };
    }
    const isChanged =
      next.runtime.published.hash !== current.published.hash ||
      JSON.stringify(next.runtime.definition) !== JSON.stringify(current.definition);
    if (isChanged) {
      await options.storage.transaction((db) => publishEffectiveCatalog(db, next.runtime.published));
      current = next.runtime;
      options.log.info('catalog loaded', {
        file: options.file,
        catalog: current.definition.catalog,
        hash: current.published.hash,
      });
    }
    return {
      status: isChanged ? 'loaded' : 'unchanged',
      catalog: current.definition.catalog,
      hash: current.published.hash,
      probes: current.published.probes.length,
      actions: current.published.actions.length,
    };
  }

  /** Reloads now; concurrent calls share one load. */
  function reload(): Promise<CatalogLoadResult> {
    reloading ??= load().finally(() => {
      reloading = null;
    });
    return reloading;
  }

  // The registries the remediation service holds: always the catalog in force.
  const probes: ProbeRegistry = {
    get names() {
      return current.probes.names;
    },
    run: (name, input) => current.probes.run(name, input),
  };
  const actions = {
    get: (name: string) => current.actions.get(name),
    list: () => current.actions.list(),
  };

  return {
    current: () => current,
    reload,
    probes,
    actions,
    /** Reloads when the file changes (editors replace files, so the folder is watched). */
    watch(): void {
      if (watcher) return;
      const name = path.basename(options.file);
      watcher = fs.watch(path.dirname(options.file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        if (debounce) clearTimeout(debounce);
        debounce = setTimeout(
          () =>
            void reload().catch((error: unknown) => options.log.error('catalog reload failed', { error: errorMessage(error) })),
          200,
        );
      });
      watcher.on('error', (error) =>
        options.log.warn('catalog watch stopped', { file: options.file, error: errorMessage(error) }),
      );
    },
    close(): void {
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      watcher = null;
    },
  };
}

/** The catalog holder. */
export type CatalogHolder = Awaited<ReturnType<typeof createCatalogHolder>>;

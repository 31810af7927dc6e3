import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from './app';
import { CatalogRejectedError, createCatalogHolder, type CatalogHolder } from './catalog/loader';
import { createDemoConnector } from './demo/connector';
import { startLiveLoop, type LiveLoop } from './demo/live-loop';
import { DEFAULT_CUSTOMERS } from './demo/fleet';
import { seedDemo } from './demo/seed';
import { createLogger, errorMessage } from './log';
import { trimChangeLog } from './repo/change-log';
import { loadIdentityConfig, type IdentityConfig } from './auth/config';
import { LinksConfigError, loadLinksConfig } from './links/config';
import { publishLinkTemplates } from './repo/links';
import type { LinkTemplates } from '../shared/links';
import { runSourcesCommand } from './ingest/admin-cli';
import { applySourcesFile, readSourcesFile, SourcesFileError, type DeclaredSource } from './ingest/sources-file';
import { publishBundledWizards } from './remediation/wizard-library';
import { ensureAdminToken } from './repo/tokens';
import { openStorage } from './storage/open';
import { defaultPgliteTemplate } from './storage/pglite-template';
import type { Storage } from './storage/types';

/*
 * `npm run server -- [flags]`: the reference backend, standalone. Human-readable
 * lines go to stderr; with --json, stdout carries exactly one JSON line once the
 * server listens ({"url","token"?,"storage"}) for launchers to read.
 */

const USAGE = `Usage: npm run server -- [options]
  --port N             port to listen on (default 4700; 0 picks a free one)      env LIGHTKEEPER_SERVER_PORT
  --host H             interface to listen on (default 127.0.0.1)                env LIGHTKEEPER_SERVER_HOST
  --data-dir DIR       embedded PGlite data directory                            env LIGHTKEEPER_SERVER_DATA_DIR
  --database-url URL   PostgreSQL instead of PGlite                              env DATABASE_URL
  --pglite-template F  prepared empty cluster a new --data-dir starts from (default the build's
                       out/pglite-template-<version>.tar.gz; none: run initdb)   env LIGHTKEEPER_PGLITE_TEMPLATE
  --admin-token T      accept this admin token (prefer the env variable)        env LIGHTKEEPER_ADMIN_TOKEN
  --admin-name NAME    the name records show for that token (the desk's demo: you)  env LIGHTKEEPER_ADMIN_NAME
  --identity-config F  JSON file: the OpenID provider people sign in with, claims → roles and customers
                                                                                 env LIGHTKEEPER_IDENTITY_CONFIG
  --links-config F     JSON file: per source system, link templates for its tickets, incidents, alerts (https)
                                                                                 env LIGHTKEEPER_LINKS_CONFIG
  --demo               seed the demo fleet into an empty database and run live mode
  --seed N             demo seed (default 1)
  --customers N        demo customers (generator default when omitted)
  --events N           pad the demo history to N events (benchmarks)
  --heavy-customer-events N  about N of the padding events go to one customer (benchmarks)
  --live-interval S    seconds between live demo ticks (default 3; 0 disables)
  --log-retention-days D  keep the sync change log this long (default 30; 0 keeps it all);
                       desks whose cursor is older re-bootstrap the affected customers
  --catalog F          the probes and actions wizards may call (YAML, docs/catalog.md; reloaded when it
                       changes; default resources/catalogs/demo.catalog.yaml)          env LIGHTKEEPER_CATALOG
  --secrets-file F     secrets the catalog names by file key (YAML mapping, mode 600)  env LIGHTKEEPER_SECRETS_FILE
  --script-allow P     an executable script calls may run (absolute path; repeat or separate with commas)
  --wizards-dir DIR    starter wizards published at start (default resources/wizards)  env LIGHTKEEPER_WIZARDS_DIR
  --sources F          ingest sources declared in a YAML file, applied at start (docs/ingest.md)  env LIGHTKEEPER_SOURCES
Admin commands: npm run server -- sources list|add|rotate|remove|unmatched (see sources --help)
  --json               print one JSON line {"url","token"?,"storage"} on stdout when listening`;

function defaultDataDir(): string {
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Lightkeeper Server');
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Lightkeeper Server');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'lightkeeper-server');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`--${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  return value;
}

if (process.argv[2] === 'sources') {
  const code = await runSourcesCommand(process.argv.slice(3), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  });
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string', default: process.env.LIGHTKEEPER_SERVER_PORT ?? '4700' },
      host: { type: 'string', default: process.env.LIGHTKEEPER_SERVER_HOST ?? '127.0.0.1' },
      'data-dir': { type: 'string', default: process.env.LIGHTKEEPER_SERVER_DATA_DIR },
      'database-url': { type: 'string', default: process.env.DATABASE_URL },
      'pglite-template': { type: 'string', default: process.env.LIGHTKEEPER_PGLITE_TEMPLATE },
      'admin-token': { type: 'string', default: process.env.LIGHTKEEPER_ADMIN_TOKEN },
      'admin-name': { type: 'string', default: process.env.LIGHTKEEPER_ADMIN_NAME },
      'identity-config': { type: 'string', default: process.env.LIGHTKEEPER_IDENTITY_CONFIG },
      'links-config': { type: 'string', default: process.env.LIGHTKEEPER_LINKS_CONFIG },
      demo: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      customers: { type: 'string' },
      events: { type: 'string' },
      'heavy-customer-events': { type: 'string' },
      'live-interval': { type: 'string', default: '3' },
      'log-retention-days': { type: 'string', default: '30' },
      catalog: { type: 'string', default: process.env.LIGHTKEEPER_CATALOG },
      'secrets-file': { type: 'string', default: process.env.LIGHTKEEPER_SECRETS_FILE },
      'script-allow': { type: 'string', multiple: true, default: [] },
      'wizards-dir': { type: 'string', default: process.env.LIGHTKEEPER_WIZARDS_DIR },
      sources: { type: 'string', default: process.env.LIGHTKEEPER_SOURCES },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
} catch (error) {
  fail(errorMessage(error));
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const port = integer('port', values.port, 0, 65_535) ?? 4700;
const seed = integer('seed', values.seed, 0, Number.MAX_SAFE_INTEGER) ?? 1;
const customers = integer('customers', values.customers, 1, 1_000_000);
const events = integer('events', values.events, 0, 100_000_000);
const heavyEvents = integer('heavy-customer-events', values['heavy-customer-events'], 0, 100_000_000);
const liveIntervalSeconds = Number(values['live-interval']);
if (!Number.isFinite(liveIntervalSeconds) || liveIntervalSeconds < 0)
  fail(`--live-interval must be a number of seconds ≥ 0, got "${values['live-interval']}".`);
const retentionDays = Number(values['log-retention-days']);
if (!Number.isFinite(retentionDays) || retentionDays < 0)
  fail(`--log-retention-days must be a number ≥ 0, got "${values['log-retention-days']}".`);
const adminToken = values['admin-token'] || undefined;
if (adminToken !== undefined && !/^[A-Za-z0-9._~+/=-]{16,512}$/.test(adminToken)) {
  fail('The admin token must be 16 to 512 characters of letters, digits and ._~+/=-');
}
const databaseUrl = values['database-url'] || undefined;
if (process.env.LIGHTKEEPER_ACTIONS_CONFIG) {
  // Removed with issue 11: a catalog's http calls do what the actions config did, for probes too.
  fail(
    'LIGHTKEEPER_ACTIONS_CONFIG (--actions-config) is no longer read: declare the actions in a catalog file with http calls and start with --catalog (docs/catalog.md, "Moving from --actions-config").',
  );
}
const adminName = values['admin-name']?.trim().slice(0, 200) || null;
let linkTemplates: LinkTemplates = { templates: [] };
if (values['links-config']) {
  try {
    linkTemplates = loadLinksConfig(path.resolve(values['links-config']));
  } catch (error) {
    // Before the database opens: a refused file changes nothing, desks keep the templates they had.
    if (error instanceof LinksConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
let identity: IdentityConfig | null = null;
if (values['identity-config']) {
  try {
    identity = loadIdentityConfig(path.resolve(values['identity-config']));
  } catch (error) {
    fail(errorMessage(error));
  }
}
/**
 * The folder of the nearest package.json above this file: the checkout for `server/cli.ts`, the
 * app for `out/main/server.js` when bundled with the desktop app — one lookup serves both.
 */
function packageRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

function readPackageJson(): { version: string } {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  } catch {
    return { version: '0.0.0' };
  }
}

const catalogFile = values.catalog
  ? path.resolve(values.catalog)
  : path.join(packageRoot(), 'resources', 'catalogs', 'demo.catalog.yaml');
const scriptAllowlist = values['script-allow']
  .flatMap((item) => item.split(','))
  .map((item) => item.trim())
  .filter(Boolean);
for (const executable of scriptAllowlist) {
  if (!path.isAbsolute(executable)) fail(`--script-allow takes absolute paths, got "${executable}".`);
}
const wizardsDir = values['wizards-dir'] ? path.resolve(values['wizards-dir']) : path.join(packageRoot(), 'resources', 'wizards');
const sourcesFile = values.sources ? path.resolve(values.sources) : null;
let declaredSources: DeclaredSource[] = [];
if (sourcesFile) {
  try {
    declaredSources = readSourcesFile(sourcesFile, process.env);
  } catch (error) {
    if (error instanceof SourcesFileError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
const dataDir = databaseUrl ? undefined : path.resolve(values['data-dir'] ?? defaultDataDir());
const pgliteTemplate =
  values['pglite-template'] === 'none'
    ? null
    : values['pglite-template']
      ? path.resolve(values['pglite-template'])
      : defaultPgliteTemplate(packageRoot());

const log = createLogger();
const say = (line: string) => process.stderr.write(`${line}\n`);
const packageJson = readPackageJson();

// With --json, what the server is doing before it is ready, one JSON line each ({"starting": …}): the desk that
// launched it says so while its first start takes seconds (#15, item 2). The ready line ({"url": …}) comes last.
const progress = (step: { starting: 'database' | 'fleet' | 'wizards'; customers?: number }) => {
  if (values.json) process.stdout.write(`${JSON.stringify(step)}\n`);
};

let storage: Storage;
progress({ starting: 'database' });
try {
  storage = await openStorage({ databaseUrl, dataDir, pgliteTemplate });
} catch (error) {
  say(`Could not open the database: ${errorMessage(error)}`);
  process.exit(1);
}

let live: LiveLoop | null = null;
let catalog: CatalogHolder | null = null;
let retentionTimer: NodeJS.Timeout | null = null;
let app: Awaited<ReturnType<typeof createServer>> | null = null;
let stopping: Promise<void> | null = null;
const stop = (code: number) => {
  stopping ??= (async () => {
    if (retentionTimer !== null) clearInterval(retentionTimer);
    catalog?.close();
    await live?.stop();
    await app?.close();
    await storage.close();
  })()
    .catch((error: unknown) => {
      say(`Shutdown failed: ${errorMessage(error)}`);
    })
    .finally(() => process.exit(code));
  return stopping;
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const { generatedToken } = await storage.transaction((db) => ensureAdminToken(db, adminToken, adminName));
  if (values.demo) {
    const started = Date.now();
    progress({ starting: 'fleet', customers: customers ?? DEFAULT_CUSTOMERS });
    const result = await seedDemo(storage, { seed, customers, events, heavyEvents, now: Date.now(), log });
    if (!result.isSeeded)
      say('The database already holds other data: the demo fleet was not seeded; live mode runs over what is there.');
    else if (result.isNew)
      say(
        `Demo fleet seeded: ${result.customers} customers, ${result.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      );
    else say(`Demo fleet: ${result.customers} customers, ${result.events} events.`);
    live = startLiveLoop({ storage, seed, intervalMs: liveIntervalSeconds * 1000, log });
  }
  if (retentionDays > 0) {
    const trim = () =>
      storage
        .transaction((db) => trimChangeLog(db, { olderThan: new Date(Date.now() - retentionDays * 86_400_000) }))
        .then((result) => {
          if (result.deleted > 0) log.info('change log trimmed', { deleted: result.deleted, retentionDays });
        })
        .catch((error: unknown) => log.warn('change log trim failed', { error: errorMessage(error) }));
    void trim();
    retentionTimer = setInterval(() => void trim(), 3_600_000);
  }
  try {
    catalog = await createCatalogHolder({
      file: catalogFile,
      secretsFile: values['secrets-file'] ? path.resolve(values['secrets-file']) : null,
      env: process.env,
      connectors: { demo: createDemoConnector() },
      scriptAllowlist,
      storage,
      log,
      now: Date.now,
    });
  } catch (error) {
    if (error instanceof CatalogRejectedError) {
      say(error.message);
      await stop(2);
    }
    throw error;
  }
  catalog.watch();
  // Starter wizards are checked against the catalog in force, like any published wizard.
  progress({ starting: 'wizards' });
  await publishBundledWizards(storage, { directory: wizardsDir, now: Date.now(), log, catalog: catalog.current().published });
  // The file is the truth: without one, desks get no templates (ids stay plain text).
  await publishLinkTemplates(storage, linkTemplates);
  if (sourcesFile) {
    try {
      const applied = await applySourcesFile(storage, sourcesFile, declaredSources, Date.now());
      say(
        `Ingest sources from ${values.sources}: ${applied.declared.join(', ') || 'none'}${applied.removed.length > 0 ? `; removed ${applied.removed.join(', ')}` : ''}.`,
      );
    } catch (error) {
      if (error instanceof SourcesFileError) {
        say(error.message);
        await stop(2);
      }
      throw error;
    }
  }
  app = await createServer({ storage, log, version: packageJson.version, remediation: { catalog }, identity });
  const url = await app.listen({ port, host: values.host });
  const storageKind = storage.kind;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ url, ...(generatedToken ? { token: generatedToken } : {}), storage: storageKind })}\n`,
    );
  } else {
    process.stdout.write(`Lightkeeper server listening on ${url} (${storageKind}${dataDir ? `, data in ${dataDir}` : ''})\n`);
    process.stdout.write(
      identity
        ? `People sign in with ${identity.issuer} (client ${identity.desk.clientId}, audience ${identity.audience}).\n`
        : 'No identity provider configured (--identity-config): only static tokens are accepted.\n',
    );
    if (generatedToken) {
      process.stdout.write(`Admin token (shown once, only its hash is stored): ${generatedToken}\n`);
    }
  }
} catch (error) {
  say(`The server could not start: ${errorMessage(error)}`);
  await stop(1);
}

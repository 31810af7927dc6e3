import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/*
 * The layers (docs/architecture.md, STYLE.md "Layers") and which may import which.
 * Two rules enforce them: `no-restricted-imports` for packages and Node built-ins
 * (matched by name), `import-x/no-restricted-paths` for folders (matched by the
 * resolved file, so `../db/x` and `../../electron/db/x` are the same import).
 * test/lint/layers.test.ts proves every rule with a forbidden import per layer.
 */

/** The desk core: plain Node, everything passed in. Every folder under electron/ is in exactly one of these lists (the layer test checks it). */
const DESK_CORE_DIRS = ['backend', 'core', 'db', 'identity', 'ipc', 'sync', 'wizards'];
/** The Electron shell (main, preload) and the browser-mode host: entry points that assemble the desk core. */
const SHELL_DIRS = ['main', 'preload', 'host'];

const nodeBuiltinNames = [...new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))];

/** Bare-specifier bans, each saying which layer may do it. */
const bans = {
  node: {
    paths: nodeBuiltinNames,
    patterns: ['node:*'],
    message:
      'Node built-ins are for the desk core (electron/) and the server (server/); renderer/ runs in a web page and shared/ runs everywhere.',
  },
  sqlite: {
    paths: ['better-sqlite3'],
    patterns: ['better-sqlite3/*'],
    message: 'better-sqlite3 is for the desk core (electron/db, electron/wizards and the other desk core folders).',
  },
  serverPackages: {
    paths: ['pg', 'fastify', '@electric-sql/pglite'],
    patterns: ['pg/*', 'fastify/*', '@electric-sql/pglite/*', '@fastify/*'],
    message: 'PostgreSQL, PGlite and Fastify are for the server (server/).',
  },
  electron: {
    paths: ['electron'],
    patterns: ['electron/*'],
    message: 'Only the Electron shell (electron/main, electron/preload) imports electron.',
  },
  ui: {
    paths: ['react', 'react-dom', 'zustand'],
    patterns: ['react/*', 'react-dom/*', 'zustand/*'],
    message: 'React and zustand are for the renderer (renderer/); shared/ is framework-free.',
  },
};

function restrictImports(...chosen) {
  return [
    'error',
    {
      paths: chosen.flatMap((ban) => ban.paths.map((name) => ({ name, message: ban.message }))),
      patterns: chosen.map((ban) => ({ group: ban.patterns, message: ban.message })),
    },
  ];
}

/** Folder bans: `target` (the importing files) may not import from `from`. */
function zone(target, from, message, except) {
  return { target, from, message, ...(except ? { except } : {}) };
}
const coreDirs = DESK_CORE_DIRS.map((dir) => `./electron/${dir}`);
const neverImported = (target) => [
  zone(target, './bench', 'bench/ may import anything, but nothing imports bench/.'),
  zone(target, './scripts', 'scripts/ may import anything, but only scripts and their tests (test/scripts/) import scripts/.'),
];
const zones = {
  renderer: [
    zone('./renderer', './server', 'The renderer meets the server only in shared/ (through the desk API).'),
    zone('./renderer', './electron', 'The renderer reaches the desk core only through its API client (renderer/src/api/).'),
    ...neverImported('./renderer'),
  ],
  shared: [
    zone('./shared', './server', 'shared/ is imported by the server, not the other way round.'),
    zone('./shared', './electron', 'shared/ is imported by the desk core, not the other way round.'),
    zone('./shared', './renderer', 'shared/ is imported by the renderer, not the other way round.'),
    ...neverImported('./shared'),
  ],
  server: [
    zone('./server', './electron', 'The server never imports the desk; both sides meet only in shared/.'),
    zone('./server', './renderer', 'The server never imports the renderer; both sides meet only in shared/.'),
    ...neverImported('./server'),
  ],
  core: [
    ...SHELL_DIRS.map((dir) =>
      zone(coreDirs, `./electron/${dir}`, `electron/${dir} assembles the desk core; the desk core never imports it back.`),
    ),
    zone(coreDirs, './server', 'The desk core meets the server only in shared/ (and over HTTP).'),
    zone(coreDirs, './renderer', 'The desk core never imports the renderer; they meet in shared/ipc.'),
    ...neverImported(coreDirs),
  ],
  db: [
    zone(
      './electron/db',
      './electron/sync',
      'electron/db is below electron/sync: sync uses the repositories, not the other way round.',
    ),
    zone(
      './electron/db',
      './electron/wizards',
      'electron/db is below electron/wizards: the run host uses the repositories, not the other way round.',
    ),
  ],
  preload: [
    zone(
      './electron/preload',
      './electron',
      'The preload is contextBridge glue: it may import electron and shared/ipc only, never the desk core or main.',
      ['./preload'],
    ),
    zone('./electron/preload', './shared', 'The preload may import shared/ipc only (the contract it exposes).', ['./ipc']),
    zone('./electron/preload', './server', 'The preload may import electron and shared/ipc only.'),
    zone('./electron/preload', './renderer', 'The preload may import electron and shared/ipc only.'),
    ...neverImported('./electron/preload'),
  ],
  main: [
    zone('./electron/main', './electron/preload', 'electron/preload is built on its own; main loads it by path.'),
    zone('./electron/main', './server', 'The desk meets the server only in shared/ (and over HTTP).'),
    zone('./electron/main', './renderer', 'The desk never imports the renderer; they meet in shared/ipc.'),
    ...neverImported('./electron/main'),
  ],
  host: [
    zone('./electron/host', './server', 'The desk meets the server only in shared/ (and over HTTP).'),
    zone('./electron/host', './renderer', 'The browser host serves the built renderer; it never imports its code.'),
    ...neverImported('./electron/host'),
  ],
  serverProduct: [
    zone(
      './server',
      './server/demo',
      'Only server/cli.ts (where the server is assembled) and the demo itself import server/demo/: product code meets the demo through its interfaces.',
    ),
  ],
  productTests: neverImported('./test'),
};

function restrictPaths(...chosen) {
  return ['error', { zones: chosen.flat() }];
}

export default tseslint.config(
  {
    ignores: ['out/**', 'node_modules/**', 'dist/**', 'release/**', 'test-results/**', 'playwright-report/**', 'resources/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'Never eval.' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'test/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restrictImports(bans.node, bans.sqlite, bans.serverPackages, bans.electron),
      'import-x/no-restricted-paths': restrictPaths(zones.renderer),
      // A `/// <reference types="node" />` would bring Node's types into the web compile.
      '@typescript-eslint/triple-slash-reference': ['error', { types: 'never', path: 'never', lib: 'never' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.node, bans.sqlite, bans.serverPackages, bans.electron, bans.ui),
      'import-x/no-restricted-paths': restrictPaths(zones.shared),
      '@typescript-eslint/triple-slash-reference': ['error', { types: 'never', path: 'never', lib: 'never' }],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.electron),
      'import-x/no-restricted-paths': restrictPaths(zones.server),
    },
  },
  {
    // Product code never imports the demo fleet: it plugs in through the interfaces a real
    // deployment uses (repositories, the catalog's connectors), assembled in server/cli.ts.
    files: ['server/**/*.ts'],
    ignores: ['server/demo/**', 'server/cli.ts'],
    rules: { 'import-x/no-restricted-paths': restrictPaths(zones.server, zones.serverProduct) },
  },
  {
    files: DESK_CORE_DIRS.map((dir) => `electron/${dir}/**/*.ts`),
    ignores: ['electron/db/**'],
    rules: {
      'no-restricted-imports': restrictImports(bans.electron, bans.serverPackages),
      'import-x/no-restricted-paths': restrictPaths(zones.core),
    },
  },
  {
    files: ['electron/db/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.electron, bans.serverPackages),
      'import-x/no-restricted-paths': restrictPaths(zones.core, zones.db),
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.node, bans.sqlite, bans.serverPackages),
      'import-x/no-restricted-paths': restrictPaths(zones.preload),
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.serverPackages),
      'import-x/no-restricted-paths': restrictPaths(zones.main),
    },
  },
  {
    files: ['electron/host/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(bans.electron, bans.serverPackages),
      'import-x/no-restricted-paths': restrictPaths(zones.host),
    },
  },
  {
    files: ['test/**/*.{ts,tsx}'],
    // Tests of scripts and benches import them; the webhook test drives the wizards CLI against a live server's catalog.
    ignores: ['test/scripts/**', 'test/bench/**', 'test/server/catalog/webhooks.test.ts'],
    rules: { 'import-x/no-restricted-paths': restrictPaths(zones.productTests) },
  },
);

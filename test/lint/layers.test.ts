import fs from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of eslint.config.js, proven: for each layer, a forbidden
 * import fails lint with a message that says which layer may do it, and the
 * imports the layer needs pass. Probes are linted as if they were a file in the
 * layer's folder (ESLint's own API, the project's real config); nothing is
 * written to the tree.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

type Finding = { line: number; ruleId: string | null; message: string };

/** Lints `imports` (one import line each) as the file `filePath`; the findings of the layer rules. */
async function lintImports(filePath: string, imports: readonly string[]): Promise<Finding[]> {
  const code = imports
    .map((specifier, index) => `import * as probe${index} from '${specifier}';\nvoid probe${index};`)
    .join('\n');
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports' || message.ruleId === 'import-x/no-restricted-paths')
    .map((message) => ({ line: Math.ceil(message.line / 2), ruleId: message.ruleId, message: message.message }));
}

/** Expects every import to be refused, each with a message matching `says`. */
async function expectRefused(filePath: string, imports: readonly string[], says: RegExp): Promise<void> {
  const findings = await lintImports(filePath, imports);
  const refusedLines = new Set(findings.map((finding) => finding.line));
  const passed = imports.filter((_, index) => !refusedLines.has(index + 1));
  expect(passed, `${filePath} may not import these`).toEqual([]);
  for (const finding of findings) expect(finding.message).toMatch(says);
}

async function expectAllowed(filePath: string, imports: readonly string[]): Promise<void> {
  expect(await lintImports(filePath, imports)).toEqual([]);
}

const everyBuiltin = [
  ...builtinModules,
  ...builtinModules.filter((name) => !name.startsWith('node:')).map((name) => `node:${name}`),
];
const NODE_SAYS = /Node built-ins are for the desk core \(electron\/\) and the server/;

describe('renderer/', () => {
  const file = 'renderer/src/probe.ts';
  it('imports no Node built-in, with or without node: (all of builtinModules)', async () => {
    await expectRefused(file, everyBuiltin, NODE_SAYS);
  });
  it('imports no better-sqlite3, pg, fastify, pglite or electron', async () => {
    await expectRefused(file, ['better-sqlite3'], /better-sqlite3 is for the desk core/);
    await expectRefused(file, ['pg', 'fastify', '@electric-sql/pglite'], /are for the server \(server\/\)/);
    await expectRefused(file, ['electron'], /Only the Electron shell \(electron\/main, electron\/preload\) imports electron/);
  });
  it('imports nothing from server/, electron/, bench/ or scripts/', async () => {
    await expectRefused(file, ['../../server/app'], /meets the server only in shared\//);
    await expectRefused(file, ['../../electron/core/desk', '../../electron/ipc/dispatch'], /only through its API client/);
    await expectRefused(file, ['../../bench/support'], /nothing imports bench\//);
    await expectRefused(file, ['../../scripts/wizards'], /only scripts and their tests/);
  });
  it('may import shared/ and React', async () => {
    await expectAllowed(file, ['../../shared/domain', 'react', 'zustand']);
  });
});

describe('server/', () => {
  it('product code imports nothing from server/demo/; server/cli.ts and the demo itself may', async () => {
    const says = /Only server\/cli\.ts .* import server\/demo\//;
    await expectRefused('server/repo/probe.ts', ['../demo/types', '../demo/seed'], says);
    await expectRefused('server/api/probe.ts', ['../demo/connector'], says);
    await expectRefused('server/probe.ts', ['./demo/live-loop'], says);
    await expectRefused('server/ingest/probe.ts', ['../demo/fleet'], says);
    await expectAllowed('server/cli.ts', ['./demo/seed', './demo/connector']);
    await expectAllowed('server/demo/probe.ts', ['./types', '../repo/writes']);
  });
});

describe('the web compile’s types', () => {
  it('renderer/ and shared/ may not pull types in with a triple-slash reference', async () => {
    for (const filePath of ['renderer/src/probe.ts', 'shared/probe.ts']) {
      const [result] = await eslint.lintText('/// <reference types="node" />\nexport {};\n', { filePath: `${root}${filePath}` });
      expect(result?.messages.map((message) => message.ruleId)).toContain('@typescript-eslint/triple-slash-reference');
    }
  });
});

describe('shared/', () => {
  const file = 'shared/probe.ts';
  it('imports no Node built-in (all of builtinModules), no database, server or Electron package, no React', async () => {
    await expectRefused(file, everyBuiltin, NODE_SAYS);
    await expectRefused(
      file,
      ['better-sqlite3', 'pg', 'fastify', '@electric-sql/pglite', 'electron'],
      /is for|are for|imports electron/,
    );
    await expectRefused(file, ['react', 'zustand'], /shared\/ is framework-free/);
  });
  it('imports none of the layers above it', async () => {
    await expectRefused(file, ['../server/app'], /imported by the server, not the other way round/);
    await expectRefused(file, ['../electron/core/desk'], /imported by the desk core, not the other way round/);
    await expectRefused(file, ['../renderer/src/App'], /imported by the renderer, not the other way round/);
    await expectRefused(file, ['../bench/support', '../scripts/wizards'], /bench\/|scripts\//);
  });
  it('may import shared/ and zod', async () => {
    await expectAllowed(file, ['./domain', './wizards/format', 'zod']);
  });
});

describe('the desk core (electron/, not main, preload or host)', () => {
  const shellDirs = ['main', 'preload', 'host'];
  const coreDirs = fs
    .readdirSync(`${root}electron`, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !shellDirs.includes(entry.name))
    .map((entry) => entry.name);

  it('every folder under electron/ is desk core or shell, and no desk core folder imports main, host or preload', async () => {
    expect(coreDirs.length).toBeGreaterThan(4);
    for (const dir of coreDirs)
      await expectRefused(
        `electron/${dir}/probe.ts`,
        ['../main/index', '../host/http-host', '../preload/index'],
        /assembles the desk core; the desk core never imports it back/,
      );
  });
  it('imports no electron, no server and no renderer code', async () => {
    const file = 'electron/core/probe.ts';
    await expectRefused(file, ['electron'], /Only the Electron shell/);
    await expectRefused(file, ['pg', 'fastify'], /are for the server/);
    await expectRefused(file, ['../../server/app'], /meets the server only in shared\//);
    await expectRefused(file, ['../../renderer/src/App'], /never imports the renderer/);
    await expectRefused(file, ['../../bench/support', '../../scripts/wizards'], /bench\/|scripts\//);
  });
  it('may import Node, SQLite, shared/ and its own folders', async () => {
    await expectAllowed('electron/core/probe.ts', [
      'node:fs',
      'better-sqlite3',
      '../../shared/domain',
      '../db/cache',
      '../wizards/host',
    ]);
  });
  it('db/ is below sync/ and wizards/', async () => {
    await expectRefused('electron/db/probe.ts', ['../sync/engine'], /electron\/db is below electron\/sync/);
    await expectRefused(
      'electron/db/probe.ts',
      ['../wizards/host', '../wizards/store'],
      /electron\/db is below electron\/wizards/,
    );
    await expectRefused('electron/db/probe.ts', ['../main/index'], /never imports it back/);
    await expectAllowed('electron/db/probe.ts', ['./outbox', '../../shared/sync/wire', 'better-sqlite3']);
  });
});

describe('electron/preload', () => {
  const file = 'electron/preload/probe.ts';
  it('is contextBridge glue: electron and shared/ipc only', async () => {
    await expectAllowed(file, ['electron', '../../shared/ipc/build-api', './index']);
    await expectRefused(file, ['../core/desk', '../db/cache', '../main/index', '../ipc/dispatch'], /contextBridge glue/);
    await expectRefused(file, ['../../shared/domain'], /shared\/ipc only/);
    await expectRefused(file, ['node:fs', 'fs', 'better-sqlite3'], /Node built-ins|better-sqlite3/);
  });
});

describe('electron/main and electron/host', () => {
  it('main assembles the desk core with Electron, never the preload, server or renderer', async () => {
    await expectAllowed('electron/main/probe.ts', ['electron', '../core/desk', 'node:path']);
    await expectRefused('electron/main/probe.ts', ['../preload/index'], /built on its own/);
    await expectRefused('electron/main/probe.ts', ['../../server/app', '../../renderer/src/App'], /shared\//);
  });
  it('the browser host assembles the desk core without Electron', async () => {
    await expectAllowed('electron/host/probe.ts', ['../core/desk', 'node:http']);
    await expectRefused('electron/host/probe.ts', ['electron'], /Only the Electron shell/);
    await expectRefused('electron/host/probe.ts', ['../../renderer/src/App'], /never imports its code/);
  });
});

describe('server/', () => {
  const file = 'server/probe.ts';
  it('never imports electron, the desk or the renderer', async () => {
    await expectRefused(file, ['electron'], /Only the Electron shell/);
    await expectRefused(file, ['../electron/core/desk', '../electron/db/cache'], /never imports the desk/);
    await expectRefused(file, ['../renderer/src/App'], /never imports the renderer/);
    await expectRefused(file, ['../bench/support', '../scripts/wizards'], /bench\/|scripts\//);
  });
  it('may import its databases, Fastify, Node and shared/', async () => {
    await expectAllowed(file, ['pg', 'fastify', '@electric-sql/pglite', 'node:fs', '../shared/domain']);
  });
});

describe('bench/, scripts/ and tests', () => {
  it('bench/ and scripts/ may import anything', async () => {
    const anything = ['../server/app', '../electron/core/desk', '../shared/domain', 'node:fs', 'better-sqlite3', 'pg'];
    await expectAllowed('bench/probe.ts', anything);
    await expectAllowed('scripts/probe.ts', anything);
  });
  it('tests of product code never import bench/ or scripts/; tests of scripts do', async () => {
    await expectRefused('test/electron/probe.test.ts', ['../../bench/support', '../../scripts/wizards'], /bench\/|scripts\//);
    await expectRefused('test/renderer/probe.test.ts', ['../../scripts/wizards'], /only scripts and their tests/);
    await expectAllowed('test/scripts/probe.test.ts', ['../../scripts/wizards']);
  });
});

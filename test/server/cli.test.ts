import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/sync/wire';
import { request } from './support/server';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const children = new Set<ChildProcess>();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-server-cli-'));

type Started = { child: ChildProcess; line: { url: string; token?: string; storage: string }; stderr: () => string };

/**
 * Starts `server/cli.ts --json` and resolves with its ready line (the one with the url). Lines
 * before it may only be start progress ({"starting": step}, which the desk shows on first start).
 */
function startCli(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(TSX, ['server/cli.ts', '--json', '--port', '0', '--data-dir', dataDir, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', LIGHTKEEPER_ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      for (const text of lines.slice(0, -1)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        if ('url' in line) {
          resolve({ child, line: line as Started['line'], stderr: () => stderr });
          return;
        }
        if (Object.keys(line).join() !== 'starting') reject(new Error(`not a start progress line: ${text}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
}

function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('prints one JSON line, shows a generated admin token only on first start, and shuts down cleanly', async () => {
  const first = await startCli([]);
  expect(first.line).toEqual({
    url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    token: expect.stringMatching(/^lk_/),
    storage: 'pglite',
  });
  const token = first.line.token ?? '';
  expect((await request(first.line.url, 'GET', '/v1/health', null)).body).toMatchObject({ ok: true, storage: 'pglite' });
  const pull = await request(first.line.url, 'POST', '/v1/sync/pull', token, {
    protocol: PROTOCOL_VERSION,
    clientId: 'cli-test-client',
    schemaVersion: 1,
    limit: 10,
    buckets: [],
  });
  expect(pull.status).toBe(200);
  expect(first.stderr()).not.toContain(token);
  expect(await stopCli(first.child)).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(false);

  // Second start over the same data: the token still works, and is not printed again.
  const configured = 'configured-admin-token-0123456789';
  const second = await startCli([], { LIGHTKEEPER_ADMIN_TOKEN: configured });
  expect(second.line).toEqual({ url: expect.any(String), storage: 'pglite' });
  for (const bearer of [token, configured]) {
    expect(
      (
        await request(second.line.url, 'POST', '/v1/sync/pull', bearer, {
          protocol: PROTOCOL_VERSION,
          clientId: 'cli-test-client',
          schemaVersion: 1,
          limit: 10,
          buckets: [],
        })
      ).status,
    ).toBe(200);
  }
  expect(await stopCli(second.child)).toBe(0);
  // PGlite's first start runs initdb: several seconds on a busy two-core machine.
}, 120_000);

it('refuses a bad links config before it opens the database: exit 2, the file, line and field on stderr (#14)', async () => {
  const config = path.join(dataDir, '..', `${path.basename(dataDir)}-links.json`);
  fs.writeFileSync(
    config,
    '{ "templates": [\n  { "system": "jira", "kind": "ticket", "template": "http://jira.example.com/browse/{id}" }\n] }\n',
  );
  const freshDir = path.join(dataDir, 'never-created');
  const child = spawn(TSX, ['server/cli.ts', '--json', '--port', '0', '--data-dir', freshDir, '--links-config', config], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', LIGHTKEEPER_ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  children.delete(child);
  fs.rmSync(config);
  expect(code).toBe(2);
  expect(stderr).toContain(`${config}:2:53: templates[0].template: must start with https://`);
  expect(stderr).toContain('nothing from it was applied');
  expect(stdout).toBe('');
  expect(fs.existsSync(freshDir)).toBe(false);
}, 60_000);

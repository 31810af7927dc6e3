import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { test as base } from '@playwright/test';

/** A browser-mode host started for one test, with its own data directory. */
export type BrowserHost = {
  url: string;
  origin: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
};

/** Starts `electron/host/cli.ts` in a child process and waits for its JSON line. */
export async function startBrowserHost(options: { dataDir?: string; args?: string[] } = {}): Promise<BrowserHost> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/host/cli.ts', '--json', '--data-dir', dataDir, ...(options.args ?? ['--backend', 'none'])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`browser host did not start in 60 s:\n${stderr}`)), 60_000);
    lines.on('line', (text) => {
      if (text.startsWith('{')) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser host exited with ${code}:\n${stderr}`));
    });
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return {
    url,
    port,
    origin: `http://127.0.0.1:${port}`,
    dataDir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

export const test = base.extend<{ host: BrowserHost }>({
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use) => {
    const host = await startBrowserHost();
    await use(host);
    await host.stop();
    fs.rmSync(host.dataDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { expect, type Page } from '@playwright/test';

/** A reference server in its own process (PGlite in `dataDir`), which a test can stop and start again. */
export type ServerProcess = { url: string; port: number; token: string; stop(): Promise<void>; restart(): Promise<void> };

async function launch(
  dataDir: string,
  port: number,
  token: string,
  databaseUrl: string,
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/cli.ts',
      '--demo',
      '--json',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--live-interval',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: databaseUrl, LIGHTKEEPER_ADMIN_TOKEN: token } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    // Seeding the demo into PGlite takes ~10 s alone and over two minutes on a shared machine at a load of 30.
    const timer = setTimeout(() => reject(new Error(`server did not start in 300 s:\n${stderr}`)), 300_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      // Start progress ({"starting": step}) comes before the ready line, which has the url.
      const parsed = JSON.parse(line) as { url?: string };
      if (typeof parsed.url !== 'string') return;
      clearTimeout(timer);
      resolve(parsed.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  return { child, url, port: Number(new URL(url).port) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Starts the demo server; `restart` brings it back on the same port over the same data. It keeps its data
 * in PGlite in `dataDir`, or in the PostgreSQL database at `databaseUrl` (which starts in a fraction of
 * PGlite's first preparation on a loaded machine).
 */
export async function startServerProcess(dataDir: string, options: { databaseUrl?: string | null } = {}): Promise<ServerProcess> {
  const token = crypto.randomBytes(24).toString('base64url');
  const databaseUrl = options.databaseUrl ?? '';
  let current = await launch(dataDir, 0, token, databaseUrl);
  const port = current.port;
  return {
    url: current.url,
    port,
    token,
    stop: () => stopChild(current.child),
    async restart() {
      await stopChild(current.child);
      current = await launch(dataDir, port, token, databaseUrl);
    },
  };
}

/** Pulls one customer's bucket as a fresh client and returns its note bodies (what the server holds). */
export async function serverNoteBodies(server: ServerProcess, customerId: string): Promise<string[]> {
  const bodies: string[] = [];
  let cursor: string | null = null;
  let pageToken: string | null = null;
  const clientId = `e2e-check-${crypto.randomBytes(4).toString('hex')}`;
  for (let round = 0; round < 50; round += 1) {
    const response = await fetch(`${server.url}/v1/sync/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 1,
        clientId,
        schemaVersion: 1,
        limit: 5000,
        buckets: [{ bucket: `customer:${customerId}`, cursor, pageToken }],
      }),
    });
    const body = (await response.json()) as {
      buckets: {
        ops: { entity: string; row: { body?: string } }[];
        cursor: string;
        hasMore: boolean;
        bootstrap?: { pageToken: string | null; done: boolean };
      }[];
    };
    const page = body.buckets[0];
    if (!page) break;
    for (const op of page.ops) if (op.entity === 'note' && op.row.body) bodies.push(op.row.body);
    cursor = page.cursor;
    pageToken = page.bootstrap && !page.bootstrap.done ? page.bootstrap.pageToken : null;
    if (!page.hasMore && !pageToken) break;
  }
  return bodies;
}

/** Points the desk at the server on its Sync page, as a user does, and waits until it is online. */
export async function connectDesk(page: Page, server: ServerProcess): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync', exact: true }).click();
  await page.getByRole('radio', { name: 'Remote server' }).check();
  await page.getByLabel('Server URL').fill(server.url);
  await page.getByLabel('Access token').fill(server.token);
  await page.getByRole('button', { name: 'Save backend setting' }).click();
  await expect(page.getByTestId('sync-state')).toHaveText('Online', { timeout: 90_000 });
}

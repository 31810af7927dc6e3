import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type Locator, type Page } from '@playwright/test';
import { createTestDatabase } from '../../server/support/database';
import { startBrowserHost, type BrowserHost } from '../fixtures';
import { connectDesk, startServerProcess, type ServerProcess } from './server';

/** A browser-mode desk synced with the demo fleet's reference server, as one e2e test has it. */
export type DemoDesk = {
  server: ServerProcess;
  host: BrowserHost;
  /** The sidebar. */
  nav: Locator;
  /** A screenshot into the test's output folder. */
  shot(name: string): Promise<void>;
};

/**
 * Runs `use` against a fresh world: the demo fleet (seed 1) on its own reference
 * server in its own process, on its own PostgreSQL database (PGlite where there is
 * none), and a browser-mode desk with its own data directory pointed at that
 * server from the Sync page, as a user does; all of it stopped and removed afterwards.
 */
export async function withDemoDesk(page: Page, use: (desk: DemoDesk) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-server-'));
  let server: ServerProcess | null = null;
  let host: BrowserHost | null = null;
  try {
    server = await startServerProcess(serverDir, { databaseUrl: database.databaseUrl });
    host = await startBrowserHost({ args: ['--backend', 'none'] });
    await page.goto(host.url);
    await connectDesk(page, server);
    await use({
      server,
      host,
      nav: page.getByRole('navigation', { name: 'Main' }),
      shot: async (name) => {
        await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
      },
    });
  } finally {
    await host?.stop();
    await server?.stop();
    await database.dispose();
    fs.rmSync(serverDir, { recursive: true, force: true });
    if (host) fs.rmSync(host.dataDir, { recursive: true, force: true });
  }
}

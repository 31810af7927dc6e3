import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createTestDatabase, type TestDatabase } from '../server/support/database';
import { expect, startBrowserHost, test, type BrowserHost } from './fixtures';
import { startServerProcess, type ServerProcess } from './support/server';

/**
 * Issue 15: zero accessibility violations of any impact, minor to critical
 * (axe-core through @axe-core/playwright, WCAG 2.0/2.1 A and AA) on any page of the app —
 * fleet, customer with event details, a wizard's run page, Wizards, Releases, Known
 * problems, Follow-ups, Insights, Approvals, Sources (and a source's unmatched items with a payload preview open),
 * Sync, About, search results, the command palette and the
 * shortcut sheet — at 1024×640 and 1440×900, in light and in dark. One browser
 * context per size and scheme; pages are reached by their hash routes.
 */
const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 640 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

/** The pages that are reached by a hash route alone, with the heading that says each has drawn. */
const PAGES: ReadonlyArray<{ name: string; hash: string; heading: string | RegExp }> = [
  { name: 'fleet', hash: '#/fleet', heading: 'Fleet' },
  { name: 'customers', hash: '#/customers', heading: 'Customers' },
  { name: 'wizards', hash: '#/wizards', heading: 'Wizards' },
  { name: 'releases', hash: '#/releases', heading: 'Releases' },
  { name: 'known problems', hash: '#/problems', heading: 'Known problems' },
  { name: 'follow-ups', hash: '#/followups', heading: 'Follow-ups' },
  { name: 'insights', hash: '#/insights', heading: 'Insights' },
  { name: 'approvals', hash: '#/approvals', heading: 'Approvals' },
  { name: 'sources', hash: '#/sources', heading: 'Sources' },
  { name: 'sync', hash: '#/sync', heading: 'Sync' },
  { name: 'about', hash: '#/about', heading: 'About Lightkeeper' },
];

async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    // Details of what passed are not read; leaving them out makes each audit cheaper.
    .options({ resultTypes: ['violations'] })
    .analyze();
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.nodes
        .slice(0, 4)
        .map((node) => `${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.split('\n')[1]?.trim()}` : ''}`)
        .join('; ')}`,
  );
}

async function showHash(page: Page, hash: string, heading: string | RegExp) {
  await page.evaluate((next) => (window.location.hash = next), hash);
  await expect(page.getByRole('heading', { level: 1, name: heading, exact: typeof heading === 'string' })).toBeVisible({
    timeout: 30_000,
  });
  // Let the page's first answers arrive (no "Loading" left in the main column).
  await expect(page.locator('main').getByText(/^Loading/)).toHaveCount(0, { timeout: 30_000 });
}

// A control that never appears fails its step, not the whole test's minutes.
test.use({ actionTimeout: 30_000 });
test.describe.configure({ mode: 'serial' });

let database: TestDatabase;
let serverDir: string;
let server: ServerProcess;
let host: BrowserHost;
/** The wizard run every combination audits: started by the first, left at its confirmation. */
let runHash: string | null = null;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  // The demo fleet on its own PostgreSQL database (PGlite where there is none), the desk pointed at it.
  database = await createTestDatabase();
  serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-a11y-'));
  server = await startServerProcess(serverDir, { databaseUrl: database.databaseUrl });
  host = await startBrowserHost({ args: ['--backend', 'none'] });
  // A source with an item that names no known customer, for the Sources page's unmatched items.
  const admin = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const created = await fetch(`${server.url}/v1/sources`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ source: { id: 'a11y-alerts', kind: 'alertmanager', name: 'Accessibility alerts' } }),
  });
  expect(created.status).toBe(201);
  const { path: ingestPath } = (await created.json()) as { path: string };
  const delivered = await fetch(`${server.url}${ingestPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/ingest/alertmanager-grouped.json'), 'utf8'),
  });
  expect(delivered.status).toBe(207);
});

test.afterAll(async () => {
  await host?.stop();
  await server?.stop();
  await database?.dispose();
  if (host) fs.rmSync(host.dataDir, { recursive: true, force: true });
  if (serverDir) fs.rmSync(serverDir, { recursive: true, force: true });
});

for (const viewport of SIZES) {
  for (const colorScheme of SCHEMES) {
    const where = `${viewport.width}×${viewport.height} ${colorScheme}`;
    test(`every page has no accessibility violations at ${where}`, async ({ browser }) => {
      // Axe takes seconds a page on a loaded machine; seventeen screens.
      test.setTimeout(900_000);
      const found: string[] = [];
      // axe injects its script inline; the app's CSP would (rightly) refuse it.
      const context = await browser.newContext({ viewport, colorScheme, bypassCSP: true });
      const page = await context.newPage();
      const audit = async (screen: string) => {
        for (const line of await violations(page)) found.push(`${screen}: ${line}`);
      };
      await page.goto(host.url);
      if (runHash === null) {
        await showHash(page, '#/sync', 'Sync');
        await page.getByRole('radio', { name: 'Remote server' }).check();
        await page.getByLabel('Server URL').fill(server.url);
        await page.getByLabel('Access token').fill(server.token);
        await page.getByRole('button', { name: 'Save backend setting' }).click();
        await expect(page.getByTestId('sync-state')).toHaveText('Online', { timeout: 120_000 });
        await showHash(page, '#/fleet', 'Fleet');
      }
      await expect(page.getByTestId('fleet-row').first()).toBeVisible({ timeout: 60_000 });

      for (const { name, hash, heading } of PAGES) {
        await showHash(page, hash, heading);
        await audit(name);
      }

      await showHash(page, '#/sources', 'Sources');
      const sourceCard = page.getByRole('article', { name: 'Accessibility alerts (a11y-alerts)' });
      await sourceCard.getByRole('button', { name: /^Show unmatched items/ }).click();
      const unmatched = sourceCard.getByRole('region', { name: 'Unmatched items of a11y-alerts' });
      await unmatched.getByText('Payload preview').first().click();
      await expect(unmatched.getByLabel(/^Payload preview of/).first()).toBeVisible();
      await audit('sources with unmatched items');

      await showHash(page, '#/customer/redwood-payments', 'Redwood Payments');
      const timeline = page.getByRole('listbox', { name: 'Timeline events' });
      await timeline.getByTestId('timeline-row').first().click();
      await expect(page.getByRole('complementary').first()).toBeVisible();
      await audit('customer with event details');
      // Beside event details (and below 1280 px) the overview is folded away; open it to see what it holds.
      const overview = page.getByRole('button', { name: 'Overview' });
      if ((await overview.getAttribute('aria-expanded')) === 'false') await overview.click();
      await expect(page.getByRole('region', { name: 'Suggested wizards' })).toBeVisible();
      await audit('customer with the overview open');

      if (runHash === null) {
        await page
          .getByRole('region', { name: 'Suggested wizards' })
          .getByRole('button', { name: 'Start SSO sign-in failing after a flag or configuration change' })
          .click();
        await expect(page).toHaveURL(/#\/run\//);
        runHash = new URL(page.url()).hash;
      } else {
        await page.evaluate((next) => (window.location.hash = next), runHash);
      }
      await expect(page.getByRole('table', { name: 'What will change' })).toBeVisible({ timeout: 60_000 });
      await audit('wizard run');

      const search = page.getByRole('combobox', { name: 'Search customers and events' });
      await search.fill('sso');
      await expect(page.getByTestId('search-result').first()).toBeVisible();
      await audit('search results');
      await search.fill('');
      await page.keyboard.press('Escape');

      await page.locator('main').focus();
      await page.keyboard.press('Control+k');
      await expect(page.getByRole('dialog')).toBeVisible();
      await page.keyboard.type('wiz');
      await audit('command palette');
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toHaveCount(0);

      await page.locator('main').focus();
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      await audit('shortcut sheet');
      await context.close();
      expect(found, where).toEqual([]);
    });
  }
}

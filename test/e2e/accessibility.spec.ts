import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, startBrowserHost, test } from './fixtures';
import { startServerProcess } from './support/server';

/**
 * No serious or critical accessibility violations on the fleet, customer and
 * search screens, in light and in dark (axe-core through @axe-core/playwright).
 */
test('fleet, customer and search screens have no serious or critical accessibility violations', async ({ browser }) => {
  test.setTimeout(180_000);
  const serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-a11y-'));
  const server = await startServerProcess(serverDir);
  const host = await startBrowserHost({ args: ['--backend', 'none'] });
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      // axe injects its script inline; the app's CSP would (rightly) refuse it.
      const context = await browser.newContext({ colorScheme, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(host.url);
      if (colorScheme === 'light') {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync', exact: true }).click();
        await page.getByRole('radio', { name: 'Remote server' }).check();
        await page.getByLabel('Server URL').fill(server.url);
        await page.getByLabel('Access token').fill(server.token);
        await page.getByRole('button', { name: 'Save backend setting' }).click();
        await expect(page.getByTestId('sync-state')).toHaveText('Online', { timeout: 60_000 });
      }
      const audit = async (screen: string) => {
        const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const serious = results.violations.filter(
          (violation) => violation.impact === 'serious' || violation.impact === 'critical',
        );
        const described = serious.map(
          (violation) =>
            `${violation.id} (${violation.impact}): ${violation.nodes
              .slice(0, 3)
              .map((node) => node.target.join(' '))
              .join(', ')}`,
        );
        expect(described, `${screen} in ${colorScheme}`).toEqual([]);
      };
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet', exact: true }).click();
      await expect(page.getByTestId('fleet-row').first()).toBeVisible({ timeout: 30_000 });
      await audit('fleet');
      await page.getByTestId('fleet-row').first().click();
      await expect(page.getByRole('listbox', { name: 'Timeline events' }).getByTestId('timeline-row').first()).toBeVisible();
      await page.getByRole('listbox', { name: 'Timeline events' }).getByTestId('timeline-row').first().click();
      await expect(page.getByRole('complementary')).toBeVisible();
      await audit('customer with event details');
      const search = page.getByRole('combobox', { name: 'Search customers and events' });
      await search.fill('sso');
      await expect(page.getByTestId('search-result').first()).toBeVisible();
      await audit('search results');
      await context.close();
    }
  } finally {
    await host.stop();
    await server.stop();
    fs.rmSync(host.dataDir, { recursive: true, force: true });
    fs.rmSync(serverDir, { recursive: true, force: true });
  }
});

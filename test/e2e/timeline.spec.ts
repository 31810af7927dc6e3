import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, startBrowserHost, test } from './fixtures';
import { serverNoteBodies, startServerProcess } from './support/server';

/**
 * Issue 4 end to end, in browser mode against a real reference server in its own
 * process: fleet → degraded customer → filtered timeline → alert → preceding
 * changes → note; then the backend stops (offline review and writing), and starts
 * again (the offline note is acknowledged and on the server).
 */
test('an engineer reviews a degraded customer, and keeps working while the backend is down', async ({ page }) => {
  test.setTimeout(240_000);
  const serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-e2e-server-'));
  const server = await startServerProcess(serverDir);
  const host = await startBrowserHost({ args: ['--backend', 'none'] });
  const shot = (name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: false });
  try {
    // A real backend is one setting away.
    await page.goto(host.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync', exact: true }).click();
    await page.getByRole('radio', { name: 'Remote server' }).check();
    await page.getByLabel('Server URL').fill(server.url);
    await page.getByLabel('Access token').fill(server.token);
    await page.getByRole('button', { name: 'Save backend setting' }).click();
    await expect(page.getByTestId('sync-state')).toHaveText('Online', { timeout: 60_000 });

    // Fleet: the lights, then a degraded customer.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect(page.getByTestId('fleet-count-degraded')).not.toContainText(/^0\b/);
    await page.getByRole('checkbox', { name: 'degraded' }).check();
    await shot('fleet');
    const degraded = page.getByTestId('fleet-row').filter({ hasText: 'Arbor Labs' });
    await degraded.click();
    await expect(page.getByRole('heading', { level: 1, name: /Arbor Labs/ })).toBeVisible();

    // Timeline filtered to errors; open an alert; see what changed just before it.
    const timeline = page.getByRole('listbox', { name: 'Timeline events' });
    await expect(timeline.getByTestId('timeline-row').first()).toBeVisible();
    await page.getByRole('group', { name: 'Timeline filters' }).getByRole('checkbox', { name: 'error', exact: true }).check();
    const alert = timeline.getByTestId('timeline-row').filter({ hasText: 'Alert' }).first();
    await expect(alert).toBeVisible();
    await alert.click();
    const details = page.getByRole('complementary');
    await expect(details).toBeVisible();
    await shot('customer-alert');
    await details.getByRole('button', { name: 'Show changes before this' }).click();
    await expect(details).toContainText(/Version upgrade|version_upgrade|26\.12\.0/);
    await shot('preceding-changes');

    // A note on the alert, acknowledged by the server.
    const onlineNote = `Checked billing sync after the upgrade ${Date.now()}`;
    await details.getByLabel('Add a note to this event').fill(onlineNote);
    await details.getByRole('button', { name: 'Add note' }).click();
    const onlineNoteItem = details.getByTestId('note').filter({ hasText: onlineNote });
    await expect(onlineNoteItem).toBeVisible();
    await expect(onlineNoteItem).not.toContainText('pending', { timeout: 30_000 });

    // The backend goes away: everything synced stays browsable and searchable, and notes queue.
    await server.stop();
    const offlineNote = `Called the customer while the backend was down ${Date.now()}`;
    await page.keyboard.press('Escape');
    await page.getByLabel('Add a note to this customer').fill(offlineNote);
    await page.getByRole('button', { name: 'Add note' }).last().click();
    const offlineItem = page.getByTestId('note').filter({ hasText: offlineNote });
    await expect(offlineItem).toContainText('pending');
    await expect(page.getByTestId('sync-state')).toHaveText('Offline', { timeout: 60_000 });
    await expect(page.getByTestId('sync-freshness')).toContainText(/offline copy as of/i);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect(page.getByTestId('fleet-row').first()).toBeVisible();
    const search = page.getByRole('combobox', { name: 'Search customers and events' });
    await search.fill('billing');
    await expect(page.getByTestId('search-result').first()).toBeVisible();
    await shot('offline-search');
    await search.fill('');
    await page.keyboard.press('Escape');

    // Back online: the queued note reaches the server and stops being pending.
    await server.restart();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync', exact: true }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByTestId('sync-state')).toHaveText('Online', { timeout: 90_000 });
    await page.goto(`${host.origin}/#/customer/arbor-labs`);
    await expect(page.getByTestId('note').filter({ hasText: offlineNote })).not.toContainText('pending', { timeout: 30_000 });
    const onServer = await serverNoteBodies(server, 'arbor-labs');
    expect(onServer).toEqual(expect.arrayContaining([onlineNote, offlineNote]));
    await shot('customer-after-reconnect');
  } finally {
    await host.stop();
    await server.stop();
    fs.rmSync(host.dataDir, { recursive: true, force: true });
    fs.rmSync(serverDir, { recursive: true, force: true });
  }
});

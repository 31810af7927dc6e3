import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, startBrowserHost, test, type BrowserHost } from './fixtures';

/**
 * Issue 15, item 8: the customer page works from 1024×640 up. The timeline gets
 * the space (its rows are on screen, its summaries readable), and the side
 * panels (overview, event details) fold away instead of pushing it off screen.
 */
test.describe.configure({ mode: 'serial' });

let host: BrowserHost;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  host = await startBrowserHost({ args: ['--backend', 'demo'] });
});

test.afterAll(async () => {
  await host?.stop();
  if (host) fs.rmSync(host.dataDir, { recursive: true, force: true });
});

/** How many event rows lie wholly inside both the window and the list's visible box, and how wide their summaries are. */
async function visibleRows(page: Page) {
  const list = page.getByRole('listbox', { name: 'Timeline events' });
  const box = await list.boundingBox();
  const viewport = page.viewportSize();
  if (!box || !viewport) return { count: 0, summaryShare: 0 };
  const bottom = Math.min(box.y + box.height, viewport.height);
  let count = 0;
  let summaryShare = 1;
  for (const row of await list.getByTestId('timeline-row').all()) {
    const rect = await row.boundingBox();
    if (!rect || rect.width === 0 || rect.y < box.y - 1 || rect.y + rect.height > bottom + 1) continue;
    const summary = await row.locator('.row-summary').boundingBox();
    count += 1;
    summaryShare = Math.min(summaryShare, summary ? summary.width / rect.width : 0);
  }
  return { count, summaryShare: count > 0 ? summaryShare : 0 };
}

async function openCustomer(page: Page) {
  await page.goto(host.url);
  await expect(page.getByTestId('fleet-row').first()).toBeVisible({ timeout: 150_000 });
  await page.goto(`${host.origin}/#/customer/arbor-labs`);
  await expect(page.getByRole('heading', { level: 1, name: /Arbor Labs/ })).toBeVisible();
  await expect(page.getByRole('listbox', { name: 'Timeline events' }).getByTestId('timeline-row').first()).toBeVisible();
}

for (const viewport of [
  { width: 1024, height: 640 },
  { width: 1280, height: 720 },
]) {
  test(`at ${viewport.width}×${viewport.height} the timeline shows its rows with readable summaries`, async ({ browser }) => {
    test.setTimeout(240_000);
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await openCustomer(page);
      await expect.poll(async () => (await visibleRows(page)).count).toBeGreaterThanOrEqual(5);
      // The summary is the widest part of a row, not a dozen characters beside the badges.
      expect((await visibleRows(page)).summaryShare).toBeGreaterThanOrEqual(0.35);
      await page.screenshot({ path: test.info().outputPath('customer.png') });

      // An open event's details sit beside the timeline, which keeps its rows.
      await page.getByRole('listbox', { name: 'Timeline events' }).getByTestId('timeline-row').first().click();
      await expect(page.getByRole('complementary')).toBeVisible();
      await expect.poll(async () => (await visibleRows(page)).count).toBeGreaterThanOrEqual(4);
      expect((await visibleRows(page)).summaryShare).toBeGreaterThanOrEqual(0.35);
      await page.screenshot({ path: test.info().outputPath('customer-details.png') });
      await page.keyboard.press('Escape');
      await expect(page.getByRole('complementary')).toHaveCount(0);

      // The overview folds away and comes back from one button; the timeline keeps its rows either way.
      const toggle = page.getByRole('button', { name: 'Overview', exact: true });
      const overview = page.getByRole('region', { name: 'Customer overview' });
      if ((await toggle.getAttribute('aria-expanded')) === 'true') {
        await toggle.click();
        await expect(toggle).toHaveAttribute('aria-expanded', 'false');
        await expect(overview).toBeHidden();
      }
      await toggle.click();
      await expect(toggle).toHaveAttribute('aria-expanded', 'true');
      await expect(overview).toBeVisible();
      await expect(overview.getByRole('heading', { name: 'Likely cause' })).toBeVisible();
      await expect.poll(async () => (await visibleRows(page)).count).toBeGreaterThanOrEqual(4);
      await page.screenshot({ path: test.info().outputPath('customer-overview.png') });

      // Item 7: the features table fits the overview, its "Last signal" column whole.
      const features = overview.getByRole('table', { name: 'Features' });
      await features.scrollIntoViewIfNeeded();
      const lastSignal = await features.getByRole('columnheader', { name: 'Last signal' }).boundingBox();
      const panel = await overview.getByRole('heading', { name: 'Features' }).locator('..').boundingBox();
      expect(lastSignal && panel && lastSignal.x + lastSignal.width <= panel.x + panel.width).toBe(true);
      expect(await features.evaluate((table) => table.scrollWidth <= (table.parentElement?.clientWidth ?? 0) + 1)).toBe(true);
    } finally {
      await context.close();
    }
  });
}

for (const viewport of [
  { width: 1024, height: 640 },
  { width: 1440, height: 900 },
]) {
  test(`at ${viewport.width}×${viewport.height} a fleet row's regression marker is whole beside the customer's name`, async ({
    browser,
  }) => {
    test.setTimeout(240_000);
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    try {
      await page.goto(host.url);
      const marker = page.getByTestId('fleet-row').getByTestId('regression-marker').first();
      await expect(marker).toBeVisible({ timeout: 150_000 });
      // The cell clips what overflows it: the marker must end inside the cell and show its whole word.
      const cut = await marker.evaluate((element) => {
        const cell = element.closest('[role="cell"]');
        if (!cell) return 'no cell';
        const inner = element.getBoundingClientRect();
        const outer = cell.getBoundingClientRect();
        const right = outer.right - parseFloat(getComputedStyle(cell).paddingRight);
        return inner.right <= right + 0.5 && element.scrollWidth <= element.clientWidth + 1 ? null : `${inner.right} > ${right}`;
      });
      expect(cut).toBeNull();
      await expect(marker).toContainText('Regression');
    } finally {
      await context.close();
    }
  });
}

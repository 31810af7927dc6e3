import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { withDemoDesk } from './support/demo-desk';
import type { ServerProcess } from './support/server';

/**
 * Issue 12, "make sure it does not come back", end to end in browser mode against
 * a real reference server in its own process: a signal → a known problem made
 * from it → a follow-up from the problem → the problem marked fixed → the
 * signature recurs on a customer on the fixed version → the fleet marks the
 * regression → Insights shows it and exports it.
 */
// axe injects its script inline; the app's CSP would (rightly) refuse it.
test.use({ bypassCSP: true });

/** No serious or critical accessibility violations on the screen, in light and in dark. */
async function audit(page: Page, screen: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const serious = results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) =>
          `${violation.id}: ${violation.nodes
            .slice(0, 3)
            .map((node) => node.target.join(' '))
            .join(', ')}`,
      );
    expect(serious, `${screen} in ${colorScheme}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function sendAlert(server: ServerProcess, customerId: string, at: Date): Promise<void> {
  const response = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        {
          customerId,
          occurredAt: at.toISOString(),
          kind: 'alert',
          severity: 'error',
          feature: 'exports',
          summary: 'E2E export queue stalled',
          source: { system: 'e2e', externalId: `e2e-${at.getTime()}` },
          actor: null,
          properties: { alertname: 'E2eExportQueueStalled', queue: 'exports', status: 'open', thread: `e2e-${at.getTime()}` },
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

test('a signal becomes a known problem with a follow-up; its regression shows on the fleet and in Insights', async ({ page }) => {
  test.setTimeout(300_000);
  await withDemoDesk(page, async ({ server, nav, shot }) => {
    // The customer: one the demo's own regression story does not already mark.
    await nav.getByRole('link', { name: 'Fleet', exact: true }).click();
    const row = page.getByTestId('fleet-row').filter({ hasText: 'Arbor Labs' });
    await expect(row).toBeVisible({ timeout: 60_000 });
    await expect(row.getByTestId('regression-marker')).toHaveCount(0);
    const customerId = (await row.getAttribute('data-customer-id')) ?? '';
    expect(customerId).not.toBe('');

    // A signal arrives; the engineer makes a known problem from it.
    await sendAlert(server, customerId, new Date(Date.now() - 60_000));
    await row.getByRole('link').click();
    const timeline = page.getByRole('listbox', { name: 'Timeline events' });
    const signal = timeline.getByTestId('timeline-row').filter({ hasText: 'E2E export queue stalled' }).first();
    await expect(signal).toBeVisible({ timeout: 60_000 });
    await signal.click();
    const details = page.getByRole('complementary', { name: /E2E export queue stalled/ });
    await details.getByRole('button', { name: 'Create a known problem from this signal' }).click();
    const form = details.getByRole('form', { name: 'New known problem from this signal' });
    await expect(form.getByLabel(/^Signatures/)).toHaveValue(/^alert:/);
    await form.getByLabel('Title').fill('Export queue stalls after the worker change');
    await form.getByRole('button', { name: 'Create known problem' }).click();
    const heading = page.getByRole('heading', { level: 2, name: /Export queue stalls after the worker change/ });
    await expect(heading).toBeVisible();
    await expect(heading).not.toContainText('pending', { timeout: 60_000 });
    await expect(page.getByRole('table')).toContainText('Arbor Labs');
    await shot('problem');
    await audit(page, 'known problem');

    // A follow-up from the problem, with an assignee and a due day; the Follow-ups view lists it under the problem.
    await page.getByRole('button', { name: 'Follow-up from problem' }).click();
    const followUp = page.getByRole('form', { name: 'New follow-up from this problem' });
    await followUp.getByLabel('Assignee').fill('priya');
    await followUp.getByLabel('Due').fill('2027-01-15');
    await followUp.getByRole('button', { name: 'Add follow-up' }).click();
    await expect(page.getByRole('list', { name: 'Follow-ups of Export queue stalls after the worker change' })).toContainText(
      'Ship the permanent fix',
    );
    await nav.getByRole('link', { name: 'Follow-ups', exact: true }).click();
    await page.getByRole('button', { name: 'By problem' }).click();
    const group = page.getByRole('region', { name: 'Export queue stalls after the worker change' });
    await expect(group).toContainText('owner priya');
    await expect(group).toContainText('due 2027-01-15');
    await group.getByRole('link', { name: 'Export queue stalls after the worker change' }).click();

    // The fix ships in 1.0.0 (every demo customer runs it or newer).
    const editor = page.getByRole('form', { name: 'Edit Export queue stalls after the worker change' });
    await editor.getByLabel('Status').selectOption('fixed');
    await editor.getByLabel('Fixed in version').fill('1.0.0');
    await editor.getByRole('button', { name: 'Save changes' }).click();
    await expect(heading).toContainText('Fixed');
    await expect(heading).not.toContainText('pending', { timeout: 60_000 });

    // The signature comes back after the fix: the fleet marks the customer, and the filter finds it.
    await sendAlert(server, customerId, new Date(Date.now() + 1000));
    await nav.getByRole('link', { name: 'Fleet', exact: true }).click();
    await expect(row.getByTestId('regression-marker')).toContainText(
      'Regression: Export queue stalls after the worker change came back on',
      { timeout: 60_000 },
    );
    await page.getByRole('checkbox', { name: /^Regressions only/ }).check();
    await expect(row).toBeVisible();
    await shot('fleet-regression');
    await audit(page, 'fleet with a regression');

    // Insights: the problem with its regression, exported.
    await nav.getByRole('link', { name: 'Insights', exact: true }).click();
    const problems = page.getByRole('table', { name: 'Known problems' });
    const problemRow = problems.getByRole('row', { name: /Export queue stalls after the worker change/ });
    await expect(problemRow).toContainText('fixed');
    await expect(problemRow.getByRole('cell').nth(4)).toHaveText('1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv).toMatch(/^Export queue stalls after the worker change,fixed,\d+,\d+,\d+,1,/m);
    const [markdown] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export Markdown' }).click(),
    ]);
    expect(fs.readFileSync((await markdown.path()) ?? '', 'utf8')).toContain(
      '| Export queue stalls after the worker change | fixed |',
    );
    await shot('insights');
    await audit(page, 'insights');
  });
});

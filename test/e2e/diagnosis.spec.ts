import { expect, test } from './fixtures';
import { withDemoDesk } from './support/demo-desk';

/**
 * Issue 12, "why" and "who else", end to end in browser mode against a real
 * reference server in its own process (the demo fleet of seed 1, whose 26.12.0 wave carries the upgrade regression on
 * six customers): the engineer opens Releases and sees the suspect release
 * flagged with its reason → opens one of its customers → sees the top suspect
 * change and its reason on the customer page before any wizard runs → opens "who
 * else is hit" with its breakdown → the signal chart's table shows the change as
 * marker 1, and choosing it shows the change on the timeline.
 */
test('a bad release: Releases flags it, the customer page names the upgrade as the likely cause, who else is hit, the chart marks it', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await withDemoDesk(page, async ({ nav, shot }) => {
    // Releases: one release is flagged suspect, with the rule's reason in words.
    await nav.getByRole('link', { name: 'Releases', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Releases' })).toBeVisible();
    const table = page.getByRole('region', { name: 'Release health table' });
    // Newest first: the first flagged row is the newest suspect release, the one the regression came with.
    const suspectRow = table
      .getByRole('row')
      .filter({ has: page.getByTestId('suspect-badge') })
      .first();
    await expect(suspectRow).toBeVisible({ timeout: 60_000 });
    const version = ((await suspectRow.getAttribute('data-testid')) ?? '').replace(/^release-/, '');
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const versionPattern = version.replaceAll('.', '\\.');
    await expect(page.getByText(/^\d+ versions · latest /)).toContainText(`latest ${version}`);
    await expect(page.getByRole('note', { name: 'Suspect releases' })).toContainText(
      new RegExp(`${versionPattern} is suspect:\\s*\\d+% of its customers are degraded or down \\(\\d+ of \\d+\\), against`),
    );
    await shot('releases');

    // One of its customers, from the release's own list.
    await suspectRow.getByRole('button', { name: /^\d+ customers$/ }).click();
    await page
      .getByRole('list', { name: `Customers on ${version}` })
      .getByRole('link', { name: 'Arbor Labs' })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: /Arbor Labs/ })).toBeVisible();

    // Before any wizard: the likely cause names the upgrade to the suspect release, with its reason.
    const likely = page.getByRole('region', { name: 'Likely cause' });
    const top = likely.getByTestId('top-suspect');
    await expect(top).toContainText('Top suspect:', { timeout: 60_000 });
    await expect(top).toContainText(version);
    const reason = top.getByText(/ before the first /);
    await expect(reason).toBeVisible();
    await expect(reason).toContainText(/other customers?/);
    await expect(page).toHaveURL(/#\/customer\/arbor-labs/);
    const suggestions = page.getByRole('region', { name: 'Suggested wizards' });
    await expect(suggestions).toBeVisible();
    const isLikelyFirst = await likely.evaluate(
      (section, other) => Boolean(other && section.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING),
      await suggestions.elementHandle(),
    );
    expect(isLikelyFirst, 'the likely cause comes before the suggested wizards').toBe(true);
    await expect(likely.getByTestId('impact-headline')).toContainText(/other customers?/);
    await shot('likely-cause');

    // Who else is hit: the headline, the version breakdown and the other affected customers.
    await likely.getByRole('button', { name: 'Who else is hit?' }).click();
    const whoElse = likely.getByRole('region', { name: 'Who else is hit' });
    const headline = whoElse.getByTestId('who-else-headline');
    await expect(headline).toHaveText(new RegExp(`^\\d+ other customers on ${versionPattern} have the same alert$`));
    const others = Number(/^\d+/.exec(await headline.innerText())?.[0]);
    // The same count as the top suspect's reason and the list of the other affected customers.
    await expect(reason).toContainText(`on ${others} other customers`);
    await expect(whoElse).toContainText(new RegExp(`\\d+ of \\d+ affected customers had “upgrade [\\d.]+ → ${versionPattern}”`));
    await expect(whoElse).toContainText(new RegExp(`\\d+ of \\d+ on ${versionPattern} are affected`));
    const versions = whoElse.getByRole('table', { name: 'Version' });
    const onVersion = versions.getByRole('row', { name: new RegExp(`^${versionPattern} `) });
    await expect(onVersion.getByRole('cell').first()).not.toHaveText('0');
    const otherCustomers = whoElse.getByRole('list', { name: 'Other affected customers' });
    await expect(otherCustomers.getByRole('listitem')).toHaveCount(others);
    await expect(otherCustomers).toContainText(version);
    await shot('who-else');

    // The signal chart's table: the top suspect is change 1 in its hour; choosing it shows it on the timeline.
    const chart = likely.getByRole('figure');
    await expect(chart).toContainText('with the suspect changes');
    // Chromium draws the chart; its table is one button away (and always there for screen readers).
    await expect(chart.getByTestId('signal-chart-canvas')).toBeVisible();
    await chart.getByRole('button', { name: 'Show as a table' }).click();
    const marker = chart.getByRole('button', { name: /^Suspect 1: / });
    await expect(marker).toBeVisible();
    await expect(marker).toContainText(version);
    await shot('chart-table');
    await marker.click();
    await expect(page.getByRole('complementary', { name: new RegExp(`→ ${versionPattern}`) })).toBeVisible();
  });
});

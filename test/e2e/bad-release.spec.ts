import { expect, test } from './fixtures';
import { withDemoDesk } from './support/demo-desk';
import type { ServerProcess } from './support/server';

/**
 * Issue 12's story end to end, in browser mode against a real reference server in
 * its own process (the demo fleet of seed 1, whose halted release carries a billing
 * sync defect to several customers, and the known error the demo tells of it): the
 * L1 opens one of those customers from the fleet → sees the upgrade as the top
 * suspect and "N other customers on <version> have the same alert" → opens the
 * known problem → starts its workaround wizard for the customer → the pin is
 * approved by a second person and confirmed → the run is recorded → the
 * follow-up its record step leaves is in the Follow-ups view.
 */

const CUSTOMER = 'Arbor Labs';

/** A second person approves the pending plan for the customer, as an approver does on their own desk. */
async function approveAsSecondPerson(server: ServerProcess, customerName: string): Promise<void> {
  const call = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
    return (await response.json()) as T;
  };
  const { token } = await call<{ token: string }>('POST', '/v1/tokens', server.token, { userId: 'lee', role: 'desk' });
  let approvalId: string | undefined;
  await expect
    .poll(
      async () => {
        const { approvals } = await call<{ approvals: { approvalId: string; plan: { customer: { name: string } } }[] }>(
          'GET',
          '/v1/approvals?status=pending',
          token,
        );
        approvalId = approvals.find((approval) => approval.plan.customer.name === customerName)?.approvalId;
        return approvalId;
      },
      { timeout: 60_000 },
    )
    .toBeDefined();
  await call('POST', `/v1/approvals/${approvalId}/decision`, token, {
    decision: 'granted',
    note: 'Pin it until the fix ships',
  });
}

test('a bad release: the L1 sees the likely cause and who else, opens the known problem, runs its workaround, and the follow-up is tracked', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await withDemoDesk(page, async ({ server, nav, shot }) => {
    // The fleet: one of the customers the bad release hit.
    await nav.getByRole('link', { name: 'Fleet', exact: true }).click();
    const row = page.getByTestId('fleet-row').filter({ hasText: CUSTOMER });
    await expect(row).toBeVisible({ timeout: 60_000 });
    await row.getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(CUSTOMER) })).toBeVisible();

    // Before any wizard: the top suspect is the upgrade to the bad release, and N other customers on it have the same alert.
    const likely = page.getByRole('region', { name: 'Likely cause' });
    const headline = likely.getByTestId('impact-headline');
    await expect(headline).toHaveText(/^\d+ other customers on \d+\.\d+\.\d+ have the same alert$/, { timeout: 60_000 });
    const [, others, version] = /^(\d+) other customers on (\S+) have/.exec(await headline.innerText()) ?? [];
    expect(Number(others)).toBeGreaterThanOrEqual(2);
    const top = likely.getByTestId('top-suspect');
    await expect(top).toContainText('Top suspect:');
    await expect(top).toContainText(`→ ${version}`);
    await expect(top).toContainText(`on ${others} other customers`);
    await shot('likely-cause');

    // The known problem the bad release is, from the customer page.
    const problems = page.getByRole('region', { name: /^Known problems \(\d+\)$/ });
    const title = `Billing sync fails after the upgrade to ${version}`;
    await problems.getByRole('link', { name: title }).click();
    const heading = page.getByRole('heading', { level: 2, name: new RegExp(title.replaceAll('.', '\\.')) });
    await expect(heading).toBeVisible();
    await expect(heading).toContainText('Known error');
    const hits = page.getByRole('region', { name: /^Customers hit \(\d+\)$/ });
    // Everyone it hits: this customer and the others on the bad release.
    await expect(hits.getByRole('row')).toHaveCount(Number(others) + 2);
    await shot('known-problem');

    // Its workaround wizard, started for this customer from the problem.
    await hits
      .getByRole('button', { name: `Start the workaround on ${CUSTOMER}: Customer degraded after a version upgrade` })
      .click();
    await expect(page).toHaveURL(/#\/run\//);
    await expect(page.getByRole('heading', { level: 1, name: 'Customer degraded after a version upgrade' })).toBeVisible();
    const plan = page.getByRole('table', { name: 'What will change' });
    await expect(plan).toContainText(version!, { timeout: 120_000 });
    await shot('plan');

    // High risk: a second person approves, then the L1 types the customer's name and confirms.
    await page.getByRole('button', { name: 'Request approval' }).click();
    await approveAsSecondPerson(server, CUSTOMER);
    await page.getByLabel('Type the customer name to confirm').fill(CUSTOMER);
    const confirm = page.getByRole('button', { name: 'Confirm and run' });
    await expect(confirm).toBeEnabled({ timeout: 60_000 });
    await confirm.click();

    // Verified and recorded as a workaround.
    await expect(page.getByTestId('run-outcome')).toHaveText(/Workaround/i, { timeout: 180_000 });
    await expect(page.getByTestId('run-record-state')).toContainText('Recorded on the customer’s timeline', { timeout: 60_000 });
    await shot('run-done');

    // The follow-up the record step left is the L1's, in the Follow-ups view.
    await nav.getByRole('link', { name: 'Follow-ups', exact: true }).click();
    await page.getByRole('button', { name: 'Mine' }).click();
    const mine = page.getByRole('list', { name: 'Mine follow-ups' });
    await expect(mine).toContainText(
      new RegExp(`Unpin ${CUSTOMER} from \\S+ once a fix for ${version!.replaceAll('.', '\\.')} ships`),
      {
        timeout: 60_000,
      },
    );
    await shot('follow-ups');
  });
});

import { expect, test } from './fixtures';

test('the app loads, the sidebar navigates and About shows real values from the desk core', async ({ page, host }) => {
  await page.goto(host.url);
  // The launch token was traded for a cookie and removed from the address bar.
  await expect(page).not.toHaveURL(/token=/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Fleet', 'Customers', 'Wizards', 'Sync']) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`^${name}`) })).toBeVisible();
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
  }
  await page.getByRole('link', { name: 'About', exact: true }).click();
  await expect(page.getByTestId('about-mode')).toHaveText('browser');
  await expect(page.getByTestId('about-schema')).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId('about-data-dir')).toHaveText(host.dataDir);
  await expect(page.getByTestId('about-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('sync-state')).not.toHaveText('Connecting…');
  await page.screenshot({ path: test.info().outputPath('about.png'), fullPage: true });
});

test('the About schema version is the one in the SQLite file', async ({ page, host }) => {
  const { default: Database } = await import('better-sqlite3');
  await page.goto(host.url);
  await page.getByRole('link', { name: 'About', exact: true }).click();
  await expect(page.getByTestId('about-schema')).not.toBeEmpty();
  const db = new Database(`${host.dataDir}/cache.sqlite`, { readonly: true });
  const version = db.pragma('user_version', { simple: true });
  db.close();
  await expect(page.getByTestId('about-schema')).toHaveText(String(version));
});

test('a contract call without the token is refused, and so is one with a foreign Origin or, with the cookie, none', async ({
  page,
  host,
  playwright,
}) => {
  const anonymous = await playwright.request.newContext();
  const noToken = await anonymous.post(`${host.origin}/api/call/app:info`, { data: {} });
  expect(noToken.status()).toBe(401);
  await anonymous.dispose();

  await page.goto(host.url);
  const withCookie = await page.request.post(`${host.origin}/api/call/app:info`, { data: {}, headers: { origin: host.origin } });
  expect(withCookie.status()).toBe(200);
  // A browser always sends Origin on a POST: a cookie-carrying one without it did not come from the page (issue 9).
  const noOrigin = await page.request.post(`${host.origin}/api/call/app:info`, { data: {} });
  expect(noOrigin.status()).toBe(403);
  const foreign = await page.request.post(`${host.origin}/api/call/app:info`, {
    data: {},
    headers: { origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  // The page itself, running in the browser, cannot call a foreign origin's API either (CSP connect-src 'self').
  const blocked = await page.evaluate(async () => {
    try {
      await fetch('http://127.0.0.1:9/api/call/app:info', { method: 'POST' });
      return 'reached';
    } catch {
      return 'blocked';
    }
  });
  expect(blocked).toBe('blocked');
});

test('an invalid deep-link hash shows a notice and falls back to the fleet', async ({ page, host }) => {
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/customer/..%2f..%2fetc`);
  // The fleet page may still be loading its chunk (a second, transient status region), so name the notice.
  await expect(page.getByRole('status').filter({ hasText: 'could not be opened' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: /^Fleet/ })).toBeVisible();
});

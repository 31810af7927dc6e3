import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { releaseVerdicts } from '../../../shared/diagnosis/releases';
import type { ReleaseHealth, ReleasesOutput } from '../../../shared/ipc/diagnosis-views';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures, type Fixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

const NOW = Date.now();
const ago = (hours: number) => new Date(NOW - hours * 3_600_000).toISOString();

type Counts = Omit<ReleaseHealth, 'previousVersion' | 'suspect' | 'comparedWith'>;

/** The releases with their verdicts as the desk gives them: the rule of shared/diagnosis/releases.ts, not words made up here. */
function judged(releases: Counts[]): ReleaseHealth[] {
  const verdicts = releaseVerdicts(
    releases.map((release) => ({
      version: release.version,
      customers: release.customers,
      affected: release.degraded + release.down,
    })),
  );
  return releases.map((release, index) => ({ ...release, ...verdicts[index]! }));
}

function releaseFixtures(): Fixtures {
  const fixtures = standardFixtures();
  const releases: ReleasesOutput = {
    latestVersion: '4.12.0',
    releases: judged([
      {
        version: '4.12.0',
        releasedAt: ago(10),
        notes: 'Faster exports',
        customers: 3,
        degraded: 2,
        down: 0,
        affectedShare: 2 / 3,
        newSignatures: [
          { signature: 'alert:ssologinfailing:abc', label: 'ssologinfailing (alert)', customers: 2, firstAt: ago(8) },
        ],
        customerIds: ['acme', 'globex', 'hooli'],
      },
      {
        version: '4.11.2',
        releasedAt: ago(24 * 9),
        notes: null,
        customers: 1,
        degraded: 0,
        down: 0,
        affectedShare: 0,
        newSignatures: [],
        customerIds: ['umbrella'],
      },
      {
        version: '4.10.1',
        releasedAt: ago(24 * 40),
        notes: null,
        customers: 1,
        degraded: 0,
        down: 1,
        affectedShare: 1,
        newSignatures: [],
        customerIds: ['initech'],
      },
    ]),
    lagging: [
      {
        customerId: 'initech',
        name: 'Initech',
        version: '4.10.1',
        lifecycle: 'live',
        behind: 3,
        reason: 'pinned',
        detail: 'Pinned to 4.10.1 by dana@ops.example in run r-1',
      },
    ],
    onboarding: [{ customerId: 'umbrella', name: 'Umbrella Health', done: 2, stuck: ['dns'], waiting: ['sso_setup'], total: 5 }],
    names: { acme: 'Acme Corporation', globex: 'Globex', hooli: 'Hooli', umbrella: 'Umbrella Health', initech: 'Initech' },
  };
  fixtures.releases = releases;
  return fixtures;
}

describe('releases view (issue 12)', () => {
  it('is reached with Alt+6 and shows per version its customers, share degraded or down, new signatures and time since rollout', async () => {
    const { user } = renderApp({ route: { view: 'fleet' }, desk: createFakeDesk(releaseFixtures()) });
    await user.keyboard('{Alt>}6{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Releases' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Releases' })).toHaveAttribute('aria-current', 'page');
    const table = await screen.findByRole('table', { name: 'Release health, newest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').querySelector('.release-version')?.textContent)).toEqual([
      '4.12.0',
      '4.11.2',
      '4.10.1',
    ]);
    const bad = within(table).getByTestId('release-4.12.0');
    expect(within(bad).getByRole('button', { name: '3 customers' })).toBeInTheDocument();
    expect(bad).toHaveTextContent('67% (2 degraded, 0 down)');
    expect(bad).toHaveTextContent('ssologinfailing (alert) 2 customers, first 8 h ago');
    expect(bad).toHaveTextContent('10 h ago');
    expect(bad).toHaveTextContent('Too few customers on 4.11.2 (1) or on the rest of the fleet (2) to compare');
    expect(within(table).getByTestId('release-4.11.2')).toHaveTextContent('9 days ago');
    expect(within(table).getByTestId('release-4.11.2')).toHaveTextContent('none');
  });

  it('flags only the suspect release, says why, and states the rule', async () => {
    renderApp({ route: { view: 'releases' }, desk: createFakeDesk(releaseFixtures()) });
    const table = await screen.findByRole('table', { name: 'Release health, newest first' });
    expect(within(table).getAllByTestId('suspect-badge')).toHaveLength(1);
    expect(within(within(table).getByTestId('release-4.12.0')).getByTestId('suspect-badge')).toHaveTextContent('Suspect');
    // 4.10.1 has a customer down, but only one: not suspect.
    expect(within(within(table).getByTestId('release-4.10.1')).queryByTestId('suspect-badge')).toBeNull();
    // With one customer on 4.11.2 and two on all the rest, there is nothing to compare with, and the words say so.
    expect(screen.getByRole('note', { name: 'Suspect releases' })).toHaveTextContent(
      '4.12.0 is suspect: 67% of its customers are degraded or down (2 of 3), with too few customers on 4.11.2 (1) or on the rest of the fleet (2) to compare.',
    );
    expect(
      screen.getByText(/A release is flagged suspect when at least 2 of its customers are degraded or down/),
    ).toBeInTheDocument();
    expect(screen.getByText('3 versions · latest 4.12.0 · 1 suspect release', { exact: false })).toBeInTheDocument();
    expect(screen.getByText(/When fewer than 5 customers run the previous version, their share is noise/)).toBeInTheDocument();
  });

  it('does not flag a release against a previous version of one customer: it compares with the rest of the fleet', async () => {
    // The demo fleet's shape: one customer left on 26.10.0; 13% of 26.11.0 against its 0% is not a bad release.
    const fixtures = standardFixtures();
    const release = (version: string, customers: number, degraded: number, down: number): Counts => ({
      version,
      releasedAt: ago(24 * 10),
      notes: null,
      customers,
      degraded,
      down,
      affectedShare: (degraded + down) / customers,
      newSignatures: [],
      customerIds: [],
    });
    fixtures.releases = {
      latestVersion: '26.12.0',
      releases: judged([release('26.12.0', 26, 8, 0), release('26.11.0', 30, 3, 1), release('26.10.0', 1, 0, 0)]),
      lagging: [],
      onboarding: [],
      names: {},
    };
    renderApp({ route: { view: 'releases' }, desk: createFakeDesk(fixtures) });
    const table = await screen.findByRole('table', { name: 'Release health, newest first' });
    const [newest, middle, oldest] = ['26.12.0', '26.11.0', '26.10.0'].map((version) =>
      within(table).getByTestId(`release-${version}`),
    );
    expect(within(middle!).queryByTestId('suspect-badge')).toBeNull();
    expect(middle).toHaveTextContent(
      'Compared with 30% (8 of 27) on the rest of the fleet; too few customers on 26.10.0 (1) to compare',
    );
    expect(within(newest!).getByTestId('suspect-badge')).toBeInTheDocument();
    expect(newest).toHaveTextContent('Compared with 13% (4 of 30) on 26.11.0');
    expect(oldest).toHaveTextContent('no earlier version with customers to compare');
    expect(screen.getByRole('note', { name: 'Suspect releases' })).toHaveTextContent(
      '26.12.0 is suspect: 31% of its customers are degraded or down (8 of 26), against 13% (4 of 30) on 26.11.0.',
    );
    expect(screen.getByText('3 versions · latest 26.12.0 · 1 suspect release', { exact: false })).toBeInTheDocument();
  });

  it('groups the fleet by version: the customers on a release from the keyboard, then that version in the fleet', async () => {
    const { user } = renderApp({ route: { view: 'releases' }, desk: createFakeDesk(releaseFixtures()) });
    const table = await screen.findByRole('table', { name: 'Release health, newest first' });
    const toggle = within(within(table).getByTestId('release-4.12.0')).getByRole('button', { name: '3 customers' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const list = screen.getByRole('list', { name: 'Customers on 4.12.0' });
    expect(
      within(list)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Acme Corporation', 'Globex', 'Hooli']);
    await user.click(screen.getByRole('button', { name: 'Show 4.12.0 in the fleet' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Fleet' })).toBeInTheDocument();
    expect(screen.getByLabelText('Version')).toHaveValue('4.12.0');
    await waitFor(() =>
      expect(
        screen
          .getAllByTestId('fleet-row')
          .map((row) => within(row).getByRole('link').textContent)
          .sort(),
      ).toEqual(['Acme Corporation', 'Globex', 'Hooli']),
    );
  });

  it('says who lags behind the latest release and why, and which onboarding is stuck or waiting on the customer', async () => {
    const { user } = renderApp({ route: { view: 'releases' }, desk: createFakeDesk(releaseFixtures()) });
    const lagging = await screen.findByRole('table', { name: 'Customers behind the latest release, and why' });
    const row = within(lagging).getByRole('row', { name: /Initech/ });
    expect(row).toHaveTextContent('3 versions');
    expect(row).toHaveTextContent('Pinned Pinned to 4.10.1 by dana@ops.example in run r-1');
    const onboarding = screen.getByRole('region', { name: 'Onboarding (1)' });
    expect(onboarding).toHaveTextContent('Umbrella Health 2 of 5 steps done · stuck: dns · waiting on the customer: sso_setup');
    await user.click(within(lagging).getByRole('link', { name: 'Initech' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Initech' })).toBeInTheDocument();
  });

  it('reads again when the cache changes, and says what went wrong with a retry', async () => {
    const fixtures = releaseFixtures();
    const desk = createFakeDesk(fixtures);
    let isBroken = true;
    desk.override('releases:list', (input) =>
      isBroken
        ? { ok: false, error: { code: 'internal', message: 'The cache could not be read.' } }
        : desk.answer('releases:list', input),
    );
    const { user } = renderApp({ route: { view: 'releases' }, desk });
    expect(await screen.findByText('The cache could not be read.', { exact: false })).toBeInTheDocument();
    isBroken = false;
    await user.click(screen.getByRole('button', { name: /Retry|Try again/ }));
    await screen.findByRole('table', { name: 'Release health, newest first' });
    fixtures.releases!.releases[1]!.suspect = '50% of its customers are degraded or down (2 of 4), against 0% (0 of 8) on 4.10.1';
    const before = desk.inputsTo('releases:list').length;
    desk.emit('cache:changed', { customerIds: ['umbrella'], global: false });
    await waitFor(() => expect(desk.inputsTo('releases:list').length).toBeGreaterThan(before));
    await waitFor(() => expect(screen.getAllByTestId('suspect-badge')).toHaveLength(2));
  });
});

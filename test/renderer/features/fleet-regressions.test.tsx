import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makeProblem } from '../support/fake-problems';
import { standardFixtures, type Fixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/**
 * The fleet marks customers where a known-fixed problem's signature came back
 * on a version carrying the fix (issue 12): a marker beside the name that says
 * so in words, and a filter to see only them.
 */
function fixtures(): Fixtures {
  const base = standardFixtures();
  base.problems = [
    {
      problem: makeProblem({
        id: 'prob-exports',
        title: 'Export jobs lag',
        status: 'fixed',
        rules: [{ prefix: 'alert:exportjoblag:' }],
        fixedVersion: '4.12.0',
        regressions: 1,
      }),
      hits: [
        {
          customerId: 'acme',
          customerName: 'Acme Corporation',
          linkedBy: 'signature',
          occurrences: 3,
          firstAt: '2026-11-01T00:00:00.000Z',
          lastAt: '2026-11-19T00:00:00.000Z',
          regression: { at: '2026-11-19T00:00:00.000Z', version: '4.12.0' },
        },
        {
          customerId: 'globex',
          customerName: 'Globex',
          linkedBy: 'signature',
          occurrences: 1,
          firstAt: '2026-11-01T00:00:00.000Z',
          lastAt: '2026-11-01T00:00:00.000Z',
          regression: null,
        },
      ],
    },
  ];
  return base;
}

const names = () => screen.getAllByTestId('fleet-row').map((row) => within(row).getByRole('link').textContent ?? '');

describe('regressions on the fleet', () => {
  it('marks the regressed customer with a labelled marker and filters to regressions only', async () => {
    const { user } = renderApp({ route: { view: 'fleet' }, fixtures: fixtures() });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    const markers = await screen.findAllByTestId('regression-marker');
    expect(markers).toHaveLength(1);
    const acme = markers[0]?.closest('[data-testid="fleet-row"]');
    expect(acme).toHaveAttribute('data-customer-id', 'acme');
    expect(markers[0]).toHaveTextContent('Regression: Export jobs lag came back on 4.12.0 after its fix in 4.12.0');
    expect(markers[0]).toHaveAttribute('title', 'Regression: Export jobs lag came back on 4.12.0 after its fix in 4.12.0');

    await user.click(screen.getByRole('checkbox', { name: 'Regressions only (1)' }));
    await waitFor(() => expect(names()).toEqual(['Acme Corporation']));
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
  });

  it('shows no marker when no fixed problem came back', async () => {
    renderApp({ route: { view: 'fleet' }, fixtures: standardFixtures() });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    expect(await screen.findByRole('checkbox', { name: 'Regressions only (0)' })).toBeInTheDocument();
    expect(screen.queryByTestId('regression-marker')).toBeNull();
  });
});

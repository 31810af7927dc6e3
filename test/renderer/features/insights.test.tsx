import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeProblem } from '../support/fake-problems';
import { makeEvent, standardFixtures, type Fixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/**
 * The Insights view (issue 12): the tables from the desk over a chosen period,
 * and exports as CSV and Markdown (the browser's download: the OS edge, stubbed).
 */
function fixtures(): Fixtures {
  const base = standardFixtures();
  base.events.push(
    makeEvent({
      customerId: 'acme',
      occurredAt: '2026-11-19T10:00:00.000Z',
      kind: 'wizard_run',
      summary: 'Wizard export-job-behind: escalated',
      properties: { wizardId: 'export-job-behind', outcome: 'escalated', path: ['check', 'restart-worker'] },
    }),
  );
  base.problems = [
    {
      problem: makeProblem({
        id: 'p1',
        title: 'Exports lag, "again"',
        status: 'known_error',
        workaroundWizard: 'export-job-behind',
      }),
      hits: [
        {
          customerId: 'acme',
          customerName: 'Acme Corporation',
          linkedBy: 'signature',
          occurrences: 3,
          firstAt: null,
          lastAt: null,
          regression: null,
        },
      ],
    },
  ];
  return base;
}

afterEach(() => vi.restoreAllMocks());

describe('the Insights view', () => {
  it('shows wizards, problems, escalations and follow-ups for the period, and exports CSV and Markdown', async () => {
    const blobs: Blob[] = [];
    // jsdom has no object URLs: the download is the edge of the page.
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:insights';
    });
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    const { user, desk } = renderApp({ route: { view: 'fleet' }, fixtures: fixtures() });
    await user.click(await screen.findByRole('link', { name: 'Insights' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Insights' })).toBeInTheDocument();

    const problems = await screen.findByRole('table', { name: 'Known problems' });
    expect(within(problems).getByRole('rowheader', { name: 'Exports lag, "again"' })).toBeInTheDocument();
    const wizards = screen.getByRole('table', { name: 'Wizards' });
    expect(within(wizards).getByRole('row', { name: /export-job-behind 1 0% 0% 100% 0% —/ })).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Escalations' })).getByText('restart-worker')).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Period'), '90');
    await waitFor(() => expect(desk.inputsTo('insights:get').at(-1)).toEqual({ days: 90 }));

    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await user.click(screen.getByRole('button', { name: 'Export Markdown' }));
    expect(clicked).toHaveBeenCalledTimes(2);
    const [csv, markdown] = await Promise.all(blobs.map((blob) => blob.text()));
    expect(blobs[0]?.type).toBe('text/csv');
    expect(csv).toContain('Problem,Status,Customers hit');
    expect(csv).toContain('"Exports lag, ""again""",known_error,1,3,2,0,');
    expect(markdown).toContain('# Operations insights: the last 90 days');
    expect(markdown).toContain('| Exports lag, "again" | known_error | 1 | 3 | 2 | 0 |');
  });
});

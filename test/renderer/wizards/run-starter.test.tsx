import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../support/render';
import { deskWithRun, openRun } from './support/run-helpers';

describe('who started a run (issue 14)', () => {
  it('names the signed-in person’s own run "you" on the run and in the run lists', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing');
    await openRun(desk, runId);
    const facts = await screen.findByText('Started by');
    expect(facts.nextElementSibling).toHaveTextContent('Dana Desk (you)');
  });

  it('shows the starter in the wizards page’s run table', async () => {
    const { desk } = deskWithRun('sso-sign-in-failing');
    renderApp({ route: { view: 'wizards' }, desk });
    const table = await screen.findByRole('table', { name: /runs/i });
    await waitFor(() => expect(within(table).getByRole('columnheader', { name: 'Started by' })).toBeInTheDocument());
    expect(within(table).getByText('Dana Desk (you)')).toBeInTheDocument();
  });
});

import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function cardTitles(): string[] {
  return screen.queryAllByTestId('wizard-card').map((card) => within(card).getByRole('heading', { level: 3 }).textContent ?? '');
}

describe('Wizards page', () => {
  it('lists the library with version, origin, description and where each applies, and filters it', async () => {
    const { user, desk } = renderApp({ route: { view: 'wizards' } });
    await waitFor(() =>
      expect(cardTitles()).toEqual(['Degraded after a version upgrade', 'Export job lagging behind', 'SSO sign-in failing']),
    );
    expect(desk.inputsTo('wizards:list')).toEqual([{}]);
    const sso = screen.getByRole('listitem', { name: 'SSO sign-in failing' });
    expect(within(sso).getByText('v3')).toBeInTheDocument();
    expect(within(sso).getByText('bundled starter')).toBeInTheDocument();
    expect(within(sso).getByText('sso-sign-in-failing')).toBeInTheDocument();
    expect(within(sso).getByText('SSO').tagName).toBe('STRONG');
    expect(within(sso).getByText(/^Applies to/)).toHaveTextContent(
      'Applies to features: sso; events: Alert, Ticket, Error spike; symptoms: “cannot sign in”, “SAML error”.',
    );
    expect(
      within(screen.getByRole('listitem', { name: 'Export job lagging behind' })).getByText('server library'),
    ).toBeInTheDocument();

    const filter = screen.getByRole('searchbox', { name: 'Filter wizards' });
    await user.type(filter, 'export');
    expect(cardTitles()).toEqual(['Export job lagging behind']);
    expect(screen.getByText('1 of 3 wizards')).toBeInTheDocument();
    await user.clear(filter);
    await user.type(filter, 'upgrade incident');
    expect(cardTitles()).toEqual(['Degraded after a version upgrade']);
    await user.clear(filter);
    await user.type(filter, 'kubernetes');
    expect(cardTitles()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Clear the filter' }));
    expect(cardTitles()).toHaveLength(3);
  });

  it('starts a practice run on a chosen customer (a demo customer by default)', async () => {
    const { user, desk } = renderApp({ route: { view: 'wizards' } });
    await user.click(await screen.findByRole('button', { name: 'Practice SSO sign-in failing' }));
    const form = screen.getByRole('form', { name: 'Practice SSO sign-in failing' });
    const customer = within(form).getByRole('combobox', { name: 'Customer for the practice run' });
    await waitFor(() => expect(customer).toHaveValue('acme'));
    expect(customer).toHaveFocus();

    await user.clear(customer);
    await user.type(customer, 'nobody');
    await user.click(within(form).getByRole('button', { name: 'Start practice run' }));
    expect(within(form).getByText('No customer “nobody” in the local cache. Pick one from the list.')).toBeInTheDocument();
    expect(desk.inputsTo('runs:start')).toEqual([]);

    await user.clear(customer);
    await user.type(customer, 'Globex');
    expect(within(form).getByText('Globex (ok)')).toBeInTheDocument();
    await user.click(within(form).getByRole('button', { name: 'Start practice run' }));
    expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'sso-sign-in-failing', customerId: 'globex', practice: true }]);
    await waitFor(() => expect(useStore.getState().route.view).toBe('run'));
    expect(await screen.findByTestId('practice-banner')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Globex' })).toHaveAttribute('href', '#/customer/globex');
  });

  it('lists open runs to resume and finished ones in the run history, and follows runs:changed', async () => {
    const desk = createFakeDesk(standardFixtures());
    const open = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'acme' });
    desk.runs.act(open.runId, { type: 'inputs', values: { affected: 'all users' } });
    const finished = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'globex', practice: true });
    desk.runs.act(finished.runId, { type: 'inputs', values: { affected: 'all users' } });
    renderApp({ route: { view: 'wizards' }, desk });

    const openTable = await screen.findByRole('table', { name: 'Open runs' });
    expect(screen.getByRole('heading', { name: 'Open runs (1)' })).toBeInTheDocument();
    expect(within(openTable).getByRole('link', { name: 'Resume SSO sign-in failing for Acme Corporation' })).toHaveAttribute(
      'href',
      `#/run/${open.runId}`,
    );
    expect(within(openTable).getByText('waiting for you')).toBeInTheDocument();
    const finishedTable = await screen.findByRole('table', { name: 'Run history' });
    expect(
      within(finishedTable).getByRole('link', { name: /^Open the record of SSO sign-in failing for Globex/ }),
    ).toHaveAttribute('href', `#/run/${finished.runId}`);
    expect(within(finishedTable).getByText('Practice')).toBeInTheDocument();

    act(() => {
      desk.runs.act(open.runId, { type: 'cancel' });
    });
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Open runs (0)' })).toBeInTheDocument());
    expect(screen.queryByRole('table', { name: 'Open runs' })).not.toBeInTheDocument();
    expect(
      await within(screen.getByRole('table', { name: 'Run history' })).findByRole('link', {
        name: 'Open the record of SSO sign-in failing for Acme Corporation, aborted',
      }),
    ).toBeInTheDocument();
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../support/render';

describe('application frame', () => {
  it('keeps the sidebar links, switches views with Alt+1..4, and says wizards arrive later', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    for (const name of ['Fleet', 'Customers', 'Wizards', 'Sync', 'About'])
      expect(within(nav).getByRole('link', { name })).toBeInTheDocument();

    await user.keyboard('{Alt>}2{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Customers' })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Customers' })).toHaveAttribute('aria-current', 'page');
    await user.keyboard('{Alt>}3{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Wizards' })).toBeInTheDocument();
    await user.keyboard('{Alt>}4{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sync' })).toBeInTheDocument();
    await user.keyboard('{Alt>}1{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Fleet' })).toBeInTheDocument();
  });

  it('keeps Wizards marked in the sidebar while a run is open', () => {
    renderApp({ route: { view: 'run', runId: 'run-1' } });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Wizards' })).toHaveAttribute('aria-current', 'page');
  });

  it('shows About values read through the contract', async () => {
    renderApp({ route: { view: 'about' } });
    await waitFor(() => expect(screen.getByTestId('about-mode')).toHaveTextContent('browser'));
    expect(screen.getByTestId('about-schema')).toHaveTextContent('3');
    expect(screen.getByTestId('about-data-dir')).toHaveTextContent('/tmp/lk');
    expect(screen.getByTestId('about-version')).toHaveTextContent('0.1.0');
  });

  it('explains an unknown customer and offers a way back', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'no-such-tenant' } });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('No customer "no-such-tenant" in the local cache.');
    expect(alert).toHaveTextContent('Check the id, or sync and try again.');
    await user.click(screen.getByRole('button', { name: 'Back to the fleet' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Fleet' })).toBeInTheDocument();
  });
});

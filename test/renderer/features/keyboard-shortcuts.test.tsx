import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../../../renderer/src/app/shortcuts';
import { useStore } from '../../../renderer/src/store/store';
import { renderApp } from '../support/render';

/** Issue 15, item 9: the list keys of the timeline on every list, and a "?" sheet made from the one registry. */
describe('keyboard shortcuts', () => {
  it('moves through the fleet with j/k and opens the focused customer with Enter', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    await user.keyboard('j');
    await waitFor(() => expect(screen.getByRole('link', { name: 'Initech' })).toHaveFocus());
    await user.keyboard('j');
    await waitFor(() => expect(screen.getByRole('link', { name: 'Acme Corporation' })).toHaveFocus());
    await user.keyboard('jk');
    await waitFor(() => expect(screen.getByRole('link', { name: 'Acme Corporation' })).toHaveFocus());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'acme' }));
  });

  it('moves through the wizard library with j/k and opens the practice form of the focused wizard with Enter', async () => {
    const { user } = renderApp({ route: { view: 'wizards' } });
    const library = await screen.findByRole('list', { name: 'Wizard library' });
    await waitFor(() => expect(within(library).getAllByTestId('wizard-card')).toHaveLength(3));
    await user.keyboard('j');
    expect(screen.getByRole('listitem', { name: 'Degraded after a version upgrade' })).toHaveFocus();
    await user.keyboard('jjk');
    const exports = screen.getByRole('listitem', { name: 'Export job lagging behind' });
    expect(exports).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(await within(exports).findByRole('form', { name: 'Practice Export job lagging behind' })).toBeInTheDocument();
  });

  it('moves through the search results with j/k once Tab is on them, and opens the active one with Enter', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.type(screen.getByRole('combobox', { name: 'Search customers and events' }), 'certificate');
    const results = await screen.findByRole('listbox', { name: 'Search results' });
    await waitFor(() => expect(within(results).getAllByRole('option')).toHaveLength(2));
    await user.tab();
    expect(results).toHaveFocus();
    const [customer, event] = within(results).getAllByRole('option');
    expect(results).toHaveAttribute('aria-activedescendant', customer!.id);
    await user.keyboard('j');
    expect(results).toHaveAttribute('aria-activedescendant', event!.id);
    await user.keyboard('k');
    expect(results).toHaveAttribute('aria-activedescendant', customer!.id);
    await user.keyboard('{Enter}');
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'acme' });
  });

  it('"?" opens a sheet listing every shortcut of the registry; Esc closes it and gives focus back', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    await user.keyboard('?');
    const sheet = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    const listed = within(sheet).getAllByTestId('shortcut');
    expect(listed).toHaveLength(SHORTCUTS.length);
    for (const shortcut of SHORTCUTS) {
      const row = listed.find((item) => item.querySelector('dd')?.textContent === shortcut.does);
      expect(row, shortcut.id).toBeDefined();
      for (const cap of shortcut.caps) expect(row).toHaveTextContent(cap);
    }
    expect(within(sheet).getByText('Go to Wizards').previousElementSibling).toHaveTextContent('Alt 3');
    expect(within(sheet).getByRole('button', { name: 'Close' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).not.toBeInTheDocument();
  });

  it('About links to the sheet', async () => {
    const { user } = renderApp({ route: { view: 'about' } });
    await user.click(await screen.findByRole('button', { name: 'Keyboard shortcuts' }));
    expect(await screen.findByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.getByRole('button', { name: 'Keyboard shortcuts' })).toHaveFocus();
  });
});

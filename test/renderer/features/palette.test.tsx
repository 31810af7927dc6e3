import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { renderApp } from '../support/render';

describe('command palette', () => {
  it('opens with Ctrl+K, jumps to a customer by name, and gives focus back when it closes', async () => {
    const { user } = renderApp({ route: { view: 'sync' } });
    const syncNow = screen.getByRole('button', { name: 'Sync now' });
    syncNow.focus();
    await user.keyboard('{Control>}k{/Control}');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    const input = within(dialog).getByRole('combobox', { name: 'Command' });
    expect(input).toHaveFocus();

    await user.keyboard('umbrel');
    await waitFor(() =>
      expect(within(dialog).getByRole('option', { name: /Open customer Umbrella Health/ })).toHaveAttribute(
        'aria-selected',
        'true',
      ),
    );
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'umbrella' }));
  });

  it('switches views, closes on Esc with focus returned, and keeps Tab inside', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    const trigger = screen.getByRole('button', { name: /Commands/ });
    await user.click(trigger);
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    await user.keyboard('sync');
    expect(
      within(dialog)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(expect.arrayContaining([expect.stringContaining('Go to Sync'), expect.stringContaining('Sync now')]));

    // Tab cycles between the dialog's own controls.
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('combobox', { name: 'Command' })).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(trigger).toHaveFocus();

    await user.keyboard('{Meta>}k{/Meta}');
    await user.keyboard('go to sy{Enter}');
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'sync' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Sync' })).toBeInTheDocument();
  });

  it('runs a search from the palette in the header search box', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('certificate');
    await user.click(screen.getByRole('option', { name: /Search customers and events for “certificate”/ }));
    const box = screen.getByRole('combobox', { name: 'Search customers and events' });
    await waitFor(() => expect(box).toHaveValue('certificate'));
    await waitFor(() => expect(box).toHaveFocus());
    expect(await screen.findByTestId('search-results')).toHaveTextContent('SAML certificate rotated');
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp, timelineList } from '../support/render';

function activeSummary(): string | null {
  const id = timelineList().getAttribute('aria-activedescendant');
  return id ? (document.getElementById(id)?.querySelector('.row-summary')?.textContent ?? null) : null;
}

describe('timeline keyboard', () => {
  it('j/k move through the events, Enter opens the details, Esc closes them', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    expect(activeSummary()).toBeNull();

    await user.keyboard('j');
    expect(timelineList()).toHaveFocus();
    expect(activeSummary()).toBe('Customer reports users cannot sign in');
    await user.keyboard('jj');
    expect(activeSummary()).toBe('SSO login errors at 38%');
    await user.keyboard('k');
    expect(activeSummary()).toBe('SSO login failing for most users');

    await user.keyboard('{Enter}');
    const panel = await screen.findByRole('complementary', { name: /SSO login failing for most users/ });
    expect(screen.getByRole('option', { name: /SSO login failing for most users/ })).toHaveAttribute('aria-selected', 'true');

    // j/k keep working while the panel is open (focus is on its heading).
    await waitFor(() => expect(within(panel).getByRole('heading', { level: 2 })).toHaveFocus());
    await user.keyboard('j');
    expect(activeSummary()).toBe('SSO login errors at 38%');

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('complementary')).not.toBeInTheDocument();
    expect(timelineList()).toHaveFocus();
  });

  it('j/k do nothing while typing in a field', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.click(screen.getByRole('searchbox', { name: 'Filter timeline text' }));
    await user.keyboard('jk');
    expect(activeSummary()).toBeNull();
    expect(screen.getByRole('searchbox', { name: 'Filter timeline text' })).toHaveValue('jk');
  });

  it('stops at the ends', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.keyboard('k');
    expect(activeSummary()).toBe('Deployed release 4.12.0');
    await user.keyboard('j');
    expect(activeSummary()).toBe('Deployed release 4.12.0');
    await user.keyboard('{Home}');
    expect(activeSummary()).toBe('Customer reports users cannot sign in');
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeToDeepLink, routeToHash } from '../../../shared/routes';
import { useStore } from '../../../renderer/src/store/store';
import { eventBySummary } from '../support/fixtures';
import { renderApp, timelineList } from '../support/render';

describe('deep links and copy link', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('opens a customer at a moment: pages around it, the nearest event active and marked', async () => {
    const at = '2026-11-19T12:44:00.000Z';
    const { desk } = renderApp({ route: { view: 'customer', customerId: 'acme', at } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    expect(desk.inputsTo('timeline:page').slice(0, 2)).toEqual([
      { customerId: 'acme', direction: 'desc', limit: 400, startAt: at },
      { customerId: 'acme', direction: 'asc', limit: 100, startAt: at },
    ]);
    const nearest = screen.getByRole('option', { name: /SSO login failing for most users/ });
    await waitFor(() => expect(timelineList()).toHaveAttribute('aria-activedescendant', nearest.id));
    expect(nearest).toHaveTextContent('linked');
    expect(nearest.className).toContain('is-highlighted');
  });

  it('a link that cannot be opened shows the fleet with why, and the notice goes once the operator moves on', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    act(() => {
      window.location.hash = '#/no-such-page';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    // It says it shows the fleet: it does, and the address names the fleet, not the refused link.
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    expect(screen.getByText(/That link could not be opened: .*Showing the fleet instead\./)).toBeInTheDocument();
    await waitFor(() => expect(window.location.hash).toBe(routeToHash({ view: 'fleet' })));
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: /Releases/ }));
    await screen.findByRole('heading', { level: 1, name: 'Releases' });
    expect(screen.queryByText(/That link could not be opened/)).not.toBeInTheDocument();
  });

  it('follows a link opened by the operating system while the app runs', async () => {
    const { desk } = renderApp({ route: { view: 'fleet' } });
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    act(() => desk.emit('app:linkOpened', { view: 'customer', customerId: 'globex', at: '2026-11-20T10:00:00.000Z' }));
    await screen.findByRole('heading', { level: 1, name: 'Globex' });
    await waitFor(() =>
      expect(window.location.hash).toBe(routeToHash({ view: 'customer', customerId: 'globex', at: '2026-11-20T10:00:00.000Z' })),
    );
  });

  it('copies the lightkeeper:// link of an event and shows the browser-mode address', async () => {
    const { user, desk } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await waitFor(() => expect(useStore.getState().info?.mode).toBe('browser'));
    await user.click(screen.getByRole('option', { name: /SAML certificate rotated/ }));
    const panel = await screen.findByRole('complementary', { name: /SAML certificate rotated/ });
    await user.click(within(panel).getByRole('button', { name: 'Copy link to event' }));
    const event = eventBySummary(desk.fixtures, 'SAML certificate rotated');
    const route = { view: 'customer' as const, customerId: 'acme', at: event.occurredAt };
    expect(await navigator.clipboard.readText()).toBe(routeToDeepLink(route));
    expect(routeToDeepLink(route)).toBe(`lightkeeper://customer/acme?at=${encodeURIComponent(event.occurredAt)}`);
    const group = within(panel).getByRole('group', { name: 'Link to this moment' });
    expect(within(group).getByText('Link copied to the clipboard.')).toBeInTheDocument();
    expect(within(group).getByLabelText('Browser link')).toHaveValue(
      `${window.location.origin}${window.location.pathname}${routeToHash(route)}`,
    );
  });

  it('shows the link selected in a field when the clipboard is refused', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    await user.click(screen.getByRole('button', { name: 'Copy link' }));
    const field = (await screen.findByLabelText('App link')) as HTMLInputElement;
    expect(field).toHaveValue('lightkeeper://customer/acme');
    expect(screen.getByText('The clipboard is not available: copy the link below.')).toBeInTheDocument();
    await waitFor(() => expect(field).toHaveFocus());
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, field.value.length]);
  });

  it('links the customer page to the moment under the keyboard position', async () => {
    const { user, desk } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.keyboard('j');
    await user.click(screen.getByRole('button', { name: 'Copy link to this moment' }));
    const ticket = eventBySummary(desk.fixtures, 'Customer reports users cannot sign in');
    expect(await navigator.clipboard.readText()).toBe(
      routeToDeepLink({ view: 'customer', customerId: 'acme', at: ticket.occurredAt }),
    );
  });
});

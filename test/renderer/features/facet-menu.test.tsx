import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../support/render';

/** The timeline's facet menus close as menus do (#15: the Kind menu stayed open after Esc or a click outside). */
async function openKindMenu() {
  const rendered = renderApp({ route: { view: 'customer', customerId: 'acme' } });
  await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
  const bar = screen.getByRole('group', { name: 'Timeline filters' });
  const summary = within(bar).getByText('Kind', { selector: 'summary' });
  await rendered.user.click(summary);
  const menu = summary.closest('details')!;
  expect(menu).toHaveAttribute('open');
  return { ...rendered, bar, summary, menu };
}

describe('timeline facet menus', () => {
  it('close on Escape, with the focus back on their button', async () => {
    const { user, bar, summary, menu } = await openKindMenu();
    await user.click(within(bar).getByRole('checkbox', { name: 'Alert' }));
    expect(menu).toHaveAttribute('open');
    await user.keyboard('{Escape}');
    expect(menu).not.toHaveAttribute('open');
    expect(summary).toHaveFocus();
  });

  it('close on a click outside, and only one is open at a time', async () => {
    const { user, bar, menu } = await openKindMenu();
    await user.click(screen.getByRole('heading', { name: 'Timeline' }));
    expect(menu).not.toHaveAttribute('open');

    await user.click(within(bar).getByText('Kind', { selector: 'summary' }));
    expect(menu).toHaveAttribute('open');
    const feature = within(bar).getByText('Feature', { selector: 'summary' });
    await user.click(feature);
    expect(feature.closest('details')).toHaveAttribute('open');
    expect(menu).not.toHaveAttribute('open');
  });
});

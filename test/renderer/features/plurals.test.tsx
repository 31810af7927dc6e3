import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../support/render';

/** Counts on screen agree with their number (#15: "1 customer · 1 events", "1 event match the filters"). */
describe('counts in words', () => {
  it('says "1 event matches the filters" on a timeline filtered to one event', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    const bar = screen.getByRole('group', { name: 'Timeline filters' });
    await user.click(within(bar).getByText('Kind', { selector: 'summary' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'Alert' }));
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(1));
    expect(screen.getByText('1 event matches the filters')).toBeInTheDocument();
  });

  it('says "1 customer · 1 event" for a search with one hit', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.type(screen.getByRole('combobox', { name: 'Search customers and events' }), 'certificate');
    const results = await screen.findByTestId('search-results');
    await waitFor(() => expect(within(results).getAllByRole('option')).toHaveLength(2));
    expect(screen.getByText('1 customer · 1 event')).toBeInTheDocument();
  });
});

import { act, screen, waitFor, within } from '@testing-library/react';
import { navigate } from '../../../renderer/src/app/useHashRoute';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/ipc/result';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { eventBySummary, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function searchBox() {
  return screen.getByRole('combobox', { name: 'Search customers and events' });
}

describe('search', () => {
  it('groups results by customer and marks the matching words, as text', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.type(searchBox(), 'sso');
    const results = await screen.findByTestId('search-results');
    await waitFor(() => expect(within(results).getAllByRole('group')).toHaveLength(1));
    const acme = within(results).getByRole('group', { name: 'Acme Corporation' });
    const options = within(acme).getAllByRole('option');
    // The customer first, then its matching events.
    expect(options[0]).toHaveTextContent('Acme Corporation');
    expect(options.slice(1).map((option) => option.querySelector('.search-event-summary')?.textContent)).toEqual([
      'Flag sso.strict_audience turned on',
      'SSO login errors at 38%',
      'SSO login failing for most users',
    ]);
    const marks = [...acme.querySelectorAll('mark')].map((mark) => mark.textContent);
    expect(marks).toContain('sso');
    expect(marks).toContain('SSO');
    // Only the matching word is marked, not the whole summary.
    const failing = options.find((option) => option.textContent?.includes('failing'))!;
    expect([...failing.querySelectorAll('.search-event-summary mark')].map((mark) => mark.textContent)).toEqual(['SSO']);
    expect(searchBox()).toHaveAttribute('aria-expanded', 'true');
  });

  it('queries as you type with at most two requests out, and never shows an answer older than the one shown', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    // Every answer is held until the test releases it.
    const held: (() => void)[] = [];
    let out = 0;
    let mostOut = 0;
    desk.override('search:query', async (input) => {
      out += 1;
      mostOut = Math.max(mostOut, out);
      const answer: Result<unknown> = await desk.answer('search:query', input);
      await new Promise<void>((resolve) => held.push(resolve));
      out -= 1;
      return answer;
    });
    const texts = () => desk.inputsTo('search:query').map((input) => (input as { text: string }).text);
    const shownText = () => screen.getByTestId('search-results').getAttribute('data-result-text');

    await user.type(searchBox(), 'globex');
    // Two requests went out; what was typed meanwhile waits, as one request for the newest text.
    await waitFor(() => expect(held).toHaveLength(2));
    expect(texts()).toEqual(['g', 'gl']);

    // The second answer arrives first: it shows, and the waiting text goes out.
    held[1]!();
    await waitFor(() => expect(shownText()).toBe('gl'));
    await waitFor(() => expect(texts()).toEqual(['g', 'gl', 'globex']));
    // The first answer, older than the one shown, is dropped.
    held[0]!();
    await waitFor(() => expect(out).toBe(1));
    expect(shownText()).toBe('gl');

    held[2]!();
    await waitFor(() => expect(shownText()).toBe('globex'));
    const results = screen.getByTestId('search-results');
    expect(
      within(results)
        .getAllByRole('group')
        .map((group) => group.getAttribute('aria-label')),
    ).toEqual(['Globex']);
    expect(texts()).toHaveLength(3);
    expect(mostOut).toBe(2);
  });

  it('opens the active result with Enter: a customer, or an event on its customer page with details open', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    await user.type(searchBox(), 'certificate');
    await waitFor(() => expect(within(screen.getByTestId('search-results')).getAllByRole('option')).toHaveLength(2));
    await user.keyboard('{ArrowDown}{Enter}');
    const event = eventBySummary(desk.fixtures, 'SAML certificate rotated');
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'acme', at: event.occurredAt });
    const panel = await screen.findByRole('complementary', { name: /SAML certificate rotated/ });
    expect(panel).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByRole('option', { name: /SAML certificate rotated/ })).toHaveAttribute('aria-selected', 'true'),
    );

    await user.clear(searchBox());
    await user.type(searchBox(), 'globex');
    await waitFor(() => expect(within(screen.getByTestId('search-results')).getAllByRole('option').length).toBeGreaterThan(0));
    await user.keyboard('{Enter}');
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'globex' });
    expect(screen.queryByTestId('search-results')).not.toBeInTheDocument();
  });

  it('puts the customer you are on first, and leaves an empty box after opening a result or going elsewhere (#15, item 13)', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'globex' }, desk });
    const groupNames = () =>
      within(screen.getByTestId('search-results'))
        .getAllByRole('group')
        .map((group) => group.getAttribute('aria-label'));
    await user.type(searchBox(), 'deployed');
    await waitFor(() => expect(groupNames()).toEqual(['Globex', 'Acme Corporation']));
    expect(desk.inputsTo('search:query').at(-1)).toMatchObject({ firstCustomerId: 'globex' });

    // Opening a result (here Acme's event) empties the box.
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{Enter}');
    expect(useStore.getState().route).toMatchObject({ view: 'customer', customerId: 'acme' });
    expect(searchBox()).toHaveValue('');
    expect(screen.queryByTestId('search-results')).not.toBeInTheDocument();

    // So does going elsewhere with a query typed.
    await user.type(searchBox(), 'globex');
    await screen.findByTestId('search-results');
    act(() => navigate({ view: 'fleet' }));
    expect(searchBox()).toHaveValue('');
    expect(screen.queryByTestId('search-results')).not.toBeInTheDocument();
  });

  it('"/" focuses the search box and Esc closes the results', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.keyboard('/');
    expect(searchBox()).toHaveFocus();
    await user.keyboard('acme');
    await screen.findByTestId('search-results');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('search-results')).not.toBeInTheDocument();
    expect(searchBox()).toHaveValue('acme');
  });

  it('shows a search failure with a retry', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('search:query', () => ({
      ok: false,
      error: { code: 'internal', message: 'The search index is being rebuilt.' },
    }));
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    await user.type(searchBox(), 'acme');
    expect(await screen.findByText('The search index is being rebuilt.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('says while customers are still being indexed that results may be incomplete, and asks again as indexing finishes', async () => {
    const desk = createFakeDesk(standardFixtures());
    let isIndexing = true;
    desk.override('search:query', async (input) => {
      const answer = (await desk.answer('search:query', input)) as Result<{ indexing: unknown }>;
      return answer.ok
        ? { ok: true, value: { ...answer.value, indexing: isIndexing ? { customers: 3, events: 41200 } : null } }
        : answer;
    });
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    await user.type(searchBox(), 'sso');
    const note = await screen.findByRole('note');
    expect(note).toHaveTextContent('Still indexing 3 customers (41,200 events) for search — results may be incomplete.');
    const asked = desk.inputsTo('search:query').length;
    // The desk finished indexing those customers: the same text is asked again, and the answer is complete.
    isIndexing = false;
    act(() => desk.emit('cache:changed', { customerIds: ['acme'], global: false, searchIndexed: true }));
    await waitFor(() => expect(screen.queryByRole('note')).not.toBeInTheDocument());
    expect(desk.inputsTo('search:query').slice(asked)).toEqual([expect.objectContaining({ text: 'sso' })]);
    expect(within(screen.getByTestId('search-results')).getAllByRole('group').length).toBeGreaterThan(0);
  });
});

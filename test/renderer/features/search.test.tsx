import { screen, waitFor, within } from '@testing-library/react';
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

  it('queries as you type and shows only the answer to the latest text', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    // Hold the first answer back: it must not replace the answer to newer text.
    let releaseFirst: (() => void) | null = null;
    let calls = 0;
    desk.override('search:query', async (input) => {
      calls += 1;
      const answer: Result<unknown> = await desk.answer('search:query', input);
      if (calls === 1) await new Promise<void>((resolve) => (releaseFirst = resolve));
      return answer;
    });
    await user.type(searchBox(), 'g');
    await user.type(searchBox(), 'lobex');
    await waitFor(() => expect(releaseFirst).not.toBeNull());
    releaseFirst!();
    const results = await screen.findByTestId('search-results');
    await waitFor(() =>
      expect(
        within(results)
          .getAllByRole('group')
          .map((group) => group.getAttribute('aria-label')),
      ).toEqual(['Globex']),
    );
    // The text typed while the first request was out went as one request, the latest one.
    const texts = desk.inputsTo('search:query').map((input) => (input as { text: string }).text);
    expect(texts[0]).toBe('g');
    expect(texts.at(-1)).toBe('globex');
    expect(texts.length).toBeLessThanOrEqual(3);
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
});

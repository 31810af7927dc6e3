import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/ipc/result';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { fromLocalInputValue } from '../../../renderer/src/lib/time';
import { lastTimelineInput, renderApp, rowSummaries } from '../support/render';

async function openAcme() {
  const rendered = renderApp({ route: { view: 'customer', customerId: 'acme' } });
  await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
  // Facet menus fill from customers:get.
  await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
  return rendered;
}

function filterBar() {
  return screen.getByRole('group', { name: 'Timeline filters' });
}

describe('timeline filters', () => {
  it('asks for the first page of the whole history with no filters', async () => {
    const { desk } = await openAcme();
    expect(desk.inputsTo('timeline:page')[0]).toEqual({ customerId: 'acme', direction: 'desc', limit: 400 });
    expect(screen.getByText(/^7 events/)).toBeInTheDocument();
  });

  it('sends kind, severity, feature and source filters from the facet menus', async () => {
    const { desk, user } = await openAcme();
    const bar = filterBar();

    await user.click(within(bar).getByText('Kind', { selector: 'summary' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'Alert' }));
    await waitFor(() => expect(lastTimelineInput(desk).filters).toEqual({ kinds: ['alert'] }));
    await waitFor(() => expect(rowSummaries()).toEqual(['SSO login failing for most users']));

    await user.click(within(bar).getByRole('checkbox', { name: 'Error spike' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'error' }));
    await waitFor(() =>
      expect(lastTimelineInput(desk).filters).toEqual({ kinds: ['alert', 'error_spike'], severities: ['error'] }),
    );
    await waitFor(() => expect(rowSummaries()).toEqual(['SSO login errors at 38%']));

    await user.click(within(bar).getByText('Feature', { selector: 'summary' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'sso' }));
    await user.click(within(bar).getByText('Source', { selector: 'summary' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'metrics' }));
    await waitFor(() =>
      expect(lastTimelineInput(desk).filters).toEqual({
        kinds: ['alert', 'error_spike'],
        severities: ['error'],
        features: ['sso'],
        sources: ['metrics'],
      }),
    );

    await user.click(within(bar).getByRole('button', { name: 'Clear filters (5)' }));
    await waitFor(() => expect(lastTimelineInput(desk)).toEqual({ customerId: 'acme', direction: 'desc', limit: 400 }));
    await waitFor(() => expect(rowSummaries()).toHaveLength(7));
  });

  it('shows the rows of a page whose count was left out, then the count timeline:count gives', async () => {
    const { desk, user } = await openAcme();
    let release: () => void = () => {};
    const counted = new Promise<void>((resolve) => (release = resolve));
    desk.override('timeline:page', async (input) => {
      const answer = await desk.answer('timeline:page', input);
      return answer.ok ? { ok: true, value: { ...(answer.value as object), total: null } } : answer;
    });
    desk.override('timeline:count', async (input) => {
      await counted;
      return desk.answer('timeline:count', input);
    });
    const bar = filterBar();
    await user.click(within(bar).getByText('Kind', { selector: 'summary' }));
    await user.click(within(bar).getByRole('checkbox', { name: 'Alert' }));
    await waitFor(() => expect(rowSummaries()).toEqual(['SSO login failing for most users']));
    expect(screen.getByText('1 event loaded · counting the matches…')).toBeInTheDocument();
    release();
    await screen.findByText('1 event matches the filters');
    expect(desk.inputsTo('timeline:count').at(-1)).toEqual({ customerId: 'acme', filters: { kinds: ['alert'] } });
  });

  it('sends free text once typing pauses, and the changes-only toggle', async () => {
    const { desk, user } = await openAcme();
    const calls = desk.inputsTo('timeline:page').length;
    await user.type(screen.getByRole('searchbox', { name: 'Filter timeline text' }), 'login');
    await waitFor(() => expect(lastTimelineInput(desk).filters).toEqual({ text: 'login' }));
    // One query for the whole word, not one per keystroke.
    expect(desk.inputsTo('timeline:page').length).toBe(calls + 1);
    await waitFor(() => expect(rowSummaries()).toEqual(['SSO login failing for most users', 'SSO login errors at 38%']));

    await user.clear(screen.getByRole('searchbox', { name: 'Filter timeline text' }));
    await user.click(screen.getByRole('checkbox', { name: 'Changes only' }));
    await waitFor(() => expect(lastTimelineInput(desk).filters).toEqual({ changesOnly: true }));
    await waitFor(() =>
      expect(rowSummaries()).toEqual([
        'SAML certificate rotated',
        'Flag sso.strict_audience turned on',
        'Deployed release 4.12.0',
      ]),
    );
  });

  it('turns time presets into a from time and a custom range into from and to', async () => {
    const { desk, user } = await openAcme();
    const before = Date.now();
    await user.click(screen.getByRole('radio', { name: '24 h' }));
    await waitFor(() => expect(lastTimelineInput(desk).filters).toHaveProperty('from'));
    const from = Date.parse((lastTimelineInput(desk).filters as { from: string }).from);
    expect(from).toBeGreaterThanOrEqual(before - 24 * 3_600_000);
    expect(from).toBeLessThanOrEqual(Date.now() - 24 * 3_600_000);

    await user.click(screen.getByRole('radio', { name: '7 d' }));
    await waitFor(() => {
      const sevenDays = Date.parse((lastTimelineInput(desk).filters as { from: string }).from);
      expect(Date.now() - sevenDays).toBeGreaterThanOrEqual(7 * 24 * 3_600_000);
      expect(Date.now() - sevenDays).toBeLessThan(7 * 24 * 3_600_000 + 60_000);
    });

    await user.click(screen.getByRole('radio', { name: 'Custom' }));
    const range = screen.getByRole('form', { name: 'Custom time range' });
    fireEvent.change(within(range).getByLabelText('From'), { target: { value: '2026-11-19T00:00' } });
    fireEvent.change(within(range).getByLabelText('To'), { target: { value: '2026-11-19T23:59' } });
    await user.click(within(range).getByRole('button', { name: 'Apply range' }));
    await waitFor(() =>
      expect(lastTimelineInput(desk).filters).toEqual({
        from: fromLocalInputValue('2026-11-19T00:00'),
        to: fromLocalInputValue('2026-11-19T23:59'),
      }),
    );
    await waitFor(() => expect(rowSummaries()).toHaveLength(4));

    // A start after the end is refused before anything is sent.
    const sent = desk.inputsTo('timeline:page').length;
    fireEvent.change(within(range).getByLabelText('From'), { target: { value: '2026-11-20T00:00' } });
    fireEvent.change(within(range).getByLabelText('To'), { target: { value: '2026-11-19T00:00' } });
    await user.click(within(range).getByRole('button', { name: 'Apply range' }));
    expect(within(range).getByRole('alert')).toHaveTextContent('The start must be before the end.');
    expect(desk.inputsTo('timeline:page')).toHaveLength(sent);

    await user.click(screen.getByRole('radio', { name: 'All' }));
    await waitFor(() => expect(lastTimelineInput(desk).filters).toBeUndefined());
  });

  it('jumps to a date: pages start at the end of that day, the newer side loads above, and the day is shown', async () => {
    const { desk, user } = await openAcme();
    const jump = screen.getByRole('form', { name: 'Jump to a date' });
    fireEvent.change(within(jump).getByLabelText('Jump to date'), { target: { value: '2026-11-18' } });
    await user.click(within(jump).getByRole('button', { name: 'Jump' }));
    const endOfDay = fromLocalInputValue('2026-11-18', true);
    await waitFor(() => {
      const inputs = desk.inputsTo('timeline:page').slice(-2);
      expect(inputs).toContainEqual({ customerId: 'acme', direction: 'desc', limit: 400, startAt: endOfDay });
      expect(inputs).toContainEqual({ customerId: 'acme', direction: 'asc', limit: 100, startAt: endOfDay });
    });
    await screen.findByText(/Showing events around/);
    // Everything is still reachable (newer events above), and the first event of that day is the active one.
    await waitFor(() => expect(rowSummaries()).toHaveLength(7));
    const active = screen.getByRole('option', { name: /Nightly export volume fell by half/ });
    expect(screen.getByRole('listbox', { name: 'Timeline events' })).toHaveAttribute('aria-activedescendant', active.id);
    expect(active).toHaveTextContent('linked');

    await user.click(screen.getByRole('button', { name: 'Back to the latest' }));
    await waitFor(() => expect(lastTimelineInput(desk)).toEqual({ customerId: 'acme', direction: 'desc', limit: 400 }));
  });

  it("says a text filter's matches may be missing while the customer is being indexed, and updates when it is done", async () => {
    const desk = createFakeDesk(standardFixtures());
    let isIndexing = true;
    desk.override('timeline:page', async (input) => {
      const answer = (await desk.answer('timeline:page', input)) as Result<Record<string, unknown>>;
      const hasText = Boolean((input as { filters?: { text?: string } }).filters?.text);
      return answer.ok && hasText ? { ok: true, value: { ...answer.value, isTextIndexing: isIndexing } } : answer;
    });
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
    await user.type(screen.getByRole('searchbox', { name: 'Filter timeline text' }), 'login');
    expect(await screen.findByRole('note')).toHaveTextContent(
      "This customer's events are still being indexed for search, so text matches may be missing.",
    );
    // The desk finished this customer's index: the timeline asks again and the note goes.
    isIndexing = false;
    act(() => desk.emit('cache:changed', { customerIds: ['acme'], global: false, searchIndexed: true }));
    await waitFor(() => expect(screen.queryByRole('note')).not.toBeInTheDocument());
    expect(lastTimelineInput(desk).filters).toEqual({ text: 'login' });
  });
});

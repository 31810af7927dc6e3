import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RunHistoryItem } from '../../../shared/ipc/wizard-views';
import { formatDateTime } from '../../../renderer/src/lib/time';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/** A run another desk finished, as its wizard_run event tells it. */
function recorded(overrides: Partial<RunHistoryItem> & Pick<RunHistoryItem, 'runId' | 'finishedAt'>): RunHistoryItem {
  return {
    wizardId: 'sso-sign-in-failing',
    wizardVersion: 3,
    title: 'SSO sign-in failing',
    customerId: 'globex',
    customerName: 'Globex',
    outcome: 'remediated',
    practice: false,
    startedAt: null,
    ranBy: { userId: 'alice', name: 'alice' },
    isLocal: false,
    eventId: `evt-${overrides.runId}`,
    ...overrides,
  };
}

function historyRows(): HTMLElement[] {
  return within(screen.getByRole('table', { name: 'Run history' })).getAllByTestId('history-row');
}

function cellsOf(row: HTMLElement): string[] {
  return within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent ?? '');
}

function deskWithHistory() {
  const desk = createFakeDesk(standardFixtures());
  desk.runs.recorded.push(
    recorded({
      runId: 'RUN-A',
      startedAt: '2026-11-19T10:00:00.000Z',
      finishedAt: '2026-11-19T11:05:00.000Z',
    }),
    recorded({
      runId: 'RUN-B',
      wizardId: 'export-lagging',
      title: 'Export job lagging behind',
      wizardVersion: 1,
      customerId: 'initech',
      customerName: 'Initech',
      outcome: 'escalated',
      startedAt: '2026-11-18T09:00:00.000Z',
      finishedAt: '2026-11-18T09:20:00.000Z',
      ranBy: { userId: 'dana', name: 'dana' },
    }),
    recorded({ runId: 'RUN-C', outcome: 'workaround', finishedAt: '2026-11-10T08:00:00.000Z', ranBy: null }),
  );
  return desk;
}

/** Issue 15, item 14: the Wizards page lists finished runs of every desk and customer. */
describe('Run history on the Wizards page', () => {
  it('lists finished runs newest first: customer, wizard, who ran it, outcome, start and finish with their zone, duration', async () => {
    const desk = deskWithHistory();
    renderApp({ route: { view: 'wizards' }, desk });
    await waitFor(() => expect(historyRows()).toHaveLength(3));
    const [first, second, third] = historyRows().map(cellsOf);
    expect(first?.slice(0, 7)).toEqual([
      'Globex',
      'SSO sign-in failing v3',
      'alice',
      'Remediated',
      formatDateTime('2026-11-19T10:00:00.000Z'),
      formatDateTime('2026-11-19T11:05:00.000Z'),
      '1 h 5 min',
    ]);
    // Every time names its zone ("… UTC", "… EST", "… GMT+5:30").
    expect(first?.[5]).toMatch(/(UTC|GMT[+-]?[\d:]*|[A-Z]{3,5})$/);
    expect(second?.slice(0, 4)).toEqual(['Initech', 'Export job lagging behind v1', 'dana (you)', 'Escalated']);
    expect(second?.[6]).toBe('20 min');
    // Other desks' runs open on the customer's timeline at the run's record.
    expect(
      screen.getByRole('link', { name: 'Open the record of Export job lagging behind for Initech, escalated' }),
    ).toHaveAttribute('href', '#/customer/initech?at=2026-11-18T09%3A20%3A00.000Z');
    expect(third?.[2]).toBe('—');
    expect(third?.[4]).toBe('not recorded');
    expect(third?.[6]).toBe('—');
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({ days: 30, limit: 50 });
  });

  it('filters by outcome, wizard and period, and says what to do when nothing matches', async () => {
    const desk = deskWithHistory();
    const { user } = renderApp({ route: { view: 'wizards' }, desk });
    await waitFor(() => expect(historyRows()).toHaveLength(3));

    await user.selectOptions(screen.getByRole('combobox', { name: 'Outcome' }), 'Escalated');
    await waitFor(() => expect(historyRows().map((row) => cellsOf(row)[0])).toEqual(['Initech']));
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({ outcome: 'escalated', days: 30, limit: 50 });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Outcome' }), 'Any outcome');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Wizard' }), 'SSO sign-in failing');
    await waitFor(() => expect(historyRows().map((row) => cellsOf(row)[3])).toEqual(['Remediated', 'Workaround in place']));
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({ wizardId: 'sso-sign-in-failing', days: 30, limit: 50 });

    await user.selectOptions(screen.getByRole('combobox', { name: 'Finished' }), 'Last 7 days');
    await waitFor(() => expect(historyRows().map((row) => cellsOf(row)[0])).toEqual(['Globex']));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Outcome' }), 'No fault found');
    expect(
      await screen.findByText(
        'No finished run matches these filters. Choose “Any wizard”, “Any outcome”, “Anyone” or “All time” to see more.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Run history' })).not.toBeInTheDocument();
  });

  it('filters by who ran it, offering everyone who finished a run in the period, the signed-in user as "(you)"', async () => {
    const desk = deskWithHistory();
    desk.runs.recorded.push(
      recorded({
        runId: 'RUN-D',
        customerName: 'Umbrella',
        finishedAt: '2026-11-12T08:00:00.000Z',
        ranBy: { userId: null, name: 'Dana Desk' },
      }),
    );
    const { user } = renderApp({ route: { view: 'wizards' }, desk });
    await waitFor(() => expect(historyRows()).toHaveLength(4));
    const ranBy = screen.getByRole('combobox', { name: 'Ran by' });
    expect(
      within(ranBy)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Anyone', 'alice', 'dana', 'Dana Desk (you)']);

    await user.selectOptions(ranBy, 'Dana Desk (you)');
    await waitFor(() => expect(historyRows().map((row) => cellsOf(row)[0])).toEqual(['Umbrella']));
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({ ranBy: 'Dana Desk', days: 30, limit: 50 });

    await user.selectOptions(ranBy, 'alice');
    await waitFor(() => expect(historyRows().map((row) => cellsOf(row)[0])).toEqual(['Globex']));

    await user.selectOptions(ranBy, 'Anyone');
    await waitFor(() => expect(historyRows()).toHaveLength(4));
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({ days: 30, limit: 50 });
  });

  it('moves through the rows with j/k, Home and End, and opens the focused run with Enter', async () => {
    const desk = deskWithHistory();
    const local = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: true });
    desk.runs.act(local.runId, { type: 'inputs', values: { affected: 'all users' } });
    const { user } = renderApp({ route: { view: 'wizards' }, desk });
    await waitFor(() => expect(historyRows()).toHaveLength(4));
    const opens = historyRows().map((row) => within(row).getByRole('link', { name: /^Open the record of/ }));
    // This desk's own run is newest (the fake clock is past the recorded ones) and opens as a run.
    expect(opens[0]).toHaveAttribute('href', `#/run/${local.runId}`);
    expect(within(historyRows()[0]!).getByText('Practice')).toBeInTheDocument();

    opens[0]!.focus();
    await user.keyboard('j');
    expect(opens[1]).toHaveFocus();
    await user.keyboard('j');
    expect(opens[2]).toHaveFocus();
    await user.keyboard('k');
    expect(opens[1]).toHaveFocus();
    await user.keyboard('{End}');
    expect(opens[3]).toHaveFocus();
    await user.keyboard('{Home}');
    expect(opens[0]).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'run', runId: local.runId }));
  });

  it('pages on to older runs', async () => {
    const desk = createFakeDesk(standardFixtures());
    for (let index = 0; index < 60; index += 1)
      desk.runs.recorded.push(
        recorded({
          runId: `RUN-${String(index).padStart(3, '0')}`,
          finishedAt: new Date(Date.parse('2026-11-19T12:00:00.000Z') - index * 60_000).toISOString(),
        }),
      );
    const { user } = renderApp({ route: { view: 'wizards' }, desk });
    await waitFor(() => expect(historyRows()).toHaveLength(50));
    expect(screen.getByText('50 runs so far')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Show older runs' }));
    await waitFor(() => expect(historyRows()).toHaveLength(60));
    expect(desk.inputsTo('runs:history').at(-1)).toEqual({
      days: 30,
      before: { finishedAt: '2026-11-19T11:11:00.000Z', runId: 'RUN-049' },
      limit: 50,
    });
    expect(screen.queryByRole('button', { name: 'Show older runs' })).not.toBeInTheDocument();
    expect(screen.getByText('60 runs')).toBeInTheDocument();
  });
});

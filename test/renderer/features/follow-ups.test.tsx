import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { FAKE_ME, makeFollowUp } from '../support/fake-follow-ups';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/** Three follow-ups: one of mine and overdue, one of a problem, one closed. */
function fixtures() {
  const base = standardFixtures();
  base.followUps = [
    makeFollowUp({
      id: 'fu-1',
      customerId: 'acme',
      customerName: 'Acme Corporation',
      title: 'Renew the IdP certificate with acme IT',
      owner: FAKE_ME,
      dueDate: '2026-11-10',
      runId: 'run-77',
      source: 'run',
    }),
    makeFollowUp({
      id: 'fu-2',
      customerId: 'acme',
      customerName: 'Acme Corporation',
      title: 'Ship the permanent fix for export timeouts',
      owner: 'sam@ops.example',
      problemId: 'prob-exports',
      ticketUrl: 'https://tickets.example.com/OPS-77',
      replaced: { actor: 'sam@ops.example', at: '2026-11-19T10:00:00.000Z', fields: [{ field: 'state', previous: 'done' }] },
    }),
    makeFollowUp({ id: 'fu-3', customerId: 'acme', customerName: 'Acme Corporation', title: 'Already done', state: 'done' }),
  ];
  return base;
}

function titles(list: HTMLElement): string[] {
  return within(list)
    .getAllByTestId('follow-up')
    .map((item) => item.querySelector('.follow-up-title')?.textContent ?? '');
}

describe('the Follow-ups view', () => {
  it('shows mine, overdue, all and by problem, from the sidebar', async () => {
    const { user } = renderApp({ route: { view: 'fleet' }, fixtures: fixtures() });
    await user.click(await screen.findByRole('link', { name: 'Follow-ups' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Follow-ups' })).toBeInTheDocument();

    const mine = await screen.findByRole('list', { name: 'Mine follow-ups' });
    expect(titles(mine)).toEqual(['Renew the IdP certificate with acme IT']);
    expect(within(mine).getByText('overdue')).toBeInTheDocument();
    expect(within(mine).getByRole('link', { name: 'a wizard run' })).toHaveAttribute('href', '#/run/run-77');

    await user.click(screen.getByRole('button', { name: 'Overdue' }));
    expect(titles(await screen.findByRole('list', { name: 'Overdue follow-ups' }))).toEqual([
      'Renew the IdP certificate with acme IT',
    ]);

    await user.click(screen.getByRole('button', { name: 'All' }));
    const all = await screen.findByRole('list', { name: 'All follow-ups' });
    expect(titles(all)).toEqual(['Renew the IdP certificate with acme IT', 'Ship the permanent fix for export timeouts']);
    // Last writer wins, and says so: the replaced value stays visible.
    expect(within(all).getByRole('note')).toHaveTextContent('state was Done');
    expect(within(all).getByRole('link', { name: 'ticket' })).toHaveAttribute('href', 'https://tickets.example.com/OPS-77');
  });

  it('shows closed ones on request, and groups by problem', async () => {
    const { user } = renderApp({ route: { view: 'followups' }, fixtures: fixtures() });
    await user.click(await screen.findByRole('button', { name: 'All' }));
    await screen.findByRole('list', { name: 'All follow-ups' });
    await user.click(screen.getByRole('checkbox', { name: /Show done and won.t do/ }));
    await waitFor(() => expect(titles(screen.getByRole('list', { name: 'All follow-ups' }))).toContain('Already done'));

    await user.click(screen.getByRole('button', { name: 'By problem' }));
    const problem = await screen.findByRole('region', { name: 'Problem prob-exports' });
    expect(titles(within(problem).getByRole('list'))).toEqual(['Ship the permanent fix for export timeouts']);
    expect(screen.getByRole('region', { name: 'No problem' })).toBeInTheDocument();
  });

  it('changes state, due day and owner in place, and adds one by hand', async () => {
    const desk = createFakeDesk(fixtures());
    const { user } = renderApp({ route: { view: 'followups' }, desk });
    await user.click(await screen.findByRole('button', { name: 'All' }));
    await screen.findByRole('list', { name: 'All follow-ups' });

    await user.selectOptions(screen.getByRole('combobox', { name: 'State of Renew the IdP certificate with acme IT' }), 'done');
    await user.click(screen.getByRole('button', { name: 'Take Ship the permanent fix for export timeouts' }));
    expect(desk.inputsTo('followUps:update')).toEqual([
      { followUpId: 'fu-1', set: { state: 'done' } },
      { followUpId: 'fu-2', set: { owner: FAKE_ME } },
    ]);

    const form = screen.getByRole('form', { name: 'New follow-up' });
    // Directly under the page's h1, the form's heading is an h2 (axe: heading-order).
    expect(within(form).getByRole('heading', { name: 'New follow-up' }).tagName).toBe('H2');
    await user.click(within(form).getByRole('button', { name: 'Add follow-up' }));
    expect(within(form).getByRole('alert')).toHaveTextContent('Give the follow-up a title');
    expect(desk.inputsTo('followUps:create')).toEqual([]);

    await user.type(within(form).getByLabelText('What has to happen'), 'Call globex about the upgrade window');
    await user.selectOptions(within(form).getByLabelText('Customer'), 'globex');
    await user.type(within(form).getByLabelText('Ticket link (optional)'), 'https://tickets.example.com/OPS-9');
    await user.click(within(form).getByRole('button', { name: 'Add follow-up' }));
    expect(desk.inputsTo('followUps:create')).toEqual([
      {
        customerId: 'globex',
        title: 'Call globex about the upgrade window',
        owner: FAKE_ME,
        dueDate: null,
        problemId: null,
        ticketUrl: 'https://tickets.example.com/OPS-9',
      },
    ]);
    expect(within(form).getByLabelText('What has to happen')).toHaveValue('');
  });

  it('says what went wrong and retries when the follow-ups cannot be read', async () => {
    const desk = createFakeDesk(fixtures());
    let isFailing = true;
    desk.override('followUps:list', (input) =>
      isFailing
        ? { ok: false, error: { code: 'internal', message: 'The cache is busy.' } }
        : desk.answer('followUps:list', input),
    );
    const { user } = renderApp({ route: { view: 'followups' }, desk });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The follow-ups could not be read');
    isFailing = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('list', { name: 'Mine follow-ups' })).toBeInTheDocument();
  });
});

describe('follow-up counts', () => {
  it('on the customer page: the open ones with their count, and a form for a new one', async () => {
    const desk = createFakeDesk(fixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Follow-ups (2 open, 1 overdue)' });
    expect(titles(within(panel).getByRole('list', { name: 'Open follow-ups of this customer' }))).toHaveLength(2);
    // Inside the panel's own h2, the form's heading is an h3.
    expect(within(panel).getByRole('heading', { name: 'New follow-up' }).tagName).toBe('H3');
    await user.type(within(panel).getByLabelText('What has to happen'), 'Check the export queue tomorrow');
    await user.click(within(panel).getByRole('button', { name: 'Add follow-up' }));
    expect(desk.inputsTo('followUps:create')).toEqual([expect.objectContaining({ customerId: 'acme' })]);
    desk.emit('cache:changed', { customerIds: ['acme'], global: false });
    expect(await screen.findByRole('region', { name: 'Follow-ups (3 open, 1 overdue)' })).toBeInTheDocument();
  });

  it('on the fleet: open, overdue and mine, linking to the view', async () => {
    const { user } = renderApp({ route: { view: 'fleet' }, fixtures: fixtures() });
    const summary = await screen.findByTestId('fleet-follow-ups');
    expect(summary).toHaveTextContent('Follow-ups: 2 open · 1 overdue · 1 yours on 1 customer');
    await user.click(within(summary).getByRole('link'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Follow-ups' })).toBeInTheDocument();
  });
});

describe('known problems on the customer page', () => {
  it('flags a regression after the fix and offers the workaround wizard first', async () => {
    const desk = createFakeDesk(fixtures());
    desk.override('problems:forCustomer', () => ({
      ok: true,
      value: {
        problems: [
          {
            problem: {
              id: 'prob-1',
              title: 'Export jobs lag after the queue change',
              status: 'fixed',
              rules: [{ signature: 'alert:exportjoblag:0123456789abcdef' }],
              customers: [],
              workaroundWizard: 'export-job-behind',
              fixedVersion: '26.12.1',
              fixedAt: '2026-11-15T00:00:00.000Z',
              owner: 'Priya Raman',
              createdBy: 'Priya Raman',
              createdAt: '2026-11-01T00:00:00.000Z',
              updatedAt: '2026-11-15T00:00:00.000Z',
            },
            hit: {
              customerId: 'acme',
              linkedBy: 'signature',
              occurrences: 3,
              firstAt: '2026-11-02T00:00:00.000Z',
              lastAt: '2026-11-19T08:00:00.000Z',
              regression: { at: '2026-11-19T08:00:00.000Z', version: '26.12.1' },
            },
            suggestedWizard: 'export-job-behind',
          },
        ],
      },
    }));
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const region = await screen.findByRole('region', { name: 'Known problems (1)' });
    expect(within(region).getByRole('alert')).toHaveTextContent('Regression: it came back');
    expect(within(region).getByRole('alert')).toHaveTextContent('26.12.1');
    expect(within(region).getByText(/Seen 3 times here/)).toBeInTheDocument();
    // Named by its title in the library, not its id.
    expect(await within(region).findByRole('button', { name: 'Start the workaround: Export job lagging behind' })).toBeEnabled();
    // The problem is one click away.
    expect(within(region).getByRole('link', { name: 'Export jobs lag after the queue change' })).toHaveAttribute(
      'href',
      '#/problems/prob-1',
    );
  });

  it('says so, with what to do, when the workaround wizard is not in this desk’s library, instead of a button that fails', async () => {
    const desk = createFakeDesk(fixtures());
    const answer = {
      problem: {
        id: 'prob-2',
        title: 'Exports stall on the old worker',
        status: 'known_error' as const,
        rules: [],
        customers: ['acme'],
        workaroundWizard: 'restart-old-worker',
        fixedVersion: null,
        fixedAt: null,
        owner: null,
        createdBy: 'Priya Raman',
        createdAt: '2026-11-01T00:00:00.000Z',
        updatedAt: '2026-11-15T00:00:00.000Z',
      },
      hit: { customerId: 'acme', linkedBy: 'hand' as const, occurrences: 0, firstAt: null, lastAt: null, regression: null },
      suggestedWizard: 'restart-old-worker',
    };
    desk.override('problems:forCustomer', () => ({ ok: true, value: { problems: [answer] } }));
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const region = await screen.findByRole('region', { name: 'Known problems (1)' });
    expect(
      await within(region).findByText(
        /Its workaround wizard “restart-old-worker” is not in this desk’s wizard library\. Sync, or set/,
      ),
    ).toBeInTheDocument();
    expect(within(region).queryByRole('button', { name: /Start the workaround/ })).toBeNull();
  });
});

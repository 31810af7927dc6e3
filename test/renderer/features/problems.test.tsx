import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { makeProblem } from '../support/fake-problems';
import { eventBySummary, standardFixtures, type Fixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/**
 * Known problems on the desk (issue 12): the view lists them (regressed ones
 * marked), opens one for editing (only the fields touched are sent), refuses
 * a lifecycle step that lacks what it needs, shows the server's refusal and a
 * colleague's replaced value, closes one, and makes one from a signal.
 */
const SIGNATURE = 'alert:sso-login-failing:0123456789abcdef';

function fixtures(): Fixtures {
  const base = standardFixtures();
  base.problems = [
    {
      problem: makeProblem({
        id: 'prob-exports',
        title: 'Export jobs lag after the queue change',
        status: 'fixed',
        rules: [{ prefix: 'alert:exportjoblag:' }],
        fixedVersion: '26.12.1',
        fixedAt: '2026-11-15T00:00:00.000Z',
        customersHit: 2,
        occurrences: 5,
        regressions: 1,
      }),
      hits: [
        {
          customerId: 'acme',
          customerName: 'Acme Corporation',
          linkedBy: 'signature',
          occurrences: 3,
          firstAt: '2026-11-01T00:00:00.000Z',
          lastAt: '2026-11-19T00:00:00.000Z',
          regression: { at: '2026-11-19T00:00:00.000Z', version: '26.12.1' },
        },
      ],
    },
    {
      problem: makeProblem({
        id: 'prob-sso',
        title: 'SSO loops after IdP rotation',
        customers: ['acme'],
        owner: 'dana',
        error: 'there is no wizard sso-fix in the library (invalid_args)',
        replaced: { actor: 'sam@ops.example', at: '2026-11-19T10:00:00.000Z', fields: [{ field: 'owner', previous: 'bob' }] },
      }),
      hits: [],
    },
  ];
  return base;
}

describe('the Known problems view', () => {
  it('lists problems with regressions marked, opens one by keyboard, and sends only the fields edited', async () => {
    const { user, desk } = renderApp({ route: { view: 'fleet' }, fixtures: fixtures() });
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    await user.keyboard('{Alt>}7{/Alt}');
    const list = await screen.findByRole('list', { name: 'Known problems' });
    expect(within(list).getByText('regression on 1 customer')).toBeInTheDocument();
    await user.click(within(list).getByRole('link', { name: 'Export jobs lag after the queue change' }));
    const heading = await screen.findByRole('heading', { level: 2, name: /Export jobs lag after the queue change/ });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent('Regression: it came back on 1 customer already on 26.12.1');
    expect(within(screen.getByRole('table')).getByText('came back on 26.12.1', { exact: false })).toBeInTheDocument();

    const form = screen.getByRole('form', { name: 'Edit Export jobs lag after the queue change' });
    const save = within(form).getByRole('button', { name: 'Save changes' });
    expect(save).toBeDisabled();
    await user.type(within(form).getByLabelText('Workaround (what to do meanwhile)'), 'Restart the export worker.');
    await user.type(within(form).getByLabelText('Ticket link'), 'https://tickets.example.com/OPS-12');
    await user.click(save);
    await waitFor(() =>
      expect(desk.inputsTo('problems:update')).toEqual([
        {
          problemId: 'prob-exports',
          set: { workaround: 'Restart the export worker.', ticketUrl: 'https://tickets.example.com/OPS-12' },
        },
      ]),
    );
    expect(await within(form).findByLabelText('Workaround (what to do meanwhile)')).toHaveValue('Restart the export worker.');
    expect(screen.getByRole('heading', { level: 2, name: /pending/ })).toBeInTheDocument();

    await user.click(within(form).getByRole('button', { name: 'Close problem' }));
    await waitFor(() =>
      expect(desk.inputsTo('problems:update').at(-1)).toEqual({ problemId: 'prob-exports', set: { status: 'closed' } }),
    );
    expect(await screen.findByRole('heading', { level: 2, name: /Closed/ })).toBeInTheDocument();
  });

  it('refuses a known error without its workaround wizard, and shows the server’s refusal and a replaced value', async () => {
    const { user, desk } = renderApp({ route: { view: 'problems', problemId: 'prob-sso' }, fixtures: fixtures() });
    const form = await screen.findByRole('form', { name: 'Edit SSO loops after IdP rotation' });
    expect(screen.getByText(/The server did not accept a change to this problem: there is no wizard sso-fix/)).toHaveAttribute(
      'role',
      'alert',
    );
    expect(screen.getByRole('note')).toHaveTextContent('replaced what someone else had set meanwhile: owner was “bob”');
    await user.selectOptions(within(form).getByLabelText('Status'), 'known_error');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    const refusal = await within(form).findByRole('alert');
    expect(refusal).toHaveTextContent('The problem was not changed');
    expect(refusal).toHaveTextContent('needs its workaround wizard');
    expect(desk.fixtures.problems?.[1]?.problem.status).toBe('investigating');
  });

  it('names the workaround wizard typed by its title, offers the library’s wizards, and flags an id the library lacks', async () => {
    const { user, desk } = renderApp({ route: { view: 'problems', problemId: 'prob-sso' }, fixtures: fixtures() });
    const form = await screen.findByRole('form', { name: 'Edit SSO loops after IdP rotation' });
    const field = within(form).getByLabelText('Workaround wizard');
    const offered = () =>
      [...document.querySelectorAll(`datalist#${CSS.escape(field.getAttribute('list') ?? '')} option`)].map((option) => [
        option.getAttribute('value'),
        option.textContent,
      ]);
    await waitFor(() => expect(offered()).toContainEqual(['export-job-behind', 'Export job lagging behind']));
    await user.clear(field);
    await user.type(field, 'export-job-behind');
    expect(field).toHaveAccessibleDescription('Export job lagging behind');
    await user.clear(field);
    await user.type(field, 'export-job-behnd');
    expect(field).toHaveAccessibleDescription('“export-job-behnd” is not in this desk’s wizard library: check the id, or sync.');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() =>
      expect(desk.inputsTo('problems:update')).toEqual([
        { problemId: 'prob-sso', set: { workaroundWizard: 'export-job-behnd' } },
      ]),
    );
  });

  it('starts a known error’s workaround wizard on a customer it hits, from that customer’s row', async () => {
    const base = fixtures();
    base.problems!.push({
      problem: makeProblem({
        id: 'prob-known',
        title: 'Export jobs stall on the old worker',
        status: 'known_error',
        workaroundWizard: 'export-job-behind',
        rules: [{ prefix: 'alert:exportjoblag:' }],
        customersHit: 2,
        occurrences: 3,
      }),
      hits: (['acme', 'globex'] as const).map((customerId) => ({
        customerId,
        customerName: customerId === 'acme' ? 'Acme Corporation' : 'Globex',
        linkedBy: 'signature' as const,
        occurrences: customerId === 'acme' ? 2 : 1,
        firstAt: '2026-11-10T00:00:00.000Z',
        lastAt: '2026-11-19T00:00:00.000Z',
        regression: null,
      })),
    });
    base.problems!.at(-1)!.signatures = [
      {
        signature: 'alert:exportjoblag:*',
        label: 'exportjoblag (alert), any labels',
        from: '2026-10-21T00:00:00.000Z',
        to: '2026-11-20T00:00:00.000Z',
        hits: 3,
        customers: 2,
        firstAt: '2026-11-10T00:00:00.000Z',
        lastAt: '2026-11-19T00:00:00.000Z',
      },
      {
        signature: 'alert:exportqueue:0123456789abcdef',
        label: 'exportqueue (alert)',
        from: '2026-10-21T00:00:00.000Z',
        to: '2026-11-20T00:00:00.000Z',
        hits: 0,
        customers: 0,
        firstAt: null,
        lastAt: null,
      },
    ];
    const { user, desk } = renderApp({ route: { view: 'problems', problemId: 'prob-known' }, fixtures: base });
    // How often each of its signatures was seen, in words.
    const seen = within(await screen.findByRole('list', { name: 'How often its signatures were seen' })).getAllByRole('listitem');
    expect(seen[0]).toHaveTextContent(
      /^exportjoblag \(alert\), any labels: seen 3 times on 2 customers from .+ to .+; first seen .+, last seen .+\.$/,
    );
    expect(seen[1]).toHaveTextContent(
      /^exportqueue \(alert\): seen 0 times on 0 customers from .+ to .+; never seen in the synced history\.$/,
    );
    // Counted over another period on request: the desk is asked again, and the new counts shown.
    desk.override('problems:get', async (input) => {
      const answer = await desk.answer('problems:get', input);
      if (!answer.ok || (input as { days?: number }).days !== 7) return answer;
      const detail = answer.value as { signatures: { hits: number; customers: number }[] };
      return {
        ok: true,
        value: { ...detail, signatures: detail.signatures.map((seen) => ({ ...seen, hits: 1, customers: 1 })) },
      };
    });
    await user.selectOptions(screen.getByLabelText('Signatures counted over'), 'the last 7 days');
    await waitFor(() =>
      expect(
        within(screen.getByRole('list', { name: 'How often its signatures were seen' })).getAllByRole('listitem')[0],
      ).toHaveTextContent(/: seen 1 time on 1 customer from /),
    );
    expect(desk.inputsTo('problems:get').at(-1)).toEqual({ problemId: 'prob-known', days: 7 });
    expect(desk.inputsTo('problems:get')[0]).toEqual({ problemId: 'prob-known', days: 30 });

    const hits = await screen.findByRole('region', { name: 'Customers hit (2)' });
    expect(within(hits).getByRole('columnheader', { name: 'Workaround' })).toBeInTheDocument();
    const forGlobex = await within(hits).findByRole('button', {
      name: 'Start the workaround on Globex: Export job lagging behind',
    });
    expect(forGlobex).toHaveTextContent('Start the workaround');
    forGlobex.focus();
    await user.keyboard('{Enter}');
    await waitFor(() =>
      expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'export-job-behind', customerId: 'globex', practice: false }]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Export job lagging behind' })).toBeInTheDocument();
  });

  it('offers no workaround while a problem is investigated, nor on a fixed one that has not come back', async () => {
    const base = fixtures();
    base.problems![0]!.hits.push({
      customerId: 'globex',
      customerName: 'Globex',
      linkedBy: 'signature',
      occurrences: 1,
      firstAt: '2026-11-01T00:00:00.000Z',
      lastAt: '2026-11-02T00:00:00.000Z',
      regression: null,
    });
    base.problems![0]!.problem.workaroundWizard = 'export-job-behind';
    const { desk } = renderApp({ route: { view: 'problems', problemId: 'prob-exports' }, fixtures: base });
    const hits = await screen.findByRole('region', { name: 'Customers hit (2)' });
    // Fixed in 26.12.1: Acme, where it came back, is offered the workaround; Globex, quiet since, is not.
    expect(
      await within(hits).findByRole('button', { name: 'Start the workaround on Acme Corporation: Export job lagging behind' }),
    ).toBeEnabled();
    expect(within(within(hits).getByRole('row', { name: /Globex/ })).queryByRole('button')).toBeNull();
    expect(desk.inputsTo('runs:start')).toEqual([]);
  });

  it('is made from a signal: its signature and customer prefilled, then opened', async () => {
    const base = fixtures();
    eventBySummary(base, 'SSO login failing for most users').signature = SIGNATURE;
    const desk = createFakeDesk(base);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row').length).toBeGreaterThan(0));
    await user.click(screen.getByRole('option', { name: /SSO login failing for most users/ }));
    const panel = await screen.findByRole('complementary', { name: /SSO login failing for most users/ });
    await user.click(within(panel).getByRole('button', { name: 'Create a known problem from this signal' }));
    const form = within(panel).getByRole('form', { name: 'New known problem from this signal' });
    expect(within(form).getByLabelText(/^Signatures/)).toHaveValue(SIGNATURE);
    expect(within(form).getByLabelText(/^Customers linked by hand/)).toHaveValue('acme');
    await user.click(within(form).getByRole('button', { name: 'Create known problem' }));
    await waitFor(() =>
      expect(desk.inputsTo('problems:create')).toEqual([
        expect.objectContaining({ rules: [{ signature: SIGNATURE }], customers: ['acme'], workaroundWizard: null }),
      ]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Known problems' })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/problems/prob-new-1');
  });

  it('makes a tracked follow-up from a problem (customer, assignee, due) that the Follow-ups view lists under it', async () => {
    const { user, desk } = renderApp({ route: { view: 'problems', problemId: 'prob-exports' }, fixtures: fixtures() });
    await screen.findByRole('form', { name: 'Edit Export jobs lag after the queue change' });
    await user.click(screen.getByRole('button', { name: 'Follow-up from problem' }));
    const form = screen.getByRole('form', { name: 'New follow-up from this problem' });
    expect(within(form).getByLabelText('Customer')).toHaveValue('acme');
    await user.type(within(form).getByLabelText('Assignee'), 'dana');
    await user.type(within(form).getByLabelText('Due'), '2026-12-20');
    await user.click(within(form).getByRole('button', { name: 'Add follow-up' }));
    await waitFor(() =>
      expect(desk.inputsTo('followUps:create')).toEqual([
        expect.objectContaining({
          customerId: 'acme',
          problemId: 'prob-exports',
          owner: 'dana',
          dueDate: '2026-12-20',
          source: 'problem',
          title: 'Ship the permanent fix: Export jobs lag after the queue change',
        }),
      ]),
    );
    const listed = await screen.findByRole('list', { name: 'Follow-ups of Export jobs lag after the queue change' });
    expect(within(listed).getByText('Ship the permanent fix: Export jobs lag after the queue change')).toBeInTheDocument();
    // Focus goes back to the button that opened the form.
    expect(screen.getByRole('button', { name: 'Follow-up from problem' })).toHaveFocus();

    await user.click(screen.getByRole('link', { name: 'Follow-ups' }));
    await user.click(await screen.findByRole('button', { name: 'By problem' }));
    const group = await screen.findByRole('region', { name: 'Export jobs lag after the queue change' });
    expect(within(group).getByText('Ship the permanent fix: Export jobs lag after the queue change')).toBeInTheDocument();
    expect(within(group).getByRole('link', { name: 'Export jobs lag after the queue change' })).toHaveAttribute(
      'href',
      '#/problems/prob-exports',
    );
  });
});

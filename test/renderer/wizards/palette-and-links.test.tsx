import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN, parseDeepLink, parseHash, routeToDeepLink, routeToHash } from '../../../shared/routes';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

describe('run routes', () => {
  it('round-trips #/run/<id> and lightkeeper://run/<id>', () => {
    const route = { view: 'run' as const, runId: '01JRUN00000000000000000001' };
    expect(routeToHash(route)).toBe('#/run/01JRUN00000000000000000001');
    expect(routeToDeepLink(route)).toBe('lightkeeper://run/01JRUN00000000000000000001');
    expect(parseHash(routeToHash(route))).toEqual({ ok: true, route });
    expect(parseDeepLink(routeToDeepLink(route))).toEqual({ ok: true, route });
  });

  it.each([
    ['lightkeeper://run/', 'run/<id>'],
    ['lightkeeper://run/a/b', 'run/<id>'],
    ['lightkeeper://run/../customer', 'traversal'],
    ['lightkeeper://run/run.1', 'not a valid run id'],
    ['lightkeeper://run/-abc', 'not a valid run id'],
    ['lightkeeper://run/%3Cscript%3E', 'not a valid run id'],
    [`lightkeeper://run/${'a'.repeat(101)}`, 'not a valid run id'],
    ['lightkeeper://run/abc?step=2', 'takes no query'],
  ])('refuses %s', (link, reason) => {
    const parsed = parseDeepLink(link);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('accepts ids of the contract’s length and no more', () => {
    expect(RUN_ID_PATTERN.test('a'.repeat(100))).toBe(true);
    expect(RUN_ID_PATTERN.test('a'.repeat(101))).toBe(false);
    expect(parseHash('#/run/abc_DEF-123')).toEqual({ ok: true, route: { view: 'run', runId: 'abc_DEF-123' } });
  });

  it('opens the runner from a deep link the desktop shell forwards', async () => {
    const desk = createFakeDesk(standardFixtures());
    const run = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'acme' });
    renderApp({ route: { view: 'fleet' }, desk });
    act(() => desk.emit('app:linkOpened', { view: 'run', runId: run.runId }));
    expect(await screen.findByRole('heading', { level: 1, name: 'SSO sign-in failing' })).toBeInTheDocument();
    await waitFor(() => expect(window.location.hash).toBe(`#/run/${run.runId}`));
  });
});

describe('command palette: wizards', () => {
  it('“Start wizard…” on a customer page lists the wizards for that customer, suggested first, and starts one', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    await user.keyboard('{Control>}k{/Control}');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    await user.keyboard('start wiz');
    expect(within(dialog).getByRole('option', { name: /Start wizard…/ })).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Enter}');

    const input = within(dialog).getByRole('combobox', { name: 'Wizard to start' });
    expect(input).toHaveFocus();
    expect(input).toHaveValue('');
    await waitFor(() =>
      expect(
        within(dialog)
          .getAllByRole('option')
          .map((option) => option.firstChild?.textContent),
      ).toEqual([
        'Start SSO sign-in failing',
        'Start Export job lagging behind',
        'Start Degraded after a version upgrade',
        'Open the wizard library',
      ]),
    );
    expect(within(dialog).getAllByRole('option')[0]).toHaveTextContent('suggested for Acme Corporation');
    expect(desk.inputsTo('wizards:list')).toContainEqual({ customerId: 'acme' });

    // Backspace on an empty query goes back to all commands.
    await user.keyboard('{Backspace}');
    expect(within(dialog).getByRole('combobox', { name: 'Command' })).toBeInTheDocument();
    await user.keyboard('start wiz{Enter}');
    await user.keyboard('export');
    await waitFor(() =>
      expect(within(dialog).getByRole('option', { name: /Start Export job lagging behind/ })).toHaveAttribute(
        'aria-selected',
        'true',
      ),
    );
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() =>
      expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'export-job-behind', customerId: 'acme', practice: false }]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Export job lagging behind' })).toBeInTheDocument();
  });

  it('“Start wizard…” elsewhere offers practice runs', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    await screen.findByRole('heading', { level: 1, name: 'Fleet' });
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('start wiz{Enter}');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    await user.keyboard('sso');
    const option = await within(dialog).findByRole('option', { name: /Practice SSO sign-in failing/ });
    expect(option).toHaveTextContent('practice with Acme Corporation');
    await user.keyboard('{Enter}');
    await waitFor(() =>
      expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: true }]),
    );
    expect(await screen.findByTestId('practice-banner')).toBeInTheDocument();
  });

  it('“Resume run…” lists the open runs and opens one', async () => {
    const desk = createFakeDesk(standardFixtures());
    const run = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'globex' });
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('resume');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    await user.click(within(dialog).getByRole('option', { name: /Resume run…/ }));
    const option = await within(dialog).findByRole('option', { name: /Resume SSO sign-in failing — Globex/ });
    expect(option).toHaveTextContent('waiting for you');
    expect(within(dialog).getByRole('combobox', { name: 'Run to resume' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'run', runId: run.runId }));
  });
});

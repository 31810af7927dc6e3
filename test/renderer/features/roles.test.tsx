import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Output } from '../../../shared/ipc/contract';
import { ok } from '../../../shared/ipc/result';
import { createFakeDesk, type FakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/** The fake desk with someone of these roles signed in (issue 14). */
function deskAs(roles: string[], name = 'Vic Viewer'): FakeDesk {
  const desk = createFakeDesk(standardFixtures());
  const identity: Output<'identity:get'> = {
    method: 'oidc',
    user: { userId: name.toLowerCase().replace(' ', '-'), name, email: null, roles },
    issuer: 'https://login.example.com',
    signInNeeded: false,
    secrets: { kind: 'keychain', description: 'Sign-ins and tokens are encrypted by the test keychain.', needsConsent: false },
  };
  desk.override('identity:get', () => ok(identity));
  return desk;
}

/** The sentence a held-back control is described by (its tooltip). */
function reasonOf(control: HTMLElement): string {
  const ids = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
}

describe('the desk holds back what the signed-in role cannot do', () => {
  it('a viewer: Start and Add note stay focusable but do nothing, and say which role they need; Practice still works', async () => {
    const desk = deskAs(['viewer']);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Suggested wizards' });
    const start = await within(panel).findByRole('button', { name: 'Start SSO sign-in failing' });
    await waitFor(() => expect(start).toHaveAttribute('aria-disabled', 'true'));
    expect(reasonOf(start)).toBe('Needs the operator role (or admin); you are viewer.');
    expect(start).toHaveAccessibleDescription('Needs the operator role (or admin); you are viewer.');
    // The reason is a tooltip of the control, shown on hover and on keyboard focus.
    expect(within(panel).getAllByRole('tooltip', { hidden: true })[0]).toHaveTextContent(/^Needs the operator role/);
    start.focus();
    expect(start).toHaveFocus();
    await user.click(start);
    await user.keyboard('{Enter}');
    expect(desk.inputsTo('runs:start')).toEqual([]);

    const composer = screen.getByRole('textbox', { name: 'Add a note to this customer' });
    const add = screen.getByRole('button', { name: 'Add note' });
    expect(add).toHaveAttribute('aria-disabled', 'true');
    expect(add).toHaveAccessibleDescription('Needs the operator role (or approver, author, admin); you are viewer.');
    await user.type(composer, 'Looked at it');
    await user.click(add);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(composer);
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect(desk.inputsTo('notes:create')).toEqual([]);
    expect(await screen.findByRole('alert')).toHaveTextContent(/The note was not added.*Needs the operator role/);

    await user.click(within(panel).getByRole('button', { name: 'Practice SSO sign-in failing' }));
    await waitFor(() =>
      expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: true }]),
    );
  });

  it('a viewer is offered practice runs in the palette, also on a customer page', async () => {
    const desk = deskAs(['viewer']);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Add note' })).toHaveAttribute('aria-disabled', 'true'));
    await user.keyboard('{Control>}k{/Control}');
    const dialog = screen.getByRole('dialog', { name: 'Command palette' });
    await user.keyboard('start wiz{Enter}');
    await waitFor(() =>
      expect(
        within(dialog)
          .getAllByRole('option')
          .map((option) => option.firstChild?.textContent),
      ).toEqual([
        'Practice SSO sign-in failing',
        'Practice Export job lagging behind',
        'Practice Degraded after a version upgrade',
        'Open the wizard library',
      ]),
    );
  });

  it('an operator gets the same controls plain, with no reason attached, and they work', async () => {
    const desk = deskAs(['operator'], 'Olga Operator');
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Suggested wizards' });
    await waitFor(() => expect(screen.getByTestId('signed-in-as')).toHaveTextContent('Olga Operator'));
    const start = within(panel).getByRole('button', { name: 'Start SSO sign-in failing' });
    expect(start).not.toHaveAttribute('aria-disabled');
    expect(start).not.toHaveAccessibleDescription();
    expect(screen.queryByRole('tooltip', { hidden: true })).not.toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Add a note to this customer' }), 'Called them');
    await user.click(screen.getByRole('button', { name: 'Add note' }));
    await waitFor(() => expect(desk.inputsTo('notes:create')).toHaveLength(1));
    await user.click(start);
    await waitFor(() =>
      expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: false }]),
    );
  });

  it('someone with no role on the server is told so', async () => {
    const desk = deskAs([]);
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const add = await screen.findByRole('button', { name: 'Add note' });
    await waitFor(() => expect(add).toHaveAttribute('aria-disabled', 'true'));
    expect(add).toHaveAccessibleDescription(
      'Needs the operator role (or approver, author, admin); you have no role on this server.',
    );
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ok } from '../../../shared/ipc/result';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

const SIGNED_OUT = {
  method: 'oidc' as const,
  user: null,
  issuer: 'https://login.example.com',
  signInNeeded: true,
  secrets: {
    kind: 'keychain' as const,
    description: 'Sign-ins and tokens are encrypted by the macOS Keychain.',
    needsConsent: false,
  },
};

describe('who is at the desk', () => {
  it('shows the signed-in person as "you" in the header', async () => {
    renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getByTestId('signed-in-as')).toHaveTextContent('Dana Desk (you)'));
  });

  it('signs in through the browser and out again, forgetting the cached data when asked', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('identity:get', () => ok(SIGNED_OUT));
    const { user } = renderApp({ route: { view: 'sync' }, desk });
    const panel = await screen.findByRole('region', { name: 'Signed in' });
    expect(within(panel).getByText(/Nobody is signed in/)).toBeInTheDocument();
    expect(within(panel).getByText('with https://login.example.com, in your browser')).toBeInTheDocument();
    expect(within(panel).getByTestId('secrets-place')).toHaveTextContent('encrypted by the macOS Keychain');
    expect(screen.queryByTestId('signed-in-as')).toBeNull();

    await user.click(within(panel).getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(within(panel).getByTestId('sign-in-user')).toHaveTextContent('Alice Operator (you)'));
    expect(within(panel).getByTestId('sign-in-user')).toHaveTextContent('operator');
    expect(screen.getByTestId('signed-in-as')).toHaveTextContent('Alice Operator (you)');

    await user.click(within(panel).getByRole('checkbox', { name: /Also delete the cached customer data/ }));
    await user.click(within(panel).getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(desk.inputsTo('identity:signOut')).toEqual([{ forgetCache: true }]));
    await within(panel).findByText(/Nobody is signed in/);
    expect(screen.queryByTestId('signed-in-as')).toBeNull();
  });

  it('asks before keeping secrets without a keyring, saying what it means', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('identity:get', () =>
      ok({ ...SIGNED_OUT, secrets: { kind: 'memory' as const, description: 'No keyring is running…', needsConsent: true } }),
    );
    const { user } = renderApp({ route: { view: 'sync' }, desk });
    const panel = await screen.findByRole('region', { name: 'Signed in' });
    expect(within(panel).getByText(/Anyone who can read your files could then use your sign-in/)).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Keep them without a keyring' }));
    await waitFor(() => expect(desk.inputsTo('identity:acceptUnprotectedSecrets')).toHaveLength(1));
  });
});

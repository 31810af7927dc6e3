import { render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../shared/remediation/wire';
import { ApprovalStatus } from '../../../renderer/src/features/runs/ActionConfirm';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { FAKE_ME } from '../support/fake-follow-ups';
import { makeNote, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

const DANA = { userId: 'dana', name: 'Dana Desk', email: null, roles: ['operator', 'approver'] };

function signInAsDana(): void {
  useStore.getState().setIdentity({
    method: 'oidc',
    user: DANA,
    issuer: 'https://login.example.com',
    signInNeeded: false,
    secrets: { kind: 'keychain', description: 'test keychain', needsConsent: false },
  });
}

function approval(overrides: Partial<Approval>): Approval {
  return {
    approvalId: 'apr_1',
    planId: 'plan_1',
    status: 'pending',
    requestedBy: 'sam',
    requestedByName: 'Sam Support',
    decidedBy: null,
    decidedByName: null,
    note: '',
    plan: {
      planId: 'plan_1',
      action: 'sso.disable-enforcement',
      actionVersion: 1,
      risk: 'high',
      customer: { id: 'acme', name: 'Acme Corporation' },
      params: {},
      changes: [],
      isNoop: false,
      requiresTypedConfirmation: true,
      requiresApproval: true,
      expiresAt: '2026-11-20T13:00:00.000Z',
      createdBy: 'sam',
      createdByName: 'Sam Support',
    },
    ...overrides,
  };
}

describe('"you" for the signed-in user', () => {
  it('marks the own notes — written here and come back through sync — and leaves other people’s alone', async () => {
    const fixtures = standardFixtures();
    fixtures.notes.push(
      makeNote({ id: 'note-synced-own', customerId: 'acme', body: 'Synced from my other desk', author: 'Dana Desk' }),
    );
    const desk = createFakeDesk(fixtures);
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const notes = await screen.findByRole('region', { name: /^Notes/ });
    await waitFor(() => expect(within(notes).getAllByTestId('note')).toHaveLength(2));
    const byBody = (text: string) => within(notes).getByText(text).closest('li') as HTMLElement;
    await waitFor(() => expect(byBody('Synced from my other desk')).toHaveTextContent('Dana Desk (you)'));
    const others = byBody('Customer uses Okta with a custom audience.');
    expect(others).toHaveTextContent('sam@ops.example');
    expect(others).not.toHaveTextContent('(you)');
    // Own notes are the ones offering Edit; someone else's are not editable here.
    expect(within(byBody('Synced from my other desk')).getByRole('button', { name: /Edit note/ })).toBeInTheDocument();
    expect(within(others).queryByRole('button', { name: /Edit note/ })).not.toBeInTheDocument();
  });

  it('approvals: "requested by … (you)" with why one cannot approve one’s own request; "approved by" another person', () => {
    signInAsDana();
    const { rerender } = render(<ApprovalStatus approval={approval({ requestedBy: 'dana', requestedByName: 'Dana Desk' })} />);
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Requested by Dana Desk (you); status: pending.');
    expect(status).toHaveTextContent('You cannot approve your own request: someone else with the approver role decides it.');

    rerender(<ApprovalStatus approval={approval({})} />);
    expect(screen.getByRole('status')).toHaveTextContent('Requested by Sam Support; status: pending.');
    expect(screen.getByRole('status')).not.toHaveTextContent('(you)');
    expect(screen.getByRole('status')).not.toHaveTextContent('You cannot approve');

    rerender(
      <ApprovalStatus
        approval={approval({ requestedBy: 'dana', status: 'granted', decidedBy: 'sam', decidedByName: 'Sam Support' })}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Approved by Sam Support.');
    rerender(<ApprovalStatus approval={approval({ status: 'denied', decidedBy: 'dana', decidedByName: 'Dana Desk' })} />);
    expect(screen.getByRole('status')).toHaveTextContent('Denied by Dana Desk (you).');
    // Another person with the same display name is not "you": approvals compare user ids.
    rerender(<ApprovalStatus approval={approval({ status: 'denied', decidedBy: 'dana-2', decidedByName: 'Dana Desk' })} />);
    expect(screen.getByRole('status')).toHaveTextContent('Denied by Dana Desk.');
  });

  it('follow-ups: the owner reads "(you)" for the signed-in user', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('identity:get', () => ({
      ok: true,
      value: {
        method: 'oidc',
        user: { ...DANA, userId: 'you', name: FAKE_ME },
        issuer: 'https://login.example.com',
        signInNeeded: false,
        secrets: { kind: 'keychain', description: 'test keychain', needsConsent: false },
      },
    }));
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const form = await screen.findByRole('form', { name: 'New follow-up' });
    await user.type(within(form).getByRole('textbox', { name: 'What has to happen' }), 'Ship the SSO fix');
    await user.click(within(form).getByRole('button', { name: 'Add follow-up' }));
    await waitFor(() => expect(desk.inputsTo('followUps:create')).toHaveLength(1));
    desk.emit('cache:changed', { customerIds: ['acme'], global: false });
    const item = (await screen.findByText('Ship the SSO fix')).closest('li') as HTMLElement;
    await waitFor(() => expect(item).toHaveTextContent(`owner ${FAKE_ME} (you)`));
  });
});

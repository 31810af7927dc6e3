import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../shared/remediation/wire';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function approval(id: string, requestedBy: string, requestedByName: string, customer: { id: string; name: string }): Approval {
  return {
    approvalId: id,
    planId: `plan-${id}`,
    status: 'pending',
    requestedBy,
    requestedByName,
    decidedBy: null,
    decidedByName: null,
    note: '',
    reason: 'customer down since the upgrade',
    plan: {
      planId: `plan-${id}`,
      action: 'version.pin',
      actionVersion: 1,
      risk: 'high',
      customer,
      params: { version: '4.11.2' },
      changes: [{ target: 'customer version', from: '4.12.0', to: '4.11.2' }],
      isNoop: false,
      requiresTypedConfirmation: true,
      requiresApproval: true,
      expiresAt: '2026-12-03T12:00:00.000Z',
      createdBy: requestedBy,
      createdByName: requestedByName,
    },
  };
}

describe('approvals inbox (issue 14)', () => {
  it('lists other people’s requests with who asked, the customer, why and the plan; approves; declines only with a reason', async () => {
    const fixtures = standardFixtures();
    fixtures.approvals = [
      approval('a1', 'olga', 'Olga Ops', { id: 'acme', name: 'Acme Corp' }),
      approval('a2', 'dana', 'Dana Desk', { id: 'globex', name: 'Globex' }),
      approval('a3', 'piet', 'Piet Pager', { id: 'initech', name: 'Initech' }),
    ];
    const desk = createFakeDesk(fixtures);
    const { user } = renderApp({ route: { view: 'approvals' }, desk });

    const list = await screen.findByRole('list', { name: 'Waiting for your approval' });
    // Dana's own request is not hers to approve: it is listed apart, saying so.
    expect(within(list).queryByRole('article', { name: /Globex/ })).not.toBeInTheDocument();
    const own = within(screen.getByRole('list', { name: 'Your requests' })).getByRole('article', {
      name: 'version.pin for Globex',
    });
    expect(own).toHaveTextContent('Dana Desk (you)');
    expect(own).toHaveTextContent(/you cannot approve it yourself: a second person with the approver role decides it/);
    expect(within(own).queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
    const acme = within(list).getByRole('article', { name: 'version.pin for Acme Corp' });
    expect(acme).toHaveTextContent('Olga Ops');
    expect(acme).toHaveTextContent('customer down since the upgrade');
    expect(within(acme).getByRole('list', { name: 'Changes of version.pin for Acme Corp' })).toHaveTextContent(
      'customer version: 4.12.0 → 4.11.2',
    );

    await user.click(within(acme).getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Approved by Dana Desk (you): version.pin for Acme Corp, asked by Olga Ops.',
      ),
    );
    expect(desk.inputsTo('approvals:decide')).toEqual([{ approvalId: 'a1', decision: 'granted', note: '' }]);
    expect(screen.queryByRole('article', { name: /Acme Corp/ })).not.toBeInTheDocument();

    const initech = screen.getByRole('article', { name: 'version.pin for Initech' });
    await user.click(within(initech).getByRole('button', { name: 'Decline' }));
    expect(within(initech).getByText(/Say why you decline/)).toBeInTheDocument();
    expect(desk.inputsTo('approvals:decide')).toHaveLength(1);
    await user.type(within(initech).getByLabelText('Reason (required to decline)'), 'pin the hotfix instead');
    await user.click(within(initech).getByRole('button', { name: 'Decline' }));
    await waitFor(() =>
      expect(screen.getByRole('status')).toHaveTextContent(
        'Declined by Dana Desk (you): version.pin for Initech, asked by Piet Pager — pin the hotfix instead.',
      ),
    );
    // "Approved by" with the real name of whoever decided, for every decision made here.
    expect(screen.getByRole('list', { name: 'Decided here' })).toHaveTextContent(
      /Declined by Dana Desk \(you\): version.pin for Initech, asked by Piet Pager — pin the hotfix instead.*Approved by Dana Desk \(you\): version.pin for Acme Corp, asked by Olga Ops/,
    );
    expect(desk.inputsTo('approvals:decide')[1]).toEqual({
      approvalId: 'a3',
      decision: 'denied',
      note: 'pin the hotfix instead',
    });
  });

  it('is in the sidebar, and says when nothing waits', async () => {
    renderApp({ route: { view: 'approvals' } });
    expect(await screen.findByText('Nothing is waiting for your approval.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Approvals' })).toHaveAttribute('aria-current', 'page');
  });

  it('reads the inbox again when the cache changes: a new request appears, one decided elsewhere goes', async () => {
    const fixtures = standardFixtures();
    fixtures.approvals = [approval('a1', 'olga', 'Olga Ops', { id: 'acme', name: 'Acme Corp' })];
    const desk = createFakeDesk(fixtures);
    renderApp({ route: { view: 'approvals' }, desk });
    await screen.findByRole('article', { name: 'version.pin for Acme Corp' });

    fixtures.approvals.push(approval('a2', 'piet', 'Piet Pager', { id: 'initech', name: 'Initech' }));
    Object.assign(fixtures.approvals[0] ?? {}, { status: 'granted', decidedBy: 'bob', decidedByName: 'Bob Approver' });
    const reads = desk.inputsTo('approvals:inbox').length;
    desk.emit('cache:changed', { customerIds: ['initech'], global: false });

    expect(await screen.findByRole('article', { name: 'version.pin for Initech' })).toBeInTheDocument();
    expect(screen.queryByRole('article', { name: 'version.pin for Acme Corp' })).not.toBeInTheDocument();
    expect(desk.inputsTo('approvals:inbox').length).toBe(reads + 1);
  });

  it('moves between requests with j and k, and Enter starts the decision in the reason field', async () => {
    const fixtures = standardFixtures();
    fixtures.approvals = [
      approval('a1', 'olga', 'Olga Ops', { id: 'acme', name: 'Acme Corp' }),
      approval('a3', 'piet', 'Piet Pager', { id: 'initech', name: 'Initech' }),
      approval('a2', 'dana', 'Dana Desk', { id: 'globex', name: 'Globex' }),
    ];
    const { user } = renderApp({ route: { view: 'approvals' }, fixtures });
    const acme = await screen.findByRole('article', { name: 'version.pin for Acme Corp' });
    const initech = screen.getByRole('article', { name: 'version.pin for Initech' });
    const globex = screen.getByRole('article', { name: 'version.pin for Globex' });

    await user.keyboard('j');
    expect(acme).toHaveFocus();
    await user.keyboard('j');
    expect(initech).toHaveFocus();
    // Your own requests are in the same keyboard order, after the ones you may decide.
    await user.keyboard('j');
    expect(globex).toHaveFocus();
    await user.keyboard('k');
    expect(initech).toHaveFocus();
    await user.keyboard('{Enter}');
    const reason = within(initech).getByLabelText('Reason (required to decline)');
    expect(reason).toHaveFocus();
    // Typing j in the reason is text, not a move.
    await user.keyboard('jk');
    expect(reason).toHaveValue('jk');
    expect(reason).toHaveFocus();
    await user.tab();
    expect(within(initech).getByRole('button', { name: 'Approve' })).toHaveFocus();
  });
});

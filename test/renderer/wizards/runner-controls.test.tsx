import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { renderApp } from '../support/render';
import { actsSent, currentStep, deskWithRun, openRun, stepItem, waitForStep } from './support/run-helpers';

const PRACTICE_TEXT = 'Practice run — simulated checks and actions; nothing touches the customer';
const OFFLINE_TEXT = 'Actions need a live connection to the backend — you are offline. Reconnect, then retry.';

function expectPracticeBanner() {
  const banner = screen.getByTestId('practice-banner');
  expect(banner).toHaveAttribute('role', 'status');
  expect(banner).toHaveTextContent(PRACTICE_TEXT);
}

describe('wizard runner: practice, edits, blocking, cancel', () => {
  it('marks every screen of a practice run and simulates its checks, approval and action', async () => {
    const { desk, runId } = deskWithRun('degraded-after-version-upgrade', { practice: true });
    const { user } = await openRun(desk, runId);
    let step = await waitForStep('L2 agrees to pin the version');
    expectPracticeBanner();
    expect(within(step).getByText(/simulated in practice/)).toBeInTheDocument();
    expect(within(stepItem('health')).getByText(/simulated for practice/)).toBeInTheDocument();

    await user.click(within(step).getByRole('button', { name: 'Request approval' }));
    step = await waitForStep('Run finished');
    expectPracticeBanner();
    expect(within(step).getByTestId('run-record-state')).toHaveTextContent(
      'Not recorded: practice runs never touch the customer’s timeline.',
    );
    const action = stepItem('pin-version');
    expect(within(action).getByText('simulated')).toBeInTheDocument();
    expect(within(action).getByText(/nothing was changed on the customer/)).toBeInTheDocument();
    // A practice run never asks to confirm a real action.
    expect(actsSent(desk)).toEqual([{ type: 'request-approval', reason: '' }]);
  });

  it('shows the practice banner from the first screen (the inputs); a real run has none', async () => {
    const practice = deskWithRun('sso-sign-in-failing', { practice: true });
    const first = await openRun(practice.desk, practice.runId);
    await waitForStep('Inputs of SSO sign-in failing');
    expectPracticeBanner();
    first.unmount();
    useStore.setState({ run: { id: null, status: 'idle', view: null, error: null, requestId: 0 } });

    const real = deskWithRun('sso-sign-in-failing');
    await openRun(real.desk, real.runId);
    await waitForStep('Inputs of SSO sign-in failing');
    expect(screen.queryByTestId('practice-banner')).not.toBeInTheDocument();
    expect(screen.queryByText(PRACTICE_TEXT)).not.toBeInTheDocument();
    expect(screen.queryByText('Practice')).not.toBeInTheDocument();
  });

  it('lets an answer be edited until an action is confirmed, then says why it cannot', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.verifyMode = 'manual';
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    const { user } = await openRun(desk, runId);
    await waitForStep('Stop enforcing SSO');
    const inputs = stepItem('$inputs');
    const edit = within(inputs).getByRole('button', { name: 'Edit answer: Inputs of SSO sign-in failing' });
    expect(edit).toBeEnabled();
    await user.click(edit);
    const form = within(stepItem('$inputs')).getByRole('form', { name: 'Change the answers to Inputs of SSO sign-in failing' });
    const group = within(form).getByRole('group', { name: 'Who is affected?' });
    expect(within(group).getByRole('radio', { name: 'all users' })).toBeChecked();
    await user.click(within(group).getByRole('radio', { name: 'some users' }));
    await user.click(within(form).getByRole('button', { name: 'Save answer' }));
    expect(actsSent(desk)).toEqual([{ type: 'edit-answer', path: '$inputs', values: { affected: 'some users' } }]);
    await waitFor(() =>
      expect(
        within(stepItem('$inputs')).getByRole('table', { name: 'Answers to Inputs of SSO sign-in failing' }),
      ).toHaveTextContent('some users'),
    );

    await user.click(within(await waitForStep('Stop enforcing SSO')).getByRole('button', { name: 'Confirm and run' }));
    await waitForStep('Sign-in works again');
    const locked = within(stepItem('$inputs')).getByRole('button', { name: 'Edit answer: Inputs of SSO sign-in failing' });
    expect(locked).toBeDisabled();
    expect(locked).toHaveAccessibleDescription(
      /^Answers are locked: an action was confirmed at .+, so the customer may already have changed\. To change them, cancel this run and start a new one\.$/,
    );
  });

  it('disables Confirm while offline and says why', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } }),
    });
    desk.syncStatus.state = 'offline';
    await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    const confirm = await within(step).findByRole('button', { name: 'Confirm and run' });
    await waitFor(() => expect(confirm).toBeDisabled());
    expect(confirm).toHaveAccessibleDescription(OFFLINE_TEXT);
    expect(within(step).getByText(OFFLINE_TEXT)).toBeInTheDocument();

    act(() => desk.emit('sync:changed', { ...desk.syncStatus, state: 'online' }));
    await waitFor(() => expect(confirm).toBeEnabled());
  });

  it('shows why a step is blocked, and Retry asks the desk to try again', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.isOnline = false;
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    const { user } = await openRun(desk, runId);
    const blocked = await screen.findByRole('alert');
    expect(within(blocked).getByTestId('blocked-reason')).toHaveTextContent(
      'Server probes need a live connection to the backend; reconnect, then press Retry.',
    );
    expect(screen.getByTestId('run-status')).toHaveTextContent('Waiting');

    await user.click(within(blocked).getByRole('button', { name: 'Retry' }));
    expect(actsSent(desk)).toEqual([{ type: 'retry' }]);
    // Still offline: the desk blocks again with the same reason.
    await waitFor(() => expect(screen.getByTestId('blocked-reason')).toHaveTextContent('Server probes need a live connection'));

    desk.runs.isOnline = true;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitForStep('Stop enforcing SSO');
    expect(screen.queryByTestId('blocked-reason')).not.toBeInTheDocument();
    expect(actsSent(desk)).toEqual([{ type: 'retry' }, { type: 'retry' }]);
  });

  it('does not say "Checking…" while a check waits for the backend; it says what is needed (#15)', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.isOnline = false;
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    await openRun(desk, runId);
    await screen.findByRole('alert');
    const step = currentStep();
    expect(within(step).queryByText('Checking…')).not.toBeInTheDocument();
    expect(within(step).getByTestId('check-state')).toHaveTextContent(
      'Not checked yet: this check needs the backend. It runs by itself once the backend is back, or when you press Retry above.',
    );
    expect(within(step).getByText(/The last attempt failed: no backend is connected/)).toBeInTheDocument();
  });

  it('disables Confirm while the step is blocked', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
        fake.runs.block(view.runId, 'The wizard engine refused the desk’s result: the plan expired.');
      },
    });
    await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    expect(screen.getByTestId('blocked-reason')).toHaveTextContent(
      'The wizard engine refused the desk’s result: the plan expired.',
    );
    const confirm = within(step).getByRole('button', { name: 'Confirm and run' });
    expect(confirm).toBeDisabled();
    expect(confirm).toHaveAccessibleDescription('This step is blocked; see the message above, then press Retry.');
  });

  it('asks before cancelling; keeping the run sends nothing, confirming cancels it', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } }),
    });
    const { user } = await openRun(desk, runId);
    await waitForStep('Stop enforcing SSO');
    const cancel = screen.getByRole('button', { name: 'Cancel run' });
    await user.click(cancel);
    let dialog = screen.getByRole('alertdialog', { name: 'Cancel this run?' });
    expect(dialog).toHaveAccessibleDescription(/recorded on the timeline of Acme Corporation/);
    expect(within(dialog).getByRole('button', { name: 'Keep the run' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Keep the run' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(cancel).toHaveFocus();
    expect(actsSent(desk)).toEqual([]);

    await user.click(cancel);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(actsSent(desk)).toEqual([]);

    await user.click(cancel);
    dialog = screen.getByRole('alertdialog', { name: 'Cancel this run?' });
    await user.type(within(dialog).getByRole('textbox', { name: /Reason/ }), 'customer fixed it');
    await user.click(within(dialog).getByRole('button', { name: 'Yes, cancel the run' }));
    expect(actsSent(desk)).toEqual([{ type: 'cancel', reason: 'customer fixed it' }]);
    const done = await waitForStep('Run finished');
    expect(within(done).getByTestId('run-outcome')).toHaveTextContent('Cancelled');
    expect(screen.getByTestId('run-status')).toHaveTextContent('Cancelled');
  });

  it('follows runs:changed, shows the desk at work, and Resume later leaves the run open', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing');
    const { user } = await openRun(desk, runId);
    await waitForStep('Inputs of SSO sign-in failing');

    // Another window (or the desk itself) moves the run on: the runner follows.
    act(() => {
      desk.runs.act(runId, { type: 'inputs', values: { affected: 'one user' } });
    });
    await waitForStep('Stop enforcing SSO');

    act(() => desk.runs.setBusy(runId, true));
    await waitFor(() => expect(within(currentStep()).getByRole('status')).toHaveTextContent('Working on it'));
    expect(within(currentStep()).getByRole('heading', { level: 2 })).toHaveTextContent('Stop enforcing SSO');
    act(() => desk.runs.setBusy(runId, false));
    await waitFor(() => expect(within(currentStep()).getByRole('button', { name: 'Confirm and run' })).toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Resume later' }));
    await waitFor(() => expect(useStore.getState().route).toEqual({ view: 'wizards' }));
    expect(actsSent(desk)).toEqual([]);
    const open = await screen.findByRole('table', { name: 'Open runs' });
    expect(within(open).getByRole('link', { name: 'Resume SSO sign-in failing for Acme Corporation' })).toHaveAttribute(
      'href',
      `#/run/${runId}`,
    );
  });

  it('says when a run does not exist', async () => {
    const { desk } = deskWithRun('sso-sign-in-failing');
    renderApp({ route: { view: 'run', runId: '01JNOSUCHRUN0000000000000' }, desk });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Wizard run 01JNOSUCHRUN0000000000000 does not exist on this desk.',
    );
  });
});

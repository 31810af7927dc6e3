import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { actsSent, currentStep, deskWithRun, openRun, stepItem, waitForStep } from './support/run-helpers';

/** Cell texts of a table's body rows. */
function rows(table: HTMLElement): string[][] {
  return within(table)
    .getAllByRole('row')
    .filter((row) => row.closest('thead') === null)
    .map((row) =>
      [...row.querySelectorAll('th, td')]
        .filter((cell) => cell.getAttribute('aria-hidden') !== 'true')
        .map((cell) => cell.textContent ?? ''),
    );
}

describe('wizard runner: one screen per need', () => {
  it('validates an input step at its fields before sending, then sends typed values and moves focus to the next step', async () => {
    const { desk, runId } = deskWithRun('export-job-behind');
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Which job?');
    // Focus starts on the current step's heading.
    expect(within(step).getByRole('heading', { level: 2 })).toHaveFocus();

    await user.click(within(step).getByRole('button', { name: 'Continue' }));
    const jobId = within(step).getByRole('textbox', { name: /Job id/ });
    expect(jobId).toHaveAttribute('aria-invalid', 'true');
    expect(jobId).toHaveAccessibleDescription(/Enter a value\./);
    expect(jobId).toHaveAccessibleDescription(/export console/);
    expect(jobId).toHaveFocus();
    expect(
      within(within(step).getByRole('group', { name: /Tell the customer\?/ })).getByText('Choose an answer.'),
    ).toBeInTheDocument();
    expect(within(step).getByRole('alert')).toHaveTextContent('3 answers need attention.');

    const hours = within(step).getByRole('spinbutton', { name: /Hours behind/ });
    await user.type(jobId, 'job42');
    await user.type(hours, '2.5');
    expect(jobId).toHaveAccessibleDescription(/Must match the pattern job-\[0-9\]\+\./);
    expect(hours).toHaveAccessibleDescription('Must be a whole number.');
    await user.clear(hours);
    await user.type(hours, '100');
    expect(hours).toHaveAccessibleDescription('Must be at most 48.');
    await user.click(within(step).getByRole('button', { name: 'Continue' }));
    expect(actsSent(desk)).toEqual([]);

    await user.clear(jobId);
    await user.type(jobId, 'job-42');
    await user.clear(hours);
    await user.type(hours, '6');
    await user.click(within(step).getByRole('radio', { name: 'Yes' }));
    expect(within(step).queryByRole('alert')).not.toBeInTheDocument();
    await user.click(within(step).getByRole('button', { name: 'Continue' }));

    expect(actsSent(desk)).toEqual([
      { type: 'answer', values: { jobId: 'job-42', hoursBehind: 6, notifyCustomer: true, notes: null } },
    ]);
    const next = await waitForStep('Restart the job');
    await waitFor(() => expect(within(next).getByRole('heading', { level: 2 })).toHaveFocus());
    expect(screen.getByTestId('run-announcer')).toHaveTextContent('Now: Restart the job.');
    // The answers show in the step list under the labels they were asked with.
    expect(rows(within(stepItem('which-job')).getByRole('table', { name: 'Answers to Which job?' }))).toEqual([
      ['Job id', 'job-42'],
      ['Hours behind', '6'],
      ['Tell the customer?', 'yes'],
      ['Notes', '(none)'],
    ]);
  });

  it('shows each check’s evidence as a key/value table and the decision’s reason from the engine', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } }),
    });
    await openRun(desk, runId);
    await waitForStep('Stop enforcing SSO');

    const idp = stepItem('idp-state');
    expect(within(idp).getByText(/From the server probe sso\.metadata/)).toBeInTheDocument();
    expect(rows(within(idp).getByRole('table', { name: 'Evidence from Identity provider state' }))).toEqual([
      ['configured', 'false'],
      ['enforced', 'true'],
      ['idpReachable', 'true'],
      ['certificateExpired', 'false'],
      ['certificateExpiresAt', '2027-03-01T00:00:00Z'],
    ]);
    const changes = within(stepItem('recent-changes')).getByRole('table', { name: 'Evidence from Recent SSO changes' });
    expect(rows(changes).map(([key]) => key)).toEqual(['count', 'items', 'flags', 'latest']);
    expect(rows(changes)[0]).toEqual(['count', '1']);
    // Lists and larger objects are folded behind their size.
    expect(within(changes).getAllByText('1 item')).toHaveLength(2);
    expect(within(changes).getByText('9 fields').closest('details')?.querySelector('pre')?.textContent).toContain(
      '"key": "sso.enforce"',
    );

    const decision = stepItem('route');
    expect(within(decision).getByTestId('branch-reason')).toHaveTextContent(
      "took 'stop-enforcing' because checks['idp-state'].enforced && !checks['idp-state'].configured (SSO is enforced but the identity provider has no metadata)",
    );
    expect(within(decision).getByText(/Went to/)).toHaveTextContent(
      'Went to Stop enforcing SSO — SSO is enforced but the identity provider has no metadata',
    );
    // The step list shows the path taken, the current step and what is expected next.
    expect(stepItem('stop-enforcing')).toHaveAttribute('aria-current', 'step');
    expect(within(stepItem('confirm-sign-in')).getByText('Upcoming:')).toBeInTheDocument();
    expect(screen.getByTestId('run-progress')).toHaveTextContent('4 done, 1 in progress, 2 expected next');
  });

  it('says in the current step why it is asked, with the evidence in words and the condition behind Details (#15)', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } }),
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    const why = within(step).getByRole('region', { name: 'Why this step' });
    expect(within(why).getByTestId('step-reason')).toHaveTextContent(
      '“What broke sign-in?” found that SSO is enforced but the identity provider has no metadata.',
    );
    expect(
      within(within(why).getByRole('list', { name: 'Evidence' }))
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['enforced from “Identity provider state”: yes', 'configured from “Identity provider state”: no']);
    // The expression and the raw values stay behind the Details toggle until asked for.
    const condition = within(why).getByText("checks['idp-state'].enforced && !checks['idp-state'].configured");
    expect(condition).not.toBeVisible();
    await user.click(within(why).getByText('Details'));
    expect(condition).toBeVisible();
    expect(condition.closest('li')).toHaveTextContent(/held \(SSO is enforced but the identity provider has no metadata\)/);
    expect(condition.closest('li')).toHaveTextContent("checks['idp-state'].configured = false");

    // The decision in the step list says the same in words; its expression is behind its own Details.
    const decision = stepItem('route');
    expect(within(decision).getByTestId('branch-why')).toHaveTextContent(
      '“What broke sign-in?” found that SSO is enforced but the identity provider has no metadata.',
    );
    expect(within(decision).getByTestId('branch-reason')).not.toBeVisible();
  });

  it('takes another branch when the evidence differs, and a guidance step needs its statement ticked; Enter presses Continue', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.checks['sso-sign-in-failing']!['idp-state'] = {
          configured: true,
          enforced: true,
          idpReachable: true,
          certificateExpired: true,
          certificateExpiresAt: '2026-11-01T00:00:00Z',
        };
        fake.runs.verifyMode = 'manual';
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'some users' } });
      },
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Ask the customer to renew the certificate');
    expect(within(stepItem('route')).getByTestId('branch-reason')).toHaveTextContent(
      "took 'renew-certificate' because checks['idp-state'].certificateExpired (the certificate expired)",
    );
    expect(within(step).getByText('expired').tagName).toBe('STRONG');
    const continueButton = within(step).getByRole('button', { name: 'Continue' });
    expect(continueButton).toBeDisabled();
    expect(continueButton).toHaveAccessibleDescription('Tick the statement above to continue.');

    await user.click(within(step).getByRole('checkbox', { name: 'The customer uploaded a new certificate' }));
    expect(continueButton).toBeEnabled();
    within(step).getByRole('heading', { level: 2 }).focus();
    await user.keyboard('{Enter}');
    expect(actsSent(desk)).toEqual([{ type: 'continue', confirmed: true }]);
    await waitForStep('Sign-in works again');
  });

  it('shows the plan as a before/after table with risk and customer, and confirms it', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } }),
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    expect(rows(within(step).getByRole('table', { name: 'What will change' }))).toEqual([['flag sso.enforce', 'true', 'false']]);
    expect(within(step).getByText('medium risk')).toBeInTheDocument();
    expect(within(step).getByText('Acme Corporation')).toBeInTheDocument();
    expect(within(step).queryByRole('textbox', { name: 'Type the customer name to confirm' })).not.toBeInTheDocument();
    expect(within(step).queryByText(/Nothing would change/)).not.toBeInTheDocument();

    await user.click(within(step).getByRole('button', { name: 'Confirm and run' }));
    expect(actsSent(desk)).toEqual([{ type: 'confirm-action' }]);
    await waitForStep('Run finished');
    // The action's result stays in the step list with what it changed.
    const action = stepItem('stop-enforcing');
    expect(within(action).getByText('The server ran it.')).toBeInTheDocument();
    expect(rows(within(action).getByRole('table', { name: 'Changes made by Stop enforcing SSO' }))).toEqual([
      ['flag sso.enforce', 'true', 'false'],
    ]);
  });

  it('says when a plan changes nothing', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.planOverrides['stop-enforcing'] = { isNoop: true, changes: [] };
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    expect(within(step).getByRole('note')).toHaveTextContent(
      'Nothing would change: the customer is already in the wanted state.',
    );
    expect(rows(within(step).getByRole('table', { name: 'What will change' }))).toEqual([['No changes.']]);
  });

  it('shows the new plan and asks again when the confirmed plan changed before it ran (issue 11)', async () => {
    const reason =
      'the dry run of flags.set on Northwind Logistics changed since plan plan-1 was confirmed (flag sso.enforce no longer changes; it would now change nothing); nothing was executed — review the new plan plan-2 and confirm it';
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.planChanges['stop-enforcing'] = { reason, plan: { isNoop: true, changes: [] } };
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    const { user } = await openRun(desk, runId);
    let step = await waitForStep('Stop enforcing SSO');
    expect(within(step).queryByRole('alert')).not.toBeInTheDocument();
    expect(rows(within(step).getByRole('table', { name: 'What will change' }))).toEqual([['flag sso.enforce', 'true', 'false']]);
    await user.click(within(step).getByRole('button', { name: 'Confirm and run' }));
    await waitFor(() => expect(within(currentStep()).getByRole('alert')).toBeInTheDocument());
    step = currentStep();
    const notice = within(step).getByRole('alert');
    expect(notice).toHaveTextContent(`The plan changed since you confirmed it, so nothing was run. The server says: ${reason}.`);
    expect(notice).toHaveTextContent('Check the new plan below and confirm again, or cancel the run.');
    expect(rows(within(step).getByRole('table', { name: 'What will change' }))).toEqual([['No changes.']]);
    const confirm = within(step).getByRole('button', { name: 'Confirm and run' });
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    expect(actsSent(desk).filter((sent) => (sent as { type: string }).type === 'confirm-action')).toHaveLength(2);
    await waitForStep('Run finished');
  });

  it('asks a second person at an approval step, then gates a high-risk plan on the typed customer name', async () => {
    const { desk, runId } = deskWithRun('degraded-after-version-upgrade');
    const { user } = await openRun(desk, runId);
    let step = await waitForStep('L2 agrees to pin the version');
    expect(within(step).getByText('Pin Acme Corporation to 4.11.2')).toBeInTheDocument();
    await user.click(within(step).getByRole('button', { name: 'Request approval' }));
    expect(actsSent(desk)).toEqual([{ type: 'request-approval', reason: '' }]);
    await waitFor(() =>
      expect(within(currentStep()).getByRole('status')).toHaveTextContent(
        'Waiting for approval from a second person. Requested by you@ops.example; status: pending.',
      ),
    );
    expect(within(currentStep()).queryByRole('button', { name: 'Request approval' })).not.toBeInTheDocument();
    expect(screen.getByTestId('blocked-reason')).toHaveTextContent(/Waiting for a second person to approve this plan/);
    // Waiting for a person is expected: said politely, not as an error.
    expect(screen.getByTestId('blocked-reason').parentElement).toHaveAttribute('role', 'status');
    expect(screen.getByTestId('blocked-reason').parentElement).toHaveTextContent(/^Waiting for approval/);

    act(() => desk.runs.decideApproval(runId, 'granted'));
    step = await waitForStep('Pin the previous version');
    expect(rows(within(step).getByRole('table', { name: 'What will change' }))).toEqual([
      ['product version', '4.12.0', '4.11.2'],
    ]);
    expect(within(step).getByText('high risk')).toBeInTheDocument();
    expect(within(step).getByRole('status')).toHaveTextContent('Approved by dana.l2@ops.example.');

    const confirm = within(step).getByRole('button', { name: 'Confirm and run' });
    const typed = within(step).getByRole('textbox', { name: 'Type the customer name to confirm' });
    expect(confirm).toBeDisabled();
    expect(confirm).toHaveAccessibleDescription('Type the customer name exactly as shown (Acme Corporation) to enable Confirm.');
    await user.type(typed, 'acme corporation');
    expect(confirm).toBeDisabled();
    await user.clear(typed);
    await user.type(typed, 'Acme Corporation');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    expect(actsSent(desk).at(-1)).toEqual({ type: 'confirm-action', typedConfirmation: 'Acme Corporation' });
    await waitForStep('Run finished');
  });

  it('requests approval for a plan that needs one and waits, showing the approval status, until it is granted', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.planOverrides['stop-enforcing'] = { requiresApproval: true };
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
      },
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Stop enforcing SSO');
    const confirm = within(step).getByRole('button', { name: 'Confirm and run' });
    expect(confirm).toBeDisabled();
    expect(confirm).toHaveAccessibleDescription(/needs approval from a second person first/);

    await user.click(within(step).getByRole('button', { name: 'Request approval' }));
    await waitFor(() => expect(within(currentStep()).getByRole('status')).toHaveTextContent('status: pending'));
    expect(within(currentStep()).queryByRole('button', { name: 'Request approval' })).not.toBeInTheDocument();
    expect(within(currentStep()).getByRole('button', { name: 'Confirm and run' })).toHaveAccessibleDescription(
      'Waiting for the approval before this can run.',
    );

    act(() => desk.runs.decideApproval(runId, 'granted', 'sam.l2@ops.example'));
    await waitFor(() => expect(within(currentStep()).getByRole('status')).toHaveTextContent('Approved by sam.l2@ops.example.'));
    expect(within(currentStep()).getByRole('button', { name: 'Confirm and run' })).toBeEnabled();
  });

  it('shows verify progress: checking, the attempt out of how many, the last result, until it holds', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.verifyMode = 'manual';
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
        fake.runs.act(view.runId, { type: 'confirm-action' });
      },
    });
    await openRun(desk, runId);
    let step = await waitForStep('Sign-in works again');
    expect(within(step).getAllByRole('status')[0]).toHaveTextContent('Checking…');
    // Every 10 s for 3 min: one attempt at once and 18 more.
    expect(within(step).getByTestId('verify-attempt')).toHaveTextContent('attempt 1 of 19');
    expect(within(step).getByText('result.ok')).toBeInTheDocument();
    expect(within(step).getByText(/Gives up/).nextElementSibling).toHaveTextContent(/^at /);

    act(() => desk.runs.attemptVerify(runId));
    await waitFor(() => expect(within(currentStep()).getByTestId('verify-attempt')).toHaveTextContent('attempt 2 of 19'));
    step = currentStep();
    expect(within(step).getByText(/Last attempt at/)).toHaveTextContent('not yet (result.ok is false)');
    expect(rows(within(step).getByRole('table', { name: 'Last attempt result' }))).toContainEqual([
      'error',
      'SAML response rejected',
    ]);

    act(() => desk.runs.attemptVerify(runId));
    await waitForStep('Run finished');
    expect(within(stepItem('confirm-sign-in')).getByText(/2 attempts: healthy/)).toBeInTheDocument();
  });

  it('summarises a finished run: outcome, root cause, follow-ups, path, and whether it is on the timeline', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
        fake.runs.act(view.runId, { type: 'confirm-action' });
      },
    });
    await openRun(desk, runId);
    const step = await waitForStep('Run finished');
    expect(within(step).getByTestId('run-outcome')).toHaveTextContent('Workaround in place');
    expect(within(step).getByTestId('run-root-cause')).toHaveTextContent('Configuration change');
    expect(
      within(within(step).getByRole('list', { name: 'Follow-ups' }))
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['Enforce SSO for Acme Corporation again once the identity provider metadata is uploaded']);
    expect(
      within(within(step).getByRole('list', { name: 'Path taken' }))
        .getAllByRole('listitem')
        .map((item) => item.firstChild?.textContent),
    ).toEqual([
      'Recent SSO changes',
      'Identity provider state',
      'What broke sign-in?',
      'Stop enforcing SSO',
      'Sign-in works again',
      'SSO no longer enforced; sign-in works',
    ]);
    const { durationMs } = (desk.runs.view(runId).need as { summary: { durationMs: number } }).summary;
    expect(within(step).getByText('Duration').nextElementSibling).toHaveTextContent(
      new RegExp(`^${Math.round(durationMs / 1000)} s \\(finished `),
    );
    expect(within(step).getByTestId('run-record-state')).toHaveTextContent(
      'Recorded on this desk; it appears on the customer’s timeline once it syncs (pending).',
    );
    expect(within(step).getByRole('link', { name: 'Back to the timeline of Acme Corporation' })).toHaveAttribute(
      'href',
      '#/customer/acme',
    );
    expect(screen.getByTestId('run-status')).toHaveTextContent('Finished');
    expect(screen.queryByRole('button', { name: 'Cancel run' })).not.toBeInTheDocument();
    expect(screen.getByTestId('run-announcer')).toHaveTextContent('Run finished: Workaround in place.');

    // The sync that carries the record acknowledges it; the runner looks again after the sync.
    act(() => {
      desk.runs.markSynced(runId);
      desk.emit('sync:changed', { ...desk.syncStatus, lastSyncAt: '2026-11-20T13:05:00.000Z' });
    });
    await waitFor(() => expect(screen.getByTestId('run-record-state')).toHaveTextContent('Recorded on the customer’s timeline.'));
  });

  it('asks the escalation reference and marks the case escalated', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.checks['sso-sign-in-failing']!['idp-state'] = {
          configured: true,
          enforced: true,
          idpReachable: true,
          certificateExpired: false,
          certificateExpiresAt: null,
        };
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'one user' } });
        fake.runs.act(view.runId, { type: 'answer', values: { message: 'SAML error 403', since: 2 } });
      },
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Hand over to the identity team');
    expect(within(step).getByText('l3-identity')).toBeInTheDocument();
    expect(within(step).getByText('SSO sign-in for Acme Corporation still fails after the desk checks.')).toBeInTheDocument();
    await user.type(within(step).getByRole('textbox', { name: /Reference/ }), 'INC-77{Enter}');
    expect(actsSent(desk)).toEqual([{ type: 'escalated', reference: 'INC-77' }]);
    const done = await waitForStep('Run finished');
    expect(within(done).getByTestId('run-outcome')).toHaveTextContent('Escalated');
    expect(within(done).getByRole('list', { name: 'Escalations' })).toHaveTextContent(
      'l3-identity (INC-77): SSO sign-in for Acme Corporation still fails after the desk checks.',
    );
  });
});

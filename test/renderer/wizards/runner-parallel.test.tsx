import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseWizard } from '../../../shared/wizards/validate';
import source from '../../../resources/wizards/onboarding-provisioning-stuck.yaml?raw';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { actsSent, currentStep, openRun, stepItem, waitForStep } from './support/run-helpers';

/**
 * The runner at a parallel group: the onboarding starter wizard's
 * "Provisioning evidence" (a cache query and two probes run together), with
 * each check's state and evidence in the current step and in the step list.
 */

const STATUS = {
  complete: false,
  currentStep: 'dns',
  failedStep: 'dns',
  error: 'TXT record missing',
  attempts: 1,
  steps: [{ name: 'dns', state: 'failed', attempts: 1, error: 'DNS verification failed' }],
};

function deskAtGroup(failing: Record<string, string> = {}, status: typeof STATUS = STATUS) {
  const { definition, issues } = parseWizard(source, 'onboarding-provisioning-stuck.yaml', { catalog: null });
  if (!definition) throw new Error(JSON.stringify(issues));
  const desk = createFakeDesk(standardFixtures());
  desk.runs.library.push(definition);
  desk.runs.checks['onboarding-provisioning-stuck'] = {
    'provisioning-history': { count: 0, items: [] },
    'provisioning-state': status,
    'customer-health': { health: 'degraded', errorRate: 0.02, failingFeatures: [], version: '5.2.0' },
  };
  desk.runs.failingChecks = failing;
  const view = desk.runs.start({ wizardId: 'onboarding-provisioning-stuck', customerId: 'acme', practice: false });
  return { desk, runId: view.runId };
}

function checkItem(container: HTMLElement, id: string): HTMLElement {
  const item = within(container)
    .getAllByTestId('group-check')
    .find((candidate) => candidate.getAttribute('data-check') === id);
  if (!item) throw new Error(`no group check ${id}`);
  return item;
}

describe('wizard runner: a parallel group', () => {
  it('a failed check stops the group: each check says whether it answered, with evidence or its reason, and Retry runs the rest', async () => {
    const { desk, runId } = deskAtGroup({ 'customer-health': 'the customer.health runner is unavailable' });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Provisioning evidence');
    expect(within(step).getByTestId('check-state')).toHaveTextContent(
      'Not every check has answered: 1 of 3 still needs a result. The reason is above; press Retry above to run only that check again — the answers already in are kept.',
    );
    const checks = within(step).getByRole('list', { name: 'Checks of Provisioning evidence' });
    expect(within(checkItem(checks, 'provisioning-state')).getByTestId('group-check-state')).toHaveTextContent('answered');
    expect(
      within(checkItem(checks, 'provisioning-state')).getByRole('table', { name: 'Evidence from Provisioning steps right now' }),
    ).toHaveTextContent('TXT record missing');
    expect(
      within(checkItem(checks, 'provisioning-state')).getByText(/From the server probe provisioning\.status/),
    ).toBeInTheDocument();
    expect(within(checkItem(checks, 'provisioning-history')).getByText(/From the cache query events/)).toBeInTheDocument();
    const health = checkItem(checks, 'customer-health');
    expect(within(health).getByTestId('group-check-state')).toHaveTextContent('failed');
    expect(
      within(health).getByText('Customer health right now failed: the customer.health runner is unavailable'),
    ).toBeInTheDocument();
    expect(within(health).queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByTestId('blocked-reason')).toHaveTextContent(
      '1 of 3 checks of “Provisioning evidence” failed — Customer health right now: the customer.health runner is unavailable. Fix the cause, then press Retry: only the failed checks run again.',
    );

    desk.runs.failingChecks = {};
    await user.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Retry' }));
    expect(actsSent(desk)).toEqual([{ type: 'retry' }]);
    await waitForStep('Make sure the DNS record is published');
    // The step list keeps every check's evidence under the group.
    const done = within(stepItem('provisioning-evidence')).getByRole('list', { name: 'Checks of Provisioning evidence' });
    expect(
      within(checkItem(done, 'customer-health')).getByRole('table', { name: 'Evidence from Customer health right now' }),
    ).toHaveTextContent('degraded');
    expect(
      within(done)
        .getAllByTestId('group-check-state')
        .map((state) => state.textContent),
    ).toEqual(['— answered', '— answered', '— answered']);
    await waitFor(() => expect(within(currentStep()).getByText(/TXT record missing/)).toBeInTheDocument());
  });
});

describe('wizard runner: a loop', () => {
  it("says for which item each step of the body ran, and the loop's progress", async () => {
    const twoFailed = {
      ...STATUS,
      steps: [...STATUS.steps, { name: 'data_import', state: 'failed', attempts: 2, error: 'Import aborted' }],
    };
    const { desk, runId } = deskAtGroup({}, twoFailed);
    desk.runs.act(runId, { type: 'continue', confirmed: true });
    desk.runs.act(runId, { type: 'confirm-action' });
    await openRun(desk, runId);
    const step = await waitForStep('Retry the failed provisioning step');
    expect(within(step).getByTestId('step-reason')).toHaveTextContent(
      '“Retry each failed provisioning step” goes on with item 2 of 2: data_import.',
    );
    const retries = screen
      .getAllByTestId('step-item')
      .filter((item) => item.getAttribute('data-path') === 'retry-step' && within(item).queryByTestId('step-iteration'));
    expect(retries.map((item) => within(item).getByTestId('step-iteration').textContent)).toEqual(['For item 1 of 2: dns']);
    // Each pass through the loop step says which item it went on with (the upcoming pass has nothing yet).
    const loops = screen.getAllByTestId('step-item').filter((item) => item.getAttribute('data-path') === 'retry-each');
    expect(loops.flatMap((item) => within(item).queryByTestId('loop-progress')?.textContent ?? [])).toEqual([
      'Item 1 of 2: dns',
      'Item 2 of 2: data_import',
    ]);
  });
});

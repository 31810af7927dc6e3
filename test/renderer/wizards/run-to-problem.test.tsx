import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { deskWithRun, openRun, waitForStep } from './support/run-helpers';

/** Issue 12: a finished run's outcome becomes a known problem, its wizard the workaround to offer first next time. */
describe('a known problem from a finished run', () => {
  it('prefills the customer and, for a workaround, the wizard; then opens the problem', async () => {
    const { desk, runId } = deskWithRun('sso-sign-in-failing', {
      prepare: (fake, view) => {
        fake.runs.act(view.runId, { type: 'inputs', values: { affected: 'all users' } });
        fake.runs.act(view.runId, { type: 'confirm-action' });
      },
    });
    const { user } = await openRun(desk, runId);
    const step = await waitForStep('Run finished');
    await user.click(within(step).getByRole('button', { name: 'Create a known problem from this run' }));
    const form = within(step).getByRole('form', { name: 'New known problem from this run' });
    expect((within(form).getByLabelText('Title') as HTMLInputElement).value).toMatch(/ on Acme Corporation$/);
    expect(within(form).getByLabelText(/^Customers linked by hand/)).toHaveValue('acme');
    expect(within(form).getByRole('checkbox', { name: /Known error: sso-sign-in-failing works around it/ })).toBeChecked();
    await user.click(within(form).getByRole('button', { name: 'Create known problem' }));
    await waitFor(() =>
      expect(desk.inputsTo('problems:create')).toEqual([
        expect.objectContaining({ customers: ['acme'], workaroundWizard: 'sso-sign-in-failing', rules: [] }),
      ]),
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Known problems' })).toBeInTheDocument();
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { expect } from 'vitest';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import { createFakeDesk, type FakeDesk } from '../../support/fake-desk';
import { standardFixtures } from '../../support/fixtures';
import { renderApp } from '../../support/render';

/** A fake desk with a run of `wizardId` for Acme already started (and moved on by `prepare`). */
export function deskWithRun(
  wizardId: string,
  options: { practice?: boolean; customerId?: string; prepare?: (desk: FakeDesk, view: RunView) => void } = {},
): { desk: FakeDesk; runId: string } {
  const desk = createFakeDesk(standardFixtures());
  const view = desk.runs.start({ wizardId, customerId: options.customerId ?? 'acme', practice: options.practice ?? false });
  options.prepare?.(desk, view);
  return { desk, runId: view.runId };
}

/** Opens the runner on a run and waits until its current step is shown. */
export async function openRun(desk: FakeDesk, runId: string) {
  const rendered = renderApp({ route: { view: 'run', runId }, desk });
  await screen.findByRole('heading', { level: 1 });
  const current = await screen.findByTestId('current-step');
  return { ...rendered, current };
}

/** The current step panel (it is replaced as the run moves on). */
export function currentStep(): HTMLElement {
  return screen.getByTestId('current-step');
}

/** Waits until the current step's heading reads `title`. */
export async function waitForStep(title: string | RegExp) {
  await waitFor(() => expect(within(currentStep()).getByRole('heading', { level: 2 })).toHaveTextContent(title));
  return currentStep();
}

/** The `runs:act` inputs sent so far. */
export function actsSent(desk: FakeDesk): unknown[] {
  return desk.inputsTo('runs:act').map((input) => (input as { act: unknown }).act);
}

/** The step list entry of a step path (the last visit). */
export function stepItem(path: string): HTMLElement {
  const items = screen.getAllByTestId('step-item').filter((item) => item.getAttribute('data-path') === path);
  const item = items[items.length - 1];
  if (!item) throw new Error(`no step item for ${path}`);
  return item;
}

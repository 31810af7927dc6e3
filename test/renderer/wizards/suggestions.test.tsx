import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import type { WizardListItem } from '../../../shared/ipc/wizard-views';
import { createFakeDesk } from '../support/fake-desk';
import { eventBySummary, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function suggestionTexts(list: HTMLElement): string[] {
  return within(list)
    .getAllByTestId('wizard-suggestion')
    .map((item) => item.querySelector('.suggestion-title')?.textContent ?? '');
}

describe('suggested wizards', () => {
  it('on the customer page: suggested first with the reason in words, the rest folded; Start opens the runner', async () => {
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Suggested wizards' });
    const suggested = await within(panel).findByRole('list', { name: 'Wizards suggested for this customer' });
    expect(desk.inputsTo('wizards:list')).toEqual([{ customerId: 'acme' }]);
    expect(suggestionTexts(suggested)).toEqual(['SSO sign-in failing', 'Export job lagging behind']);
    const [sso, exports] = within(suggested).getAllByTestId('wizard-suggestion');
    expect(sso).toHaveTextContent(
      'Suggested because feature sso is down; open alert on sso: “SSO login failing for most users”; open ticket “Customer reports users cannot sign in” mentions “cannot sign in”.',
    );
    expect(exports).toHaveTextContent('Suggested because feature exports is degraded.');
    const others = within(panel).getByRole('list', { name: 'Other wizards' });
    expect(suggestionTexts(others)).toEqual(['Degraded after a version upgrade']);
    expect(others.closest('details')).not.toHaveAttribute('open');

    await user.click(within(panel).getByRole('button', { name: 'Start SSO sign-in failing' }));
    expect(desk.inputsTo('runs:start')).toEqual([{ wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: false }]);
    await waitFor(() => expect(useStore.getState().route.view).toBe('run'));
    const route = useStore.getState().route;
    if (route.view !== 'run') throw new Error('not on a run');
    await waitFor(() => expect(window.location.hash).toBe(`#/run/${route.runId}`));
    expect(await screen.findByRole('heading', { level: 1, name: 'SSO sign-in failing' })).toBeInTheDocument();
    expect(screen.queryByTestId('practice-banner')).not.toBeInTheDocument();
  });

  it('on an alert’s details: reasons about that event; Practice starts a practice run from the event', async () => {
    const fixtures = standardFixtures();
    const alert = eventBySummary(fixtures, 'SSO login failing for most users');
    const desk = createFakeDesk(fixtures);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await user.click(await screen.findByRole('option', { name: /SSO login failing for most users/ }));
    const details = await screen.findByRole('complementary', { name: /SSO login failing for most users/ });
    const panel = await within(details).findByRole('region', { name: 'Suggested wizards' });
    const suggested = await within(panel).findByRole('list', { name: 'Wizards suggested for this event' });
    expect(desk.inputsTo('wizards:list')).toContainEqual({ customerId: 'acme', eventId: alert.id });
    expect(suggestionTexts(suggested)).toEqual(['SSO sign-in failing']);
    expect(within(suggested).getByTestId('wizard-suggestion')).toHaveTextContent(
      'Suggested because the alert is about sso; answers alert events.',
    );

    await user.click(within(panel).getByRole('button', { name: 'Practice SSO sign-in failing for this event' }));
    expect(desk.inputsTo('runs:start')).toEqual([
      { wizardId: 'sso-sign-in-failing', customerId: 'acme', practice: true, eventId: alert.id },
    ]);
    expect(await screen.findByTestId('practice-banner')).toHaveTextContent(
      'Practice run — simulated checks and actions; nothing touches the customer',
    );
  });

  it('on a ticket without a feature, the symptom is the reason; a deploy suggests nothing', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await user.click(await screen.findByRole('option', { name: /Customer reports users cannot sign in/ }));
    const ticket = await screen.findByRole('complementary', { name: /Customer reports users cannot sign in/ });
    const list = await within(ticket).findByRole('list', { name: 'Wizards suggested for this event' });
    expect(within(list).getByTestId('wizard-suggestion')).toHaveTextContent(
      'Suggested because the ticket mentions “cannot sign in”; answers ticket events.',
    );

    await user.click(screen.getByRole('option', { name: /Deployed release 4.12.0/ }));
    const deploy = await screen.findByRole('complementary', { name: /Deployed release 4.12.0/ });
    expect(within(deploy).queryByRole('region', { name: 'Suggested wizards' })).not.toBeInTheDocument();
  });

  it('on the customer page, runs left open on that customer come first, to resume', async () => {
    const desk = createFakeDesk(standardFixtures());
    const open = desk.runs.start({ wizardId: 'sso-sign-in-failing', customerId: 'acme' });
    desk.runs.start({ wizardId: 'export-job-behind', customerId: 'globex' });
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Suggested wizards' });
    const runs = await within(panel).findByRole('list', { name: 'Open runs for this customer' });
    expect(within(runs).getAllByRole('listitem')).toHaveLength(1);
    expect(within(runs).getByRole('link', { name: 'Resume SSO sign-in failing' })).toHaveAttribute('href', `#/run/${open.runId}`);
    expect(runs).toHaveTextContent('Open run, waiting for you.');
    expect(desk.inputsTo('runs:list')).toContainEqual({ customerId: 'acme', status: 'active' });

    act(() => {
      desk.runs.act(open.runId, { type: 'cancel' });
    });
    await waitFor(() =>
      expect(within(panel).queryByRole('list', { name: 'Open runs for this customer' })).not.toBeInTheDocument(),
    );
  });

  it('after a fix, says which run resolved it and when, instead of suggesting it again (#15)', async () => {
    const desk = createFakeDesk(standardFixtures());
    const finishedAt = new Date(Date.now() - 3 * 60_000).toISOString();
    const resolvedBy = { runId: '01M8YDWSZCQXZ24C0RE245FXEH', outcome: 'workaround', finishedAt, actor: 'dana', isLocal: true };
    desk.override('wizards:list', async (input) => {
      const answer = await desk.answer('wizards:list', input);
      if (!answer.ok) return answer;
      const { wizards } = answer.value as { wizards: WizardListItem[] };
      return {
        ok: true,
        value: {
          wizards: wizards.map((wizard) => ({
            ...wizard,
            isSuggested: false,
            reason: null,
            resolvedBy: wizard.id === 'sso-sign-in-failing' ? resolvedBy : null,
          })),
          isEventResolved: true,
        },
      };
    });
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await user.click(await screen.findByRole('option', { name: /SSO login failing for most users/ }));
    const details = await screen.findByRole('complementary', { name: /SSO login failing for most users/ });
    const panel = await within(details).findByRole('region', { name: 'Suggested wizards' });
    const resolved = await within(panel).findByRole('list', { name: 'Resolved for this event' });
    expect(within(resolved).getByTestId('wizard-resolved')).toHaveTextContent(
      'SSO sign-in failingNot suggested now: resolved by run …45FXEH (workaround, dana) 3 min ago. If it comes back, start it again from Other wizards.',
    );
    expect(within(resolved).getByRole('link', { name: `Open run ${resolvedBy.runId}` })).toHaveAttribute(
      'href',
      `#/run/${resolvedBy.runId}`,
    );
    expect(within(panel).queryByRole('list', { name: 'Wizards suggested for this event' })).not.toBeInTheDocument();
    expect(panel).toHaveTextContent('This is resolved now, so no wizard is suggested for it.');
  });

  it('says why a run did not start', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('runs:start', () => ({
      ok: false,
      error: { code: 'not_found', message: 'Wizard "sso-sign-in-failing" is not in the library. Sync, then try again.' },
    }));
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Suggested wizards' });
    await user.click(await within(panel).findByRole('button', { name: 'Start SSO sign-in failing' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('Wizard "sso-sign-in-failing" is not in the library.');
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'acme' });
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { eventBySummary, standardFixtures } from '../support/fixtures';
import { createFakeDesk } from '../support/fake-desk';
import { renderApp } from '../support/render';

async function openEvent(summary: RegExp) {
  const desk = createFakeDesk(standardFixtures());
  const rendered = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
  await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
  await rendered.user.click(screen.getByRole('option', { name: summary }));
  const panel = await screen.findByRole('complementary', { name: summary });
  return { ...rendered, panel };
}

describe('event details panel', () => {
  it('shows a change as previous → new, objects as indented JSON, with source, actor and raw properties', async () => {
    const { panel, desk } = await openEvent(/Flag sso.strict_audience turned on/);
    const event = eventBySummary(desk.fixtures, 'Flag sso.strict_audience turned on');
    expect(desk.inputsTo('events:get')).toContainEqual({ eventId: event.id });

    const previous = within(panel).getByRole('group', { name: 'Previous value' });
    const next = within(panel).getByRole('group', { name: 'New value' });
    expect(previous.querySelector('pre')?.textContent).toBe(JSON.stringify({ enabled: false, rollout: 0 }, null, 2));
    expect(next.querySelector('pre')?.textContent).toBe(
      JSON.stringify({ enabled: true, rollout: 100, audience: ['acme'] }, null, 2),
    );

    expect(within(panel).getByText('flags')).toBeInTheDocument();
    expect(within(panel).getByText('flag-audit-9921')).toBeInTheDocument();
    expect(within(panel).getByText('maria@ops.example')).toBeInTheDocument();
    expect(within(panel).getByText('Raw properties').closest('details')?.querySelector('pre')?.textContent).toContain(
      '"flag": "sso.strict_audience"',
    );
  });

  it('shows plain previous and new values inline', async () => {
    const { panel } = await openEvent(/Deployed release 4.12.0/);
    expect(within(within(panel).getByRole('group', { name: 'Previous value' })).getByText('4.11.2')).toBeInTheDocument();
    expect(within(within(panel).getByRole('group', { name: 'New value' })).getByText('4.12.0')).toBeInTheDocument();
    const release = within(panel).getByRole('link', { name: 'https://releases.example.com/4.12.0' });
    expect(release).toHaveAttribute('target', '_blank');
    expect(release).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('renders the markdown body and links; a reference that is not a URL stays text', async () => {
    const { panel, user } = await openEvent(/SSO login errors at 38%/);
    expect(within(panel).getByText('jumped').tagName).toBe('STRONG');
    expect(within(panel).getByRole('link', { name: 'runbook' })).toHaveAttribute('href', 'https://wiki.example.com/sso');
    // No change section for an event that is not a change.
    expect(within(panel).queryByRole('group', { name: 'Previous value' })).not.toBeInTheDocument();

    await user.click(within(panel).getByRole('button', { name: 'Close details' }));
    await waitFor(() => expect(screen.queryByRole('complementary')).not.toBeInTheDocument());
    await user.click(screen.getByRole('option', { name: /SSO login failing for most users/ }));
    const alertPanel = await screen.findByRole('complementary', { name: /SSO login failing/ });
    expect(within(alertPanel).getByRole('link', { name: 'https://status.example.com/incidents/88' })).toBeInTheDocument();
    expect(within(alertPanel).getByText('TICKET-4411').tagName).toBe('CODE');
  });

  it('from an alert, lists the changes of the preceding 24 h nearest first, and opens one', async () => {
    const { panel, user, desk } = await openEvent(/SSO login failing for most users/);
    const alert = eventBySummary(desk.fixtures, 'SSO login failing for most users');
    await user.click(within(panel).getByRole('button', { name: 'Show changes before this' }));
    const list = await within(panel).findByRole('list', { name: /Changes in the 24 h before this event/ });
    expect(desk.inputsTo('events:precedingChanges')).toEqual([{ eventId: alert.id, windowHours: 24 }]);
    const items = within(list).getAllByRole('button');
    expect(items.map((item) => item.querySelector('.preceding-summary')?.textContent)).toEqual([
      'SAML certificate rotated',
      'Flag sso.strict_audience turned on',
    ]);
    expect(items[0]).toHaveTextContent('1 h 30 min before');

    await user.selectOptions(within(panel).getByLabelText('Window'), '7 days');
    await waitFor(() => expect(within(panel).getByRole('list', { name: /168 h/ })).toBeInTheDocument());
    expect(within(within(panel).getByRole('list', { name: /168 h/ })).getAllByRole('button')).toHaveLength(3);

    await user.click(
      within(within(panel).getByRole('list', { name: /168 h/ })).getByRole('button', { name: /Flag sso.strict_audience/ }),
    );
    const flagPanel = await screen.findByRole('complementary', { name: /Flag sso.strict_audience turned on/ });
    expect(within(flagPanel).getByRole('group', { name: 'New value' })).toBeInTheDocument();
    await user.click(within(flagPanel).getByRole('button', { name: '← Back' }));
    await screen.findByRole('complementary', { name: /SSO login failing for most users/ });
  });

  it('says so when an event cannot be opened, with a way to retry', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('events:get', () => ({
      ok: false,
      error: { code: 'not_found', message: 'That event is not in the local cache.' },
    }));
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.click(screen.getByRole('option', { name: /SAML certificate rotated/ }));
    const panel = await screen.findByRole('complementary', { name: 'Event details' });
    expect(within(panel).getByRole('alert')).toHaveTextContent('That event is not in the local cache.');
    expect(within(panel).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('ticket and incident links (issue 14)', () => {
  it('links the ids by the server’s templates, opens them in a new tab without a handle back, and copies each id', async () => {
    const fixtures = standardFixtures();
    fixtures.linkTemplates = {
      templates: [
        { system: 'helpdesk', kind: 'ticket', template: 'https://help.example.com/agent/tickets/{id}' },
        { system: 'alertmanager', kind: 'alert', template: 'https://alerts.example.com/{id}' },
      ],
    };
    const alert = eventBySummary(fixtures, 'SSO login failing for most users');
    alert.properties = { ...alert.properties, alertname: 'SsoLoginFailing' };
    const desk = createFakeDesk(fixtures);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await user.click(await screen.findByRole('option', { name: /SSO login failing for most users/ }));
    const panel = await screen.findByRole('complementary', { name: /SSO login failing/ });

    const ticket = within(panel).getByRole('link', { name: 'TICKET-4411' });
    expect(ticket).toHaveAttribute('href', 'https://help.example.com/agent/tickets/TICKET-4411');
    expect(ticket).toHaveAttribute('target', '_blank');
    expect(ticket).toHaveAttribute('rel', expect.stringContaining('noopener'));
    expect(within(panel).getByRole('link', { name: 'SsoLoginFailing' })).toHaveAttribute(
      'href',
      'https://alerts.example.com/SsoLoginFailing',
    );

    await user.click(within(panel).getByRole('button', { name: 'Copy ticket id TICKET-4411' }));
    expect(await navigator.clipboard.readText()).toBe('TICKET-4411');
    expect(within(panel).getByText('Copied TICKET-4411')).toBeVisible();
    await user.click(within(panel).getByRole('button', { name: 'Copy external id alert-1201' }));
    expect(await navigator.clipboard.readText()).toBe('alert-1201');
    expect(within(panel).getByRole('button', { name: 'Copy alert name SsoLoginFailing' })).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: /^Copy incident id https:/ })).toBeInTheDocument();
  });

  it('leaves an id plain text without a template, and never links a non-https address', async () => {
    const fixtures = standardFixtures();
    fixtures.linkTemplates = { templates: [] };
    const alert = eventBySummary(fixtures, 'SSO login failing for most users');
    alert.links = { ticket: 'TICKET-4411', url: 'http://plain.example.com/graph', incident: 'javascript:alert(1)' };
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: createFakeDesk(fixtures) });
    await user.click(await screen.findByRole('option', { name: /SSO login failing for most users/ }));
    const panel = await screen.findByRole('complementary', { name: /SSO login failing/ });
    expect(within(panel).getByText('TICKET-4411').tagName).toBe('CODE');
    expect(within(panel).getByText('http://plain.example.com/graph').tagName).toBe('CODE');
    expect(within(panel).getByText('javascript:alert(1)').tagName).toBe('CODE');
    expect(
      within(panel)
        .queryAllByRole('link')
        .map((link) => link.getAttribute('href')),
    ).not.toContainEqual(expect.stringMatching(/^(http|javascript):/));
  });
});

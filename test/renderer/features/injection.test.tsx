import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { makeCustomer, makeEvent, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Evil <script>window.__pwned=2</script> Corp';
const HOSTILE_BODY = [
  'Hello <script>window.__pwned=3</script> there.',
  '',
  '<img src="x" onerror="window.__pwned=4">',
  '',
  '<iframe src="https://evil.example"></iframe> <a href="javascript:window.__pwned=5">raw link</a>',
  '',
  '[click me](javascript:window.__pwned=6) and <javascript:alert(1)> and [data](data:text/html;base64,PHNjcmlwdD4=)',
  '',
  '![tracker](https://evil.example/pixel.png)',
  '',
  '[safe](https://docs.example.com/runbook)',
].join('\n');

function hostileDesk() {
  const fixtures = standardFixtures();
  fixtures.customers.push(makeCustomer({ id: 'evil', name: HOSTILE_NAME, health: 'down' }));
  fixtures.events.push(
    makeEvent({
      customerId: 'evil',
      occurredAt: '2026-11-20T11:00:00.000Z',
      kind: 'incident',
      severity: 'critical',
      summary: 'Injected <b>summary</b> <img src=x onerror=alert(1)>',
      body: HOSTILE_BODY,
      links: { url: 'javascript:window.__pwned=7', ticket: 'https://helpdesk.example.com/T-1' },
      source: { system: 'ingest', externalId: '<script>x</script>' },
    }),
  );
  return createFakeDesk(fixtures);
}

function expectNoActiveContent(root: HTMLElement) {
  expect(root.querySelectorAll('script, iframe, img, object, embed, b')).toHaveLength(0);
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of element.getAttributeNames()) expect(attribute.startsWith('on')).toBe(false);
  }
  for (const anchor of root.querySelectorAll('a')) {
    const href = anchor.getAttribute('href') ?? '';
    expect(href.startsWith('#') || href.startsWith('https://') || href.startsWith('http://')).toBe(true);
  }
  expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
}

describe('markup from the server renders as text', () => {
  it('in a customer name in the fleet and on the customer page', async () => {
    const { user, container } = renderApp({ route: { view: 'fleet' }, desk: hostileDesk() });
    const link = await screen.findByRole('link', { name: HOSTILE_NAME });
    expect(link.textContent).toBe(HOSTILE_NAME);
    expectNoActiveContent(container);

    await user.click(link);
    expect(await screen.findByRole('heading', { level: 1, name: HOSTILE_NAME })).toBeInTheDocument();
    expectNoActiveContent(container);
  });

  it('in an event summary, body, links and source', async () => {
    const { user, container } = renderApp({ route: { view: 'customer', customerId: 'evil' }, desk: hostileDesk() });
    const option = await screen.findByRole('option', { name: /Injected <b>summary<\/b>/ });
    await user.click(option);
    const panel = await screen.findByRole('complementary', { name: /Injected <b>summary<\/b>/ });
    await within(panel).findByText(/Hello/);
    expectNoActiveContent(container);

    // Raw HTML is shown as the text it is.
    expect(panel.textContent).toContain('<script>window.__pwned=3</script>');
    expect(panel.textContent).toContain('<img src="x" onerror="window.__pwned=4">');
    // javascript: and data: links become plain text; images become their alt text.
    expect(within(panel).getByText('click me').closest('a')).toBeNull();
    expect(within(panel).getByText('data').closest('a')).toBeNull();
    expect(within(panel).getByText('[image: tracker]')).toBeInTheDocument();
    const safe = within(panel).getByRole('link', { name: 'safe' });
    expect(safe).toHaveAttribute('href', 'https://docs.example.com/runbook');
    expect(safe).toHaveAttribute('rel', 'noopener noreferrer');
    // The link field with a javascript: URL is shown, not linked.
    expect(within(panel).getByText('javascript:window.__pwned=7').tagName).toBe('CODE');
    // The source id is shown (in the source line and beside its copy button), always as text.
    const sourceIds = within(panel).getAllByText('<script>x</script>');
    expect(sourceIds.length).toBeGreaterThan(0);
    for (const id of sourceIds) expect(id.tagName).toBe('CODE');
  });

  it('in search results, where only the matched words are marked', async () => {
    const { user, container } = renderApp({ route: { view: 'fleet' }, desk: hostileDesk() });
    await user.type(screen.getByRole('combobox', { name: 'Search customers and events' }), 'evil');
    const results = await screen.findByTestId('search-results');
    await waitFor(() => expect(within(results).getAllByRole('option').length).toBeGreaterThan(0));
    expectNoActiveContent(container);
    expect([...results.querySelectorAll('mark')].map((mark) => mark.textContent?.toLowerCase())).toContain('evil');
  });
});

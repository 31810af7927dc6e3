import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { explainRefusal } from '../../../shared/ingest-sources';
import { createFakeDesk } from '../support/fake-desk';
import { makeSource, makeUnmatched } from '../support/fake-sources';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

const REFUSED_AT = '2026-11-22T11:30:00.000Z';

function fixturesWithSources() {
  const fixtures = standardFixtures();
  fixtures.sources = [
    makeSource({
      id: 'prod-alertmanager',
      name: 'Production Alertmanager',
      accepted: 42,
      refused: 3,
      unmatched: 2,
      lastDeliveryAt: REFUSED_AT,
      state: 'refusing',
      lastRefusal: {
        at: REFUSED_AT,
        status: 401,
        code: 'unauthorized',
        message: 'that is not the token of source prod-alertmanager; an admin can rotate it and give you the new one',
        ...explainRefusal('alertmanager', '401 unauthorized: that is not the token'),
      },
    }),
    makeSource({
      id: 'deploys',
      kind: 'github',
      origin: 'file',
      customerMapping: 'from payload.customers, environment',
      accepted: 7,
      lastDeliveryAt: '2026-11-22T10:00:00.000Z',
      state: 'receiving',
    }),
    makeSource({ id: 'tickets', kind: 'generic', customerMapping: 'mapping ticket' }),
  ];
  return fixtures;
}

function card(name: RegExp | string): HTMLElement {
  return within(screen.getByRole('list', { name: 'Sources' })).getByRole('article', { name });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Sources page (issue 10)', () => {
  it('lists each source with its state, URL to copy, counts, last delivery and the last refusal explained', async () => {
    const { user } = renderApp({ route: { view: 'sources' }, fixtures: fixturesWithSources() });
    expect(await screen.findByRole('heading', { level: 1, name: 'Sources' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sources' })).toHaveAttribute('aria-current', 'page');

    const prod = await screen.findByRole('article', { name: 'Production Alertmanager (prod-alertmanager)' });
    expect(within(prod).getByTestId('source-state')).toHaveTextContent('Refusing deliveries');
    expect(prod).toHaveTextContent('42 accepted · 3 refused · 2 unmatched');
    expect(within(prod).getByLabelText('Producer URL')).toHaveValue('http://127.0.0.1:4000/v1/ingest/prod-alertmanager/<token>');
    const refusal = within(prod).getByRole('group', { name: 'Last refusal of prod-alertmanager' });
    expect(refusal).toHaveTextContent('The producer sent no token, or an old one');
    expect(refusal).toHaveTextContent('What to do: Rotate the token here and paste the new URL');
    expect(refusal).toHaveTextContent('401 unauthorized: that is not the token of source prod-alertmanager');
    expect(prod).toHaveTextContent(
      '2 items named no known customer and are kept as unmatched, not lost: map the name they use to a customer and they move to that customer’s timeline.',
    );
    expect(within(prod).getByRole('button', { name: 'Show unmatched items (2)' })).toHaveAttribute('aria-expanded', 'false');
    // No unmatched item, nothing to show.
    expect(within(card('tickets')).queryByRole('button', { name: /unmatched items/ })).not.toBeInTheDocument();

    await user.click(within(prod).getByRole('button', { name: 'Copy the producer URL of prod-alertmanager' }));
    expect(await navigator.clipboard.readText()).toBe('http://127.0.0.1:4000/v1/ingest/prod-alertmanager/<token>');
    expect(within(prod).getByText('Copied the producer URL of prod-alertmanager.')).toBeInTheDocument();

    const deploys = card('deploys');
    expect(within(deploys).getByTestId('source-state')).toHaveTextContent('Receiving');
    expect(deploys).toHaveTextContent('GitHub webhooks');
    // Declared in the server's file: changed there, so no buttons that would be refused.
    expect(deploys).toHaveTextContent('Declared in the server’s sources file (--sources): change its secret, or remove it');
    expect(within(deploys).queryByRole('button', { name: /Rotate|Remove/ })).not.toBeInTheDocument();
    expect(within(card('tickets')).getByTestId('source-state')).toHaveTextContent('Waiting for its first delivery');
    expect(card('tickets')).toHaveTextContent('none yet');
  });

  it('adds a source from the keyboard: problems under their fields, then the URL shown once with a copy button', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    await screen.findByRole('article', { name: /prod-alertmanager/ });
    screen.getByRole('button', { name: 'Add a source' }).focus();
    await user.keyboard('{Enter}');
    const form = screen.getByRole('form', { name: 'Add a source' });
    expect(within(form).getByLabelText('Labels that name the customer')).toHaveValue('customer, tenant, customer_id');

    // Nothing typed: refused in place, nothing sent, the focus on the first field in trouble.
    await user.click(within(form).getByRole('button', { name: 'Add source' }));
    const id = within(form).getByLabelText('Source id');
    await waitFor(() => expect(id).toHaveFocus());
    expect(id).toHaveAttribute('aria-invalid', 'true');
    expect(id).toHaveAccessibleDescription(/must be 1–48 lower-case letters, digits or "-"/);
    expect(desk.inputsTo('sources:add')).toEqual([]);

    await user.type(id, 'Prod AM');
    await user.type(within(form).getByLabelText('Default feature (optional)'), 'SSO');
    await user.type(within(form).getByLabelText('Aliases (optional)'), 'acme-prod = acme{Enter}just-a-name');
    await user.click(within(form).getByRole('button', { name: 'Add source' }));
    await waitFor(() => expect(id).toHaveFocus());
    expect(id).toHaveAccessibleDescription(/lower-case letters/);
    expect(within(form).getByLabelText('Default feature (optional)')).toHaveAccessibleDescription(/must be a feature name/);
    expect(within(form).getByLabelText('Aliases (optional)')).toHaveAccessibleDescription(
      /Line 2: write the name the producer uses/,
    );
    expect(desk.inputsTo('sources:add')).toEqual([]);

    // An alias to a customer the cache does not know is the core's refusal, under the aliases.
    await user.clear(id);
    await user.type(id, 'tickets');
    await user.clear(within(form).getByLabelText('Default feature (optional)'));
    const aliases = within(form).getByLabelText('Aliases (optional)');
    await user.clear(aliases);
    await user.type(aliases, 'acme-prod = acme{Enter}globex-eu = nobody');
    await user.click(within(form).getByRole('button', { name: 'Add source' }));
    await waitFor(() => expect(aliases).toHaveFocus());
    expect(aliases).toHaveAccessibleDescription(/Line 2: no customer nobody is known here; check the id on the Customers page./);

    // An id that is taken is the server's refusal, shown under its field.
    await user.clear(aliases);
    await user.type(aliases, 'acme-prod = acme');
    await user.click(within(form).getByRole('button', { name: 'Add source' }));
    await waitFor(() => expect(id).toHaveAccessibleDescription(/A source tickets exists already; pick another id./));

    // A GitHub source: its customer mapping field changes with the kind.
    await user.selectOptions(within(form).getByLabelText('Kind'), 'GitHub webhooks');
    expect(within(form).getByLabelText('Where a deployment names its customers')).toHaveValue('payload.customers, environment');
    await user.clear(id);
    await user.type(id, 'gh-deploys{Enter}');

    const ready = await screen.findByRole('region', { name: 'Source gh-deploys is ready' });
    expect(desk.inputsTo('sources:add')).toHaveLength(3);
    expect(desk.inputsTo('sources:add')[2]).toEqual({
      id: 'gh-deploys',
      kind: 'github',
      aliases: [{ alias: 'acme-prod', customerId: 'acme' }],
      defaults: { severity: 'warning', feature: null },
      customersFrom: ['payload.customers', 'environment'],
    });
    expect(within(ready).getByRole('heading', { name: 'Source gh-deploys is ready' })).toHaveFocus();
    expect(ready).toHaveTextContent('Copy it now: you will not see this again.');
    expect(within(ready).getByLabelText('Producer URL')).toHaveValue('http://127.0.0.1:4000/v1/ingest/gh-deploys');
    const secretValue = (within(ready).getByLabelText('Secret') as HTMLInputElement).value;
    expect(secretValue).toMatch(/^secret-gh-deploys-\d+$/);
    expect(ready).toHaveTextContent(`Secret: ${secretValue}`);
    // The copy button names what it copies, never the secret itself.
    const copySecret = within(ready).getByRole('button', { name: 'Copy the secret' });
    await user.click(copySecret);
    expect(await navigator.clipboard.readText()).toBe(secretValue);
    expect(screen.queryByRole('form', { name: 'Add a source' })).not.toBeInTheDocument();
    expect(await screen.findByRole('article', { name: 'gh-deploys' })).toBeInTheDocument();

    await user.click(within(ready).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByRole('region', { name: /is ready/ })).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(secretValue);
    expect(screen.getByRole('button', { name: 'Add a source' })).toHaveFocus();
  });

  it('says when the clipboard is refused, with the value selected to copy by hand', async () => {
    const { user } = renderApp({ route: { view: 'sources' }, fixtures: fixturesWithSources() });
    const tickets = await screen.findByRole('article', { name: 'tickets' });
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    await user.click(within(tickets).getByRole('button', { name: 'Copy the producer URL of tickets' }));
    expect(await within(tickets).findByText(/The clipboard is not available: the field is selected/)).toBeInTheDocument();
  });

  it('rotates and removes only after confirmation; Escape keeps the source as it is', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const prod = await screen.findByRole('article', { name: /prod-alertmanager/ });

    const rotate = within(prod).getByRole('button', { name: 'Rotate token…' });
    await user.click(rotate);
    let confirm = within(prod).getByRole('alertdialog', { name: 'Rotate the token of prod-alertmanager?' });
    expect(confirm).toHaveAccessibleDescription(/The current token stops working at once/);
    expect(within(confirm).getByRole('button', { name: 'Keep the current token' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(within(prod).queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(rotate).toHaveFocus();
    expect(desk.inputsTo('sources:rotate')).toEqual([]);

    await user.keyboard('{Enter}');
    confirm = within(prod).getByRole('alertdialog', { name: /Rotate the token/ });
    await user.click(within(confirm).getByRole('button', { name: 'Rotate the token' }));
    const fresh = await within(prod).findByRole('region', { name: 'New URL for prod-alertmanager' });
    expect(desk.inputsTo('sources:rotate')).toEqual([{ id: 'prod-alertmanager' }]);
    expect(fresh).toHaveTextContent('you will not see this again');
    expect(fresh).toHaveTextContent('The previous one stopped working just now.');
    const url = (within(fresh).getByLabelText('Producer URL') as HTMLInputElement).value;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4000\/v1\/ingest\/prod-alertmanager\/token-prod-alertmanager-\d+$/);
    // The snippet to paste carries the new URL and keeps resolved notifications coming.
    const snippet = (within(fresh).getByLabelText('Configuration') as HTMLTextAreaElement).value;
    expect(snippet).toContain(`- url: ${url}`);
    expect(snippet).toContain('send_resolved: true');
    await user.click(within(fresh).getByRole('button', { name: 'I have copied it' }));
    expect(rotate).toHaveFocus();

    await user.click(within(prod).getByRole('button', { name: 'Remove…' }));
    confirm = within(prod).getByRole('alertdialog', { name: 'Remove source prod-alertmanager?' });
    expect(confirm).toHaveAccessibleDescription(
      /Its 2 unmatched items and its aliases go with it; events already on customers’ timelines stay/,
    );
    await user.click(within(confirm).getByRole('button', { name: 'Keep the source' }));
    expect(desk.inputsTo('sources:remove')).toEqual([]);
    await user.click(within(prod).getByRole('button', { name: 'Remove…' }));
    await user.click(screen.getByRole('button', { name: 'Remove prod-alertmanager' }));
    await waitFor(() => expect(screen.queryByRole('article', { name: /prod-alertmanager/ })).not.toBeInTheDocument());
    expect(desk.inputsTo('sources:remove')).toEqual([{ id: 'prod-alertmanager' }]);
    expect(screen.getByText('Removed source prod-alertmanager: its URL no longer takes deliveries.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Sources' })).toHaveFocus();
  });

  it('shows a refused change in the confirmation, saying nothing was changed', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    desk.override('sources:remove', () => ({
      ok: false,
      error: { code: 'offline', message: 'The server cannot be reached: connect ECONNREFUSED 127.0.0.1:4000' },
    }));
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const tickets = await screen.findByRole('article', { name: 'tickets' });
    await user.click(within(tickets).getByRole('button', { name: 'Remove…' }));
    await user.click(within(tickets).getByRole('button', { name: 'Remove tickets' }));
    const alert = await within(tickets).findByRole('alert');
    expect(alert).toHaveTextContent('Nothing was changed');
    expect(alert).toHaveTextContent('ECONNREFUSED');
    expect(screen.getByRole('article', { name: 'tickets' })).toBeInTheDocument();
  });

  it('tells someone who is not an admin who manages sources and whom to ask, with a way on', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    await desk.api.identity.signIn();
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    expect(
      await screen.findByText(
        'Ingest sources are managed by admins of the server. You are operator. Ask an admin to add a source or to tell you why a producer’s signals do not arrive.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add a source' })).not.toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Sources' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Open the Sync page' }));
    expect(await screen.findByRole('link', { name: 'Sync' })).toHaveAttribute('aria-current', 'page');
  });

  it('is reached with Alt+0, and says what to do when there is no source yet', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await user.keyboard('{Alt>}0{/Alt}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sources' })).toBeInTheDocument();
    expect(await screen.findByText(/No source yet: nothing outside the desk posts signals to this server./)).toBeInTheDocument();
  });
});

function fixturesWithUnmatched() {
  const fixtures = fixturesWithSources();
  const prod = fixtures.sources?.[0];
  if (prod) prod.unmatched = 3;
  fixtures.unmatched = {
    'prod-alertmanager': [
      makeUnmatched({ id: 'u-1', customerKey: 'initech-eu', receivedAt: '2026-11-22T11:00:00.000Z' }),
      makeUnmatched({
        id: 'u-2',
        customerKey: 'initech-eu',
        summary: 'Login errors rising',
        preview: '{\n  "summary": "Login errors rising",\n  "properties": { "api_token": "[hidden]" }\n}',
      }),
      makeUnmatched({ id: 'u-3', customerKey: null, summary: 'Disk filling up' }),
    ],
  };
  return fixtures;
}

describe('unmatched items on the Sources page (issue 10)', () => {
  it('lists them by the name they use, with why, when and a preview; mapping a name to a customer moves them and the count drops', async () => {
    const desk = createFakeDesk(fixturesWithUnmatched());
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const prod = await screen.findByRole('article', { name: /prod-alertmanager/ });
    expect(prod).toHaveTextContent('3 unmatched');
    const show = within(prod).getByRole('button', { name: 'Show unmatched items (3)' });
    show.focus();
    await user.keyboard('{Enter}');
    expect(show).toHaveAttribute('aria-expanded', 'true');
    const panel = await within(prod).findByRole('region', { name: 'Unmatched items of prod-alertmanager' });
    expect(show).toHaveAttribute('aria-controls', panel.id);

    const initech = await within(panel).findByRole('region', { name: '"initech-eu" · 2 items' });
    expect(initech).toHaveTextContent(
      'No customer is known as "initech-eu" to this source: map that name to a customer and the item moves to its timeline.',
    );
    const items = within(initech).getByRole('list', { name: 'Items naming "initech-eu"' });
    expect(within(items).getAllByRole('listitem')).toHaveLength(2);
    expect(items).toHaveTextContent('Login errors rising');
    expect(within(items).getAllByRole('time')[0]).toHaveAttribute('dateTime', '2026-11-22T11:00:00.000Z');
    // The preview is a native disclosure (Enter and Space open it in browsers), and says why some values read [hidden].
    const [firstPreview] = within(items).getAllByText('Payload preview');
    if (!firstPreview) throw new Error('no preview');
    expect(firstPreview.tagName).toBe('SUMMARY');
    await user.click(firstPreview);
    const preview = within(items).getByLabelText('Payload preview of Export queue lagging');
    expect(preview).toBeVisible();
    expect(preview).toHaveTextContent('"summary": "Export queue lagging"');
    expect(items).toHaveTextContent('Values that look like credentials are shown as [hidden].');

    // An item naming no customer cannot take an alias: it says what to change instead.
    const none = within(panel).getByRole('region', { name: 'Naming no customer · 1 item' });
    expect(none).toHaveTextContent('change the source’s customer mapping, or have the producer send the customer');
    expect(within(none).queryByRole('form')).not.toBeInTheDocument();

    // Mapping: an empty or unknown customer is refused in place, nothing sent.
    const form = within(initech).getByRole('form', { name: 'Map "initech-eu" to a customer' });
    const picker = within(form).getByLabelText('Customer for "initech-eu"');
    await user.click(within(form).getByRole('button', { name: 'Map and move its items' }));
    expect(picker).toHaveFocus();
    expect(picker).toHaveAttribute('aria-invalid', 'true');
    expect(picker).toHaveAccessibleDescription('Pick the customer that "initech-eu" stands for: type part of its name or id.');
    await user.type(picker, 'Initeck{Enter}');
    expect(picker).toHaveAccessibleDescription(
      'No customer is called "Initeck" here: type part of its name or id and pick it from the list.',
    );
    expect(desk.inputsTo('sources:mapKey')).toEqual([]);
    // The list offers the fleet's customers by id, with their names.
    const options = [...(document.getElementById(picker.getAttribute('list') ?? '')?.querySelectorAll('option') ?? [])];
    expect(options.map((option) => [option.value, option.textContent])).toContainEqual(['initech', 'Initech']);

    await user.clear(picker);
    await user.type(picker, 'Initech');
    expect(picker).toHaveAccessibleDescription(/^Initech \(initech\): this source’s "initech-eu" will mean this customer/);
    await user.keyboard('{Enter}');
    const status = await within(panel).findByText(
      '"initech-eu" now maps to Initech (initech): 2 items moved to its timeline, 1 still unmatched.',
    );
    expect(status).toHaveAttribute('role', 'status');
    expect(desk.inputsTo('sources:mapKey')).toEqual([{ id: 'prod-alertmanager', key: 'initech-eu', customerId: 'initech' }]);
    expect(within(panel).getByRole('heading', { name: 'Unmatched items of prod-alertmanager' })).toHaveFocus();
    await waitFor(() => expect(within(panel).queryByRole('region', { name: /initech-eu/ })).not.toBeInTheDocument());
    await waitFor(() => expect(prod).toHaveTextContent('1 unmatched'));
    expect(within(prod).getByRole('button', { name: 'Hide unmatched items' })).toHaveAttribute('aria-expanded', 'true');

    // Re-map after an alias was added elsewhere: says what happened.
    await user.click(within(panel).getByRole('button', { name: 'Re-map now' }));
    expect(await within(panel).findByText('Nothing new maps to a customer: 1 item still unmatched.')).toBeInTheDocument();
    expect(desk.inputsTo('sources:remap')).toEqual([{ id: 'prod-alertmanager' }]);

    await user.click(within(prod).getByRole('button', { name: 'Hide unmatched items' }));
    expect(within(prod).queryByRole('region', { name: /Unmatched items of/ })).not.toBeInTheDocument();
  });

  it('shows the core’s refusal under the picker, and a failed call with what to do next', async () => {
    const desk = createFakeDesk(fixturesWithUnmatched());
    desk.override('sources:mapKey', () => ({
      ok: true,
      value: {
        status: 'refused',
        problems: [
          {
            field: 'customer',
            message: 'No customer initech is known here: pick one from the list (type part of its name or id).',
          },
        ],
      },
    }));
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const prod = await screen.findByRole('article', { name: /prod-alertmanager/ });
    await user.click(within(prod).getByRole('button', { name: 'Show unmatched items (3)' }));
    const picker = await within(prod).findByLabelText('Customer for "initech-eu"');
    await user.type(picker, 'initech{Enter}');
    await waitFor(() => expect(picker).toHaveAccessibleDescription(/^No customer initech is known here: pick one/));
    expect(picker).toHaveFocus();

    desk.override('sources:mapKey', () => ({
      ok: false,
      error: { code: 'offline', message: 'The server cannot be reached: connect ECONNREFUSED 127.0.0.1:4000' },
    }));
    await user.keyboard('{Enter}');
    const alert = await within(prod).findByRole('alert');
    expect(alert).toHaveTextContent('Nothing was mapped');
    expect(alert).toHaveTextContent('ECONNREFUSED');
    expect(alert).toHaveTextContent('this will work again once the backend is reachable');
    expect(within(prod).getByRole('region', { name: '"initech-eu" · 2 items' })).toBeInTheDocument();

    desk.override('sources:unmatched', () => ({
      ok: false,
      error: { code: 'forbidden', message: 'Only an admin of the server can see a source’s unmatched items. You are operator.' },
    }));
    await user.click(within(prod).getByRole('button', { name: 'Hide unmatched items' }));
    await user.click(within(prod).getByRole('button', { name: 'Show unmatched items (3)' }));
    const refused = await within(prod).findByRole('alert');
    expect(refused).toHaveTextContent('The unmatched items could not be read');
    expect(refused).toHaveTextContent('Only an admin of the server can see');
    expect(within(refused).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

describe('changing a source’s settings (issue 10)', () => {
  it('starts from what the server keeps, refuses bad lines under their fields, and saves the mapping rules', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const prod = await screen.findByRole('article', { name: /prod-alertmanager/ });
    const change = within(prod).getByRole('button', { name: 'Change settings…' });
    change.focus();
    await user.keyboard('{Enter}');
    const form = within(prod).getByRole('form', { name: 'Change source prod-alertmanager' });
    expect(within(form).getByLabelText('Kind')).toBeDisabled();
    expect(within(form).getByLabelText('Source id')).toHaveAttribute('readonly');
    expect(within(form).queryByLabelText('Aliases (optional)')).not.toBeInTheDocument();
    expect(within(form).getByLabelText('Label with the severity')).toHaveValue('severity');
    const severities = within(form).getByLabelText('Severity of each label value');
    expect((severities as HTMLTextAreaElement).value).toContain('page = critical');

    // A line that is not `value = severity` and a severity that does not exist: refused in place, nothing sent.
    await user.clear(severities);
    await user.type(severities, 'p1 = critical{Enter}p2{Enter}p3 = urgent');
    await user.clear(within(form).getByLabelText('Label with the feature'));
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(severities).toHaveFocus());
    expect(severities).toHaveAccessibleDescription(/Line 2: write the label’s value, "=", then a severity/);
    expect(severities).toHaveAccessibleDescription(/"p3": Invalid option/);
    expect(within(form).getByLabelText('Label with the feature')).toHaveAccessibleDescription(/must name a label/);
    expect(within(form).getByText('The change was not saved: fix the fields marked below.')).toBeInTheDocument();
    expect(desk.inputsTo('sources:update')).toEqual([]);

    await user.clear(severities);
    await user.type(severities, 'p1 = critical{Enter}p3 = notice');
    await user.clear(within(form).getByLabelText('Label with the severity'));
    await user.type(within(form).getByLabelText('Label with the severity'), 'priority');
    await user.type(within(form).getByLabelText('Label with the feature'), 'component');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(within(prod).queryByRole('form')).not.toBeInTheDocument());
    expect(desk.inputsTo('sources:update')).toEqual([
      {
        id: 'prod-alertmanager',
        kind: 'alertmanager',
        name: 'Production Alertmanager',
        customerLabels: ['customer', 'tenant', 'customer_id'],
        severityLabel: 'priority',
        severities: { p1: 'critical', p3: 'notice' },
        featureLabel: 'component',
        defaults: { severity: 'warning', feature: null },
      },
    ]);
    expect(within(prod).getByText('Saved the settings of prod-alertmanager: its next deliveries follow them.')).toHaveAttribute(
      'role',
      'status',
    );
    expect(change).toHaveFocus();
    // Opened again, the form starts from what was saved.
    await user.keyboard('{Enter}');
    // The first field that can change takes the focus; Escape closes without saving.
    expect(within(prod).getByLabelText('Name (optional)')).toHaveFocus();
    expect(within(prod).getByLabelText('Severity of each label value')).toHaveValue('p1 = critical\np3 = notice');
    await user.keyboard('{Escape}');
    expect(within(prod).queryByRole('form')).not.toBeInTheDocument();
    expect(change).toHaveFocus();
  });

  it('switches a JSON webhook to an own JSONata mapping and shows the server’s refusal under it', async () => {
    const desk = createFakeDesk(fixturesWithSources());
    desk.override('sources:update', () => ({
      ok: true,
      value: {
        status: 'refused',
        problems: [
          {
            field: 'jsonata',
            message: 'mapping.jsonata: does not compile: Expected "}" before end of expression (at character 12)',
          },
        ],
      },
    }));
    const { user } = renderApp({ route: { view: 'sources' }, desk });
    const tickets = await screen.findByRole('article', { name: 'tickets' });
    await user.click(within(tickets).getByRole('button', { name: 'Change settings…' }));
    const form = within(tickets).getByRole('form', { name: 'Change source tickets' });
    const mapping = within(form).getByLabelText('Mapping');
    expect(mapping).toHaveValue('ticket');
    await user.selectOptions(mapping, 'My own JSONata expression');
    const expression = within(form).getByLabelText('JSONata expression');
    // Empty: the shared rule says what to write, nothing is sent.
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(expression).toHaveFocus());
    expect(expression).toHaveAccessibleDescription(/write a JSONata expression, or pick a ready mapping/);
    expect(desk.inputsTo('sources:update')).toEqual([]);

    await user.type(expression, '{{ "key": id, ');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(expression).toHaveAccessibleDescription(/does not compile: Expected "}"/));
    expect(expression).toHaveFocus();
    expect(desk.inputsTo('sources:update')).toEqual([
      { id: 'tickets', kind: 'generic', jsonata: '{ "key": id,', defaults: { severity: 'warning', feature: null } },
    ]);

    // A source from the server's file is changed there: no button that would be refused.
    expect(within(card('deploys')).queryByRole('button', { name: 'Change settings…' })).not.toBeInTheDocument();
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { createFakeDesk } from '../support/fake-desk';
import { makeCustomer, standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function fleetNames(): string[] {
  return screen.getAllByTestId('fleet-row').map((row) => within(row).getByRole('link').textContent ?? '');
}

describe('fleet view', () => {
  it('shows health counts over the whole fleet and filters by one when its count is pressed', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    expect(screen.getByTestId('fleet-count-down')).toHaveTextContent('1 down');
    expect(screen.getByTestId('fleet-count-degraded')).toHaveTextContent('2 degraded');
    expect(screen.getByTestId('fleet-count-ok')).toHaveTextContent('1 ok');
    expect(screen.getByTestId('fleet-count-unknown')).toHaveTextContent('1 unknown');

    await user.click(screen.getByTestId('fleet-count-degraded'));
    expect(fleetNames()).toEqual(['Acme Corporation', 'Umbrella Health']);
    expect(screen.getByTestId('fleet-count-degraded')).toHaveAttribute('aria-pressed', 'true');
  });

  it('sorts by any column from its header, flipping direction on a second click', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    // Default: worst health first.
    expect(fleetNames()).toEqual(['Initech', 'Acme Corporation', 'Umbrella Health', 'Hooli', 'Globex']);

    const table = screen.getByRole('table', { name: 'Fleet customers' });
    await user.click(within(table).getByRole('button', { name: 'Name' }));
    expect(fleetNames()).toEqual(['Acme Corporation', 'Globex', 'Hooli', 'Initech', 'Umbrella Health']);
    expect(within(table).getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'ascending');

    await user.click(within(table).getByRole('button', { name: 'Name' }));
    expect(fleetNames()).toEqual(['Umbrella Health', 'Initech', 'Hooli', 'Globex', 'Acme Corporation']);
    expect(within(table).getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'descending');

    // Counts sort biggest first on the first click; a header is a button, so the keyboard works too.
    within(table).getByRole('button', { name: 'Alerts' }).focus();
    await user.keyboard('{Enter}');
    expect(fleetNames().slice(0, 2)).toEqual(['Umbrella Health', 'Acme Corporation']);

    await user.click(within(table).getByRole('button', { name: 'Version' }));
    expect(fleetNames()).toEqual(['Acme Corporation', 'Globex', 'Umbrella Health', 'Initech', 'Hooli']);
  });

  it('filters by text, plan, stage and region together', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));

    await user.selectOptions(screen.getByLabelText('Region'), 'us-east-1');
    expect(fleetNames().sort()).toEqual(['Acme Corporation', 'Initech']);
    await user.selectOptions(screen.getByLabelText('Plan'), 'enterprise');
    expect(fleetNames()).toEqual(['Acme Corporation']);
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(fleetNames()).toHaveLength(5);

    await user.selectOptions(screen.getByLabelText('Stage'), 'onboarding');
    expect(fleetNames()).toEqual(['Umbrella Health']);
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));

    await user.type(screen.getByLabelText('Filter'), 'glob');
    expect(fleetNames()).toEqual(['Globex']);
    await user.clear(screen.getByLabelText('Filter'));
    await user.type(screen.getByLabelText('Filter'), 'no such customer');
    expect(screen.queryAllByTestId('fleet-row')).toHaveLength(0);
    expect(screen.getByText('No customer matches these filters.')).toBeInTheDocument();
  });

  it('filters to onboarding and stuck, and to customers lagging behind the latest release (issue 12)', async () => {
    const fixtures = standardFixtures();
    fixtures.customers = [
      makeCustomer({ id: 'stuck-co', lifecycle: 'onboarding', setupStuck: true, versionsBehind: 0 }),
      makeCustomer({ id: 'behind-co', versionsBehind: 2, version: '4.10.0' }),
      makeCustomer({ id: 'current-co', versionsBehind: 0 }),
    ];
    const { user } = renderApp({ route: { view: 'fleet' }, desk: createFakeDesk(fixtures) });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(3));
    await user.selectOptions(screen.getByLabelText('Setup'), 'Onboarding and stuck');
    expect(fleetNames()).toEqual(['Stuck Co']);
    await user.selectOptions(screen.getByLabelText('Setup'), 'Lagging behind the latest release');
    expect(fleetNames()).toEqual(['Behind Co']);
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(fleetNames()).toHaveLength(3);
  });

  it('loads every page of a large fleet, renders only a window of rows, and counts them all', async () => {
    const fixtures = standardFixtures();
    fixtures.customers = Array.from({ length: 2500 }, (_, index) =>
      makeCustomer({ id: `tenant-${String(index).padStart(5, '0')}`, health: index % 10 === 0 ? 'down' : 'ok' }),
    );
    const desk = createFakeDesk(fixtures);
    renderApp({ route: { view: 'fleet' }, desk });
    await waitFor(() => expect(screen.getByTestId('fleet-count-ok')).toHaveTextContent('2,250 ok'));
    expect(screen.getByTestId('fleet-count-down')).toHaveTextContent('250 down');
    expect(desk.inputsTo('customers:list')).toEqual([
      { after: null, limit: 1000 },
      { after: 'tenant-00999', limit: 1000 },
      { after: 'tenant-01999', limit: 1000 },
    ]);
    const rendered = screen.getAllByTestId('fleet-row').length;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
    expect(screen.getByRole('table', { name: 'Fleet customers' })).toHaveAttribute('aria-rowcount', '2501');
  });

  it('opens a customer by click, and by Enter on its row link', async () => {
    const { user } = renderApp({ route: { view: 'fleet' } });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    await user.click(screen.getAllByTestId('fleet-row')[1]!.querySelector('.col-plan')!);
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'acme' });
    await screen.findByRole('heading', { level: 1, name: 'Acme Corporation' });

    await user.click(screen.getByRole('link', { name: 'Fleet' }));
    const link = await screen.findByRole('link', { name: 'Globex' });
    link.focus();
    await user.keyboard('{Enter}');
    expect(useStore.getState().route).toEqual({ view: 'customer', customerId: 'globex' });
  });

  it('refreshes when the cache changes', async () => {
    const desk = createFakeDesk(standardFixtures());
    renderApp({ route: { view: 'fleet' }, desk });
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
    desk.fixtures.customers.push(makeCustomer({ id: 'wayne', name: 'Wayne Enterprises', health: 'down' }));
    desk.emit('cache:changed', { customerIds: ['wayne'], global: false });
    await waitFor(() => expect(screen.getByTestId('fleet-count-down')).toHaveTextContent('2 down'));
    expect(screen.getByRole('link', { name: 'Wayne Enterprises' })).toBeInTheDocument();
  });

  it('says what went wrong and retries when the list cannot be read', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('customers:list', () => ({
      ok: false,
      error: { code: 'unavailable', message: 'The desk core is restarting.' },
    }));
    const { user } = renderApp({ route: { view: 'fleet' }, desk });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The desk core is restarting.');
    desk.override('customers:list', (input) => {
      void input;
      return { ok: true, value: { rows: desk.fixtures.customers, nextCursor: null, latestVersion: '4.12.0' } };
    });
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getAllByTestId('fleet-row')).toHaveLength(5));
  });
});

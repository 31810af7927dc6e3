import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { CustomerSetup } from '../../../shared/ipc/diagnosis-views';
import { createFakeDesk } from '../support/fake-desk';
import { eventBySummary, standardFixtures, type Fixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

function setupFixtures(): Fixtures {
  const fixtures = standardFixtures();
  const flag = eventBySummary(fixtures, 'Flag sso.strict_audience turned on');
  const setup: CustomerSetup = {
    steps: [
      {
        step: 'tenant_created',
        state: 'done',
        status: 'done',
        at: '2025-03-01T09:00:00.000Z',
        summary: 'Tenant created',
        eventId: flag.id,
      },
      {
        step: 'dns',
        state: 'waiting_on_customer',
        status: 'pending',
        at: '2025-03-01T10:00:00.000Z',
        summary: 'DNS record',
        eventId: flag.id,
      },
      {
        step: 'seed_data',
        state: 'stuck',
        status: 'failed',
        at: '2025-03-01T11:00:00.000Z',
        summary: 'Seed failed',
        eventId: flag.id,
      },
    ],
    entitledNotEnabled: ['exports'],
    lag: null,
    latestVersion: '4.12.0',
    settings: [
      {
        kind: 'flag',
        key: 'sso.strict_audience',
        value: 'true',
        at: flag.occurredAt,
        actor: 'maria@ops.example',
        eventId: flag.id,
      },
      {
        kind: 'config',
        key: 'exports.schedule',
        value: '{"cron":"0 * * * *"}',
        at: '2026-11-18T08:00:00.000Z',
        actor: null,
        eventId: flag.id,
      },
    ],
  };
  fixtures.setup = { acme: setup };
  return fixtures;
}

describe('customer setup panel (issue 12)', () => {
  it('stays collapsed to one line by default, saying what needs doing', async () => {
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: createFakeDesk(setupFixtures()) });
    const toggle = await screen.findByRole('button', { name: 'Setup' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(await screen.findByTestId('setup-summary')).toHaveTextContent(
      '4.12.0 · on the latest · onboarding 1 of 3 done, 1 stuck · 1 feature paid for but off · 2 settings',
    );
    expect(screen.queryByRole('list', { name: 'Onboarding checklist' })).toBeNull();
    expect(screen.queryByRole('table', { name: /Flags and config/ })).toBeNull();
  });

  it('opens from the keyboard: version, plan, region, stage, checklist, features off, flags and config', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: createFakeDesk(setupFixtures()) });
    const toggle = await screen.findByRole('button', { name: 'Setup' });
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const facts = screen.getByLabelText('Setup facts');
    expect(facts).toHaveTextContent('Version4.12.0 (latest 4.12.0)');
    expect(facts).toHaveTextContent('PlanEnterprise');
    expect(facts).toHaveTextContent('Regionus-east-1 · production');
    expect(facts).toHaveTextContent('StageLive');
    const steps = await screen.findByRole('list', { name: 'Onboarding checklist' });
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map((item) => item.querySelector('.setup-step-state')?.textContent),
    ).toEqual(['done', 'waiting on the customer', 'stuck']);
    expect(screen.getByRole('list', { name: 'Features entitled but not enabled' })).toHaveTextContent('exports');
    const settings = screen.getByRole('table', { name: 'Flags and config as they stand, newest change of each key' });
    const rows = within(settings).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual([
      'sso.strict_audience flag',
      'exports.schedule config',
    ]);
    expect(rows[0]).toHaveTextContent('true');
    expect(rows[1]).toHaveTextContent('{"cron":"0 * * * *"}');
  });

  it('shows a setting’s change on the timeline, and collapses again', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: createFakeDesk(setupFixtures()) });
    const toggle = await screen.findByRole('button', { name: 'Setup' });
    await user.click(toggle);
    await user.click(
      await screen.findByRole('button', {
        name: /^sso\.strict_audience changed .* by maria@ops\.example: show on the timeline$/,
      }),
    );
    expect(await screen.findByRole('complementary', { name: /Flag sso.strict_audience turned on/ })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Setup' }));
    expect(screen.getByRole('button', { name: 'Setup' })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('list', { name: 'Onboarding checklist' })).toBeNull();
  });

  it('says how far behind and why when the customer lags', async () => {
    const fixtures = setupFixtures();
    fixtures.setup!['initech'] = {
      steps: [],
      entitledNotEnabled: [],
      lag: { behind: 3, reason: 'blocked_by_setting', detail: 'Held back by upgrades.hold = true (set by dana@ops.example)' },
      latestVersion: '4.12.0',
      settings: [],
    };
    const { user } = renderApp({ route: { view: 'customer', customerId: 'initech' }, desk: createFakeDesk(fixtures) });
    expect(await screen.findByTestId('setup-summary')).toHaveTextContent('4.10.1 · 3 versions behind · 0 settings');
    await user.click(screen.getByRole('button', { name: 'Setup' }));
    expect(screen.getByLabelText('Setup facts')).toHaveTextContent(
      'Version4.10.1 (latest 4.12.0) — Held back by upgrades.hold = true (set by dana@ops.example)',
    );
    expect(screen.getByText('No provisioning steps in the cache.')).toBeInTheDocument();
  });
});

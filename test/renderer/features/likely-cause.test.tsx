import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { CustomerDiagnosis, WhoElseOutput } from '../../../shared/ipc/diagnosis-views';
import { eventBySummary, standardFixtures, type Fixtures } from '../support/fixtures';
import { createFakeDesk } from '../support/fake-desk';
import { renderApp } from '../support/render';

const SIGNATURE = 'alert:sso-login-failing:0123456789abcdef';

function diagnosedFixtures(): Fixtures {
  const fixtures = standardFixtures();
  const alert = eventBySummary(fixtures, 'SSO login failing for most users');
  alert.signature = SIGNATURE;
  const flag = eventBySummary(fixtures, 'Flag sso.strict_audience turned on');
  const certificate = eventBySummary(fixtures, 'SAML certificate rotated');
  const signal = {
    eventId: alert.id,
    customerId: 'acme',
    kind: 'alert',
    summary: alert.summary,
    feature: 'sso',
    occurredAt: alert.occurredAt,
    signature: SIGNATURE,
  };
  const suspect = (event: typeof flag, score: number, reason: string) => ({
    eventId: event.id,
    kind: event.kind,
    occurredAt: event.occurredAt,
    summary: event.summary,
    feature: event.feature,
    actor: event.actor,
    changeKey: `${event.kind}:x`,
    score,
    parts: { proximity: 20, feature: 25, key: 20, upgrade: 0, fleet: score - 65 },
    gapMs: Date.parse(alert.occurredAt) - Date.parse(event.occurredAt),
    otherCustomers: 2,
    reasons: [reason],
    reason,
  });
  const diagnosis: CustomerDiagnosis = {
    signal,
    suspects: [
      suspect(
        flag,
        80,
        'sso.strict_audience turned on 2 h 15 min before the first alert; on the same feature (sso); the same change preceded the same alert on 2 other customers',
      ),
      suspect(certificate, 70, 'SAML certificate rotated 1 h 30 min before the first alert; on the same feature (sso)'),
    ],
    impact: {
      others: 2,
      affectedCount: 3,
      fleetSize: 3,
      thisVersion: '4.12.0',
      sameVersionOthers: 2,
      headline: '2 other customers on 4.12.0 have the same alert',
    },
  };
  const whoElse: WhoElseOutput = {
    signal,
    windowHours: 72,
    changeWindowHours: 24,
    from: '2026-11-16T12:45:00.000Z',
    to: '2026-11-22T12:45:00.000Z',
    fleetSize: 40,
    affectedCount: 3,
    others: 2,
    thisVersion: '4.12.0',
    sameVersionOthers: 2,
    customers: [
      {
        id: 'globex',
        name: 'Globex',
        version: '4.12.0',
        plan: 'pro',
        region: 'eu-west-1',
        lifecycle: 'live',
        health: 'degraded',
        firstAt: '2026-11-19T13:05:00.000Z',
        events: 3,
      },
    ],
    breakdown: {
      version: [
        { value: '4.12.0', affected: 3, fleet: 9 },
        { value: '4.11.2', affected: 0, fleet: 31 },
      ],
      plan: [{ value: 'enterprise', affected: 2, fleet: 10 }],
      region: [{ value: 'us-east-1', affected: 3, fleet: 12 }],
      lifecycle: [{ value: 'live', affected: 3, fleet: 35 }],
    },
    sharedChanges: [{ changeKey: 'release:4.12.0', label: 'upgrade 4.11.2 → 4.12.0', affected: 3, unaffected: 6 }],
    headline: '2 other customers on 4.12.0 have the same alert',
    lines: [
      '3 customers of 40 (8% of the fleet) had the same alert within 72 h.',
      '3 of 9 on 4.12.0 are affected; 0 of 31 on 4.11.2 are affected.',
    ],
    seen: {
      signature: SIGNATURE,
      label: 'ssologinfailing (alert)',
      from: '2026-11-16T12:45:00.000Z',
      to: '2026-11-22T12:45:00.000Z',
      hits: 7,
      customers: 3,
      firstAt: '2026-10-02T08:00:00.000Z',
      lastAt: '2026-11-19T14:10:00.000Z',
    },
  };
  return { ...fixtures, diagnosis: { acme: diagnosis }, whoElse: { [alert.id]: whoElse } };
}

describe('likely cause on the customer page', () => {
  it('shows the top suspect with its reason and the other customers on the version before any wizard starts', async () => {
    const desk = createFakeDesk(diagnosedFixtures());
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Likely cause' });
    const top = await within(panel).findByTestId('top-suspect');
    expect(top).toHaveTextContent('Top suspect: Flag sso.strict_audience turned on');
    expect(top).toHaveTextContent('the same change preceded the same alert on 2 other customers');
    expect(within(top).getByLabelText(/^Score 80 of 100: time 20, same feature 25/)).toBeInTheDocument();
    expect(within(panel).getByTestId('impact-headline')).toHaveTextContent('2 other customers on 4.12.0 have the same alert');
    expect(desk.inputsTo('diagnosis:customer')).toEqual([{ customerId: 'acme' }]);
    expect(desk.inputsTo('runs:start')).toEqual([]);
  });

  it('focuses the timeline on a suspect when it is clicked, and lists the other suspects on request', async () => {
    const desk = createFakeDesk(diagnosedFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Likely cause' });
    await user.click(await within(panel).findByRole('button', { name: 'Flag sso.strict_audience turned on' }));
    expect(await screen.findByRole('complementary', { name: /Flag sso.strict_audience turned on/ })).toBeInTheDocument();
    await user.click(within(panel).getByText('Other suspects (1)'));
    const others = within(panel).getByRole('list', { name: 'Other suspect changes, most likely first' });
    expect(within(others).getByRole('button', { name: /SAML certificate rotated/ })).toHaveTextContent(
      'SAML certificate rotated 1 h 30 min before the first alert',
    );
  });

  it('opens who else is hit: the words, the counts per version and the other customers, each a link', async () => {
    const desk = createFakeDesk(diagnosedFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Likely cause' });
    await user.click(await within(panel).findByRole('button', { name: 'Who else is hit?' }));
    const section = await within(panel).findByRole('region', { name: 'Who else is hit' });
    expect(
      await within(section).findByText('3 of 9 on 4.12.0 are affected; 0 of 31 on 4.11.2 are affected.'),
    ).toBeInTheDocument();
    const versions = within(section).getByRole('table', { name: 'Version' });
    expect(within(versions).getByRole('row', { name: '4.11.2 0 31' })).toBeInTheDocument();
    const changes = within(section).getByRole('table', { name: /Changes the affected customers had in the 24 h before/ });
    expect(within(changes).getByRole('row', { name: 'upgrade 4.11.2 → 4.12.0 3 of 3 6' })).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Globex' }));
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/customer\/globex/));
  });

  it('says when there is nothing to explain, and what to do when the desk could not answer', async () => {
    const calm = createFakeDesk(standardFixtures());
    const first = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: calm });
    expect(
      await screen.findByText('Nothing to explain: no open alert, incident, ticket or unhealthy feature.'),
    ).toBeInTheDocument();
    first.unmount();

    const failing = createFakeDesk(diagnosedFixtures());
    let isFailing = true;
    failing.override('diagnosis:customer', (input) =>
      isFailing
        ? { ok: false, error: { code: 'unavailable', message: 'The desk is busy.' } }
        : failing.answer('diagnosis:customer', input),
    );
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: failing });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not rank the suspect changes');
    isFailing = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('top-suspect')).toBeInTheDocument();
  });

  it('shows who else is hit in the details of a signal with a signature', async () => {
    const desk = createFakeDesk(diagnosedFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.click(screen.getByRole('option', { name: /SSO login failing for most users/ }));
    const details = await screen.findByRole('complementary', { name: /SSO login failing/ });
    const section = within(details).getByRole('region', { name: 'Who else is hit' });
    expect(await within(section).findByTestId('who-else-headline')).toHaveTextContent(
      '2 other customers on 4.12.0 have the same alert',
    );
    // Its signature's counters, from the cache: in the window, and first and last seen.
    const seen = within(section).getByTestId('signature-seen');
    expect(seen).toHaveTextContent(
      /^ssologinfailing \(alert\): seen 7 times on 3 customers from .+ to .+; first seen .+, last seen .+\.$/,
    );
    expect(within(seen).getByText('ssologinfailing (alert)')).toHaveAttribute('title', SIGNATURE);
    expect(seen.querySelectorAll('time')).toHaveLength(4);
    expect([...seen.querySelectorAll('time')].map((time) => time.getAttribute('datetime'))).toEqual([
      '2026-11-16T12:45:00.000Z',
      '2026-11-22T12:45:00.000Z',
      '2026-10-02T08:00:00.000Z',
      '2026-11-19T14:10:00.000Z',
    ]);
  });
});

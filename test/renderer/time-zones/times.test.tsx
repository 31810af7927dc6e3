import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ok } from '../../../shared/ipc/result';
import { createFakeDesk } from '../support/fake-desk';
import { standardFixtures } from '../support/fixtures';
import { renderApp } from '../support/render';

/**
 * Runs once per time zone (the `dom-tz-*` projects in vitest.config.ts set TZ):
 * every time on screen carries its zone, and UTC is one switch away (issue 14).
 * The deploy in the fixtures happened at 2026-11-18T11:00:00Z.
 */
const EXPECTED: Record<string, { hour: number; row: string; occurred: string; zoneWords: RegExp }> = {
  'America/New_York': {
    hour: 6,
    row: '06:00:00 AM EST',
    occurred: 'Nov 18, 2026, 6:00:00 AM EST',
    zoneWords: /Wednesday, November 18, 2026 at 6:00:00 AM EST \(your time\)/,
  },
  'Asia/Kolkata': {
    hour: 16,
    row: '04:30:00 PM GMT+5:30',
    occurred: 'Nov 18, 2026, 4:30:00 PM GMT+5:30',
    zoneWords: /Wednesday, November 18, 2026 at 4:30:00 PM GMT\+5:30 \(your time\)/,
  },
};
/** The zone this run is in (ICU names India's zone by its old name, Asia/Calcutta). */
const resolved = Intl.DateTimeFormat().resolvedOptions().timeZone;
const zone = resolved === 'Asia/Calcutta' ? 'Asia/Kolkata' : resolved;
const expected = EXPECTED[zone];

function deployRow(): HTMLElement {
  return screen.getByRole('option', { name: /Deployed release 4\.12\.0/ });
}

describe(`times with their zone (TZ=${zone})`, () => {
  it('runs in the zone its project sets', () => {
    expect(expected, `no expectations for TZ=${zone}: run it through the dom-tz-* projects`).toBeDefined();
    expect(new Date('2026-11-18T11:00:00.000Z').getHours()).toBe(expected?.hour);
  });

  it('shows local times with the zone by default; hovering gives the ISO time and both zones; the switch shows UTC', async () => {
    if (!expected) throw new Error(`no expectations for TZ=${zone}`);
    const desk = createFakeDesk(standardFixtures());
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(within(deployRow()).getByText(expected.row)).toBeInTheDocument());
    const rowTime = deployRow().querySelector('time')!;
    expect(rowTime).toHaveAttribute('datetime', '2026-11-18T11:00:00.000Z');
    await user.hover(rowTime);
    expect(rowTime.title).toMatch(/^2026-11-18T11:00:00\.000Z · /);
    expect(rowTime.title).toMatch(expected.zoneWords);
    expect(rowTime.title).toContain('Wednesday, November 18, 2026 at 11:00:00 AM UTC');

    await user.click(deployRow());
    const details = await screen.findByRole('complementary', { name: /Deployed release 4\.12\.0/ });
    // Occurred and Recorded are the same moment here; Occurred comes first.
    const occurred = within(details).getAllByText(expected.occurred)[0]!;
    expect(occurred.tagName).toBe('TIME');
    expect(occurred.title).toMatch(expected.zoneWords);

    const toggle = screen.getByRole('button', { name: 'Times in UTC' });
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(desk.inputsTo('preferences:set')).toEqual([{ timeZone: 'utc' }]);
    await waitFor(() => expect(within(deployRow()).getByText('11:00:00 AM UTC')).toBeInTheDocument());
    const occurredUtc = within(details).getAllByText('Nov 18, 2026, 11:00:00 AM UTC')[0]!;
    // The hover text stays the same: the exact time and both zones.
    expect(occurredUtc.title).toMatch(expected.zoneWords);

    await user.click(toggle);
    await waitFor(() => expect(within(deployRow()).getByText(expected.row)).toBeInTheDocument());
    expect(desk.inputsTo('preferences:set')).toEqual([{ timeZone: 'utc' }, { timeZone: 'local' }]);
  });

  it('starts in UTC when that is the saved preference', async () => {
    const desk = createFakeDesk(standardFixtures());
    desk.override('preferences:get', () => ok({ timeZone: 'utc' as const }));
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(within(deployRow()).getByText('11:00:00 AM UTC')).toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Times in UTC' })).toHaveAttribute('aria-pressed', 'true');
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SignalSeries } from '../../../shared/ipc/diagnosis-views';
import { foldForWidth, toChartData, toTableRows } from '../../../renderer/src/features/diagnosis/chart-data';
import { formatDateTime } from '../../../renderer/src/lib/time';
import { eventBySummary, standardFixtures, type Fixtures } from '../support/fixtures';
import { createFakeDesk } from '../support/fake-desk';
import { renderApp } from '../support/render';

const SIGNATURE = 'alert:sso-login-failing:0123456789abcdef';
const HOUR = 3_600_000;
const FROM = '2026-11-17T12:00:00.000Z';

/** Acme's SSO alert explained, and its series: 72 hourly buckets, a few with events, the two suspects as markers. */
function chartedFixtures(): { fixtures: Fixtures; series: SignalSeries } {
  const fixtures = standardFixtures();
  const alert = eventBySummary(fixtures, 'SSO login failing for most users');
  const flag = eventBySummary(fixtures, 'Flag sso.strict_audience turned on');
  const certificate = eventBySummary(fixtures, 'SAML certificate rotated');
  const signal = {
    eventId: alert.id,
    customerId: 'acme',
    kind: 'alert',
    summary: alert.summary,
    feature: 'sso',
    occurredAt: '2026-11-19T12:40:00.000Z',
    signature: SIGNATURE,
  };
  const counts: Record<string, [number, number, number]> = {
    '2026-11-19T12:00:00.000Z': [2, 0, 0],
    '2026-11-19T13:00:00.000Z': [1, 3, 2],
    '2026-11-19T15:00:00.000Z': [0, 1, 1],
  };
  const series: SignalSeries = {
    signal,
    from: FROM,
    to: new Date(Date.parse(FROM) + 72 * HOUR).toISOString(),
    bucketMs: HOUR,
    buckets: Array.from({ length: 72 }, (_, index) => {
      const at = new Date(Date.parse(FROM) + index * HOUR).toISOString();
      const [customer, fleet, fleetCustomers] = counts[at] ?? [0, 0, 0];
      return { at, customer, fleet, fleetCustomers };
    }),
    markers: [
      { eventId: flag.id, occurredAt: flag.occurredAt, kind: flag.kind, summary: flag.summary, rank: 1, score: 80 },
      {
        eventId: certificate.id,
        occurredAt: certificate.occurredAt,
        kind: certificate.kind,
        summary: certificate.summary,
        rank: 2,
        score: 70,
      },
    ],
  };
  return {
    fixtures: {
      ...fixtures,
      diagnosis: { acme: { signal, suspects: [], impact: null } },
      signalSeries: { acme: series },
    },
    series,
  };
}

const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

describe('signal chart under the likely cause', () => {
  it('lists every hour with events or a suspect change, with the counts, the changes as buttons in the hour they fall in', async () => {
    const { fixtures } = chartedFixtures();
    const desk = createFakeDesk(fixtures);
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const panel = await screen.findByRole('region', { name: 'Likely cause' });
    const figure = await within(panel).findByRole('figure', {
      name: /SSO login failing for most users: events per hour, this customer and the other customers/,
    });
    const table = within(figure).getByRole('table', { name: /SSO login failing for most users per hour/ });
    expect(table).toHaveAccessibleName(expect.stringContaining('(67 hours without events left out)'));
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(
      [
        '2026-11-19T10:00:00.000Z',
        '2026-11-19T11:00:00.000Z',
        '2026-11-19T12:00:00.000Z',
        '2026-11-19T13:00:00.000Z',
        '2026-11-19T15:00:00.000Z',
      ].map(formatDateTime),
    );
    expect(rows.map(cells)).toEqual([
      ['0', '0', '0', '1. Flag sso.strict_audience turned on'],
      ['0', '0', '0', '2. SAML certificate rotated'],
      ['2', '0', '0', ''],
      ['1', '3', '2', ''],
      ['0', '1', '1', ''],
    ]);
    expect(desk.inputsTo('diagnosis:signalSeries')).toEqual([{ customerId: 'acme' }]);
    // jsdom has no canvas: the table is the chart, shown, not visually hidden, and nothing tries to draw.
    expect(table.parentElement).not.toHaveClass('visually-hidden');
    expect(within(figure).queryByTestId('signal-chart-canvas')).toBeNull();
  });

  it('selects the change on the timeline when its marker button is pressed', async () => {
    const { fixtures } = chartedFixtures();
    const desk = createFakeDesk(fixtures);
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    const marker = await screen.findByRole('button', { name: /^Suspect 2: SAML certificate rotated, / });
    await user.click(marker);
    expect(await screen.findByRole('complementary', { name: /SAML certificate rotated/ })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /^Suspect 1: Flag sso.strict_audience turned on, / }));
    expect(await screen.findByRole('complementary', { name: /Flag sso.strict_audience turned on/ })).toBeInTheDocument();
  });

  it('draws nothing for a customer with nothing to explain, and says what to do when the desk could not count', async () => {
    const calm = createFakeDesk(standardFixtures());
    const first = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: calm });
    await screen.findByText('Nothing to explain: no open alert, incident, ticket or unhealthy feature.');
    expect(screen.queryByRole('figure')).toBeNull();
    first.unmount();

    const { fixtures } = chartedFixtures();
    const failing = createFakeDesk(fixtures);
    let isFailing = true;
    failing.override('diagnosis:signalSeries', (input) =>
      isFailing
        ? { ok: false, error: { code: 'unavailable', message: 'The desk is busy.' } }
        : failing.answer('diagnosis:signalSeries', input),
    );
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' }, desk: failing });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not count the signal over time');
    isFailing = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByRole('table', { name: /per hour/ })).toBeInTheDocument());
  });
});

describe('signal chart data', () => {
  it('turns buckets into uPlot columns in seconds and places each marker on the same axis', () => {
    const { series } = chartedFixtures();
    const data = toChartData(series);
    expect(data.xs).toHaveLength(72);
    expect(data.xs[0]).toBe(Date.parse(FROM) / 1000);
    expect(data.xs[1]! - data.xs[0]!).toBe(3600);
    const index = (at: string) => (Date.parse(at) - Date.parse(FROM)) / HOUR;
    expect(data.customer[index('2026-11-19T12:00:00.000Z')]).toBe(2);
    expect(data.fleet[index('2026-11-19T13:00:00.000Z')]).toBe(3);
    expect([...data.customer].reduce((sum, value) => sum + value, 0)).toBe(3);
    expect(data.markers.map((marker) => [marker.rank, marker.x])).toEqual([
      [1, Date.parse(series.markers[0]!.occurredAt) / 1000],
      [2, Date.parse(series.markers[1]!.occurredAt) / 1000],
    ]);
    expect(toTableRows(series).map((row) => row.at)).toHaveLength(5);
  });

  it('folds a series longer than the chart is wide to one point per column, keeping every peak and the markers', () => {
    const count = 10_000;
    const xs = new Float64Array(count).map((_, index) => 1_700_000_000 + index * 3600);
    const customer = new Float64Array(count);
    const fleet = new Float64Array(count);
    customer[4321] = 17; // a lone spike inside a run
    fleet[9_999] = 5; // the last bucket
    fleet[0] = 2;
    const markers = [{ x: xs[5000]! } as ReturnType<typeof toChartData>['markers'][number]];
    const data = { xs, customer, fleet, markers, bucketMs: 3_600_000 };
    const folded = foldForWidth(data, 1000);
    expect(folded.xs.length).toBeLessThanOrEqual(1000);
    expect(folded.xs.length).toBeGreaterThan(900);
    expect(folded.xs[0]).toBe(xs[0]);
    // Every run starts at its first bucket's time, in order, and covers the whole span.
    expect([...folded.xs].every((x, index) => index === 0 || x > folded.xs[index - 1]!)).toBe(true);
    expect(folded.xs[folded.xs.length - 1]).toBeLessThanOrEqual(xs[count - 1]!);
    expect(Math.max(...folded.customer)).toBe(17);
    expect([...folded.customer].filter((value) => value > 0)).toEqual([17]);
    expect(folded.fleet[0]).toBe(2);
    expect(folded.fleet[folded.fleet.length - 1]).toBe(5);
    expect(folded.markers).toBe(markers);
    // A series that already fits is drawn as it is.
    expect(foldForWidth(data, 20_000)).toBe(data);
  });
});

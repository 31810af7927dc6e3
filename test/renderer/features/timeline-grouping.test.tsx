import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  appendDayRuns,
  compactRows,
  dayRunsOf,
  groupByDay,
  isLate,
  itemAtOffset,
  mergeRows,
  offsetOfItem,
  prependDayRuns,
  totalSizeOf,
} from '../../../renderer/src/features/timeline/timeline-model';
import { formatDayKey, localDayKey } from '../../../renderer/src/lib/time';
import type { TimelineRow } from '../../../shared/ipc/views';
import { renderApp, timelineList } from '../support/render';

function row(id: string, occurredAt: string, recordedAt = occurredAt): TimelineRow {
  return {
    id,
    customerId: 'acme',
    occurredAt,
    recordedAt,
    kind: 'deploy',
    severity: 'info',
    summary: id,
    feature: null,
    sourceSystem: 'deployer',
    actor: null,
    noteCount: 0,
  };
}

/** The list as a reader sees it: day headers and event summaries, top to bottom. */
function visibleSequence(): string[] {
  const space = timelineList().querySelector('.virtual-space')!;
  return [...space.children].map((element) =>
    element.classList.contains('day-header')
      ? `# ${element.textContent}`
      : (element.querySelector('.row-summary')?.textContent ?? '?'),
  );
}

const day = (iso: string) => `# ${formatDayKey(localDayKey(iso))}`;

describe('grouping the timeline by day', () => {
  it('puts a header before each local day and files late events under the day they occurred', () => {
    const rows = [
      row('c', '2026-11-20T12:00:00.000Z'),
      row('late', '2026-11-19T12:00:00.000Z', '2026-11-20T12:30:00.000Z'),
      row('b', '2026-11-19T11:00:00.000Z'),
      row('a', '2026-11-18T12:00:00.000Z'),
    ];
    const items = groupByDay(rows);
    expect(items.map((item) => (item.type === 'day' ? `day ${item.dayKey}` : item.row.id))).toEqual([
      `day ${localDayKey('2026-11-20T12:00:00.000Z')}`,
      'c',
      `day ${localDayKey('2026-11-19T12:00:00.000Z')}`,
      'late',
      'b',
      `day ${localDayKey('2026-11-18T12:00:00.000Z')}`,
      'a',
    ]);
    expect(isLate(rows[1]!)).toBe(true);
    expect(isLate(rows[2]!)).toBe(false);
  });

  it('continues the last day when a page is appended instead of repeating its header', () => {
    const first = [row('c', '2026-11-20T12:00:00.000Z'), row('b', '2026-11-20T10:00:00.000Z')];
    const added = [row('a', '2026-11-20T08:00:00.000Z'), row('z', '2026-11-19T12:00:00.000Z')];
    const runs = appendDayRuns(dayRunsOf(first), first.length, added);
    expect(runs).toEqual([
      { dayKey: localDayKey('2026-11-20T12:00:00.000Z'), start: 0 },
      { dayKey: localDayKey('2026-11-19T12:00:00.000Z'), start: 3 },
    ]);
    const items = groupByDay([...first, ...added], runs);
    expect(items.map((item) => (item.type === 'day' ? 'day' : item.row.id))).toEqual(['day', 'c', 'b', 'a', 'day', 'z']);
    expect(new Set(items.map((item) => item.key)).size).toBe(items.length);
  });

  it('continues the first day when a page is put above instead of repeating its header', () => {
    const existing = [row('b', '2026-11-19T10:00:00.000Z'), row('a', '2026-11-18T10:00:00.000Z')];
    const added = [row('d', '2026-11-20T10:00:00.000Z'), row('c', '2026-11-19T18:00:00.000Z')];
    const runs = prependDayRuns(dayRunsOf(existing), added);
    expect(runs).toEqual(dayRunsOf([...added, ...existing]));
    expect(runs.map((run) => run.start)).toEqual([0, 1, 3]);
  });

  it('places every line at fixed heights and finds the line under any pixel', () => {
    const rows = [
      row('e', '2026-11-20T12:00:00.000Z'),
      row('d', '2026-11-19T12:00:00.000Z'),
      row('c', '2026-11-19T11:00:00.000Z'),
      row('b', '2026-11-19T10:00:00.000Z'),
      row('a', '2026-11-17T12:00:00.000Z'),
    ];
    const runs = dayRunsOf(rows);
    const sizes = { header: 30, row: 44 };
    const items = groupByDay(rows, runs);
    let offset = 0;
    items.forEach((item, index) => {
      const size = item.type === 'day' ? sizes.header : sizes.row;
      expect(offsetOfItem(runs, index, sizes)).toBe(offset);
      expect(itemAtOffset(rows.length, runs, offset, sizes)).toBe(index);
      expect(itemAtOffset(rows.length, runs, offset + size - 1, sizes)).toBe(index);
      offset += size;
    });
    expect(totalSizeOf(rows.length, runs, sizes)).toBe(offset);
    // Past either end, the nearest line.
    expect(itemAtOffset(rows.length, runs, -50, sizes)).toBe(0);
    expect(itemAtOffset(rows.length, runs, offset + 500, sizes)).toBe(items.length - 1);
  });

  it('keeps every value of the rows it compacts', () => {
    const rows = [
      {
        ...row('a', '2026-11-20T12:00:00.000Z'),
        feature: 'sso',
        actor: 'dana@example.com',
        noteCount: 2,
        severity: 'error' as const,
      },
      row('late', '2026-11-19T12:00:00.000Z', '2026-11-20T12:30:00.000Z'),
    ];
    expect(compactRows(rows)).toEqual(rows);
  });

  it('drops rows repeated at the seam of two pages', () => {
    const merged = mergeRows(
      [row('b', '2026-11-20T10:00:00.000Z')],
      [row('b', '2026-11-20T10:00:00.000Z'), row('a', '2026-11-20T09:00:00.000Z')],
      'tail',
    );
    expect(merged.map((item) => item.id)).toEqual(['b', 'a']);
  });

  it('renders newest first under day headers, with the late event where it occurred, and flips with the order toggle', async () => {
    const { user, desk } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    expect(visibleSequence()).toEqual([
      day('2026-11-20T12:00:00Z'),
      'Customer reports users cannot sign in',
      day('2026-11-19T12:00:00Z'),
      'SSO login failing for most users',
      'SSO login errors at 38%',
      'SAML certificate rotated',
      'Flag sso.strict_audience turned on',
      day('2026-11-18T12:00:00Z'),
      'Nightly export volume fell by half',
      'Deployed release 4.12.0',
    ]);
    const late = screen.getByRole('option', { name: /Nightly export volume fell by half/ });
    expect(late).toHaveAccessibleName(/recorded 47 h 30 min later/);
    expect(late).toHaveTextContent('late');

    await user.selectOptions(screen.getByLabelText('Order'), 'Oldest first');
    await waitFor(() => expect(visibleSequence()[1]).toBe('Deployed release 4.12.0'));
    expect(visibleSequence()).toEqual([
      day('2026-11-18T12:00:00Z'),
      'Deployed release 4.12.0',
      'Nightly export volume fell by half',
      day('2026-11-19T12:00:00Z'),
      'Flag sso.strict_audience turned on',
      'SAML certificate rotated',
      'SSO login errors at 38%',
      'SSO login failing for most users',
      day('2026-11-20T12:00:00Z'),
      'Customer reports users cannot sign in',
    ]);
    expect(desk.inputsTo('timeline:page').at(-1)).toMatchObject({ customerId: 'acme', direction: 'asc' });
  });
});

import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { DAY_HEADER_HEIGHT, EVENT_ROW_HEIGHT } from '../../../renderer/src/features/timeline/TimelineList';
import {
  dayRunsOf,
  groupByDay,
  itemAt,
  itemAtOffset,
  itemIndexOfRow,
  offsetOfItem,
} from '../../../renderer/src/features/timeline/timeline-model';
import { formatDayKey } from '../../../renderer/src/lib/time';
import { TIMELINE_HEAD_PAGE, TIMELINE_MORE_PAGE, TIMELINE_PAGE } from '../../../renderer/src/features/timeline/timeline-slice';
import { createFakeDesk } from '../support/fake-desk';
import { makeEvent, standardFixtures } from '../support/fixtures';
import { renderApp, rowSummaries, timelineList } from '../support/render';

/** A customer with `count` events, one a minute. */
function busyDesk(count: number) {
  const fixtures = standardFixtures();
  const start = Date.parse('2026-11-01T00:00:00.000Z');
  fixtures.events = Array.from({ length: count }, (_, index) =>
    makeEvent({
      customerId: 'acme',
      occurredAt: new Date(start + index * 60_000).toISOString(),
      kind: 'deploy',
      summary: `event ${index}`,
    }),
  );
  return createFakeDesk(fixtures);
}

describe('timeline paging', () => {
  it('loads further pages with the cursor and the same query, until the end', async () => {
    const count = TIMELINE_PAGE + 2 * TIMELINE_MORE_PAGE + 100;
    const desk = busyDesk(count);
    const store = useStore.getState();
    await store.openTimeline(desk.api, 'acme');
    let timeline = useStore.getState().timeline;
    expect(timeline.rows).toHaveLength(TIMELINE_PAGE);
    expect(timeline.total).toBe(count);
    expect(timeline.rows[0]?.summary).toBe(`event ${count - 1}`);

    for (let page = 0; page < 3; page += 1) await useStore.getState().loadMoreTimeline(desk.api, 'tail');
    timeline = useStore.getState().timeline;
    expect(timeline.rows).toHaveLength(count);
    expect(timeline.tailCursor).toBeNull();
    expect(new Set(timeline.rows.map((row) => row.id)).size).toBe(count);
    expect(timeline.rows.at(-1)?.summary).toBe('event 0');
    // Every event has its line, under headers that never repeat, though the days were grouped page by page.
    const items = groupByDay(timeline.rows, timeline.days);
    expect(items.filter((item) => item.type === 'event').map((item) => item.key)).toEqual(timeline.rows.map((row) => row.id));
    const days = items.filter((item) => item.type === 'day').map((item) => item.dayKey);
    expect(new Set(days).size).toBe(days.length);
    expect(timeline.days).toEqual(dayRunsOf(timeline.rows));

    // The first page is small so a customer opens fast; further pages are large so a long scroll makes few calls.
    const inputs = desk.inputsTo('timeline:page') as Record<string, unknown>[];
    const query = { customerId: 'acme', direction: 'desc' };
    expect(inputs.map(({ cursor: _cursor, ...rest }) => rest)).toEqual([
      { ...query, limit: TIMELINE_PAGE },
      ...Array(3).fill({ ...query, limit: TIMELINE_MORE_PAGE }),
    ]);
    expect(inputs[0]?.cursor).toBeUndefined();
    expect(typeof inputs[1]?.cursor).toBe('string');

    // Nothing more to load: no further call.
    await useStore.getState().loadMoreTimeline(desk.api, 'tail');
    expect(desk.inputsTo('timeline:page')).toHaveLength(4);
  });

  it('after a jump, loads the newer side upwards and keeps the rows in order', async () => {
    const desk = busyDesk(1000);
    const at = new Date(Date.parse('2026-11-01T00:00:00.000Z') + 500 * 60_000).toISOString();
    await useStore.getState().openTimeline(desk.api, 'acme', { at });
    let timeline = useStore.getState().timeline;
    // Both pages include the event exactly at the moment; it is shown once.
    expect(timeline.rows).toHaveLength(TIMELINE_HEAD_PAGE + TIMELINE_PAGE - 1);
    expect(timeline.activeId).toBe(timeline.rows.find((row) => row.summary === 'event 500')?.id);
    expect(timeline.rows.filter((row) => row.summary === 'event 500')).toHaveLength(1);

    while (useStore.getState().timeline.headCursor !== null) await useStore.getState().loadMoreTimeline(desk.api, 'head');
    timeline = useStore.getState().timeline;
    expect(timeline.rows[0]?.summary).toBe('event 999');
    const times = timeline.rows.map((row) => row.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(desk.inputsTo('timeline:page').slice(2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ direction: 'asc', startAt: at, limit: TIMELINE_MORE_PAGE, cursor: expect.any(String) }),
      ]),
    );
  });

  it('drops the answer to a query that was replaced meanwhile', async () => {
    const desk = busyDesk(50);
    let release: (() => void) | null = null;
    desk.override('timeline:page', async (input) => {
      const answer = await desk.answer('timeline:page', input);
      if ((input as { direction?: string }).direction === 'desc') await new Promise<void>((resolve) => (release = resolve));
      return answer;
    });
    const first = useStore.getState().openTimeline(desk.api, 'acme');
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = useStore.getState().setTimelineOrder(desk.api, 'asc');
    await second;
    expect(useStore.getState().timeline.rows[0]?.summary).toBe('event 0');
    release!();
    await first;
    expect(useStore.getState().timeline.rows[0]?.summary).toBe('event 0');
  });
});

describe('opening a customer', () => {
  it('asks for the first timeline page before the page’s other calls, and only once', async () => {
    const { desk } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    const channels = desk.calls.map((call) => call.channel);
    const first = channels.indexOf('timeline:page');
    for (const other of ['customers:get', 'wizards:list', 'runs:list'] as const) {
      if (channels.includes(other)) expect(first).toBeLessThan(channels.indexOf(other));
    }
    expect(channels.indexOf('customers:get')).toBeGreaterThan(-1);
    expect(desk.inputsTo('timeline:page')).toEqual([{ customerId: 'acme', direction: 'desc', limit: TIMELINE_PAGE }]);
  });

  it('forgets the loaded rows when the customer page closes, keeping its filters and order', async () => {
    const { user } = renderApp({ route: { view: 'customer', customerId: 'acme' } });
    await waitFor(() => expect(screen.getAllByTestId('timeline-row')).toHaveLength(7));
    await user.selectOptions(screen.getByLabelText('Order'), 'Oldest first');
    await waitFor(() => expect(useStore.getState().timeline.order).toBe('asc'));
    act(() => useStore.getState().setRoute({ view: 'fleet' }));
    await screen.findAllByTestId('fleet-row');
    const timeline = useStore.getState().timeline;
    expect(timeline.rows).toEqual([]);
    expect(timeline.days).toEqual([]);
    expect(timeline).toMatchObject({ customerId: 'acme', order: 'asc' });
  });
});

describe('scrolling the timeline', () => {
  it('renders only the lines in view, pins the day of the top line, and asks for the next page before the end', async () => {
    const desk = busyDesk(3000);
    renderApp({ route: { view: 'customer', customerId: 'acme' }, desk });
    await waitFor(() => expect(rowSummaries()[0]).toBe('event 2999'));
    const list = timelineList();
    // jsdom has no layout: the list assumes the window's height (768 px), about 17 rows of 44 px.
    expect(rowSummaries().length).toBeLessThan(30);
    expect(desk.inputsTo('timeline:page')).toHaveLength(1);

    const { rows, days } = useStore.getState().timeline;
    const sizes = { header: DAY_HEADER_HEIGHT, row: EVENT_ROW_HEIGHT };
    const offset = offsetOfItem(days, itemIndexOfRow(days, 250), sizes);
    list.scrollTop = offset;
    fireEvent.scroll(list);
    await waitFor(() => expect(rowSummaries()).toContain(rows[250]!.summary));
    expect(rowSummaries()).not.toContain('event 2999');
    // The header pinned on top is the day of the row at the top of the view.
    const top = itemAt(rows, days, itemAtOffset(rows.length, days, offset, sizes));
    expect(list.querySelector('.day-header.is-sticky')).toHaveTextContent(formatDayKey(top!.dayKey));

    // Near the end of the loaded rows, the next page is asked for with the cursor, before the reader gets there.
    list.scrollTop = offsetOfItem(days, itemIndexOfRow(days, TIMELINE_PAGE - 100), sizes);
    fireEvent.scroll(list);
    await waitFor(() => expect(desk.inputsTo('timeline:page')).toHaveLength(2));
    expect(desk.inputsTo('timeline:page')[1]).toMatchObject({ cursor: expect.any(String), limit: TIMELINE_MORE_PAGE });
    await waitFor(() => expect(useStore.getState().timeline.rows).toHaveLength(TIMELINE_PAGE + TIMELINE_MORE_PAGE));
    // The list reads the scroll position once per animation frame, so the rows follow on the next frame.
    await waitFor(() => expect(rowSummaries()).toContain(rows[TIMELINE_PAGE - 100]!.summary));
  });
});

import { describe, expect, it } from 'vitest';
import { useStore } from '../../../renderer/src/store/store';
import { TIMELINE_HEAD_PAGE, TIMELINE_PAGE } from '../../../renderer/src/features/timeline/timeline-slice';
import { createFakeDesk } from '../support/fake-desk';
import { makeEvent, standardFixtures } from '../support/fixtures';

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
    const desk = busyDesk(1000);
    const store = useStore.getState();
    await store.openTimeline(desk.api, 'acme');
    let timeline = useStore.getState().timeline;
    expect(timeline.rows).toHaveLength(TIMELINE_PAGE);
    expect(timeline.total).toBe(1000);
    expect(timeline.rows[0]?.summary).toBe('event 999');

    await useStore.getState().loadMoreTimeline(desk.api, 'tail');
    await useStore.getState().loadMoreTimeline(desk.api, 'tail');
    timeline = useStore.getState().timeline;
    expect(timeline.rows).toHaveLength(1000);
    expect(timeline.tailCursor).toBeNull();
    expect(new Set(timeline.rows.map((row) => row.id)).size).toBe(1000);
    expect(timeline.rows.at(-1)?.summary).toBe('event 0');
    // Every event has its item, under headers that never repeat.
    expect(timeline.items.filter((item) => item.type === 'event')).toHaveLength(1000);
    const days = timeline.items.filter((item) => item.type === 'day').map((item) => item.dayKey);
    expect(new Set(days).size).toBe(days.length);

    const inputs = desk.inputsTo('timeline:page') as Record<string, unknown>[];
    expect(inputs.map(({ cursor: _cursor, ...rest }) => rest)).toEqual(
      Array(3).fill({ customerId: 'acme', direction: 'desc', limit: TIMELINE_PAGE }),
    );
    expect(inputs[0]?.cursor).toBeUndefined();
    expect(typeof inputs[1]?.cursor).toBe('string');

    // Nothing more to load: no further call.
    await useStore.getState().loadMoreTimeline(desk.api, 'tail');
    expect(desk.inputsTo('timeline:page')).toHaveLength(3);
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
        expect.objectContaining({ direction: 'asc', startAt: at, limit: TIMELINE_HEAD_PAGE, cursor: expect.any(String) }),
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

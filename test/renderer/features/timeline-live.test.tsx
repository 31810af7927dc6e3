import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createFakeDesk } from '../support/fake-desk';
import { makeEvent, standardFixtures } from '../support/fixtures';
import { renderApp, timelineList } from '../support/render';

/** A customer with 40 events, one a minute: more than one screen of rows. */
function liveDesk() {
  const fixtures = standardFixtures();
  const start = Date.parse('2026-11-20T08:00:00.000Z');
  fixtures.events = Array.from({ length: 40 }, (_, index) =>
    makeEvent({
      customerId: 'acme',
      occurredAt: new Date(start + index * 60_000).toISOString(),
      kind: 'deploy',
      summary: `event ${index}`,
    }),
  );
  return createFakeDesk(fixtures);
}

function activeSummary(): string | null {
  const id = timelineList().getAttribute('aria-activedescendant');
  return id ? (document.getElementById(id)?.querySelector('.row-summary')?.textContent ?? null) : null;
}

/** A live event arrives in the cache and the core says so, as a sync does. */
function arrive(desk: ReturnType<typeof liveDesk>, summaries: string[]) {
  summaries.forEach((summary, index) =>
    desk.fixtures.events.push(
      makeEvent({
        customerId: 'acme',
        occurredAt: new Date(Date.parse('2026-11-20T09:00:00.000Z') + index * 1000).toISOString(),
        kind: 'alert',
        severity: 'error',
        summary,
      }),
    ),
  );
  act(() => desk.emit('cache:changed', { customerIds: ['acme'], global: false }));
}

describe('new live events on the timeline (issue 15, item 3)', () => {
  it(
    'shows a "N new events" button when events arrive above the rows in view, and it scrolls to them',
    { timeout: 20_000 },
    async () => {
      const desk = liveDesk();
      const { user } = renderApp({ desk, route: { view: 'customer', customerId: 'acme' } });
      await screen.findByText('40 events');
      expect(screen.queryByRole('button', { name: /new event/ })).not.toBeInTheDocument();

      arrive(desk, ['SSO login failing again']);
      await screen.findByText('41 events');
      await screen.findByRole('button', { name: '1 new event' });

      arrive(desk, ['SSO login failing for everyone', 'Customer calls about SSO']);
      await screen.findByText('43 events');
      expect(await screen.findByRole('button', { name: '3 new events' })).toBeInTheDocument();
      expect(screen.queryByRole('button', { name: '1 new event' })).not.toBeInTheDocument();

      await user.click(screen.getByRole('button', { name: '3 new events' }));
      // The newest event is the keyboard position, at the top of the list, and the button is gone.
      expect(activeSummary()).toBe('Customer calls about SSO');
      expect(timelineList()).toHaveFocus();
      expect(screen.queryByRole('button', { name: /new event/ })).not.toBeInTheDocument();
    },
  );

  it('forgets the new events once the reader scrolls up to them', async () => {
    const desk = liveDesk();
    renderApp({ desk, route: { view: 'customer', customerId: 'acme' } });
    await screen.findByText('40 events');
    arrive(desk, ['SSO login failing again']);
    await screen.findByRole('button', { name: '1 new event' });
    const list = timelineList();
    list.scrollTop = 0;
    // No scroll listener reads layout: the position is read on the next animation frame, not during the event.
    let layoutReads = 0;
    let isDispatching = false;
    for (const name of ['scrollTop', 'clientHeight', 'scrollHeight'] as const) {
      const descriptor = Object.getOwnPropertyDescriptor(Element.prototype, name)!;
      Object.defineProperty(list, name, {
        configurable: true,
        get() {
          if (isDispatching) layoutReads += 1;
          return descriptor.get!.call(list) as number;
        },
        set(value: number) {
          descriptor.set?.call(list, value);
        },
      });
    }
    act(() => {
      isDispatching = true;
      list.dispatchEvent(new Event('scroll'));
      isDispatching = false;
    });
    expect(layoutReads).toBe(0);
    await waitFor(() => expect(screen.queryByRole('button', { name: /new event/ })).not.toBeInTheDocument());
  });
});

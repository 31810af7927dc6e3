import type { DeskApi } from '../../../../shared/ipc/contract';
import { navigate } from '../../app/useHashRoute';
import { useStore } from '../../store/store';
import type { EventFocus } from './timeline-slice';

/** Opens one event: on its customer's page, scrolled to it, with its details open. */
export function openEvent(desk: DeskApi, target: EventFocus): void {
  const store = useStore.getState();
  const route = store.route;
  if (route.view === 'customer' && route.customerId === target.customerId && store.timeline.customerId === target.customerId) {
    store.selectEvent(target.eventId);
    void store.revealEvent(desk, { id: target.eventId, occurredAt: target.occurredAt });
    return;
  }
  store.requestEventFocus(target);
  navigate({ view: 'customer', customerId: target.customerId, at: target.occurredAt });
}

import type { EventName } from '../../shared/ipc/channels';
import type { EventPayload } from '../../shared/ipc/contract';

/** The core's outgoing events; each transport forwards them to its renderer. */
export type EventHub = {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  on(listener: (event: EventName, payload: unknown) => void): () => void;
};

/** Creates an in-process event hub. A failing listener never stops the others. */
export function createEventHub(): EventHub {
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  return {
    emit(event, payload) {
      for (const listener of listeners) {
        try {
          listener(event, payload);
        } catch {
          // A broken subscriber (e.g. a closed window) must not break the core.
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

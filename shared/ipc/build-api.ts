import { CHANNELS, EVENTS, eventKey, splitChannel, type Channel, type EventName } from './channels';
import type { DeskApi } from './contract';
import type { Result } from './result';

/** A way to reach the desk core: Electron IPC or HTTP. */
export type Transport = {
  call(channel: Channel, input: unknown): Promise<Result<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
};

/**
 * Builds the named-function API from the contract's channel list, so no caller
 * ever passes a channel string. Used by the preload bridge and the HTTP client.
 */
export function buildDeskApi(transport: Transport): DeskApi {
  const events: Record<string, unknown> = {};
  const api: Record<string, Record<string, unknown>> = { events };
  for (const channel of CHANNELS) {
    const { domain, verb } = splitChannel(channel);
    api[domain] ??= {};
    api[domain][verb] = (input?: unknown) => transport.call(channel, input);
  }
  for (const event of EVENTS) {
    events[eventKey(event)] = (listener: (payload: unknown) => void) => transport.subscribe(event, listener);
  }
  return api as unknown as DeskApi;
}

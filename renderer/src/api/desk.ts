import { buildDeskApi, type Transport } from '../../../shared/ipc/build-api';
import type { DeskApi } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/ipc/result';

declare global {
  interface Window {
    /** Present only in the desktop app, exposed by the preload bridge. */
    lightkeeper?: DeskApi;
  }
}

/** Browser mode: the same contract over HTTP and a server-sent event stream on loopback. */
export function httpTransport(base = ''): Transport {
  let source: EventSource | null = null;
  const openSource = () => {
    source ??= new EventSource(`${base}/api/events`);
    return source;
  };
  return {
    async call(channel, input): Promise<Result<unknown>> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/call/${encodeURIComponent(channel)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ input }),
        });
      } catch {
        return {
          ok: false,
          error: { code: 'unavailable', message: 'The Lightkeeper host is not reachable. Is browser mode still running?' },
        };
      }
      if (response.status === 401 || response.status === 403) {
        return {
          ok: false,
          error: {
            code: 'forbidden',
            message: 'This browser session is not authorised. Open the URL printed when Lightkeeper started.',
          },
        };
      }
      try {
        return (await response.json()) as Result<unknown>;
      } catch {
        return { ok: false, error: { code: 'internal', message: `The host answered ${response.status} without a valid body.` } };
      }
    },
    subscribe(event, listener) {
      const handler = (message: MessageEvent<string>) => {
        try {
          listener(JSON.parse(message.data));
        } catch {
          // A malformed frame is dropped; the next status call corrects the view.
        }
      };
      const eventSource = openSource();
      eventSource.addEventListener(event, handler);
      return () => eventSource.removeEventListener(event, handler);
    },
  };
}

/** The one place that picks the transport: the preload bridge when present, HTTP otherwise. */
export function createDeskApi(): DeskApi {
  return window.lightkeeper ?? buildDeskApi(httpTransport());
}

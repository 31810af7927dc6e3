import { PokeSchema, StreamClosedSchema } from '../../../shared/sync/wire';

export type Poke = { type: 'poke'; buckets: string[] };

export type StreamReader = {
  status: number;
  /** Comment lines seen so far (`: connected`, `: heartbeat`). */
  comments: string[];
  /** Every poke received so far, in order. */
  pokes: Poke[];
  /** Resolves with the first poke (already received or coming) that satisfies `match`. */
  waitForPoke(match: (poke: Poke) => boolean): Promise<Poke>;
  /** Settles when the server ends the stream, with the reason of its last `{"type":"closed"}` line (null without one). */
  ended: Promise<string | null>;
  close(): void;
};

/** Opens GET /v1/stream and parses server-sent events as they arrive. */
export async function openStream(url: string, bearer: string | null): Promise<StreamReader> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/stream`, {
    headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
    signal: controller.signal,
  });
  const comments: string[] = [];
  const pokes: Poke[] = [];
  const waiters: { match: (poke: Poke) => boolean; resolve: (poke: Poke) => void }[] = [];
  let closedReason: string | null = null;
  let markEnded: (reason: string | null) => void = () => {};
  const ended = new Promise<string | null>((resolve) => (markEnded = resolve));
  const reader: StreamReader = {
    status: response.status,
    comments,
    pokes,
    waitForPoke(match) {
      const seen = pokes.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    ended,
    close: () => controller.abort(),
  };
  if (!response.ok || !response.body) return reader;

  let connected = () => {};
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line.slice(1).trim());
              if (line.includes('connected')) connected();
            } else if (line.startsWith('data:')) {
              const data: unknown = JSON.parse(line.slice(5));
              const closed = StreamClosedSchema.safeParse(data);
              if (closed.success) {
                closedReason = closed.data.reason;
                continue;
              }
              const poke = PokeSchema.parse(data);
              pokes.push(poke);
              for (const waiter of [...waiters]) {
                if (waiter.match(poke)) {
                  waiters.splice(waiters.indexOf(waiter), 1);
                  waiter.resolve(poke);
                }
              }
            }
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
    markEnded(closedReason);
  })();
  await isConnected;
  return reader;
}

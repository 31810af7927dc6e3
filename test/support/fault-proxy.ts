import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Faults the proxy can inject into one matching request. */
export type Fault =
  | 'drop-before-headers'
  | 'hang'
  | 'truncated-body'
  | 'cut-connection-mid-body'
  | 'status-500'
  | 'status-503-retry-after'
  | 'status-429'
  | 'malformed-json'
  | 'schema-invalid'
  | 'lose-response'
  /** Forwarded after a pause (up to the schedule's `maxDelayMs`, default 300 ms). */
  | 'delay'
  /** Forwarded twice (a retrying middlebox); the client gets the second answer. */
  | 'duplicate-request';

/** Faults a random schedule draws from: everything but `hang`, which only a scripted test should arm. */
export const SCHEDULE_FAULTS: readonly Fault[] = [
  'drop-before-headers',
  'truncated-body',
  'cut-connection-mid-body',
  'status-500',
  'status-503-retry-after',
  'status-429',
  'malformed-json',
  'schema-invalid',
  'lose-response',
  'delay',
  'duplicate-request',
];

/** A seeded random schedule: each sync request meets a fault with probability `rate`. */
export type FaultSchedule = { random: () => number; rate: number; faults?: readonly Fault[]; maxDelayMs?: number };

type Pending = { fault: Fault; path: string; remaining: number };

/**
 * A scripted HTTP proxy in front of the real server: requests pass through
 * unchanged unless a fault was armed for their path, in which case that request
 * fails in the chosen way. `lose-response` forwards the request (the server does
 * the work) and then drops the answer.
 */
export async function startFaultProxy(target: string) {
  const targetUrl = new URL(target);
  const armed: Pending[] = [];
  const hanging = new Set<http.ServerResponse>();
  const seen: { path: string; fault: Fault | null; at: number; body: string }[] = [];
  let schedule: FaultSchedule | null = null;
  const drawn = (path: string): Fault | null => {
    if (!schedule || !/\/v1\/sync\/(push|pull)$/.test(path) || schedule.random() >= schedule.rate) return null;
    const faults = schedule.faults ?? SCHEDULE_FAULTS;
    return faults[Math.floor(schedule.random() * faults.length)] ?? null;
  };

  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const upstream = http.request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: targetUrl.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/v1/stream') {
      // Streams pass straight through (piped), so pokes keep flowing.
      const upstream = http.request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: targetUrl.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.on('close', () => upstream.destroy());
      upstream.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const index = armed.findIndex((entry) => path.endsWith(entry.path));
      const pending = index === -1 ? null : armed[index]!;
      if (pending) {
        pending.remaining -= 1;
        if (pending.remaining <= 0) armed.splice(index, 1);
      }
      const fault = pending?.fault ?? drawn(path);
      const delayMs = fault === 'delay' ? Math.floor((schedule?.random() ?? 0.5) * (schedule?.maxDelayMs ?? 300)) : 0;
      seen.push({ path, fault, at: Date.now(), body: body.toString('utf8') });
      void (async () => {
        switch (fault) {
          case 'drop-before-headers':
            req.socket.destroy();
            return;
          case 'hang':
            hanging.add(res);
            return;
          case 'status-500':
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal","message":"boom"}');
            return;
          case 'status-503-retry-after':
            res
              .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
              .end('{"error":"unavailable","message":"maintenance"}');
            return;
          case 'status-429':
            res
              .writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
              .end('{"error":"rate_limited","message":"slow down"}');
            return;
          default:
            break;
        }
        let answer;
        try {
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (fault === 'duplicate-request') await forward(req, body);
          answer = await forward(req, body);
        } catch {
          res.destroy();
          return;
        }
        const headers = { ...answer.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        delete headers.connection;
        switch (fault) {
          case 'lose-response':
            req.socket.destroy();
            return;
          case 'truncated-body':
            // A cleanly ended, chunked response that stops halfway: valid HTTP, broken JSON.
            res.writeHead(answer.status, headers);
            res.end(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
            return;
          case 'cut-connection-mid-body':
            res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
            res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
            setTimeout(() => req.socket.destroy(), 10);
            return;
          case 'malformed-json':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"buckets": [ {"bucket": oops');
            return;
          case 'schema-invalid':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"buckets":"nope","lastSeq":"x"}');
            return;
          default:
            res.writeHead(answer.status, headers);
            res.end(answer.body);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    /** Arms `fault` for the next `count` requests whose path ends with `path`. */
    inject(fault: Fault, path: '/v1/sync/push' | '/v1/sync/pull', count = 1): void {
      armed.push({ fault, path, remaining: count });
    },
    isArmed: () => armed.length > 0,
    /** Faults drawn at random for every sync request from now on; null stops them. */
    setSchedule(next: FaultSchedule | null): void {
      schedule = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

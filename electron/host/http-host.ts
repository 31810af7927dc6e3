import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Desk } from '../core/desk';
import type { Logger } from '../../shared/log';
import { CONTENT_SECURITY_POLICY } from '../core/csp';
import { resolveStaticFile } from '../core/static-files';
import { jsonTextTooDeep } from '../../shared/boundary';
import type { ErrorCode } from '../../shared/ipc/result';

/** Options for the browser-mode host. */
export type HostOptions = {
  desk: Desk;
  rendererDir: string;
  log: Logger;
  port?: number;
  /** Fixed for tests; a fresh random token per launch otherwise. */
  token?: string;
};

/** A running browser-mode host. */
export type Host = { url: string; port: number; token: string; close(): Promise<void> };

const MAX_BODY_BYTES = 1024 * 1024;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extraHeaders: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

/** The body as text, or null when it is larger than MAX_BODY_BYTES (the rest is read and dropped, so the client gets its 413). */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > MAX_BODY_BYTES;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function callError(res: http.ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } }, status === 413 ? { connection: 'close' } : {});
}

/**
 * Serves the built renderer and the desk contract on 127.0.0.1 only. Guards, in
 * order: the Host header must name this loopback port (DNS rebinding → 403), a
 * present Origin must be this origin (→ 403), and every request must carry the
 * per-launch token — as the HttpOnly cookie set by the launch URL, or a bearer
 * header (→ 401).
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const rendererRoot = path.resolve(options.rendererDir);
  let port = 0;
  const cookieName = () => `lk_session_${port}`;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const streams = new Set<http.ServerResponse>();

  const unsubscribe = options.desk.events.on((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });

  const serveStatic = (pathname: string, res: http.ServerResponse) => {
    const found = resolveStaticFile(rendererRoot, pathname);
    if (!found.ok) {
      const message =
        found.reason === 'not_built'
          ? 'The renderer is not built. Run `npm run build` (or `npm run start:browser`, which builds first).'
          : found.reason;
      sendJson(res, found.status, { error: message });
      return;
    }
    const { file } = found;
    res.writeHead(200, {
      'content-type': found.contentType,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      sendJson(res, 403, { error: 'forbidden_host', message: 'Requests must address 127.0.0.1 or localhost on this port.' });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) {
      sendJson(res, 403, { error: 'forbidden_origin', message: 'Cross-origin requests are refused.' });
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const queryToken = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && queryToken !== null) {
      if (!sameSecret(queryToken, token)) {
        sendJson(res, 401, {
          error: 'unauthorized',
          message: 'This launch link is not valid; use the URL printed by the current launch.',
        });
        return;
      }
      // Trade the launch token for an HttpOnly cookie and drop it from the address bar.
      res.writeHead(302, {
        location: '/',
        'set-cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const cookie = readCookie(req.headers.cookie, cookieName());
    const presented = bearer ?? cookie;
    if (presented === null || !sameSecret(presented, token)) {
      sendJson(res, 401, {
        error: 'unauthorized',
        message: 'Missing or invalid launch token: open the URL printed when browser mode started.',
      });
      return;
    }
    // A browser always sends Origin on a POST; a cookie-carrying write without one did not come from our page.
    if (bearer === null && req.method !== 'GET' && req.method !== 'HEAD' && origin === undefined) {
      sendJson(res, 403, {
        error: 'forbidden_origin',
        message: 'Writes must come from the Lightkeeper page (no Origin header).',
      });
      return;
    }

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'method_not_allowed' });
        return;
      }
      let channel: string;
      try {
        channel = decodeURIComponent(url.pathname.slice('/api/call/'.length));
      } catch {
        callError(res, 400, 'bad_request', 'The call path has a malformed percent-encoding.');
        return;
      }
      const text = await readBody(req);
      if (text === null) {
        callError(res, 413, 'bad_request', 'Request body is larger than 1 MiB.');
        return;
      }
      if (jsonTextTooDeep(text)) {
        callError(res, 400, 'bad_request', 'Request body nests objects or arrays too deeply.');
        return;
      }
      let input: unknown;
      try {
        input = text === '' ? undefined : (JSON.parse(text) as { input?: unknown }).input;
      } catch {
        callError(res, 400, 'bad_request', 'Request body is not valid JSON.');
        return;
      }
      sendJson(res, 200, await options.desk.dispatch(channel, input));
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed' });
      return;
    }
    serveStatic(url.pathname, res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error('browser host request failed', { error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
      else res.end();
    });
  });
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        unsubscribe();
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

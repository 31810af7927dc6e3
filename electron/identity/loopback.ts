import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the browser tab shows after the identity provider sent the person back. */
function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`;
}

/** A one-shot loopback redirect listener (RFC 8252 section 7.3). */
export type LoopbackRedirect = {
  redirectUri: string;
  /** The full callback URL the provider redirected the browser to. */
  callback: Promise<URL>;
  close(): void;
};

/**
 * Listens on 127.0.0.1 (a random free port, never a name that could resolve
 * elsewhere) for the one redirect that carries the authorization code. Only
 * `GET /callback` with the expected `state` is accepted; anything else gets 404
 * and the listener keeps waiting.
 */
export async function listenForRedirect(options: { state: string; timeoutMs: number }): Promise<LoopbackRedirect> {
  let settle: { resolve(url: URL): void; reject(error: Error): void } = { resolve() {}, reject() {} };
  const callback = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || url.pathname !== '/callback' || url.searchParams.get('state') !== options.state) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the Lightkeeper sign-in.');
      return;
    }
    const error = url.searchParams.get('error');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      error
        ? page('Sign-in did not finish', 'The identity provider refused the sign-in. Go back to Lightkeeper to try again.')
        : page('Signed in to Lightkeeper', 'You can close this tab and go back to Lightkeeper.'),
    );
    settle.resolve(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const timer = setTimeout(
    () => settle.reject(new Error(`No sign-in came back within ${Math.round(options.timeoutMs / 60_000)} min. Try again.`)),
    options.timeoutMs,
  );
  const close = () => {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  void callback.then(close, close);
  return { redirectUri, callback, close };
}

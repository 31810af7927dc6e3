import fs from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../core/csp';
import { resolveStaticFile } from '../core/static-files';

/**
 * The renderer is served from the app's own privileged scheme, `app://lightkeeper`,
 * not from `file://`: the sender check and navigation then trust exactly one origin,
 * and no file on disk (a downloaded `evil.html`) passes for the app.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'lightkeeper';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** What `protocol.registerSchemesAsPrivileged` gets, before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  // standard: real origins and relative URLs; secure: a secure context like https. No CORS, no service workers.
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, allowServiceWorkers: false },
} as const;

/** The origin of a URL as `scheme://host` (Node's URL says "null" for non-special schemes such as app:). */
export function originOf(raw: string): string | null {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return null;
  }
}

/** The `protocol.handle('app', …)` handler: files of the built renderer only, with the CSP. */
export function createAppProtocolHandler(rendererRoot: string) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('not found', { status: 404 });
    }
    const found = resolveStaticFile(rendererRoot, url.pathname);
    if (!found.ok) return new Response(found.reason, { status: found.status });
    const body = await fs.readFile(found.file);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        'content-type': found.contentType,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
    });
  };
}

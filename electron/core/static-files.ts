import fs from 'node:fs';
import path from 'node:path';

/** Content types of the files the built renderer consists of. */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** The file of the built renderer a request path names, or why there is none. */
export type StaticFile =
  | { ok: true; file: string; contentType: string }
  | { ok: false; status: 400 | 404; reason: 'bad_path' | 'not_found' | 'not_built' };

/**
 * Resolves a URL path inside the renderer directory, never outside it (an encoded
 * `..` included). The renderer routes by hash, so a path without an extension gets
 * the app shell (index.html). Used by browser mode's host and the desktop's app:// scheme.
 */
export function resolveStaticFile(rendererRoot: string, pathname: string): StaticFile {
  const root = path.resolve(rendererRoot);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400, reason: 'bad_path' };
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, reason: 'bad_path' };
  const candidate = path.resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  const inside = candidate === root || candidate.startsWith(root + path.sep);
  if (!inside) return { ok: false, status: 404, reason: 'not_found' };
  let file = fs.existsSync(candidate) && fs.statSync(candidate).isFile() ? candidate : null;
  if (!file && !path.extname(decoded)) file = path.join(root, 'index.html');
  if (!file || !fs.existsSync(file)) {
    return { ok: false, status: 404, reason: fs.existsSync(path.join(root, 'index.html')) ? 'not_found' : 'not_built' };
  }
  return { ok: true, file, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
}

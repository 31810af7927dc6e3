/**
 * In-app routes, shared by the deep-link handler (`lightkeeper://…`), the
 * renderer's hash router and the browser-mode URL, so a link means the same
 * thing everywhere.
 */
export type AppRoute =
  | { view: 'fleet' }
  | { view: 'customers' }
  | { view: 'customer'; customerId: string; at?: string }
  | { view: 'wizards' }
  | { view: 'run'; runId: string }
  | { view: 'sync' }
  | { view: 'followups' }
  | { view: 'releases' }
  | { view: 'problems'; problemId?: string }
  | { view: 'insights' }
  | { view: 'approvals' }
  | { view: 'sources' }
  | { view: 'about' };

/** The custom URL scheme registered with the operating system. */
export const DEEP_LINK_SCHEME = 'lightkeeper';

/** Customer ids: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 128 characters. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Wizard run ids: a letter or digit, then letters, digits, `_` or `-`; at most
 * 100 characters (the contract's limit). The desk makes ULIDs; no dots or
 * separators, so an id can never walk out of its path segment.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

const SIMPLE_VIEWS = new Set([
  'fleet',
  'customers',
  'wizards',
  'sync',
  'followups',
  'releases',
  'insights',
  'approvals',
  'sources',
  'about',
]);

/** Known problem ids: made by desks (ULIDs) or the server; letters, digits, `_` and `-`, at most 64. */
export const PROBLEM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether `value` is a well-formed, real ISO-8601 timestamp with an offset. */
export function isIsoTime(value: string): boolean {
  return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Why a link was refused, for the message shown to the user. */
export type RouteParse = { ok: true; route: AppRoute } | { ok: false; reason: string };

function parsePathAndQuery(segments: string[], query: URLSearchParams): RouteParse {
  const [head, ...rest] = segments;
  if (head === undefined || head === '') return { ok: true, route: { view: 'fleet' } };
  if (SIMPLE_VIEWS.has(head)) {
    if (rest.length > 0) return { ok: false, reason: `"${head}" takes no further path` };
    return { ok: true, route: { view: head } as AppRoute };
  }
  if (head === 'customer') {
    if (rest.length !== 1) return { ok: false, reason: 'a customer link is customer/<id>' };
    let id: string;
    try {
      id = decodeURIComponent(rest[0] ?? '');
    } catch {
      return { ok: false, reason: 'the customer id is not valid percent-encoding' };
    }
    if (!CUSTOMER_ID_PATTERN.test(id) || id.includes('..')) {
      return { ok: false, reason: `"${id}" is not a valid customer id` };
    }
    const at = query.get('at');
    if (at !== null && !isIsoTime(at)) return { ok: false, reason: `"at" must be an ISO time, got "${at}"` };
    return { ok: true, route: at === null ? { view: 'customer', customerId: id } : { view: 'customer', customerId: id, at } };
  }
  if (head === 'problems') {
    if (rest.length > 1) return { ok: false, reason: 'a problem link is problems/<id>' };
    if (rest.length === 0) return { ok: true, route: { view: 'problems' } };
    let id: string;
    try {
      id = decodeURIComponent(rest[0] ?? '');
    } catch {
      return { ok: false, reason: 'the problem id is not valid percent-encoding' };
    }
    if (!PROBLEM_ID_PATTERN.test(id)) return { ok: false, reason: `"${id}" is not a valid problem id` };
    return { ok: true, route: { view: 'problems', problemId: id } };
  }
  if (head === 'run') {
    if (rest.length !== 1) return { ok: false, reason: 'a run link is run/<id>' };
    let id: string;
    try {
      id = decodeURIComponent(rest[0] ?? '');
    } catch {
      return { ok: false, reason: 'the run id is not valid percent-encoding' };
    }
    if (!RUN_ID_PATTERN.test(id)) return { ok: false, reason: `"${id}" is not a valid run id` };
    if ([...query.keys()].length > 0) return { ok: false, reason: 'a run link takes no query' };
    return { ok: true, route: { view: 'run', runId: id } };
  }
  return { ok: false, reason: `unknown route "${head}"` };
}

/**
 * Parses a `lightkeeper://` URL against the route allowlist. Anything else —
 * another scheme, credentials, a port, path traversal, an unknown route — is refused.
 */
export function parseDeepLink(raw: string): RouteParse {
  if (typeof raw !== 'string' || raw.length > 2048) return { ok: false, reason: 'link is missing or too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return { ok: false, reason: `only ${DEEP_LINK_SCHEME}:// links are accepted` };
  if (url.username || url.password || url.port) return { ok: false, reason: 'credentials and ports are not allowed' };
  // Custom schemes keep the raw path; refuse any dot segment or encoded separator before splitting.
  const afterScheme = raw.slice(`${DEEP_LINK_SCHEME}://`.length).split(/[?#]/)[0] ?? '';
  if (/(^|\/)\.\.?(\/|$)/.test(afterScheme) || /%2e|%2f|%5c|\\/i.test(afterScheme)) {
    return { ok: false, reason: 'path traversal is not allowed' };
  }
  const segments = [url.hostname, ...url.pathname.split('/').filter((segment) => segment !== '')];
  return parsePathAndQuery(segments, url.searchParams);
}

/** The hash path of a route (`#/customer/acme?at=…`), used by the renderer and browser-mode links. */
export function routeToHash(route: AppRoute): string {
  if (route.view === 'customer') {
    const base = `#/customer/${encodeURIComponent(route.customerId)}`;
    return route.at ? `${base}?at=${encodeURIComponent(route.at)}` : base;
  }
  if (route.view === 'run') return `#/run/${encodeURIComponent(route.runId)}`;
  if (route.view === 'problems' && route.problemId) return `#/problems/${encodeURIComponent(route.problemId)}`;
  return `#/${route.view}`;
}

/** The deep link for a route. */
export function routeToDeepLink(route: AppRoute): string {
  return `${DEEP_LINK_SCHEME}://${routeToHash(route).slice(2)}`;
}

/** Parses a renderer hash (`#/customer/acme?at=…`); unknown hashes fall back to the fleet. */
export function parseHash(hash: string): RouteParse {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = body.split('?', 2);
  if (/(^|\/)\.\.?(\/|$)/.test(path)) return { ok: false, reason: 'path traversal is not allowed' };
  return parsePathAndQuery(
    path.split('/').filter((segment) => segment !== ''),
    new URLSearchParams(search),
  );
}

import { parseDeepLink, type AppRoute } from '../../shared/routes';
import { originOf } from './app-protocol';

/** Whether a URL is one of the app's own pages: exactly the app's origin (app://lightkeeper, or the dev server). */
export function isAppUrl(raw: string, appOrigin: string): boolean {
  const origin = originOf(raw);
  return origin !== null && origin !== 'file://' && origin === appOrigin;
}

/** Only well-formed https links leave the app, and only to the system browser. */
export function externalLinkTarget(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' || url.username || url.password) return null;
    return url.toString();
  } catch {
    return null;
  }
}

/** Finds a `lightkeeper://` link among command-line arguments (Windows/Linux second instance). */
export function deepLinkFromArgv(argv: readonly string[]): AppRoute | null {
  for (const argument of argv) {
    if (!argument.startsWith('lightkeeper:')) continue;
    const parsed = parseDeepLink(argument);
    if (parsed.ok) return parsed.route;
  }
  return null;
}

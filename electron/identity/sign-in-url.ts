import { DeskError } from '../../shared/ipc/result';

/*
 * Which identity provider addresses the desk signs people in with (issue 14):
 * https, or plain http only to this machine's loopback (127.0.0.1, localhost,
 * [::1]: a provider run for a demo or a test). Anything else — another scheme,
 * plain http to another host (http://localhost.evil.com is another host), a
 * user name or password before an @ (https://login.example.com@evil.example
 * goes to evil.example), an address that does not parse — is refused with a
 * SignInUrlError saying what to change, before the desk talks to it or opens
 * it in the browser.
 */

/** The loopback host names plain http is allowed to, as the WHATWG URL parser writes them (lower case, IPv6 in brackets). */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Why an address is refused. */
export type SignInUrlProblem = 'malformed' | 'not_https' | 'credentials';

/** Which address it is: the configured issuer, or an endpoint the issuer's discovery document names. */
export type SignInUrlRole = 'issuer' | 'authorization_endpoint' | 'token_endpoint' | 'revocation_endpoint';

const DESCRIBED: Record<SignInUrlRole, string> = {
  issuer: "The identity provider's address (issuer)",
  authorization_endpoint: "The identity provider's sign-in page (authorization_endpoint)",
  token_endpoint: "The identity provider's token endpoint",
  revocation_endpoint: "The identity provider's revocation endpoint",
};

const FIX: Record<SignInUrlRole, string> = {
  issuer:
    'Ask your administrator to set "issuer" in the server\'s identity config (LIGHTKEEPER_IDENTITY_CONFIG) to the provider\'s https:// address.',
  authorization_endpoint:
    'Ask your administrator to have the provider publish https:// endpoints in its /.well-known/openid-configuration.',
  token_endpoint:
    'Ask your administrator to have the provider publish https:// endpoints in its /.well-known/openid-configuration.',
  revocation_endpoint:
    'Ask your administrator to have the provider publish https:// endpoints in its /.well-known/openid-configuration.',
};

/** A refused identity provider address: a DeskError (`bad_request`) whose message says what to do. */
export class SignInUrlError extends DeskError {
  readonly problem: SignInUrlProblem;
  readonly role: SignInUrlRole;
  constructor(role: SignInUrlRole, problem: SignInUrlProblem, shown: string) {
    const why =
      problem === 'malformed'
        ? `is not a web address (${shown})`
        : problem === 'credentials'
          ? `carries a user name or password before an @ (${shown}), which hides the host it really goes to`
          : `is ${shown}: sign-in needs https:// (plain http only on this machine: 127.0.0.1, localhost or [::1])`;
    super('bad_request', `${DESCRIBED[role]} ${why}. Sign-in was refused. ${FIX[role]}`);
    this.name = 'SignInUrlError';
    this.problem = problem;
    this.role = role;
  }
}

/** Whether `url` is plain http to this machine's loopback. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname);
}

/** The address as the message shows it: no credentials, at most 200 characters. */
function shownAs(raw: string, url: URL | null): string {
  if (url) return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`.slice(0, 200);
  const text = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  return JSON.stringify(text.replace(/\/\/[^/@]*@/, '//…@'));
}

/** The address when the desk may sign in with it; throws a SignInUrlError saying what to change otherwise. */
export function checkSignInUrl(raw: string, role: SignInUrlRole): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SignInUrlError(role, 'malformed', shownAs(raw, null));
  }
  if (url.username !== '' || url.password !== '') throw new SignInUrlError(role, 'credentials', shownAs(raw, url));
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new SignInUrlError(role, 'not_https', shownAs(raw, url));
  }
  return url;
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/log';
import { createSecretStore } from '../../../electron/identity/secrets';
import { createOidcSession } from '../../../electron/identity/sign-in';
import { checkSignInUrl, SignInUrlError, type SignInUrlProblem } from '../../../electron/identity/sign-in-url';
import { DeskError } from '../../../shared/ipc/result';
import { tempDirs } from '../../support/temp';

/*
 * The desk signs in only with an identity provider at an https address, or plain
 * http to this machine (issue 14). The table covers the forms that look like
 * loopback but are not, credentials before an @, upper-case schemes and hosts;
 * the session tests show a refused issuer or endpoint never reaches the network
 * or the system browser.
 */

const ACCEPTED: Array<[raw: string, href: string]> = [
  ['https://login.example.com', 'https://login.example.com/'],
  ['https://login.example.com/realms/ops', 'https://login.example.com/realms/ops'],
  ['HTTPS://LOGIN.EXAMPLE.COM/realms/ops', 'https://login.example.com/realms/ops'],
  ['https://127.0.0.1:8443/', 'https://127.0.0.1:8443/'],
  ['http://127.0.0.1:4455/oidc', 'http://127.0.0.1:4455/oidc'],
  ['http://localhost:3000/', 'http://localhost:3000/'],
  ['HTTP://LocalHost:3000/', 'http://localhost:3000/'],
  ['http://[::1]:8080/', 'http://[::1]:8080/'],
  ['http://[0:0:0:0:0:0:0:1]/', 'http://[::1]/'],
  // The URL parser writes these as 127.0.0.1, and so is the address the browser gets.
  ['http://0x7f.1/', 'http://127.0.0.1/'],
  ['http://2130706433/', 'http://127.0.0.1/'],
  // A backslash is a path separator in http URLs: the host is localhost, and the browser gets the normalised form.
  ['http://localhost\\@evil.example/', 'http://localhost/@evil.example/'],
];

const REFUSED: Array<[raw: string, problem: SignInUrlProblem]> = [
  ['http://login.example.com/', 'not_https'],
  ['http://localhost.evil.com/', 'not_https'],
  ['http://localhost%2eevil.com/', 'not_https'],
  ['http://127.0.0.1.nip.io/', 'not_https'],
  ['http://localhost./', 'not_https'],
  ['http://evil.example#@localhost', 'not_https'],
  ['http://evil.example/?next=http://127.0.0.1', 'not_https'],
  ['http://10.0.0.1/', 'not_https'],
  ['http://[::2]/', 'not_https'],
  ['ftp://localhost/', 'not_https'],
  ['ws://localhost/', 'not_https'],
  ['file:///etc/passwd', 'not_https'],
  ['javascript:alert(1)', 'not_https'],
  ['data:text/html,<h1>sign in</h1>', 'not_https'],
  // What is before an @ is a user name: these go to evil.example.
  ['https://login.example.com@evil.example/', 'credentials'],
  ['http://localhost@evil.example/', 'credentials'],
  ['http://127.0.0.1:80@evil.example/', 'credentials'],
  ['https://alice:hunter2@login.example.com/', 'credentials'],
  ['HTTP://LOCALHOST@EVIL.EXAMPLE/', 'credentials'],
  ['', 'malformed'],
  ['login.example.com', 'malformed'],
  ['https://', 'malformed'],
  ['http://[::1', 'malformed'],
  ['https://exa mple.com/', 'malformed'],
];

describe('checkSignInUrl', () => {
  it.each(ACCEPTED)('accepts %s', (raw, href) => {
    expect(checkSignInUrl(raw, 'issuer').href).toBe(href);
  });

  it.each(REFUSED)('refuses %s (%s)', (raw, problem) => {
    let thrown: unknown;
    try {
      checkSignInUrl(raw, 'issuer');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SignInUrlError);
    expect(thrown).toBeInstanceOf(DeskError);
    const error = thrown as SignInUrlError;
    expect(error).toMatchObject({ code: 'bad_request', problem, role: 'issuer' });
    // It says what to do, and never repeats a password.
    expect(error.message).toContain('Ask your administrator to set "issuer"');
    expect(error.message).not.toContain('hunter2');
  });

  it('says which address is wrong and why, in words', () => {
    expect(() => checkSignInUrl('http://login.example.com/realms/ops', 'issuer')).toThrow(
      "The identity provider's address (issuer) is http://login.example.com/realms/ops: sign-in needs https:// (plain http only on this machine: 127.0.0.1, localhost or [::1]). Sign-in was refused.",
    );
    expect(() => checkSignInUrl('https://login.example.com@evil.example/', 'authorization_endpoint')).toThrow(
      "The identity provider's sign-in page (authorization_endpoint) carries a user name or password before an @ (https://evil.example), which hides the host it really goes to. Sign-in was refused. Ask your administrator to have the provider publish https:// endpoints",
    );
  });
});

/** A provider's discovery document on loopback (a real HTTP server); `endpoints` overrides its addresses. */
let discovery: http.Server;
let issuer = '';
let endpoints: Record<string, string> = {};
let discoveryRequests = 0;
const dirs = tempDirs('lk-signin-url-');

beforeAll(async () => {
  discovery = http.createServer((req, res) => {
    discoveryRequests += 1;
    if (req.url !== '/.well-known/openid-configuration') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        ...endpoints,
      }),
    );
  });
  await new Promise<void>((resolve) => discovery.listen(0, '127.0.0.1', () => resolve()));
  issuer = `http://127.0.0.1:${(discovery.address() as AddressInfo).port}`;
});
afterEach(() => {
  endpoints = {};
  discoveryRequests = 0;
});
afterAll(async () => {
  await new Promise((resolve) => discovery.close(resolve));
  dirs.cleanup();
});

function session(issuerUrl: string, opened: string[]) {
  return createOidcSession(
    'https://lightkeeper.example.com',
    { mode: 'oidc', issuer: issuerUrl, clientId: 'lightkeeper-desk', scopes: 'openid', authorizationParams: {} },
    {
      secrets: createSecretStore({ dataDir: dirs.make(), cipher: null }),
      log: silentLogger,
      openExternal: (url) => {
        opened.push(url);
        // The person closes the browser: the sign-in ends here, the test only needs the address.
        return Promise.reject(new Error('the browser was closed'));
      },
    },
  );
}

describe('signing in with a refused address', () => {
  it('refuses an http issuer on another host before asking it anything or opening the browser', async () => {
    const opened: string[] = [];
    const signIn = session('http://localhost.evil.com:4455', opened).signIn();
    await expect(signIn).rejects.toBeInstanceOf(SignInUrlError);
    await expect(signIn).rejects.toMatchObject({ code: 'bad_request', problem: 'not_https', role: 'issuer' });
    expect(opened).toEqual([]);
  });

  it('refuses a sign-in page the discovery document puts on plain http elsewhere, and opens nothing', async () => {
    endpoints = { authorization_endpoint: 'http://login.example.com/auth' };
    const opened: string[] = [];
    const signIn = session(issuer, opened).signIn();
    await expect(signIn).rejects.toMatchObject({ problem: 'not_https', role: 'authorization_endpoint' });
    expect(discoveryRequests).toBe(1);
    expect(opened).toEqual([]);
  });

  it('refuses a token endpoint with credentials before an @', async () => {
    endpoints = { token_endpoint: `http://127.0.0.1@evil.example/token` };
    const opened: string[] = [];
    await expect(session(issuer, opened).signIn()).rejects.toMatchObject({ problem: 'credentials', role: 'token_endpoint' });
    expect(opened).toEqual([]);
  });

  it('opens a loopback provider (upper case as configured) in the browser at its normalised address', async () => {
    const opened: string[] = [];
    await expect(session(issuer.replace('http://', 'HTTP://'), opened).signIn()).rejects.toThrow('the browser was closed');
    expect(opened).toHaveLength(1);
    const url = new URL(opened[0] ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer}/auth`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk, type DeskOptions } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { safeStorageCipher } from '../../../electron/main/keychain';
import { parseIdentityConfig } from '../../../server/auth/config';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, token, type TestServer } from '../../server/support/server';
import { startTestProvider, type TestProvider } from '../../support/oidc-provider';
import { refresh } from '../../support/oidc-sign-in';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { call, online } from '../sync/support/desks';

/*
 * The desk's own sign-in (issue 14) against a real OpenID provider
 * (oidc-provider on loopback) and a real server: authorization code with PKCE
 * through "the system browser" (shell.openExternal is the OS edge: the test
 * follows the URL with an HTTP client that logs in) and a loopback redirect;
 * silent refresh; the sign-in kept across restarts in the keychain (Electron's
 * safeStorage, mocked at the OS edge); sign-out; no token in plaintext on disk.
 */

const dirs = tempDirs('lk-signin-');
let provider: TestProvider;
let database: TestDatabase;
let server: TestServer;
let desk: Desk | null = null;
const opened: string[] = [];
/** Milliseconds added to the desk's wall clock (silent refresh). */
const offset = { ms: 0 };

/** Electron's safeStorage at the OS edge: a reversible transform with a real keyring backend name. */
function fakeSafeStorage(backend: 'gnome_libsecret' | 'basic_text' = 'gnome_libsecret') {
  const flip = (buffer: Buffer) => Buffer.from(buffer.map((byte) => byte ^ 0x5a));
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain: string) => flip(Buffer.from(`v10${plain}`)),
    decryptString: (encrypted: Buffer) => flip(encrypted).toString().slice(3),
  };
}

function open(dataDir: string, extra: Partial<DeskOptions> = {}): Desk {
  desk = createDesk({
    dataDir,
    mode: 'desktop',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 2000,
    backoff: { baseMs: 20, capMs: 300 },
    bundledWizardsDir: null,
    secretCipher: safeStorageCipher(fakeSafeStorage(), 'linux'),
    identityNow: () => Date.now() + offset.ms,
    openExternal: async (url) => {
      opened.push(url);
      // The system browser: the provider's pages, then the redirect to the desk's loopback listener.
      await provider.browse(url, { visit: true });
    },
    ...extra,
  });
  return desk;
}

/** The refresh token the desk keeps, decrypted the way the keychain would. */
function keptRefreshToken(dataDir: string): string | null {
  const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as {
    encoding: string;
    values: Record<string, string>;
  };
  const raw = file.values[`oidc-refresh:${server.url}`];
  return raw ? fakeSafeStorage().decryptString(Buffer.from(raw, 'base64')) : null;
}

beforeAll(async () => {
  provider = await startTestProvider({ accessTokenTtlSeconds: 600 });
  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme']);
  const identity = parseIdentityConfig({
    issuer: provider.issuer,
    audience: provider.audience,
    desk: {
      clientId: provider.clientId,
      scopes: 'openid profile email offline_access api',
      authorizationParams: { resource: provider.audience, prompt: 'consent' },
    },
    rules: [
      { claim: 'groups', equals: 'support-l1', roles: ['operator'], customers: 'all' },
      { claim: 'groups', equals: 'support-l2', roles: ['operator', 'approver'], customers: 'all' },
    ],
  });
  server = await startTestServer(database.storage, { identity });
});
afterEach(async () => {
  await desk?.stop();
  desk?.close();
  desk = null;
  offset.ms = 0;
});
afterAll(async () => {
  await server?.close();
  await database?.dispose();
  await provider?.close();
  dirs.cleanup();
});

describe('signing in at the desk', () => {
  it('asks for a sign-in, signs the person in through the system browser with PKCE and syncs as them', async () => {
    const dataDir = dirs.make();
    const current = open(dataDir);
    await call(current, 'backend:set', { mode: 'remote', url: server.url });
    expect(await call(current, 'identity:get', undefined)).toMatchObject({
      method: 'oidc',
      user: null,
      issuer: provider.issuer,
      signInNeeded: true,
      secrets: { kind: 'keychain', needsConsent: false },
    });
    expect((await call(current, 'sync:status', undefined)).message).toMatch(/Sign in/);

    provider.signInAs('alice');
    const before = opened.length;
    const view = await call(current, 'identity:signIn', undefined);
    expect(view).toMatchObject({
      method: 'oidc',
      signInNeeded: false,
      user: { userId: 'alice', name: 'Alice Operator', email: 'alice@example.com', roles: ['operator'] },
    });
    // RFC 8252: the system browser got an authorization request with PKCE (S256) and a loopback redirect.
    const request = new URL(opened[before]!);
    expect(request.origin).toBe(provider.issuer);
    expect(request.searchParams.get('code_challenge_method')).toBe('S256');
    expect(request.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(request.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(request.searchParams.get('state')).toBeTruthy();

    await online(current);
    await call(current, 'notes:create', { customerId: 'acme', eventId: null, body: 'Called the customer.' });
    const [note] = await waitFor(async () => {
      const rows = await database.storage.query<{ author: string; author_id: string }>(
        "select author, author_id from notes where body = 'Called the customer.'",
      );
      return rows.length > 0 ? rows : null;
    }, 'the note reached the server');
    expect(note).toEqual({ author: 'Alice Operator', author_id: 'alice' });
  });

  it('keeps the sign-in in the keychain only: nothing readable on disk, files for the user alone', async () => {
    const dataDir = dirs.make();
    const current = open(dataDir);
    await call(current, 'backend:set', { mode: 'remote', url: server.url });
    provider.signInAs('alice');
    await call(current, 'identity:signIn', undefined);
    const refreshToken = keptRefreshToken(dataDir);
    expect(refreshToken).toMatch(/.{20,}/);
    for (const file of fs.readdirSync(dataDir)) {
      const full = path.join(dataDir, file);
      if (!fs.statSync(full).isFile()) continue;
      expect(fs.readFileSync(full).includes(refreshToken!), `${file} holds the refresh token in plaintext`).toBe(false);
      expect(fs.statSync(full).mode & 0o077, `${file} is readable by others`).toBe(0);
    }
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('refreshes silently before the access token expires and keeps the sign-in across restarts', async () => {
    const dataDir = dirs.make();
    let current = open(dataDir);
    await call(current, 'backend:set', { mode: 'remote', url: server.url });
    provider.signInAs('bob');
    await call(current, 'identity:signIn', undefined);
    await online(current);
    const logins = provider.logins();
    const first = keptRefreshToken(dataDir);

    // Nine minutes on: the access token is within a minute of expiry, so the next call refreshes first.
    offset.ms = 9.5 * 60_000;
    await call(current, 'sync:now', undefined);
    await waitFor(() => keptRefreshToken(dataDir) !== first, 'the refresh token was rotated by a refresh');
    expect((await call(current, 'sync:status', undefined)).state).toBe('online');

    await current.stop();
    current.close();
    current = open(dataDir);
    await current.start();
    await online(current);
    expect(await call(current, 'identity:get', undefined)).toMatchObject({
      signInNeeded: false,
      user: { userId: 'bob', name: 'Bob Approver' },
    });
    expect(provider.logins()).toBe(logins);
  });

  it('signs out: the provider and the server end the sign-in, the desk forgets it and, when asked, the cached data', async () => {
    const dataDir = dirs.make();
    const current = open(dataDir);
    await call(current, 'backend:set', { mode: 'remote', url: server.url });
    provider.signInAs('alice');
    await call(current, 'identity:signIn', undefined);
    await online(current);
    const refreshToken = keptRefreshToken(dataDir)!;

    const view = await call(current, 'identity:signOut', { forgetCache: true });
    expect(view).toMatchObject({ signInNeeded: true, user: null });
    expect(keptRefreshToken(dataDir)).toBeNull();
    expect((await call(current, 'customers:list', {})).rows).toEqual([]);
    expect((await call(current, 'sync:status', undefined)).message).toMatch(/Sign in/);
    await expect(refresh(provider, refreshToken)).rejects.toThrow();
  });
});

describe('tokens in the keychain', () => {
  it('moves a plaintext token an older Lightkeeper left in settings.json to the keychain, and syncs with it', async () => {
    const dataDir = dirs.make();
    const staticToken = await token(database.storage, { userId: 'dana', role: 'desk' });
    fs.writeFileSync(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({
        backend: { mode: 'remote', url: server.url, token: staticToken },
        demoToken: 'old-demo-token-1234567890',
      }),
      { mode: 0o644 },
    );
    const current = open(dataDir);
    const settings = fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8');
    expect(settings).not.toContain(staticToken);
    expect(settings).not.toContain('old-demo-token');
    expect(fs.statSync(path.join(dataDir, 'settings.json')).mode & 0o077).toBe(0);
    expect(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(staticToken);
    await current.start();
    await online(current);
    expect(await call(current, 'backend:get', undefined)).toEqual({ mode: 'remote', url: server.url, hasToken: true });

    // A token typed on the Sync page goes to the keychain too.
    const another = await token(database.storage, { userId: 'erin', role: 'desk' });
    await call(current, 'backend:set', { mode: 'remote', url: server.url, token: another });
    for (const file of ['settings.json', 'secrets.json']) {
      expect(fs.readFileSync(path.join(dataDir, file), 'utf8')).not.toContain(another);
    }
  });

  it('refuses the plaintext keyring fallback (Linux basic_text) until the user accepts it', async () => {
    const dataDir = dirs.make();
    const staticToken = await token(database.storage, { userId: 'dana', role: 'desk' });
    const current = open(dataDir, { secretCipher: safeStorageCipher(fakeSafeStorage('basic_text'), 'linux') });
    await call(current, 'backend:set', { mode: 'remote', url: server.url, token: staticToken });
    const view = await call(current, 'identity:get', undefined);
    expect(view.secrets).toMatchObject({ kind: 'memory', needsConsent: true });
    expect(view.secrets.description).toMatch(/keyring/);
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(false);
    await online(current);

    const accepted = await call(current, 'identity:acceptUnprotectedSecrets', undefined);
    expect(accepted.secrets).toMatchObject({ kind: 'file', needsConsent: false });
    expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({
      acceptUnprotectedSecrets: true,
    });
  });

  it('in browser mode says where it keeps them: a file only this user can read', async () => {
    const current = open(dirs.make(), { secretCipher: null, mode: 'browser' });
    const view = await call(current, 'identity:get', undefined);
    expect(view.secrets).toMatchObject({ kind: 'file', needsConsent: false });
    expect(view.secrets.description).toMatch(/Browser mode cannot reach the OS keychain.*secrets\.json.*only by your account/);
  });
});

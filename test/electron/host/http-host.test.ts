import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { startHost, type Host } from '../../../electron/host/http-host';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { latestVersion } from '../../../electron/db/open';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-host-');
let desk: Desk;
let host: Host;
let rendererDir: string;
let dataDir: string;

/** Raw request so we control Host and Origin headers exactly (fetch forbids setting Host). */
function request(options: { path: string; method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: options.path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

/** The cookie the launch URL trades the token for. */
async function sessionCookie(): Promise<string> {
  const res = await request({ path: `/?token=${host.token}`, headers: { host: `127.0.0.1:${host.port}` } });
  return String(res.headers['set-cookie']).split(';')[0] ?? '';
}

beforeAll(async () => {
  rendererDir = dirs.make();
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>app shell</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(path.dirname(rendererDir), 'outside-secret.txt'), 'secret');
  dataDir = path.join(dirs.make(), 'Lightkeeper');
  desk = createDesk({ dataDir, mode: 'browser', appVersion: '9.9.9', platform: 'linux', log: silentLogger });
  host = await startHost({ desk, rendererDir, log: silentLogger });
});
afterAll(async () => {
  await host.close();
  desk.close();
  dirs.cleanup();
});

const auth = () => ({ authorization: `Bearer ${host.token}`, host: `127.0.0.1:${host.port}` });

describe('browser-mode host', () => {
  it('binds to loopback and prints a URL carrying a long random token', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('answers a contract call with the token', async () => {
    const res = await request({ path: '/api/call/app:info', method: 'POST', headers: auth(), body: '' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: true,
      value: { mode: 'browser', appVersion: '9.9.9', cacheSchemaVersion: latestVersion(CACHE_MIGRATIONS) },
    });
  });

  it('refuses calls and pages without the token, or with a wrong one (401)', async () => {
    const host127 = { host: `127.0.0.1:${host.port}` };
    expect((await request({ path: '/api/call/app:info', method: 'POST', headers: host127 })).status).toBe(401);
    expect((await request({ path: '/', headers: host127 })).status).toBe(401);
    expect((await request({ path: '/api/events', headers: host127 })).status).toBe(401);
    const wrong = { ...host127, authorization: `Bearer ${host.token.slice(0, -1)}x` };
    expect((await request({ path: '/api/call/app:info', method: 'POST', headers: wrong })).status).toBe(401);
    expect((await request({ path: '/?token=nope', headers: host127 })).status).toBe(401);
  });

  it('refuses a foreign Origin even with the token (403)', async () => {
    const res = await request({
      path: '/api/call/app:info',
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    const sameHostOtherPort = { ...auth(), origin: `http://127.0.0.1:${host.port + 1}` };
    expect((await request({ path: '/api/call/app:info', method: 'POST', headers: sameHostOtherPort })).status).toBe(403);
    const ok = await request({
      path: '/api/call/app:info',
      method: 'POST',
      headers: { ...auth(), origin: `http://127.0.0.1:${host.port}` },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses a rebound Host header (DNS rebinding) even with the token (403)', async () => {
    const res = await request({
      path: '/api/call/app:info',
      method: 'POST',
      headers: { ...auth(), host: `attacker.example:${host.port}` },
    });
    expect(res.status).toBe(403);
  });

  it('trades the launch token for an HttpOnly SameSite cookie and removes it from the URL', async () => {
    const res = await request({ path: `/?token=${host.token}`, headers: { host: `127.0.0.1:${host.port}` } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request({ path: '/', headers: { host: `127.0.0.1:${host.port}`, cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('app shell');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('answers bad_request for invalid JSON and invalid input, never crashing', async () => {
    const bad = await request({ path: '/api/call/notes:create', method: 'POST', headers: auth(), body: '{nope' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const invalid = await request({
      path: '/api/call/notes:create',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ input: { customerId: 42 } }),
    });
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const unknown = await request({ path: '/api/call/fs:read', method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('never serves files outside the renderer folder', async () => {
    const res = await request({ path: '/..%2foutside-secret.txt', headers: auth() });
    expect(res.body).not.toContain('secret');
    const res2 = await request({ path: '/assets/../../outside-secret.txt', headers: auth() });
    expect(res2.body).not.toContain('secret');
    const asset = await request({ path: '/assets/app.js', headers: auth() });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('streams core events to the browser', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: auth() }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
          if (text.includes('event: sync:changed')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
      req.end();
      setTimeout(
        () =>
          desk.events.emit('sync:changed', {
            state: 'online',
            lastSyncAt: null,
            pendingOutbox: 0,
            message: null,
            isBootstrapping: false,
            backendUrl: null,
            serverDelayedSince: null,
            firstSync: null,
            waitingOutbox: 0,
            conflicts: 0,
          }),
        100,
      );
    });
    expect(await received).toContain('"state":"online"');
  });
});

describe('browser-mode host hardening (issue 9 item 4)', () => {
  it('answers a malformed percent-encoding in the call path with 400, not 500', async () => {
    const res = await request({ path: '/api/call/app%E0%A4%A', method: 'POST', headers: auth(), body: '' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(JSON.parse(res.body).error.message).toMatch(/percent-encoding/);
  });

  it('answers a body over 1 MiB with 413, not a connection reset', async () => {
    const res = await request({
      path: '/api/call/notes:create',
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ input: { body: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('1 MiB') },
    });
    // Still answering.
    expect((await request({ path: '/api/call/app:info', method: 'POST', headers: auth(), body: '' })).status).toBe(200);
  });

  it('refuses a call whose input nests deeper than the boundary allows (400)', async () => {
    const deep = `{"input":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await request({ path: '/api/call/notes:create', method: 'POST', headers: auth(), body: deep });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('refuses NUL and lone surrogates in contract input naming the field, and stores nothing', async () => {
    for (const body of ['a\u0000b', 'a\ud800']) {
      const res = await request({
        path: '/api/call/notes:create',
        method: 'POST',
        headers: auth(),
        body: JSON.stringify({ input: { customerId: 'acme', eventId: null, body } }),
      });
      const answer = JSON.parse(res.body) as { ok: boolean; error: { code: string; message: string } };
      expect(answer).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(answer.error.message).toContain('body');
    }
  });

  it('says nosniff on JSON answers and on 401s', async () => {
    const ok = await request({ path: '/api/call/app:info', method: 'POST', headers: auth(), body: '' });
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    const refused = await request({ path: '/api/call/app:info', method: 'POST', headers: { host: `127.0.0.1:${host.port}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a POST carrying the cookie without an Origin (403); the same with its Origin passes', async () => {
    const cookie = await sessionCookie();
    const base = { host: `127.0.0.1:${host.port}`, cookie };
    const bare = await request({ path: '/api/call/app:info', method: 'POST', headers: base, body: '' });
    expect(bare.status).toBe(403);
    expect(JSON.parse(bare.body)).toMatchObject({ error: 'forbidden_origin' });
    const withOrigin = await request({
      path: '/api/call/app:info',
      method: 'POST',
      headers: { ...base, origin: `http://127.0.0.1:${host.port}` },
      body: '',
    });
    expect(withOrigin.status).toBe(200);
  });

  it('keeps the cache, the outbox and the settings readable only by the user (0600 in a 0700 folder)', async () => {
    await request({
      path: '/api/call/backend:set',
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ input: { mode: 'demo' } }),
    });
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of ['cache.sqlite', 'outbox.sqlite', 'settings.json']) {
      expect(fs.existsSync(path.join(dataDir, name)), name).toBe(true);
      expect(fs.statSync(path.join(dataDir, name)).mode & 0o777, name).toBe(0o600);
    }
    for (const name of fs.readdirSync(dataDir).filter((file) => /-(wal|shm)$/.test(file))) {
      expect(fs.statSync(path.join(dataDir, name)).mode & 0o777, name).toBe(0o600);
    }
  });
});

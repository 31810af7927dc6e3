import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../../electron/main/app-protocol';
import { isAppUrl } from '../../../electron/main/security';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-app-');
afterAll(() => dirs.cleanup());

function renderer() {
  const root = dirs.make();
  const out = path.join(root, 'renderer');
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(out, 'index.html'), '<!doctype html><title>Lightkeeper</title>');
  fs.writeFileSync(path.join(out, 'assets', 'index.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'outside');
  return out;
}

describe('the app:// scheme', () => {
  it('serves the built renderer with the Content-Security-Policy', async () => {
    const handle = createAppProtocolHandler(renderer());
    const page = await handle(new Request('app://lightkeeper/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<title>Lightkeeper</title>');
    const script = await handle(new Request('app://lightkeeper/assets/index.js'));
    expect(script.headers.get('content-type')).toContain('text/javascript');
    // The renderer routes by hash; any other path without an extension is the app shell.
    expect(await (await handle(new Request('app://lightkeeper/fleet'))).text()).toContain('Lightkeeper');
  });

  it('never serves a file outside the renderer folder, another host or a write', async () => {
    const handle = createAppProtocolHandler(renderer());
    for (const url of ['app://lightkeeper/%2e%2e/secret.txt', 'app://lightkeeper/..%2fsecret.txt', 'app://lightkeeper/nope.js']) {
      const response = await handle(new Request(url));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('outside');
    }
    expect((await handle(new Request('app://other/index.html'))).status).toBe(404);
    expect((await handle(new Request('app://lightkeeper/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
  });

  it('is the only origin the shell trusts', () => {
    expect(isAppUrl('app://lightkeeper/index.html#/customer/acme', 'app://lightkeeper')).toBe(true);
    for (const url of [
      'file:///home/dana/Downloads/evil.html',
      'app://lightkeeper.evil/index.html',
      'https://lightkeeper/',
      'nonsense',
    ]) {
      expect(isAppUrl(url, 'app://lightkeeper')).toBe(false);
    }
    expect(isAppUrl('file:///x/index.html', 'file://')).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/fleet', 'http://localhost:5173')).toBe(true);
  });
});

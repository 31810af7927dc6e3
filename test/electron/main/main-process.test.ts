import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../../shared/ipc/channels';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';

/**
 * The Electron runtime cannot be downloaded on these machines, so `electron` is
 * mocked (the OS edge) and the real main module is imported against the mock.
 */
type Handler = (...args: unknown[]) => unknown;
const dirs = tempDirs('lk-main-');

function createElectronMock(options: { hasLock: boolean; userData: string; keyring?: string }) {
  const windows: FakeWindow[] = [];
  const appEvents = new EventEmitter();
  const ipcHandlers = new Map<string, Handler>();
  let permissionRequest: Handler | null = null;
  let permissionCheck: Handler | null = null;
  let headersReceived: Handler | null = null;
  const protocolHandlers = new Map<string, Handler>();
  const privilegedSchemes: unknown[] = [];
  const forks: { modulePath: string; args: string[]; options: Record<string, unknown> }[] = [];
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));

  class FakeWebContents extends EventEmitter {
    id = 7;
    windowOpenHandler: Handler | null = null;
    sent: [string, unknown][] = [];
    setWindowOpenHandler(handler: Handler) {
      this.windowOpenHandler = handler;
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
  }
  class FakeWindow extends EventEmitter {
    options: Record<string, unknown>;
    webContents = new FakeWebContents();
    loaded: string | null = null;
    constructor(windowOptions: Record<string, unknown>) {
      super();
      this.options = windowOptions;
      windows.push(this);
    }
    loadFile(file: string) {
      this.loaded = file;
      return Promise.resolve();
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    show() {}
    setBackgroundColor() {}
    static getAllWindows() {
      return windows;
    }
  }
  const app = {
    requestSingleInstanceLock: vi.fn(() => options.hasLock),
    setAsDefaultProtocolClient: vi.fn(),
    quit: vi.fn(),
    exit: vi.fn(),
    getPath: vi.fn(() => options.userData),
    getVersion: () => '1.2.3',
    getAppPath: () => process.cwd(),
    isPackaged: false,
    whenReady: () => ready,
    on: (event: string, listener: Handler) => appEvents.on(event, listener),
  };
  const mock = {
    app,
    BrowserWindow: FakeWindow,
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((template: unknown) => ({ template })) },
    ipcMain: {
      handle: (channel: string, handler: Handler) => ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    nativeTheme: { shouldUseDarkColors: true, on: vi.fn() },
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    // The OS keychain: reversible, and says which Linux backend it uses.
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => options.keyring ?? 'gnome_libsecret',
      encryptString: vi.fn((plain: string) => Buffer.from(plain).reverse()),
      decryptString: vi.fn((encrypted: Buffer) => Buffer.from(encrypted).reverse().toString()),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: Handler) => protocolHandlers.set(scheme, handler),
    },
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: Record<string, unknown>) => {
        forks.push({ modulePath, args, options });
        const child: EventEmitter & { stdout: PassThrough; stderr: PassThrough; pid: number; kill(): boolean } = Object.assign(
          new EventEmitter(),
          {
            stdout: new PassThrough(),
            stderr: new PassThrough(),
            pid: 4242,
            kill: () => {
              queueMicrotask(() => child.emit('exit', 0));
              return true;
            },
          },
        );
        queueMicrotask(() => child.emit('spawn'));
        return child;
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: Handler) => (permissionRequest = handler),
        setPermissionCheckHandler: (handler: Handler) => (permissionCheck = handler),
        webRequest: { onHeadersReceived: (handler: Handler) => (headersReceived = handler) },
      },
    },
  };
  return {
    mock,
    windows,
    appEvents,
    ipcHandlers,
    ready: async () => {
      readyResolve();
      await ready;
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    protocolHandlers,
    privilegedSchemes,
    forks,
    permissionRequest: () => permissionRequest,
    permissionCheck: () => permissionCheck,
    headersReceived: () => headersReceived,
  };
}

let harness: ReturnType<typeof createElectronMock>;

async function startMain(hasLock = true, keyring?: string) {
  vi.resetModules();
  harness = createElectronMock({ hasLock, userData: dirs.make(), keyring });
  vi.doMock('electron', () => harness.mock);
  await import('../../../electron/main/index');
}

beforeEach(() => {
  delete process.env.ELECTRON_RENDERER_URL;
  // No demo backend child process in unit tests.
  process.env.LIGHTKEEPER_BACKEND = 'none';
});
afterEach(async () => {
  harness?.appEvents.emit('will-quit', { preventDefault: () => {} });
  await new Promise((resolve) => setTimeout(resolve, 20));
  vi.doUnmock('electron');
  dirs.cleanup();
});

describe('Electron main process', () => {
  it('opens one window with every security switch set and a CommonJS preload', async () => {
    await startMain();
    await harness.ready();
    expect(harness.windows).toHaveLength(1);
    const options = harness.windows[0]!.options as {
      webPreferences: Record<string, unknown>;
      backgroundColor: string;
      show: boolean;
    };
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(String(options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/);
    // Dark OS theme: dark background and hidden until ready, so there is no white flash.
    expect(options.backgroundColor).toBe('#111418');
    expect(options.show).toBe(false);
    // The page comes from the app's own privileged scheme, never from file://.
    expect(harness.windows[0]!.loaded).toBe('app://lightkeeper/index.html');
  });

  it('serves the renderer from a privileged app:// scheme registered before ready', async () => {
    await startMain();
    // Registered at import, before the app is ready (Electron refuses it later).
    expect(harness.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    await harness.ready();
    const handler = harness.protocolHandlers.get('app');
    expect(handler).toBeTypeOf('function');
    const outside = (await handler!(new Request('app://lightkeeper/%2e%2e/%2e%2e/package.json'))) as Response;
    expect(outside.status).toBe(404);
    const otherHost = (await handler!(new Request('app://elsewhere/index.html'))) as Response;
    expect(otherHost.status).toBe(404);
  });

  it('denies every permission request and check', async () => {
    await startMain();
    await harness.ready();
    const callback = vi.fn();
    harness.permissionRequest()?.({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(harness.permissionCheck()?.({}, 'notifications')).toBe(false);
  });

  it('adds the strict Content-Security-Policy to every response', async () => {
    await startMain();
    await harness.ready();
    const callback = vi.fn();
    harness.headersReceived()?.({ responseHeaders: { 'X-Other': ['1'] } }, callback);
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']?.[0]).toContain("default-src 'none'");
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('blocks new windows and navigation; only https links go to the system browser', async () => {
    await startMain();
    await harness.ready();
    const contents = harness.windows[0]!.webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://status.example.com/x' })).toEqual({ action: 'deny' });
    expect(harness.mock.shell.openExternal).toHaveBeenCalledWith('https://status.example.com/x');
    harness.mock.shell.openExternal.mockClear();
    for (const url of ['http://plain.example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share']) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(harness.mock.shell.openExternal).not.toHaveBeenCalled();

    const navigation = { preventDefault: vi.fn() };
    contents.emit('will-navigate', navigation, 'https://evil.example.com');
    expect(navigation.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    contents.emit('will-navigate', inside, 'app://lightkeeper/index.html#/fleet');
    expect(inside.preventDefault).not.toHaveBeenCalled();
    // A downloaded page is not the app, even on the same disk.
    const download = { preventDefault: vi.fn() };
    contents.emit('will-navigate', download, 'file:///home/dana/Downloads/evil.html');
    expect(download.preventDefault).toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    contents.emit('will-redirect', redirect, 'file:///app/out/renderer/index.html');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('registers every contract channel and checks the sender frame', async () => {
    await startMain();
    await harness.ready();
    expect([...harness.ipcHandlers.keys()].sort()).toEqual([...CHANNELS].sort());
    const info = harness.ipcHandlers.get('app:info')!;
    const trusted = { sender: { id: 7 }, senderFrame: { url: 'app://lightkeeper/index.html#/fleet', parent: null } };
    expect(await info(trusted, undefined)).toMatchObject({ ok: true, value: { mode: 'desktop', appVersion: '1.2.3' } });
    const subframe = { sender: { id: 7 }, senderFrame: { url: 'app://lightkeeper/index.html', parent: {} } };
    expect(await info(subframe, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const foreign = { sender: { id: 7 }, senderFrame: { url: 'https://evil.example.com', parent: null } };
    expect(await info(foreign, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const otherWindow = { sender: { id: 99 }, senderFrame: { url: 'app://lightkeeper/index.html', parent: null } };
    expect(await info(otherWindow, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // The main frame of our window showing a file: page (a downloaded evil.html) is not our page.
    for (const url of ['file:///home/dana/Downloads/evil.html', 'file:///app/out/renderer/index.html', 'app://evil/index.html']) {
      const page = { sender: { id: 7 }, senderFrame: { url, parent: null } };
      expect(await info(page, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('holds a single-instance lock, registers the protocol and routes deep links from a second instance', async () => {
    await startMain();
    await harness.ready();
    expect(harness.mock.app.setAsDefaultProtocolClient).toHaveBeenCalledWith('lightkeeper');
    harness.appEvents.emit('second-instance', {}, [
      '/usr/bin/lightkeeper',
      'lightkeeper://customer/acme?at=2026-11-20T10:00:00Z',
    ]);
    expect(harness.windows[0]!.webContents.sent).toContainEqual([
      'app:linkOpened',
      { view: 'customer', customerId: 'acme', at: '2026-11-20T10:00:00Z' },
    ]);
    harness.appEvents.emit('open-url', { preventDefault: vi.fn() }, 'lightkeeper://customer/../../etc');
    harness.appEvents.emit('open-url', { preventDefault: vi.fn() }, 'javascript:alert(1)');
    expect(harness.windows[0]!.webContents.sent.filter(([channel]) => channel === 'app:linkOpened')).toHaveLength(1);
  });

  it('starts the demo backend in a utility process, never through RunAsNode', async () => {
    delete process.env.LIGHTKEEPER_BACKEND;
    await startMain();
    await harness.ready();
    const fork = await waitFor(() => harness.forks[0], 'the demo backend was forked');
    expect(fork.modulePath).toMatch(/server[\\/]cli\.ts$/);
    expect(fork.args).toEqual(expect.arrayContaining(['--demo', '--port', '0', '--host', '127.0.0.1']));
    expect(fork.options).toMatchObject({ stdio: 'pipe', serviceName: 'Lightkeeper demo backend' });
    const env = fork.options.env as Record<string, string>;
    expect(env.ELECTRON_RUN_AS_NODE).toBeUndefined();
    expect(env.LIGHTKEEPER_ADMIN_TOKEN).toMatch(/.{20,}/);
    // The token travels in the environment, never on the command line.
    expect(fork.args.join(' ')).not.toContain(env.LIGHTKEEPER_ADMIN_TOKEN);
  });

  it('keeps tokens with safeStorage, and refuses the basic_text fallback until the user accepts it', async () => {
    const trusted = { sender: { id: 7 }, senderFrame: { url: 'app://lightkeeper/index.html', parent: null } };
    await startMain(true, 'gnome_libsecret');
    await harness.ready();
    const identity = harness.ipcHandlers.get('identity:get')!;
    expect(await identity(trusted, undefined)).toMatchObject({
      ok: true,
      value: { secrets: { kind: 'keychain', needsConsent: false, description: expect.stringContaining('GNOME keyring') } },
    });
    await harness.ipcHandlers.get('backend:set')!(trusted, { mode: 'remote', url: 'http://127.0.0.1:9', token: 'tok-123456789' });
    expect(harness.mock.safeStorage.encryptString).toHaveBeenCalled();
    harness.appEvents.emit('will-quit', { preventDefault: () => {} });

    await startMain(true, 'basic_text');
    await harness.ready();
    expect(await harness.ipcHandlers.get('identity:get')!(trusted, undefined)).toMatchObject({
      ok: true,
      value: { secrets: { kind: 'memory', needsConsent: true } },
    });
    await harness.ipcHandlers.get('backend:set')!(trusted, { mode: 'remote', url: 'http://127.0.0.1:9', token: 'tok-123456789' });
    expect(harness.mock.safeStorage.encryptString).not.toHaveBeenCalled();
  });

  it('quits at once when another instance holds the lock', async () => {
    await startMain(false);
    await harness.ready();
    expect(harness.mock.app.quit).toHaveBeenCalled();
    expect(harness.windows).toHaveLength(0);
  });
});

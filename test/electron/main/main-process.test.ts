import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../../shared/ipc/channels';
import { tempDirs } from '../../support/temp';

/**
 * The Electron runtime cannot be downloaded on these machines, so `electron` is
 * mocked (the OS edge) and the real main module is imported against the mock.
 */
type Handler = (...args: unknown[]) => unknown;
const dirs = tempDirs('lk-main-');

function createElectronMock(options: { hasLock: boolean; userData: string }) {
  const windows: FakeWindow[] = [];
  const appEvents = new EventEmitter();
  const ipcHandlers = new Map<string, Handler>();
  let permissionRequest: Handler | null = null;
  let permissionCheck: Handler | null = null;
  let headersReceived: Handler | null = null;
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
    permissionRequest: () => permissionRequest,
    permissionCheck: () => permissionCheck,
    headersReceived: () => headersReceived,
  };
}

let harness: ReturnType<typeof createElectronMock>;

async function startMain(hasLock = true) {
  vi.resetModules();
  harness = createElectronMock({ hasLock, userData: dirs.make() });
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
    expect(harness.windows[0]!.loaded).toMatch(/renderer[\\/]index\.html$/);
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
    contents.emit('will-navigate', inside, 'file:///app/out/renderer/index.html#/fleet');
    expect(inside.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('registers every contract channel and checks the sender frame', async () => {
    await startMain();
    await harness.ready();
    expect([...harness.ipcHandlers.keys()].sort()).toEqual([...CHANNELS].sort());
    const info = harness.ipcHandlers.get('app:info')!;
    const trusted = { sender: { id: 7 }, senderFrame: { url: 'file:///app/out/renderer/index.html', parent: null } };
    expect(await info(trusted, undefined)).toMatchObject({ ok: true, value: { mode: 'desktop', appVersion: '1.2.3' } });
    const subframe = { sender: { id: 7 }, senderFrame: { url: 'file:///app/out/renderer/index.html', parent: {} } };
    expect(await info(subframe, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const foreign = { sender: { id: 7 }, senderFrame: { url: 'https://evil.example.com', parent: null } };
    expect(await info(foreign, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const otherWindow = { sender: { id: 99 }, senderFrame: { url: 'file:///app/out/renderer/index.html', parent: null } };
    expect(await info(otherWindow, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
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

  it('quits at once when another instance holds the lock', async () => {
    await startMain(false);
    await harness.ready();
    expect(harness.mock.app.quit).toHaveBeenCalled();
    expect(harness.windows).toHaveLength(0);
  });
});

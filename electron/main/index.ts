import fs from 'node:fs';
import path from 'node:path';
import { BrowserWindow, Menu, app, ipcMain, nativeTheme, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { EVENTS } from '../../shared/ipc/channels';
import type { AppRoute } from '../../shared/routes';
import { parseDeepLink, DEEP_LINK_SCHEME } from '../../shared/routes';
import { CONTENT_SECURITY_POLICY } from '../core/csp';
import { createDesk, type Desk } from '../core/desk';
import { createLogger } from '../core/log';
import { registerContract } from '../ipc/register';
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { utilityBackend } from './demo-process';
import { safeStorageCipher } from './keychain';
import { applicationMenu } from './menu';
import { deepLinkFromArgv, externalLinkTarget, isAppUrl } from './security';
import { createSenderCheck } from './sender';
import { createShellUpdater, feedUrlProblem } from './updater';
import { BACKGROUND, mainWindowOptions } from './window-options';

const log = createLogger();
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const appOrigin = devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN;

// Before ready (Electron refuses it later): app:// is a standard, secure origin of its own.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

let mainWindow: BrowserWindow | null = null;
let desk: Desk | null = null;
let pendingRoute: AppRoute | null = deepLinkFromArgv(process.argv);

function openRoute(route: AppRoute): void {
  if (!mainWindow) {
    pendingRoute = route;
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
  mainWindow.webContents.send('app:linkOpened', route);
}

function openDeepLink(raw: string): void {
  const parsed = parseDeepLink(raw);
  if (parsed.ok) openRoute(parsed.route);
  else log.warn('refused deep link', { reason: parsed.reason });
}

/** The starter wizard library: shipped as an extra resource when packaged, in the checkout otherwise. */
function bundledWizardsDir(): string {
  return app.isPackaged
    ? path.join(process.resourcesPath, 'resources', 'wizards')
    : path.join(app.getAppPath(), 'resources', 'wizards');
}

/**
 * How to start the demo backend: a utility process (no RunAsNode) running the
 * bundled server (packaged app) or the TypeScript source through tsx (a checkout).
 */
function demoBackendCommand() {
  if (process.env.LIGHTKEEPER_BACKEND === 'none') return null;
  const env = { LIGHTKEEPER_WIZARDS_DIR: bundledWizardsDir() };
  if (app.isPackaged) return utilityBackend(utilityProcess, path.join(import.meta.dirname, 'server.js'), { env });
  return utilityBackend(utilityProcess, path.join(app.getAppPath(), 'server/cli.ts'), { execArgv: ['--import', 'tsx'], env });
}

/**
 * The app's updater (issue 14): the feed from LIGHTKEEPER_UPDATE_URL, else the one written at
 * packaging (app-update.yml); none in a checkout, which does not update itself.
 */
async function appUpdater() {
  const feedUrl = process.env.LIGHTKEEPER_UPDATE_URL?.trim() || null;
  if (!app.isPackaged) return { updater: null, reason: 'A checkout does not update itself: pull and rebuild it.' };
  if (feedUrl !== null) {
    const problem = feedUrlProblem(feedUrl);
    if (problem) return { updater: null, reason: problem };
  } else if (!fs.existsSync(path.join(process.resourcesPath, 'app-update.yml'))) {
    return {
      updater: null,
      reason:
        'This build has no update feed: your administrator sets one when packaging, or with LIGHTKEEPER_UPDATE_URL (docs/deploy.md, "Updates").',
    };
  }
  // Loaded only when used: a checkout never pays for it.
  const { autoUpdater } = (await import('electron-updater')).default;
  return { updater: createShellUpdater({ updater: autoUpdater, feedUrl, log }), reason: undefined };
}

function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow(
    mainWindowOptions(path.join(import.meta.dirname, '../preload/index.cjs'), nativeTheme.shouldUseDarkColors),
  );
  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    const target = externalLinkTarget(url);
    if (target) void shell.openExternal(target);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, appOrigin)) return;
    event.preventDefault();
    const target = externalLinkTarget(url);
    if (target) void shell.openExternal(target);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    mainWindow = null;
  });
  contents.on('did-finish-load', () => {
    if (pendingRoute) {
      contents.send('app:linkOpened', pendingRoute);
      pendingRoute = null;
    }
  });
  void window.loadURL(devServerUrl ?? APP_ENTRY_URL);
  return window;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  app.on('second-instance', (_event, argv) => {
    const route = deepLinkFromArgv(argv);
    if (route) openRoute(route);
    else if (mainWindow) mainWindow.focus();
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    openDeepLink(url);
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  void app.whenReady().then(async () => {
    hardenSession();
    protocol.handle(APP_SCHEME, createAppProtocolHandler(path.join(import.meta.dirname, '../renderer')));
    Menu.setApplicationMenu(applicationMenu((route) => openRoute(route)));
    const updates = await appUpdater();
    try {
      desk = createDesk({
        dataDir: app.getPath('userData'),
        mode: 'desktop',
        appVersion: app.getVersion(),
        platform: process.platform,
        log,
        sqliteBinding: process.env.LIGHTKEEPER_SQLITE_BINDING,
        demoBackend: demoBackendCommand(),
        bundledWizardsDir: bundledWizardsDir(),
        // Tokens and sign-ins are encrypted by the OS keychain.
        secretCipher: safeStorageCipher(safeStorage, process.platform),
        // Sign-in goes through the system browser (RFC 8252), never a window of ours.
        openExternal: (url) => shell.openExternal(url),
        updater: updates.updater,
        updatesUnavailableReason: updates.reason,
      });
    } catch (error) {
      log.error('desk core failed to start', { error: error instanceof Error ? error.message : String(error) });
      app.exit(1);
      return;
    }
    const isTrustedSender = createSenderCheck(() => mainWindow?.webContents.id ?? null, appOrigin);
    registerContract(ipcMain, desk.dispatch, isTrustedSender);
    desk.events.on((event, payload) => {
      if (EVENTS.includes(event)) mainWindow?.webContents.send(event, payload);
    });
    nativeTheme.on('updated', () => {
      mainWindow?.setBackgroundColor(nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light);
    });
    mainWindow = createWindow();
    void desk.start();
    // One check a start, after the window is up; the About page has Check now.
    if (updates.updater) void updates.updater.check();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!desk) return;
    // Stop syncing and the demo backend before the files close.
    event.preventDefault();
    const closing = desk;
    desk = null;
    void closing.stop().finally(() => {
      closing.close();
      app.quit();
    });
  });
}

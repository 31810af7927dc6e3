import type { BrowserWindowConstructorOptions } from 'electron';

/** Window background per theme, matching the renderer's CSS so there is no white flash. */
export const BACKGROUND = { dark: '#111418', light: '#f6f7f9' } as const;

/**
 * The main window's options. Every security switch is set explicitly, even where
 * it is Electron's default, so a change of default never weakens us.
 */
export function mainWindowOptions(preloadPath: string, isDark: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 560,
    title: 'Lightkeeper',
    show: false,
    backgroundColor: isDark ? BACKGROUND.dark : BACKGROUND.light,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
}

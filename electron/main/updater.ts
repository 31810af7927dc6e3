import type { UpdateChannel, UpdateStatus } from '../../shared/ipc/update-views';
import type { DeskUpdater } from '../core/updates';

/*
 * The desktop shell's updater (issue 14): electron-updater over a generic feed — a
 * folder of installers with latest.yml / beta.yml on any https server. The feed is set
 * at packaging (electron-builder's publish config, written into app-update.yml) or at
 * run time with LIGHTKEEPER_UPDATE_URL; the channel comes from the About page.
 * Updates download in the background and install when the person restarts (or quits).
 * The AppUpdater is passed in, so this runs under Vitest without Electron.
 */

/** The part of electron-updater's AppUpdater this uses. */
export type AppUpdaterLike = {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowPrerelease: boolean;
  allowDowngrade: boolean;
  channel: string | null;
  setFeedURL(options: { provider: 'generic'; url: string; channel?: string }): void;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: 'checking-for-update', listener: () => void): unknown;
  on(
    event: 'update-available' | 'update-not-available' | 'update-downloaded',
    listener: (info: { version: string }) => void,
  ): unknown;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
};

export type ShellUpdaterOptions = {
  updater: AppUpdaterLike;
  /** LIGHTKEEPER_UPDATE_URL, or null to use the feed written at packaging. */
  feedUrl: string | null;
  /** The address shown for the packaged feed (or null when it is not known). */
  packagedFeedUrl?: string | null;
  now?: () => number;
  log?: { warn(message: string, fields?: Record<string, unknown>): void };
};

/** An update feed must be https: the installers it lists are run on this machine. */
export function feedUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `LIGHTKEEPER_UPDATE_URL "${raw}" is not an address: set it to the https:// folder that holds latest.yml.`;
  }
  if (url.protocol !== 'https:')
    return `LIGHTKEEPER_UPDATE_URL must be https:// (installers are run from it), not ${url.protocol}: change it or unset it.`;
  if (url.username || url.password)
    return 'LIGHTKEEPER_UPDATE_URL must not carry a user name or password: serve the feed without them.';
  return null;
}

/** electron-updater's channel file for a desk channel: latest.yml for stable, beta.yml (and newer stable) for beta. */
const FEED_CHANNEL: Record<UpdateChannel, string> = { stable: 'latest', beta: 'beta' };

export function createShellUpdater(options: ShellUpdaterOptions): DeskUpdater {
  const { updater } = options;
  const now = options.now ?? Date.now;
  const listeners = new Set<(status: UpdateStatus) => void>();
  let status: UpdateStatus = {
    channel: 'stable',
    state: 'idle',
    feedUrl: options.feedUrl ?? options.packagedFeedUrl ?? null,
    version: null,
    percent: null,
    message: null,
    checkedAt: null,
  };
  const change = (next: Partial<UpdateStatus>) => {
    status = { ...status, ...next };
    for (const listener of listeners) listener(status);
  };

  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  if (options.feedUrl) updater.setFeedURL({ provider: 'generic', url: options.feedUrl, channel: FEED_CHANNEL.stable });

  updater.on('checking-for-update', () => change({ state: 'checking', message: null }));
  updater.on('update-not-available', () =>
    change({ state: 'idle', version: null, percent: null, checkedAt: new Date(now()).toISOString() }),
  );
  updater.on('update-available', (info) =>
    change({ state: 'downloading', version: info.version, percent: 0, checkedAt: new Date(now()).toISOString() }),
  );
  updater.on('download-progress', (progress) =>
    change({ state: 'downloading', percent: Math.min(100, Math.max(0, progress.percent)) }),
  );
  updater.on('update-downloaded', (info) => change({ state: 'ready', version: info.version, percent: 100 }));
  updater.on('error', (error) => {
    options.log?.warn('update check failed', { error: error.message });
    change({
      state: 'error',
      percent: null,
      message: `The update feed could not be read (${error.message.split('\n')[0]}). Lightkeeper keeps working; it tries again at the next start, or press Check now.`,
    });
  });

  return {
    status: () => status,
    setChannel(channel) {
      // Moving from beta back to stable never installs an older stable over a newer beta.
      updater.channel = FEED_CHANNEL[channel];
      updater.allowPrerelease = channel === 'beta';
      updater.allowDowngrade = false;
      change({ channel });
    },
    async check() {
      try {
        await updater.checkForUpdates();
      } catch (error) {
        // electron-updater also emits 'error'; the status says it either way.
        if (status.state !== 'error')
          change({
            state: 'error',
            message: `The update check failed: ${error instanceof Error ? error.message : String(error)}`,
          });
      }
    },
    restart() {
      if (status.state === 'ready') updater.quitAndInstall(false, true);
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

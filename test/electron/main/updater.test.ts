import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createUpdateHandlers } from '../../../electron/core/updates';
import { createShellUpdater, feedUrlProblem, type AppUpdaterLike } from '../../../electron/main/updater';
import { eventSchemas } from '../../../shared/ipc/contract';
import type { UpdateChannel, UpdateStatus } from '../../../shared/ipc/update-views';

/*
 * The app updater (issue 14) with electron-updater's AppUpdater replaced at its edge (it needs the
 * Electron runtime and a packaged app): the generic feed, the channel of the About page, the
 * status a check moves through, restart only once an update is downloaded, and every status
 * a valid `updates:changed` payload.
 */

class FakeAppUpdater extends EventEmitter implements AppUpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  allowPrerelease = false;
  allowDowngrade = true;
  channel: string | null = null;
  feeds: unknown[] = [];
  checks = 0;
  installs: unknown[][] = [];
  nextCheck: (updater: FakeAppUpdater) => void = (updater) => updater.emit('update-not-available', { version: '1.0.0' });
  setFeedURL(options: { provider: 'generic'; url: string; channel?: string }) {
    this.feeds.push(options);
  }
  checkForUpdates() {
    this.checks += 1;
    this.emit('checking-for-update');
    this.nextCheck(this);
    return Promise.resolve(null);
  }
  quitAndInstall(...args: unknown[]) {
    this.installs.push(args);
  }
}

function setUp(feedUrl: string | null = 'https://updates.example.com/lightkeeper') {
  const app = new FakeAppUpdater();
  let saved: UpdateChannel = 'stable';
  const emitted: UpdateStatus[] = [];
  const shell = createShellUpdater({ updater: app, feedUrl, now: () => Date.parse('2026-12-04T10:00:00Z') });
  const handlers = createUpdateHandlers({
    updater: shell,
    unavailableReason: 'no updater',
    channel: () => saved,
    saveChannel: (channel) => (saved = channel),
    emit: (status) => emitted.push(status),
  });
  return { app, handlers, emitted, saved: () => saved };
}

describe('app updates (issue 14)', () => {
  it('reads a generic feed, downloads in the background and installs on quit', () => {
    const { app } = setUp();
    expect(app.feeds).toEqual([{ provider: 'generic', url: 'https://updates.example.com/lightkeeper', channel: 'latest' }]);
    expect(app.autoDownload).toBe(true);
    expect(app.autoInstallOnAppQuit).toBe(true);
    expect(app.channel).toBe('latest');
    expect(app.allowPrerelease).toBe(false);
  });

  it('leaves the feed written at packaging alone when no URL is given at run time', () => {
    expect(setUp(null).app.feeds).toEqual([]);
  });

  it('takes betas on the beta channel, keeps the choice, and never downgrades going back to stable', async () => {
    const { app, handlers, emitted, saved } = setUp();
    expect(await handlers['updates:setChannel']({ channel: 'beta' })).toMatchObject({ channel: 'beta' });
    expect(saved()).toBe('beta');
    expect([app.channel, app.allowPrerelease, app.allowDowngrade]).toEqual(['beta', true, false]);
    handlers['updates:setChannel']({ channel: 'stable' });
    expect([app.channel, app.allowPrerelease, app.allowDowngrade]).toEqual(['latest', false, false]);
    expect(emitted.at(-1)).toMatchObject({ channel: 'stable' });
  });

  it('tells the page an update is downloading, then ready; restart installs it', async () => {
    const { app, handlers, emitted } = setUp();
    await expect(Promise.resolve().then(() => handlers['updates:restart']())).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/No update is downloaded yet/),
    });
    app.nextCheck = (updater) => {
      updater.emit('update-available', { version: '1.3.0' });
      updater.emit('download-progress', { percent: 42.5 });
      updater.emit('update-downloaded', { version: '1.3.0' });
    };
    const after = await handlers['updates:check']();
    expect(after).toMatchObject({ state: 'ready', version: '1.3.0', percent: 100, checkedAt: '2026-12-04T10:00:00.000Z' });
    expect(emitted.map((status) => status.state)).toEqual(['checking', 'downloading', 'downloading', 'ready']);
    expect(emitted[2]?.percent).toBe(42.5);
    for (const status of emitted) expect(eventSchemas['updates:changed'].safeParse(status).success).toBe(true);
    expect(app.installs).toEqual([]);
    handlers['updates:restart']();
    expect(app.installs).toEqual([[false, true]]);
  });

  it('says what failed and what happens next when the feed cannot be read', async () => {
    const { app, handlers } = setUp();
    app.nextCheck = (updater) => updater.emit('error', new Error('HttpError: 404 Not Found\nmore'));
    expect(await handlers['updates:check']()).toMatchObject({
      state: 'error',
      message: expect.stringMatching(/could not be read \(HttpError: 404 Not Found\)\. Lightkeeper keeps working/),
    });
  });

  it('answers unavailable with the reason when this desk has no updater', async () => {
    const handlers = createUpdateHandlers({
      updater: null,
      unavailableReason: 'This build has no update feed.',
      channel: () => 'beta',
      saveChannel: () => {},
      emit: () => {},
    });
    expect(handlers['updates:status']()).toMatchObject({
      state: 'unavailable',
      channel: 'beta',
      message: 'This build has no update feed.',
    });
    await expect(handlers['updates:check']()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses a feed that is not https or carries credentials', () => {
    expect(feedUrlProblem('https://updates.example.com/lk')).toBeNull();
    expect(feedUrlProblem('http://updates.example.com/lk')).toMatch(/must be https/);
    expect(feedUrlProblem('https://user:pw@updates.example.com/lk')).toMatch(/user name or password/);
    expect(feedUrlProblem('updates')).toMatch(/not an address/);
  });
});

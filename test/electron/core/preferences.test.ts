import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { tempDirs } from '../../support/temp';
import { call } from '../sync/support/desks';

const dirs = tempDirs('lk-prefs-');
const open: Desk[] = [];

function openDesk(dataDir: string): Desk {
  const desk = createDesk({
    dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    bundledWizardsDir: null,
  });
  open.push(desk);
  return desk;
}

afterAll(async () => {
  for (const desk of open) {
    await desk.stop();
    desk.close();
  }
  dirs.cleanup();
});

describe('display preferences (issue 14)', () => {
  it('shows times in the local zone until the user chooses UTC, and keeps the choice across restarts', async () => {
    const dataDir = dirs.make();
    const first = openDesk(dataDir);
    expect(await call(first, 'preferences:get', undefined)).toEqual({ timeZone: 'local' });
    expect(await call(first, 'preferences:set', { timeZone: 'utc' })).toEqual({ timeZone: 'utc' });
    const settings = path.join(dataDir, 'settings.json');
    expect(JSON.parse(fs.readFileSync(settings, 'utf8'))).toMatchObject({ preferences: { timeZone: 'utc' } });
    expect(fs.statSync(settings).mode & 0o777).toBe(0o600);
    await first.stop();
    first.close();
    open.splice(open.indexOf(first), 1);

    const second = openDesk(dataDir);
    expect(await call(second, 'preferences:get', undefined)).toEqual({ timeZone: 'utc' });
    expect(await second.dispatch('preferences:set', { timeZone: 'Europe/Paris' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
  });
});

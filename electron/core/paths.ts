import os from 'node:os';
import path from 'node:path';

/**
 * The data directory browser mode uses when none is given: the same place the
 * desktop app keeps its data on each platform (Electron's `userData`).
 */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Lightkeeper');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lightkeeper');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Lightkeeper');
}

// Helpers shared by the desktop launch and packaging scripts: find the Electron
// runtime, and build better-sqlite3 for Electron's ABI in a separate folder so
// Node's own build in node_modules is never touched (a failed in-place rebuild
// deletes it; see TOOLCHAIN.md).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The Electron executable, or an Error saying why it cannot be had. */
export function findElectron() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  const executable = probe.stdout?.trim();
  if (probe.status === 0 && executable && fs.existsSync(executable)) return executable;
  const detail = `${probe.stderr ?? ''}`.split('\n').find((line) => line.trim() !== '') ?? 'no output';
  return new Error(detail.trim());
}

/** The installed Electron version. */
export function electronVersion() {
  return JSON.parse(fs.readFileSync('node_modules/electron/package.json', 'utf8')).version;
}

/**
 * Path to better_sqlite3.node compiled for this Electron, building it once into
 * .electron-native/<version>/ (needs internet access for Electron's headers).
 * Returns an Error when it cannot be built.
 */
export function electronSqliteBinding() {
  const version = electronVersion();
  const folder = path.resolve('.electron-native', version, 'better-sqlite3');
  const binding = path.join(folder, 'build', 'Release', 'better_sqlite3.node');
  if (fs.existsSync(binding)) return binding;
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(folder), { recursive: true });
  fs.cpSync('node_modules/better-sqlite3', folder, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}build${path.sep}`) && !source.endsWith(`${path.sep}build`),
  });
  const env = { ...process.env };
  // A user-level nodedir would silently compile against Node's headers instead of Electron's.
  delete env.npm_config_nodedir;
  delete env.NPM_CONFIG_NODEDIR;
  const result = spawnSync(
    'npx',
    [
      '--yes',
      'node-gyp',
      'rebuild',
      '--release',
      '--runtime=electron',
      `--target=${version}`,
      '--dist-url=https://electronjs.org/headers',
    ],
    { cwd: folder, stdio: 'inherit', env },
  );
  if (result.status !== 0 || !fs.existsSync(binding)) {
    return new Error('could not compile better-sqlite3 for Electron (Electron headers need internet access)');
  }
  return binding;
}

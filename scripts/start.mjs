#!/usr/bin/env node
// `npm start`: build, then open the desktop window; where the Electron runtime
// cannot be obtained, say so and start browser mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { electronSqliteBinding, findElectron } from './electron-native.mjs';

const desktopOnly = process.argv.includes('--desktop-only');
const passThrough = process.argv.slice(2).filter((argument) => argument !== '--desktop-only');

const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('The build failed (see above). Fix it, then run `npm start` again.');
  process.exit(1);
}

function startBrowserMode(reason) {
  console.log(
    `\nLightkeeper could not open its desktop window: ${reason}. ` +
      'The Electron runtime is downloaded on first launch and needs internet access to its download site (and its ' +
      'native modules need Electron headers from there too). Starting browser mode instead: the same app, served ' +
      'only on 127.0.0.1 and guarded by a per-launch token — open the URL printed below in any browser. ' +
      'To get the desktop window, run `npm start` once on a machine with internet access.\n',
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/host/cli.ts', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}

const electron = findElectron();
if (electron instanceof Error) {
  if (desktopOnly) {
    console.error(`The Electron runtime is not available: ${electron.message}`);
    process.exit(1);
  }
  startBrowserMode(`the Electron runtime is not available (${electron.message})`);
} else {
  const binding = electronSqliteBinding();
  if (binding instanceof Error) {
    if (desktopOnly) {
      console.error(binding.message);
      process.exit(1);
    }
    startBrowserMode(binding.message);
  } else {
    const child = spawn(electron, ['.', ...passThrough], {
      stdio: 'inherit',
      env: { ...process.env, LIGHTKEEPER_SQLITE_BINDING: binding },
    });
    child.on('exit', (code) => process.exit(code ?? 0));
  }
}

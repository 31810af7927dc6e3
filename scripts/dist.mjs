#!/usr/bin/env node
// `npm run dist`: build and package installers with electron-builder. It needs
// internet access: electron-builder downloads the Electron runtime for each
// target and rebuilds better-sqlite3 against Electron's headers. To package
// offline from an unpacked Electron folder, pass:
//   npm run dist -- -c.electronDist=/path/to/electron -c.npmRebuild=false
// (then provide an Electron-built better_sqlite3.node yourself).
import { spawnSync } from 'node:child_process';

const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The update feed (docs/deploy.md, "Updates"): a generic provider written into the app as app-update.yml.
// Nothing is published from here; copy release/ to the feed's folder.
const feedUrl = process.env.LIGHTKEEPER_UPDATE_URL?.trim();
const feed = feedUrl ? ['-c.publish.provider=generic', `-c.publish.url=${feedUrl}`, '--publish', 'never'] : [];
const result = spawnSync('npx', ['electron-builder', '--config', 'electron-builder.yml', ...feed, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error(
    '\nPackaging failed. electron-builder needs internet access to download Electron and its headers; ' +
      'see the README section "Packaging".',
  );
}
process.exit(result.status ?? 1);

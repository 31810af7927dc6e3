import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnedBackend } from '../backend/demo-launcher';
import { createDesk } from '../core/desk';
import { createLogger } from '../core/log';
import { defaultDataDir } from '../core/paths';
import { startHost } from './http-host';
import { openInSystemBrowser } from './open-browser';

// Browser mode: the same desk core and renderer, served on 127.0.0.1.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.LIGHTKEEPER_PORT ?? '0' },
    'data-dir': { type: 'string', default: process.env.LIGHTKEEPER_DATA_DIR },
    'renderer-dir': { type: 'string', default: path.resolve('out/renderer') },
    json: { type: 'boolean', default: false },
    // `none` starts without the demo backend (for tests of the frame alone); a remote backend is set in the app.
    backend: { type: 'string', default: process.env.LIGHTKEEPER_BACKEND ?? 'demo' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a number from 0 to 65535 (0 picks a free port), got "${values.port}".`);
  process.exit(2);
}
if (!fs.existsSync(path.join(values['renderer-dir'], 'index.html'))) {
  console.error(`No built renderer in ${values['renderer-dir']}. Run \`npm run build\` first (npm run start:browser does).`);
  process.exit(2);
}

if (values.backend !== 'demo' && values.backend !== 'none') {
  console.error(`--backend must be "demo" or "none", got "${values.backend}".`);
  process.exit(2);
}

const log = createLogger();
const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
const packageJson = JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { version: string };

let desk;
try {
  desk = createDesk({
    dataDir,
    mode: 'browser',
    // No OS keychain here: secrets stay in <data dir>/secrets.json, readable only by this user (the Sync page says so).
    secretCipher: null,
    openExternal: (url) => openInSystemBrowser(url),
    appVersion: packageJson.version,
    platform: process.platform,
    log,
    demoBackend:
      values.backend === 'none' ? null : spawnedBackend(process.execPath, ['--import', 'tsx', path.resolve('server/cli.ts')]),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
const host = await startHost({ desk, rendererDir: values['renderer-dir'], log, port });

if (values.json) {
  process.stdout.write(`${JSON.stringify({ url: host.url, port: host.port, dataDir })}\n`);
} else {
  // One line (issue 15, item 15): the address to open; the rest of what a start says is on the page.
  process.stdout.write(
    `Lightkeeper is running in browser mode: open ${host.url} (this launch's secret link, do not share it; data in ${dataDir}; Ctrl+C stops)\n`,
  );
}

void desk.start();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await host.close();
  await desk.stop();
  desk.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

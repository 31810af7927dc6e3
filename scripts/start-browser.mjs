#!/usr/bin/env node
// `npm run start:browser`: build quietly (the log only when it fails), then serve the app on 127.0.0.1.
import { spawn } from 'node:child_process';
import { quietBuild } from './quiet-build.mjs';

if (!quietBuild()) process.exit(1);
const child = spawn(process.execPath, ['--import', 'tsx', 'electron/host/cli.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

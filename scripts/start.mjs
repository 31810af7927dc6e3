#!/usr/bin/env node
// `npm start`: build, then open the desktop window; where the Electron runtime
// cannot be obtained, say so in one line and start browser mode instead. A failed
// runtime download is remembered for the day (.electron-native/unavailable.json), so
// later starts that day go straight to browser mode instead of trying again
// (issue 15, item 15); `npm run start:desktop` always tries again.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { electronSqliteBinding, findElectron } from './electron-native.mjs';
import { quietBuild } from './quiet-build.mjs';

const desktopOnly = process.argv.includes('--desktop-only');
const passThrough = process.argv.slice(2).filter((argument) => argument !== '--desktop-only');
const MARKER = path.resolve('.electron-native', 'unavailable.json');

if (!quietBuild()) process.exit(1);

/** Today in local time ("2026-12-04"): the failure is remembered until the day changes. */
function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** The reason remembered today, or null. */
function rememberedFailure() {
  try {
    const marker = JSON.parse(fs.readFileSync(MARKER, 'utf8'));
    return marker.day === today() && typeof marker.reason === 'string' ? marker.reason : null;
  } catch {
    return null;
  }
}

function remember(reason) {
  fs.mkdirSync(path.dirname(MARKER), { recursive: true });
  fs.writeFileSync(MARKER, `${JSON.stringify({ day: today(), reason })}\n`);
}

function oneLine(text) {
  const line =
    String(text)
      .split('\n')
      .find((part) => part.trim() !== '') ?? String(text);
  return line.trim().length > 160 ? `${line.trim().slice(0, 157)}…` : line.trim();
}

function startBrowserMode(reason, isRemembered) {
  console.log(
    `No desktop window: ${oneLine(reason)}${isRemembered ? ' (remembered from an earlier start today)' : ''}. ` +
      'Starting browser mode instead; `npm run start:desktop` tries the Electron download again.',
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/host/cli.ts', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}

function refuse(reason) {
  if (!desktopOnly) return false;
  console.error(`The desktop window cannot open: ${reason}`);
  process.exit(1);
}

const remembered = desktopOnly ? null : rememberedFailure();
if (remembered !== null) startBrowserMode(remembered, true);
else {
  const electron = findElectron();
  if (electron instanceof Error) {
    const reason = `the Electron runtime could not be downloaded (${oneLine(electron.message)})`;
    remember(reason);
    if (!refuse(reason)) startBrowserMode(reason, false);
  } else {
    const binding = electronSqliteBinding();
    if (binding instanceof Error) {
      remember(binding.message);
      if (!refuse(binding.message)) startBrowserMode(binding.message, false);
    } else {
      fs.rmSync(MARKER, { force: true });
      const child = spawn(electron, ['.', ...passThrough], {
        stdio: 'inherit',
        env: { ...process.env, LIGHTKEEPER_SQLITE_BINDING: binding },
      });
      child.on('exit', (code) => process.exit(code ?? 0));
    }
  }
}

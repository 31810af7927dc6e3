import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import type { Logger } from '../../shared/log';

/** A running demo backend. */
export type DemoBackend = { url: string; stop(): Promise<void> };

/** How to start the reference server as a child process; the host knows the command (dev vs packaged). */
export type DemoBackendCommand = { command: string; args: string[]; env?: NodeJS.ProcessEnv };

/** The name of the person logged in to this machine (their account name; "you" when the OS will not say). */
export function localUserName(): string {
  try {
    return os.userInfo().username || 'you';
  } catch {
    return 'you';
  }
}

/**
 * Starts the reference server with embedded storage and the simulated fleet on
 * loopback, in a child process (the desk core never imports server code, and the
 * embedded database must not block the desk's thread). The token travels in the
 * environment, not on the command line, so other users cannot read it from `ps`.
 */
export function startDemoBackend(options: {
  spec: DemoBackendCommand;
  dataDir: string;
  token: string;
  log: Logger;
  startTimeoutMs?: number;
}): Promise<DemoBackend> {
  const child = spawn(
    options.spec.command,
    [...options.spec.args, '--demo', '--json', '--port', '0', '--host', '127.0.0.1', '--data-dir', options.dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.spec.env,
        LIGHTKEEPER_ADMIN_TOKEN: options.token,
        // The demo backend's one user is whoever runs the desk: records carry their name, not "admin".
        LIGHTKEEPER_ADMIN_NAME: localUserName(),
        DATABASE_URL: '',
      },
    },
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise<DemoBackend>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`The demo backend did not start within ${(options.startTimeoutMs ?? 120_000) / 1000} s.`));
    }, options.startTimeoutMs ?? 120_000);
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const { url } = JSON.parse(line) as { url: string };
        clearTimeout(timer);
        child.once('exit', (code, signal) => options.log.warn('demo backend exited', { code, signal }));
        resolve({ url, stop });
      } catch {
        // Not the ready line.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `The demo backend exited with code ${code} before it was ready: ${stderrTail.trim().split('\n').slice(-3).join(' ')}`,
        ),
      );
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`The demo backend could not be started: ${error.message}`));
    });
  });
}

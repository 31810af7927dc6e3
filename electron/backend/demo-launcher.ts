import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import type { Logger } from '../../shared/log';

/** What a starting demo backend said it is doing (its `{"starting": …}` lines, #15 item 2). */
export type DemoStartStep = { starting: 'database' | 'fleet' | 'wizards'; customers?: number };

/** The words the desk shows for a start step. */
export function demoStartMessage(step: DemoStartStep): string {
  if (step.starting === 'database') return 'Starting the demo backend… preparing its database';
  if (step.starting === 'fleet')
    return `Starting the demo backend… preparing ${step.customers ?? 'the'} customer${step.customers === 1 ? '' : 's'}`;
  return 'Starting the demo backend… publishing the starter wizards';
}

function startStepOf(value: unknown): DemoStartStep | null {
  if (typeof value !== 'object' || value === null || !('starting' in value)) return null;
  const { starting, customers } = value as { starting: unknown; customers?: unknown };
  if (starting !== 'database' && starting !== 'fleet' && starting !== 'wizards') return null;
  return typeof customers === 'number' ? { starting, customers } : { starting };
}

/** A running demo backend. */
export type DemoBackend = { url: string; stop(): Promise<void> };

/** The started server process, as the launcher needs it (a Node child process or Electron's utility process). */
export type DemoProcess = {
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  /** Asks the process to end; `force` after it ignored the first ask. */
  kill(force: boolean): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  onError(listener: (error: Error) => void): void;
  hasExited(): boolean;
};

/**
 * How to start the reference server; the host knows how (the desktop shell uses
 * Electron's utilityProcess, so the RunAsNode fuse can stay off; browser mode spawns Node).
 */
export type DemoBackendCommand = { start(args: string[], env: Record<string, string>): DemoProcess };

/** A starter that spawns `command args… <launcher args>` as a Node child process (browser mode). */
export function spawnedBackend(command: string, args: string[], env: Record<string, string> = {}): DemoBackendCommand {
  return {
    start(extraArgs, extraEnv) {
      const child = spawn(command, [...args, ...extraArgs], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env, ...extraEnv },
      });
      return {
        stdout: child.stdout,
        stderr: child.stderr,
        kill: (force) => void child.kill(force ? 'SIGKILL' : 'SIGTERM'),
        onExit: (listener) => void child.once('exit', (code, signal) => listener(code, signal)),
        onError: (listener) => void child.once('error', listener),
        hasExited: () => child.exitCode !== null || child.signalCode !== null,
      };
    },
  };
}

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
  /** Each step the backend reports before it is ready. */
  onProgress?: (step: DemoStartStep) => void;
  /** The process ended after it was ready and nobody asked it to (a crash, a kill from outside). */
  onUnexpectedExit?: (code: number | null, signal: string | null) => void;
}): Promise<DemoBackend> {
  const child = options.spec.start(['--demo', '--json', '--port', '0', '--host', '127.0.0.1', '--data-dir', options.dataDir], {
    LIGHTKEEPER_ADMIN_TOKEN: options.token,
    // The demo backend's one user is whoever runs the desk: records carry their name, not "admin".
    LIGHTKEEPER_ADMIN_NAME: localUserName(),
    DATABASE_URL: '',
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  let isStopping = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      isStopping = true;
      if (child.hasExited()) return resolve();
      child.onExit(() => resolve());
      child.kill(false);
      setTimeout(() => {
        if (!child.hasExited()) child.kill(true);
      }, 5000).unref();
    });
  return new Promise<DemoBackend>((resolve, reject) => {
    if (!child.stdout) {
      void stop();
      reject(new Error('The demo backend was started without a readable output; it cannot say when it is ready.'));
      return;
    }
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`The demo backend did not start within ${(options.startTimeoutMs ?? 120_000) / 1000} s.`));
    }, options.startTimeoutMs ?? 120_000);
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const parsed: unknown = JSON.parse(line);
        const step = startStepOf(parsed);
        if (step) {
          options.onProgress?.(step);
          return;
        }
        const { url } = parsed as { url: string };
        if (typeof url !== 'string') return;
        clearTimeout(timer);
        child.onExit((code, signal) => {
          options.log.warn('demo backend exited', { code, signal, isStopping });
          if (!isStopping) options.onUnexpectedExit?.(code, signal);
        });
        resolve({ url, stop });
      } catch {
        // Not the ready line.
      }
    });
    child.onExit((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `The demo backend exited with code ${code} before it was ready: ${stderrTail.trim().split('\n').slice(-3).join(' ')}`,
        ),
      );
    });
    child.onError((error) => {
      clearTimeout(timer);
      reject(new Error(`The demo backend could not be started: ${error.message}`));
    });
  });
}

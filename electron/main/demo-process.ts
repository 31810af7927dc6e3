import type { UtilityProcess, ForkOptions } from 'electron';
import type { DemoBackendCommand } from '../backend/demo-launcher';

/** The part of Electron's `utilityProcess` used here; tests pass a fake. */
export type UtilityFork = { fork(modulePath: string, args: string[], options: ForkOptions): UtilityProcess };

/**
 * The demo backend in an Electron utility process: a Node.js child that needs no
 * ELECTRON_RUN_AS_NODE, so the packaged app ships with the RunAsNode fuse off.
 * `execArgv` is for a checkout only (`--import tsx` to run the TypeScript source);
 * a packaged app runs the bundled server.js and passes none (the NODE_OPTIONS and
 * --inspect fuses are off there).
 */
export function utilityBackend(
  utility: UtilityFork,
  modulePath: string,
  options: { execArgv?: string[]; env?: Record<string, string> } = {},
): DemoBackendCommand {
  return {
    start(args, extraEnv) {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
      delete env.ELECTRON_RUN_AS_NODE;
      Object.assign(env, options.env, extraEnv);
      const child = utility.fork(modulePath, args, {
        stdio: 'pipe',
        serviceName: 'Lightkeeper demo backend',
        execArgv: options.execArgv ?? [],
        env,
      });
      let exited = false;
      child.once('exit', () => {
        exited = true;
      });
      return {
        stdout: child.stdout,
        stderr: child.stderr,
        // A utility process has one way to end it; the launcher's second ask is the same call.
        kill: () => void child.kill(),
        onExit: (listener) => void child.once('exit', (code) => listener(code, null)),
        onError: (listener) =>
          void child.once('error', (type: string, location: string) =>
            listener(new Error(`the utility process failed (${type} at ${location})`)),
          ),
        hasExited: () => exited,
      };
    },
  };
}

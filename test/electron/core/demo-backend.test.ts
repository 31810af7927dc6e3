import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import type { DemoBackendCommand, DemoProcess } from '../../../electron/backend/demo-launcher';
import { ensureAdminToken } from '../../../server/repo/tokens';
import type { SyncStatus } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/ipc/result';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, startTestServer, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';

/**
 * The demo backend's lifecycle as the desk core runs it: a real reference server
 * over a real database stands behind a fake process (only the operating-system
 * edge is faked), which the test can make die as a crash would.
 */
const dirs = tempDirs('lk-demo-');
let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  await addCustomers(database.storage, ['acme', 'globex']);
});
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** A "process" that is ready once the real server accepts the token it was given; `crash()` ends it from outside. */
function fakeDemoCommand(startLines: object[] = []) {
  const started: { crash(code: number): void; stops: number }[] = [];
  const command: DemoBackendCommand = {
    start(_args, env) {
      const stdout = new PassThrough();
      const exits = new EventEmitter();
      let hasExited = false;
      const exit = (code: number | null) => {
        if (hasExited) return;
        hasExited = true;
        exits.emit('exit', code, null);
      };
      const entry = { crash: (code: number) => exit(code), stops: 0 };
      started.push(entry);
      for (const line of startLines) stdout.write(`${JSON.stringify(line)}\n`);
      void ensureAdminToken(database.storage, env.LIGHTKEEPER_ADMIN_TOKEN, 'you').then(() =>
        stdout.write(`${JSON.stringify({ url: server.url })}\n`),
      );
      const child: DemoProcess = {
        stdout,
        stderr: new PassThrough(),
        kill: () => {
          entry.stops += 1;
          exit(0);
        },
        onExit: (listener) => void exits.once('exit', listener),
        onError: () => undefined,
        hasExited: () => hasExited,
      };
      return child;
    },
  };
  return { command, started };
}

/** A desk core in browser mode over the given demo backend command, retrying fast. */
function demoDesk(command: DemoBackendCommand) {
  return createDesk({
    dataDir: dirs.make(),
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    demoBackend: command,
    requestTimeoutMs: 2000,
    backoff: { baseMs: 20, capMs: 300 },
  });
}

describe('the demo backend', () => {
  it('says what it is doing while it starts, then the first copy comes in (#15, item 2)', async () => {
    const { command } = fakeDemoCommand([
      { starting: 'database' },
      { starting: 'fleet', customers: 60 },
      { starting: 'wizards' },
    ]);
    const desk = demoDesk(command);
    const statuses: SyncStatus[] = [];
    desk.events.on((name, payload) => {
      if (name === 'sync:changed') statuses.push(payload as SyncStatus);
    });
    try {
      await desk.start();
      await waitFor(() => statuses.at(-1)?.state === 'online', 'first sync with the demo backend');
      const starting = statuses.filter((status) => status.state === 'syncing' && status.backendUrl === null);
      expect(starting.map((status) => status.message)).toEqual([
        'Starting the demo backend…',
        'Starting the demo backend… preparing its database',
        'Starting the demo backend… preparing 60 customers',
        'Starting the demo backend… publishing the starter wizards',
      ]);
      // The first copy is whole: no progress left to show.
      expect(statuses.at(-1)?.firstSync).toBeNull();
    } finally {
      await desk.stop();
      desk.close();
    }
  });

  it('is started again, with a wait that says so, when it dies (#15)', async () => {
    const { command, started } = fakeDemoCommand();
    const desk = demoDesk(command);
    const statuses: SyncStatus[] = [];
    desk.events.on((name, payload) => {
      if (name === 'sync:changed') statuses.push(payload as SyncStatus);
    });
    const status = async () => unwrap(await desk.dispatch('sync:status', undefined)) as SyncStatus;
    try {
      await desk.start();
      await waitFor(async () => (await status()).state === 'online', 'first sync with the demo backend');
      expect(started).toHaveLength(1);

      started[0]!.crash(1);
      const restarting = await waitFor(async () => {
        const current = await status();
        return current.state === 'offline' ? current : null;
      }, 'the desk says the demo backend stopped');
      expect(restarting.message).toBe(
        'The demo backend stopped (exit code 1). Lightkeeper restarts it in 1 s (attempt 1); everything already synced stays available.',
      );
      await waitFor(() => started.length === 2, 'the desk starts the demo backend again');
      await waitFor(async () => (await status()).state === 'online', 'sync with the restarted demo backend');
      expect(statuses.some((item) => item.message === 'Restarting the demo backend…')).toBe(true);
    } finally {
      await desk.stop();
      desk.close();
    }
    // Stopping the desk is not a crash: nothing is started again.
    expect(started.at(-1)!.stops).toBe(1);
    expect(started).toHaveLength(2);
  });
});

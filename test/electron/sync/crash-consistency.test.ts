import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../server/storage/types';
import { createTestDatabase, type TestDatabase } from '../../server/support/database';
import { addCustomers, event, request, startTestServer, token, type TestServer } from '../../server/support/server';
import { tempDirs } from '../../support/temp';

/**
 * Crash consistency: a desk process is killed with SIGKILL at several points
 * while it bootstraps and pushes; each restart must find intact files, every
 * acknowledged local write either on the server or still in the outbox, and
 * finally converge to exactly the server's state.
 */
const dirs = tempDirs('lk-crash-');
const child = path.resolve('test/electron/sync/support/sync-child.ts');
let database: TestDatabase;
let storage: Storage;
let server: TestServer;
let deskToken: string;
let ingestToken: string;
const customers = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];

async function ingestMore(count: number, offset = 0): Promise<void> {
  const events = Array.from({ length: count }, (_, index) =>
    event(customers[index % customers.length]!, {
      occurredAt: new Date(Date.UTC(2026, 9, 1) + (offset + index) * 60_000).toISOString(),
      summary: `history event ${offset + index} with searchable words`,
    }),
  );
  const response = await request(server.url, 'POST', '/v1/events', ingestToken, { events });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  database = await createTestDatabase();
  storage = database.storage;
  server = await startTestServer(storage);
  deskToken = await token(storage, { userId: 'dana', role: 'desk' });
  ingestToken = await token(storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(storage, customers);
  for (let batch = 0; batch < 3; batch += 1) await ingestMore(1000, batch * 1000);
}, 120_000);
afterAll(async () => {
  await server.close();
  await database.dispose();
  dirs.cleanup();
});

/** Where to kill: after the child printed `line` (`page` = a pulled page applied, `created` = a note saved) `count` times. */
type KillPoint = { line: 'page' | 'created'; count: number } | null;

function runChild(dataDir: string, notes: number, label: string, killAt: KillPoint) {
  return new Promise<{ created: string[]; converged: boolean; signal: NodeJS.Signals | null }>((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir, server.url, deskToken, String(notes), label], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const created: string[] = [];
    let converged = false;
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('created ')) created.push(line.slice('created '.length));
        if (line === 'converged') converged = true;
        if (killAt && (line === killAt.line || line.startsWith(`${killAt.line} `))) {
          seen += 1;
          if (seen === killAt.count) proc.kill('SIGKILL');
        }
      }
    });
    let seen = 0;
    proc.on('exit', (_code, signal) => {
      resolve({ created, converged, signal });
    });
  });
}

function inspect(dataDir: string) {
  // Writable only because FTS5's integrity-check command is written as an INSERT; it changes nothing.
  const cache = new Database(path.join(dataDir, 'cache.sqlite'));
  const outbox = new Database(path.join(dataDir, 'outbox.sqlite'), { readonly: true });
  try {
    return {
      cacheCheck: cache.pragma('quick_check', { simple: true }),
      outboxCheck: outbox.pragma('quick_check', { simple: true }),
      events: (cache.prepare('select count(*) as n from events').get() as { n: number }).n,
      ftsCheck: (() => {
        try {
          cache.exec("insert into events_fts (events_fts) values ('integrity-check')");
          return 'ok';
        } catch (error) {
          return String(error);
        }
      })(),
      outboxBodies: (outbox.prepare('select args from outbox').all() as { args: string }[]).map(
        (row) => (JSON.parse(row.args) as { body: string }).body,
      ),
    };
  } finally {
    cache.close();
    outbox.close();
  }
}

async function serverNoteBodies(): Promise<string[]> {
  const rows = await storage.query<{ body: string }>('select body from notes order by body');
  return rows.map((row) => row.body);
}

describe('crash consistency', () => {
  it('survives SIGKILL at several points mid-sync and converges to the server state', async () => {
    const dataDir = dirs.make();
    const written: string[] = [];
    let killsDuringSync = 0;
    const points: KillPoint[] = [
      { line: 'page', count: 3 },
      { line: 'created', count: 1 },
      { line: 'page', count: 10 },
      { line: 'created', count: 2 },
      { line: 'page', count: 2 },
    ];
    for (const [round, killAt] of points.entries()) {
      if (round === 4) await ingestMore(400);
      const run = await runChild(dataDir, 3, `round ${round}`, killAt);
      written.push(...run.created);
      if (run.signal === 'SIGKILL' && !run.converged) killsDuringSync += 1;
      const state = inspect(dataDir);
      expect(state.cacheCheck).toBe('ok');
      expect(state.outboxCheck).toBe('ok');
      // Every write the process reported as saved is on the server or still queued: nothing lost.
      const onServer = new Set(await serverNoteBodies());
      const missing = written.filter((body) => !onServer.has(body) && !state.outboxBodies.includes(body));
      expect(missing).toEqual([]);
    }
    expect(killsDuringSync).toBeGreaterThanOrEqual(3);

    const final = await runChild(dataDir, 0, 'final', null);
    expect(final.converged).toBe(true);
    const state = inspect(dataDir);
    const serverEvents = Number((await storage.query<{ n: string | number }>('select count(*) as n from events'))[0]?.n);
    expect(state.events).toBe(serverEvents);
    expect(state.ftsCheck).toBe('ok');
    expect(state.outboxBodies).toEqual([]);
    // Each note exactly once on the server.
    const bodies = await serverNoteBodies();
    expect(bodies.filter((body) => written.includes(body)).sort()).toEqual([...written].sort());
  }, 120_000);
});

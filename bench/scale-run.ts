// The core of `npm run bench:scale` (bench/scale.ts), also run at a tiny size by test/bench/scale.test.ts:
// several reference server processes over one PostgreSQL database, and simulated desks — each the desk's
// real sync engine with its own SQLite cache and outbox (electron/sync/engine.ts), attached to one of the
// servers — that bootstrap, are poked, pull, and push notes. It measures latencies at the desks, CPU
// time of the server processes and of the database's PostgreSQL backends (/proc/<pid>/stat), counts
// errors, and checks at the end that every desk converged to the notes the database holds.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { createBackendClient, type BackendClient } from '../electron/backend/client';
import { silentLogger } from '../electron/core/log';
import { createApplier } from '../electron/db/apply';
import { openCache, type CacheHandle } from '../electron/db/cache';
import { createOutbox, type Outbox } from '../electron/db/outbox';
import { createSyncEngine, type SyncEngine } from '../electron/sync/engine';
import type { SyncStatus } from '../shared/ipc/contract';
import { ulid } from '../shared/ulid';
import { benchDatabaseUrl, processCpuMs } from './support';

/** What one run does. Desks work in teams: a team shares its customers, its desks alternate between servers. */
export type ScaleOptions = {
  servers: number;
  desks: number;
  /** Desks per team (a team sees the same customers; each note pokes the rest of its team). */
  teamSize: number;
  /** Customers each team (and so each desk token) may see. */
  customersPerTeam: number;
  /** Demo customers seeded (teams wrap around them). */
  customers: number;
  /** Notes each desk writes, one every `noteIntervalMs` (first after a random part of it). */
  notesPerDesk: number;
  noteIntervalMs: number;
  /** How long to wait, after the last note, for every desk to hold every note of its customers. */
  settleTimeoutMs: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
};

/**
 * CPU time in milliseconds used during a phase: by the server processes, by the database's PostgreSQL
 * backends, and by this process — the desks' engines, SQLite caches and HTTP clients all run here, on one
 * thread, so when it is busy the desks' latencies include their own queueing.
 */
export type PhaseCpu = { serverMs: number; postgresMs: number; deskMs: number; wallMs: number };

/** One desk's notes as its cache holds them, and what its outbox still holds. */
export type DeskNotes = {
  desk: number;
  customers: readonly string[];
  notes: readonly NoteCopy[];
  pendingOutbox: number;
  rejected: number;
};
export type NoteCopy = { id: string; customerId: string; body: string; ver: number };

export type ScaleResult = {
  servers: number;
  desks: number;
  /** Per desk: setClient → first sync finished (online, nothing bootstrapping). */
  bootstrapMs: number[];
  /** Pull requests while some bucket was still bootstrapping: request → validated answer. */
  bootstrapPullMs: number[];
  /** Pull requests of live buckets only (after a poke, a local write or the safety poll). */
  pullMs: number[];
  /** Note acknowledged by the server its writer is attached to → in the cache of a desk attached to another server. */
  visibleOtherServerMs: number[];
  /** The same, for desks attached to the writer's server. */
  visibleSameServerMs: number[];
  bootstrapCpu: PhaseCpu;
  /** From the first note written until every desk held every note of its customers. */
  steadyCpu: PhaseCpu;
  notesWritten: number;
  bootstrapOps: number;
  errors: { count: number; examples: string[] };
  convergence: { problems: string[]; notesOnServer: number };
};

/**
 * CPU of the server processes and of every PostgreSQL backend connected to the database, sampled every
 * `everyMs` so a backend that closes during a phase still counts up to its last sample. A backend first
 * seen during a phase started during it: all of its CPU belongs to the phase.
 */
function createCpuTracker(monitor: pg.Client, serverPids: () => number[], everyMs = 500) {
  const latest = new Map<number, { kind: 'server' | 'postgres'; ms: number }>();
  let monitorPid = -1;
  const sample = async () => {
    for (const pid of serverPids()) {
      const used = processCpuMs(pid);
      if (used !== null) latest.set(pid, { kind: 'server', ms: used });
    }
    const { rows } = await monitor.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    for (const { pid } of rows) {
      if (pid === monitorPid) continue;
      const used = processCpuMs(pid);
      if (used !== null) latest.set(pid, { kind: 'postgres', ms: used });
    }
  };
  let timer: NodeJS.Timeout | null = null;
  let sampling: Promise<void> = Promise.resolve();
  return {
    async start() {
      monitorPid = ((await monitor.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? -1) as number;
      timer = setInterval(() => {
        sampling = sampling.then(sample).catch(() => undefined);
      }, everyMs);
    },
    async phase(): Promise<{ end(): Promise<PhaseCpu> }> {
      await (sampling = sampling.then(sample));
      const baseline = new Map([...latest].map(([pid, entry]) => [pid, entry.ms]));
      const started = performance.now();
      const deskStarted = process.cpuUsage();
      return {
        async end() {
          await (sampling = sampling.then(sample));
          const desk = process.cpuUsage(deskStarted);
          const used: PhaseCpu = {
            serverMs: 0,
            postgresMs: 0,
            deskMs: (desk.user + desk.system) / 1000,
            wallMs: performance.now() - started,
          };
          for (const [pid, entry] of latest) {
            const spent = entry.ms - (baseline.get(pid) ?? 0);
            if (entry.kind === 'server') used.serverMs += spent;
            else used.postgresMs += spent;
          }
          return used;
        },
      };
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

type ServerProcess = { child: ChildProcess; url: string; stderrTail: string[] };

async function startServer(databaseUrl: string, adminToken: string, args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--json', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: databaseUrl, LIGHTKEEPER_ADMIN_TOKEN: adminToken },
  });
  const stderrTail: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (text) => {
    stderrTail.push(text);
    if (stderrTail.length > 30) stderrTail.shift();
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      // Progress lines ({"starting": …}) come first; the ready line is the one with the url.
      const ready = JSON.parse(text) as { url?: string };
      if (ready.url) resolve(ready.url);
    });
    child.once('exit', (code) => reject(new Error(`a server exited with ${code} before it listened:\n${stderrTail.join('\n')}`)));
  });
  return { child, url, stderrTail };
}

function stopServer(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
    setTimeout(() => server.child.kill('SIGKILL'), 10_000).unref();
  });
}

/** Which customers each desk sees: teams of `teamSize` consecutive desks share `customersPerTeam` customers. */
export function deskScopes(
  options: Pick<ScaleOptions, 'desks' | 'teamSize' | 'customersPerTeam'>,
  customerIds: readonly string[],
) {
  return Array.from({ length: options.desks }, (_unused, desk) => {
    const team = Math.floor(desk / options.teamSize);
    const scope = new Set<string>();
    for (let index = 0; index < options.customersPerTeam; index += 1) {
      scope.add(customerIds[(team * options.customersPerTeam + index) % customerIds.length]!);
    }
    return [...scope].sort();
  });
}

/**
 * Whether every desk converged: each holds exactly the notes the database holds for its customers (same
 * ids, bodies and versions; none missing, none extra), has nothing left in its outbox, and every note a
 * desk wrote is on the server exactly once with its text. Returns the problems found (none: converged).
 */
export function checkConvergence(
  serverNotes: readonly NoteCopy[],
  desks: readonly DeskNotes[],
  written: ReadonlyMap<string, { customerId: string; body: string }>,
): string[] {
  const problems: string[] = [];
  const byId = new Map<string, NoteCopy>();
  for (const note of serverNotes) {
    if (byId.has(note.id)) problems.push(`the server holds note ${note.id} twice`);
    byId.set(note.id, note);
  }
  for (const [id, expected] of written) {
    const held = byId.get(id);
    if (!held) problems.push(`note ${id} (written on ${expected.customerId}) is not on the server: lost`);
    else if (held.body !== expected.body || held.customerId !== expected.customerId)
      problems.push(`note ${id} is on the server as "${held.body}" on ${held.customerId}, written as "${expected.body}"`);
  }
  const writtenBodies = new Map<string, number>();
  for (const note of serverNotes) {
    if ([...written.values()].some((entry) => entry.body === note.body))
      writtenBodies.set(note.body, (writtenBodies.get(note.body) ?? 0) + 1);
  }
  for (const [body, count] of writtenBodies)
    if (count > 1) problems.push(`"${body}" is on the server ${count} times: duplicated`);
  for (const desk of desks) {
    const scope = new Set(desk.customers);
    const expected = serverNotes.filter((note) => scope.has(note.customerId));
    const held = new Map<string, NoteCopy>();
    for (const note of desk.notes) {
      if (held.has(note.id)) problems.push(`desk ${desk.desk} holds note ${note.id} twice`);
      held.set(note.id, note);
    }
    for (const note of expected) {
      const copy = held.get(note.id);
      if (!copy) problems.push(`desk ${desk.desk} is missing note ${note.id} of ${note.customerId}`);
      else if (copy.body !== note.body || copy.ver !== note.ver || copy.customerId !== note.customerId)
        problems.push(`desk ${desk.desk} holds note ${note.id} at version ${copy.ver}, the server at ${note.ver}`);
    }
    for (const note of desk.notes) {
      if (!byId.has(note.id)) problems.push(`desk ${desk.desk} holds note ${note.id}, which the server does not`);
      else if (!scope.has(note.customerId))
        problems.push(`desk ${desk.desk} holds note ${note.id} of ${note.customerId}, outside its customers`);
    }
    if (desk.pendingOutbox > 0) problems.push(`desk ${desk.desk} still has ${desk.pendingOutbox} writes on their way`);
    if (desk.rejected > 0) problems.push(`desk ${desk.desk} had ${desk.rejected} writes refused`);
  }
  return problems;
}

type Desk = {
  index: number;
  server: number;
  customers: string[];
  handle: CacheHandle;
  outbox: Outbox;
  client: BackendClient;
  engine: SyncEngine;
  /** The engine's last status. */
  seat: { status: SyncStatus | null };
  /** Notes of other desks this desk still waits for, by customer. */
  waiting: Map<string, Set<string>>;
};

const wait = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await wait(25);
  }
  return true;
}

/** Runs the desks against `options.servers` server processes over a fresh PostgreSQL database, then drops it. */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => undefined);
  const database = await benchDatabaseUrl();
  if (!database.url)
    throw new Error('bench:scale needs PostgreSQL at 127.0.0.1:5432 (trust auth): several servers share one database.');
  const databaseUrl = database.url;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-scale-'));
  const adminToken = crypto.randomBytes(24).toString('base64url');
  const servers: ServerProcess[] = [];
  const desks: Desk[] = [];
  const monitor = new pg.Client({ connectionString: databaseUrl });
  const cpu = createCpuTracker(monitor, () => servers.map((server) => server.child.pid!).filter(Boolean));
  const errors: string[] = [];
  const recordError = (text: string) => errors.push(text);
  const result: ScaleResult = {
    servers: options.servers,
    desks: options.desks,
    bootstrapMs: [],
    bootstrapPullMs: [],
    pullMs: [],
    visibleOtherServerMs: [],
    visibleSameServerMs: [],
    bootstrapCpu: { serverMs: 0, postgresMs: 0, deskMs: 0, wallMs: 0 },
    steadyCpu: { serverMs: 0, postgresMs: 0, deskMs: 0, wallMs: 0 },
    notesWritten: 0,
    bootstrapOps: 0,
    errors: { count: 0, examples: [] },
    convergence: { problems: [], notesOnServer: 0 },
  };
  try {
    // The first server migrates and seeds the demo fleet (live mode off: only the desks write); the others join it.
    const started = performance.now();
    const demo = ['--demo', '--seed', '7', '--customers', String(options.customers), '--live-interval', '0'];
    // Started together, as behind a load balancer: migrations and the demo seed serialise themselves in the database.
    const starting = Array.from({ length: options.servers }, (_unused, index) =>
      startServer(databaseUrl, adminToken, [...(index === 0 ? demo : []), '--log-retention-days', '0']),
    );
    const settled = await Promise.allSettled(starting);
    for (const outcome of settled) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    log(
      `${options.servers} server process(es) up over one PostgreSQL database in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await monitor.connect();
    await cpu.start();

    const customerIds = (await monitor.query<{ id: string }>('select id from customers order by id')).rows.map((row) => row.id);
    const scopes = deskScopes(options, customerIds);
    // One desk token per desk, scoped to its team's customers, made through the admin API like a deployment would.
    const tokens: string[] = [];
    for (let index = 0; index < options.desks; index += 1) {
      const response = await fetch(`${servers[0]!.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: `desk-${index}`, role: 'desk', customers: scopes[index], label: 'bench:scale' }),
      });
      const answer = (await response.json()) as { token?: string };
      if (!response.ok || !answer.token) throw new Error(`token for desk ${index}: ${response.status} ${JSON.stringify(answer)}`);
      tokens.push(answer.token);
    }

    /** Note id → when the server its writer is attached to acknowledged it, and who wrote it. */
    const acknowledged = new Map<string, number>();
    const writers = new Map<string, { desk: number; customerId: string; body: string }>();
    /** (note, reader desk) → when it was in the reader's cache, for acknowledgements not seen yet. */
    const seen: { noteId: string; desk: number; at: number }[] = [];

    for (let index = 0; index < options.desks; index += 1) {
      const server = index % options.servers;
      const handle = openCache({ dataDir: path.join(work, `desk-${index}`), log: silentLogger });
      const outbox = createOutbox(handle.db);
      const applier = createApplier(handle.db, outbox);
      const raw = createBackendClient({ baseUrl: servers[server]!.url, token: tokens[index]!, timeoutMs: 60_000 });
      const client: BackendClient = {
        ...raw,
        async pull(request) {
          const isBootstrap =
            request.buckets.length === 0 || request.buckets.some((bucket) => bucket.cursor === null || bucket.pageToken);
          const begun = performance.now();
          try {
            const answer = await raw.pull(request);
            (isBootstrap ? result.bootstrapPullMs : result.pullMs).push(performance.now() - begun);
            if (isBootstrap) for (const page of answer.buckets) if ('ops' in page) result.bootstrapOps += page.ops.length;
            return answer;
          } catch (error) {
            recordError(`desk ${index} pull: ${error instanceof Error ? error.message : String(error)}`);
            throw error;
          }
        },
        async push(request) {
          try {
            const answer = await raw.push(request);
            const at = performance.now();
            for (const mutation of request.mutations) {
              const applied = answer.results.find((item) => item.seq === mutation.seq)?.status === 'applied';
              const noteId = (mutation.args as { noteId?: string }).noteId;
              if (applied && noteId && !acknowledged.has(noteId)) acknowledged.set(noteId, at);
            }
            return answer;
          } catch (error) {
            recordError(`desk ${index} push: ${error instanceof Error ? error.message : String(error)}`);
            throw error;
          }
        },
        stream(onPoke, onOpen) {
          const handle = raw.stream(onPoke, onOpen);
          void handle.closed.then((error) => {
            if (error) recordError(`desk ${index} stream: ${error.message}`);
          });
          return handle;
        },
      };
      const hasNoteStatement = handle.db.prepare('select 1 from notes where id = ?').pluck();
      const waiting = new Map<string, Set<string>>();
      const seat: { status: SyncStatus | null } = { status: null };
      const engine = createSyncEngine({
        db: handle.db,
        outbox,
        applier,
        log: silentLogger,
        pullLimit: 5000,
        onStatus: (status) => (seat.status = status),
        onChanged: (summary) => {
          const at = performance.now();
          for (const customerId of summary.customerIds) {
            for (const noteId of waiting.get(customerId) ?? []) {
              if (hasNoteStatement.get(noteId) === undefined) continue;
              waiting.get(customerId)!.delete(noteId);
              seen.push({ noteId, desk: index, at });
            }
          }
        },
      });
      const desk: Desk = { index, server, customers: scopes[index]!, handle, outbox, client, engine, seat, waiting };
      desks.push(desk);
    }

    // --- Bootstrap: every desk at once, as on a Monday morning --------------------------------
    const bootstrapPhase = await cpu.phase();
    const bootstrapStarted = performance.now();
    await Promise.all(
      desks.map(async (desk) => {
        desk.engine.setClient(desk.client);
        const isDone = await until(
          () => desk.seat.status?.state === 'online' && !desk.seat.status.isBootstrapping && desk.seat.status.lastSyncAt !== null,
          600_000,
        );
        if (!isDone)
          throw new Error(`desk ${desk.index} did not finish its first sync in 10 minutes (${desk.seat.status?.message})`);
        result.bootstrapMs.push(performance.now() - bootstrapStarted);
      }),
    );
    result.bootstrapCpu = await bootstrapPhase.end();
    log(
      `bootstrap of ${options.desks} desks: ${(result.bootstrapCpu.wallMs / 1000).toFixed(1)} s, ${result.bootstrapOps.toLocaleString()} ops`,
    );

    // --- Steady state: each desk writes notes; the rest of its team must see them -------------
    const steadyPhase = await cpu.phase();
    const writes = desks.map(async (desk) => {
      await wait(Math.random() * options.noteIntervalMs);
      for (let round = 0; round < options.notesPerDesk; round += 1) {
        const customerId = desk.customers[round % desk.customers.length]!;
        const noteId = ulid();
        const body = `bench:scale note ${round + 1} of desk ${desk.index}`;
        writers.set(noteId, { desk: desk.index, customerId, body });
        for (const other of desks) {
          if (other === desk || !other.customers.includes(customerId)) continue;
          let waiting = other.waiting.get(customerId);
          if (!waiting) other.waiting.set(customerId, (waiting = new Set()));
          waiting.add(noteId);
        }
        desk.outbox.enqueue('note.create', { noteId, customerId, eventId: null, body }, new Date().toISOString());
        desk.engine.notifyLocalWrite();
        result.notesWritten += 1;
        if (round < options.notesPerDesk - 1) await wait(options.noteIntervalMs);
      }
    });
    await Promise.all(writes);
    const isSettled = await until(
      () => desks.every((desk) => [...desk.waiting.values()].every((set) => set.size === 0) && desk.outbox.pendingCount() === 0),
      options.settleTimeoutMs,
    );
    result.steadyCpu = await steadyPhase.end();
    if (!isSettled) log(`not every note reached every desk within ${options.settleTimeoutMs / 1000} s after the last write`);
    for (const entry of seen) {
      const writer = writers.get(entry.noteId)!;
      const ackedAt = acknowledged.get(entry.noteId);
      if (ackedAt === undefined) continue;
      const isOtherServer = desks[writer.desk]!.server !== desks[entry.desk]!.server;
      (isOtherServer ? result.visibleOtherServerMs : result.visibleSameServerMs).push(Math.max(0, entry.at - ackedAt));
    }

    // --- Convergence ------------------------------------------------------------------------
    const serverNotes = (
      await monitor.query<{ id: string; customer_id: string; body: string; ver: string }>(
        'select id, customer_id, body, ver::text from notes order by id',
      )
    ).rows.map((row) => ({ id: row.id, customerId: row.customer_id, body: row.body, ver: Number(row.ver) }));
    result.convergence.notesOnServer = serverNotes.length;
    const deskNotes: DeskNotes[] = desks.map((desk) => ({
      desk: desk.index,
      customers: desk.customers,
      notes: (desk.handle.db.prepare('select id, customer_id as customerId, body, ver from notes').all() as NoteCopy[]).map(
        (note) => ({ ...note }),
      ),
      pendingOutbox: desk.outbox.pendingCount(),
      rejected: desk.handle.db
        .prepare("select count(*) from outbox.outbox where status in ('rejected', 'conflict')")
        .pluck()
        .get() as number,
    }));
    result.convergence.problems = checkConvergence(
      serverNotes,
      deskNotes,
      new Map([...writers].map(([id, entry]) => [id, { customerId: entry.customerId, body: entry.body }])),
    );
  } finally {
    cpu.stop();
    await Promise.all(desks.map((desk) => desk.engine.stop()));
    for (const desk of desks) desk.handle.db.close();
    await monitor.end().catch(() => undefined);
    await Promise.all(servers.map(stopServer));
    await database.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
  result.errors = { count: errors.length, examples: [...new Set(errors)].slice(0, 10) };
  return result;
}

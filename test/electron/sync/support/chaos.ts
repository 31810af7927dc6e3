import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createDesk } from '../../../../electron/core/desk';
import { silentLogger } from '../../../../electron/core/log';
import { createRandom, type Random } from '../../../../server/demo/random';
import type { CustomerDetail, NoteView } from '../../../../shared/ipc/views';
import { createTestDatabase } from '../../../server/support/database';
import { addCustomers, event, request, startTestServer, token } from '../../../server/support/server';
import { startFaultProxy } from '../../../support/fault-proxy';
import { tempDirs } from '../../../support/temp';

/*
 * The randomized fault schedule of issue 9: two desks (alice and bob, each a
 * child process behind its own fault proxy) create and edit the same notes
 * against a real server while a seeded schedule drops, truncates, delays,
 * duplicates and loses their sync requests, answers 5xx and 429, SIGKILLs a
 * desk at random moments and ingests new events. After the faults stop and both
 * desks converge: nothing lost, nothing duplicated, every edit is on the server
 * (applied, merged or kept as a conflict revision), every conflict is shown to
 * its author, both caches equal the server (no cursor ran ahead of its data),
 * and quick_check is ok after every kill. Used by test/electron/sync/chaos.test.ts
 * (a few seeds in CI) and scripts/chaos.ts (`npm run chaos -- --seed N --minutes M`).
 */

export type ChaosOptions = {
  seed: number;
  /** Actions in the schedule; ignored when `minutes` is given. */
  rounds?: number;
  /** Run the schedule for this long instead of a number of rounds. */
  minutes?: number;
  /** Probability that a sync request meets a fault. Default 0.3. */
  faultRate?: number;
  log?: (line: string) => void;
};

export type ChaosReport = {
  seed: number;
  rounds: number;
  kills: number;
  notes: number;
  edits: number;
  faults: number;
  revisions: Record<string, number>;
};

const CHILD = path.resolve(import.meta.dirname, 'chaos-child.ts');
const DESKS = ['alice', 'bob'] as const;
type DeskName = (typeof DESKS)[number];

type Child = { proc: ChildProcess; lines: string[]; exited: boolean; waiters: (() => void)[] };

/** Thrown when an invariant breaks; the message names the seed that replays it. */
export class ChaosFailure extends Error {}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { seed } = options;
  const log = options.log ?? (() => {});
  const random: Random = createRandom(seed);
  const fail = (message: string): never => {
    throw new ChaosFailure(`chaos seed ${seed}: ${message} (replay: npm run chaos -- --seed ${seed})`);
  };
  const dirs = tempDirs('lk-chaos-');
  const database = await createTestDatabase();
  const storage = database.storage;
  const server = await startTestServer(storage);
  const tokens: Record<DeskName, string> = {
    alice: await token(storage, { userId: 'alice', role: 'desk' }),
    bob: await token(storage, { userId: 'bob', role: 'desk' }),
  };
  const ingestToken = await token(storage, { userId: 'feeder', role: 'ingest' });
  await addCustomers(storage, ['acme']);
  let ingested = 0;
  const ingest = async (count: number) => {
    const events = Array.from({ length: count }, () => {
      ingested += 1;
      return event('acme', {
        occurredAt: new Date(Date.UTC(2026, 9, 1) + ingested * 60_000).toISOString(),
        summary: `chaos event ${ingested}`,
      });
    });
    const answer = await request(server.url, 'POST', '/v1/events', ingestToken, { events });
    if (answer.status !== 200) fail(`ingest answered ${answer.status}`);
  };
  await ingest(120);

  const proxies = await Promise.all(DESKS.map(() => startFaultProxy(server.url)));
  const proxyOf = (name: DeskName) => proxies[DESKS.indexOf(name)]!;
  const dataDirs: Record<DeskName, string> = { alice: dirs.make(), bob: dirs.make() };
  const children = new Map<DeskName, Child>();
  const created = new Map<string, { desk: DeskName; body: string }>();
  /** The last edit each desk reported per note (earlier ones may be folded into it by the outbox). */
  const lastEdit = new Map<string, { desk: DeskName; noteId: string; body: string }>();
  let edits = 0;
  let kills = 0;

  const onLine = (name: DeskName, line: string) => {
    const match = /^(created|edited) (\S+) (.*)$/.exec(line);
    if (!match) return;
    const [, kind, noteId = '', json = '""'] = match;
    const body = JSON.parse(json) as string;
    if (kind === 'created') created.set(noteId, { desk: name, body });
    else {
      edits += 1;
      lastEdit.set(`${name} ${noteId}`, { desk: name, noteId, body });
    }
  };

  const start = (name: DeskName): Child => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDirs[name], proxyOf(name).url, tokens[name], name], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const child: Child = { proc, lines: [], exited: false, waiters: [] };
    let buffer = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        child.lines.push(line);
        onLine(name, line);
      }
      for (const wake of child.waiters.splice(0)) wake();
    });
    proc.stderr!.on('data', (chunk: Buffer) => log(`${name} stderr: ${chunk.toString().trim()}`));
    proc.stdin!.on('error', () => {});
    proc.on('exit', () => {
      child.exited = true;
      for (const wake of child.waiters.splice(0)) wake();
    });
    children.set(name, child);
    return child;
  };

  const waitForLine = async (name: DeskName, line: string, timeoutMs: number) => {
    const child = children.get(name)!;
    const from = child.lines.length;
    const deadline = Date.now() + timeoutMs;
    // `ready` comes once, at start (maybe before we wait); other answers come after the command.
    const found = () => (line === 'ready' ? child.lines : child.lines.slice(from)).includes(line);
    while (!found()) {
      if (child.exited) fail(`${name} exited while waiting for "${line}"`);
      if (Date.now() > deadline) fail(`${name} did not say "${line}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        child.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };

  const send = (name: DeskName, command: string) => {
    const child = children.get(name);
    if (child && !child.exited) child.proc.stdin!.write(`${command}\n`);
  };

  const checkFiles = (name: DeskName) => {
    for (const file of ['cache.sqlite', 'outbox.sqlite']) {
      const db = new Database(path.join(dataDirs[name], file), { readonly: true });
      try {
        const result = db.pragma('quick_check', { simple: true });
        if (result !== 'ok') fail(`${name}'s ${file} after a kill: quick_check says ${String(result)}`);
      } finally {
        db.close();
      }
    }
  };

  const kill = async (name: DeskName) => {
    const child = children.get(name)!;
    child.proc.kill('SIGKILL');
    while (!child.exited) await new Promise((resolve) => setTimeout(resolve, 10));
    kills += 1;
    checkFiles(name);
    start(name);
    await waitForLine(name, 'ready', 60_000);
  };

  try {
    for (const proxy of proxies) proxy.setSchedule({ random: () => random.next(), rate: options.faultRate ?? 0.3 });
    for (const name of DESKS) start(name);
    await Promise.all(DESKS.map((name) => waitForLine(name, 'ready', 60_000)));

    const deadline = options.minutes !== undefined ? Date.now() + options.minutes * 60_000 : null;
    const rounds = options.rounds ?? 30;
    let round = 0;
    while (deadline !== null ? Date.now() < deadline : round < rounds) {
      round += 1;
      const name = random.pick(DESKS);
      const action = random.weighted<'create' | 'edit' | 'race' | 'kill' | 'ingest'>([
        ['create', 3],
        ['edit', 4],
        ['race', 3],
        ['kill', 1.2],
        ['ingest', 0.8],
      ]);
      if (action === 'create') send(name, `create r${round}`);
      else if (action === 'edit' && created.size > 0) send(name, `edit ${random.pick([...created.keys()])} r${round}`);
      else if (action === 'race' && created.size > 0) {
        // Both desks edit the same note at once: merged when they touch other lines, a conflict when not.
        const noteId = random.pick([...created.keys()]);
        for (const desk of DESKS) send(desk, `edit ${noteId} r${round}${desk[0]}`);
      } else if (action === 'kill') {
        // A random moment: right away, mid-command, or mid-sync.
        await new Promise((resolve) => setTimeout(resolve, random.int(0, 400)));
        await kill(name);
        log(`round ${round}: killed ${name}`);
      } else if (action === 'ingest') await ingest(random.int(5, 40));
      await new Promise((resolve) => setTimeout(resolve, random.int(40, 300)));
    }

    // The faults stop; both desks converge, twice over, so each has seen the other's last writes.
    for (const proxy of proxies) proxy.setSchedule(null);
    for (let pass = 0; pass < 2; pass += 1) {
      for (const name of DESKS) {
        if (children.get(name)!.exited) start(name);
        send(name, 'converge');
        await waitForLine(name, 'converged', 120_000);
      }
    }
    for (const name of DESKS) {
      send(name, 'exit');
      const child = children.get(name)!;
      while (!child.exited) await new Promise((resolve) => setTimeout(resolve, 20));
      checkFiles(name);
    }

    // Nothing lost, nothing duplicated.
    const serverNotes = await storage.query<{ id: string; body: string; ver: number }>(
      'select id, body, ver::integer as ver from notes order by id',
    );
    const serverIds = new Set(serverNotes.map((note) => note.id));
    for (const [noteId, note] of created) if (!serverIds.has(noteId)) fail(`${note.desk}'s note ${noteId} is not on the server`);
    const revisions = await storage.query<{ row_id: string; kind: string; actor: string; body: string }>(
      "select row_id, kind, actor, fields->>'body' as body from revisions where entity = 'note'",
    );
    const createBodies = revisions.filter((revision) => revision.kind === 'create').map((revision) => revision.body);
    const twice = createBodies.filter((body, index) => createBodies.indexOf(body) !== index);
    if (twice.length > 0) fail(`notes created twice: ${twice.join(', ')}`);
    if (createBodies.length !== serverNotes.length) fail(`${serverNotes.length} notes but ${createBodies.length} creations`);

    // Every edit is on the server: applied, merged (its line is in the merged text), or kept as a conflict.
    const conflictsOf = new Map<string, string>();
    for (const edit of lastEdit.values()) {
      const own = edit.body.split('\n').find((line) => line.startsWith(`${edit.desk}: `)) ?? edit.body;
      const mine = revisions.filter((revision) => revision.row_id === edit.noteId && revision.actor === edit.desk);
      const kept = mine.find((revision) => revision.body === edit.body || revision.body.split('\n').includes(own));
      if (!kept) fail(`${edit.desk}'s edit of ${edit.noteId} ("${own}") is nowhere on the server`);
      const last = mine.at(-1);
      if (last?.kind === 'conflict' && last.body === edit.body) conflictsOf.set(`${edit.desk} ${edit.noteId}`, edit.body);
    }

    // Both caches equal the server, and each conflict is shown to its author.
    const serverEvents = Number((await storage.query<{ n: number }>('select count(*)::integer as n from events'))[0]?.n);
    for (const name of DESKS) {
      const desk = createDesk({
        dataDir: dataDirs[name],
        mode: 'browser',
        appVersion: 'test',
        platform: process.platform,
        log: silentLogger,
        bundledWizardsDir: null,
      });
      try {
        const detail = await desk.dispatch('customers:get', { customerId: 'acme' });
        if (!detail.ok) fail(`${name} cannot read acme: ${detail.error.message}`);
        const notes = (detail as { value: CustomerDetail }).value.notes;
        const seen = new Map(notes.map((note: NoteView) => [note.id, note]));
        for (const note of serverNotes) {
          const shown = seen.get(note.id);
          if (!shown || shown.ver !== note.ver || shown.body !== note.body || shown.pending) {
            fail(`${name} shows note ${note.id} as ${JSON.stringify(shown ?? null)}; the server has v${note.ver}`);
          }
        }
        if (notes.length !== serverNotes.length)
          fail(`${name} shows ${notes.length} notes, the server has ${serverNotes.length}`);
        const events = desk.cache.prepare('select count(*) from events').pluck().get() as number;
        if (events !== serverEvents) fail(`${name}'s cache holds ${events} events, the server ${serverEvents}`);
        for (const [key, body] of conflictsOf) {
          const [who, noteId] = key.split(' ');
          if (who !== name) continue;
          const conflict = seen.get(noteId!)?.conflict;
          if (!conflict || conflict.mine !== body)
            fail(`${name}'s lost edit of ${noteId} is not shown: ${JSON.stringify(conflict)}`);
        }
      } finally {
        desk.close();
      }
    }

    const byKind: Record<string, number> = {};
    for (const revision of revisions) byKind[revision.kind] = (byKind[revision.kind] ?? 0) + 1;
    const faults = proxies.reduce((sum, proxy) => sum + proxy.seen.filter((entry) => entry.fault !== null).length, 0);
    return { seed, rounds: round, kills, notes: serverNotes.length, edits, faults, revisions: byKind };
  } finally {
    for (const child of children.values()) if (!child.exited) child.proc.kill('SIGKILL');
    for (const proxy of proxies) await proxy.close();
    await server.close();
    await database.dispose();
    dirs.cleanup();
  }
}

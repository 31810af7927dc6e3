// A desk in its own process for the chaos test (test/electron/sync/chaos.ts): it syncs on its
// own and takes commands on stdin, one a line, so the parent can SIGKILL it at any moment.
//   create <token>          a note on acme whose body is "<desk>: <token>"
//   edit <noteId> <token>   sets this desk's own line of the note to "<desk>: <token>"
//   converge                syncs until online with nothing waiting, then prints "converged"
// It prints "created <noteId> <body>" / "edited <noteId> <body>" only after the outbox write committed.
// Usage: node --import tsx chaos-child.ts <dataDir> <serverUrl> <token> <desk name>
import readline from 'node:readline';
import { createDesk } from '../../../../electron/core/desk';
import { silentLogger } from '../../../../electron/core/log';
import type { SyncStatus } from '../../../../shared/ipc/contract';
import type { CustomerDetail, NoteView } from '../../../../shared/ipc/views';

const [dataDir, url, token, name] = process.argv.slice(2);
if (!dataDir || !url || !token || !name) {
  console.error('usage: chaos-child <dataDir> <serverUrl> <token> <desk name>');
  process.exit(2);
}
const desk = createDesk({
  dataDir,
  mode: 'browser',
  appVersion: 'test',
  platform: process.platform,
  log: silentLogger,
  pullLimit: 40,
  requestTimeoutMs: 1_500,
  backoff: { baseMs: 20, capMs: 250 },
  bundledWizardsDir: null,
});
const configured = await desk.dispatch('backend:set', { mode: 'remote', url, token });
if (!configured.ok) {
  console.error(configured.error.message);
  process.exit(1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function acme(): Promise<CustomerDetail | null> {
  const answer = await desk.dispatch('customers:get', { customerId: 'acme' });
  return answer.ok ? (answer.value as CustomerDetail) : null;
}

/** The note's lines with this desk's own line set to `line` (appended when it has none yet). */
function withOwnLine(body: string, line: string): string {
  const lines = body.split('\n');
  const own = lines.findIndex((text) => text.startsWith(`${name}: `));
  if (own === -1) lines.push(line);
  else lines[own] = line;
  return lines.join('\n');
}

async function run(command: string): Promise<void> {
  const [verb, ...rest] = command.trim().split(' ');
  if (verb === 'create') {
    const body = `${name}: ${rest[0]}`;
    const created = await desk.dispatch('notes:create', { customerId: 'acme', body });
    if (created.ok) process.stdout.write(`created ${(created.value as NoteView).id} ${JSON.stringify(body)}\n`);
  } else if (verb === 'edit') {
    const [noteId, tokenText] = rest;
    const note = (await acme())?.notes.find((candidate) => candidate.id === noteId);
    if (!note || !noteId) return;
    const body = withOwnLine(note.body, `${name}: ${tokenText}`);
    const edited = await desk.dispatch('notes:update', { noteId, body });
    if (edited.ok) process.stdout.write(`edited ${noteId} ${JSON.stringify(body)}\n`);
  } else if (verb === 'converge') {
    for (;;) {
      const status = await desk.dispatch('sync:now', undefined);
      const value = status.ok ? (status.value as SyncStatus) : null;
      if (value && value.state === 'online' && value.pendingOutbox === 0 && !value.isBootstrapping) break;
      await sleep(50);
    }
    process.stdout.write('converged\n');
  } else if (verb === 'exit') {
    await desk.stop();
    desk.close();
    process.exit(0);
  }
}

// Commands run one at a time, in order.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => run(line)).catch((error: unknown) => console.error(String(error)));
});
// Ready once the customer the notes belong to is in the cache (a first bootstrap, or the kept cache after a kill).
while (!(await acme())) await sleep(20);
process.stdout.write('ready\n');

// A desk that syncs in its own process, so a test can SIGKILL it mid-sync.
// Usage: node --import tsx sync-child.ts <dataDir> <serverUrl> <token> <notesToWrite> <label>
import { createDesk } from '../../../../electron/core/desk';
import { silentLogger } from '../../../../electron/core/log';
import type { SyncStatus } from '../../../../shared/ipc/contract';

const [dataDir, url, token, notes, label] = process.argv.slice(2);
if (!dataDir || !url || !token || !notes || !label) {
  console.error('usage: sync-child <dataDir> <serverUrl> <token> <notesToWrite> <label>');
  process.exit(2);
}
const desk = createDesk({
  dataDir,
  mode: 'browser',
  appVersion: 'test',
  platform: process.platform,
  log: silentLogger,
  pullLimit: 40,
  backoff: { baseMs: 20, capMs: 200 },
});
desk.events.on((name) => {
  if (name === 'cache:changed') process.stdout.write('page\n');
});
const configured = await desk.dispatch('backend:set', { mode: 'remote', url, token });
if (!configured.ok) {
  console.error(configured.error.message);
  process.exit(1);
}
// Notes need their customer in the cache: wait for the first pages of acme.
while (Number(notes) > 0 && !(await desk.dispatch('customers:get', { customerId: 'acme' })).ok) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
for (let index = 0; index < Number(notes); index += 1) {
  const body = `${label} note ${index}`;
  const created = await desk.dispatch('notes:create', { customerId: 'acme', body });
  // Printed only after the outbox write committed (synchronous=FULL): the parent may rely on it.
  if (created.ok) process.stdout.write(`created ${body}\n`);
}
for (;;) {
  const status = await desk.dispatch('sync:now', undefined);
  const value = status.ok ? (status.value as SyncStatus) : null;
  if (value && value.state === 'online' && value.pendingOutbox === 0 && !value.isBootstrapping) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write('converged\n');
await desk.stop();
desk.close();
process.exit(0);

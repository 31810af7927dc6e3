import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { OFFLINE_PROBE_REASON, RESTARTED_EXECUTION_REASON } from '../../../electron/wizards/host';
import { definitionHash } from '../../../shared/wizards/engine';
import { GLOBAL_BUCKET } from '../../../shared/sync/wire';
import { pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { needOf, openHost, pathOf, stateOf, type HostHarness } from './support/harness';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * Runs outlive the desk: every event is persisted, a new host over the same
 * cache file picks runs up where they stood, automatic steps continue by
 * themselves, verify timers are re-armed from the stored due time, and library
 * updates never change a run in flight.
 */
const dirs = tempDirs('lk-wizard-resume-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let clock: ReturnType<typeof manualClock>;
const open: HostHarness[] = [];

function host(dataDir: string, backendUrl: string | null = stub.url): HostHarness {
  const harness = openHost(dataDir, { clock, backendUrl });
  open.push(harness);
  return harness;
}

async function closeHost(harness: HostHarness): Promise<void> {
  open.splice(open.indexOf(harness), 1);
  await harness.close();
}

beforeEach(async () => {
  clock = manualClock(FLEET_NOW);
  stub = await startStubBackend({ now: () => clock.now(), customerNames: { [ssoCustomer]: customerName } });
});
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  await stub.close();
  dirs.cleanup();
});

describe('after a restart', () => {
  it('a run waiting for a person is exactly where it was, and finishes', async () => {
    const dataDir = dirs.make();
    const first = host(dataDir);
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await first.host.settled(started.runId);
    const before = await first.host.get(started.runId);
    await closeHost(first);

    const second = host(dataDir);
    second.host.resumeAll();
    await second.host.settled();
    const after = await second.host.get(started.runId);
    expect(after.state).toEqual(before.state);
    expect(after.plan).toEqual(before.plan);
    expect(needOf(after)?.need).toBe('action-confirm');
    await second.host.act(started.runId, { type: 'confirm-action' });
    await second.host.settled(started.runId);
    expect((await second.host.get(started.runId)).status).toBe('finished');
    expect(second.outbox.all().filter((row) => row.name === 'wizardRun.record')).toHaveLength(1);
  });

  it('a run that stopped at an automatic step continues by itself', async () => {
    const dataDir = dirs.make();
    const first = host(dataDir, null);
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await first.host.settled(started.runId);
    expect((await first.host.get(started.runId)).blockedReason).toBe(OFFLINE_PROBE_REASON);
    await closeHost(first);

    const second = host(dataDir);
    second.host.resumeAll();
    await second.host.settled();
    const resumed = await second.host.get(started.runId);
    expect(resumed.blockedReason).toBeNull();
    expect(needOf(resumed)?.need).toBe('action-confirm');
    expect(stub.callsTo('/v1/probes/')).toHaveLength(2);
  });

  it('an execution that was in flight waits for Retry, which resends the same idempotency key', async () => {
    const dataDir = dirs.make();
    const first = host(dataDir);
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await first.host.settled(started.runId);
    // The desk stops before it can execute: the run stands at action-execute.
    first.setBackend(null);
    await first.host.act(started.runId, { type: 'confirm-action' });
    await first.host.settled(started.runId);
    first.db.prepare('update wizard_runs set blocked_reason = null where id = ?').run(started.runId);
    await closeHost(first);

    const second = host(dataDir);
    second.host.resumeAll();
    await second.host.settled();
    const waiting = await second.host.get(started.runId);
    expect(needOf(waiting)?.need).toBe('action-execute');
    expect(waiting.blockedReason).toBe(RESTARTED_EXECUTION_REASON);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
    await second.host.act(started.runId, { type: 'retry' });
    await second.host.settled(started.runId);
    expect((await second.host.get(started.runId)).status).toBe('finished');
    expect((stub.callsTo('/v1/actions/execute')[0]?.body as { idempotencyKey: string }).idempotencyKey).toBe(
      `${started.runId}:stop-enforcing:1`,
    );
  });

  it('re-arms a verify timer from its stored due time', async () => {
    const dataDir = dirs.make();
    const first = host(dataDir);
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await first.host.settled(started.runId);
    stub.failProbes(1, 503);
    await first.host.act(started.runId, { type: 'confirm-action' });
    await first.host.settled(started.runId);
    const verifying = await first.host.get(started.runId);
    const need = needOf(verifying);
    if (need?.need !== 'verify-attempt') throw new Error(`expected a verify attempt, got ${need?.need}`);
    expect(need.attempt).toBe(2);
    expect(Date.parse(need.dueAt) - clock.now()).toBe(10_000);
    await closeHost(first);

    clock.advance(4_000);
    const second = host(dataDir);
    second.host.resumeAll();
    await second.host.settled();
    expect(stub.callsTo('/v1/probes/sso.login')).toHaveLength(2);
    clock.advance(5_999);
    await second.host.settled();
    expect(stub.callsTo('/v1/probes/sso.login')).toHaveLength(2);
    clock.advance(1);
    await second.host.settled();
    const done = await second.host.get(started.runId);
    expect(done.status).toBe('finished');
    const attempts = stateOf(done).steps.find((step) => step.path === 'confirm-sign-in')?.attempts ?? [];
    expect(attempts.map((attempt) => [attempt.at, attempt.held])).toEqual([
      [FLEET_NOW, false],
      [new Date(Date.parse(FLEET_NOW) + 10_000).toISOString(), true],
    ]);
    expect(second.changes.filter((runId) => runId === started.runId).length).toBeGreaterThanOrEqual(1);
  });

  it('a verify that never holds times out at its deadline and escalates', async () => {
    const dataDir = dirs.make();
    const harness = host(dataDir);
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    stub.failProbes(1_000, 502);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const changesBefore = harness.changes.length;
    for (let second = 0; second < 200; second += 10) {
      clock.advance(10_000);
      await harness.host.settled(started.runId);
    }
    const escalating = await harness.host.get(started.runId);
    expect(needOf(escalating)?.need).toBe('escalate');
    const verify = stateOf(escalating).steps.find((step) => step.path === 'confirm-sign-in');
    expect(verify?.attempts).toHaveLength(19);
    expect(verify?.note).toMatch(/did not hold within 3m \(19 attempts\)/);
    // Every attempt told the UI.
    expect(harness.changes.length - changesBefore).toBeGreaterThanOrEqual(18);
    await harness.host.act(started.runId, { type: 'escalated', reference: 'JIRA-77' });
    const done = await harness.host.get(started.runId);
    expect(done.status).toBe('finished');
    expect(stateOf(done).finish?.outcome).toBe('escalated');
  });
});

describe('version pinning', () => {
  it('keeps a running run on the version it started with when a newer one syncs in', async () => {
    const dataDir = dirs.make();
    const harness = host(dataDir);
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    const v1 = harness.library.find('sso-sign-in-failing');
    if (!v1) throw new Error('the bundled SSO wizard is missing');

    // Version 2 on the server sends every case straight to the identity team.
    const source = v1.source
      .replace('version: 1', 'version: 2')
      .replace(/ {6}- when: "checks\.login\.ok"/, '      - when: "false"');
    createApplier(harness.db, harness.outbox).applyPull(
      pullResponse(
        [
          {
            bucket: GLOBAL_BUCKET,
            ops: [
              put('wizard', 'sso-sign-in-failing@2', {
                id: 'sso-sign-in-failing',
                version: 2,
                title: v1.title,
                source,
                hash: 'server-hash',
                publishedAt: FLEET_NOW,
                publishedBy: 'lee',
              }),
            ],
          },
        ],
        { addedBuckets: [] },
      ),
      FLEET_NOW,
    );
    expect(harness.library.find('sso-sign-in-failing')?.version).toBe(2);
    expect(harness.library.find('sso-sign-in-failing')?.origin).toBe('server');

    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(done.wizardVersion).toBe(1);
    expect(stateOf(done).pins).toEqual([{ id: 'sso-sign-in-failing', version: 1, hash: definitionHash(v1.definition) }]);
    expect(pathOf(done).at(-1)).toBe('enforcement-reverted');

    const next = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    expect(next.wizardVersion).toBe(2);
  });
});

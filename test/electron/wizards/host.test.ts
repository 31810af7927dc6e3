import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFFLINE_ACTION_REASON, OFFLINE_PROBE_REASON } from '../../../electron/wizards/host';
import { WizardRunRecordArgsSchema } from '../../../shared/remediation/wire';
import { tempDirs } from '../../support/temp';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { LIBRARY_DIR, needOf, openHost, pathOf, stateOf, type HostHarness } from './support/harness';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * The run host over a real cache file, against a real HTTP backend stub that
 * records every call: the SSO wizard end to end, offline blocking, lost
 * execution answers, practice runs, typed confirmation and approvals.
 */
const dirs = tempDirs('lk-wizard-host-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let clock: ReturnType<typeof manualClock>;
const open: HostHarness[] = [];

function host(
  dataDir: string,
  backendUrl: string | null = stub.url,
  extra: Parameters<typeof openHost>[1] extends infer O ? Partial<O> : never = {},
): HostHarness {
  const harness = openHost(dataDir, { clock, backendUrl, ...extra });
  open.push(harness);
  return harness;
}

function seeded(backendUrl: string | null = stub.url): { dataDir: string; harness: HostHarness } {
  const dataDir = dirs.make();
  const harness = host(dataDir, backendUrl);
  seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
  return { dataDir, harness };
}

function recordMutations(harness: HostHarness) {
  return harness.outbox.all().filter((row) => row.name === 'wizardRun.record');
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

describe('a real run of the SSO wizard', () => {
  it('diagnoses from the cache and probes, plans, waits for the confirmation, executes, verifies and records once', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    expect(started.practice).toBe(false);
    await harness.host.settled(started.runId);

    const atConfirm = await harness.host.get(started.runId);
    expect(atConfirm.status).toBe('waiting');
    expect(needOf(atConfirm)?.need).toBe('action-confirm');
    expect(pathOf(atConfirm)).toEqual(['recent-changes', 'open-items', 'idp-state', 'sign-in-now', 'route', 'stop-enforcing']);
    const route = stateOf(atConfirm).steps.find((step) => step.path === 'route');
    expect(route?.branch?.reason).toMatch(
      /took 'stop-enforcing' because .*sso\.enforce.*\(SSO was enforced by a recent flag change/,
    );
    expect(atConfirm.plan?.changes).toEqual([{ target: 'flag sso.enforce', from: true, to: false }]);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);

    const confirmed = await harness.host.act(started.runId, { type: 'confirm-action' });
    expect(confirmed.canEditAnswers).toBe(false);
    await harness.host.settled(started.runId);

    const done = await harness.host.get(started.runId);
    expect(done.status).toBe('finished');
    expect(pathOf(done)).toEqual([
      'recent-changes',
      'open-items',
      'idp-state',
      'sign-in-now',
      'route',
      'stop-enforcing',
      'confirm-sign-in',
      'enforcement-reverted',
    ]);
    expect(stateOf(done).finish?.outcome).toBe('workaround');
    expect(done.execution?.status).toBe('succeeded');
    expect(stub.sso.get(ssoCustomer)?.enforced).toBe(false);
    const execute = stub.callsTo('/v1/actions/execute');
    expect(execute).toHaveLength(1);
    expect((execute[0]?.body as { idempotencyKey: string }).idempotencyKey).toBe(`${started.runId}:stop-enforcing:1`);

    const mutations = recordMutations(harness);
    expect(mutations).toHaveLength(1);
    const args = WizardRunRecordArgsSchema.parse(mutations[0]?.args);
    expect(args).toMatchObject({
      runId: started.runId,
      customerId: ssoCustomer,
      wizardId: 'sso-sign-in-failing',
      outcome: 'workaround',
      rootCause: 'configuration-change',
    });
    expect(args.path).toEqual(pathOf(done));
    expect(args.followUps[0]).toContain(customerName);
    expect(done.recordState).toBe('pending');
    // Further reads and a late act change nothing: still exactly one record.
    await expect(harness.host.act(started.runId, { type: 'retry' })).rejects.toMatchObject({ code: 'conflict' });
    expect(recordMutations(harness)).toHaveLength(1);
  });

  it('persists the run after every engine event and emits a change for each', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const log = harness.host.log(started.runId).map((entry) => entry.event.type);
    expect(log).toEqual([
      'check-result',
      'check-result',
      'check-result',
      'check-result',
      'action-planned',
      'action-confirmed',
      'action-result',
      'verify-result',
    ]);
    // Every event and the start were each followed by a runs:changed for this run.
    expect(harness.changes.filter((runId) => runId === started.runId).length).toBeGreaterThanOrEqual(log.length + 1);
    const row = harness.db.prepare('select status, state from wizard_runs where id = ?').get(started.runId) as {
      status: string;
      state: string;
    };
    expect(row.status).toBe('finished');
    expect(JSON.parse(row.state).steps).toHaveLength(8);
  });
});

describe('without a connection', () => {
  it('blocks a probe with the reason and goes on after Retry once the backend is back', async () => {
    const { harness } = seeded(null);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    const blocked = await harness.host.get(started.runId);
    expect(blocked.blockedReason).toBe(OFFLINE_PROBE_REASON);
    expect(blocked.status).toBe('waiting');
    // The offline cache checks ran; the run stands at the first probe.
    expect(pathOf(blocked)).toEqual(['recent-changes', 'open-items', 'idp-state']);
    expect(stateOf(blocked).steps.at(-1)?.errors?.[0]?.message).toMatch(/no backend/);

    harness.setBackend(stub.url);
    await harness.host.act(started.runId, { type: 'retry' });
    await harness.host.settled(started.runId);
    const resumed = await harness.host.get(started.runId);
    expect(resumed.blockedReason).toBeNull();
    expect(needOf(resumed)?.need).toBe('action-confirm');
  });

  it('never queues an action: planning and executing wait for Retry with the reason', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    harness.setBackend(null);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const blocked = await harness.host.get(started.runId);
    expect(needOf(blocked)?.need).toBe('action-execute');
    expect(blocked.blockedReason).toBe(OFFLINE_ACTION_REASON);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
    // Nothing happens on its own, however long the desk waits.
    clock.advance(60 * 60_000);
    await harness.host.settled(started.runId);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);

    harness.setBackend(stub.url);
    await harness.host.act(started.runId, { type: 'retry' });
    await harness.host.settled(started.runId);
    expect((await harness.host.get(started.runId)).status).toBe('finished');
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(1);
  });

  it('goes on by itself after reconnecting at a probe or a plan, but never at an execution', async () => {
    const { harness } = seeded(null);
    const probing = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(probing.runId);
    expect((await harness.host.get(probing.runId)).blockedReason).toBe(OFFLINE_PROBE_REASON);
    harness.setBackend(stub.url);
    const executing = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(executing.runId);
    harness.setBackend(null);
    await harness.host.act(executing.runId, { type: 'confirm-action' });
    await harness.host.settled(executing.runId);
    expect((await harness.host.get(executing.runId)).blockedReason).toBe(OFFLINE_ACTION_REASON);

    harness.setBackend(stub.url);
    harness.host.reconnected();
    await harness.host.settled();
    const probed = await harness.host.get(probing.runId);
    expect(probed.blockedReason).toBeNull();
    expect(needOf(probed)?.need).toBe('action-confirm');
    const stillWaiting = await harness.host.get(executing.runId);
    expect(stillWaiting.blockedReason).toBe(OFFLINE_ACTION_REASON);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
  });

  it('says why when the configured backend does not answer', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    const url = stub.url;
    await stub.close();
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const blocked = await harness.host.get(started.runId);
    expect(blocked.blockedReason).toMatch(/did not confirm the action .* press Retry — the retry sends the same idempotency key/);
    expect(url).toMatch(/^http/);
  });
});

describe('a lost execution answer', () => {
  it('is retried with the same idempotency key and the action runs once', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    stub.loseExecuteAnswers(1);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(done.status).toBe('finished');
    const keys = stub.callsTo('/v1/actions/execute').map((call) => (call.body as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(stub.executions.get(keys[0] ?? '')).toBe(1);
    expect(done.execution?.isReplay).toBe(true);
  });

  it('waits for Retry when every attempt is lost, then asks again with the same key', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    stub.loseExecuteAnswers(3);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const blocked = await harness.host.get(started.runId);
    expect(blocked.blockedReason).toContain(`${started.runId}:stop-enforcing:1`);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(3);
    await harness.host.act(started.runId, { type: 'retry' });
    await harness.host.settled(started.runId);
    expect((await harness.host.get(started.runId)).status).toBe('finished');
    const keys = new Set(
      stub.callsTo('/v1/actions/execute').map((call) => (call.body as { idempotencyKey: string }).idempotencyKey),
    );
    expect([...keys]).toEqual([`${started.runId}:stop-enforcing:1`]);
    expect(stub.executions.get(`${started.runId}:stop-enforcing:1`)).toBe(1);
    expect(recordMutations(harness)).toHaveLength(1);
  });
});

describe('practice runs', () => {
  it('simulate checks and actions from the scenario, never call the server and are not recorded', async () => {
    const { harness } = seeded();
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    expect(started.practice).toBe(true);
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(done.practice).toBe(true);
    expect(done.status).toBe('finished');
    // The scenario the library picks for practice is the enforced-SSO happy path.
    expect(pathOf(done)).toEqual([
      'recent-changes',
      'open-items',
      'idp-state',
      'sign-in-now',
      'route',
      'stop-enforcing',
      'confirm-sign-in',
      'enforcement-reverted',
    ]);
    expect(
      stateOf(done)
        .steps.filter((step) => step.kind === 'check' || step.kind === 'action')
        .every((step) => step.isSimulated === true),
    ).toBe(true);
    expect(stub.calls).toHaveLength(0);
    expect(stub.sso.get(ssoCustomer)).toBeUndefined();
    expect(recordMutations(harness)).toHaveLength(0);
    expect(done.recordState).toBe('none');
    expect(harness.host.list({ customerId: ssoCustomer }).every((view) => view.practice)).toBe(true);
  });

  it('use neutral defaults (nothing changed, everything healthy) when the wizard has no scenario', async () => {
    const library = dirs.make();
    fs.copyFileSync(path.join(LIBRARY_DIR, 'sso-sign-in-failing.yaml'), path.join(library, 'sso-sign-in-failing.yaml'));
    const harness = host(dirs.make(), stub.url, { bundledDirectory: library });
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    // Even though the real cache shows the enforcement flip, practice does not read it: no changes, sign-in works.
    expect(stateOf(done).steps.find((step) => step.path === 'recent-changes')?.result).toEqual({
      count: 0,
      items: [],
      flags: [],
      latest: null,
    });
    expect(pathOf(done)).toEqual(['recent-changes', 'open-items', 'idp-state', 'sign-in-now', 'route', 'sign-in-works']);
    expect(stateOf(done).finish?.outcome).toBe('no_fault_found');
    expect(stub.calls).toHaveLength(0);
    expect(recordMutations(harness)).toHaveLength(0);
  });
});

describe('high-risk actions', () => {
  it('need the customer name typed and a second person’s approval before executing', async () => {
    const { harness } = seeded();
    await stub.close();
    stub = await startStubBackend({
      now: () => clock.now(),
      customerNames: { [ssoCustomer]: customerName },
      highRisk: ['flags.set'],
    });
    harness.setBackend(stub.url);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    const atConfirm = await harness.host.get(started.runId);
    expect(atConfirm.plan?.requiresTypedConfirmation).toBe(true);

    await expect(harness.host.act(started.runId, { type: 'confirm-action' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(
      harness.host.act(started.runId, { type: 'confirm-action', typedConfirmation: 'someone else' }),
    ).rejects.toMatchObject({ code: 'bad_request' });
    expect(needOf(await harness.host.get(started.runId))?.need).toBe('action-confirm');

    await harness.host.act(started.runId, { type: 'confirm-action', typedConfirmation: ` ${customerName} ` });
    await harness.host.settled(started.runId);
    const waiting = await harness.host.get(started.runId);
    expect(waiting.status).toBe('waiting');
    expect(waiting.approval?.status).toBe('pending');
    expect(waiting.blockedReason).toMatch(/Waiting for a second person to approve/);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);

    stub.decideApproval(waiting.approval?.approvalId ?? '', 'granted');
    clock.advance(5_000);
    await harness.host.settled(started.runId);
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(done.status).toBe('finished');
    const execute = stub.callsTo('/v1/actions/execute')[0]?.body as { typedConfirmation?: string; approvalId?: string };
    expect(execute.typedConfirmation).toBe(customerName);
    expect(execute.approvalId).toBe(waiting.approval?.approvalId);
  });

  it('ends the action as failed when the approval is denied', async () => {
    const { harness } = seeded();
    await stub.close();
    stub = await startStubBackend({
      now: () => clock.now(),
      customerNames: { [ssoCustomer]: customerName },
      highRisk: ['flags.set'],
    });
    harness.setBackend(stub.url);
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    await harness.host.act(started.runId, { type: 'request-approval', reason: 'customer is locked out' });
    const requested = await harness.host.get(started.runId);
    expect(stub.callsTo('/v1/approvals')[0]?.body).toMatchObject({ reason: 'customer is locked out' });
    stub.decideApproval(requested.approval?.approvalId ?? '', 'denied', 'kim.lead');
    // Reading the run asks about the approval at once.
    const decided = await harness.host.get(requested.runId);
    expect(decided.approval?.status).toBe('denied');
    await harness.host.act(started.runId, { type: 'confirm-action', typedConfirmation: customerName });
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(pathOf(done).slice(-2)).toEqual(['stop-enforcing', 'escalate-identity']);
    expect(stateOf(done).steps.find((step) => step.path === 'stop-enforcing')?.result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/approval denied by kim.lead/),
    });
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
  });
});

describe('who started a run (issue 14)', () => {
  it('keeps the signed-in person as the starter, across a reopen, in the run and the run list', async () => {
    const dataDir = dirs.make();
    const first = host(dataDir, stub.url, { me: () => ({ userId: 'dana', name: 'Dana Desk' }) });
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    expect(started.startedBy).toEqual({ userId: 'dana', name: 'Dana Desk' });
    await first.host.settled(started.runId);
    const again = host(dataDir, stub.url);
    expect((await again.host.get(started.runId)).startedBy).toEqual({ userId: 'dana', name: 'Dana Desk' });
    expect(again.host.list({}).find((run) => run.runId === started.runId)?.startedBy).toEqual({
      userId: 'dana',
      name: 'Dana Desk',
    });
  });
});

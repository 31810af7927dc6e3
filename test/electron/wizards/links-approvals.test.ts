import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../support/temp';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { LIBRARY_DIR, needOf, openHost, pathOf, stateOf, type HostHarness } from './support/harness';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * Link steps (the linked wizard is pinned with the run and survives a restart)
 * and approval steps (the approver is shown the plan of the action that
 * follows, and that very plan is executed once granted).
 */
const dirs = tempDirs('lk-wizard-links-');
const FIXTURES = fileURLToPath(new URL('../../fixtures/wizards', import.meta.url));
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let clock: ReturnType<typeof manualClock>;
const open: HostHarness[] = [];

function host(dataDir: string, bundledDirectory: string): HostHarness {
  const harness = openHost(dataDir, { clock, backendUrl: stub.url, bundledDirectory });
  open.push(harness);
  return harness;
}

beforeEach(async () => {
  clock = manualClock(FLEET_NOW);
  stub = await startStubBackend({
    now: () => clock.now(),
    customerNames: { [ssoCustomer]: customerName },
    highRisk: ['flags.set'],
    probeResults: {
      'jobs.lag': {
        jobId: 'export-main',
        state: 'stuck',
        lagMinutes: 240,
        workerHealthy: false,
        lastSuccessAt: '2026-11-20T08:00:00.000Z',
        schedule: 'hourly',
        scheduleValid: true,
      },
    },
  });
});
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  await stub.close();
  dirs.cleanup();
});

describe('a link step', () => {
  it('names the linked wizard in every plan request for its action, also the fresh plan after one expired', async () => {
    const library = dirs.make();
    for (const name of ['export-job-lagging.yaml', 'restart-stuck-job.yaml'])
      fs.copyFileSync(path.join(FIXTURES, name), path.join(library, name));
    const harness = host(dirs.make(), library);
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'export-job-lagging', customerId: ssoCustomer });
    await harness.host.act(started.runId, { type: 'inputs', values: {} });
    await harness.host.settled(started.runId);
    const atConfirm = await harness.host.get(started.runId);
    expect(needOf(atConfirm)?.need).toBe('action-confirm');
    expect(pathOf(atConfirm).at(-1)).toBe('restart/restart');
    const linked = { id: 'restart-stuck-job', version: 1 };
    expect(stub.callsTo('/v1/actions/plan').map((call) => (call.body as { wizard: unknown }).wizard)).toEqual([linked]);

    // The operator comes back after the plan expired: the fresh plan is asked for the linked wizard too.
    clock.advance(16 * 60_000);
    await expect(harness.host.act(started.runId, { type: 'confirm-action' })).rejects.toThrow(/plan had expired/);
    expect(stub.callsTo('/v1/actions/plan').map((call) => (call.body as { wizard: unknown }).wizard)).toEqual([linked, linked]);
  });

  it('pins the linked wizard with the run, which finishes after a restart from those pins', async () => {
    const library = dirs.make();
    for (const name of ['export-job-lagging.yaml', 'restart-stuck-job.yaml', 'export-restarted.scenario.yaml'])
      fs.copyFileSync(path.join(FIXTURES, name), path.join(library, name));
    const dataDir = dirs.make();
    const first = host(dataDir, library);
    seedCustomers(first.db, first.outbox, [ssoCustomer]);
    const started = await first.host.start({ wizardId: 'export-job-lagging', customerId: ssoCustomer, practice: true });
    await first.host.act(started.runId, { type: 'inputs', values: {} });
    await first.host.settled(started.runId);
    const linked = await first.host.get(started.runId);
    expect(pathOf(linked)).toContain('restart/caught-up');
    expect(stateOf(linked).pins.map((pin) => pin.id)).toEqual(['export-job-lagging', 'restart-stuck-job']);
    const pinned = JSON.parse(
      first.db.prepare('select pinned from wizard_runs where id = ?').pluck().get(started.runId) as string,
    ) as { id: string }[];
    expect(pinned.map((pin) => pin.id)).toEqual(['export-job-lagging', 'restart-stuck-job']);
    await open.splice(open.indexOf(first), 1)[0]?.close();

    // The library the new desk has no longer holds the linked wizard: the run's own pins carry it.
    fs.rmSync(path.join(library, 'restart-stuck-job.yaml'));
    const second = host(dataDir, library);
    second.host.resumeAll();
    for (let minute = 0; minute < 3; minute += 1) {
      clock.advance(60_000);
      await second.host.settled(started.runId);
    }
    const done = await second.host.get(started.runId);
    expect(done.status).toBe('finished');
    expect(pathOf(done)).toEqual([
      'lag',
      'schedule-changes',
      'diagnose',
      'restart',
      'restart/restart',
      'restart/caught-up',
      'restart/done',
      'after-restart',
      'restarted',
    ]);
    expect(stub.calls).toHaveLength(0);
  });
});

describe('an approval step', () => {
  function approvalWizard(): string {
    const directory = dirs.make();
    const source = fs
      .readFileSync(path.join(LIBRARY_DIR, 'sso-sign-in-failing.yaml'), 'utf8')
      .replace('id: sso-sign-in-failing', 'id: sso-with-approval')
      .replace(
        '  - id: stop-enforcing\n',
        '  - id: lead-approves\n    kind: approval\n    title: A team lead approves\n    reason: "Stop enforcing SSO for ${customer.name}"\n    who: team-lead\n    onDenied: escalate-identity\n\n  - id: stop-enforcing\n',
      )
      .replace(/goto: stop-enforcing/g, 'goto: lead-approves');
    fs.writeFileSync(path.join(directory, 'sso-with-approval.yaml'), source);
    return directory;
  }

  it('shows the approver the plan of the next action and executes exactly that plan once granted', async () => {
    const harness = host(dirs.make(), approvalWizard());
    expect(harness.library.latest().map((entry) => entry.id)).toEqual(['sso-with-approval']);
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-with-approval', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    expect(needOf(await harness.host.get(started.runId))?.need).toBe('approval');

    const requested = await harness.host.act(started.runId, { type: 'request-approval' });
    expect(requested.approval?.status).toBe('pending');
    expect(requested.approval?.plan.action).toBe('flags.set');
    expect(stub.callsTo('/v1/approvals')[0]?.body).toMatchObject({ reason: `Stop enforcing SSO for ${customerName}` });
    expect(stub.callsTo('/v1/actions/plan')).toHaveLength(1);

    stub.decideApproval(requested.approval?.approvalId ?? '', 'granted', 'kim.lead');
    clock.advance(5_000);
    await harness.host.settled(started.runId);
    const atConfirm = await harness.host.get(started.runId);
    expect(needOf(atConfirm)?.need).toBe('action-confirm');
    expect(stateOf(atConfirm).steps.find((step) => step.path === 'lead-approves')?.approval).toEqual({
      granted: true,
      by: 'kim.lead',
      note: null,
    });
    expect(atConfirm.plan?.planId).toBe(requested.approval?.planId);
    expect(stub.callsTo('/v1/actions/plan')).toHaveLength(1);

    await harness.host.act(started.runId, { type: 'confirm-action', typedConfirmation: customerName });
    await harness.host.settled(started.runId);
    const done = await harness.host.get(started.runId);
    expect(done.status).toBe('finished');
    expect(stub.callsTo('/v1/actions/execute')[0]?.body).toMatchObject({
      planId: requested.approval?.planId,
      approvalId: requested.approval?.approvalId,
      typedConfirmation: customerName,
    });
  });

  it('goes to onDenied when the approver says no, and never executes', async () => {
    const harness = host(dirs.make(), approvalWizard());
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-with-approval', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    const requested = await harness.host.act(started.runId, { type: 'request-approval' });
    stub.decideApproval(requested.approval?.approvalId ?? '', 'denied', 'kim.lead');
    const decided = await harness.host.get(started.runId);
    expect(needOf(decided)?.need).toBe('escalate');
    expect(pathOf(decided).slice(-2)).toEqual(['lead-approves', 'escalate-identity']);
    expect(stub.callsTo('/v1/actions/execute')).toHaveLength(0);
  });

  it('is simulated in practice from the scenario, without asking the server', async () => {
    const directory = approvalWizard();
    const scenario = fs
      .readFileSync(path.join(LIBRARY_DIR, 'sso-sign-in-failing.practice.scenario.yaml'), 'utf8')
      .replace('wizard: sso-sign-in-failing', 'wizard: sso-with-approval')
      .replace(
        'actions:',
        'approvals:\n  lead-approves: { granted: false, by: practice-lead, note: not during business hours }\nactions:',
      );
    fs.writeFileSync(path.join(directory, 'sso-with-approval.scenario.yaml'), scenario);
    const harness = host(dirs.make(), directory);
    seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
    const started = await harness.host.start({ wizardId: 'sso-with-approval', customerId: ssoCustomer, practice: true });
    await harness.host.settled(started.runId);
    expect(needOf(await harness.host.get(started.runId))?.need).toBe('approval');
    const decided = await harness.host.act(started.runId, { type: 'request-approval' });
    expect(pathOf(decided).slice(-2)).toEqual(['lead-approves', 'escalate-identity']);
    expect(stateOf(decided).steps.find((step) => step.path === 'lead-approves')?.approval).toEqual({
      granted: false,
      by: 'practice-lead',
      note: 'not during business hours',
    });
    expect(decided.practice).toBe(true);
    expect(stub.calls).toHaveLength(0);
  });
});

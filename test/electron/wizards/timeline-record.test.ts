import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunRecords } from '../../../electron/wizards/run-records';
import { timelineRecordArgs } from '../../../electron/wizards/timeline-record';
import { tempDirs } from '../../support/temp';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { openHost, type HostHarness } from './support/harness';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/** The timeline record of a finished run: its Markdown tells the path, each branch's reason, the action and the verify. */
const dirs = tempDirs('lk-timeline-record-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let harness: HostHarness;
let clock: ReturnType<typeof manualClock>;

beforeEach(async () => {
  clock = manualClock(FLEET_NOW);
  stub = await startStubBackend({ now: () => clock.now(), customerNames: { [ssoCustomer]: customerName } });
  harness = openHost(dirs.make(), { clock, backendUrl: stub.url });
  seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
});
afterEach(async () => {
  await harness.close();
  await stub.close();
  dirs.cleanup();
});

describe('timelineRecordArgs', () => {
  it('tells a remediated SSO run in Markdown: outcome, root cause, path with reasons, action key, verify attempts, follow-ups', async () => {
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, eventId: 'evt-1' });
    await harness.host.settled(started.runId);
    await harness.host.act(started.runId, { type: 'confirm-action' });
    await harness.host.settled(started.runId);
    const records = createRunRecords({ db: harness.db, outbox: harness.outbox, library: harness.library, clock, emit: () => {} });
    const record = records.require(started.runId);
    expect(record.state.status).toBe('finished');

    const args = timelineRecordArgs(record);
    const lines = args.body.split('\n');
    expect(lines[0]).toMatch(/^\*\*Outcome:\*\* workaround — /);
    expect(lines).toContain('**Root cause:** configuration-change');
    expect(lines).toContain(`**Wizard:** ${record.title} (sso-sign-in-failing v${record.wizardVersion}), run ${record.id}`);
    expect(lines).toContain('**Started from event:** evt-1');
    expect(lines).toContain('### Path');
    expect(lines.find((line) => line.includes('(decision)'))).toMatch(/: took 'stop-enforcing' because /);
    expect(lines.find((line) => line.includes('(action)'))).toMatch(
      new RegExp(`: done \\(key ${record.id}:stop-enforcing:1\\)$`),
    );
    expect(lines.find((line) => line.includes('(verify)'))).toMatch(/: 1 attempt\(s\)$/);
    expect(lines).toContain('### Follow-ups');
    expect(args.summary).toMatch(new RegExp(`^Wizard "${record.title}": workaround`));
    expect(args.path).toEqual(record.state.steps.filter((step) => step.kind !== 'inputs').map((step) => step.path));
    // The same as the host queued in the outbox.
    const queued = harness.outbox.all().find((row) => row.name === 'wizardRun.record');
    expect(queued?.args).toEqual(args);
  });

  it('a cancelled run records the reason and no root cause', async () => {
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    await harness.host.settled(started.runId);
    await harness.host.act(started.runId, { type: 'cancel', reason: 'customer fixed it' });
    const records = createRunRecords({ db: harness.db, outbox: harness.outbox, library: harness.library, clock, emit: () => {} });
    const args = timelineRecordArgs(records.require(started.runId));
    expect(args.outcome).toBe('aborted');
    expect(args.rootCause).toBeNull();
    expect(args.body.split('\n')).toContain('**Root cause:** not determined');
    expect(args.body).toMatch(/cancelled by the operator: customer fixed it/);
  });
});

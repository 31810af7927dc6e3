import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunViewSchema, type RunView } from '../../../shared/ipc/wizard-views';
import { tempDirs } from '../../support/temp';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { openHost, type HostHarness } from './support/harness';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * The run views the desk sends the renderer match the contract's schema field
 * for field — run state, need, plan, execution — so the renderer can read them
 * typed, without casts. Parsing drops unknown keys, so equality also proves
 * nothing is sent that the schema does not describe.
 */
const dirs = tempDirs('lk-wizard-seam-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let harness: HostHarness;

function expectSeam(view: RunView): RunView {
  expect(RunViewSchema.parse(view)).toEqual(view);
  return view;
}

beforeEach(async () => {
  const clock = manualClock(FLEET_NOW);
  stub = await startStubBackend({ now: () => clock.now(), customerNames: { [ssoCustomer]: customerName } });
  harness = openHost(dirs.make(), { clock, backendUrl: stub.url });
  seedCustomers(harness.db, harness.outbox, [ssoCustomer]);
});
afterEach(async () => {
  await harness.close();
  await stub.close();
  dirs.cleanup();
});

describe('the run view seam', () => {
  it('holds at every stage of a real run: started, at the confirmation, finished', async () => {
    const started = expectSeam(await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer }));
    await harness.host.settled(started.runId);
    const atConfirm = expectSeam(await harness.host.get(started.runId));
    expect(atConfirm.need?.need).toBe('action-confirm');
    expect(atConfirm.plan).not.toBeNull();
    expectSeam(await harness.host.act(started.runId, { type: 'confirm-action' }));
    await harness.host.settled(started.runId);
    const done = expectSeam(await harness.host.get(started.runId));
    expect(done.need?.need).toBe('done');
    expect(done.execution?.status).toBe('succeeded');
    for (const view of harness.host.list({})) expectSeam(view);
  });

  it('holds for a practice run, with simulated results', async () => {
    const started = await harness.host.start({ wizardId: 'sso-sign-in-failing', customerId: ssoCustomer, practice: true });
    await harness.host.settled(started.runId);
    const view = expectSeam(await harness.host.get(started.runId));
    expect(view.state.steps.some((step) => step.isSimulated === true)).toBe(true);
  });
});

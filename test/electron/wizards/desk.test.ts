import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { createOutbox } from '../../../electron/db/outbox';
import type { Channel } from '../../../shared/ipc/channels';
import type { Input, Output } from '../../../shared/ipc/contract';
import type { RunView } from '../../../shared/ipc/wizard-views';
import type { Result } from '../../../shared/ipc/result';
import type { Need } from '../../../shared/wizards/engine';
import { tempDirs } from '../../support/temp';
import { waitFor } from '../../support/wait';
import { manualClock } from './support/clock';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';
import { startStubBackend, type StubBackend } from './support/stub-backend';

/**
 * The wizard channels through the desk's contract dispatch: the library with
 * suggestions, starting and acting on runs, `runs:changed` events, and a run
 * that survives closing the desk and opening a new one on the same data dir.
 */
const dirs = tempDirs('lk-wizard-desk-');
const ssoCustomer = customerWithFault('sso_enforced_without_idp');
const customerName = demoFleet().customers.find((customer) => customer.id === ssoCustomer)?.name ?? '';
let stub: StubBackend;
let clock: ReturnType<typeof manualClock>;
const desks: Desk[] = [];

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw Object.assign(new Error(`${result.error.code}: ${result.error.message}`), { code: result.error.code });
  return result.value;
}

/** One typed contract call through the desk's dispatch (validation included). */
async function call<C extends Channel>(desk: Desk, channel: C, input: Input<C>): Promise<Output<C>> {
  return unwrap(await desk.dispatch(channel, input)) as Output<C>;
}

async function openDesk(dataDir: string): Promise<{ desk: Desk; changed: string[] }> {
  const desk = createDesk({
    dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    clock,
    requestTimeoutMs: 2_000,
    wizardTiming: { retryDelayMs: 0 },
  });
  desks.push(desk);
  const changed: string[] = [];
  desk.events.on((event, payload) => {
    if (event === 'runs:changed') changed.push((payload as { runId: string }).runId);
  });
  return { desk, changed };
}

async function run(desk: Desk, runId: string): Promise<RunView> {
  return (await call(desk, 'runs:get', { runId })) as RunView;
}

beforeEach(async () => {
  clock = manualClock(FLEET_NOW);
  stub = await startStubBackend({ now: () => clock.now(), customerNames: { [ssoCustomer]: customerName } });
});
afterEach(async () => {
  for (const desk of desks.splice(0)) {
    await desk.stop();
    desk.close();
  }
  await stub.close();
  dirs.cleanup();
});

describe('wizards through the desk contract', () => {
  it('suggests, runs, survives a restart of the desk, and records the run once', async () => {
    const dataDir = dirs.make();
    const { desk, changed } = await openDesk(dataDir);
    seedCustomers(desk.cache, createOutbox(desk.cache), [ssoCustomer]);
    await call(desk, 'backend:set', { mode: 'remote', url: stub.url, token: 'desk-token' });

    const list = await call(desk, 'wizards:list', { customerId: ssoCustomer });
    expect(list.wizards[0]).toMatchObject({ id: 'sso-sign-in-failing', isSuggested: true, origin: 'bundled' });
    expect(list.wizards[0]?.reason).toMatch(/feature sso is down; open alert on sso/);
    const detail = await call(desk, 'wizards:get', { wizardId: 'sso-sign-in-failing' });
    expect(detail.source).toContain('id: sso-sign-in-failing');
    expect((detail.definition as { steps: unknown[] }).steps.length).toBeGreaterThan(5);

    const started = await call(desk, 'runs:start', { wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    expect(started.customerName).toBe(customerName);
    const atConfirm = await waitFor(async () => {
      const view = await run(desk, started.runId);
      return (view.need as Need | null)?.need === 'action-confirm' ? view : null;
    }, 'the run reaches the action confirmation');
    expect(changed.filter((runId) => runId === started.runId).length).toBeGreaterThanOrEqual(6);
    expect((await call(desk, 'runs:list', { customerId: ssoCustomer, status: 'active' })).runs.map((item) => item.runId)).toEqual(
      [started.runId],
    );

    await desk.stop();
    desk.close();
    desks.splice(desks.indexOf(desk), 1);

    const reopened = await openDesk(dataDir);
    await reopened.desk.start();
    const resumed = await run(reopened.desk, started.runId);
    expect(resumed.state).toEqual(atConfirm.state);
    await call(reopened.desk, 'runs:act', { runId: started.runId, act: { type: 'confirm-action' } });
    const finished = await waitFor(async () => {
      const view = await run(reopened.desk, started.runId);
      return view.status === 'finished' ? view : null;
    }, 'the run finishes');
    expect(finished.state.finish?.outcome).toBe('workaround');
    expect(reopened.changed).toContain(started.runId);
    expect((await call(reopened.desk, 'runs:list', { status: 'finished' })).runs.map((item) => item.runId)).toEqual([
      started.runId,
    ]);

    // The record is pushed through the outbox and acknowledged.
    await waitFor(async () => (await run(reopened.desk, started.runId)).recordState === 'synced', 'the run record syncs');
    const pushed = stub
      .callsTo('/v1/sync/push')
      .flatMap((call) => (call.body as { mutations: { name: string; args: { runId: string } }[] }).mutations);
    expect(pushed.filter((mutation) => mutation.name === 'wizardRun.record').map((mutation) => mutation.args.runId)).toEqual([
      started.runId,
    ]);
  });

  it('answers bad requests with clear errors and changes nothing', async () => {
    const { desk } = await openDesk(dirs.make());
    seedCustomers(desk.cache, createOutbox(desk.cache), [ssoCustomer]);
    const unknownWizard = await desk.dispatch('runs:start', { wizardId: 'no-such-wizard', customerId: ssoCustomer });
    expect(unknownWizard).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const unknownCustomer = await desk.dispatch('runs:start', { wizardId: 'sso-sign-in-failing', customerId: 'nobody' });
    expect(unknownCustomer).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await desk.dispatch('runs:get', { runId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await desk.dispatch('wizards:get', { wizardId: 'sso-sign-in-failing', version: 99 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await desk.dispatch('wizards:list', { eventId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const started = await call(desk, 'runs:start', { wizardId: 'feature-not-visible', customerId: ssoCustomer });
    expect((started.need as Need | null)?.need).toBe('input');
    const wrong = await desk.dispatch('runs:act', {
      runId: started.runId,
      act: { type: 'inputs', values: { feature: 'teleport' } },
    });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const notNow = await desk.dispatch('runs:act', { runId: started.runId, act: { type: 'confirm-action' } });
    expect(notNow).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((await run(desk, started.runId)).state).toEqual(started.state);
    await call(desk, 'runs:act', { runId: started.runId, act: { type: 'cancel', reason: 'wrong wizard' } });
    expect((await run(desk, started.runId)).status).toBe('cancelled');
  });
});

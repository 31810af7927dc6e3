import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { faultRoster, generateFleet } from '../../../server/demo/fleet';
import type { RunView } from '../../../shared/ipc/wizard-views';
import type { Need } from '../../../shared/wizards/engine';
import { waitFor } from '../../support/wait';
import { startSeededWorld, type SeededWorld } from './support/starter-runs';

/**
 * A plan that changes between the operator's confirmation and its execution is
 * never executed on the old confirmation (issue 11): against the real server,
 * someone else turns SSO enforcement off after the desk showed the plan; the
 * server refuses the confirmed plan (409 plan_changed), and the desk shows the
 * new plan with the server's reason and waits for a second confirmation.
 */
const SEED = 7;
const now = Date.now();
const fleet = generateFleet({ seed: SEED, now: new Date(now), customers: 50 });
const ssoCustomer = faultRoster(fleet).sso_enforced_without_idp[0] ?? '';
let world: SeededWorld;
let desk: Desk;

async function view(runId: string): Promise<RunView> {
  const result = await desk.dispatch('runs:get', { runId });
  if (!result.ok) throw new Error(result.error.message);
  return result.value as RunView;
}

beforeAll(async () => {
  world = await startSeededWorld({ seed: SEED, customers: 50, now, prefix: 'lk-replan-' });
  desk = await world.deskFor('dana', ssoCustomer);
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe('a plan that changed after confirmation (issue 11)', () => {
  it('shows the new plan with the server’s reason and asks again; the old plan never runs', async () => {
    const started = await desk.dispatch('runs:start', { wizardId: 'sso-sign-in-failing', customerId: ssoCustomer });
    if (!started.ok) throw new Error(started.error.message);
    const runId = (started.value as { runId: string }).runId;
    const atConfirm = await waitFor(
      async () => {
        const current = await view(runId);
        if (current.blockedReason) throw new Error(`blocked: ${current.blockedReason}`);
        return (current.need as Need | null)?.need === 'action-confirm' ? current : null;
      },
      'the run reaches the plan confirmation',
      30_000,
    );
    const confirmed = atConfirm.plan;
    expect(confirmed?.changes).toContainEqual({ target: 'flag sso.enforce', from: true, to: false });
    // Someone else turns enforcement off on the server while the operator reads the plan.
    await world.database.storage.query(
      `update customer_state set state = jsonb_set(state, '{flags,sso.enforce}', 'false'::jsonb) where customer_id = $1`,
      [ssoCustomer],
    );
    const acted = await desk.dispatch('runs:act', { runId, act: { type: 'confirm-action' } });
    expect(acted.ok).toBe(true);
    const again = await waitFor(
      async () => {
        const current = await view(runId);
        const need = current.need as Need | null;
        return need?.need === 'action-confirm' && need.replanned ? current : null;
      },
      'the run asks to confirm the new plan',
      30_000,
    );
    const need = again.need as Extract<Need, { need: 'action-confirm' }>;
    expect(need.replanned).toMatch(
      new RegExp(`^the dry run of flags.set on .+ changed since plan ${confirmed?.planId} was confirmed \\(.*flag sso.enforce`),
    );
    expect(again.plan?.planId).not.toBe(confirmed?.planId);
    expect(again.plan?.changes).not.toContainEqual({ target: 'flag sso.enforce', from: true, to: false });
    expect(again.execution).toBeNull();
    expect(again.blockedReason).toBeNull();
    const executions = await world.database.storage.query('select id from action_executions where plan_id = $1', [
      confirmed?.planId,
    ]);
    expect(executions).toHaveLength(0);
    const record = again.state.steps.find((step) => step.path === 'stop-enforcing');
    expect(record?.replans?.map((replan) => replan.reason)).toEqual([need.replanned]);

    expect((await desk.dispatch('runs:act', { runId, act: { type: 'confirm-action' } })).ok).toBe(true);
    const finished = await waitFor(
      async () => {
        const current = await view(runId);
        if (current.blockedReason) throw new Error(`blocked: ${current.blockedReason}`);
        return current.status === 'finished' ? current : null;
      },
      'the run finishes',
      60_000,
    );
    expect(finished.execution).toMatchObject({ planId: again.plan?.planId, status: 'succeeded' });
  });
});

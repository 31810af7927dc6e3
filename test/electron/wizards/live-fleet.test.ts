import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../../electron/core/desk';
import { generateFleet } from '../../../server/demo/fleet';
import { startLiveLoop } from '../../../server/demo/live-loop';
import { silentLogger as serverLog } from '../../../server/log';
import { token } from '../../server/support/server';
import { call, runToFinish, startSeededWorld, starterCases, type SeededWorld } from './support/starter-runs';

/**
 * The starter wizards against a fleet that has been live for an hour (#15): the
 * demo is seeded an hour ago and its live simulator is run forward to now, so
 * the customers carry an hour of routine deploys, alerts and tickets on top of
 * their seeded history — what a desk sees after the app has been open a while,
 * not only freshly seeded history. Every faulty customer must still be
 * diagnosed, fixed and verified.
 */
const SEED = 11;
const CUSTOMERS = 50;
const HOUR = 3_600_000;
const TICK_MS = 30_000;
const now = Date.now();
const seededAt = now - HOUR;
const fleet = generateFleet({ seed: SEED, now: new Date(seededAt), customers: CUSTOMERS });
const cases = starterCases(fleet);
let world: SeededWorld;
let operator: Desk;

beforeAll(async () => {
  world = await startSeededWorld({
    seed: SEED,
    customers: CUSTOMERS,
    now: seededAt,
    prefix: 'lk-live-fleet-',
    async prepare(storage) {
      let at = seededAt;
      const live = startLiveLoop({ storage, seed: SEED, intervalMs: 0, clock: () => at, log: serverLog });
      for (at = seededAt + TICK_MS; at <= now; at += TICK_MS) await live.tickOnce();
      await live.stop();
    },
  });
  operator = await world.deskFor('sam', cases[0]?.customerId ?? '');
}, 180_000);

afterAll(async () => {
  await world?.close();
});

describe('the starter wizards on a fleet live for an hour', () => {
  it('has an hour of live activity, including infrastructure deploys after the upgrade of a regressed customer', async () => {
    const regressed = cases
      .filter((entry) => entry.wizardId === 'degraded-after-version-upgrade')
      .map((entry) => entry.customerId);
    expect(regressed.length).toBeGreaterThan(0);
    // Infrastructure deploys carry no product version; the wizard must look past them to the upgrade.
    const rows = await world.database.storage.query<{ customer_id: string }>(
      `select distinct d.customer_id from events d
        where d.kind = 'deploy' and d.occurred_at > $2::timestamptz and d.customer_id = any($1)
          and d.occurred_at > (select max(u.occurred_at) from events u where u.customer_id = d.customer_id and u.kind = 'version_upgrade')`,
      [regressed, new Date(seededAt).toISOString()],
    );
    expect(rows.length).toBeGreaterThan(0);
  });

  it('diagnoses, fixes and verifies every faulty customer', async () => {
    const approverToken = await token(world.database.storage, { userId: 'lee', role: 'desk' });
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const entry of cases) {
      const suggested = await call(operator, 'wizards:list', { customerId: entry.customerId });
      // Suggested, though not always first: a routine alert the live fleet opened on another feature may lead.
      expect({
        customerId: entry.customerId,
        suggested: suggested.wizards.filter((wizard) => wizard.isSuggested).map((wizard) => wizard.id),
      }).toMatchObject({ suggested: expect.arrayContaining([entry.wizardId]) });
      const { view } = await runToFinish(operator, { ...entry, serverUrl: world.server.url, approverToken });
      const state = view.state;
      expect({
        customerId: entry.customerId,
        wizardId: entry.wizardId,
        outcome: state.finish?.outcome,
        path: state.steps.map((step) => step.path),
      }).toMatchObject({ outcome: expect.stringMatching(/^(remediated|workaround)$/) });
      if (entry.wizardId === 'degraded-after-version-upgrade') {
        const upgrade = state.steps.find((step) => step.path === 'latest-upgrade')?.result as { version: unknown };
        expect(typeof upgrade.version).toBe('string');
      }
      expect(view.execution?.status).toBe('succeeded');
    }
  }, 240_000);
});

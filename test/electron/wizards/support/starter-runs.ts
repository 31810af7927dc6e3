import { faultRoster } from '../../../../server/demo/fleet';
import type { DemoFleet } from '../../../../server/demo/types';
import { createDesk, type Desk } from '../../../../electron/core/desk';
import { silentLogger } from '../../../../electron/core/log';
import type { Channel } from '../../../../shared/ipc/channels';
import type { Input, Output } from '../../../../shared/ipc/contract';
import type { RunView } from '../../../../shared/ipc/wizard-views';
import type { Need } from '../../../../shared/wizards/engine';
import { seedDemo } from '../../../../server/demo/seed';
import { silentLogger as serverLog } from '../../../../server/log';
import type { Storage } from '../../../../server/storage/types';
import { createTestDatabase, type TestDatabase } from '../../../server/support/database';
import { startTestServer, token, type TestServer } from '../../../server/support/server';
import { tempDirs } from '../../../support/temp';
import { waitFor } from '../../../support/wait';

/** One faulty demo customer and the starter wizard that should fix it. */
export type StarterCase = { customerId: string; wizardId: string; inputs?: Record<string, string> };

const DEMO_FEATURES = ['sso', 'exports', 'billing_sync', 'audit_log', 'api_access', 'analytics', 'webhooks', 'data_import'];

/** Every faulty customer of the fleet with the starter wizard that diagnoses and fixes its fault. */
export function starterCases(fleet: DemoFleet): StarterCase[] {
  const roster = faultRoster(fleet);
  return [
    ...roster.feature_entitlement_mismatch.map((customerId) => {
      const state = fleet.states.find((candidate) => candidate.customerId === customerId);
      const feature = DEMO_FEATURES.find(
        (name) => (state?.entitlements?.includes(name) ?? false) !== (state?.flags[`feature.${name}`] === true),
      );
      return { customerId, wizardId: 'feature-not-visible', inputs: { feature: feature ?? 'none' } };
    }),
    ...roster.provisioning_stuck.map((customerId) => ({ customerId, wizardId: 'onboarding-provisioning-stuck' })),
    ...roster.export_lag.map((customerId) => ({ customerId, wizardId: 'export-job-behind' })),
    // The bad release hits several customers with one story (issue 12); three of them show the wizard works on each,
    // and stay under the operator's action rate limit (10 in 10 minutes).
    ...roster.upgrade_regression.slice(0, 3).map((customerId) => ({ customerId, wizardId: 'degraded-after-version-upgrade' })),
  ];
}

export async function call<C extends Channel>(desk: Desk, channel: C, input: Input<C>): Promise<Output<C>> {
  const result = await desk.dispatch(channel, input);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as Output<C>;
}

/**
 * Starts `wizardId` on the customer and answers every question as an operator
 * would (inputs, guidance, plan confirmation with the typed name), deciding any
 * approval as a second person with `approverToken`. Resolves with the finished
 * run (or the run waiting at an escalation) and the number of operator acts.
 */
export async function runToFinish(
  operator: Desk,
  options: StarterCase & { serverUrl: string; approverToken: string },
): Promise<{ view: RunView; acts: number }> {
  const { wizardId, customerId, inputs } = options;
  const started = await call(operator, 'runs:start', { wizardId, customerId });
  let acts = 1;
  const view = await waitFor(
    async () => {
      const current = (await call(operator, 'runs:get', { runId: started.runId })) as RunView;
      const need = current.need as Need | null;
      if (current.status === 'finished') return current;
      if (current.approval?.status === 'pending') {
        const decided = await fetch(`${options.serverUrl}/v1/approvals/${current.approval.approvalId}/decision`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.approverToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'granted', note: 'checked the plan' }),
        });
        if (decided.status !== 200) throw new Error(`approval decision answered ${decided.status}`);
        return null;
      }
      if (current.blockedReason) throw new Error(`${wizardId} for ${customerId} blocked: ${current.blockedReason}`);
      // An execution waiting for its approval to be requested or decided is the desk's business, not the operator's.
      if (current.status !== 'waiting' || !need || need.need === 'action-execute') return null;
      // A hand-over is where the wizard gave up: the caller sees the run as it stands.
      if (need.need === 'escalate') return current;
      acts += 1;
      if (need.need === 'input')
        await call(operator, 'runs:act', {
          runId: current.runId,
          act: { type: need.stepId === null ? 'inputs' : 'answer', values: inputs ?? {} },
        });
      else if (need.need === 'guidance')
        await call(operator, 'runs:act', { runId: current.runId, act: { type: 'continue', confirmed: true } });
      else if (need.need === 'action-confirm') {
        const typed = current.plan?.requiresTypedConfirmation ? current.plan.customer.name : undefined;
        await call(operator, 'runs:act', {
          runId: current.runId,
          act: { type: 'confirm-action', ...(typed ? { typedConfirmation: typed } : {}) },
        });
      } else
        throw new Error(`${wizardId} for ${customerId} stopped at ${need.need}: ${JSON.stringify(current.state).slice(0, 400)}`);
      return null;
    },
    `${wizardId} finishes for ${customerId}`,
    60_000,
  );
  return { view, acts };
}

/**
 * A desk of its own (data dir `dataDir`, backend `serverUrl` with `deskToken`),
 * resolved once it is online, done bootstrapping and holds `customerId`.
 */
export async function openSyncedDesk(options: {
  dataDir: string;
  serverUrl: string;
  deskToken: string;
  customerId: string;
}): Promise<Desk> {
  const desk = createDesk({
    dataDir: options.dataDir,
    mode: 'browser',
    appVersion: 'test',
    platform: 'linux',
    log: silentLogger,
    requestTimeoutMs: 10_000,
  });
  await call(desk, 'backend:set', { mode: 'remote', url: options.serverUrl, token: options.deskToken });
  await waitFor(
    async () => {
      const status = await call(desk, 'sync:status', undefined);
      return (
        status.state === 'online' &&
        !status.isBootstrapping &&
        desk.cache.prepare('select 1 from customers where id = ?').get(options.customerId) !== undefined
      );
    },
    'the desk has synced the demo fleet',
    60_000,
  );
  return desk;
}

/** A real server on its own database seeded with the demo fleet, and desks synced with it. */
export type SeededWorld = {
  database: TestDatabase;
  server: TestServer;
  /** A desk of its own (own data dir, `userId` with the desk role), synced and holding `customerId`. */
  deskFor(userId: string, customerId: string): Promise<Desk>;
  /** Stops every desk made, the server and the database. */
  close(): Promise<void>;
};

/**
 * Seeds a fresh database with the demo fleet (`seed`, `customers`, seeded at `now`),
 * lets `prepare` change it before the server starts (a live loop, say), then starts the server.
 */
export async function startSeededWorld(options: {
  seed: number;
  customers: number;
  now: number;
  prefix: string;
  prepare?: (storage: Storage) => Promise<void>;
}): Promise<SeededWorld> {
  const dirs = tempDirs(options.prefix);
  const desks: Desk[] = [];
  const database = await createTestDatabase();
  await seedDemo(database.storage, { seed: options.seed, customers: options.customers, now: options.now, log: serverLog });
  await options.prepare?.(database.storage);
  const server = await startTestServer(database.storage);
  return {
    database,
    server,
    async deskFor(userId, customerId) {
      const deskToken = await token(database.storage, { userId, role: 'desk' });
      const desk = await openSyncedDesk({ dataDir: dirs.make(), serverUrl: server.url, deskToken, customerId });
      desks.push(desk);
      return desk;
    },
    async close() {
      for (const desk of desks.splice(0)) {
        await desk.stop();
        desk.close();
      }
      await server.close();
      await database.dispose();
      dirs.cleanup();
    },
  };
}

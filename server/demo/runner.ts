import type { Customer, CustomerFeature } from '../../shared/domain';
import { JOB_FEATURES, isDemoFeature } from './catalog';
import {
  applyRemediation,
  deriveHealth,
  effectiveVersion,
  planRemediation,
  RemediationError,
  resolveClearedSymptoms,
  type RemediationAction,
} from './health';
import type { DemoCustomerState } from './types';
import { ApiFailure } from '../errors';
import { readCustomerFeatures, readCustomerForUpdate } from '../repo/remediation';
import { upsertCustomers, upsertFeatures } from '../repo/writes';
import { putCustomerStates } from './state';
import type { Queryable } from '../storage/types';
import type { Json } from '../../shared/json';
import { ActionNotApplicableError, type ActionRunner, type PlannedChange } from '../remediation/types';
import { demoStateOf } from './probes';

/*
 * The demo-fleet runner: actions change the customer's simulated state
 * (server/demo/health.ts), and the customer's health, version and feature rows
 * are re-derived from it and written through the repository, so desks see the
 * recovery by sync exactly as they would see a real one.
 */

/** The actions the demo fleet's model can apply: the `operation`s of resources/catalogs/demo.catalog.yaml. */
export const DEMO_ACTIONS = [
  'flags.set',
  'feature.setEnabled',
  'provisioning.retry',
  'jobs.restart',
  'config.set',
  'version.pin',
] as const;
type DemoActionName = (typeof DEMO_ACTIONS)[number];

/** Whether the demo runner knows an operation. */
export function isDemoAction(name: string): name is DemoActionName {
  return (DEMO_ACTIONS as readonly string[]).includes(name);
}

// The live loop's advisory lock (server/demo/live-loop.ts): holding it keeps a tick from
// writing a state it read before this remediation committed.
const LIVE_LOCK = 4_700_004;

/** The demo model's form of a catalog action; a value the model cannot hold is a 422. */
function toDemoAction(name: string, params: Record<string, Json>): RemediationAction {
  const scalar = (value: Json | undefined, key: string): boolean | number | string => {
    if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
    throw new ActionNotApplicableError('invalid_value', `${key} must be true, false, a number or a text for this customer`);
  };
  switch (name as DemoActionName) {
    case 'flags.set':
      return { kind: 'flags.set', key: String(params['key']), value: scalar(params['value'], String(params['key'])) };
    case 'feature.setEnabled':
      return { kind: 'feature.setEnabled', feature: String(params['feature']), enabled: params['enabled'] === true };
    case 'provisioning.retry':
      return { kind: 'provisioning.retry', step: String(params['step']) };
    case 'jobs.restart':
      return { kind: 'jobs.restart', jobId: String(params['jobId']) };
    case 'config.set':
      return { kind: 'config.set', key: String(params['key']), value: scalar(params['value'], String(params['key'])) };
    case 'version.pin':
      return { kind: 'version.pin', version: String(params['version']) };
  }
  throw new ApiFailure(404, 'unknown_action', `the demo runner has no action "${name}"`);
}

/** `flags.sso.enforce` → `flag sso.enforce`, `jobs[acme.export].worker` → `job acme.export worker`. */
function targetOf(path: string): string {
  if (path.startsWith('flags.')) return `flag ${path.slice('flags.'.length)}`;
  if (path.startsWith('config.')) return `config ${path.slice('config.'.length)}`;
  if (path === 'pinnedVersion') return 'pinned version';
  if (path.startsWith('idp.')) return `identity provider ${path.slice('idp.'.length)}`;
  const item = /^(provisioning|jobs)\[([^\]]*)\]\.(.+)$/.exec(path);
  if (item) return `${item[1] === 'jobs' ? 'job' : 'provisioning step'} ${item[2]} ${item[3]}`;
  return path;
}

/** What the state change means for the rows desks see: health, version and feature health. */
function derivedChanges(
  customer: Customer,
  features: readonly CustomerFeature[],
  before: DemoCustomerState,
  after: DemoCustomerState,
): PlannedChange[] {
  const was = deriveHealth(customer, features, before);
  const will = deriveHealth(customer, features, after);
  const changes: PlannedChange[] = [];
  if (was.health !== will.health) changes.push({ target: 'customer health', from: was.health, to: will.health });
  const versionBefore = effectiveVersion(before) ?? customer.version;
  const versionAfter = effectiveVersion(after) ?? customer.version;
  if (versionBefore !== versionAfter) changes.push({ target: 'customer version', from: versionBefore, to: versionAfter });
  for (const row of will.features) {
    const previous = was.features.find((candidate) => candidate.feature === row.feature);
    if (previous && previous.health !== row.health)
      changes.push({ target: `feature ${row.feature} health`, from: previous.health, to: row.health });
  }
  return changes;
}

function stateChanges(
  state: DemoCustomerState,
  action: RemediationAction,
  now: Date,
): { changes: PlannedChange[]; faultsBefore: string[]; faultsAfter: string[] } {
  const planned = planRemediation(state, action, now);
  return {
    // Step timestamps are bookkeeping, not something an engineer decides on.
    changes: planned.changes
      .filter((change) => !change.path.endsWith('.updatedAt'))
      .map((change) => ({ target: targetOf(change.path), from: change.before, to: change.after })),
    faultsBefore: planned.faultsBefore,
    faultsAfter: planned.faultsAfter,
  };
}

function applicable<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof RemediationError) throw new ActionNotApplicableError(error.code, error.message);
    throw error;
  }
}

async function lockedState(db: Queryable, customerId: string): Promise<DemoCustomerState | null> {
  const [row] = await db.query<{ state: DemoCustomerState }>(
    'select state from customer_state where customer_id = $1 for update',
    [customerId],
  );
  return row?.state ?? null;
}

/** The feature an action concerns, for its timeline event (from a flag or config key, a feature or a job id). */
export function actionFeature(name: string, params: Record<string, Json>): string | null {
  const key = typeof params['key'] === 'string' ? params['key'] : null;
  if (name === 'feature.setEnabled' && typeof params['feature'] === 'string') return params['feature'];
  if (key !== null) {
    const head = key.startsWith('feature.') ? key.slice('feature.'.length) : (key.split('.')[0] ?? '');
    return isDemoFeature(head) ? head : null;
  }
  if (name === 'jobs.restart' && typeof params['jobId'] === 'string') {
    const kind = params['jobId'].endsWith('.billing_sync')
      ? 'billing_sync'
      : params['jobId'].endsWith('.export')
        ? 'export'
        : null;
    return kind ? JOB_FEATURES[kind].feature : null;
  }
  return null;
}

/** The runner of one catalog action against the demo fleet. */
export function createDemoRunner(name: string): ActionRunner {
  return {
    kind: 'demo',
    async plan({ db, customer, params, now }) {
      const action = toDemoAction(name, params);
      const state = await demoStateOf(db, customer, `action ${name}`);
      const features = await readCustomerFeatures(db, customer.id);
      const at = new Date(now);
      const planned = applicable(() => stateChanges(state, action, at));
      const after = applicable(() => applyRemediation(state, action, at));
      return {
        changes: [...planned.changes, ...derivedChanges(customer, features, state, after)],
        isNoop: planned.changes.length === 0,
        details: { runner: 'demo', faultsBefore: planned.faultsBefore, faultsAfter: planned.faultsAfter },
      };
    },
    async execute({ storage, customer, params, now, finish }) {
      const action = toDemoAction(name, params);
      const at = new Date(now);
      return storage.transaction(async (db) => {
        await db.query(`select pg_advisory_xact_lock(${LIVE_LOCK})`);
        const current = (await readCustomerForUpdate(db, customer.id)) ?? customer;
        const state = await lockedState(db, customer.id);
        if (!state)
          throw new ActionNotApplicableError('not_simulated', `customer ${customer.id} has no simulated state any more`);
        const features = await readCustomerFeatures(db, customer.id);
        const planned = applicable(() => stateChanges(state, action, at));
        const applied = applicable(() => applyRemediation(state, action, at));
        // Monitoring notices at once: alerts of cleared faults resolve (tickets wait for the customer), as in the live loop.
        const resolved = resolveClearedSymptoms(applied, at);
        const next = resolved.state;
        const derived = deriveHealth(current, features, next);
        const version = effectiveVersion(next) ?? current.version;
        if (derived.health !== current.health || version !== current.version) {
          await upsertCustomers(db, [{ ...current, health: derived.health, version, updatedAt: at.toISOString() }]);
        }
        await upsertFeatures(db, derived.features);
        await putCustomerStates(db, [next], now);
        return finish(db, {
          status: 'succeeded',
          changes: [...planned.changes, ...derivedChanges(current, features, state, next)],
          result: { faultsBefore: planned.faultsBefore, faultsAfter: next.faults, health: derived.health, version },
          error: null,
          events: resolved.events,
        });
      });
    },
  };
}

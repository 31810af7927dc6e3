import type { PublishedCatalog } from '../../shared/catalog/format';
import { plainValueOf } from '../../shared/catalog/type-schema';
import type { Json } from '../../shared/json';
import type { DiagnosticRequest, RunState } from '../../shared/wizards/engine';
import type { Scenario } from '../../shared/wizards/scenario';

/**
 * Simulated results for practice runs. A practice run never reaches the
 * server's actions and never reads live state: each check, verify attempt and
 * action gets its result from the wizard's scenario file when it has one for
 * that step (a list gives one result per visit or attempt, the last one
 * repeating, as in `npm run wizards -- test`), and otherwise a neutral default:
 * "nothing found, everything healthy" (docs/wizards.md, "Practice mode"). For
 * cache queries the desk knows that answer; for probes it is the `example` the
 * server's catalog declares, else a plain value of the probe's result type.
 */

/** How many results the run has already received for a step path (checks, verify attempts, actions). */
export function resultsSoFar(state: RunState, path: string): number {
  let count = 0;
  for (const record of state.steps) {
    // A check of a parallel group: its path is the group's prefix and the check id.
    const prefix = record.path.slice(0, record.path.length - record.stepId.length);
    if (record.group?.some((check) => check.landed && `${prefix}${check.id}` === path)) count += 1;
    if (record.path !== path) continue;
    if (record.kind === 'verify') count += record.attempts?.length ?? 0;
    else if (record.result !== undefined) count += 1;
  }
  return count;
}

function pick<T>(value: T | T[] | undefined, index: number): T | undefined {
  if (!Array.isArray(value)) return value;
  return value[Math.min(index, value.length - 1)];
}

/** The neutral answer to a query or probe: nothing changed, nothing open, everything healthy. */
export function neutralResult(
  request: DiagnosticRequest,
  customer: Record<string, Json>,
  now: string,
  catalog: PublishedCatalog | null,
): Json {
  if (request.source === 'probe') {
    const probe = catalog?.probes.find((candidate) => candidate.name === request.probe);
    if (!probe) return {};
    return probe.example ?? plainValueOf(probe.result, now);
  }
  const version = typeof customer.version === 'string' ? customer.version : 'unknown';
  switch (request.query) {
    case 'changes':
      return { count: 0, items: [], flags: [], latest: null };
    case 'latestDeploy':
      return { found: false, version: null, previousVersion: null, occurredAt: null, ageMinutes: null };
    case 'openItems':
    case 'events':
      return { count: 0, items: [] };
    case 'customer':
      return {
        id: String(customer.id ?? ''),
        name: String(customer.name ?? customer.id ?? ''),
        plan: String(customer.plan ?? 'unknown'),
        lifecycle: String(customer.lifecycle ?? 'live'),
        health: 'ok',
        version,
        features: [],
      };
    default:
      return {};
  }
}

/** The simulated result of a check or verify attempt at `path`. */
export function simulatedCheck(
  scenario: Scenario | null,
  state: RunState,
  path: string,
  request: DiagnosticRequest,
  now: string,
  catalog: PublishedCatalog | null,
): { result: Json; isFromScenario: boolean } {
  const given = scenario?.checks[path];
  const picked = given === undefined ? undefined : pick<Json>(given as Json | Json[], resultsSoFar(state, path));
  if (picked !== undefined) return { result: picked, isFromScenario: true };
  return { result: neutralResult(request, state.customer, now, catalog), isFromScenario: false };
}

/** The simulated outcome of an action at `path`: the scenario's, else a success that changed nothing real. */
export function simulatedAction(
  scenario: Scenario | null,
  state: RunState,
  path: string,
): { ok: boolean; result: Json; error?: string } {
  const given = scenario?.actions[path];
  const picked = pick(given, resultsSoFar(state, path));
  if (!picked) return { ok: true, result: { simulated: true } };
  return {
    ok: picked.ok,
    result: picked.result ?? { simulated: true },
    ...(picked.error === undefined ? {} : { error: picked.error }),
  };
}

/** The simulated decision of an approval step at `path` (granted unless the scenario says otherwise). */
export function simulatedApproval(scenario: Scenario | null, path: string): { granted: boolean; by: string; note?: string } {
  const given = scenario?.approvals[path];
  return given
    ? { granted: given.granted, by: given.by, ...(given.note ? { note: given.note } : {}) }
    : { granted: true, by: 'practice-approver' };
}

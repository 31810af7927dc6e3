import type { Handlers } from '../../shared/ipc/contract';
import type { ProblemView } from '../../shared/ipc/problem-views';
import { DeskError } from '../../shared/ipc/result';
import { problemChangeError, problemFieldText, type Problem, type ProblemField } from '../../shared/problems';
import { ulid } from '../../shared/ulid';
import type { Outbox } from '../db/outbox';
import type { ProblemQueries } from '../db/problem-queries';

/*
 * Known problems on the desk (issue 12). Made from a signal, a run or by hand,
 * and edited, as outbox mutations (`problem.create`, `problem.update`): shown at
 * once, sent when the backend is there, once. The server is authoritative: it
 * refuses what breaks the lifecycle (a known error without its workaround
 * wizard, fixed without a version, a wizard the library does not hold) and the
 * refusal is shown on the problem. An edit carries what this desk showed for
 * each field it changes, so the server can tell when it replaces someone
 * else's newer value and say so (as follow-ups do).
 */

type ProblemHandlers = Pick<
  Handlers,
  'problems:list' | 'problems:get' | 'problems:create' | 'problems:update' | 'problems:history' | 'problems:regressions'
>;

export function createProblemHandlers(options: {
  outbox: Outbox;
  queries: ProblemQueries;
  hasCustomer(customerId: string): boolean;
  me(): string | null;
  now(): number;
  onWrite(customerIds: readonly string[]): void;
}): ProblemHandlers {
  const { outbox, queries } = options;
  const me = () => options.me() ?? 'you';

  function read(id: string): ProblemView {
    const detail = queries.get(id, me());
    if (!detail) throw new DeskError('internal', 'The problem was saved but could not be read back; reload the view.');
    return detail.problem;
  }

  // The lifecycle rule runs here too, so an edit the server would refuse is refused before it is queued.
  function refuseBadChange(next: Pick<Problem, 'status' | 'workaroundWizard' | 'fixedVersion' | 'rules' | 'customers'>) {
    const problem = problemChangeError(next);
    if (problem) throw new DeskError('bad_request', `${problem[0]?.toUpperCase() ?? ''}${problem.slice(1)}.`);
  }

  function refuseUnknownCustomers(customerIds: readonly string[]) {
    const missing = customerIds.filter((id) => !options.hasCustomer(id));
    if (missing.length > 0)
      throw new DeskError('not_found', `Not in the local cache: ${missing.slice(0, 10).join(', ')}. Sync, then try again.`);
  }

  return {
    'problems:list': () => ({ rows: queries.list(me()) }),
    'problems:regressions': () => ({ rows: queries.regressions(me()) }),
    'problems:get': (input) => {
      const detail = queries.get(input.problemId, me(), input.days);
      if (!detail)
        throw new DeskError('not_found', `Problem ${input.problemId} is not in the local cache. Sync, then try again.`);
      return detail;
    },
    'problems:create': (input) => {
      const customers = [...new Set(input.customers ?? [])];
      refuseUnknownCustomers(customers);
      const workaroundWizard = input.workaroundWizard ?? null;
      refuseBadChange({
        status: workaroundWizard ? 'known_error' : 'investigating',
        workaroundWizard,
        fixedVersion: null,
        rules: input.rules ?? [],
        customers,
      });
      const problemId = ulid();
      outbox.enqueue(
        'problem.create',
        {
          problemId,
          title: input.title,
          rules: input.rules ?? [],
          customers,
          owner: input.owner ?? null,
          workaroundWizard,
          workaround: input.workaround ?? null,
          ticketUrl: input.ticketUrl ?? null,
        },
        new Date(options.now()).toISOString(),
      );
      options.onWrite(customers);
      return read(problemId);
    },
    'problems:update': (input) => {
      const shown = queries.get(input.problemId, me())?.problem;
      if (!shown) throw new DeskError('not_found', `Problem ${input.problemId} is not in the local cache. Sync, then try again.`);
      refuseUnknownCustomers(input.set.customers ?? []);
      refuseBadChange({ ...shown, ...input.set });
      // What this desk showed for each field it changes: the server reports an edit that replaced a newer value.
      const base = Object.fromEntries(
        (Object.keys(input.set) as ProblemField[]).map((field) => [field, problemFieldText(shown[field])]),
      );
      outbox.enqueue(
        'problem.update',
        { problemId: input.problemId, baseVer: queries.synced(input.problemId)?.ver ?? 0, set: input.set, base },
        new Date(options.now()).toISOString(),
      );
      options.onWrite(input.set.customers ?? []);
      return read(input.problemId);
    },
    'problems:history': (input) => {
      if (!queries.get(input.problemId, me()))
        throw new DeskError('not_found', `Problem ${input.problemId} is not in the local cache yet.`);
      return queries.history(input.problemId);
    },
  };
}

import { OPEN_FOLLOW_UP_STATES, type FollowUpField } from '../../shared/follow-ups';
import type { FollowUpView } from '../../shared/ipc/follow-up-views';
import type { Handlers } from '../../shared/ipc/contract';
import { DeskError } from '../../shared/ipc/result';
import { ulid } from '../../shared/ulid';
import type { FollowUpQueries } from '../db/follow-up-queries';
import type { Outbox } from '../db/outbox';

/*
 * Follow-ups on the desk (issue 12). Every write is an outbox mutation, so it
 * works offline and reaches the server once (the outbox's lanes and stored
 * results, docs/sync.md). An edit carries what this desk showed for each field
 * it changes — its own write still on its way, else the synced value — so the
 * server can tell when it replaces someone else's newer value and say so.
 */

/** `2026-12-03`: the desk's local day, which due dates are compared with. */
export function localDay(time: number): string {
  const date = new Date(time);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Due first (soonest first, undated last), then oldest first. */
function byDue(a: FollowUpView, b: FollowUpView): number {
  if (a.dueDate !== b.dueDate) {
    if (a.dueDate === null) return 1;
    if (b.dueDate === null) return -1;
    return a.dueDate.localeCompare(b.dueDate);
  }
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

type FollowUpHandlers = Pick<
  Handlers,
  'followUps:list' | 'followUps:counts' | 'followUps:create' | 'followUps:update' | 'followUps:history'
>;

export function createFollowUpHandlers(options: {
  outbox: Outbox;
  queries: FollowUpQueries;
  hasCustomer(customerId: string): boolean;
  /** The signed-in person's name as the backend told it, null before it did. */
  me(): string | null;
  now(): number;
  onWrite(customerId: string): void;
}): FollowUpHandlers {
  const { outbox, queries } = options;
  const context = () => ({ today: localDay(options.now()), me: options.me() ?? 'you' });

  function read(id: string): FollowUpView {
    const view = queries.get(id, context());
    if (!view) throw new DeskError('internal', 'The follow-up was saved but could not be read back; reload the view.');
    return view;
  }

  return {
    'followUps:list': (input) => {
      const me = options.me();
      const { today } = context();
      const rows = queries
        .list({ customerId: input.customerId, problemId: input.problemId, runId: input.runId }, { today, me: me ?? 'you' })
        .filter((view) => input.includeClosed || OPEN_FOLLOW_UP_STATES.includes(view.state))
        .filter((view) => input.scope !== 'mine' || (me !== null && view.owner === me))
        .filter((view) => input.scope !== 'overdue' || view.overdue)
        .sort(byDue);
      return { rows, me, today };
    },
    'followUps:counts': () => ({ ...queries.counts({ today: context().today, me: options.me() }) }),
    'followUps:create': (input) => {
      if (!options.hasCustomer(input.customerId))
        throw new DeskError('not_found', `Customer "${input.customerId}" is not in the local cache. Sync, then try again.`);
      const followUpId = ulid();
      const source = input.source ?? (input.problemId ? 'problem' : input.runId ? 'run' : 'hand');
      outbox.enqueue(
        'followUp.create',
        {
          followUpId,
          customerId: input.customerId,
          title: input.title,
          owner: input.owner ?? null,
          dueDate: input.dueDate ?? null,
          runId: input.runId ?? null,
          problemId: input.problemId ?? null,
          release: input.release ?? null,
          ticketUrl: input.ticketUrl ?? null,
          source,
        },
        new Date(options.now()).toISOString(),
      );
      options.onWrite(input.customerId);
      return read(followUpId);
    },
    'followUps:update': (input) => {
      const shown = queries.get(input.followUpId, context());
      if (!shown)
        throw new DeskError('not_found', `Follow-up ${input.followUpId} is not in the local cache. Sync, then try again.`);
      // What this desk showed for each field it changes: the server reports an edit that replaced a newer value.
      const base = Object.fromEntries((Object.keys(input.set) as FollowUpField[]).map((field) => [field, shown[field] ?? null]));
      outbox.enqueue(
        'followUp.update',
        { followUpId: input.followUpId, baseVer: queries.synced(input.followUpId)?.ver ?? 0, set: input.set, base },
        new Date(options.now()).toISOString(),
      );
      options.onWrite(shown.customerId);
      return read(input.followUpId);
    },
    'followUps:history': (input) => {
      if (!queries.get(input.followUpId, context()))
        throw new DeskError('not_found', `Follow-up ${input.followUpId} is not in the local cache yet.`);
      return queries.history(input.followUpId);
    },
  };
}

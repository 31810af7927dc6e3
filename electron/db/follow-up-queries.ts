import type Database from 'better-sqlite3';
import {
  isOverdue,
  OPEN_FOLLOW_UP_STATES,
  type FollowUp,
  type FollowUpCreateArgs,
  type FollowUpFields,
} from '../../shared/follow-ups';
import type { FollowUpCounts, FollowUpHistory, FollowUpView } from '../../shared/ipc/follow-up-views';
import type { Outbox } from './outbox';
import { fieldRevisions } from './field-revisions';

/*
 * Reading follow-ups from the cache (issue 12), with this desk's own writes
 * still on their way folded in — pending ones, and applied ones whose rows
 * have not reached the cache yet — so a follow-up never flips back on screen.
 */

type Raw = {
  id: string;
  customer_id: string;
  customer_name: string | null;
  title: string;
  owner: string | null;
  state: FollowUp['state'];
  due_date: string | null;
  run_id: string | null;
  problem_id: string | null;
  release: string | null;
  ticket_url: string | null;
  source: FollowUp['source'];
  created_by: string;
  created_at: string;
  updated_at: string;
  ver: number;
};

/** This desk's writes of one follow-up that the cache may not show yet. */
type Local = {
  create?: FollowUpCreateArgs & { clientTime: string };
  set: Partial<FollowUpFields>;
  isPending: boolean;
  error: string | null;
};

export type FollowUpFilter = {
  customerId?: string;
  problemId?: string;
  runId?: string;
};

function toView(raw: Raw): Omit<FollowUpView, 'overdue' | 'replaced' | 'pending' | 'error'> {
  return {
    id: raw.id,
    customerId: raw.customer_id,
    customerName: raw.customer_name ?? raw.customer_id,
    title: raw.title,
    owner: raw.owner,
    state: raw.state,
    dueDate: raw.due_date,
    runId: raw.run_id,
    problemId: raw.problem_id,
    release: raw.release,
    ticketUrl: raw.ticket_url,
    source: raw.source,
    createdBy: raw.created_by,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    ver: raw.ver,
  };
}

export function createFollowUpQueries(db: Database.Database, outbox: Outbox) {
  const select = db.prepare<{ customerId: string | null; problemId: string | null; runId: string | null }, Raw>(
    `select f.*, c.name as customer_name from follow_ups f left join customers c on c.id = f.customer_id
      where (@customerId is null or f.customer_id = @customerId)
        and (@problemId is null or f.problem_id = @problemId)
        and (@runId is null or f.run_id = @runId)
      order by f.created_at, f.id`,
  );
  const one = db.prepare<[string], Raw>(
    'select f.*, c.name as customer_name from follow_ups f left join customers c on c.id = f.customer_id where f.id = ?',
  );
  const customerName = db.prepare<[string], string>('select name from customers where id = ?').pluck();
  const revisions = fieldRevisions(db, 'follow_up');

  /** This desk's follow-up writes, folded per follow-up id in the order they were made. */
  function overlay(): Map<string, Local> {
    const locals = new Map<string, Local>();
    for (const row of outbox.all()) {
      if (row.name !== 'followUp.create' && row.name !== 'followUp.update') continue;
      const args = row.args as { followUpId: string; set?: Partial<FollowUpFields> } & Partial<FollowUpCreateArgs>;
      const local = locals.get(args.followUpId) ?? { set: {}, isPending: false, error: null };
      if (row.name === 'followUp.create') local.create = { ...(args as FollowUpCreateArgs), clientTime: row.clientTime };
      else Object.assign(local.set, args.set ?? {});
      if (row.status === 'pending') local.isPending = true;
      if (row.status === 'rejected')
        local.error = `${row.lastError ?? 'The server refused this change.'} (${row.resultCode ?? 'rejected'})`;
      locals.set(args.followUpId, local);
    }
    return locals;
  }

  function finish(
    base: Omit<FollowUpView, 'overdue' | 'replaced' | 'pending' | 'error'>,
    local: Local | undefined,
    today: string,
  ) {
    const merged = { ...base, ...(local?.set ?? {}) };
    return {
      ...merged,
      pending: local?.isPending === true && local.error === null,
      error: local?.error ?? null,
      overdue: isOverdue(merged, today),
      replaced: base.ver > 0 ? revisions.replacedOf(base.id) : null,
    } satisfies FollowUpView;
  }

  function fromCreate(id: string, create: NonNullable<Local['create']>, me: string): Raw {
    return {
      id,
      customer_id: create.customerId,
      customer_name: customerName.get(create.customerId) ?? null,
      title: create.title,
      owner: create.owner ?? null,
      state: create.state ?? 'open',
      due_date: create.dueDate ?? null,
      run_id: create.runId ?? null,
      problem_id: create.problemId ?? null,
      release: create.release ?? null,
      ticket_url: create.ticketUrl ?? null,
      source: create.source ?? 'hand',
      created_by: me,
      created_at: create.clientTime,
      updated_at: create.clientTime,
      ver: 0,
    };
  }

  /** Every follow-up matching the filter as the desk shows it, oldest first. */
  function list(filter: FollowUpFilter, context: { today: string; me: string }): FollowUpView[] {
    const locals = overlay();
    const views: FollowUpView[] = [];
    for (const raw of select.all({
      customerId: filter.customerId ?? null,
      problemId: filter.problemId ?? null,
      runId: filter.runId ?? null,
    })) {
      views.push(finish(toView(raw), locals.get(raw.id), context.today));
      locals.delete(raw.id);
    }
    for (const [id, local] of locals) {
      if (!local.create) continue;
      const view = finish(toView(fromCreate(id, local.create, context.me)), local, context.today);
      if (filter.customerId !== undefined && view.customerId !== filter.customerId) continue;
      if (filter.problemId !== undefined && view.problemId !== filter.problemId) continue;
      if (filter.runId !== undefined && view.runId !== filter.runId) continue;
      views.push(view);
    }
    return views;
  }

  return {
    list,
    /** One follow-up as shown, or null when neither the cache nor this desk's outbox has it. */
    get(id: string, context: { today: string; me: string }): FollowUpView | null {
      const local = overlay().get(id);
      const raw = one.get(id) ?? (local?.create ? fromCreate(id, local.create, context.me) : undefined);
      return raw ? finish(toView(raw), local, context.today) : null;
    },
    /** Open and overdue follow-ups, fleet-wide and per customer; `mine`: open ones owned by `me`. */
    counts(context: { today: string; me: string | null }): FollowUpCounts {
      const byCustomer = new Map<string, { open: number; overdue: number }>();
      let mine = 0;
      for (const view of list({}, { today: context.today, me: context.me ?? 'you' })) {
        if (!OPEN_FOLLOW_UP_STATES.includes(view.state)) continue;
        const entry = byCustomer.get(view.customerId) ?? { open: 0, overdue: 0 };
        entry.open += 1;
        if (view.overdue) entry.overdue += 1;
        byCustomer.set(view.customerId, entry);
        if (context.me !== null && view.owner === context.me) mine += 1;
      }
      const rows = [...byCustomer].map(([customerId, entry]) => ({ customerId, ...entry }));
      return {
        open: rows.reduce((sum, row) => sum + row.open, 0),
        overdue: rows.reduce((sum, row) => sum + row.overdue, 0),
        mine,
        byCustomer: rows.sort((a, b) => b.overdue - a.overdue || b.open - a.open || a.customerId.localeCompare(b.customerId)),
      };
    },
    /** Every write of a follow-up the cache holds, oldest first, with what each replaced. */
    history(id: string): FollowUpHistory {
      return { revisions: revisions.history(id) };
    },
    /** The synced row (for the base of an edit). */
    synced(id: string): FollowUpView | null {
      const raw = one.get(id);
      return raw ? finish(toView(raw), undefined, '0000-00-00') : null;
    },
  };
}

export type FollowUpQueries = ReturnType<typeof createFollowUpQueries>;

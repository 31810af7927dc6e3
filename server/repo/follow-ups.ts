import type { FollowUp, FollowUpFields, FollowUpSource, FollowUpState } from '../../shared/follow-ups';
import type { Queryable } from '../storage/types';

/*
 * Follow-ups (issue 12): every write stores the row and appends its change-log
 * row in one statement (as server/repo/writes.ts does for notes), so the desk's
 * copy can never drift from the table.
 */

/** The stored follow-up as the wire carries it (FollowUp + ver). */
export type FollowUpRow = FollowUp & { ver: number };

export type NewFollowUp = {
  id: string;
  customerId: string;
  title: string;
  owner: string | null;
  state: FollowUpState;
  dueDate: string | null;
  runId: string | null;
  problemId: string | null;
  release: string | null;
  ticketUrl: string | null;
  source: FollowUpSource;
  /** The name people read, and the writer's stable user id (not synced). */
  createdBy: string;
  createdById: string | null;
  createdAt: string;
};

/**
 * Inserts follow-ups and logs them; ids already stored are skipped (a run
 * recorded twice makes its follow-ups once). Returns the rows written.
 */
export async function insertFollowUps(db: Queryable, followUps: readonly NewFollowUp[]): Promise<FollowUpRow[]> {
  if (followUps.length === 0) return [];
  const rows = await db.query<{ row: FollowUpRow }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(id text, "customerId" text, title text, owner text, state text,
         "dueDate" date, "runId" text, "problemId" text, release text, "ticketUrl" text, source text, "createdBy" text,
         "createdById" text, "createdAt" timestamptz)
     ), written as (
       insert into follow_ups as f (id, customer_id, title, owner, state, due_date, run_id, problem_id, release, ticket_url,
         source, created_by, created_by_id, created_at, updated_at)
       select id, "customerId", title, owner, state, "dueDate", "runId", "problemId", release, "ticketUrl", source,
         "createdBy", "createdById", "createdAt", "createdAt" from input
       on conflict (id) do nothing
       returning f.id, f.customer_id, f.ver, lk_follow_up_row(f) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select 'customer:' || customer_id, 'follow_up', id, 'put', ver, row from written
     )
     select row from written order by id`,
    [JSON.stringify(followUps)],
  );
  return rows.map((row) => row.row);
}

/** One follow-up, locked for the rest of the transaction when `forUpdate`. */
export async function readFollowUp(db: Queryable, id: string, forUpdate = false): Promise<FollowUpRow | null> {
  const [row] = await db.query<{ row: FollowUpRow }>(
    `select lk_follow_up_row(f) as row from follow_ups f where f.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row?.row ?? null;
}

/** Sets the given fields (null clears), bumps the version and logs the row; null when it does not exist. */
export async function updateFollowUp(
  db: Queryable,
  update: { id: string; set: Partial<FollowUpFields>; updatedAt: string },
): Promise<FollowUpRow | null> {
  const [row] = await db.query<{ row: FollowUpRow }>(
    `with written as (
       update follow_ups as f set
         title = case when $2::jsonb ? 'title' then $2::jsonb ->> 'title' else f.title end,
         owner = case when $2::jsonb ? 'owner' then $2::jsonb ->> 'owner' else f.owner end,
         state = case when $2::jsonb ? 'state' then $2::jsonb ->> 'state' else f.state end,
         due_date = case when $2::jsonb ? 'dueDate' then ($2::jsonb ->> 'dueDate')::date else f.due_date end,
         problem_id = case when $2::jsonb ? 'problemId' then $2::jsonb ->> 'problemId' else f.problem_id end,
         release = case when $2::jsonb ? 'release' then $2::jsonb ->> 'release' else f.release end,
         ticket_url = case when $2::jsonb ? 'ticketUrl' then $2::jsonb ->> 'ticketUrl' else f.ticket_url end,
         updated_at = greatest(f.updated_at, $3::timestamptz),
         ver = f.ver + 1
       where f.id = $1
       returning f.id, f.customer_id, f.ver, lk_follow_up_row(f) as row
     ), logged as (
       insert into change_log (bucket, entity, row_id, op, ver, row)
       select 'customer:' || customer_id, 'follow_up', id, 'put', ver, row from written
     )
     select row from written`,
    [update.id, JSON.stringify(update.set), update.updatedAt],
  );
  return row?.row ?? null;
}

export type FollowUpFilter = {
  customerIds?: readonly string[] | null;
  owner?: string | null;
  states?: readonly FollowUpState[] | null;
  problemId?: string | null;
  runId?: string | null;
  /** Only those due before this day (`YYYY-MM-DD`). */
  dueBefore?: string | null;
  limit: number;
  after?: string | null;
};

/** Follow-ups matching a filter, by id (keyset paging). `customerIds` null: every customer. */
export async function listFollowUps(db: Queryable, filter: FollowUpFilter): Promise<FollowUpRow[]> {
  const rows = await db.query<{ row: FollowUpRow }>(
    `select lk_follow_up_row(f) as row from follow_ups f
      where ($1::jsonb is null or f.customer_id in (select jsonb_array_elements_text($1::jsonb)))
        and ($2::text is null or f.owner = $2)
        and ($3::jsonb is null or f.state in (select jsonb_array_elements_text($3::jsonb)))
        and ($4::text is null or f.problem_id = $4)
        and ($5::text is null or f.run_id = $5)
        and ($6::date is null or f.due_date < $6::date)
        and f.id > $7
      order by f.id limit $8`,
    [
      filter.customerIds ? JSON.stringify(filter.customerIds) : null,
      filter.owner ?? null,
      filter.states ? JSON.stringify(filter.states) : null,
      filter.problemId ?? null,
      filter.runId ?? null,
      filter.dueBefore ?? null,
      filter.after ?? '',
      filter.limit,
    ],
  );
  return rows.map((row) => row.row);
}

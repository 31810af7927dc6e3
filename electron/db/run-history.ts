import type Database from 'better-sqlite3';
import { OUTCOMES, type Outcome } from '../../shared/wizards/format';

/*
 * The run history of the Wizards page (issue 15, item 14): finished runs of
 * every desk and customer, newest finish first. A run is told by its
 * wizard_run event (the server's record, synced to every desk), or, until that
 * record has arrived, by this desk's own row in wizard_runs (practice runs are
 * never recorded, so they stay local). A local run whose event has arrived is
 * listed once, from the event, and still opens as a run. Keyset-paged on
 * (finish time, run id) over the indexes of cache migration 14.
 */

/** One history row as the cache holds it; the handler names the wizard. */
export type RunHistoryRow = {
  runId: string;
  wizardId: string;
  wizardVersion: number | null;
  /** The title this desk kept for its own run (null for other desks' runs). */
  localTitle: string | null;
  customerId: string;
  customerName: string;
  outcome: Outcome;
  practice: boolean;
  startedAt: string | null;
  finishedAt: string;
  ranBy: { userId: string | null; name: string } | null;
  isLocal: boolean;
  eventId: string | null;
};

export type RunHistoryFilter = {
  wizardId?: string;
  outcome?: Outcome;
  /** Who ran it, by the name the history shows (the starter this desk kept, else the record's actor). */
  ranBy?: string;
  /** Finished at or after this time. */
  since?: string;
  before?: { finishedAt: string; runId: string } | null;
  limit: number;
};

type Raw = {
  event_id: string | null;
  run_id: string;
  wizard_id: string;
  wizard_version: number | null;
  outcome: string;
  started_at: string | null;
  finished_at: string;
  customer_id: string;
  customer_name: string;
  actor: string | null;
  local_title: string | null;
  started_by: string | null;
  started_by_name: string | null;
  practice: number;
  is_local: number;
};

/** At most this many names in the "Ran by" filter. */
export const OPERATOR_LIMIT = 200;

const OUTCOME_LIST = OUTCOMES.map((outcome) => `'${outcome}'`).join(', ');

export function createRunHistoryQueries(db: Database.Database) {
  // Both arms carry the filters, so each reads its own index in finish order and stops early.
  const page = db.prepare<Record<string, unknown>, Raw>(`
    select * from (
      select e.id as event_id, e.source_external_id as run_id,
             json_extract(e.properties, '$.wizardId') as wizard_id,
             json_extract(e.properties, '$.wizardVersion') as wizard_version,
             json_extract(e.properties, '$.outcome') as outcome,
             json_extract(e.properties, '$.startedAt') as started_at,
             e.occurred_at as finished_at, e.customer_id, coalesce(c.name, e.customer_id) as customer_name, e.actor,
             r.title as local_title, r.started_by, r.started_by_name, coalesce(r.practice, 0) as practice,
             r.id is not null as is_local
        from events e
        left join customers c on c.id = e.customer_id
        left join wizard_runs r on r.id = e.source_external_id
       where e.kind = 'wizard_run'
         and e.occurred_at >= @since
         and (@beforeAt is null or (e.occurred_at, e.source_external_id) < (@beforeAt, @beforeId))
         and (@wizardId is null or json_extract(e.properties, '$.wizardId') = @wizardId)
         and (@outcome is null or json_extract(e.properties, '$.outcome') = @outcome)
         and (@ranBy is null or coalesce(r.started_by_name, e.actor) = @ranBy)
      union all
      select null, r.id, r.wizard_id, r.wizard_version,
             coalesce(json_extract(r.state, '$.finish.outcome'), 'aborted'),
             r.started_at, r.finished_at, r.customer_id, r.customer_name, null,
             r.title, r.started_by, r.started_by_name, r.practice, 1
        from wizard_runs r
       where r.finished_at is not null
         and r.finished_at >= @since
         and (@beforeAt is null or (r.finished_at, r.id) < (@beforeAt, @beforeId))
         and (@wizardId is null or r.wizard_id = @wizardId)
         and (@outcome is null or coalesce(json_extract(r.state, '$.finish.outcome'), 'aborted') = @outcome)
         and (@ranBy is null or r.started_by_name = @ranBy)
         and not exists (select 1 from events e where e.kind = 'wizard_run' and e.source_external_id = r.id)
    )
    where outcome in (${OUTCOME_LIST}) and typeof(wizard_id) = 'text'
    order by finished_at desc, run_id desc
    limit @limit`);

  // The people who finished runs in the period, for the "Ran by" filter (named as the rows name them).
  const operators = db.prepare<{ since: string }, { name: string }>(`
    select name from (
      select coalesce(r.started_by_name, e.actor) as name
        from events e left join wizard_runs r on r.id = e.source_external_id
       where e.kind = 'wizard_run' and e.occurred_at >= @since
      union
      select r.started_by_name from wizard_runs r where r.finished_at is not null and r.finished_at >= @since
    )
    where name is not null and name <> ''
    order by name collate nocase
    limit ${OPERATOR_LIMIT}`);

  return {
    /** One page of finished runs, newest finish first; `next` continues after the last row, null at the end. */
    page(filter: RunHistoryFilter): { rows: RunHistoryRow[]; next: { finishedAt: string; runId: string } | null } {
      const raws = page.all({
        since: filter.since ?? '',
        beforeAt: filter.before?.finishedAt ?? null,
        beforeId: filter.before?.runId ?? null,
        wizardId: filter.wizardId ?? null,
        outcome: filter.outcome ?? null,
        ranBy: filter.ranBy ?? null,
        limit: filter.limit + 1,
      });
      const rows = raws.slice(0, filter.limit).map(fromRaw);
      const last = rows.at(-1);
      return { rows, next: raws.length > filter.limit && last ? { finishedAt: last.finishedAt, runId: last.runId } : null };
    },
    /** Who finished runs since `since` (all time when absent), by name, alphabetically. */
    operators(since?: string): string[] {
      return operators.all({ since: since ?? '' }).map((row) => row.name);
    },
  };
}

function fromRaw(raw: Raw): RunHistoryRow {
  const name = raw.started_by_name ?? raw.actor;
  return {
    runId: raw.run_id,
    wizardId: raw.wizard_id,
    wizardVersion: typeof raw.wizard_version === 'number' && raw.wizard_version > 0 ? raw.wizard_version : null,
    localTitle: raw.local_title,
    customerId: raw.customer_id,
    customerName: raw.customer_name,
    outcome: OUTCOMES.find((outcome) => outcome === raw.outcome) ?? 'aborted',
    practice: raw.practice === 1,
    startedAt: typeof raw.started_at === 'string' ? raw.started_at : null,
    finishedAt: raw.finished_at,
    ranBy: name ? { userId: raw.started_by_name ? raw.started_by : raw.actor, name } : null,
    isLocal: raw.is_local === 1,
    eventId: raw.event_id,
  };
}

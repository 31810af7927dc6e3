import type Database from 'better-sqlite3';
import type { Mutation, MutationResult, ProducedRow } from '../../shared/sync/wire';
import { ulid } from '../../shared/ulid';

/** One queued local write. */
export type OutboxRow = {
  seq: number;
  id: string;
  name: string;
  v: number;
  args: unknown;
  clientTime: string;
  /** pending: not yet applied by the server; applied: applied, waiting for its rows to reach the cache; rejected: refused. */
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  resultCode: string | null;
};

export type OutboxStatus = 'pending' | 'applied' | 'rejected';

/** Whether the cache holds a produced row at its version or newer (or never will: its bucket is not synced here). */
export type HasRow = (row: ProducedRow) => boolean;

type RawRow = {
  seq: number;
  id: string;
  name: string;
  v: number;
  args: string;
  client_time: string;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  result_code: string | null;
  produced: string | null;
};

function toRow(raw: RawRow): OutboxRow {
  return {
    seq: raw.seq,
    id: raw.id,
    name: raw.name,
    v: raw.v,
    args: JSON.parse(raw.args) as unknown,
    clientTime: raw.client_time,
    status: raw.status,
    attempts: raw.attempts,
    lastError: raw.last_error,
    resultCode: raw.result_code,
  };
}

/** The outbox repository, over a cache connection with the outbox attached as `outbox`. */
export function createOutbox(db: Database.Database) {
  const getMeta = db.prepare<[string], string>('select value from outbox.outbox_meta where key = ?').pluck();
  const setMeta = db.prepare(
    'insert into outbox.outbox_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
  );
  const insert = db.prepare(
    'insert into outbox.outbox (seq, id, name, v, args, client_time) values (@seq, @id, @name, @v, @args, @clientTime)',
  );
  const pending = db.prepare<[number], RawRow>("select * from outbox.outbox where status = 'pending' order by seq limit ?");
  const all = db.prepare<[], RawRow>('select * from outbox.outbox order by seq');
  const countPending = db
    .prepare<[], number>("select count(*) from outbox.outbox where status in ('pending', 'applied')")
    .pluck();
  const reject = db.prepare(
    "update outbox.outbox set status = 'rejected', result_code = ?, last_error = ? where seq = ? and status <> 'rejected'",
  );
  const markApplied = db.prepare(
    "update outbox.outbox set status = 'applied', result_code = ?, produced = ? where seq = ? and status = 'pending'",
  );
  const appliedRows = db.prepare<[], { seq: number; produced: string | null }>(
    "select seq, produced from outbox.outbox where status = 'applied'",
  );
  const remove = db.prepare('delete from outbox.outbox where seq = ?');
  const moveSeq = db.prepare('update outbox.outbox set seq = ? where seq = ?');
  const moveRejectedAside = db.prepare("update outbox.outbox set seq = -abs(seq) where status = 'rejected'");
  const noteAttempt = db.prepare('update outbox.outbox set attempts = attempts + 1, last_error = ? where seq between ? and ?');

  const clientId = (): string => {
    let id = getMeta.get('client_id');
    if (!id) {
      id = `desk-${ulid()}`;
      setMeta.run('client_id', id);
    }
    return id;
  };

  return {
    clientId,
    /** Queues a mutation durably; the sequence number is the next one ever handed out (gapless). */
    enqueue: db.transaction((name: string, args: unknown, clientTime: string, v = 1): OutboxRow => {
      const last = Number(getMeta.get('last_seq') ?? '0');
      const seq = last + 1;
      const row = { seq, id: ulid(), name, v, args: JSON.stringify(args), clientTime };
      insert.run(row);
      setMeta.run('last_seq', String(seq));
      return { ...row, args, status: 'pending', attempts: 0, lastError: null, resultCode: null };
    }),
    /** The oldest pending mutations, ready to push. */
    pending(limit: number): Mutation[] {
      return pending.all(limit).map((raw) => ({
        seq: raw.seq,
        id: raw.id,
        name: raw.name,
        v: raw.v,
        clientTime: raw.client_time,
        args: JSON.parse(raw.args) as unknown,
      }));
    },
    all: (): OutboxRow[] => all.all().map(toRow),
    /** Rows still on their way: not applied yet, or applied and waiting for their data. */
    pendingCount: (): number => countPending.get() ?? 0,
    /**
     * Records what the server said (a push answer, or the results a pull
     * acknowledges). Rejected mutations stay (marked) so the user sees what was
     * refused. Applied ones stay, marked applied, until {@link settle} finds the
     * rows they produced in the cache; a server that does not name them (an
     * older one) leaves nothing to wait for. Runs inside the caller's transaction
     * when there is one.
     */
    acknowledge(results: readonly MutationResult[]): void {
      for (const result of results) {
        if (result.status === 'rejected')
          reject.run(result.code ?? 'rejected', result.message ?? 'The server refused this change.', result.seq);
        else markApplied.run(result.code ?? null, JSON.stringify(result.produced ?? []), result.seq);
      }
    },
    /** Drops the applied rows whose produced rows are all in the cache; returns how many went. */
    settle(hasRow: HasRow): number {
      let settled = 0;
      for (const row of appliedRows.all()) {
        const produced = JSON.parse(row.produced ?? '[]') as ProducedRow[];
        if (produced.every(hasRow)) {
          remove.run(row.seq);
          settled += 1;
        }
      }
      return settled;
    },
    recordAttempt(fromSeq: number, toSeq: number, error: string | null): void {
      noteAttempt.run(error, fromSeq, toSeq);
    },
    lastSeqAssigned: (): number => Number(getMeta.get('last_seq') ?? '0'),
    /**
     * Renumbers the pending mutations so the first is `expected`: the server lost track of this
     * client, or is another server, and asks for that sequence next. Rejected rows keep their
     * history under negative numbers so they never collide. Returns false when nothing moved.
     */
    renumberFrom: db.transaction((expected: number): boolean => {
      const rows = pending.all(Number.MAX_SAFE_INTEGER);
      const shift = rows.length > 0 ? (rows[0]?.seq ?? expected) - expected : 0;
      if (shift <= 0) return false;
      moveRejectedAside.run();
      for (const row of rows) moveSeq.run(row.seq - shift, row.seq);
      setMeta.run('last_seq', String((rows.at(-1)?.seq ?? 0) - shift));
      return true;
    }),
  };
}

/** The outbox repository type. */
export type Outbox = ReturnType<typeof createOutbox>;

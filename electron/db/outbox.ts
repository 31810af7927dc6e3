import type Database from 'better-sqlite3';
import type { EditConflict, Mutation, MutationResult, ProducedRow } from '../../shared/sync/wire';
import { ulid } from '../../shared/ulid';

/*
 * The outbox: local writes waiting for the server, in their own file
 * (synchronous=FULL), never deleted with the cache.
 *
 * Every write belongs to the backend and the user it was written for (issue 9):
 * its *binding* is `<serverId>/<userId>` once the desk has asked the backend who
 * it is (GET /v1/sync/identity), or `pending:<configured backend>` before that.
 * Writes are sent only while the desk is connected to that same pair; switching
 * backends keeps them, shown as waiting; switching back sends them; discarding
 * them is the user's call.
 *
 * Rows live in *lanes*: one client id with its own gapless sequence, as the
 * server knows it. A lane is never renumbered into another (a write that may
 * already have reached the server keeps its client id and sequence), so
 * learning an identity only changes a lane's binding.
 */

/** pending: not applied yet; applied: waiting for its rows to reach the cache; rejected: refused; conflict: lost a concurrent edit. */
export type OutboxStatus = 'pending' | 'applied' | 'rejected' | 'conflict';

/** One queued local write. */
export type OutboxRow = {
  rid: number;
  lane: string;
  seq: number;
  id: string;
  name: string;
  v: number;
  args: unknown;
  clientTime: string;
  status: OutboxStatus;
  attempts: number;
  lastError: string | null;
  resultCode: string | null;
  conflict: EditConflict | null;
};

/** Whether the cache holds a produced row at its version or newer (or never will: its bucket is not synced here). */
export type HasRow = (row: ProducedRow) => boolean;

/** Local writes grouped by the backend and user they were written for. */
export type OutboxGroup = { binding: string; label: string; isCurrent: boolean; rows: OutboxRow[] };

type RawRow = {
  rid: number;
  lane: string;
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
  conflict: string | null;
};

type LaneRow = { lane: string; binding: string; label: string; last_seq: number };

function toRow(raw: RawRow): OutboxRow {
  return {
    rid: raw.rid,
    lane: raw.lane,
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
    conflict: raw.conflict === null ? null : (JSON.parse(raw.conflict) as EditConflict),
  };
}

function toMutation(raw: RawRow): Mutation {
  return {
    seq: raw.seq,
    id: raw.id,
    name: raw.name,
    v: raw.v,
    clientTime: raw.client_time,
    args: JSON.parse(raw.args) as unknown,
  };
}

/** The binding of writes made while the backend's identity is not known yet. */
export function provisionalBinding(configuredKey: string): string {
  return `pending:${configuredKey}`;
}

/** The binding of a known backend and user. */
export function identityBinding(identity: { serverId: string; userId: string }): string {
  return `${identity.serverId}/${identity.userId}`;
}

/** Lanes written before bindings existed: they belong to whichever backend the desk used then. */
export const LEGACY_BINDING = 'legacy';

/** The outbox repository, over a cache connection with the outbox attached as `outbox`. */
export function createOutbox(db: Database.Database) {
  const getMeta = db.prepare<[string], string>('select value from outbox.outbox_meta where key = ?').pluck();
  const setMeta = db.prepare(
    'insert into outbox.outbox_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
  );
  const lanesOf = db.prepare<[string], LaneRow>('select * from outbox.outbox_lane where binding = ? order by rowid');
  const laneById = db.prepare<[string], LaneRow>('select * from outbox.outbox_lane where lane = ?');
  const allLanes = db.prepare<[], LaneRow>('select * from outbox.outbox_lane order by rowid');
  const insertLane = db.prepare(
    'insert into outbox.outbox_lane (lane, binding, label, last_seq, created_at) values (?, ?, ?, 0, ?)',
  );
  const setLaneSeq = db.prepare('update outbox.outbox_lane set last_seq = ? where lane = ?');
  const rebind = db.prepare('update outbox.outbox_lane set binding = ?, label = ? where binding = ?');
  const insert = db.prepare(
    `insert into outbox.outbox (lane, seq, id, name, v, args, client_time)
     values (@lane, @seq, @id, @name, @v, @args, @clientTime)`,
  );
  const rowsOfBinding = db.prepare<[string], RawRow>(
    'select o.* from outbox.outbox o join outbox.outbox_lane l using (lane) where l.binding = ? order by o.rid',
  );
  const pendingOfBinding = db.prepare<[string], RawRow>(
    `select o.* from outbox.outbox o join outbox.outbox_lane l using (lane)
      where l.binding = ? and o.status = 'pending' order by o.rid`,
  );
  const pendingOfLane = db.prepare<[string], RawRow>(
    "select * from outbox.outbox where lane = ? and status = 'pending' order by seq",
  );
  const everything = db.prepare<[], RawRow & { binding: string; label: string }>(
    'select o.*, l.binding, l.label from outbox.outbox o join outbox.outbox_lane l using (lane) order by o.rid',
  );
  const countOf = db
    .prepare<[string], number>(
      `select count(*) from outbox.outbox o join outbox.outbox_lane l using (lane)
        where l.binding = ? and o.status in ('pending', 'applied')`,
    )
    .pluck();
  const countOthers = db
    .prepare<[string], number>(
      `select count(*) from outbox.outbox o join outbox.outbox_lane l using (lane)
        where l.binding <> ? and o.status in ('pending', 'applied')`,
    )
    .pluck();
  const countConflicts = db
    .prepare<[string], number>(
      `select count(*) from outbox.outbox o join outbox.outbox_lane l using (lane)
        where l.binding = ? and o.status = 'conflict'`,
    )
    .pluck();
  const reject = db.prepare(
    "update outbox.outbox set status = 'rejected', result_code = ?, last_error = ? where lane = ? and seq = ? and status in ('pending', 'applied')",
  );
  const markConflict = db.prepare(
    "update outbox.outbox set status = 'conflict', result_code = ?, last_error = ?, conflict = ? where lane = ? and seq = ? and status in ('pending', 'applied')",
  );
  const markApplied = db.prepare(
    "update outbox.outbox set status = 'applied', result_code = ?, produced = ? where lane = ? and seq = ? and status = 'pending'",
  );
  const appliedOfBinding = db.prepare<[string], { rid: number; produced: string | null }>(
    `select o.rid, o.produced from outbox.outbox o join outbox.outbox_lane l using (lane)
      where l.binding = ? and o.status = 'applied'`,
  );
  const removeRid = db.prepare('delete from outbox.outbox where rid = ?');
  const removeOfBinding = db.prepare(
    'delete from outbox.outbox where lane in (select lane from outbox.outbox_lane where binding = ?)',
  );
  const moveSeq = db.prepare('update outbox.outbox set seq = ? where lane = ? and seq = ?');
  const moveRejectedAside = db.prepare(
    // Negative row ids: unique, so rows moved aside by two renumberings can never collide.
    "update outbox.outbox set seq = -rid where lane = ? and seq > 0 and status in ('rejected', 'conflict', 'applied')",
  );
  const noteAttempt = db.prepare(
    'update outbox.outbox set attempts = attempts + 1, last_error = ? where lane = ? and seq between ? and ?',
  );

  /** The configured backend (its key and label) and the binding its writes get; restored from the file. */
  let configured = { key: getMeta.get('current_key') ?? 'none', label: getMeta.get('current_label') ?? 'no backend' };
  const bindingOf = (key: string) => getMeta.get(`identity:${key}`) ?? provisionalBinding(key);
  let binding = bindingOf(configured.key);
  /** How new lanes of the current binding are named on the Sync page. */
  const labelOf = (target: string) => getMeta.get(`label:${target}`) ?? configured.label;

  /** The first lane of a binding, made when it has none yet. */
  const laneFor = (target: string, label: string): LaneRow => {
    const existing = lanesOf.get(target);
    if (existing) return existing;
    const lane = `desk-${ulid()}`;
    insertLane.run(lane, target, label, new Date().toISOString());
    return { lane, binding: target, label, last_seq: 0 };
  };

  return {
    /** The binding new writes get and pushes are limited to. */
    binding: (): string => binding,
    /**
     * Points the outbox at a configured backend (`remote:<url>#<token fingerprint>`,
     * `demo`, `none`). Its writes get the identity learned for it before, or wait
     * as provisional until the identity is known.
     */
    useBackend(key: string, label: string): void {
      configured = { key, label };
      setMeta.run('current_key', key);
      setMeta.run('current_label', label);
      binding = bindingOf(key);
    },
    /**
     * The backend answered who it is: writes made for this configured backend
     * before that are now bound to that backend and user (never to another one),
     * and so is everything written from now on.
     */
    learnIdentity: db.transaction((identity: string, label: string): void => {
      setMeta.run(`identity:${configured.key}`, identity);
      setMeta.run(`label:${identity}`, label);
      rebind.run(identity, label, provisionalBinding(configured.key));
      binding = identity;
    }),
    /** The identity learned for a configured backend, if any. */
    identityOf: (key: string): string | null => getMeta.get(`identity:${key}`) ?? null,
    /** Lanes from before bindings existed go to this configured backend's writes (see desk.ts for when). */
    adoptLegacy(key: string, label: string): void {
      rebind.run(provisionalBinding(key), label, LEGACY_BINDING);
    },
    /** The client id the server knows this binding's writes by (its first lane); pulls acknowledge it. */
    clientId: (): string => laneFor(binding, labelOf(binding)).lane,
    /** Queues a mutation durably, for the current binding; its seq is the next one of its lane (gapless). */
    enqueue: db.transaction((name: string, args: unknown, clientTime: string, v = 1): OutboxRow => {
      const lane = laneFor(binding, labelOf(binding));
      const seq = lane.last_seq + 1;
      const row = { lane: lane.lane, seq, id: ulid(), name, v, args: JSON.stringify(args), clientTime };
      const inserted = insert.run(row);
      setLaneSeq.run(seq, lane.lane);
      return {
        ...row,
        rid: Number(inserted.lastInsertRowid),
        args,
        status: 'pending',
        attempts: 0,
        lastError: null,
        resultCode: null,
        conflict: null,
      };
    }),
    /**
     * The next batch to push for the current binding: in the order the writes
     * were made, as long as they are in one lane (a push carries one client id);
     * rows at or below `pushedThrough` of their lane are skipped.
     */
    nextBatch(limit: number, pushedThrough: ReadonlyMap<string, number>): { lane: string; mutations: Mutation[] } | null {
      let lane: string | null = null;
      const mutations: Mutation[] = [];
      for (const raw of pendingOfBinding.all(binding)) {
        if (raw.seq <= (pushedThrough.get(raw.lane) ?? 0)) continue;
        if (lane === null) lane = raw.lane;
        if (raw.lane !== lane || mutations.length >= limit) break;
        const previous = mutations.at(-1);
        if (previous && raw.seq !== previous.seq + 1) break;
        mutations.push(toMutation(raw));
      }
      return lane === null ? null : { lane, mutations };
    },
    /** The current binding's rows, in the order they were written (overlays and the note being edited). */
    all: (): OutboxRow[] => rowsOfBinding.all(binding).map(toRow),
    /** Every row, grouped by binding (the Sync page). */
    groups(): OutboxGroup[] {
      const groups = new Map<string, OutboxGroup>();
      for (const lane of allLanes.all()) {
        if (!groups.has(lane.binding))
          groups.set(lane.binding, { binding: lane.binding, label: lane.label, isCurrent: lane.binding === binding, rows: [] });
      }
      for (const raw of everything.all()) groups.get(raw.binding)?.rows.push(toRow(raw));
      return [...groups.values()].filter((group) => group.rows.length > 0 || group.isCurrent);
    },
    /** Rows of the current binding still on their way: not applied yet, or applied and waiting for their data. */
    pendingCount: (): number => countOf.get(binding) ?? 0,
    /** Rows waiting for another backend or user. */
    waitingCount: (): number => countOthers.get(binding) ?? 0,
    /** Edits of the current binding that lost to a concurrent one and wait for their author. */
    conflictCount: (): number => countConflicts.get(binding) ?? 0,
    /**
     * Records what the server said about a lane's mutations (a push answer, or
     * the results a pull acknowledges). Rejected ones stay, marked, so the user
     * sees what was refused; a conflict keeps the other text for its author.
     * Applied ones stay until {@link settle} finds the rows they produced in the
     * cache; a server that does not name them (an older one) leaves nothing to
     * wait for. Runs inside the caller's transaction when there is one.
     */
    acknowledge(lane: string, results: readonly MutationResult[]): void {
      for (const result of results) {
        const message = result.message ?? 'The server refused this change.';
        if (result.status === 'rejected' && result.conflict)
          markConflict.run(result.code ?? 'conflict', message, JSON.stringify(result.conflict), lane, result.seq);
        else if (result.status === 'rejected') reject.run(result.code ?? 'rejected', message, lane, result.seq);
        else markApplied.run(result.code ?? null, JSON.stringify(result.produced ?? []), lane, result.seq);
      }
    },
    /** Drops the current binding's applied rows whose produced rows are all in the cache; returns how many went. */
    settle(hasRow: HasRow): number {
      let settled = 0;
      for (const row of appliedOfBinding.all(binding)) {
        const produced = JSON.parse(row.produced ?? '[]') as ProducedRow[];
        if (produced.every(hasRow)) {
          removeRid.run(row.rid);
          settled += 1;
        }
      }
      return settled;
    },
    /** Removes rows (a resolved conflict, a rejection the user dismissed). */
    remove(rids: readonly number[]): void {
      for (const rid of rids) removeRid.run(rid);
    },
    /** Discards every write waiting for another backend or user; the user asked. Returns how many went. */
    discard: db.transaction((target: string): number => {
      if (target === binding) throw new Error('the writes of the backend in use are sent, not discarded');
      return removeOfBinding.run(target).changes;
    }),
    recordAttempt(lane: string, fromSeq: number, toSeq: number, error: string | null): void {
      noteAttempt.run(error, lane, fromSeq, toSeq);
    },
    lastSeqAssigned: (lane: string): number => laneById.get(lane)?.last_seq ?? 0,
    /**
     * Renumbers a lane's pending mutations so the first is `expected`: the server
     * lost track of this client id (a restored database) and asks for that
     * sequence next. Settled rows keep their history under negative numbers so
     * they never collide. Returns false when nothing moved.
     */
    renumberFrom: db.transaction((lane: string, expected: number): boolean => {
      const rows = pendingOfLane.all(lane);
      const shift = rows.length > 0 ? (rows[0]?.seq ?? expected) - expected : 0;
      if (shift <= 0) return false;
      moveRejectedAside.run(lane);
      for (const row of rows) moveSeq.run(row.seq - shift, lane, row.seq);
      setLaneSeq.run((rows.at(-1)?.seq ?? 0) - shift, lane);
      return true;
    }),
  };
}

/** The outbox repository type. */
export type Outbox = ReturnType<typeof createOutbox>;

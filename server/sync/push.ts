import { can, type Capability } from '../../shared/identity';
import {
  MUTATION_ARGS,
  customerBucket,
  type Mutation,
  type MutationResult,
  type PushRequest,
  type PushResponse,
} from '../../shared/sync/wire';
import { ApiFailure } from '../errors';
import { errorMessage, type Logger } from '../log';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import { decideTextEdit, describeConflict, fieldAtVersion, latestWriter, recordRevision } from '../repo/revisions';
import { insertNote, updateNoteBody } from '../repo/writes';
import { createFollowUp, editFollowUp } from '../follow-ups/edits';
import { createProblem, editProblem } from '../problems/edits';
import { recordWizardRun, WIZARD_RUN_RECORD_VERSION, type MutationOutcome } from '../remediation/wizard-runs';
import type { Queryable, Storage } from '../storage/types';
import { toMutationResult, type StoredResult } from './pull';
import { describeZodIssues } from '../../shared/issues';

export type PushOptions = {
  now: number;
  /** Oldest desk schema version this server still serves; older clients get 426. */
  minSchemaVersion: number;
  log: Logger;
};

/** What each mutation needs of its pusher (the push route itself needs `write`). */
const MUTATION_CAPABILITY: Record<keyof typeof MUTATION_ARGS, Capability> = {
  'note.create': 'write',
  'note.update': 'write',
  'wizardRun.record': 'operate',
  'followUp.create': 'write',
  'followUp.update': 'write',
  'problem.create': 'write',
  'problem.update': 'write',
};

/** The mutation wire versions each name is accepted at (note.update 2 carries the base text; 1 is older desks). */
const MUTATION_VERSIONS: Record<keyof typeof MUTATION_ARGS, readonly number[]> = {
  'note.create': [1],
  'note.update': [1, 2],
  'wizardRun.record': [WIZARD_RUN_RECORD_VERSION],
  'followUp.create': [1],
  'followUp.update': [1],
  'problem.create': [1],
  'problem.update': [1],
};

type Outcome = MutationOutcome;

function rejected(code: string, message: string): Outcome {
  return { status: 'rejected', code, message };
}

function isMutationName(name: string): name is keyof typeof MUTATION_ARGS {
  return Object.hasOwn(MUTATION_ARGS, name);
}

/** Applies one mutation inside the push transaction. Refusals are results, not exceptions. */
async function applyMutation(
  db: Queryable,
  principal: Principal,
  clientId: string,
  mutation: Mutation,
  now: number,
): Promise<Outcome> {
  if (!isMutationName(mutation.name))
    return rejected('unknown_mutation', `this server does not know the mutation "${mutation.name}"`);
  if (!MUTATION_VERSIONS[mutation.name].includes(mutation.v)) {
    return rejected(
      'unsupported_version',
      `${mutation.name} version ${mutation.v} is not supported (this server speaks version ${MUTATION_VERSIONS[mutation.name].join(' or ')})`,
    );
  }
  if (!can(principal.roles, MUTATION_CAPABILITY[mutation.name]))
    return rejected(
      'forbidden',
      `${principal.name} (roles ${principal.roles.join(', ') || 'none'}) may not ${mutation.name}; it needs ${MUTATION_CAPABILITY[mutation.name]} rights`,
    );
  // A client clock ahead of ours must not date notes in the future.
  const clientTime = new Date(Math.min(Date.parse(mutation.clientTime), now)).toISOString();

  if (mutation.name === 'note.create') {
    const parsed = MUTATION_ARGS['note.create'].safeParse(mutation.args);
    if (!parsed.success) return rejected('invalid_args', `note.create: ${describeZodIssues(parsed.error, 3)}`);
    const args = parsed.data;
    if (!canSeeCustomer(principal, args.customerId))
      return rejected('forbidden', `customer ${args.customerId} is not in this token's scope`);
    const [customer] = await db.query('select 1 from customers where id = $1', [args.customerId]);
    if (!customer) return rejected('unknown_customer', `customer ${args.customerId} does not exist`);
    if (args.eventId !== null) {
      const [event] = await db.query('select 1 from events where id = $1 and customer_id = $2', [args.eventId, args.customerId]);
      if (!event) return rejected('unknown_event', `event ${args.eventId} does not exist for customer ${args.customerId}`);
    }
    const [existing] = await db.query('select 1 from notes where id = $1', [args.noteId]);
    if (existing) return rejected('note_exists', `a note with id ${args.noteId} already exists`);
    const written = await insertNote(db, {
      id: args.noteId,
      customerId: args.customerId,
      eventId: args.eventId,
      author: principal.name,
      authorId: principal.userId,
      body: args.body,
      createdAt: clientTime,
    });
    await recordRevision(db, {
      bucket: customerBucket(args.customerId),
      entity: 'note',
      rowId: written.id,
      ver: written.ver,
      kind: 'create',
      actor: principal.name,
      clientId,
      mutationId: mutation.id,
      at: now,
      baseVer: null,
      fields: { body: written.body },
    });
    return {
      status: 'applied',
      produced: [{ bucket: customerBucket(args.customerId), entity: 'note', id: written.id, ver: written.ver }],
    };
  }

  if (mutation.name === 'wizardRun.record')
    return recordWizardRun(db, principal, mutation.args, now, { clientId, mutationId: mutation.id });
  if (mutation.name === 'followUp.create')
    return createFollowUp(db, { principal, clientId, mutationId: mutation.id }, mutation.args, now);
  if (mutation.name === 'followUp.update')
    return editFollowUp(db, { principal, clientId, mutationId: mutation.id }, mutation.args, now);
  if (mutation.name === 'problem.create')
    return createProblem(db, { principal, clientId, mutationId: mutation.id }, mutation.args, now);
  if (mutation.name === 'problem.update')
    return editProblem(db, { principal, clientId, mutationId: mutation.id }, mutation.args, now);

  const parsed = MUTATION_ARGS['note.update'].safeParse(mutation.args);
  if (!parsed.success) return rejected('invalid_args', `note.update: ${describeZodIssues(parsed.error, 3)}`);
  const args = parsed.data;
  const [note] = await db.query<{ customer_id: string; ver: number; body: string; updated_at: string; author: string }>(
    'select customer_id, ver, body, lk_iso(updated_at) as updated_at, author from notes where id = $1 for update',
    [args.noteId],
  );
  // Out of scope reads the same as missing: the token learns nothing about other customers.
  if (!note || !canSeeCustomer(principal, note.customer_id))
    return rejected('unknown_note', `note ${args.noteId} does not exist`);
  const bucket = customerBucket(note.customer_id);
  const isBaseCurrent = args.baseVer === note.ver;
  // The text the author started from: sent by version-2 desks, else the kept revision of the version they saw.
  const base = args.baseBody ?? (isBaseCurrent ? note.body : await fieldAtVersion(db, 'note', args.noteId, args.baseVer, 'body'));
  const decision = decideTextEdit({ base, value: args.body, current: note.body, isBaseCurrent });
  if (decision.kind === 'unchanged')
    return { status: 'applied', produced: [{ bucket, entity: 'note', id: args.noteId, ver: note.ver }] };
  if (decision.kind === 'conflict') {
    const conflict = await describeConflict(db, {
      entity: 'note',
      id: args.noteId,
      field: 'body',
      ver: note.ver,
      value: note.body,
      fallbackActor: note.author,
      fallbackAt: note.updated_at,
    });
    // Refused, but kept: the text that lost is a revision too, so nothing is overwritten without a record.
    await recordRevision(db, {
      bucket,
      entity: 'note',
      rowId: args.noteId,
      ver: null,
      kind: 'conflict',
      actor: principal.name,
      clientId,
      mutationId: mutation.id,
      at: now,
      baseVer: args.baseVer,
      fields: { body: args.body },
    });
    return {
      status: 'rejected',
      code: 'conflict',
      message: `note ${args.noteId} was changed by ${conflict.actor} while you edited; your text was not applied and waits for you to keep it, take theirs, or merge`,
      conflict,
    };
  }
  const written = await updateNoteBody(db, { id: args.noteId, body: decision.value, updatedAt: new Date(now).toISOString() });
  if (!written) return rejected('unknown_note', `note ${args.noteId} does not exist`);
  await recordRevision(db, {
    bucket,
    entity: 'note',
    rowId: args.noteId,
    ver: written.ver,
    kind: decision.kind === 'merge' ? 'merge' : 'edit',
    actor: principal.name,
    clientId,
    mutationId: mutation.id,
    at: now,
    baseVer: args.baseVer,
    fields: { body: written.body },
  });
  const produced = [{ bucket, entity: 'note', id: written.id, ver: written.ver }];
  if (decision.kind === 'merge') {
    const writer = await latestWriter(db, 'note', args.noteId, note.ver);
    return {
      status: 'applied',
      code: 'merged',
      message: `merged with the changes ${writer?.actor ?? note.author} made meanwhile (they touched other lines)`,
      produced,
    };
  }
  return { status: 'applied', produced };
}

/**
 * Applies a push batch in one transaction: the client row is locked, resent
 * mutations (seq ≤ last_seq) are answered from their stored results, a gap is
 * refused (409 seq_gap, nothing applied), every new mutation gets a stored
 * result, and last_seq moves — all or nothing.
 */
export async function pushMutations(
  storage: Storage,
  principal: Principal,
  request: PushRequest,
  options: PushOptions,
): Promise<PushResponse> {
  if (request.schemaVersion < options.minSchemaVersion) {
    throw new ApiFailure(426, 'client_too_old', `schema version ${request.schemaVersion} is no longer served; update the desk`, {
      minSchemaVersion: options.minSchemaVersion,
    });
  }
  const { mutations } = request;
  for (let index = 1; index < mutations.length; index += 1) {
    if ((mutations[index]?.seq ?? 0) !== (mutations[index - 1]?.seq ?? 0) + 1) {
      throw new ApiFailure(400, 'bad_batch', `mutations[${index}].seq must follow mutations[${index - 1}].seq by exactly 1`);
    }
  }
  if (new Set(mutations.map((mutation) => mutation.id)).size !== mutations.length) {
    throw new ApiFailure(400, 'bad_batch', 'mutation ids must be unique within a batch');
  }

  return storage.transaction(async (db) => {
    await db.query('insert into sync_client (client_id, user_id) values ($1, $2) on conflict (client_id) do nothing', [
      request.clientId,
      principal.userId,
    ]);
    const [client] = await db.query<{ user_id: string; last_seq: number }>(
      'select user_id, last_seq from sync_client where client_id = $1 for update',
      [request.clientId],
    );
    if (!client) throw new Error(`sync_client ${request.clientId} vanished`);
    if (client.user_id !== principal.userId) {
      throw new ApiFailure(
        403,
        'client_owned_by_other_user',
        `client ${request.clientId} belongs to another user; use a new client id`,
      );
    }

    const firstSeq = mutations[0]?.seq ?? 1;
    const lastSeqOfBatch = mutations.at(-1)?.seq ?? 0;
    if (firstSeq > client.last_seq + 1) {
      throw new ApiFailure(409, 'seq_gap', `expected seq ${client.last_seq + 1} next, got ${firstSeq}; resend from there`, {
        expected: client.last_seq + 1,
      });
    }

    const results: MutationResult[] = [];
    const stored = await db.query<StoredResult & { mutation_id: string }>(
      `select seq, mutation_id, status, code, message, produced, conflict from sync_mutation_result
        where client_id = $1 and seq between $2 and $3 order by seq`,
      [request.clientId, firstSeq, Math.min(lastSeqOfBatch, client.last_seq)],
    );
    const storedBySeq = new Map(stored.map((row) => [row.seq, row]));
    const fresh: { seq: number; id: string; outcome: Outcome }[] = [];
    for (const mutation of mutations) {
      if (mutation.seq <= client.last_seq) {
        const previous = storedBySeq.get(mutation.seq);
        if (previous && previous.mutation_id !== mutation.id) {
          throw new ApiFailure(
            409,
            'seq_reused',
            `seq ${mutation.seq} was already used by mutation ${previous.mutation_id}, not ${mutation.id}; this client's sequence is corrupt`,
          );
        }
        results.push(
          previous ? toMutationResult(previous) : { seq: mutation.seq, status: 'applied', message: 'already processed' },
        );
        continue;
      }
      // A mutation that trips over the database (a constraint) is rejected alone, not the batch.
      await db.query('savepoint mutation');
      let outcome: Outcome;
      try {
        outcome = await applyMutation(db, principal, request.clientId, mutation, options.now);
        await db.query('release savepoint mutation');
      } catch (error) {
        await db.query('rollback to savepoint mutation');
        options.log.error('mutation failed', {
          clientId: request.clientId,
          seq: mutation.seq,
          name: mutation.name,
          error: errorMessage(error),
        });
        outcome = rejected('internal_error', `the server could not apply ${mutation.name}; it was not applied`);
      }
      fresh.push({ seq: mutation.seq, id: mutation.id, outcome });
      results.push({ seq: mutation.seq, ...outcome });
    }

    if (fresh.length > 0) {
      await db.query(
        `insert into sync_mutation_result (client_id, seq, mutation_id, status, code, message, produced, conflict)
         select $1, seq, id, status, code, message, produced, conflict
           from jsonb_to_recordset($2::jsonb) as x(seq bigint, id text, status text, code text, message text, produced jsonb, conflict jsonb)`,
        [
          request.clientId,
          JSON.stringify(
            fresh.map((item) => ({
              seq: item.seq,
              id: item.id,
              status: item.outcome.status,
              code: item.outcome.code ?? null,
              message: item.outcome.message ?? null,
              produced: item.outcome.produced ?? null,
              conflict: item.outcome.conflict ?? null,
            })),
          ),
        ],
      );
    }
    const lastSeq = Math.max(client.last_seq, lastSeqOfBatch);
    await db.query('update sync_client set last_seq = $2, updated_at = now() where client_id = $1', [request.clientId, lastSeq]);
    return { lastSeq, results };
  });
}

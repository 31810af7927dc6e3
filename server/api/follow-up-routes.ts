import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CustomerIdSchema } from '../../shared/domain';
import { DueDateSchema, FOLLOW_UP_STATES, OPEN_FOLLOW_UP_STATES } from '../../shared/follow-ups';
import { CAPABILITIES } from '../../shared/identity';
import { ulid } from '../../shared/ulid';
import { ApiFailure } from '../errors';
import { createFollowUp, editFollowUp } from '../follow-ups/edits';
import { listFollowUps, readFollowUp } from '../repo/follow-ups';
import { canSeeCustomer } from '../repo/tokens';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseParams, refusal } from './validation';

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
const writeRoles: RouteAuth = { roles: CAPABILITIES.write };

/** Largest page of GET /v1/follow-ups. */
export const MAX_FOLLOW_UP_PAGE = 1000;

const ListQuerySchema = z.strictObject({
  customerId: CustomerIdSchema.optional(),
  owner: z.string().min(1).max(200).optional(),
  /** One state or several, comma-separated; `active` for open and in progress. */
  state: z
    .string()
    .max(100)
    .transform((value, context) => {
      const states = value === 'active' ? [...OPEN_FOLLOW_UP_STATES] : value.split(',');
      const unknown = states.filter((state) => !(FOLLOW_UP_STATES as readonly string[]).includes(state));
      if (unknown.length > 0)
        context.addIssue({ code: 'custom', message: `unknown state ${unknown.join(', ')}; use ${FOLLOW_UP_STATES.join(', ')}` });
      return states as (typeof FOLLOW_UP_STATES)[number][];
    })
    .optional(),
  problemId: z.string().min(1).max(100).optional(),
  runId: z.string().min(1).max(100).optional(),
  /** Due before this day and still open (`overdueOn=2026-12-03`). */
  overdueOn: DueDateSchema.optional(),
  after: z.string().max(64).optional(),
  limit: z.coerce.number().int().positive().max(MAX_FOLLOW_UP_PAGE).default(200),
});

const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

const STATUS_OF_CODE: Record<string, number> = {
  invalid_args: 400,
  forbidden: 403,
  unknown_customer: 404,
  unknown_follow_up: 404,
  follow_up_exists: 409,
};

/**
 * Follow-ups over REST (issue 12), for automation and ticket systems; desks
 * write through sync push (`followUp.create`, `followUp.update`), which runs the
 * same code. Out-of-scope customers read as missing.
 */
export function registerFollowUpRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/follow-ups', { config: readRoles }, async (request) => {
    const parsed = ListQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiFailure(400, 'invalid_request', `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`);
    }
    const query = parsed.data;
    const principal = principalOf(request);
    const scope = principal.scope;
    const customerIds = query.customerId ? [query.customerId] : scope;
    if (query.customerId && !canSeeCustomer(principal, query.customerId)) return { followUps: [], next: null };
    const rows = await listFollowUps(context.storage, {
      customerIds,
      owner: query.owner ?? null,
      states: query.overdueOn ? [...OPEN_FOLLOW_UP_STATES] : (query.state ?? null),
      problemId: query.problemId ?? null,
      runId: query.runId ?? null,
      dueBefore: query.overdueOn ?? null,
      after: query.after ?? null,
      limit: query.limit,
    });
    return { followUps: rows, next: rows.length === query.limit ? (rows.at(-1)?.id ?? null) : null };
  });

  app.get('/v1/follow-ups/:id', { config: readRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    const row = await readFollowUp(context.storage, id);
    if (!row || !canSeeCustomer(principalOf(request), row.customerId))
      throw new ApiFailure(404, 'unknown_follow_up', `follow-up ${id} does not exist`);
    return row;
  });

  app.post('/v1/follow-ups', { config: writeRoles }, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiFailure(400, 'invalid_request', 'send a JSON object with customerId and title');
    const args = { followUpId: ulid(), ...body };
    const principal = principalOf(request);
    const now = context.clock();
    const outcome = await context.storage.transaction((db) =>
      createFollowUp(db, { principal, clientId: null, mutationId: null }, args, now),
    );
    if (outcome.status === 'rejected') throw refusal(outcome, STATUS_OF_CODE);
    reply.code(201);
    return readFollowUp(context.storage, args.followUpId);
  });

  app.patch('/v1/follow-ups/:id', { config: writeRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiFailure(400, 'invalid_request', 'send a JSON object with baseVer and set');
    const principal = principalOf(request);
    const now = context.clock();
    const outcome = await context.storage.transaction((db) =>
      editFollowUp(db, { principal, clientId: null, mutationId: null }, { ...body, followUpId: id }, now),
    );
    if (outcome.status === 'rejected') throw refusal(outcome, STATUS_OF_CODE);
    return {
      followUp: await readFollowUp(context.storage, id),
      ...(outcome.code === 'overwrote' ? { replaced: outcome.conflict, message: outcome.message } : {}),
    };
  });
}

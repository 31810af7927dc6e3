import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CustomerIdSchema } from '../../shared/domain';
import {
  ApprovalDecisionSchema,
  ApprovalRequestSchema,
  ExecuteRequestSchema,
  PlanRequestSchema,
  ProbeRequestSchema,
} from '../../shared/remediation/wire';
import type { CatalogHolder } from '../catalog/loader';
import { ApiFailure } from '../errors';
import {
  createRemediationService,
  DEFAULT_REMEDIATION_LIMITS,
  RetryLaterFailure,
  type RemediationLimits,
} from '../remediation/service';
import { EMPTY_ACTIONS, EMPTY_PROBES } from '../remediation/types';
import { CAPABILITIES } from '../../shared/identity';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseBody, parseParams } from './validation';

/** Remediation settings of one server; every field has a default. */
export type RemediationOptions = {
  limits?: Partial<RemediationLimits>;
  /**
   * The catalog in force (issue 11): the only source of probes and actions
   * (the demo fleet is one catalog, resources/catalogs/demo.catalog.yaml); GET
   * /v1/catalog and POST /v1/catalog/reload serve it. Without one the server
   * offers no probes and no actions.
   */
  catalog?: CatalogHolder | null;
};

/** Who may reload the catalog: authors and admins (issue 14). */
export const CATALOG_RELOAD_AUTH: RouteAuth = { roles: CAPABILITIES.author };

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
const operateRoles: RouteAuth = { roles: CAPABILITIES.operate };
const approveRoles: RouteAuth = { roles: CAPABILITIES.approve };
const adminRoles: RouteAuth = { roles: CAPABILITIES.administer };

const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(100) });
const ProbeParamsSchema = z.strictObject({ probe: z.string().min(1).max(64) });
const ApprovalListQuerySchema = z.strictObject({
  status: z.enum(['pending', 'granted', 'denied']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const AuditQuerySchema = z.strictObject({
  customerId: CustomerIdSchema.optional(),
  before: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiFailure(400, 'invalid_request', `query ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Retry-After travels as a header; the error handler sends the body. */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RetryLaterFailure) reply.header('retry-after', String(error.retryAfterSeconds));
    throw error;
  }
}

/** Probes, actions (plan → execute), approvals and the audit trail. */
export function registerRemediationRoutes(app: FastifyInstance, context: RouteContext, options: RemediationOptions = {}): void {
  const catalog = options.catalog ?? null;
  const actions = catalog ? catalog.actions : EMPTY_ACTIONS;
  const service = createRemediationService({
    storage: context.storage,
    clock: context.clock,
    newId: context.newId,
    log: context.log,
    actions,
    probes: catalog ? catalog.probes : EMPTY_PROBES,
    limits: { ...DEFAULT_REMEDIATION_LIMITS, ...options.limits },
  });

  app.post('/v1/probes/:probe', { config: operateRoles }, async (request) => {
    const { probe } = parseParams(ProbeParamsSchema, request.params);
    const body = parseBody(ProbeRequestSchema, request.body);
    try {
      return await service.probe(principalOf(request), probe, body);
    } catch (error) {
      if (error instanceof ApiFailure && error.status >= 500)
        context.log.error('probe failed', { probe, customerId: body.customerId, error: error.message });
      throw error;
    }
  });

  app.get('/v1/actions', { config: readRoles }, async () => ({
    actions: actions.list().map((action) => ({
      name: action.name,
      summary: action.summary,
      risk: action.risk,
      version: action.version,
      runner: action.runner.kind,
    })),
  }));

  app.get('/v1/catalog', { config: readRoles }, async () => {
    if (!catalog) throw new ApiFailure(404, 'no_catalog', 'this server was started without a catalog file (--catalog)');
    return catalog.current().published;
  });

  app.post('/v1/catalog/reload', { config: CATALOG_RELOAD_AUTH }, async (_request, reply) => {
    if (!catalog) throw new ApiFailure(404, 'no_catalog', 'this server was started without a catalog file (--catalog)');
    const result = await catalog.reload();
    if (result.status === 'rejected') {
      // Every issue, so the author fixes the file in one go; the catalog in force keeps running.
      return reply.code(422).send({ error: 'invalid_catalog', message: result.message, issues: result.issues });
    }
    return result;
  });

  app.post('/v1/actions/plan', { config: operateRoles }, async (request, reply) => {
    const body = parseBody(PlanRequestSchema, request.body);
    const plan = await service.plan(principalOf(request), body);
    reply.code(201);
    return plan;
  });

  app.post('/v1/actions/execute', { config: operateRoles }, async (request, reply) => {
    const body = parseBody(ExecuteRequestSchema, request.body);
    return withRetryAfter(reply, () => service.execute(principalOf(request), body));
  });

  app.post('/v1/approvals', { config: operateRoles }, async (request, reply) => {
    const body = parseBody(ApprovalRequestSchema, request.body);
    const { approval, isNew } = await service.requestApproval(principalOf(request), body);
    reply.code(isNew ? 201 : 200);
    return approval;
  });

  app.get('/v1/approvals', { config: readRoles }, async (request) => {
    const query = parseQuery(ApprovalListQuerySchema, request.query);
    return { approvals: await service.approvals(principalOf(request), { status: query.status ?? null, limit: query.limit }) };
  });

  app.get('/v1/approvals/:id', { config: readRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    return service.approval(principalOf(request), id);
  });

  app.post('/v1/approvals/:id/decision', { config: approveRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    const body = parseBody(ApprovalDecisionSchema, request.body);
    return service.decide(principalOf(request), id, body);
  });

  app.get('/v1/audit', { config: adminRoles }, async (request) => {
    const query = parseQuery(AuditQuerySchema, request.query);
    return {
      records: await service.auditRecords({
        customerId: query.customerId ?? null,
        before: query.before ?? null,
        limit: query.limit,
      }),
    };
  });
}

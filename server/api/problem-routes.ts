import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CustomerIdSchema } from '../../shared/domain';
import { CAPABILITIES } from '../../shared/identity';
import { ulid } from '../../shared/ulid';
import { ApiFailure } from '../errors';
import { createProblem, editProblem, reportProblem, restWriter, type ProblemReport } from '../problems/edits';
import { listProblems, readProblem, type ProblemRow } from '../repo/problems';
import type { ProblemHit } from '../../shared/problems';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import type { Queryable } from '../storage/types';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseParams, refusal } from './validation';

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
const writeRoles: RouteAuth = { roles: CAPABILITIES.write };

const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });
const CustomerParamsSchema = z.strictObject({ id: CustomerIdSchema });
const ListQuerySchema = z.strictObject({ regressed: z.enum(['true', 'false']).optional() });

const STATUS_OF_CODE: Record<string, number> = {
  invalid_args: 400,
  unknown_customer: 404,
  unknown_problem: 404,
  problem_exists: 409,
};

function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiFailure(400, 'invalid_request', `send a JSON object with ${what}`);
  return body as Record<string, unknown>;
}

/** A report with only the customers this caller may see. */
async function visibleReport(db: Queryable, principal: Principal, id: string): Promise<ProblemReport> {
  const problem = await readProblem(db, id);
  if (!problem) throw new ApiFailure(404, 'unknown_problem', `problem ${id} does not exist`);
  return scoped(await reportProblem(db, problem), principal);
}

function scoped(report: ProblemReport, principal: Principal): ProblemReport {
  if (principal.scope === null) return report;
  const hits = report.hits.filter((hit) => canSeeCustomer(principal, hit.customerId));
  return {
    ...report,
    problem: { ...report.problem, customers: report.problem.customers.filter((id) => canSeeCustomer(principal, id)) },
    hits,
    customerCount: hits.length,
    occurrences: hits.reduce((sum, hit) => sum + hit.occurrences, 0),
    regressions: hits.filter((hit) => hit.regression !== null).length,
  };
}

/**
 * Known problems over REST (issue 12). Desks sync the problems themselves
 * (global bucket) and write through push (`problem.create`, `problem.update`),
 * which runs the same code; these routes add what only the server can count
 * fleet-wide: who is hit, how often, and regressions after a fix.
 */
export function registerProblemRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/problems', { config: readRoles }, async (request) => {
    const parsed = ListQuerySchema.safeParse(request.query);
    if (!parsed.success) throw new ApiFailure(400, 'invalid_request', 'regressed must be true or false');
    const principal = principalOf(request);
    const reports: ProblemReport[] = [];
    for (const problem of await listProblems(context.storage))
      reports.push(scoped(await reportProblem(context.storage, problem), principal));
    return { problems: parsed.data.regressed === 'true' ? reports.filter((report) => report.regressions > 0) : reports };
  });

  app.get('/v1/problems/:id', { config: readRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    return visibleReport(context.storage, principalOf(request), id);
  });

  /**
   * The problems hitting one customer, a known error's workaround wizard first:
   * what the desk offers when one of their signatures appears.
   */
  app.get('/v1/customers/:id/problems', { config: readRoles }, async (request) => {
    const { id } = parseParams(CustomerParamsSchema, request.params);
    if (!canSeeCustomer(principalOf(request), id)) throw new ApiFailure(404, 'unknown_customer', `customer ${id} does not exist`);
    const problems: { problem: ProblemRow; hit: ProblemHit; suggestedWizard: string | null }[] = [];
    for (const problem of await listProblems(context.storage)) {
      const report = await reportProblem(context.storage, problem, { customerId: id });
      const hit = report.hits[0];
      if (!hit) continue;
      problems.push({
        problem,
        hit,
        suggestedWizard: problem.status === 'known_error' || hit.regression !== null ? problem.workaroundWizard : null,
      });
    }
    const rank = (item: (typeof problems)[number]) => (item.hit.regression ? 0 : item.problem.status === 'known_error' ? 1 : 2);
    return { problems: problems.sort((a, b) => rank(a) - rank(b) || (b.hit.lastAt ?? '').localeCompare(a.hit.lastAt ?? '')) };
  });

  app.post('/v1/problems', { config: writeRoles }, async (request, reply) => {
    const body = objectBody(request.body, 'title and rules or customers');
    const args = { problemId: ulid(), ...body };
    const principal = principalOf(request);
    const now = context.clock();
    const outcome = await context.storage.transaction((db) => createProblem(db, restWriter(principal), args, now));
    if (outcome.status === 'rejected') throw refusal(outcome, STATUS_OF_CODE);
    reply.code(201);
    return visibleReport(context.storage, principal, String(args.problemId));
  });

  app.patch('/v1/problems/:id', { config: writeRoles }, async (request) => {
    const { id } = parseParams(IdParamsSchema, request.params);
    const body = objectBody(request.body, 'baseVer and set');
    const now = context.clock();
    const principal = principalOf(request);
    const outcome = await context.storage.transaction((db) =>
      editProblem(db, restWriter(principal), { ...body, problemId: id }, now),
    );
    if (outcome.status === 'rejected') throw refusal(outcome, STATUS_OF_CODE);
    return {
      ...(await visibleReport(context.storage, principal, id)),
      ...(outcome.code === 'overwrote' ? { replaced: outcome.conflict, message: outcome.message } : {}),
    };
  });
}

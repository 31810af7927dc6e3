import type { FastifyInstance } from 'fastify';
import { PullRequestSchema, PushRequestSchema, type SyncIdentity } from '../../shared/sync/wire';
import { pullChanges } from '../sync/pull';
import { pushMutations } from '../sync/push';
import { CAPABILITIES } from '../../shared/identity';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseBody } from './validation';

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
/** Pushes carry notes (write) and run records (operate); each mutation is checked on its own too. */
const writeRoles: RouteAuth = { roles: CAPABILITIES.write };

export function registerSyncRoutes(app: FastifyInstance, context: RouteContext): void {
  // The database's epoch names the backend: the same database behind another address is the same backend.
  app.get('/v1/sync/identity', { config: readRoles }, async (request) => {
    const [row] = await context.storage.query<{ epoch: string }>(
      "select value #>> '{}' as epoch from server_meta where key = 'epoch'",
    );
    const principal = principalOf(request);
    return { serverId: row?.epoch ?? '', userId: principal.userId, name: principal.name } satisfies SyncIdentity;
  });

  app.post('/v1/sync/pull', { config: readRoles }, async (request) => {
    const body = parseBody(PullRequestSchema, request.body);
    return pullChanges(context.storage, principalOf(request), body, { delayNoticeMs: context.delayNoticeMs });
  });

  app.post('/v1/sync/push', { config: writeRoles }, async (request) => {
    const body = parseBody(PushRequestSchema, request.body);
    return pushMutations(context.storage, principalOf(request), body, {
      now: context.clock(),
      minSchemaVersion: context.minSchemaVersion,
      log: context.log,
    });
  });
}

import type { FastifyInstance } from 'fastify';
import { PullRequestSchema, PushRequestSchema, type SyncIdentity } from '../../shared/sync/wire';
import { pullChanges } from '../sync/pull';
import { pushMutations } from '../sync/push';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { parseBody } from './validation';

const deskRoles: RouteAuth = { roles: ['desk', 'admin'] };

export function registerSyncRoutes(app: FastifyInstance, context: RouteContext): void {
  // The database's epoch names the backend: the same database behind another address is the same backend.
  app.get('/v1/sync/identity', { config: deskRoles }, async (request) => {
    const [row] = await context.storage.query<{ epoch: string }>(
      "select value #>> '{}' as epoch from server_meta where key = 'epoch'",
    );
    return { serverId: row?.epoch ?? '', userId: principalOf(request).userId } satisfies SyncIdentity;
  });

  app.post('/v1/sync/pull', { config: deskRoles }, async (request) => {
    const body = parseBody(PullRequestSchema, request.body);
    return pullChanges(context.storage, principalOf(request), body, { delayNoticeMs: context.delayNoticeMs });
  });

  app.post('/v1/sync/push', { config: deskRoles }, async (request) => {
    const body = parseBody(PushRequestSchema, request.body);
    return pushMutations(context.storage, principalOf(request), body, {
      now: context.clock(),
      minSchemaVersion: context.minSchemaVersion,
      log: context.log,
    });
  });
}

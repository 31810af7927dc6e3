import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CAPABILITIES, type IdentityInfo, type Me } from '../../shared/identity';
import { ApiFailure } from '../errors';
import { revokeAccessToken, revokePerson } from '../repo/revocations';
import { principalOf, type RouteAuth, type RouteContext } from './context';
import { closeStreamsOf } from './stream';

const PersonParamsSchema = z.strictObject({ userId: z.string().min(1).max(500) });

/** How desks sign in, who the caller is, signing out, and revoking a person's sign-ins. */
export function registerIdentityRoutes(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/identity', { config: { roles: null } satisfies RouteAuth }, async (): Promise<IdentityInfo> => {
    const { identity } = context;
    if (!identity) return { mode: 'token' };
    return {
      mode: 'oidc',
      issuer: identity.issuer,
      clientId: identity.desk.clientId,
      scopes: identity.desk.scopes,
      authorizationParams: identity.desk.authorizationParams,
    };
  });

  app.get('/v1/me', async (request): Promise<Me> => {
    const principal = principalOf(request);
    return {
      userId: principal.userId,
      name: principal.name,
      email: principal.email,
      kind: principal.kind,
      roles: [...principal.roles],
      customers: principal.customers,
      expiresAt: principal.session ? new Date(principal.session.expiresAt).toISOString() : null,
    };
  });

  // A person signing out: this access token is refused from now on, by every server process.
  app.post('/v1/sign-out', async (request, reply) => {
    const principal = principalOf(request);
    const { session } = principal;
    if (principal.kind !== 'person' || !session)
      throw new ApiFailure(
        409,
        'not_a_sign_in',
        'static tokens do not sign out; an admin deletes them with DELETE /v1/tokens/:id',
      );
    const now = context.clock();
    if (session.tokenId !== null) {
      await revokeAccessToken(context.storage, {
        tokenId: session.tokenId,
        userId: principal.userId,
        expiresAt: session.expiresAt,
        now,
      });
    } else {
      // Without a token id the only way to refuse this token is to refuse every earlier one of this person.
      await revokePerson(context.storage, { userId: principal.userId, by: principal.userId, now });
    }
    closeStreamsOf(context, (open) => open.session?.tokenId === session.tokenId && open.userId === principal.userId);
    return reply.code(204).send();
  });

  app.post(
    '/v1/people/:userId/revoke',
    { config: { roles: CAPABILITIES.administer } satisfies RouteAuth },
    async (request, reply) => {
      const parsed = PersonParamsSchema.safeParse(request.params);
      if (!parsed.success) throw new ApiFailure(400, 'invalid_request', 'the path names no valid user id');
      const { userId } = parsed.data;
      await revokePerson(context.storage, { userId, by: principalOf(request).userId, now: context.clock() });
      closeStreamsOf(context, (open) => open.kind === 'person' && open.userId === userId);
      return reply.code(204).send();
    },
  );
}

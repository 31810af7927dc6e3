import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CustomerIdSchema } from '../../shared/domain';
import { ApiFailure } from '../errors';
import { createApiToken, revokeApiToken, TOKEN_ROLES } from '../repo/tokens';
import { existingCustomerIds, upsertCustomers, upsertFeatures, upsertReleases } from '../repo/writes';
import { CAPABILITIES } from '../../shared/identity';
import type { RouteAuth, RouteContext } from './context';
import {
  batchEnvelope,
  parseBatch,
  parseBody,
  parseParams,
  StrictCustomerSchema,
  StrictFeatureInputSchema,
  StrictReleaseSchema,
} from './validation';

const adminRoles: RouteAuth = { roles: CAPABILITIES.administer };

/** Largest batch of customers, features or releases per admin request. */
export const MAX_ADMIN_BATCH = 10_000;

const TokenRequestSchema = z.strictObject({
  userId: z.string().min(1).max(200),
  role: z.enum(TOKEN_ROLES),
  /** Customer ids the token may see; omitted or null for all. */
  customers: z.array(CustomerIdSchema).max(100_000).nullable().optional(),
  label: z.string().max(200).nullable().optional(),
});

const CustomerParamsSchema = z.strictObject({ id: CustomerIdSchema });
const TokenParamsSchema = z.strictObject({ tokenId: z.string().min(1).max(64) });

export function registerWriteRoutes(app: FastifyInstance, context: RouteContext): void {
  app.put('/v1/customers', { config: adminRoles }, async (request) => {
    const { customers: items } = parseBody(batchEnvelope('customers'), request.body) as { customers: unknown[] };
    const customers = parseBatch(StrictCustomerSchema, items, 'customers', MAX_ADMIN_BATCH);
    const changed = await context.storage.transaction((db) => upsertCustomers(db, customers));
    return { received: customers.length, changed: changed.length };
  });

  app.put('/v1/customers/:id/features', { config: adminRoles }, async (request) => {
    const { id } = parseParams(CustomerParamsSchema, request.params);
    const { features: items } = parseBody(batchEnvelope('features'), request.body) as { features: unknown[] };
    const features = parseBatch(StrictFeatureInputSchema, items, 'features', MAX_ADMIN_BATCH);
    const mismatch = features.findIndex((feature) => feature.customerId !== undefined && feature.customerId !== id);
    if (mismatch >= 0) {
      throw new ApiFailure(
        400,
        'invalid_feature',
        `features[${mismatch}].customerId names another customer than the path; nothing was stored`,
        {
          index: mismatch,
          field: 'customerId',
        },
      );
    }
    const changed = await context.storage.transaction(async (db) => {
      const known = await existingCustomerIds(db, [id]);
      if (!known.has(id))
        throw new ApiFailure(404, 'unknown_customer', `customer ${id} does not exist; create it with PUT /v1/customers first`);
      return upsertFeatures(
        db,
        features.map((feature) => ({ ...feature, customerId: id })),
      );
    });
    return { received: features.length, changed: changed.length };
  });

  app.put('/v1/releases', { config: adminRoles }, async (request) => {
    const { releases: items } = parseBody(batchEnvelope('releases'), request.body) as { releases: unknown[] };
    const releases = parseBatch(StrictReleaseSchema, items, 'releases', MAX_ADMIN_BATCH);
    const changed = await context.storage.transaction((db) => upsertReleases(db, releases));
    return { received: releases.length, changed: changed.length };
  });

  app.post('/v1/tokens', { config: adminRoles }, async (request, reply) => {
    const body = parseBody(TokenRequestSchema, request.body);
    if (body.role === 'admin' && body.customers) {
      throw new ApiFailure(400, 'invalid_request', 'an admin token sees every customer; omit customers');
    }
    const created = await createApiToken(context.storage, {
      userId: body.userId,
      role: body.role,
      scope: body.customers ?? null,
      label: body.label ?? null,
    });
    reply.code(201).header('cache-control', 'no-store');
    return created;
  });

  app.delete('/v1/tokens/:tokenId', { config: adminRoles }, async (request, reply) => {
    const { tokenId } = parseParams(TokenParamsSchema, request.params);
    if (!(await revokeApiToken(context.storage, tokenId))) throw new ApiFailure(404, 'unknown_token', `no token ${tokenId}`);
    return reply.code(204).send();
  });
}

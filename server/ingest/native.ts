import type { FastifyInstance } from 'fastify';
import { CAPABILITIES } from '../../shared/identity';
import { MAX_INGEST_BATCH } from '../../shared/sync/wire';
import { principalOf, type RouteAuth, type RouteContext } from '../api/context';
import { batchEnvelope, parseBatch, parseBody, StrictEventInputSchema } from '../api/validation';
import { ApiFailure } from '../errors';
import { canSeeCustomer } from '../repo/tokens';
import { existingCustomerIds, insertEvents } from '../repo/writes';

/*
 * The native batch: `POST /v1/events` with Lightkeeper's own event shape and an
 * ingest token (Bearer). For a relay or script that already speaks our shape;
 * producers with their own format post to a source (routes.ts) instead. The
 * batch is all or nothing: an unknown customer refuses it (422), as a caller of
 * this endpoint names customers by id.
 */

const ingestRoles: RouteAuth = { roles: CAPABILITIES.ingest };

export function registerNativeIngestRoutes(app: FastifyInstance, context: RouteContext): void {
  app.post('/v1/events', { config: ingestRoles }, async (request) => {
    const { events: items } = parseBody(batchEnvelope('events'), request.body) as { events: unknown[] };
    const events = parseBatch(StrictEventInputSchema, items, 'events', MAX_INGEST_BATCH);
    const principal = principalOf(request);
    const customerIds = [...new Set(events.map((event) => event.customerId))];
    const outOfScope = customerIds.filter((customerId) => !canSeeCustomer(principal, customerId));
    if (outOfScope.length > 0) {
      throw new ApiFailure(
        403,
        'forbidden',
        `this token may not write events for ${outOfScope.slice(0, 20).join(', ')}; nothing was stored`,
        {
          customerIds: outOfScope,
        },
      );
    }
    const now = context.clock();
    return context.storage.transaction(async (db) => {
      const known = await existingCustomerIds(db, customerIds);
      const unknown = customerIds.filter((customerId) => !known.has(customerId));
      if (unknown.length > 0) {
        throw new ApiFailure(
          422,
          'unknown_customers',
          `no such customers: ${unknown.slice(0, 20).join(', ')}; nothing was stored`,
          {
            customerIds: unknown,
          },
        );
      }
      const { accepted, duplicates, ids } = await insertEvents(db, events, { now, newId: context.newId });
      return { accepted, duplicates, ids };
    });
  });
}

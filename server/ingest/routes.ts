import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CustomerIdSchema } from '../../shared/domain';
import { CAPABILITIES } from '../../shared/identity';
import type { RouteAuth, RouteContext } from '../api/context';
import { batchEnvelope, parseBatch, parseBody, parseParams } from '../api/validation';
import { ApiFailure } from '../errors';
import {
  ANY_SOURCE,
  deleteSource,
  listAliases,
  listSources,
  listUnmatched,
  recordDelivery,
  takeRateToken,
  upsertAliases,
} from '../repo/ingest';
import { existingCustomerIds } from '../repo/writes';
import { describeCustomerMapping, SourceConfigSchema, SourceIdSchema, usesHmac, type SourceKind } from './config';
import { checkStorable } from './json-body';
import { ingestItems, remapUnmatched } from './pipeline';
import {
  ingestPath,
  loadSource,
  moduleFor,
  registerSource,
  rotateSource,
  tokenMatches,
  updateSource,
  type Source,
} from './sources';
import type { IngestRequest } from './types';

/*
 * Ingest over HTTP. Producers post to `/v1/ingest/<source>/<token>` (or with the
 * token as a bearer header; HMAC sources such as GitHub to `/v1/ingest/<source>`
 * with their signature header): no admin or person token is ever involved. The
 * source is found, its credential checked and its rate limit taken before the
 * body is read. Admins manage sources, aliases and the unmatched queue under
 * `/v1/sources` and `/v1/aliases`.
 */

const adminRoles: RouteAuth = { roles: CAPABILITIES.administer };
const publicRoute: RouteAuth = { roles: null };
/** The server's own ceiling; each source has its own lower limit (limits.maxBodyBytes). */
const INGEST_BODY_LIMIT = 32 * 1024 * 1024;

const IngestParamsSchema = z.strictObject({ sourceId: SourceIdSchema, token: z.string().max(200).optional() });
const SourceParamsSchema = z.strictObject({ id: SourceIdSchema });
const BEARER = /^Bearer (\S{1,200})$/;

const sources = new WeakMap<FastifyRequest, Source>();

function sourceOf(request: FastifyRequest): Source {
  const source = sources.get(request);
  if (!source) throw new ApiFailure(401, 'unauthorized', 'the source was not authenticated');
  return source;
}

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const AliasInputSchema = z.strictObject({
  /** The source whose payloads use this name; omitted or null: every source. */
  source: SourceIdSchema.nullable().optional(),
  alias: z.string().min(1).max(256),
  customerId: CustomerIdSchema,
});

const UpdateSourceSchema = z.strictObject({
  /** The config keys to replace (server/ingest/config.ts); the others stay as they are. */
  source: z.record(z.string(), z.unknown()),
});

const CreateSourceSchema = z.strictObject({
  source: z.record(z.string(), z.unknown()),
  /** Use this credential instead of generating one (at least 24 characters). */
  credential: z.string().min(24).max(200).optional(),
});

function describeSource(row: { id: string; kind: string; name: string; origin: string; config: Record<string, unknown> }) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    origin: row.origin,
    path: ingestPath(row.id, row.kind as SourceKind),
    credential: usesHmac(row.kind as SourceKind) ? 'hmac' : 'url_token',
    config: row.config,
  };
}

function customerMappingOf(row: { id: string; kind: string; config: Record<string, unknown> }): string {
  const parsed = SourceConfigSchema.safeParse({ ...row.config, id: row.id, kind: row.kind });
  return parsed.success ? describeCustomerMapping(parsed.data) : 'a config this server cannot read';
}

/** Why a delivery was refused, from the answer the producer got (never the credential: no message carries it). */
function refusalReason(statusCode: number, payload: unknown): string {
  let text = `${statusCode}`;
  if (typeof payload === 'string') {
    try {
      const body = JSON.parse(payload) as { error?: unknown; message?: unknown };
      if (typeof body.error === 'string') text += ` ${body.error}`;
      if (typeof body.message === 'string') text += `: ${body.message}`;
    } catch {
      // Not JSON: the status says enough.
    }
  }
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

export function registerIngestRoutes(app: FastifyInstance, context: RouteContext): void {
  async function authenticateSource(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const params = IngestParamsSchema.safeParse(request.params);
    if (!params.success) throw new ApiFailure(404, 'unknown_source', 'the path names no valid source id');
    const source = await loadSource(context.storage, params.data.sourceId);
    if (!source) throw new ApiFailure(404, 'unknown_source', `no source ${params.data.sourceId}; an admin registers it first`);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > source.config.limits.maxBodyBytes) {
      throw new ApiFailure(
        413,
        'payload_too_large',
        `the body is ${declared} bytes; source ${source.row.id} takes at most ${source.config.limits.maxBodyBytes}; send smaller batches`,
      );
    }
    if (!usesHmac(source.config.kind)) {
      const presented = params.data.token ?? BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (!tokenMatches(source.row, presented)) {
        reply.header('www-authenticate', 'Bearer');
        throw new ApiFailure(
          401,
          'unauthorized',
          presented === undefined
            ? `source ${source.row.id} needs its token: post to /v1/ingest/${source.row.id}/<token>`
            : `that is not the token of source ${source.row.id}; an admin can rotate it and give you the new one`,
        );
      }
    }
    const wait = await takeRateToken(context.storage, source.row.id, source.config.limits.requestsPerMinute, context.clock());
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new ApiFailure(429, 'rate_limited', `source ${source.row.id} sent more than its limit; retry in ${wait} s`);
    }
    sources.set(request, source);
  }

  app.register(async (scope) => {
    // Producers send what they send (CloudEvents binary mode: any media type); modules read the raw bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INGEST_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    // Every POST to a known source counts (the desk's Sources page): accepted (2xx) or refused with its reason.
    scope.addHook('onSend', async (request, reply, payload) => {
      const sourceId = (request.params as { sourceId?: unknown } | undefined)?.sourceId;
      if (request.method !== 'POST' || typeof sourceId !== 'string' || !SourceIdSchema.safeParse(sourceId).success)
        return payload;
      const isRefused = reply.statusCode >= 400;
      try {
        await recordDelivery(context.storage, sourceId, {
          at: new Date(context.clock()).toISOString(),
          refusal: isRefused ? refusalReason(reply.statusCode, payload) : null,
        });
      } catch (error) {
        // Counting is for admins; the producer's answer stands whatever happens to it.
        context.log.warn('ingest delivery not counted', { source: sourceId, reason: String(error) });
      }
      return payload;
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const source = sourceOf(request);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (body.length > source.config.limits.maxBodyBytes) {
        throw new ApiFailure(
          413,
          'payload_too_large',
          `source ${source.row.id} takes bodies of at most ${source.config.limits.maxBodyBytes} bytes; send smaller batches`,
        );
      }
      const ingestRequest: IngestRequest = {
        headers: request.headers,
        mediaType: mediaTypeOf(request),
        body,
        receivedAt: context.clock(),
      };
      const module = moduleFor(source.config);
      if (module.verify) {
        if (source.row.secret === null) throw new ApiFailure(401, 'unauthorized', `source ${source.row.id} has no secret`);
        await module.verify(ingestRequest, source.row.secret);
      }
      let parsed: Awaited<ReturnType<typeof module.parse>>;
      try {
        parsed = await module.parse(ingestRequest, source.config);
      } catch (error) {
        // The producer hears a 400; the mapping is the admin's to fix, so it is said where admins look.
        if (error instanceof ApiFailure && error.body.error === 'mapping_too_costly')
          context.log.warn('ingest mapping stopped', { source: source.row.id, reason: error.body.message });
        throw error;
      }
      if (parsed.type === 'reply') return reply.code(parsed.status).send(parsed.body);
      if (parsed.items.length === 0) return { accepted: 0, duplicates: 0, unmatched: 0, items: [] };
      // Headers, text data and mapping output have not been through a JSON check: everything to be stored is.
      for (const item of parsed.items)
        checkStorable({ customerRefs: item.customerRefs, key: item.key, ...item.event }, item.path);
      const outcome = await ingestItems(
        { storage: context.storage, newId: context.newId },
        { id: source.row.id, config: source.config },
        parsed.items,
        ingestRequest.receivedAt,
      );
      // 207: some items are kept as unmatched; the rest are stored. Either way the producer must not resend.
      return reply.code(outcome.unmatched > 0 ? 207 : 200).send(outcome);
    };

    for (const url of ['/v1/ingest/:sourceId', '/v1/ingest/:sourceId/:token']) {
      scope.post(url, { config: publicRoute, onRequest: authenticateSource }, handler);
      // The CloudEvents webhook validation handshake (and nothing for other kinds).
      scope.options(url, { config: publicRoute, onRequest: authenticateSource }, async (request, reply) => {
        const source = sourceOf(request);
        if (source.config.kind !== 'cloudevents')
          throw new ApiFailure(405, 'method_not_allowed', `source ${source.row.id} takes POST only`);
        const origin = request.headers['webhook-request-origin'];
        if (typeof origin !== 'string' || origin === '')
          throw new ApiFailure(400, 'invalid_request', 'the validation handshake needs a WebHook-Request-Origin header');
        const allowed = source.config.allowedOrigins;
        if (allowed.length > 0 && !allowed.includes(origin))
          throw new ApiFailure(403, 'origin_not_allowed', `origin ${origin} may not send to source ${source.row.id}`);
        reply.header('webhook-allowed-origin', origin);
        reply.header('webhook-allowed-rate', String(source.config.limits.requestsPerMinute));
        reply.header('allow', 'POST, OPTIONS');
        return reply.code(200).send();
      });
    }
  });

  app.get('/v1/sources', { config: adminRoles }, async () => {
    const rows = await listSources(context.storage);
    return {
      sources: rows.map((row) => ({
        ...describeSource(row),
        customerMapping: customerMappingOf(row),
        unmatched: row.unmatched,
        ...row.deliveries,
      })),
    };
  });

  app.post('/v1/sources', { config: adminRoles }, async (request, reply) => {
    const body = parseBody(CreateSourceSchema, request.body);
    const created = await registerSource(context.storage, body.source as never, {
      credential: body.credential,
      now: new Date(context.clock()).toISOString(),
    });
    reply.code(201).header('cache-control', 'no-store');
    return {
      id: created.config.id,
      kind: created.config.kind,
      path: ingestPath(created.config.id, created.config.kind, created.credential),
      ...(usesHmac(created.config.kind) ? { secret: created.credential } : { token: created.credential }),
    };
  });

  app.patch('/v1/sources/:id', { config: adminRoles }, async (request) => {
    const { id } = parseParams(SourceParamsSchema, request.params);
    const body = parseBody(UpdateSourceSchema, request.body);
    await updateSource(context.storage, id, body.source, new Date(context.clock()).toISOString());
    const row = (await listSources(context.storage)).find((candidate) => candidate.id === id);
    if (!row) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
    return {
      source: { ...describeSource(row), customerMapping: customerMappingOf(row), unmatched: row.unmatched, ...row.deliveries },
    };
  });

  app.post('/v1/sources/:id/rotate', { config: adminRoles }, async (request, reply) => {
    const { id } = parseParams(SourceParamsSchema, request.params);
    const credential = await rotateSource(context.storage, id, new Date(context.clock()).toISOString());
    const source = await loadSource(context.storage, id);
    const kind = source?.config.kind ?? 'alertmanager';
    reply.header('cache-control', 'no-store');
    return { id, path: ingestPath(id, kind, credential), ...(usesHmac(kind) ? { secret: credential } : { token: credential }) };
  });

  app.delete('/v1/sources/:id', { config: adminRoles }, async (request, reply) => {
    const { id } = parseParams(SourceParamsSchema, request.params);
    const source = await loadSource(context.storage, id);
    if (!source) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
    if (source.row.origin === 'file')
      throw new ApiFailure(409, 'source_from_file', `source ${id} is declared in the --sources file: remove it there`);
    await context.storage.transaction((db) => deleteSource(db, id));
    return reply.code(204).send();
  });

  app.get('/v1/sources/:id/unmatched', { config: adminRoles }, async (request) => {
    const { id } = parseParams(SourceParamsSchema, request.params);
    if (!(await loadSource(context.storage, id))) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
    return { unmatched: await listUnmatched(context.storage, { sourceId: id, limit: 1_000 }) };
  });

  app.post('/v1/sources/:id/remap', { config: adminRoles }, async (request) => {
    const { id } = parseParams(SourceParamsSchema, request.params);
    const source = await loadSource(context.storage, id);
    if (!source) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
    return remapUnmatched({ storage: context.storage, newId: context.newId }, { id, config: source.config }, context.clock());
  });

  app.get('/v1/aliases', { config: adminRoles }, async () => ({ aliases: await listAliases(context.storage) }));

  app.put('/v1/aliases', { config: adminRoles }, async (request) => {
    const { aliases: items } = parseBody(batchEnvelope('aliases'), request.body) as { aliases: unknown[] };
    const aliases = parseBatch(AliasInputSchema, items, 'aliases', 10_000);
    const changed = await context.storage.transaction(async (db) => {
      const known = await existingCustomerIds(
        db,
        aliases.map((alias) => alias.customerId),
      );
      const unknown = aliases.findIndex((alias) => !known.has(alias.customerId));
      if (unknown >= 0)
        throw new ApiFailure(
          422,
          'unknown_customers',
          `aliases[${unknown}]: no customer ${aliases[unknown]?.customerId}; nothing was stored`,
          { index: unknown, field: 'customerId' },
        );
      return upsertAliases(
        db,
        aliases.map((alias) => ({ sourceId: alias.source ?? ANY_SOURCE, alias: alias.alias, customerId: alias.customerId })),
        new Date(context.clock()).toISOString(),
      );
    });
    return { received: aliases.length, changed };
  });
}

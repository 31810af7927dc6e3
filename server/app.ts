import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ApiError } from '../shared/sync/wire';
import { createStreamRegistry, registerStream } from './api/stream';
import { registerSyncRoutes } from './api/sync-routes';
import { registerWriteRoutes } from './api/write-routes';
import { registerRemediationRoutes, type RemediationOptions } from './api/remediation-routes';
import { registerWizardRoutes } from './api/wizard-routes';
import { setPrincipal, type RouteAuth, type RouteContext } from './api/context';
import { registerIdentityRoutes } from './api/identity-routes';
import { registerFollowUpRoutes } from './api/follow-up-routes';
import { registerNativeIngestRoutes } from './ingest/native';
import { registerIngestRoutes } from './ingest/routes';
import { registerProblemRoutes } from './api/problem-routes';
import { createAuthenticator } from './auth/authenticate';
import type { IdentityConfig } from './auth/config';
import { createAccessTokenVerifier } from './auth/oidc';
import { ApiFailure } from './errors';
import { describeBoundaryProblem, findBoundaryProblem, jsonTextTooDeep, MAX_JSON_DEPTH } from '../shared/boundary';
import { createIdGenerator } from './ids';
import { errorMessage, type Logger } from './log';
import { DEFAULT_DELAY_NOTICE_MS } from './repo/change-log';
import type { Storage } from './storage/types';
import { createPokeTailer } from './sync/tailer';

export type ServerOptions = {
  /** An opened, migrated storage (see `openStorage`); the caller closes it after the server. */
  storage: Storage;
  log: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** Reported by GET /v1/health. */
  version?: string;
  /** Pushes from desks with an older schemaVersion get 426 client_too_old. Default 1. */
  minSchemaVersion?: number;
  /** How often the poke tailer polls the change log. Default 150 ms. */
  pokeIntervalMs?: number;
  /** Comment lines on idle event streams. Default 15 s. */
  heartbeatMs?: number;
  /** Pulls say the server may be holding changes back once a write transaction has run this long. Default 5 s. */
  delayNoticeMs?: number;
  /** Largest request body. Default 32 MiB (a full ingest batch of large events). */
  bodyLimitBytes?: number;
  /** Remediation limits and the catalog of probes and actions (see api/remediation-routes.ts). */
  remediation?: RemediationOptions;
  /** People sign in with this OpenID provider (see auth/config.ts); without it only static tokens work. */
  identity?: IdentityConfig | null;
  /** How the server fetches the provider's metadata and keys (tests). */
  identityFetch?: typeof fetch;
  /** How often an open event stream re-checks its sign-in (expiry, revocation). Default 10 s. */
  authRecheckMs?: number;
};

const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** `METHOD /url` of every route the server registered (HEAD twins left out): what the fuzz suite must cover. */
export function registeredRoutes(app: FastifyInstance): string[] {
  return (ROUTES.get(app) ?? []).map((route) => `${route.method} ${route.url}`).sort();
}

/** Static tokens are short; access tokens (JWTs with group claims) can run to several kilobytes. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,16384})$/;

function fastifyErrorBody(error: FastifyError): { status: number; body: ApiError } | null {
  const status = error.statusCode ?? 500;
  if (status >= 500) return null;
  if (status === 413)
    return { status, body: { error: 'payload_too_large', message: 'the request body is larger than this server accepts' } };
  if (status === 415)
    return { status, body: { error: 'unsupported_media_type', message: 'send JSON with content-type: application/json' } };
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return { status: 400, body: { error: 'malformed_json', message: 'the body is empty; send a JSON object' } };
  if (status === 400 && (error instanceof SyntaxError || /JSON/i.test(error.code ?? '') || /JSON/.test(error.message))) {
    return { status: 400, body: { error: 'malformed_json', message: `the body is not valid JSON: ${error.message}` } };
  }
  return { status, body: { error: 'bad_request', message: error.message } };
}

/**
 * The reference operations backend as a Fastify app (not yet listening):
 * `await app.listen({ port: 0, host: '127.0.0.1' })`. Stateless over `storage`:
 * any number of these over one database behave as one server.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { storage, log } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 32 * 1024 * 1024,
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // The API speaks JSON only; a text body is a client mistake worth a clear 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  // Nesting is bounded on the text, before parsing (the size already is, by bodyLimit → 413).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonTextTooDeep(text)) {
      done(new ApiFailure(400, 'too_deep', `the body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
  const tailer = createPokeTailer({ storage, intervalMs: options.pokeIntervalMs ?? 150, log });
  const clock = options.clock ?? Date.now;
  const identity = options.identity ?? null;
  const verifier = identity ? createAccessTokenVerifier({ config: identity, clock, log, fetch: options.identityFetch }) : null;
  const authenticator = createAuthenticator({ db: storage, verifier, clock });
  const context: RouteContext = {
    storage,
    log,
    clock,
    newId: createIdGenerator(),
    tailer,
    minSchemaVersion: options.minSchemaVersion ?? 1,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    delayNoticeMs: options.delayNoticeMs ?? DEFAULT_DELAY_NOTICE_MS,
    authenticator,
    identity,
    authRecheckMs: options.authRecheckMs ?? 10_000,
    streams: createStreamRegistry(),
  };

  // Authentication runs before the body is read: an anonymous caller cannot make us parse 32 MiB.
  app.addHook('onRequest', async (request, reply) => {
    // Secure by default: only a route that says `roles: null` is public; one that says nothing needs some valid token.
    const roles = (request.routeOptions.config as Partial<RouteAuth> | undefined)?.roles;
    if (roles === null) return;
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiFailure(401, 'unauthorized', 'an Authorization: Bearer <token> header is required');
    }
    let principal;
    try {
      principal = await authenticator.authenticate(token);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
    if (roles !== undefined && !roles.some((role) => principal.roles.includes(role))) {
      const held = principal.roles.length > 0 ? `roles ${principal.roles.join(', ')}` : 'no role';
      throw new ApiFailure(
        403,
        principal.roles.length > 0 ? 'forbidden' : 'no_role',
        `${principal.name} (${held}) may not call ${request.method} ${request.routeOptions.url}: it needs ${roles.join(' or ')}` +
          (principal.kind === 'person' ? '; ask an admin to add you to a group that grants it' : ''),
        { needs: [...roles] },
      );
    }
    setPrincipal(request, principal, token);
  });

  // One boundary check for every route, before any schema: text PostgreSQL cannot store is the caller's mistake (400).
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['path parameter', request.params],
      ['query', request.query],
      ['', request.body],
    ];
    for (const [where, value] of parts) {
      // Raw bodies (producer webhooks read their bytes in server/ingest/) are checked where they are parsed.
      if (Buffer.isBuffer(value)) continue;
      const problem = findBoundaryProblem(value);
      if (!problem) continue;
      throw new ApiFailure(
        400,
        problem.kind === 'depth' ? 'too_deep' : 'invalid_text',
        `${where === '' ? '' : `${where} `}${describeBoundaryProblem(problem)}; nothing was stored`,
        { field: problem.path },
      );
    }
  });

  app.setErrorHandler((error: FastifyError | ApiFailure, request, reply) => {
    if (error instanceof ApiFailure) return reply.code(error.status).send(error.body);
    const known = fastifyErrorBody(error);
    if (known) return reply.code(known.status).send(known.body);
    log.error('request failed', {
      method: request.method,
      url: request.routeOptions.url,
      error: errorMessage(error),
      stack: error.stack,
    });
    return reply
      .code(500)
      .send({ error: 'internal', message: 'the server failed to handle this request; nothing was stored' } satisfies ApiError);
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ApiError),
  );

  app.get('/v1/health', { config: { roles: null } satisfies RouteAuth }, async (_request, reply) => {
    try {
      await storage.query('select 1');
    } catch (error) {
      log.warn('health check: storage unreachable', { error: errorMessage(error) });
      return reply.code(503).send({ error: 'storage_unavailable', message: 'the database is not reachable' } satisfies ApiError);
    }
    return { ok: true, version: options.version ?? 'dev', storage: storage.kind };
  });

  registerIdentityRoutes(app, context);
  registerSyncRoutes(app, context);
  registerWriteRoutes(app, context);
  registerNativeIngestRoutes(app, context);
  registerIngestRoutes(app, context);
  registerRemediationRoutes(app, context, options.remediation);
  registerWizardRoutes(app, context, options.remediation?.catalog ?? null);
  registerFollowUpRoutes(app, context);
  registerProblemRoutes(app, context);
  registerStream(app, context);

  // Open event streams would keep close() waiting forever.
  app.addHook('preClose', async () => context.streams.closeAll());
  app.addHook('onClose', async () => tailer.stop());
  return app;
}

import { isAscii } from 'node:buffer';
import { z } from 'zod';
import { MeSchema, type Me } from '../../shared/identity';
import { SOURCE_KINDS } from '../../shared/ingest-sources';
import {
  ApprovalDecisionSchema,
  ApprovalRequestSchema,
  ApprovalSchema,
  ExecuteRequestSchema,
  ExecutionSchema,
  PlanRequestSchema,
  PlanSchema,
  ProbeRequestSchema,
  ProbeResponseSchema,
  type Approval,
  type Execution,
  type Plan,
  type ProbeResponse,
} from '../../shared/remediation/wire';
import {
  ApiErrorSchema,
  PokeSchema,
  PushResponseSchema,
  SyncIdentitySchema,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type SyncIdentity,
} from '../../shared/sync/wire';
import { PullResponseCheck } from './pull-response';

/** A source as `GET /v1/sources` lists it (admins only); no credential is part of it. */
export const ServerSourceSchema = z.object({
  id: z.string(),
  kind: z.enum(SOURCE_KINDS),
  name: z.string(),
  origin: z.enum(['api', 'file']),
  path: z.string(),
  credential: z.enum(['url_token', 'hmac']),
  config: z.record(z.string(), z.unknown()),
  customerMapping: z.string(),
  unmatched: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  lastDeliveryAt: z.string().nullable(),
  lastRefusal: z.object({ at: z.string(), reason: z.string() }).nullable(),
});
export type ServerSource = z.output<typeof ServerSourceSchema>;

/** An item a source kept as unmatched (`GET /v1/sources/:id/unmatched`, admins only). */
export const ServerUnmatchedSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  customerRefs: z.array(z.string()),
  reason: z.string(),
  event: z.record(z.string(), z.unknown()),
  receivedAt: z.string(),
});
export type ServerUnmatched = z.output<typeof ServerUnmatchedSchema>;

const RemapAnswerSchema = z.object({ remapped: z.number().int().nonnegative(), stillUnmatched: z.number().int().nonnegative() });

/** What adding or rotating a source answers: its path and, once, its credential. */
const ServerCredentialSchema = z.object({
  id: z.string(),
  path: z.string(),
  token: z.string().optional(),
  secret: z.string().optional(),
});
export type ServerCredential = z.output<typeof ServerCredentialSchema>;

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Why a backend call failed; the sync engine decides from `kind` whether to retry. */
export type BackendErrorKind = 'network' | 'timeout' | 'http' | 'invalid';

/** A failed backend call, with what the engine needs to react to it. */
export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly retryAfterMs: number | null;
  readonly body: unknown;
  constructor(
    kind: BackendErrorKind,
    message: string,
    extra: { status?: number; code?: string; retryAfterMs?: number | null; body?: unknown } = {},
  ) {
    super(message);
    this.name = 'BackendError';
    this.kind = kind;
    this.status = extra.status ?? null;
    this.code = extra.code ?? null;
    this.retryAfterMs = extra.retryAfterMs ?? null;
    this.body = extra.body;
  }

  /** Network trouble, timeouts, 5xx and 429 are worth retrying; other answers are not. */
  get isRetryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind === 'http') return this.status === 429 || (this.status !== null && this.status >= 500);
    return this.kind === 'invalid';
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.min(date - now, 3_600_000));
}

/**
 * Where a call's bearer token comes from: a person's sign-in hands out fresh
 * access tokens (`force` after the server refused one: refresh now).
 */
export type TokenSource = { get(options?: { force?: boolean }): Promise<string> };

/** Connection settings. The token stays in the desk core; it is never sent to the renderer or logged. */
export type BackendConfig = { baseUrl: string; token: string | TokenSource };

/** Options for {@link createBackendClient}. */
export type BackendClientOptions = BackendConfig & {
  fetch?: typeof fetch;
  /** Whole-request timeout, including reading the body. */
  timeoutMs?: number;
  /**
   * How long the event stream may stay silent before it counts as broken. The
   * server sends a heartbeat every 15 s; a backend whose host froze or whose
   * network went away sends nothing, and no connection error ever arrives.
   */
  streamIdleMs?: number;
  now?: () => number;
};

/** A stream subscription; `closed` settles when the stream ends for any reason. */
export type StreamHandle = { close(): void; closed: Promise<BackendError | null> };

/** What an answer is checked with: a zod schema, or a check that answers as one (PullResponseCheck). */
type ResponseCheck<T> = { safeParse(json: unknown): z.ZodSafeParseResult<T> };

/** HTTP client for the reference backend's /v1 API. */
export function createBackendClient(options: BackendClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const streamIdleMs = options.streamIdleMs ?? 35_000;
  const now = options.now ?? Date.now;
  const base = options.baseUrl.replace(/\/+$/, '');
  const utf8 = new TextDecoder();
  const source = options.token;

  async function bearer(force = false): Promise<string> {
    if (typeof source === 'string') return source;
    try {
      return await source.get({ force });
    } catch (error) {
      // No sign-in (or it ended): the same as the server refusing the token, said in the desk's words.
      throw new BackendError('http', error instanceof Error ? error.message : String(error), {
        status: 401,
        code: 'unauthorized',
      });
    }
  }

  async function call<T>(method: HttpMethod, path: string, body: unknown, schema: ResponseCheck<T>): Promise<T> {
    try {
      return await attempt(method, path, body, schema, false);
    } catch (error) {
      // A person's access token may have been refused early (revoked, clock skew): refresh once and retry.
      if (typeof source === 'string' || !(error instanceof BackendError) || error.status !== 401) throw error;
      return attempt(method, path, body, schema, true);
    }
  }

  /**
   * A body as text. The reference server's pull answers are ASCII (issue 13): read as Latin-1 they become V8's
   * one-byte string in one copy, where `Response.text()` ran a UTF-8 decoder over every byte (100,000 events,
   * 64 MB: ~290 -> ~120 ms of desk CPU warm, ~790 -> ~260 ms cold). Anything else is decoded as UTF-8, as before.
   */
  function bodyText(bytes: Buffer): string {
    return isAscii(bytes) ? bytes.toString('latin1') : utf8.decode(bytes);
  }

  async function attempt<T>(
    method: HttpMethod,
    path: string,
    body: unknown,
    schema: ResponseCheck<T>,
    force: boolean,
  ): Promise<T> {
    const token = await bearer(force);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      text = bodyText(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      if (controller.signal.aborted)
        throw new BackendError('timeout', `The backend did not answer within ${timeoutMs / 1000} s.`);
      throw new BackendError(
        'network',
        `The backend is not reachable (${error instanceof Error ? error.message : String(error)}).`,
      );
    } finally {
      clearTimeout(timer);
    }
    let json: unknown;
    try {
      // 204 No Content (sign-out) has no body to parse.
      json = response.status === 204 ? undefined : JSON.parse(text);
    } catch {
      if (!response.ok) {
        throw new BackendError('http', `The backend answered ${response.status}.`, {
          status: response.status,
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
        });
      }
      throw new BackendError('invalid', 'The backend sent a response that is not valid JSON (truncated or corrupted).');
    }
    if (!response.ok) {
      const parsed = ApiErrorSchema.safeParse(json);
      throw new BackendError('http', parsed.success ? parsed.data.message : `The backend answered ${response.status}.`, {
        status: response.status,
        code: parsed.success ? parsed.data.error : undefined,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
        body: json,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BackendError('invalid', `The backend sent an unexpected response (${issue?.path.join('.')}: ${issue?.message}).`);
    }
    return parsed.data;
  }

  return {
    baseUrl: base,
    push: (request: PushRequest): Promise<PushResponse> => call('POST', '/v1/sync/push', request, PushResponseSchema),
    pull: (request: PullRequest): Promise<PullResponse> => call('POST', '/v1/sync/pull', request, PullResponseCheck),
    /** Which backend and which user this token is: local writes are sent only to the pair they were written for. */
    identity: (): Promise<SyncIdentity> => call('GET', '/v1/sync/identity', undefined, SyncIdentitySchema),
    health: () => call('GET', '/v1/health', undefined, z.object({ ok: z.boolean() }).loose()),
    /** Who the server says the caller is (name, roles, customers). */
    me: (): Promise<Me> => call('GET', '/v1/me', undefined, MeSchema),
    /** Ends this access token on the server (a person signing out); 204. */
    signOut: (): Promise<unknown> => call('POST', '/v1/sign-out', undefined, z.unknown()),

    /** Runs one read-only probe on the server (POST /v1/probes/:probe). */
    probe: (probe: string, request: z.input<typeof ProbeRequestSchema>): Promise<ProbeResponse> =>
      call('POST', `/v1/probes/${encodeURIComponent(probe)}`, ProbeRequestSchema.parse(request), ProbeResponseSchema),
    /** Asks the server for a dry-run plan of an action; nothing changes. */
    planAction: (request: z.input<typeof PlanRequestSchema>): Promise<Plan> =>
      call('POST', '/v1/actions/plan', PlanRequestSchema.parse(request), PlanSchema),
    /** Executes a plan once per idempotency key; a replayed key answers the first result. */
    executeAction: (request: z.input<typeof ExecuteRequestSchema>): Promise<Execution> =>
      call('POST', '/v1/actions/execute', ExecuteRequestSchema.parse(request), ExecutionSchema),
    /** Asks a second person to approve a high-risk plan. */
    requestApproval: (request: z.input<typeof ApprovalRequestSchema>): Promise<Approval> =>
      call('POST', '/v1/approvals', ApprovalRequestSchema.parse(request), ApprovalSchema),
    /** The current state of an approval request. */
    approval: (approvalId: string): Promise<Approval> =>
      call('GET', `/v1/approvals/${encodeURIComponent(approvalId)}`, undefined, ApprovalSchema),
    /** Approvals still waiting for a decision, of the customers this person may see. */
    pendingApprovals: (): Promise<Approval[]> =>
      call('GET', '/v1/approvals?status=pending', undefined, z.object({ approvals: z.array(ApprovalSchema) })).then(
        (answer) => answer.approvals,
      ),
    /** Grants or denies another person's approval request (approver). */
    decideApproval: (approvalId: string, decision: z.input<typeof ApprovalDecisionSchema>): Promise<Approval> =>
      call(
        'POST',
        `/v1/approvals/${encodeURIComponent(approvalId)}/decision`,
        ApprovalDecisionSchema.parse(decision),
        ApprovalSchema,
      ),

    /** Every ingest source with its deliveries (admin). */
    sources: (): Promise<ServerSource[]> =>
      call('GET', '/v1/sources', undefined, z.object({ sources: z.array(ServerSourceSchema) })).then((answer) => answer.sources),
    /** Registers a source (admin); the answer carries its credential, once. */
    addSource: (source: Record<string, unknown>): Promise<ServerCredential> =>
      call('POST', '/v1/sources', { source }, ServerCredentialSchema),
    /** Changes a source's settings (admin): the given config keys replace the stored ones. */
    updateSource: (id: string, source: Record<string, unknown>): Promise<ServerSource> =>
      call('PATCH', `/v1/sources/${encodeURIComponent(id)}`, { source }, z.object({ source: ServerSourceSchema })).then(
        (answer) => answer.source,
      ),
    /** A new credential for a source (admin); the old one stops at once. */
    rotateSource: (id: string): Promise<ServerCredential> =>
      call('POST', `/v1/sources/${encodeURIComponent(id)}/rotate`, {}, ServerCredentialSchema),
    /** A source's unmatched items, oldest first, up to the server's limit (admin). */
    unmatched: (id: string): Promise<ServerUnmatched[]> =>
      call(
        'GET',
        `/v1/sources/${encodeURIComponent(id)}/unmatched`,
        undefined,
        z.object({ unmatched: z.array(ServerUnmatchedSchema) }),
      ).then((answer) => answer.unmatched),
    /** Adds or changes aliases (admin); `source` null: an alias every source uses. */
    putAliases: (aliases: { source: string | null; alias: string; customerId: string }[]): Promise<{ changed: number }> =>
      call('PUT', '/v1/aliases', { aliases }, z.object({ received: z.number(), changed: z.number() })),
    /** Tries a source's unmatched items again (admin): those that now name a known customer are stored. */
    remapSource: (id: string): Promise<{ remapped: number; stillUnmatched: number }> =>
      call('POST', `/v1/sources/${encodeURIComponent(id)}/remap`, {}, RemapAnswerSchema),
    /** Removes a source (admin); 204. */
    removeSource: (id: string): Promise<unknown> =>
      call('DELETE', `/v1/sources/${encodeURIComponent(id)}`, undefined, z.unknown()),

    /**
     * Opens the event stream and calls `onPoke` with the bucket ids of each poke.
     * Malformed frames are ignored. Reconnecting is the caller's job.
     */
    stream(onPoke: (buckets: string[]) => void, onOpen?: () => void): StreamHandle {
      const controller = new AbortController();
      const closed = (async (): Promise<BackendError | null> => {
        let response: Response;
        let token: string;
        try {
          token = await bearer();
        } catch (error) {
          return error as BackendError;
        }
        try {
          response = await doFetch(`${base}/v1/stream`, {
            headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
            signal: controller.signal,
          });
        } catch (error) {
          if (controller.signal.aborted) return null;
          return new BackendError(
            'network',
            `The event stream is not reachable (${error instanceof Error ? error.message : String(error)}).`,
          );
        }
        if (!response.ok || !response.body) {
          await response.body?.cancel().catch(() => undefined);
          return new BackendError('http', `The event stream answered ${response.status}.`, {
            status: response.status,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
          });
        }
        onOpen?.();
        const decoder = new TextDecoder();
        let buffer = '';
        let isSilent = false;
        let idleTimer: ReturnType<typeof setTimeout> | undefined;
        const armIdle = () => {
          clearTimeout(idleTimer);
          idleTimer = setTimeout(() => {
            isSilent = true;
            controller.abort();
          }, streamIdleMs);
        };
        armIdle();
        try {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            armIdle();
            buffer += decoder.decode(chunk, { stream: true });
            let boundary = buffer.indexOf('\n\n');
            while (boundary !== -1) {
              const frame = buffer.slice(0, boundary);
              buffer = buffer.slice(boundary + 2);
              const data = frame
                .split('\n')
                .filter((line) => line.startsWith('data:'))
                .map((line) => line.slice(5).trimStart())
                .join('\n');
              if (data) {
                try {
                  const poke = PokeSchema.safeParse(JSON.parse(data));
                  if (poke.success) onPoke(poke.data.buckets);
                } catch {
                  // A malformed frame carries nothing we need: pokes are only hints to pull.
                }
              }
              boundary = buffer.indexOf('\n\n');
            }
          }
        } catch (error) {
          if (isSilent)
            return new BackendError(
              'timeout',
              `The event stream sent nothing for ${streamIdleMs / 1000} s (not even a heartbeat).`,
            );
          if (controller.signal.aborted) return null;
          return new BackendError(
            'network',
            `The event stream broke (${error instanceof Error ? error.message : String(error)}).`,
          );
        } finally {
          clearTimeout(idleTimer);
        }
        return controller.signal.aborted ? null : new BackendError('network', 'The event stream ended.');
      })();
      return { close: () => controller.abort(), closed };
    },
  };
}

/** The backend client type. */
export type BackendClient = ReturnType<typeof createBackendClient>;

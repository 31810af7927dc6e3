import type { FastifyInstance } from 'fastify';
import { CAPABILITIES } from '../../shared/identity';
import { bucketCustomerId } from '../../shared/sync/wire';
import { ApiFailure } from '../errors';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import { credentialOf, principalOf, type RouteAuth, type RouteContext } from './context';

const readRoles: RouteAuth = { roles: CAPABILITIES.read };
/** Buckets per poke line, so one bulk change does not make one huge line. */
const POKE_BUCKETS = 500;

function visibleTo(principal: Principal, bucket: string): boolean {
  const customerId = bucketCustomerId(bucket);
  return customerId === null || canSeeCustomer(principal, customerId);
}

/** The open event streams of this process, so a sign-out or revocation can end them at once. */
export type StreamRegistry = {
  add(stream: OpenStream): void;
  remove(stream: OpenStream): void;
  /** Ends every stream whose principal matches, telling the desk why. */
  closeWhere(matches: (principal: Principal) => boolean, reason: string): void;
  closeAll(): void;
};
type OpenStream = { principal: () => Principal; close(reason: string | null): void };

export function createStreamRegistry(): StreamRegistry {
  const open = new Set<OpenStream>();
  return {
    add: (stream) => open.add(stream),
    remove: (stream) => open.delete(stream),
    closeWhere(matches, reason) {
      for (const stream of [...open]) if (matches(stream.principal())) stream.close(reason);
    },
    closeAll() {
      for (const stream of [...open]) stream.close(null);
    },
  };
}

/** Ends this process's streams of the matching principals (other processes notice at their next check). */
export function closeStreamsOf(context: RouteContext, matches: (principal: Principal) => boolean): void {
  context.streams.closeWhere(matches, 'token_revoked');
}

/**
 * GET /v1/stream: server-sent events. Pokes name changed buckets the caller may
 * see and carry no data (the desk pulls); comments keep proxies from timing out.
 * The sign-in is checked again every `authRecheckMs`: a token that expired or was
 * revoked (by sign-out, an admin, or deleting a static token) ends the stream
 * with a last `{"type":"closed","reason"}` line, and the desk reconnects with a
 * fresh token or asks the user to sign in.
 */
export function registerStream(app: FastifyInstance, context: RouteContext): void {
  app.get('/v1/stream', { config: readRoles }, async (request, reply) => {
    let principal = principalOf(request);
    const token = credentialOf(request);
    let isOpen = false;
    const write = (text: string) => {
      if (isOpen && !reply.raw.destroyed) reply.raw.write(text);
    };
    const subscription = context.tailer.subscribe((buckets) => {
      const visible = buckets.filter((bucket) => visibleTo(principal, bucket));
      for (let start = 0; start < visible.length; start += POKE_BUCKETS) {
        write(`data: ${JSON.stringify({ type: 'poke', buckets: visible.slice(start, start + POKE_BUCKETS) })}\n\n`);
      }
    });
    try {
      await subscription.ready;
    } catch {
      subscription.unsubscribe();
      throw new ApiFailure(503, 'storage_unavailable', 'the change feed is not available right now; retry');
    }

    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    isOpen = true;
    write('retry: 3000\n: connected\n\n');
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), context.heartbeatMs);
    let isChecking = false;
    const recheck = setInterval(() => {
      if (isChecking) return;
      isChecking = true;
      void context.authenticator
        .recheck(principal, token)
        .then((result) => {
          if ('reason' in result) stream.close(result.reason);
          else principal = result.principal;
        })
        .finally(() => {
          isChecking = false;
        });
    }, context.authRecheckMs);

    const stream: OpenStream = {
      principal: () => principal,
      close(reason) {
        if (!isOpen) return;
        if (reason !== null) write(`data: ${JSON.stringify({ type: 'closed', reason })}\n\n`);
        isOpen = false;
        clearInterval(heartbeat);
        clearInterval(recheck);
        subscription.unsubscribe();
        context.streams.remove(stream);
        reply.raw.end();
      },
    };
    context.streams.add(stream);
    reply.raw.on('close', () => stream.close(null));
  });
}

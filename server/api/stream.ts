import type { FastifyInstance } from 'fastify';
import { bucketCustomerId } from '../../shared/sync/wire';
import { ApiFailure } from '../errors';
import { canSeeCustomer, type Principal } from '../repo/tokens';
import { principalOf, type RouteAuth, type RouteContext } from './context';

const deskRoles: RouteAuth = { roles: ['desk', 'admin'] };
/** Buckets per poke line, so one bulk change does not make one huge line. */
const POKE_BUCKETS = 500;

function visibleTo(principal: Principal, bucket: string): boolean {
  const customerId = bucketCustomerId(bucket);
  return customerId === null || canSeeCustomer(principal, customerId);
}

/**
 * GET /v1/stream: server-sent events. Pokes name changed buckets the token may
 * see and carry no data (the desk pulls); comments keep proxies from timing out.
 */
export function registerStream(app: FastifyInstance, context: RouteContext): { closeAll(): void } {
  const open = new Set<() => void>();

  app.get('/v1/stream', { config: deskRoles }, async (request, reply) => {
    const principal = principalOf(request);
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

    const close = () => {
      if (!isOpen) return;
      isOpen = false;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      open.delete(close);
      reply.raw.end();
    };
    open.add(close);
    reply.raw.on('close', close);
  });

  return {
    closeAll() {
      for (const close of [...open]) close();
    },
  };
}

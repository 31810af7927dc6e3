import type { FastifyRequest } from 'fastify';
import { ApiFailure } from '../errors';
import type { Logger } from '../log';
import type { Principal, TokenRole } from '../repo/tokens';
import type { Storage } from '../storage/types';
import type { PokeTailer } from '../sync/tailer';

/** What route handlers share. Nothing here is state a second process would need. */
export type RouteContext = {
  storage: Storage;
  log: Logger;
  clock: () => number;
  newId: (time: number) => string;
  tailer: PokeTailer;
  minSchemaVersion: number;
  heartbeatMs: number;
  /** Pulls report `delayedSince` for write transactions running longer than this. */
  delayNoticeMs: number;
};

/** Route config: which roles may call it; `null` for the one public route. */
export type RouteAuth = { roles: readonly TokenRole[] | null };

const principals = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/** The caller of an authenticated route (set by the auth hook before the handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new ApiFailure(401, 'unauthorized', 'a bearer token is required');
  return principal;
}

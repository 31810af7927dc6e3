import type { FastifyRequest } from 'fastify';
import type { AccessRole } from '../../shared/identity';
import type { Authenticator } from '../auth/authenticate';
import type { IdentityConfig } from '../auth/config';
import { ApiFailure } from '../errors';
import type { Logger } from '../log';
import type { Principal } from '../repo/tokens';
import type { Storage } from '../storage/types';
import type { PokeTailer } from '../sync/tailer';
import type { StreamRegistry } from './stream';

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
  authenticator: Authenticator;
  /** Null when people cannot sign in here (static tokens only). */
  identity: IdentityConfig | null;
  /** How often an open event stream checks that its sign-in still holds. */
  authRecheckMs: number;
  /** This process's open event streams. */
  streams: StreamRegistry;
};

/**
 * Route config: any one of these roles may call it (lists from `CAPABILITIES` in
 * shared/identity.ts); `null` for public routes; omitted: any valid caller.
 */
export type RouteAuth = { roles: readonly AccessRole[] | null };

const principals = new WeakMap<FastifyRequest, { principal: Principal; token: string }>();

export function setPrincipal(request: FastifyRequest, principal: Principal, token: string): void {
  principals.set(request, { principal, token });
}

/** The bearer token the caller presented (event streams check it again later). */
export function credentialOf(request: FastifyRequest): string {
  const entry = principals.get(request);
  if (!entry) throw new ApiFailure(401, 'unauthorized', 'a bearer token is required');
  return entry.token;
}

/** The caller of an authenticated route (set by the auth hook before the handler runs). */
export function principalOf(request: FastifyRequest): Principal {
  const entry = principals.get(request);
  if (!entry) throw new ApiFailure(401, 'unauthorized', 'a bearer token is required');
  return entry.principal;
}

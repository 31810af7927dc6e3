import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from './domain';

/**
 * Who is at the desk (issue 14). People sign in with the company's identity
 * provider; the server maps their claims to roles and customer scopes and is the
 * authority. The desk uses the same table to hide what a user cannot do.
 */

/** The roles a person can hold. Several may apply at once (one per group, say). */
export const ROLES = ['viewer', 'operator', 'approver', 'author', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles plus `ingest`, which only static tokens of event sources carry. */
export const ACCESS_ROLES = [...ROLES, 'ingest'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

/**
 * What each kind of call needs: any one of the listed roles. Server routes are
 * guarded with these lists and the desk hides controls with {@link can}, so the
 * two cannot disagree.
 */
export const CAPABILITIES = {
  /** Read the synced data: pull, the event stream, wizards, actions, approvals. */
  read: ['viewer', 'operator', 'approver', 'author', 'admin'],
  /** Write notes (pushed through the outbox). Everyone but a viewer. */
  write: ['operator', 'approver', 'author', 'admin'],
  /** Run wizards: probes, plans, low- and medium-risk actions, asking for approval, recording runs. */
  operate: ['operator', 'admin'],
  /** Decide other people's approval requests (high-risk actions). */
  approve: ['approver', 'admin'],
  /** Publish wizards and catalogs. */
  author: ['author', 'admin'],
  /** Customers, releases, tokens, the audit trail, revoking people. */
  administer: ['admin'],
  /** Send events (static tokens of event sources). */
  ingest: ['ingest', 'admin'],
} as const satisfies Record<string, readonly AccessRole[]>;
export type Capability = keyof typeof CAPABILITIES;

/** Whether holding `roles` allows `capability`. */
export function can(roles: readonly AccessRole[], capability: Capability): boolean {
  const allowed: readonly AccessRole[] = CAPABILITIES[capability];
  return roles.some((role) => allowed.includes(role));
}

/** Which customers someone may see: all of them, or those in some regions plus some listed ones. */
export const CustomerAccessSchema = z.union([
  z.literal('all'),
  z.strictObject({
    regions: z.array(z.string().min(1).max(64)).max(1000).default([]),
    ids: z.array(CustomerIdSchema).max(100_000).default([]),
  }),
]);
export type CustomerAccess = z.output<typeof CustomerAccessSchema>;

/** GET /v1/me: the caller as the server sees them. */
export const MeSchema = z.object({
  /** Stable id (the identity provider's subject, or a static token's user). */
  userId: z.string(),
  /** The name people read on notes, runs, approvals and the audit trail. */
  name: z.string(),
  email: z.string().nullable().default(null),
  /** `person`: signed in with the identity provider; `token`: a static token (ingest sources, automation). */
  kind: z.enum(['person', 'token']),
  roles: z.array(z.enum(ACCESS_ROLES)),
  customers: CustomerAccessSchema,
  /** When the presented access token expires (persons), else null. */
  expiresAt: IsoTimeSchema.nullable(),
});
export type Me = z.output<typeof MeSchema>;

/**
 * GET /v1/identity (public): how a desk signs people in to this server. `token`:
 * the server has no identity provider configured (a demo or an automation-only
 * server); `oidc`: OpenID Connect, authorization code with PKCE.
 */
export const IdentityInfoSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('token') }),
  z.object({
    mode: z.literal('oidc'),
    issuer: z.url(),
    clientId: z.string().min(1),
    scopes: z.string().min(1),
    /** Extra authorization request parameters the provider needs (e.g. `resource` or `audience`). */
    authorizationParams: z.record(z.string(), z.string()).default({}),
  }),
]);
export type IdentityInfo = z.output<typeof IdentityInfoSchema>;

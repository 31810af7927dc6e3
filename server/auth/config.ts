import fs from 'node:fs';
import { z } from 'zod';
import { CustomerAccessSchema, ROLES, type CustomerAccess, type Role } from '../../shared/identity';
import { errorMessage } from '../log';
import { describeZodIssues } from '../../shared/issues';

/*
 * The identity configuration of a server (`--identity-config <file>`, env
 * LIGHTKEEPER_IDENTITY_CONFIG): which OpenID provider people sign in with, how its
 * access tokens are checked, and how their claims map to roles and customer
 * scopes. docs/deploy.md ("Deploy for a team") walks through a setup.
 *
 *   { "issuer": "https://login.example.com/realms/ops",
 *     "audience": "https://lightkeeper.example.com/api",
 *     "desk": { "clientId": "lightkeeper-desk" },
 *     "rules": [
 *       { "claim": "groups", "equals": "support-l1", "roles": ["operator"], "customers": "all" },
 *       { "claim": "groups", "equals": "support-eu", "roles": ["viewer"], "customers": { "regions": ["eu-west-1"] } },
 *       { "claim": "groups", "equals": "lightkeeper-admins", "roles": ["admin"] } ] }
 */

/** A claim name, or a dotted path into nested claims (`realm_access.roles`). */
const ClaimPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_:/.-]+$/, 'must be a claim name or a dotted path');

/** One mapping rule: a person whose claim holds the value gets these roles and customers (rules add up). */
export const AccessRuleSchema = z
  .strictObject({
    claim: ClaimPathSchema,
    /** Matches when the claim is this string, or an array containing it. */
    equals: z.string().min(1).max(500),
    roles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
    customers: CustomerAccessSchema.optional(),
  })
  .refine((rule) => rule.roles.length > 0 || rule.customers !== undefined, {
    message: 'a rule must give roles, customers or both',
  });
export type AccessRule = z.output<typeof AccessRuleSchema>;

export const IdentityConfigSchema = z.strictObject({
  /** The provider's issuer, exactly as its tokens' `iss` claim says. */
  issuer: z.url(),
  /** What the API's access tokens carry in `aud`. */
  audience: z.string().min(1).max(500),
  /** Where the signing keys are; discovered from the issuer's metadata when omitted. */
  jwksUri: z.url().optional(),
  /** Accepted signature algorithms (never `none`, never a shared secret). */
  algorithms: z
    .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
    .min(1)
    .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
  /** Allowed difference between the provider's clock and ours when checking `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: z.int().min(0).max(600).default(60),
  /** What desks need to sign people in (served by GET /v1/identity; nothing secret). */
  desk: z.strictObject({
    clientId: z.string().min(1).max(500),
    scopes: z.string().min(1).max(1000).default('openid profile email offline_access'),
    /** Extra authorization parameters, e.g. `{ "resource": "<audience>" }` or `{ "audience": "<audience>" }`. */
    authorizationParams: z.record(z.string().max(100), z.string().max(2000)).default({}),
  }),
  claims: z
    .strictObject({
      /** The stable id of a person. */
      userId: ClaimPathSchema.default('sub'),
      /** The name people read; the first claim present wins. */
      name: z.array(ClaimPathSchema).min(1).default(['name', 'preferred_username', 'email']),
      email: ClaimPathSchema.default('email'),
    })
    .default({ userId: 'sub', name: ['name', 'preferred_username', 'email'], email: 'email' }),
  rules: z.array(AccessRuleSchema).max(1000).default([]),
});
export type IdentityConfig = z.output<typeof IdentityConfigSchema>;

/** Reads and checks an identity config file; the error names every problem. */
export function loadIdentityConfig(file: string): IdentityConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`identity config ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return parseIdentityConfig(raw, file);
}

/** Checks an identity config value (from a file, or given in-process). */
export function parseIdentityConfig(raw: unknown, source = 'identity config'): IdentityConfig {
  const parsed = IdentityConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source}: ${describeZodIssues(parsed.error, 20)}`);
  const issuer = new URL(parsed.data.issuer);
  if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname))
    throw new Error(`${source}: issuer must be an https:// URL (plain http only on 127.0.0.1 or localhost)`);
  return parsed.data;
}

/** Plain http is acceptable only to this machine (a provider the tests start, a local proxy). */
export function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/** The value at a dotted claim path, or undefined. */
export function claimAt(claims: Readonly<Record<string, unknown>>, claimPath: string): unknown {
  if (Object.hasOwn(claims, claimPath)) return claims[claimPath];
  let value: unknown = claims;
  for (const part of claimPath.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function claimHolds(value: unknown, wanted: string): boolean {
  if (typeof value === 'string') return value === wanted;
  if (Array.isArray(value)) return value.some((item) => item === wanted);
  return false;
}

/** Union of two customer scopes. */
function widen(current: CustomerAccess | null, next: CustomerAccess): CustomerAccess {
  if (current === 'all' || next === 'all') return 'all';
  if (current === null) return next;
  return {
    regions: [...new Set([...current.regions, ...next.regions])],
    ids: [...new Set([...current.ids, ...next.ids])],
  };
}

/**
 * Roles and customer scope for a person's claims: every matching rule adds. An
 * admin always sees every customer; anyone else without a customers rule sees none.
 */
export function accessFor(rules: readonly AccessRule[], claims: Readonly<Record<string, unknown>>) {
  const roles = new Set<Role>();
  let customers: CustomerAccess | null = null;
  for (const rule of rules) {
    if (!claimHolds(claimAt(claims, rule.claim), rule.equals)) continue;
    for (const role of rule.roles) roles.add(role);
    if (rule.customers !== undefined) customers = widen(customers, rule.customers);
  }
  if (roles.has('admin')) customers = 'all';
  return {
    roles: ROLES.filter((role) => roles.has(role)),
    customers: customers ?? { regions: [], ids: [] },
  };
}

import { ACCESS_ROLES, CAPABILITIES, can, type AccessRole, type Capability } from '../../../shared/identity';
import { useStore } from '../store/store';

/** What a capability needs, in the words a tooltip uses: "the approver role". */
const NEEDED_ROLE: Record<Capability, string> = {
  read: 'the viewer role',
  write: 'the operator role',
  operate: 'the operator role',
  approve: 'the approver role',
  author: 'the author role',
  administer: 'the admin role',
  ingest: 'an ingest token',
};

export type Permission = { isAllowed: true; reason: null } | { isAllowed: false; reason: string };

function isAccessRole(role: string): role is AccessRole {
  return (ACCESS_ROLES as readonly string[]).includes(role);
}

/**
 * Whether the signed-in user may do `capability`, by the same table the server
 * enforces (`shared/identity.ts`), with the reason in words when not. The desk
 * only hides and explains: the server stays the authority (a forged call gets
 * 403). While nobody is known yet (starting, offline before the first sign-in)
 * nothing is held back; the server answers for it.
 */
export function permissionFor(roles: readonly string[] | null, capability: Capability): Permission {
  if (roles === null) return { isAllowed: true, reason: null };
  const held = roles.filter(isAccessRole);
  if (can(held, capability)) return { isAllowed: true, reason: null };
  const [, ...others] = CAPABILITIES[capability];
  const yours = held.length === 0 ? 'you have no role on this server' : `you are ${held.join(', ')}`;
  return {
    isAllowed: false,
    reason: `Needs ${NEEDED_ROLE[capability]}${others.length > 0 ? ` (or ${others.join(', ')})` : ''}; ${yours}.`,
  };
}

/** {@link permissionFor} the user at the desk. */
export function useCapability(capability: Capability): Permission {
  const roles = useStore((state) => state.identity?.user?.roles ?? null);
  return permissionFor(roles, capability);
}

import { useCallback } from 'react';
import { useStore } from '../store/store';

/** The signed-in user as records name them: their display name and their id (approvals carry ids). */
export type Me = { userId: string; name: string } | null;

/**
 * How a person on a record reads: "Dana Desk (you)" for the signed-in user
 * (issue 14), else their name. Records carry the name the server gave them,
 * so a note written here and one that came back through sync read alike.
 */
export function personLabel(person: string | null | undefined, me: Me, userId?: string | null): string {
  if (person === null || person === undefined || person === '') return userId ?? '';
  const isMe = me !== null && (userId ? userId === me.userId : person === me.name);
  return isMe ? `${person} (you)` : person;
}

/** Whether a record's person is the signed-in user (by id when the record has one). */
export function isMe(me: Me, person: { name?: string | null; userId?: string | null }): boolean {
  if (me === null) return false;
  if (person.userId) return person.userId === me.userId;
  return person.name !== null && person.name !== undefined && person.name === me.name;
}

/** The signed-in user, or null while nobody is known. */
export function useMe(): Me {
  const userId = useStore((state) => state.identity?.user?.userId ?? null);
  const name = useStore((state) => state.identity?.user?.name ?? null);
  return userId !== null && name !== null ? { userId, name } : null;
}

/** {@link personLabel} for the user at the desk. */
export function usePersonLabel(): (person: string | null | undefined, userId?: string | null) => string {
  const me = useMe();
  const userId = me?.userId ?? null;
  const name = me?.name ?? null;
  return useCallback(
    (person, id) => personLabel(person, userId !== null && name !== null ? { userId, name } : null, id),
    [userId, name],
  );
}

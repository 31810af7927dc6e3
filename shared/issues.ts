/** How zod issues are told to people: one formatter for the desk core, the server and the wizard tools. */

/** The part of a zod issue a message needs (zod's `$ZodIssue` has it, and so do hand-made issues). */
export type IssueLike = { readonly path: readonly PropertyKey[]; readonly message: string };

/** `events[3].source.externalId`: where in the input an issue is. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

/** `a.b: message; c[0]: message` for the first `limit` issues. */
export function describeZodIssues(error: { readonly issues: readonly IssueLike[] }, limit = 5): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => (issue.path.length > 0 ? `${issuePath(issue.path)}: ${issue.message}` : issue.message))
    .join('; ');
}

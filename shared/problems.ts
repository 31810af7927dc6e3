import { z } from 'zod';
import { CustomerIdSchema, IsoTimeSchema } from './domain';
import { TicketUrlSchema } from './follow-ups';
import { compareVersions } from './versions';

/**
 * Known problems (issue 12): one failure seen on several customers or again and
 * again on one, tracked until its permanent fix ships — and watched after that.
 * A problem names the signatures it covers (shared/signature.ts); customers are
 * linked by those signatures automatically and by hand too. Its lifecycle:
 *
 *   investigating → known error (with a workaround wizard) → fixed in version X → closed
 *
 * A signature of a fixed (or closed) problem that shows up on a customer already
 * on a version ≥ the fixed one after the fix was marked is a *regression*.
 */

export const PROBLEM_STATUSES = ['investigating', 'known_error', 'fixed', 'closed'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

export const PROBLEM_STATUS_LABELS: Record<ProblemStatus, string> = {
  investigating: 'Investigating',
  known_error: 'Known error',
  fixed: 'Fixed',
  closed: 'Closed',
};

/** A rule: one exact signature, or every signature starting with a prefix (`alert:exportjoblag:`: that alert, any labels). */
export const SignatureRuleSchema = z.union([
  z.strictObject({ signature: z.string().min(3).max(200) }),
  z.strictObject({
    prefix: z
      .string()
      .min(3)
      .max(200)
      .regex(/^(alert|error|incident):/, 'must start with alert:, error: or incident:'),
  }),
]);
export type SignatureRule = z.infer<typeof SignatureRuleSchema>;

/** A problem as the wire and the cache carry it (global bucket, entity `problem`). */
export const ProblemSchema = z.object({
  id: z.string().min(1).max(64),
  title: z.string().min(1).max(300),
  status: z.enum(PROBLEM_STATUSES),
  rules: z.array(SignatureRuleSchema).max(50),
  /** Customers linked by hand (others are found by signature). */
  customers: z.array(CustomerIdSchema).max(10_000),
  workaroundWizard: z.string().max(100).nullable(),
  fixedVersion: z.string().max(64).nullable(),
  /** When the problem was marked fixed: a hit after this on a fixed version is a regression. */
  fixedAt: IsoTimeSchema.nullable(),
  owner: z.string().max(200).nullable(),
  /** What to do meanwhile, in words (the wizard does it; this says it for people). Null from servers before it. */
  workaround: z.string().max(4000).nullable().default(null),
  /** The ticket that tracks the problem, and the change that fixes it (an http(s) link each). */
  ticketUrl: z.string().max(2000).nullable().default(null),
  fixUrl: z.string().max(2000).nullable().default(null),
  createdBy: z.string().max(200),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
});
export type Problem = z.infer<typeof ProblemSchema>;

const Title = z.string().trim().min(1, 'must not be empty').max(300);
/** A product version the fix ships in (`26.12.1`, `v27.1.0-rc.1`): what compareVersions orders. */
const FixedVersion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^v?\d+(\.\d+)*(-[0-9A-Za-z.-]+)?$/, 'must be a version such as 26.12.1');

/** The fields an edit may set. */
export const ProblemFieldsSchema = z.strictObject({
  title: Title,
  status: z.enum(PROBLEM_STATUSES),
  rules: z.array(SignatureRuleSchema).max(50),
  customers: z.array(CustomerIdSchema).max(10_000),
  workaroundWizard: z.string().min(1).max(100).nullable(),
  fixedVersion: FixedVersion.nullable(),
  owner: z.string().trim().min(1).max(200).nullable(),
  workaround: z.string().trim().min(1).max(4000).nullable(),
  ticketUrl: TicketUrlSchema.nullable(),
  fixUrl: TicketUrlSchema.nullable(),
});
export type ProblemFields = z.infer<typeof ProblemFieldsSchema>;
export type ProblemField = keyof ProblemFields;
export const PROBLEM_FIELDS = Object.keys(ProblemFieldsSchema.shape) as ProblemField[];

/** The prefix of a revision field that holds the value an edit replaced (`replaced:status`), as for follow-ups. */
export { REPLACED_PREFIX as REPLACED_FIELD_PREFIX } from './follow-ups';

/** Each field in words, for messages and history. */
export const PROBLEM_FIELD_WORDS: Record<ProblemField, string> = {
  title: 'title',
  status: 'status',
  rules: 'signatures',
  customers: 'customers linked by hand',
  workaroundWizard: 'workaround wizard',
  fixedVersion: 'fixed version',
  owner: 'owner',
  workaround: 'workaround',
  ticketUrl: 'ticket link',
  fixUrl: 'fix link',
};

/**
 * A field's value as text, the form edits carry as their base and revisions
 * keep (lists as JSON, a cleared value as the empty string), so both sides
 * compare the same way.
 */
export function problemFieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * `problem.create`: from a signal (its signature as the rule, its customer
 * linked), a run (its customer), or a set of customers; id made by the desk.
 */
export const ProblemCreateArgsSchema = z.strictObject({
  problemId: z.string().min(1).max(64),
  title: Title,
  rules: z.array(SignatureRuleSchema).max(50).default([]),
  customers: z.array(CustomerIdSchema).max(10_000).default([]),
  owner: z.string().trim().min(1).max(200).nullable().default(null),
  workaroundWizard: z.string().min(1).max(100).nullable().default(null),
  workaround: z.string().trim().min(1).max(4000).nullable().default(null),
  ticketUrl: TicketUrlSchema.nullable().default(null),
});
export type ProblemCreateArgs = z.input<typeof ProblemCreateArgsSchema>;

/**
 * `problem.update`: the fields changed, and what the author's desk showed for
 * them when the edit began (`base`, as {@link problemFieldText}) with the
 * newest version it had seen. As follow-ups do (docs/sync.md, section 4): per
 * field, last writer wins, and an edit that replaced a value someone else set
 * meanwhile is applied and reported (`replaced:<field>` in its revision).
 */
export const ProblemUpdateArgsSchema = z.strictObject({
  problemId: z.string().min(1).max(64),
  baseVer: z.number().int().nonnegative(),
  set: ProblemFieldsSchema.partial().refine((set) => Object.keys(set).length > 0, 'must change at least one field'),
  base: z.record(z.string(), z.string().max(1_000_000).nullable()).default({}),
});
export type ProblemUpdateArgs = z.input<typeof ProblemUpdateArgsSchema>;

/**
 * Why a problem may not take these values, or null. A known error needs its
 * workaround wizard; fixed needs the version that carries the fix. Any status
 * may go back to investigating (a regression reopens it) or on to closed.
 */
export function problemChangeError(
  next: Pick<Problem, 'status' | 'workaroundWizard' | 'fixedVersion' | 'rules' | 'customers'>,
): string | null {
  if (next.status === 'known_error' && next.workaroundWizard === null)
    return 'a known error needs its workaround wizard: set workaroundWizard to the wizard that works around it';
  if (next.status === 'fixed' && next.fixedVersion === null)
    return 'a fixed problem needs the version that carries the fix: set fixedVersion (e.g. 26.12.1)';
  if (next.rules.length === 0 && next.customers.length === 0)
    return 'a problem needs a signature rule or a customer, or nothing can ever be linked to it';
  return null;
}

/** Whether a signature falls under a problem's rules. */
export function matchesRules(signature: string | null, rules: readonly SignatureRule[]): boolean {
  if (signature === null) return false;
  return rules.some((rule) => ('signature' in rule ? rule.signature === signature : signature.startsWith(rule.prefix)));
}

/** What one customer's signals say about a problem: recurrence, and regression after the fix. */
export type ProblemHit = {
  customerId: string;
  /** Linked by a matching signature, by hand, or both. */
  linkedBy: 'signature' | 'hand' | 'both';
  /** How many matching signals (recurrence), and the first and last. */
  occurrences: number;
  firstAt: string | null;
  lastAt: string | null;
  /** Set when the signature appeared after the fix was marked on a customer on a version ≥ the fixed one. */
  regression: { at: string; version: string } | null;
};

/** One customer's matching signals, counted (the server and the desk both read them with one grouped query). */
export type SignalCounts = {
  customerId: string;
  /** The version the customer runs now. */
  version: string;
  occurrences: number;
  firstAt: string | null;
  lastAt: string | null;
  /** The newest matching signal after the problem was marked fixed, if any. */
  lastAfterFixAt: string | null;
};

/** Whether a problem is past its fix, so new signals of it are regressions. */
export function isPastFix(problem: Pick<Problem, 'status' | 'fixedVersion' | 'fixedAt'>): boolean {
  return (problem.status === 'fixed' || problem.status === 'closed') && problem.fixedVersion !== null && problem.fixedAt !== null;
}

/**
 * One customer's standing against a problem. Only the customer's current
 * version is known (on the server and the desk alike), so a signal after the
 * fix counts as a regression when the customer runs the fixed version or a
 * newer one (compareVersions, SemVer order) — a customer still below it is
 * simply not fixed yet.
 */
export function assessHit(
  problem: Pick<Problem, 'status' | 'fixedVersion' | 'fixedAt' | 'customers'>,
  counts: SignalCounts,
): ProblemHit {
  const isHand = problem.customers.includes(counts.customerId);
  const isOnFix =
    isPastFix(problem) && problem.fixedVersion !== null && compareVersions(counts.version, problem.fixedVersion) >= 0;
  return {
    customerId: counts.customerId,
    linkedBy: counts.occurrences > 0 ? (isHand ? 'both' : 'signature') : 'hand',
    occurrences: counts.occurrences,
    firstAt: counts.firstAt,
    lastAt: counts.lastAt,
    regression: isOnFix && counts.lastAfterFixAt !== null ? { at: counts.lastAfterFixAt, version: counts.version } : null,
  };
}

/**
 * The wizard to offer first on a customer a problem hits: a known error's
 * workaround, and a regressed problem's (its fix did not hold there); none for
 * a problem still under investigation, or fixed and quiet.
 */
export function suggestedWorkaround(
  problem: Pick<Problem, 'status' | 'workaroundWizard'>,
  hit: Pick<ProblemHit, 'regression'>,
): string | null {
  return problem.status === 'known_error' || hit.regression !== null ? problem.workaroundWizard : null;
}

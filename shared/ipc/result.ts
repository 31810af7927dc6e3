/**
 * Error codes that cross the contract boundary. Each one tells the user (or the
 * calling code) what kind of next step makes sense.
 */
export const ERROR_CODES = [
  'bad_request',
  'not_found',
  'forbidden',
  'conflict',
  'unavailable',
  'offline',
  'cache_too_new',
  'internal',
  /** A sign-in is needed (none yet, or it ended): sign in on the Sync page. */
  'unauthorized',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A failure that may cross the boundary: a stable code plus a human sentence saying what to do next. */
export type ContractError = { code: ErrorCode; message: string };

/** What every contract call answers: never a raw exception. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

/** Builds a success result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failure result. */
export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/**
 * An error the desk core throws on purpose; the registration layer turns it into
 * `{ ok: false, error }`. Anything else thrown becomes `internal`.
 */
export class DeskError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DeskError';
    this.code = code;
  }
}

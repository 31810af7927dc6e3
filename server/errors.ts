import type { ApiError } from '../shared/sync/wire';

/**
 * An expected failure with its HTTP status and JSON body (ApiErrorSchema).
 * Anything else thrown becomes a 500 `internal` whose details stay in the log.
 */
export class ApiFailure extends Error {
  readonly status: number;
  readonly body: ApiError;

  constructor(status: number, error: string, message: string, extra: Omit<ApiError, 'error' | 'message'> = {}) {
    super(message);
    this.status = status;
    this.body = { error, message, ...extra };
  }
}

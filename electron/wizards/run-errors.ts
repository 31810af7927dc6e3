import type { ErrorCode } from '../../shared/ipc/result';
import type { RunError } from '../../shared/wizards/run-state';
import { BackendError } from '../backend/client';

/** Why a run waits and what went wrong, in the words the operator reads; shared by the run host's parts. */

/** Why an action or probe waits: said to the operator as is. */
export const OFFLINE_ACTION_REASON = 'Actions need a live connection to the backend; reconnect, then press Retry.';
export const OFFLINE_PROBE_REASON = 'Server probes need a live connection to the backend; reconnect, then press Retry.';
export const RESTARTED_EXECUTION_REASON =
  'The desk restarted while this action was being executed, so its outcome is unknown. Press Retry to ask the server: the retry sends the same idempotency key, so the action cannot run twice.';

/** An engine refusal of an event the host itself produced. */
export class EngineRefusal extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

/** The contract error code for an engine refusal of what the operator asked. */
export function refusalCode(error: RunError): ErrorCode {
  switch (error.code) {
    case 'invalid-event':
    case 'invalid-input':
    case 'invalid-result':
    case 'confirmation-required':
      return 'bad_request';
    case 'practice-violation':
      return 'forbidden';
    default:
      return 'conflict';
  }
}

/** An error's message, or the thrown value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Network trouble, timeouts, garbled answers, 5xx and 429: the request may be sent again. */
export function isTransient(error: unknown): boolean {
  return !(error instanceof BackendError) || error.isRetryable;
}

/** `base`, with the network or timeout error that made the connection fail. */
export function connectionReason(base: string, error: unknown): string {
  return error instanceof BackendError && (error.kind === 'network' || error.kind === 'timeout')
    ? `${base} (${error.message})`
    : base;
}

/** Whether two JSON values are the same (key order as written). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

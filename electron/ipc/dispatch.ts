import { CHANNELS, type Channel } from '../../shared/ipc/channels';
import { contract, type Handlers } from '../../shared/ipc/contract';
import { DeskError, fail, ok, type Result } from '../../shared/ipc/result';
import type { Logger } from '../../shared/log';
import { describeZodIssues } from '../../shared/issues';
import { describeBoundaryProblem, findBoundaryProblem } from '../../shared/boundary';

/** Validates and routes one contract call; the single entry for both transports. */
export type Dispatch = (channel: string, input: unknown) => Promise<Result<unknown>>;

const known = new Set<string>(CHANNELS);

/**
 * Builds the dispatcher: unknown channel or invalid input → `bad_request`; a
 * `DeskError` → its code; anything else → `internal` (logged, not leaked).
 */
export function createDispatch(handlers: Handlers, log: Logger): Dispatch {
  return async (channel, input) => {
    if (typeof channel !== 'string' || !known.has(channel)) {
      return fail('bad_request', `Unknown channel "${String(channel)}".`);
    }
    const name = channel as Channel;
    // The server's boundary rule, before any schema: no text a database cannot store reaches a handler or the outbox.
    const problem = findBoundaryProblem(input);
    if (problem) return fail('bad_request', `Invalid input for ${name}: ${describeBoundaryProblem(problem)}.`);
    const parsed = contract[name].input.safeParse(input);
    if (!parsed.success) {
      return fail('bad_request', `Invalid input for ${name}: ${describeZodIssues(parsed.error)}.`);
    }
    try {
      const handler = handlers[name] as (value: unknown) => unknown;
      return ok(await handler(parsed.data));
    } catch (error) {
      if (error instanceof DeskError) return fail(error.code, error.message);
      log.error('contract handler failed', { channel: name, error: error instanceof Error ? error.stack : String(error) });
      return fail(
        'internal',
        `Lightkeeper hit an unexpected error in ${name}. It was logged; try again, and report it if it repeats.`,
      );
    }
  };
}

import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/log';
import { describe } from './run-errors';

/**
 * Scheduling per run: everything done to one run (an operator's act, the
 * automatic steps, a verify timer, an approval poll) runs one at a time in the
 * order it was asked, while different runs go on side by side. Also knows which
 * runs have a backend call in flight (their view shows no need until it answers).
 */
export type RunSchedulerOptions = {
  clock: Clock;
  log: Logger;
  /** Does a run's automatic work until it needs a person, a timer or a connection. */
  advance: (runId: string) => Promise<void>;
  /** Asks the server about a run's pending approval. */
  pollApproval: (runId: string) => Promise<void>;
  /** How often a pending approval is asked about. */
  approvalPollMs: number;
  /** A run's view changed because it became busy. */
  onBusy: (runId: string) => void;
};

/** Creates the scheduler of a run host. */
export function createRunScheduler(options: RunSchedulerOptions) {
  const { clock, log } = options;
  const chains = new Map<string, Promise<void>>();
  const verifyTimers = new Map<string, unknown>();
  const approvalTimers = new Map<string, unknown>();
  const busy = new Set<string>();
  let stopped = false;

  /** Runs `work` after everything queued for this run; a failure does not stop later work. */
  function exclusive<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = chains.get(runId) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    chains.set(runId, tail);
    void tail.then(() => {
      if (chains.get(runId) === tail) chains.delete(runId);
    });
    return result;
  }

  /** Queues the run's automatic work (nothing once stopped). */
  function drive(runId: string): void {
    if (stopped) return;
    exclusive(runId, () => options.advance(runId)).catch((error: unknown) =>
      log.error('wizard run failed to advance', { runId, error: describe(error) }),
    );
  }

  function clearTimers(runId: string): void {
    clock.clearTimeout(verifyTimers.get(runId));
    clock.clearTimeout(approvalTimers.get(runId));
    verifyTimers.delete(runId);
    approvalTimers.delete(runId);
  }

  return {
    exclusive,
    drive,

    /** Drives the run again at `dueAt` (a verify step's next attempt); replaces an earlier timer. */
    armVerify(runId: string, dueAt: string): void {
      clock.clearTimeout(verifyTimers.get(runId));
      const handle = clock.setTimeout(
        () => {
          verifyTimers.delete(runId);
          drive(runId);
        },
        Math.max(0, Date.parse(dueAt) - clock.now()),
      );
      verifyTimers.set(runId, handle);
    },

    /** Asks about the run's pending approval after the poll interval; one poll armed per run at most. */
    armApprovalPoll(runId: string): void {
      if (stopped || approvalTimers.has(runId)) return;
      const handle = clock.setTimeout(() => {
        approvalTimers.delete(runId);
        if (stopped) return;
        exclusive(runId, () => options.pollApproval(runId)).catch((error: unknown) =>
          log.warn('approval poll failed', { runId, error: describe(error) }),
        );
      }, options.approvalPollMs);
      approvalTimers.set(runId, handle);
    },

    clearTimers,

    /** A backend call for the run starts: the runner shows the step as working until it answers. */
    markBusy(runId: string): void {
      busy.add(runId);
      options.onBusy(runId);
    },
    markIdle(runId: string): void {
      busy.delete(runId);
    },
    isBusy: (runId: string): boolean => busy.has(runId),
    isStopped: (): boolean => stopped,

    /** Resolves when no work is queued for the run (or any run); timers may still be armed. */
    async settled(runId?: string): Promise<void> {
      for (;;) {
        const pending =
          runId === undefined
            ? [...chains.values()]
            : [chains.get(runId)].filter((chain): chain is Promise<void> => chain !== undefined);
        if (pending.length === 0) return;
        await Promise.all(pending);
      }
    },

    /** Stops timers and waits for work in flight; nothing new is driven afterwards. */
    async stop(): Promise<void> {
      stopped = true;
      for (const runId of [...verifyTimers.keys(), ...approvalTimers.keys()]) clearTimers(runId);
      await Promise.all([...chains.values()]);
    },
  };
}

/** The scheduler type. */
export type RunScheduler = ReturnType<typeof createRunScheduler>;

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/log';
import { createRunScheduler, type RunSchedulerOptions } from '../../../electron/wizards/run-scheduler';
import { manualClock } from './support/clock';

/** Per-run scheduling: one thing at a time per run, in order; runs side by side; timers that drive a run again. */
function scheduler(overrides: Partial<RunSchedulerOptions> = {}) {
  const clock = manualClock('2026-11-20T12:00:00.000Z');
  const advanced: string[] = [];
  const polled: string[] = [];
  const busy: string[] = [];
  const options: RunSchedulerOptions = {
    clock,
    log: silentLogger,
    advance: async (runId) => {
      advanced.push(runId);
    },
    pollApproval: async (runId) => {
      polled.push(runId);
    },
    approvalPollMs: 5_000,
    onBusy: (runId) => busy.push(runId),
    ...overrides,
  };
  return { clock, advanced, polled, busy, scheduler: createRunScheduler(options) };
}

/** A promise and the function that resolves it. */
function gate() {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('the run scheduler', () => {
  it('runs the work for one run one at a time, in the order it was asked', async () => {
    const { scheduler: runs } = scheduler();
    const order: string[] = [];
    const first = gate();
    const a = runs.exclusive('r1', async () => {
      order.push('a starts');
      await first.promise;
      order.push('a ends');
    });
    const b = runs.exclusive('r1', async () => {
      order.push('b');
    });
    await Promise.resolve();
    expect(order).toEqual(['a starts']);
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a starts', 'a ends', 'b']);
  });

  it('lets a different run go on while one waits', async () => {
    const { scheduler: runs } = scheduler();
    const held = gate();
    const slow = runs.exclusive('r1', () => held.promise);
    await runs.exclusive('r2', async () => undefined);
    await expect(runs.exclusive('r2', async () => 'r2 answered')).resolves.toBe('r2 answered');
    held.open();
    await slow;
  });

  it('goes on with later work after a failure, and hands the failure to its caller', async () => {
    const { scheduler: runs } = scheduler();
    const failed = runs.exclusive('r1', async () => {
      throw new Error('the backend refused');
    });
    const later = runs.exclusive('r1', async () => 'later ran');
    await expect(failed).rejects.toThrow('the backend refused');
    await expect(later).resolves.toBe('later ran');
  });

  it('settles once the queued work, including work queued meanwhile, is done', async () => {
    const { scheduler: runs, advanced } = scheduler();
    runs.drive('r1');
    runs.drive('r2');
    await runs.settled();
    expect(advanced.sort()).toEqual(['r1', 'r2']);
  });

  it('drives a run again when its verify attempt falls due, and only the latest timer counts', async () => {
    const { scheduler: runs, clock, advanced } = scheduler();
    runs.armVerify('r1', '2026-11-20T12:00:30.000Z');
    runs.armVerify('r1', '2026-11-20T12:01:00.000Z');
    clock.advance(45_000);
    await runs.settled();
    expect(advanced).toEqual([]);
    clock.advance(15_000);
    await runs.settled();
    expect(advanced).toEqual(['r1']);
  });

  it('polls a pending approval after the interval, one poll armed per run', async () => {
    const { scheduler: runs, clock, polled } = scheduler();
    runs.armApprovalPoll('r1');
    runs.armApprovalPoll('r1');
    expect(clock.pending()).toBe(1);
    clock.advance(5_000);
    await runs.settled();
    expect(polled).toEqual(['r1']);
  });

  it('clears a run’s timers (a cancel), and after stop drives nothing and arms nothing', async () => {
    const { scheduler: runs, clock, advanced, polled } = scheduler();
    runs.armVerify('r1', '2026-11-20T12:00:10.000Z');
    runs.armApprovalPoll('r1');
    runs.clearTimers('r1');
    expect(clock.pending()).toBe(0);
    runs.armVerify('r2', '2026-11-20T12:00:10.000Z');
    await runs.stop();
    expect(clock.pending()).toBe(0);
    runs.drive('r2');
    runs.armApprovalPoll('r2');
    clock.advance(60_000);
    await runs.settled();
    expect(advanced).toEqual([]);
    expect(polled).toEqual([]);
    expect(runs.isStopped()).toBe(true);
  });

  it('knows which runs have a backend call in flight, and says so when one starts', () => {
    const { scheduler: runs, busy } = scheduler();
    runs.markBusy('r1');
    expect(runs.isBusy('r1')).toBe(true);
    expect(runs.isBusy('r2')).toBe(false);
    expect(busy).toEqual(['r1']);
    runs.markIdle('r1');
    expect(runs.isBusy('r1')).toBe(false);
  });
});

import type { Clock } from '../../../../shared/clock';

/** A clock that only moves when told to: timers fire during `advance`, in due order. */
export function manualClock(startAt: string | number) {
  let now = typeof startAt === 'number' ? startAt : Date.parse(startAt);
  let nextHandle = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: Clock & { advance(ms: number): void; pending(): number; readonly iso: string } = {
    now: () => now,
    setTimeout(callback, ms) {
      const handle = nextHandle;
      nextHandle += 1;
      timers.set(handle, { at: now + Math.max(0, ms), callback });
      return handle;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    /** Moves time forward, firing every timer that falls due on the way. */
    advance(ms: number) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].callback();
      }
      now = target;
    },
    pending: () => timers.size,
    get iso() {
      return new Date(now).toISOString();
    },
  };
  return clock;
}

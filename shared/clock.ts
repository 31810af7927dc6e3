/** Timers and time, injected so tests control them (the desk core's sync engine and run host, the server's loops). */
export type Clock = {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** The system clock. Its timers do not keep a Node process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle: unknown = setTimeout(callback, ms);
    // Node timers can be unref'd; browsers answer a number.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') handle.unref();
    return handle;
  },
  // The handle is what setTimeout above returned.
  clearTimeout: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

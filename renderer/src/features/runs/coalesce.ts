/**
 * Wraps an async refresh so that a burst of triggers (the desk emits
 * `runs:changed` after every step it saves) causes at most one call in flight
 * and one more after it, never a queue of identical requests.
 */
export function coalesce(refresh: () => Promise<void>): () => void {
  let isRunning = false;
  let isDue = false;
  const run = async () => {
    isRunning = true;
    try {
      do {
        isDue = false;
        await refresh();
      } while (isDue);
    } finally {
      isRunning = false;
    }
  };
  return () => {
    if (isRunning) isDue = true;
    else void run();
  };
}

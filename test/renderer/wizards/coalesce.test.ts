import { describe, expect, it } from 'vitest';
import { coalesce } from '../../../renderer/src/features/runs/coalesce';

describe('coalesce', () => {
  it('runs once per burst: triggers while a refresh is in flight cause exactly one more', async () => {
    const releases: (() => void)[] = [];
    let calls = 0;
    const trigger = coalesce(() => {
      calls += 1;
      return new Promise<void>((resolve) => releases.push(resolve));
    });
    trigger();
    trigger();
    trigger();
    expect(calls).toBe(1);
    releases.shift()?.();
    await expect.poll(() => calls).toBe(2);
    releases.shift()?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toBe(2);
    // Idle again: the next trigger refreshes at once.
    trigger();
    expect(calls).toBe(3);
    releases.shift()?.();
  });
});

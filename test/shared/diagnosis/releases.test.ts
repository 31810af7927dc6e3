import { describe, expect, it } from 'vitest';
import { releaseSuspicion } from '../../../shared/diagnosis/releases';

const health = (version: string, customers: number, affected: number) => ({ version, customers, affected });

describe('release suspicion (issue 12: the documented rule)', () => {
  it('flags a release whose affected share is far above the previous version’s, saying both shares', () => {
    expect(releaseSuspicion(health('26.12.0', 9, 7), health('26.11.0', 40, 0))).toBe(
      '78% of its customers are degraded or down (7 of 9), against 0% (0 of 40) on 26.11.0',
    );
  });

  it('needs at least two affected customers: one bad customer is not a bad release', () => {
    expect(releaseSuspicion(health('26.12.0', 2, 1), health('26.11.0', 40, 0))).toBeNull();
  });

  it('needs twice the previous share: a fleet-wide trouble is not this release’s fault', () => {
    expect(releaseSuspicion(health('26.12.0', 10, 5), health('26.11.0', 10, 3))).toBeNull();
    expect(releaseSuspicion(health('26.12.0', 10, 6), health('26.11.0', 10, 3))).not.toBeNull();
  });

  it('needs ten points above the previous share: 4% against 1% of a large fleet is noise', () => {
    expect(releaseSuspicion(health('26.12.0', 100, 4), health('26.11.0', 100, 1))).toBeNull();
  });

  it('compares with zero when there is no earlier version, and says so', () => {
    expect(releaseSuspicion(health('26.12.0', 4, 2), null)).toBe(
      '50% of its customers are degraded or down (2 of 4), with no earlier version to compare',
    );
  });
});

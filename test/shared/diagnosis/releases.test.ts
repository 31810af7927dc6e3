import { describe, expect, it } from 'vitest';
import { releaseSuspicion, releaseVerdicts, SUSPECT_MIN_COMPARED } from '../../../shared/diagnosis/releases';

const health = (version: string, customers: number, affected: number) => ({ version, customers, affected });
const fleet = (customers: number, affected: number) => ({ customers, affected });

describe('release suspicion (issue 12: the documented rule)', () => {
  it('flags a release whose affected share is far above the previous version’s, saying both shares', () => {
    expect(releaseSuspicion(health('26.12.0', 9, 7), health('26.11.0', 40, 0), fleet(51, 1))).toEqual({
      suspect: '78% of its customers are degraded or down (7 of 9), against 0% (0 of 40) on 26.11.0',
      comparedWith: 'Compared with 0% (0 of 40) on 26.11.0',
    });
  });

  it('needs at least two affected customers: one bad customer is not a bad release', () => {
    expect(releaseSuspicion(health('26.12.0', 2, 1), health('26.11.0', 40, 0), fleet(40, 0)).suspect).toBeNull();
  });

  it('needs twice the previous share: a fleet-wide trouble is not this release’s fault', () => {
    expect(releaseSuspicion(health('26.12.0', 10, 5), health('26.11.0', 10, 3), fleet(10, 3)).suspect).toBeNull();
    expect(releaseSuspicion(health('26.12.0', 10, 6), health('26.11.0', 10, 3), fleet(10, 3)).suspect).not.toBeNull();
  });

  it('needs ten points above the previous share: 4% against 1% of a large fleet is noise', () => {
    expect(releaseSuspicion(health('26.12.0', 100, 4), health('26.11.0', 100, 1), fleet(100, 1)).suspect).toBeNull();
  });

  it(`compares with the previous version from ${SUSPECT_MIN_COMPARED} customers on it`, () => {
    // 5 customers, none affected: a baseline, though the rest of the fleet fares worse.
    expect(releaseSuspicion(health('26.12.0', 10, 4), health('26.11.0', 5, 0), fleet(30, 12))).toEqual({
      suspect: '40% of its customers are degraded or down (4 of 10), against 0% (0 of 5) on 26.11.0',
      comparedWith: 'Compared with 0% (0 of 5) on 26.11.0',
    });
  });

  it('does not compare with a previous version of one customer: the rest of the fleet is the baseline', () => {
    // The demo fleet's case: 26.10.0 has one healthy customer; 13% of 26.11.0 against its 0% was flagged.
    const verdict = releaseSuspicion(health('26.11.0', 30, 4), health('26.10.0', 1, 0), fleet(27, 8));
    expect(verdict).toEqual({
      suspect: null,
      comparedWith: 'Compared with 30% (8 of 27) on the rest of the fleet; too few customers on 26.10.0 (1) to compare',
    });
    // Far worse than the rest of the fleet still flags, and says what it was compared with.
    expect(releaseSuspicion(health('26.11.0', 30, 12), health('26.10.0', 1, 0), fleet(27, 2)).suspect).toBe(
      '40% of its customers are degraded or down (12 of 30), against 7% (2 of 27) on the rest of the fleet; too few customers on 26.10.0 (1) to compare',
    );
    // One customer fewer than the minimum is still too few.
    expect(
      releaseSuspicion(health('26.11.0', 30, 4), health('26.10.0', SUSPECT_MIN_COMPARED - 1, 0), fleet(27, 8)).suspect,
    ).toBeNull();
  });

  it('with too few customers anywhere else, compares with zero and says there were too few to compare', () => {
    expect(releaseSuspicion(health('26.12.0', 4, 2), health('26.11.0', 1, 0), fleet(3, 0))).toEqual({
      suspect:
        '50% of its customers are degraded or down (2 of 4), with too few customers on 26.11.0 (1) or on the rest of the fleet (3) to compare',
      comparedWith: 'Too few customers on 26.11.0 (1) or on the rest of the fleet (3) to compare',
    });
  });

  it('compares the oldest version with the rest of the fleet, or with zero when it is the only one, and says so', () => {
    expect(releaseSuspicion(health('26.1.0', 4, 2), null, fleet(20, 1)).suspect).toBe(
      '50% of its customers are degraded or down (2 of 4), against 5% (1 of 20) on the rest of the fleet; no earlier version with customers to compare',
    );
    expect(releaseSuspicion(health('26.1.0', 4, 2), null, fleet(0, 0))).toEqual({
      suspect: '50% of its customers are degraded or down (2 of 4), with no other version to compare',
      comparedWith: 'No other version to compare',
    });
    expect(releaseSuspicion(health('26.1.0', 4, 0), null, fleet(2, 0)).comparedWith).toBe(
      'No earlier version with customers, and too few customers on the rest of the fleet (2) to compare',
    );
  });

  it('judges a fleet newest first: each against the nearest older version with customers, else the rest of the fleet', () => {
    // The demo fleet of seed 1: the bad 26.12.0 wave, the 26.11.0 majority, one customer left on 26.10.0, nobody on 26.9.0.
    const verdicts = releaseVerdicts([
      health('26.12.0', 26, 8),
      health('26.11.0', 30, 4),
      health('26.10.0', 1, 0),
      health('26.9.0', 0, 0),
    ]);
    expect(verdicts).toEqual([
      {
        previousVersion: '26.11.0',
        suspect: '31% of its customers are degraded or down (8 of 26), against 13% (4 of 30) on 26.11.0',
        comparedWith: 'Compared with 13% (4 of 30) on 26.11.0',
      },
      {
        previousVersion: '26.10.0',
        suspect: null,
        comparedWith: 'Compared with 30% (8 of 27) on the rest of the fleet; too few customers on 26.10.0 (1) to compare',
      },
      {
        previousVersion: null,
        suspect: null,
        comparedWith: 'Compared with 21% (12 of 56) on the rest of the fleet; no earlier version with customers to compare',
      },
      {
        previousVersion: null,
        suspect: null,
        comparedWith: 'Compared with 21% (12 of 57) on the rest of the fleet; no earlier version with customers to compare',
      },
    ]);
  });
});

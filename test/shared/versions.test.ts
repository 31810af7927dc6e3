import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../shared/versions';

describe('compareVersions', () => {
  it('compares dotted parts as numbers, ignoring a leading v and treating missing parts as 0', () => {
    expect(compareVersions('24.10.0', '24.9.3')).toBe(1);
    expect(compareVersions('v26.12.0', '26.12.0')).toBe(0);
    expect(compareVersions('26.12', '26.12.0')).toBe(0);
    expect(compareVersions('26.11.9', '26.12')).toBe(-1);
  });

  it('sorts a pre-release before its release and pre-releases as SemVer does', () => {
    expect(compareVersions('26.12.0-rc.2', '26.12.0')).toBe(-1);
    expect(compareVersions('26.12.0', '26.12.0-rc.2')).toBe(1);
    expect(compareVersions('26.12.0-rc.2', '26.12.0-rc.10')).toBe(-1);
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1);
    expect(compareVersions('1.0.0-alpha.1', '1.0.0-alpha.beta')).toBe(-1);
    expect(compareVersions('1.0.0-beta', '1.0.0-alpha')).toBe(1);
    expect(compareVersions('26.12.1-rc.1', '26.12.0')).toBe(1);
  });

  it('is a total order usable for sorting', () => {
    const sorted = ['26.12.0', '26.9.1', 'v26.12.0-rc.1', '26.10', '27.0.0-beta'].sort(compareVersions);
    expect(sorted).toEqual(['26.9.1', '26.10', 'v26.12.0-rc.1', '26.12.0', '27.0.0-beta']);
  });
});

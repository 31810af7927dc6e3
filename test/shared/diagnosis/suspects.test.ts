import { describe, expect, it } from 'vitest';
import { changeKey, describeChange, touchesFeature } from '../../../shared/diagnosis/changes';
import { rankSuspects, type CandidateChange, type SignalFacts } from '../../../shared/diagnosis/suspects';

/**
 * The documented cases of the suspect score (shared/diagnosis/suspects.ts): each is a story from the
 * demo fleet or the issue, with the ranking a support engineer would agree with.
 */

const SIGNAL_AT = '2026-11-20T12:00:00.000Z';
const before = (minutes: number) => new Date(Date.parse(SIGNAL_AT) - minutes * 60_000).toISOString();

let counter = 0;
function change(overrides: Partial<CandidateChange> & { kind: string; minutesBefore: number }): CandidateChange {
  counter += 1;
  const { minutesBefore, ...rest } = overrides;
  return {
    id: `change-${counter}`,
    occurredAt: before(minutesBefore),
    actor: null,
    summary: `${overrides.kind} ${counter}`,
    feature: null,
    prevValue: null,
    newValue: null,
    links: {},
    properties: {},
    ...rest,
  };
}

const ssoAlert: SignalFacts = {
  kind: 'alert',
  occurredAt: SIGNAL_AT,
  feature: 'sso',
  summary: 'SSO login failure rate 100% (threshold 10%)',
  signature: 'alert:ssologinfailures:0123456789abcdef',
};

describe('suspect score: documented cases', () => {
  it('case 1 — a flag on the failing feature minutes before outranks older changes on it and nearer unrelated ones', () => {
    const enforce = change({
      kind: 'flag_change',
      minutesBefore: 4,
      feature: 'sso',
      summary: 'sso.enforce enabled',
      prevValue: false,
      newValue: true,
      properties: { key: 'sso.enforce' },
    });
    const provider = change({
      kind: 'config_change',
      minutesBefore: 25 * 60,
      feature: 'sso',
      summary: 'sso.provider: okta → azure_ad',
      prevValue: 'okta',
      newValue: 'azure_ad',
      properties: { key: 'sso.provider' },
    });
    const deploy = change({
      kind: 'deploy',
      minutesBefore: 2,
      summary: 'Deployed analytics-api 3.1.0',
      properties: { component: 'analytics-api', build: '3.1.0' },
    });
    const ranked = rankSuspects(ssoAlert, [provider, deploy, enforce], new Map([[changeKey(enforce), 2]]));
    expect(ranked.map((suspect) => suspect.eventId)).toEqual([enforce.id, provider.id, deploy.id]);
    const [top] = ranked;
    expect(top?.parts).toEqual({ proximity: 29.3, feature: 25, key: 20, upgrade: 0, fleet: 15 });
    expect(top?.score).toBe(89.3);
    expect(top?.reason).toBe(
      'sso.enforce turned on 4 min before the first alert; on the same feature (sso); the same change preceded the same alert on 2 other customers',
    );
    // An old change on the feature keeps its feature and key points, but little proximity.
    expect(ranked[1]?.parts).toMatchObject({ feature: 25, key: 20, fleet: 0 });
    expect(ranked[1]?.parts.proximity).toBeLessThan(1);
  });

  it('case 2 — after a release, the upgrade is the suspect, and more so when the same upgrade preceded the signal elsewhere', () => {
    const signal: SignalFacts = {
      kind: 'error_spike',
      occurredAt: SIGNAL_AT,
      feature: 'billing_sync',
      summary: 'billing_sync: 22 invoices failed to sync in 15 minutes',
      signature: 'error:x:0123456789abcdef',
    };
    const deploy = change({
      kind: 'deploy',
      minutesBefore: 18,
      summary: 'Deploy 26.12.0 to acme (early wave)',
      links: { release: '26.12.0' },
      properties: { build: '26.12.0+4411' },
    });
    const upgrade = change({
      kind: 'version_upgrade',
      minutesBefore: 12,
      summary: 'Upgraded 26.11.0 → 26.12.0',
      prevValue: '26.11.0',
      newValue: '26.12.0',
      links: { release: '26.12.0' },
    });
    const flag = change({
      kind: 'flag_change',
      minutesBefore: 30,
      feature: 'analytics',
      summary: 'analytics.beta enabled',
      newValue: true,
      properties: { key: 'analytics.beta' },
    });
    // The deploy and the upgrade of one release are one change across customers.
    expect(changeKey(deploy)).toBe('release:26.12.0');
    expect(changeKey(upgrade)).toBe('release:26.12.0');
    const alone = rankSuspects(signal, [deploy, upgrade, flag]);
    const echoed = rankSuspects(signal, [deploy, upgrade, flag], new Map([['release:26.12.0', 6]]));
    expect(alone[0]?.eventId).toBe(upgrade.id);
    expect(echoed[0]?.eventId).toBe(upgrade.id);
    expect(echoed[0]?.score).toBeGreaterThan(alone[0]?.score ?? 0);
    expect(echoed[0]?.reason).toBe(
      'upgrade 26.11.0 → 26.12.0 12 min before the first error spike; it brought a new version; the same change preceded the same error spike on 6 other customers',
    );
    expect(echoed.at(-1)?.eventId).toBe(flag.id);
  });

  it('case 3 — a config key on the feature two hours before beats an unrelated deploy ten minutes before', () => {
    const signal: SignalFacts = {
      kind: 'alert',
      occurredAt: SIGNAL_AT,
      feature: 'exports',
      summary: 'Export job lag above 2h',
      signature: null,
    };
    const schedule = change({
      kind: 'config_change',
      minutesBefore: 125,
      summary: 'exports.schedule: */30 * * * * → */30 * * *',
      newValue: '*/30 * * *',
      properties: { key: 'exports.schedule' },
    });
    const deploy = change({
      kind: 'deploy',
      minutesBefore: 10,
      summary: 'Deployed search-indexer 2.0.1',
      properties: { component: 'search-indexer', build: '2.0.1' },
    });
    const ranked = rankSuspects(signal, [deploy, schedule]);
    expect(ranked[0]?.eventId).toBe(schedule.id);
    // Without a feature on the change itself, the key still says it concerns exports.
    expect(ranked[0]?.parts).toMatchObject({ feature: 0, key: 20 });
    expect(ranked[0]?.reasons).toContain('it changes exports');
  });

  it('case 4 — a deployed component named after the feature counts as touching it', () => {
    const worker = change({
      kind: 'deploy',
      minutesBefore: 21,
      feature: 'exports',
      summary: 'Deployed export-worker 5.8.2',
      properties: { component: 'export-worker', build: '5.8.2' },
    });
    expect(touchesFeature(worker, 'exports')).toBe(true);
    expect(touchesFeature(worker, 'sso')).toBe(false);
    expect(touchesFeature(worker, null)).toBe(false);
  });

  it('case 5 — changes after the signal started are never suspects', () => {
    const after = change({
      kind: 'flag_change',
      minutesBefore: -3,
      feature: 'sso',
      summary: 'sso.enforce disabled',
      newValue: false,
      properties: { key: 'sso.enforce' },
    });
    expect(rankSuspects(ssoAlert, [after])).toEqual([]);
  });

  it('case 6 — proximity halves every two hours; fleet evidence gives 7.5 points per other customer, at most 15', () => {
    const at = (minutes: number) =>
      change({ kind: 'deploy', minutesBefore: minutes, properties: { component: 'x', build: String(minutes) } });
    const ranked = rankSuspects({ ...ssoAlert, feature: null }, [at(0), at(120), at(360)]);
    expect(ranked.map((suspect) => suspect.parts.proximity)).toEqual([30, 15, 3.8]);
    const one = change({ kind: 'plan_change', minutesBefore: 60, summary: 'Plan upgraded: starter → pro' });
    expect(rankSuspects(ssoAlert, [one], new Map([[changeKey(one), 1]]))[0]?.parts.fleet).toBe(7.5);
    expect(rankSuspects(ssoAlert, [one], new Map([[changeKey(one), 5]]))[0]?.parts.fleet).toBe(15);
  });

  it('case 7 — equal scores go to the nearer change', () => {
    const far = change({ id: 'a-far', kind: 'plan_change', minutesBefore: 30 * 60, summary: 'Plan upgraded' });
    const near = change({ id: 'z-near', kind: 'plan_change', minutesBefore: 29 * 60, summary: 'Plan downgraded' });
    const ranked = rankSuspects({ ...ssoAlert, feature: null }, [far, near]);
    expect(ranked[0]?.score).toBe(ranked[1]?.score);
    expect(ranked[0]?.eventId).toBe('z-near');
  });
});

describe('the same change on two customers', () => {
  it('is the same flag set to the same value, not another value of it', () => {
    const on = {
      kind: 'flag_change',
      summary: 'sso.enforce enabled',
      feature: 'sso',
      newValue: true,
      properties: { key: 'sso.enforce' },
    };
    expect(changeKey(on)).toBe(changeKey({ ...on, summary: 'sso.enforce enabled by dana' }));
    expect(changeKey(on)).not.toBe(changeKey({ ...on, newValue: false }));
    expect(describeChange({ ...on, newValue: false })).toBe('sso.enforce turned off');
  });

  it('reads the key from the summary when the producer gave none, and normalises other summaries', () => {
    expect(
      changeKey({ kind: 'config_change', summary: 'exports.format: csv → parquet', feature: null, newValue: 'parquet' }),
    ).toBe('config_change:exports.format="parquet"');
    expect(changeKey({ kind: 'provisioning_step', summary: 'Provisioning: DNS step 2 done', feature: null })).toBe(
      changeKey({ kind: 'provisioning_step', summary: 'Provisioning: DNS step 3 done', feature: null }),
    );
  });
});

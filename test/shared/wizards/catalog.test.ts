import { describe, expect, it } from 'vitest';
import { catalogSpecs } from '../../../shared/catalog/publish';
import { CACHE_QUERIES, RISK_LEVELS } from '../../../shared/wizards/index';
import { demoPublishedCatalog } from '../../support/catalog';

describe('what wizards may call', () => {
  it('has the desk’s own cache queries, the same for every deployment', () => {
    expect(Object.keys(CACHE_QUERIES)).toEqual(['changes', 'latestDeploy', 'openItems', 'events', 'customer']);
    expect(CACHE_QUERIES.changes.params.safeParse({ within: '24h', kinds: ['flag_change'] }).success).toBe(true);
    expect(CACHE_QUERIES.changes.params.safeParse({ within: 'a day' }).success).toBe(false);
  });

  it('takes probes and actions from a catalog: the demo fleet is one catalog file', () => {
    const catalog = demoPublishedCatalog();
    expect(catalog.catalog).toBe('demo-fleet');
    expect(catalog.probes.map((probe) => probe.name).sort()).toEqual(
      ['customer.health', 'feature.state', 'jobs.lag', 'provisioning.status', 'sso.login', 'sso.metadata'].sort(),
    );
    expect(catalog.actions.map((action) => action.name).sort()).toEqual(
      ['config.set', 'feature.setEnabled', 'flags.set', 'jobs.restart', 'provisioning.retry', 'version.pin'].sort(),
    );
    for (const action of catalog.actions) expect(RISK_LEVELS).toContain(action.risk);
    const specs = catalogSpecs(catalog);
    expect(specs.actions.get('version.pin')?.risk).toBe('high');
    expect(specs.actions.get('flags.set')?.params.safeParse({ key: 'sso.enforce', value: false }).success).toBe(true);
    expect(specs.actions.get('flags.set')?.params.safeParse({ key: 'sso.enforce' }).success).toBe(false);
    expect(specs.actions.get('jobs.restart')?.params.safeParse({ jobId: 'a', extra: 1 }).success).toBe(false);
    expect(specs.probes.get('feature.state')?.params.safeParse({}).success).toBe(false);
  });

  it('gives every demo probe an example that fits its result, for practice runs', () => {
    const catalog = demoPublishedCatalog();
    const specs = catalogSpecs(catalog);
    for (const probe of catalog.probes) {
      expect(probe.example, probe.name).not.toBeNull();
      expect(specs.probes.get(probe.name)?.result.safeParse(probe.example).success, probe.name).toBe(true);
    }
  });
});

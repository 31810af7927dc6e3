import { describe, expect, it } from 'vitest';
import { ACTIONS, CACHE_QUERIES, catalogNames, PROBES, RISK_LEVELS, WIZARD_CATALOG } from '../../../shared/wizards/index';

describe('wizard catalog', () => {
  it('lists the cache queries, probes and actions the desk and server register', () => {
    expect(catalogNames()).toEqual({
      knownQueries: ['changes', 'latestDeploy', 'openItems', 'events', 'customer'],
      knownProbes: ['sso.login', 'sso.metadata', 'feature.state', 'provisioning.status', 'jobs.lag', 'customer.health'],
      knownActions: ['flags.set', 'feature.setEnabled', 'provisioning.retry', 'jobs.restart', 'config.set', 'version.pin'],
    });
    expect(WIZARD_CATALOG).toEqual({ queries: CACHE_QUERIES, probes: PROBES, actions: ACTIONS });
  });

  it('gives every action a risk level and checks its parameters', () => {
    for (const spec of Object.values(ACTIONS)) expect(RISK_LEVELS).toContain(spec.risk);
    expect(ACTIONS['version.pin'].risk).toBe('high');
    expect(ACTIONS['flags.set'].params.safeParse({ key: 'sso.enforce', value: false }).success).toBe(true);
    expect(ACTIONS['flags.set'].params.safeParse({ key: 'sso.enforce' }).success).toBe(false);
    expect(ACTIONS['jobs.restart'].params.safeParse({ jobId: 'a', extra: 1 }).success).toBe(false);
  });

  it('checks query and probe parameters, and describes their results', () => {
    expect(CACHE_QUERIES.changes.params.safeParse({ within: '24h', kinds: ['flag_change'] }).success).toBe(true);
    expect(CACHE_QUERIES.changes.params.safeParse({ within: 'a day' }).success).toBe(false);
    expect(PROBES['feature.state'].params.safeParse({}).success).toBe(false);
    expect(Object.keys(PROBES['jobs.lag'].result.shape)).toEqual([
      'jobId',
      'state',
      'lagMinutes',
      'lastSuccessAt',
      'schedule',
      'workerHealthy',
    ]);
  });
});

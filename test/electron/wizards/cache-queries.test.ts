import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { silentLogger } from '../../../electron/core/log';
import { openCache } from '../../../electron/db/cache';
import { createOutbox } from '../../../electron/db/outbox';
import { CacheQueryError, createCacheQueries, type CacheQueries } from '../../../electron/wizards/cache-queries';
import { CACHE_QUERIES } from '../../../shared/wizards/catalog';
import { createApplier } from '../../../electron/db/apply';
import { infraDeploy } from '../../../server/demo/events';
import { EventInputSchema } from '../../../shared/domain';
import { customerBucket } from '../../../shared/sync/wire';
import { ulid } from '../../../shared/ulid';
import { pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';
import { customerWithFault, demoFleet, FLEET_NOW, seedCustomers } from './support/demo-cache';

/**
 * The catalog's cache queries over a real cache file holding demo customers
 * applied through the sync apply path: every answer fits the catalog's result
 * schema and says what the customer's history says.
 */
const dirs = tempDirs('lk-wizard-queries-');
const sso = customerWithFault('sso_enforced_without_idp');
const regression = customerWithFault('upgrade_regression');
const now = Date.parse(FLEET_NOW);
let db: Database.Database;
let queries: CacheQueries;

beforeAll(() => {
  db = openCache({ dataDir: dirs.make(), log: silentLogger }).db;
  seedCustomers(db, createOutbox(db), [sso, regression]);
  queries = createCacheQueries(db);
});
afterAll(() => {
  db.close();
  dirs.cleanup();
});

const HOUR = 3_600_000;

describe('changes', () => {
  it('lists the SSO changes of the last 48 hours, newest first, with flag keys and values', () => {
    const result = queries.run('changes', { feature: 'sso', within: '48h' }, sso, now);
    expect(CACHE_QUERIES.changes.result.safeParse(result).success).toBe(true);
    const expected = demoFleet().events.filter(
      (event) =>
        event.customerId === sso &&
        event.feature === 'sso' &&
        ['flag_change', 'config_change', 'deploy', 'version_upgrade', 'provisioning_step', 'plan_change'].includes(event.kind) &&
        Date.parse(event.occurredAt) >= now - 48 * HOUR,
    );
    expect(result.count).toBe(expected.length);
    const items = result.items as {
      kind: string;
      key: string | null;
      occurredAt: string;
      newValue: unknown;
      prevValue: unknown;
    }[];
    expect(items.map((item) => item.occurredAt)).toEqual([...items.map((item) => item.occurredAt)].sort().reverse());
    expect(items.find((item) => item.key === 'sso.enforce')).toMatchObject({
      kind: 'flag_change',
      prevValue: false,
      newValue: true,
    });
    expect(items.find((item) => item.key === 'sso.provider')).toMatchObject({
      kind: 'config_change',
      prevValue: 'okta',
      newValue: 'azure_ad',
    });
    expect((result.flags as { kind: string }[]).every((item) => item.kind === 'flag_change')).toBe(true);
    expect(result.latest).toEqual(items[0]);
  });

  it('honours the window and the kinds', () => {
    const flagsOnly = queries.run('changes', { feature: 'sso', kinds: ['flag_change'], within: '24h' }, sso, now);
    expect((flagsOnly.items as { kind: string }[]).map((item) => item.kind)).toEqual(['flag_change']);
    const tooShort = queries.run('changes', { feature: 'sso', within: '1h' }, sso, now);
    expect(tooShort).toEqual({ count: 0, items: [], flags: [], latest: null });
  });
});

describe('latestDeploy', () => {
  it('finds the upgrade to the halted release and the version before it', () => {
    const state = demoFleet().states.find((candidate) => candidate.customerId === regression);
    const result = queries.run('latestDeploy', {}, regression, now);
    expect(CACHE_QUERIES.latestDeploy.result.safeParse(result).success).toBe(true);
    expect(result).toMatchObject({
      found: true,
      version: state?.regression?.version,
      previousVersion: state?.regression?.previousVersion,
    });
    expect(result.ageMinutes).toBe(Math.floor((now - Date.parse(String(result.occurredAt))) / 60_000));
  });

  it('looks past newer infrastructure deploys that change no product version (#15)', () => {
    const state = demoFleet().states.find((candidate) => candidate.customerId === regression);
    const before = queries.run('latestDeploy', {}, regression, now);
    const at = now + 60_000;
    const deploy = EventInputSchema.parse(
      infraDeploy({
        customerId: regression,
        at,
        externalId: 'deploybot:test-infra',
        component: 'api-gateway',
        build: '4.2.1',
        region: 'eu',
      }),
    );
    const id = ulid(at);
    createApplier(db, createOutbox(db)).applyPull(
      pullResponse([
        { bucket: customerBucket(regression), ops: [put('event', id, { ...deploy, id, recordedAt: deploy.occurredAt })] },
      ]),
      new Date(at).toISOString(),
    );
    const after = queries.run('latestDeploy', {}, regression, at + 60_000);
    expect(after).toMatchObject({
      found: true,
      version: state?.regression?.version,
      previousVersion: state?.regression?.previousVersion,
      occurredAt: before.occurredAt,
    });
  });
});

describe('openItems', () => {
  it('returns the open SSO alert and ticket, not the resolved request', () => {
    const result = queries.run('openItems', { feature: 'sso' }, sso, now);
    expect(CACHE_QUERIES.openItems.result.safeParse(result).success).toBe(true);
    const items = result.items as { kind: string; summary: string }[];
    expect(items.map((item) => item.kind).sort()).toEqual(['alert', 'ticket']);
    expect(items.some((item) => /Please enforce SSO/.test(item.summary))).toBe(false);
    expect(queries.run('openItems', { feature: 'sso', kind: 'alert' }, sso, now).count).toBe(1);
  });
});

describe('events and customer', () => {
  it('lists events of given kinds in a window and the customer with its features', () => {
    const events = queries.run('events', { kinds: ['error_spike'], within: '24h' }, sso, now);
    expect(CACHE_QUERIES.events.result.safeParse(events).success).toBe(true);
    expect((events.items as { summary: string }[])[0]?.summary).toMatch(/failed SAML logins/);
    const customer = queries.run('customer', {}, sso, now);
    expect(CACHE_QUERIES.customer.result.safeParse(customer).success).toBe(true);
    expect(customer).toMatchObject({ id: sso, health: 'down' });
    expect(
      (customer.features as { feature: string; health: string }[]).find((feature) => feature.feature === 'sso')?.health,
    ).toBe('down');
  });
});

describe('bad input', () => {
  it('refuses unknown queries, bad parameters and customers the cache does not hold', () => {
    expect(() => queries.run('nope', {}, sso, now)).toThrow(CacheQueryError);
    expect(() => queries.run('changes', { feature: 'sso' }, sso, now)).toThrow(/within/);
    expect(() => queries.run('changes', { within: 'soon' }, sso, now)).toThrow(/duration/);
    expect(() => queries.run('openItems', { colour: 'red' }, sso, now)).toThrow(CacheQueryError);
    expect(() => queries.run('customer', {}, 'no-such-customer', now)).toThrow(/not in the local cache/);
  });
});

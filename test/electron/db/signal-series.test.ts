import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosis, type Diagnosis } from '../../../electron/db/diagnosis';
import type { CacheHandle } from '../../../electron/db/cache';
import { openDemoCache } from '../../support/demo-cache';
import { tempDirs } from '../../support/temp';

/** The customer page's signal chart on a real cache file: the demo fleet's 90 days as a bootstrap leaves them. */

const NOW = new Date('2026-11-20T12:00:00.000Z');
const HOUR = 3_600_000;
const dirs = tempDirs('lk-signal-series-');
let handle: CacheHandle;
let diagnosis: Diagnosis;
let roster: ReturnType<typeof openDemoCache>['roster'];

beforeAll(() => {
  const built = openDemoCache(dirs.make(), { now: NOW });
  handle = built.handle;
  roster = built.roster;
  diagnosis = createDiagnosis(handle.db, { now: () => NOW.getTime() });
});
afterAll(() => {
  handle.db.close();
  dirs.cleanup();
});

describe('the signal chart series', () => {
  it("counts the signal's signature per hour on the customer and on the rest of the fleet, with the suspects as markers", () => {
    const [customerId] = roster.upgrade_regression;
    if (customerId === undefined) throw new Error('the demo fleet has no bad-release customer');
    const series = diagnosis.signalSeries(customerId);
    const signature = series.signal?.signature;
    expect(signature).toBeTruthy();
    expect(series.bucketMs).toBe(HOUR);
    // Every bucket from `from` to `to`, one hour apart, none missing.
    expect(series.buckets.length).toBe((Date.parse(series.to) - Date.parse(series.from)) / HOUR);
    series.buckets.forEach((bucket, index) => expect(Date.parse(bucket.at)).toBe(Date.parse(series.from) + index * HOUR));
    expect(Date.parse(series.from)).toBeLessThanOrEqual(Date.parse(series.signal!.occurredAt) - 48 * HOUR);
    expect(Date.parse(series.to)).toBeGreaterThanOrEqual(NOW.getTime());

    // The same rows counted another way: each event in the bucket its time falls in.
    const rows = handle.db
      .prepare<[string, string, string], { customer_id: string; occurred_at: string }>(
        'select customer_id, occurred_at from events where signature = ? and occurred_at >= ? and occurred_at < ?',
      )
      .all(signature!, series.from, series.to);
    const expected = series.buckets.map(() => ({ customer: 0, fleet: 0, others: new Set<string>() }));
    for (const row of rows) {
      const slot = expected[Math.floor((Date.parse(row.occurred_at) - Date.parse(series.from)) / HOUR)]!;
      if (row.customer_id === customerId) slot.customer += 1;
      else {
        slot.fleet += 1;
        slot.others.add(row.customer_id);
      }
    }
    expect(series.buckets.map(({ customer, fleet, fleetCustomers }) => ({ customer, fleet, fleetCustomers }))).toEqual(
      expected.map((slot) => ({ customer: slot.customer, fleet: slot.fleet, fleetCustomers: slot.others.size })),
    );
    const total = (key: 'customer' | 'fleet') => series.buckets.reduce((sum, bucket) => sum + bucket[key], 0);
    expect(total('customer')).toBeGreaterThan(0);
    // The bad release hit other customers too: the fleet's line is not flat.
    expect(total('fleet')).toBeGreaterThan(0);
    expect(Math.max(...series.buckets.map((bucket) => bucket.fleetCustomers))).toBeGreaterThan(0);

    // The markers are the ranked suspects, the top one first, on the chart's time axis.
    const page = diagnosis.customer(customerId);
    expect(series.markers[0]).toMatchObject({ eventId: page.suspects[0]!.eventId, rank: 1, kind: 'version_upgrade' });
    for (const marker of series.markers) {
      expect(Date.parse(marker.occurredAt)).toBeGreaterThanOrEqual(Date.parse(series.from));
      expect(Date.parse(marker.occurredAt)).toBeLessThan(Date.parse(series.to));
    }
  });

  it('draws daily buckets when the chart is longer than a week', () => {
    const [customerId] = roster.upgrade_regression;
    const series = diagnosis.signalSeries(customerId!, 24 * 12);
    expect(series.bucketMs).toBe(24 * HOUR);
    const sum = series.buckets.reduce((total, bucket) => total + bucket.customer, 0);
    const raw = handle.db
      .prepare<[string, string, string, string], number>(
        'select count(*) from events where signature = ? and customer_id = ? and occurred_at >= ? and occurred_at < ?',
      )
      .pluck()
      .get(series.signal!.signature!, customerId!, series.from, series.to);
    expect(sum).toBe(raw);
  });

  it('is empty for a healthy customer and refuses one the cache does not hold', () => {
    const healthy = handle.db
      .prepare<[string], string>(
        `select id from customers c where health = 'ok' and not exists (select 1 from threads t where t.customer_id = c.id and t.status = 'open')
         and not exists (select 1 from customer_features f where f.customer_id = c.id and f.health in ('down', 'degraded'))
         and not exists (select 1 from events e where e.customer_id = c.id and e.kind in ('error_spike', 'alert', 'incident')
           and e.severity in ('warning', 'error', 'critical') and e.occurred_at >= ?)
         limit 1`,
      )
      .pluck()
      .get(new Date(NOW.getTime() - 48 * HOUR).toISOString());
    expect(healthy).toBeTruthy();
    expect(diagnosis.signalSeries(healthy!)).toMatchObject({ signal: null, buckets: [], markers: [] });
    expect(() => diagnosis.signalSeries('no-such-customer')).toThrow(/not in the local cache/);
  });
});

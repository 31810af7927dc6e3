import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries } from '../../../electron/db/queries';
import { silentLogger } from '../../../electron/core/log';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-timeline-rows-');
afterEach(() => dirs.cleanup());

describe("cache migration 19 (a timeline page's rows from the time index)", () => {
  it('keeps every column a timeline row shows in the time index, and pages of a migrated version 18 cache show them', () => {
    const dir = dirs.make();
    const db = new Database(`${dir}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 18),
      'cache',
    );
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, actor, links, properties, ver) values (?, 'acme', ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', 1)`);
    const same = '2026-11-02T10:00:00.000Z';
    insert.run(
      'E1',
      '2026-11-01T10:00:00.000Z',
      '2026-11-01T10:05:00.000Z',
      'alert',
      'critical',
      'Export queue stalled',
      'exports',
      'alertmanager',
      'x1',
      null,
    );
    // Two events at the same moment: the row read for each key is its own.
    insert.run(
      'E2',
      same,
      '2026-11-02T10:01:00.000Z',
      'deploy',
      'info',
      'Deployed 26.12.0',
      null,
      'deploybot',
      'x2',
      'deploybot',
    );
    insert.run(
      'E3',
      same,
      '2026-11-02T10:02:00.000Z',
      'ticket',
      'warning',
      'Exports missing rows',
      'exports',
      'zendesk',
      'x3',
      'Dana Reyes',
    );
    db.prepare("insert into customer_stats (customer_id, last_event_at, event_count) values ('acme', ?, 3)").run(same);
    for (const [facet, value, n] of [
      ['kind', 'alert', 1],
      ['kind', 'deploy', 1],
      ['kind', 'ticket', 1],
      ['severity', 'critical', 1],
      ['severity', 'info', 1],
      ['severity', 'warning', 1],
      ['feature', 'exports', 2],
      ['source', 'alertmanager', 1],
      ['source', 'deploybot', 1],
      ['source', 'zendesk', 1],
    ] as const)
      db.prepare("insert into customer_facets (customer_id, facet, value, n) values ('acme', ?, ?, ?)").run(facet, value, n);
    migrate(db, CACHE_MIGRATIONS, 'cache');
    const columns = db
      .prepare<[], string>("select name from pragma_index_info('events_by_customer_time') order by seqno")
      .pluck()
      .all();
    expect(columns).toEqual([
      'customer_id',
      'occurred_at',
      'id',
      'kind',
      'severity',
      'feature',
      'source_system',
      'recorded_at',
      'actor',
      'summary',
    ]);
    db.close();

    const handle = openCache({ dataDir: dir, log: silentLogger });
    const queries = createQueries(handle.db, createOutbox(handle.db), () => 'you');
    const row = (id: string, occurredAt: string, recordedAt: string, rest: Record<string, unknown>) => ({
      id,
      customerId: 'acme',
      occurredAt,
      recordedAt,
      noteCount: 0,
      ...rest,
    });
    const e3 = row('E3', same, '2026-11-02T10:02:00.000Z', {
      kind: 'ticket',
      severity: 'warning',
      summary: 'Exports missing rows',
      feature: 'exports',
      sourceSystem: 'zendesk',
      actor: 'Dana Reyes',
    });
    const e2 = row('E2', same, '2026-11-02T10:01:00.000Z', {
      kind: 'deploy',
      severity: 'info',
      summary: 'Deployed 26.12.0',
      feature: null,
      sourceSystem: 'deploybot',
      actor: 'deploybot',
    });
    const e1 = row('E1', '2026-11-01T10:00:00.000Z', '2026-11-01T10:05:00.000Z', {
      kind: 'alert',
      severity: 'critical',
      summary: 'Export queue stalled',
      feature: 'exports',
      sourceSystem: 'alertmanager',
      actor: null,
    });
    expect(queries.timelinePage({ customerId: 'acme', limit: 10 }).rows).toEqual([e3, e2, e1]);
    // A facet's page and the oldest-first order read their rows the same way.
    expect(queries.timelinePage({ customerId: 'acme', limit: 10, filters: { features: ['exports'] } }).rows).toEqual([e3, e1]);
    expect(queries.timelinePage({ customerId: 'acme', limit: 10, direction: 'asc' }).rows).toEqual([e1, e2, e3]);
    handle.db.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries } from '../../../electron/db/queries';
import { createTimelinePlanner } from '../../../electron/db/timeline';
import { silentLogger } from '../../../electron/core/log';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-covering-facets-');
afterEach(() => dirs.cleanup());

const FACET_INDEXES = [
  'events_by_customer_kind',
  'events_by_customer_severity',
  'events_by_customer_feature',
  'events_by_customer_source',
];

describe('cache migration 18 (filter indexes carry every filter column)', () => {
  it('answers a page filtered on several facets from one facet index alone, with its exact total, on a migrated version 17 cache', () => {
    const dir = dirs.make();
    const db = new Database(`${dir}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 17),
      'cache',
    );
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver) values (?, 'acme', ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', 1)`);
    const rows: [string, string, string, string | null, string][] = [
      ['alert', 'critical', 'Export queue stalled', 'exports', 'alertmanager'],
      ['alert', 'warning', 'SSO login errors', 'sso', 'alertmanager'],
      ['ticket', 'warning', 'Exports missing rows', 'exports', 'zendesk'],
      ['deploy', 'info', 'Release deployed', null, 'deploybot'],
      ['alert', 'error', 'Export worker restarted', 'exports', 'alertmanager'],
      ['flag_change', 'info', 'exports.v2 on', 'exports', 'flagd'],
    ];
    const facets = new Map<string, number>();
    rows.forEach(([kind, severity, summary, feature, source], index) => {
      const at = `2026-11-0${index + 1}T10:00:00.000Z`;
      insert.run(`E${index + 1}`, at, at, kind, severity, summary, feature, source, `x${index + 1}`);
      for (const key of [`kind|${kind}`, `severity|${severity}`, `source|${source}`, ...(feature ? [`feature|${feature}`] : [])])
        facets.set(key, (facets.get(key) ?? 0) + 1);
    });
    // A longer history of routine deploys, so reading the customer in time order costs more than one facet's entries.
    for (let index = 0; index < 300; index += 1) {
      const at = new Date(Date.parse('2026-10-01T00:00:00.000Z') + index * 60_000).toISOString();
      insert.run(`D${index}`, at, at, 'deploy', 'info', 'Routine deploy', null, 'deploybot', `d${index}`);
      for (const key of ['kind|deploy', 'severity|info', 'source|deploybot']) facets.set(key, (facets.get(key) ?? 0) + 1);
    }
    const facet = db.prepare("insert into customer_facets (customer_id, facet, value, n) values ('acme', ?, ?, ?)");
    for (const [key, n] of facets) facet.run(...key.split('|'), n);
    db.prepare("insert into customer_stats (customer_id, last_event_at, event_count) values ('acme', ?, ?)").run(
      '2026-11-06T10:00:00.000Z',
      rows.length + 300,
    );
    migrate(db, CACHE_MIGRATIONS, 'cache');

    // Each facet index holds every filter column, led by its own.
    const columns = (index: string) =>
      db.prepare<[string], string>('select name from pragma_index_info(?) order by seqno').pluck().all(index);
    expect(columns('events_by_customer_severity')).toEqual([
      'customer_id',
      'severity',
      'occurred_at',
      'id',
      'kind',
      'feature',
      'source_system',
    ]);
    for (const index of FACET_INDEXES)
      expect(new Set(columns(index))).toEqual(
        new Set(['customer_id', 'occurred_at', 'id', 'kind', 'severity', 'feature', 'source_system']),
      );

    // Several facets: the page's row ids come from the rarest facet's index without a table row.
    const planner = createTimelinePlanner(db);
    const filters = {
      severities: ['warning' as const, 'error' as const, 'critical' as const],
      features: ['exports'],
      kinds: ['alert', 'ticket'],
    };
    const analysis = planner.analyse({ customerId: 'acme', filters, fts: null });
    const plan = planner.choose(analysis, 401);
    const sql = planner.pageIds(analysis, plan, '', 'desc');
    const steps = db
      .prepare<Record<string, unknown>, { detail: string }>(`explain query plan ${sql}`)
      .all({ ...analysis.params, limit: 401 })
      .map((step) => step.detail);
    expect(steps.some((step) => /USING COVERING INDEX events_by_customer_(severity|feature|kind)\b/.test(step))).toBe(true);
    expect(steps.some((step) => /INTEGER PRIMARY KEY|^SCAN e\b/.test(step))).toBe(false);
    db.close();

    const handle = openCache({ dataDir: dir, log: silentLogger });
    const queries = createQueries(handle.db, createOutbox(handle.db), () => 'you');
    const page = queries.timelinePage({ customerId: 'acme', limit: 2, filters });
    // E5 (error, exports, alert) and E3 (warning, exports, ticket), then E1: three match, the total is exact at once.
    expect(page.rows.map((row) => row.id)).toEqual(['E5', 'E3']);
    expect(page.total).toBe(3);
    const next = queries.timelinePage({ customerId: 'acme', limit: 2, cursor: page.nextCursor, filters });
    expect(next.rows.map((row) => row.id)).toEqual(['E1']);
    expect(
      queries
        .timelinePage({ customerId: 'acme', limit: 10, filters: { severities: ['info'], features: ['exports'] } })
        .rows.map((row) => row.id),
    ).toEqual(['E6']);
    expect(
      queries.timelinePage({ customerId: 'acme', limit: 1, filters: { kinds: ['deploy'], sources: ['deploybot'] } }).total,
    ).toBe(301);
    handle.db.close();
  });
});

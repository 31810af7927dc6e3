import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier, validatePullRows } from '../../../electron/db/apply';
import { createSearchIndexer } from '../../../electron/db/search-index';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries, toSearchTiers } from '../../../electron/db/queries';
import { silentLogger } from '../../../electron/core/log';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

// Issue 13: the index design for search and filtered timelines at a million events (migration 9),
// the ranking of search results, and filtered totals from kept counts.
const dirs = tempDirs('lk-speed-');
afterEach(() => dirs.cleanup());
const now = '2026-11-27T00:00:00Z';

function openDesk() {
  const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
  const outbox = createOutbox(handle.db);
  const applier = createApplier(handle.db, outbox);
  const queries = createQueries(handle.db, outbox, () => 'you');
  applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex'] }), now);
  applier.applyPull(
    pullResponse([
      { bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme'))] },
      { bucket: 'customer:globex', ops: [put('customer', 'globex', customerRow('globex'))] },
    ]),
    now,
  );
  // Both customers' (empty) bootstraps indexed: events from now on are indexed as they are applied.
  createSearchIndexer(handle.db).indexAll();
  return { handle, applier, queries };
}

describe('cache migration 9 (search prefixes, timeline indexes and facet counts)', () => {
  it('keeps the events of a version 8 cache findable, counts its facets, and indexes only finished bootstraps', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 8),
      'cache',
    );
    db.exec(`insert into sync_bucket (bucket, state, updated_at) values
      ('customer:acme', 'live', '${now}'), ('customer:globex', 'bootstrapping', '${now}')`);
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', 1)`);
    const at = '2026-11-01T00:00:00.000Z';
    insert.run('E1', 'acme', at, at, 'alert', 'critical', 'Export queue stalled', 'exports', 'alertmanager', 'x1');
    insert.run('E2', 'acme', at, at, 'alert', 'warning', 'Exporter restarted', 'exports', 'alertmanager', 'x2');
    insert.run('E3', 'acme', at, at, 'deploy', 'info', 'Release deployed', null, 'deploybot', 'x3');
    insert.run('E4', 'globex', at, at, 'ticket', 'info', 'Export missing rows', null, 'zendesk', 'x4');
    // Version 8 indexed acme (live) and not globex (bootstrapping).
    db.exec(`insert into events_fts (rowid, summary, body, kind, feature, actor)
      select rid, summary, body, kind, feature, actor from events where customer_id = 'acme'`);
    migrate(db, CACHE_MIGRATIONS, 'cache');

    const counts = db.prepare("select facet, value, n from customer_facets where customer_id = 'acme' order by 1, 2").raw().all();
    expect(counts).toEqual([
      ['feature', 'exports', 2],
      ['kind', 'alert', 2],
      ['kind', 'deploy', 1],
      ['severity', 'critical', 1],
      ['severity', 'info', 1],
      ['severity', 'warning', 1],
      ['source', 'alertmanager', 2],
      ['source', 'deploybot', 1],
    ]);
    const match = db.prepare<[string], string>(
      'select e.id from events_fts join events e on e.rid = events_fts.rowid where events_fts match ? order by e.id',
    );
    // A five-letter prefix is answered from its own prefix index; globex waits for its bootstrap.
    expect(match.pluck().all('"expor"*')).toEqual(['E1', 'E2']);
    expect(db.prepare("select sql from sqlite_master where name = 'events_fts'").pluck().get()).toMatch(
      /prefix = '2 3 4 5 6 7 8 9 10 11 12'/,
    );
    db.exec("insert into events_fts (events_fts) values ('integrity-check')");
    db.close();
  });
});

describe('search ranking', () => {
  it('puts whole-word matches before prefix matches, newest first within each, with highlights', () => {
    const { handle, applier, queries } = openDesk();
    const rows = [
      eventRow('acme', '2026-11-01T10:00:00.000Z', { summary: 'Exports lagging behind' }),
      eventRow('acme', '2026-11-03T10:00:00.000Z', { summary: 'Exporter restarted' }),
      eventRow('acme', '2026-11-02T10:00:00.000Z', { summary: 'Export finished' }),
      eventRow('globex', '2026-11-04T10:00:00.000Z', { summary: 'Export queued' }),
    ];
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:acme', ops: rows.slice(0, 3).map((row) => put('event', row.id, row)) },
        { bucket: 'customer:globex', ops: [put('event', rows[3]!.id, rows[3])] },
      ]),
      now,
    );
    const found = queries.search('export', 10);
    const order = found.groups.flatMap((group) => group.events.map((event) => event.summary.map((s) => s.text).join('')));
    // Whole word "export" (newest first: globex 11-04, acme 11-02), then words starting with it (11-03, 11-01).
    expect(found.groups.map((group) => group.customerId)).toEqual(['globex', 'acme']);
    expect(order).toEqual(['Export queued', 'Export finished', 'Exporter restarted', 'Exports lagging behind']);
    const restarted = found.groups[1]!.events.find((event) => event.summary[0]?.text === 'Exporter')!;
    expect(restarted.summary).toEqual([
      { text: 'Exporter', match: true },
      { text: ' restarted', match: false },
    ]);
    // A quoted phrase matches the words in that order only.
    expect(queries.search('"export finished"', 10).groups.flatMap((group) => group.events.map((event) => event.id))).toEqual([
      rows[2]!.id,
    ]);
    expect(queries.search('"finished export"', 10).groups).toEqual([]);
    handle.db.close();
  });

  it('turns typed text into a whole-word and a prefix query, quotes as phrases, operators as text', () => {
    expect(toSearchTiers('sso enf')).toEqual({ exact: '"sso" "enf"', prefix: '"sso"* "enf"*' });
    expect(toSearchTiers('"login failed" OR')).toEqual({ exact: '"OR" "login failed"', prefix: '"OR"* "login failed"' });
    expect(toSearchTiers('"login failed"')).toEqual({ exact: '"login failed"', prefix: null });
    // An unclosed quote is plain text; one-letter words are left out.
    expect(toSearchTiers('"near( a')).toEqual({ exact: '"near"', prefix: '"near"*' });
    expect(toSearchTiers('a')).toBeNull();
  });
});

describe('filtered timeline totals', () => {
  it('answers totals from kept counts, keeps them right when an event changes, and counts combinations exactly', () => {
    const { handle, applier, queries } = openDesk();
    const alert = eventRow('acme', '2026-11-01T10:00:00.000Z', { kind: 'alert', severity: 'critical', feature: 'sso' });
    const rows = [
      alert,
      eventRow('acme', '2026-11-01T11:00:00.000Z', { kind: 'alert', severity: 'warning', feature: 'sso' }),
      eventRow('acme', '2026-11-01T12:00:00.000Z', { kind: 'deploy', severity: 'info' }),
      eventRow('acme', '2026-11-01T13:00:00.000Z', { kind: 'flag_change', severity: 'info', feature: 'sso' }),
    ];
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: rows.map((row) => put('event', row.id, row)) }]), now);
    const page = (filters: Parameters<typeof queries.timelinePage>[0]['filters'], limit = 1) =>
      queries.timelinePage({ customerId: 'acme', limit, filters });
    expect(page({ severities: ['critical'] }).total).toBe(1);
    expect(page({ kinds: ['alert'] }).total).toBe(2);
    expect(page({ features: ['sso'] }).total).toBe(3);
    expect(page({ sources: ['deploybot'] }).total).toBe(4);
    expect(page({ changesOnly: true }).total).toBe(2);
    expect(page({ kinds: ['alert'], severities: ['warning', 'info'] }).total).toBe(1);
    expect(queries.timelineCount({ customerId: 'acme', filters: { kinds: ['alert'], features: ['sso'] } })).toEqual({
      total: 2,
    });
    expect(page({ kinds: ['alert'], severities: ['critical'] }, 10).rows.map((row) => row.id)).toEqual([alert.id]);

    // A newer version of the alert is no longer critical: the kept count follows.
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('event', alert.id, { ...alert, severity: 'error' }, 2)] }]),
      now,
    );
    expect(page({ severities: ['critical'] }).total).toBe(0);
    expect(page({ severities: ['error'] }).total).toBe(1);
    expect(page({ severities: ['critical'] }).rows).toEqual([]);
    handle.db.close();
  });
});

describe('timeline text filter with other filters', () => {
  it('finds exactly the events matching the words and every other filter, with an exact total, whatever the kind looks like', () => {
    const { handle, applier, queries } = openDesk();
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`;
    const toggled = eventRow('acme', at(1), { kind: 'flag_change', summary: 'Export flag toggled', feature: 'exports' });
    const failed = eventRow('acme', at(2), { kind: 'flag_change_failed', summary: 'Export flag toggle failed' });
    const symbols = eventRow('acme', at(3), { kind: '++', summary: 'Export seen by a custom producer' });
    const alert = eventRow('acme', at(4), {
      kind: 'alert',
      severity: 'critical',
      summary: 'Export queue stalled',
      feature: 'exports',
    });
    const other = eventRow('globex', at(5), { kind: 'flag_change', summary: 'Export flag toggled' });
    const rows = [toggled, failed, symbols, alert, ...[6, 7, 8].map((day) => eventRow('acme', at(day), { kind: 'deploy' }))];
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:acme', ops: rows.map((row) => put('event', row.id, row)) },
        { bucket: 'customer:globex', ops: [put('event', other.id, other)] },
      ]),
      now,
    );
    const page = (filters: Parameters<typeof queries.timelinePage>[0]['filters'], limit = 10) =>
      queries.timelinePage({ customerId: 'acme', limit, filters });
    const ids = (filters: Parameters<typeof queries.timelinePage>[0]['filters']) => page(filters).rows.map((row) => row.id);
    // The kind is asked of the search index by its words; a kind containing the same words is not a match.
    expect(ids({ text: 'export', kinds: ['flag_change'] })).toEqual([toggled.id]);
    expect(ids({ text: 'export', kinds: ['flag_change_failed'] })).toEqual([failed.id]);
    // A kind without a word the index could hold is checked on the rows only.
    expect(ids({ text: 'export', kinds: ['++'] })).toEqual([symbols.id]);
    expect(ids({ text: 'export', kinds: ['++', 'alert'] })).toEqual([alert.id, symbols.id]);
    expect(ids({ text: 'export', features: ['exports'] })).toEqual([alert.id, toggled.id]);
    expect(ids({ text: 'exp', severities: ['critical'], features: ['exports'] })).toEqual([alert.id]);
    expect(ids({ text: 'export', changesOnly: true })).toEqual([toggled.id]);
    // Words that never meet the other filters: nothing, and the total says so.
    expect(page({ text: 'export', kinds: ['deploy'] })).toMatchObject({ rows: [], total: 0, nextCursor: null });
    // More matches than a page: the total is exact on the first page, the next page continues in time order.
    const first = page({ text: 'export' }, 2);
    expect(first.rows.map((row) => row.id)).toEqual([alert.id, symbols.id]);
    expect(first.total).toBe(4);
    const next = queries.timelinePage({ customerId: 'acme', limit: 10, cursor: first.nextCursor, filters: { text: 'export' } });
    expect(next.rows.map((row) => row.id)).toEqual([failed.id, toggled.id]);
    expect(queries.timelineCount({ customerId: 'acme', filters: { text: 'flag', kinds: ['flag_change'] } })).toEqual({
      total: 1,
    });
    handle.db.close();
  });
});

describe('event rows checked on the fast path', () => {
  it('refuses every malformed event row the schema refuses, naming the field, and accepts good ones', () => {
    const good = eventRow('acme', '2026-11-01T10:00:00.000Z', { properties: { thread: 't1', n: 3 }, links: { ticket: 'T-1' } });
    const check = (row: unknown) => () =>
      validatePullRows(pullResponse([{ bucket: 'customer:acme', ops: [put('event', good.id, row)] }]));
    expect(check(good)).not.toThrow();
    expect(check({ ...good, signature: undefined, body: 'text', feature: 'sso', actor: null })).not.toThrow();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ id: 'not-a-ulid' }, /\bid\b/],
      [{ occurredAt: '2026-11-01 10:00' }, /occurredAt/],
      [{ recordedAt: 12 }, /recordedAt/],
      [{ kind: '' }, /kind/],
      [{ kind: 'k'.repeat(49) }, /kind/],
      [{ severity: 'apocalyptic' }, /severity/],
      [{ source: { system: 'x' } }, /source\.externalId/],
      [{ actor: 7 }, /actor/],
      [{ summary: null }, /summary/],
      [{ body: {} }, /body/],
      [{ links: { a: 1 } }, /links\.a/],
      [{ links: ['a'] }, /links/],
      [{ properties: 'x' }, /properties/],
      [{ signature: 's'.repeat(201) }, /signature/],
      [{ customerId: '' }, /customerId/],
    ];
    for (const [change, field] of bad) expect(check({ ...good, ...change })).toThrow(field);
    const { summary: _summary, ...withoutSummary } = good;
    expect(check(withoutSummary)).toThrow(/summary/);
  });
});

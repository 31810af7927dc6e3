import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { createSearchIndexer } from '../../../electron/db/search-index';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries, toFtsQuery } from '../../../electron/db/queries';
import { customerSearchKey, customerSearchTerm } from '../../../electron/db/search-key';
import { silentLogger } from '../../../electron/core/log';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

// Issue 13: every event is indexed with its customer's term, so the timeline's text filter reads one customer's
// full-text matches instead of the whole fleet's (migration 16, electron/db/search-key.ts).
const dirs = tempDirs('lk-search-key-');
afterEach(() => dirs.cleanup());
const now = '2026-11-27T00:00:00Z';

const countMatches = (db: Database.Database, query: string) =>
  db.prepare<[string], number>('select count(*) from events_fts where events_fts match ?').pluck().get(query);

describe('cache migration 16 (a customer term in the search index)', () => {
  it("gives every event of a version 15 cache its customer's key, and indexes it for finished bootstraps only", () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 15),
      'cache',
    );
    db.exec(`insert into sync_bucket (bucket, state, updated_at) values
      ('customer:acme', 'live', '${now}'), ('customer:globex', 'bootstrapping', '${now}')`);
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver) values (?, ?, ?, ?, 'alert', 'warning', ?, null, 'alertmanager', ?, '{}', '{}', 1)`);
    const at = '2026-11-01T00:00:00.000Z';
    insert.run('E1', 'acme', at, at, 'Export queue stalled', 'x1');
    insert.run('E2', 'acme', at, at, 'Login slow', 'x2');
    insert.run('E3', 'globex', at, at, 'Export missing rows', 'x3');
    // Version 15 indexed acme (live) and not globex (bootstrapping), without a customer column.
    db.exec(`insert into events_fts (rowid, summary, body, kind, feature, actor)
      select rid, summary, body, kind, feature, actor from events where customer_id = 'acme'`);
    migrate(db, CACHE_MIGRATIONS, 'cache');

    expect(db.prepare('select customer_id, search_key from events order by id').raw().all()).toEqual([
      ['acme', customerSearchKey('acme')],
      ['acme', customerSearchKey('acme')],
      ['globex', customerSearchKey('globex')],
    ]);
    expect(countMatches(db, `${customerSearchTerm('acme')} "export"`)).toBe(1);
    expect(countMatches(db, customerSearchTerm('acme'))).toBe(2);
    // globex waits for its bootstrap, as before.
    expect(countMatches(db, customerSearchTerm('globex'))).toBe(0);
    expect(countMatches(db, '"export"')).toBe(1);
    db.exec("insert into events_fts (events_fts) values ('integrity-check')");
    db.close();
  });
});

describe("the timeline's text filter by the customer's term", () => {
  it("finds one customer's matches, follows changed and reset events, and never matches what people type", () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const outbox = createOutbox(handle.db);
    const applier = createApplier(handle.db, outbox);
    const queries = createQueries(handle.db, outbox, () => 'you');
    applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex'] }), now);
    const acmeExport = eventRow('acme', '2026-11-01T10:00:00.000Z', { summary: 'Export queue stalled' });
    const acmeLogin = eventRow('acme', '2026-11-01T11:00:00.000Z', { summary: 'Login slow' });
    const globexExport = eventRow('globex', '2026-11-01T12:00:00.000Z', { summary: 'Export missing rows' });
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [
            put('customer', 'acme', customerRow('acme')),
            put('event', acmeExport.id, acmeExport),
            put('event', acmeLogin.id, acmeLogin),
          ],
        },
        {
          bucket: 'customer:globex',
          ops: [put('customer', 'globex', customerRow('globex')), put('event', globexExport.id, globexExport)],
        },
      ]),
      now,
    );
    createSearchIndexer(handle.db).indexAll();
    const db = handle.db;
    const textPage = (customerId: string, text: string) =>
      queries.timelinePage({ customerId, limit: 10, filters: { text } }).rows.map((row) => row.id);
    expect(countMatches(db, customerSearchTerm('acme'))).toBe(2);
    expect(countMatches(db, customerSearchTerm('globex'))).toBe(1);
    expect(textPage('acme', 'expo')).toEqual([acmeExport.id]);
    expect(textPage('globex', 'export')).toEqual([globexExport.id]);

    // A newer version of an event is indexed again under the same customer term.
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:acme', ops: [put('event', acmeLogin.id, { ...acmeLogin, summary: 'Export retried' }, 2)] },
      ]),
      now,
    );
    expect(textPage('acme', 'export')).toEqual([acmeLogin.id, acmeExport.id]);
    db.exec("insert into events_fts (events_fts) values ('integrity-check')");

    // A reset bucket leaves none of its customer's terms behind.
    applier.applyPull(pullResponse([], { buckets: [{ bucket: 'customer:acme', reset: true, reason: 'cursor_expired' }] }), now);
    expect(countMatches(db, customerSearchTerm('acme'))).toBe(0);
    expect(countMatches(db, customerSearchTerm('globex'))).toBe(1);
    db.exec("insert into events_fts (events_fts) values ('integrity-check')");

    // The key is made of characters no typed query keeps: typing it searches for nothing.
    expect(toFtsQuery(customerSearchKey('globex'))).toBeNull();
    expect(
      queries.search(`${customerSearchKey('globex')} export`, 10).groups.flatMap((group) => group.events.map((e) => e.id)),
    ).toEqual([globexExport.id]);
    handle.db.close();
  });
});

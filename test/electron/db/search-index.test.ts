import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { openCache, type CacheHandle } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries } from '../../../electron/db/queries';
import { createSearchIndexer } from '../../../electron/db/search-index';
import { silentLogger } from '../../../electron/core/log';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

// Issue 13: a customer's search index is built after its bootstrap, in chunks, resumably (search-index.ts).
const dirs = tempDirs('lk-search-index-');
afterEach(() => dirs.cleanup());
const now = '2026-11-27T00:00:00Z';
const minute = (index: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + index * 60_000).toISOString();

function openDesk(dataDir: string) {
  const handle = openCache({ dataDir, log: silentLogger });
  const outbox = createOutbox(handle.db);
  return {
    handle,
    applier: createApplier(handle.db, outbox),
    indexer: createSearchIndexer(handle.db),
    queries: createQueries(handle.db, outbox, () => 'you'),
  };
}

/** Event ids the search box finds for a word, across customers. */
const found = (desk: ReturnType<typeof openDesk>, word: string) =>
  desk.queries
    .search(word, 100)
    .groups.flatMap((group) => group.events.map((event) => event.id))
    .sort();
const integrityCheck = (handle: CacheHandle) => handle.db.exec("insert into events_fts (events_fts) values ('integrity-check')");
/** Events in the search index: FTS5 keeps one size row per indexed row. */
const indexedRows = (handle: CacheHandle) => handle.db.prepare('select count(*) from events_fts_docsize').pluck().get();
const bucketRow = (handle: CacheHandle, bucket: string) =>
  handle.db
    .prepare('select is_search_indexed, search_after_time, search_after_id from sync_bucket where bucket = ?')
    .get(bucket) as { is_search_indexed: number; search_after_time: string | null; search_after_id: string | null };

/** acme: 10 events mentioning "zephyr" one minute apart; globex: 4 mentioning "zephyr". */
function bootstrap(desk: ReturnType<typeof openDesk>) {
  const acme = Array.from({ length: 10 }, (_, index) => eventRow('acme', minute(index), { summary: `zephyr wave ${index}` }));
  const globex = Array.from({ length: 4 }, (_, index) =>
    eventRow('globex', minute(index), { summary: `zephyr globex ${index}` }),
  );
  desk.applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex'] }), now);
  desk.applier.applyPull(
    pullResponse([
      {
        bucket: 'customer:acme',
        ops: [put('customer', 'acme', customerRow('acme')), ...acme.map((event) => put('event', event.id, event))],
        bootstrap: { pageToken: null, done: true },
      },
      {
        bucket: 'customer:globex',
        ops: [put('customer', 'globex', customerRow('globex')), ...globex.map((event) => put('event', event.id, event))],
        bootstrap: { pageToken: null, done: true },
      },
    ]),
    now,
  );
  return { acme, globex };
}

describe('the search index after a bootstrap', () => {
  it('says it is still indexing until the indexer is done, goes on where it stopped after a restart, then finds everything', () => {
    const dataDir = dirs.make();
    let desk = openDesk(dataDir);
    const { acme, globex } = bootstrap(desk);
    // The bootstrap is in, its events are on the timeline, and search says its answer may be incomplete.
    expect(desk.queries.timelinePage({ customerId: 'acme', limit: 50 }).rows).toHaveLength(10);
    expect(found(desk, 'zephyr')).toEqual([]);
    expect(desk.queries.search('zephyr', 100).indexing).toEqual({ customers: 2, events: 14 });

    // Two chunks of 4: acme's first 8 events, in time order; acme's position is kept in its bucket.
    expect(desk.indexer.runChunk(4)).toEqual({ rows: 4, finished: [], isDone: false });
    expect(desk.indexer.runChunk(4)).toEqual({ rows: 4, finished: [], isDone: false });
    expect(bucketRow(desk.handle, 'customer:acme')).toEqual({
      is_search_indexed: 0,
      search_after_time: acme[7]!.occurredAt,
      search_after_id: acme[7]!.id,
    });
    expect(found(desk, 'zephyr')).toEqual(
      acme
        .slice(0, 8)
        .map((event) => event.id)
        .sort(),
    );
    expect(desk.queries.search('zephyr', 100).indexing).toEqual({ customers: 2, events: 14 });

    // The desk closes mid-way and opens again: the indexer starts after acme's eighth event.
    desk.handle.db.close();
    desk = openDesk(dataDir);
    expect(desk.queries.search('zephyr', 100).indexing).toEqual({ customers: 2, events: 14 });
    // acme's last 2 and all 4 of globex's, in one chunk: both finish.
    expect(desk.indexer.runChunk(6)).toEqual({ rows: 6, finished: ['acme', 'globex'], isDone: true });
    expect(found(desk, 'zephyr')).toEqual([...acme, ...globex].map((event) => event.id).sort());
    expect(desk.queries.search('zephyr', 100).indexing).toBeNull();
    // Every event indexed exactly once.
    expect(indexedRows(desk.handle)).toBe(14);
    integrityCheck(desk.handle);

    // From now on each new or changed event is indexed as it is applied.
    const later = eventRow('acme', minute(50), { summary: 'zephyr late wave' });
    desk.applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [put('event', later.id, later), put('event', acme[0]!.id, { ...acme[0]!, summary: 'renamed nimbus' }, 2)],
        },
      ]),
      now,
    );
    expect(found(desk, 'nimbus')).toEqual([acme[0]!.id]);
    expect(found(desk, 'zephyr')).toHaveLength(14);
    expect(found(desk, 'late')).toEqual([later.id]);
    integrityCheck(desk.handle);
    desk.handle.db.close();
  });

  it('indexes what sync changes while a customer is half indexed exactly once: behind the position at once, ahead by the indexer', () => {
    const desk = openDesk(dirs.make());
    const { acme } = bootstrap(desk);
    desk.indexer.prefer('globex');
    // globex first (preferred), then acme's first 4 events.
    expect(desk.indexer.runChunk(8)).toEqual({ rows: 8, finished: ['globex'], isDone: false });
    expect(bucketRow(desk.handle, 'customer:acme').search_after_id).toBe(acme[3]!.id);

    const late = eventRow('acme', minute(1) /* behind the position */, { summary: 'aurora behind' });
    const ahead = eventRow('acme', minute(30), { summary: 'aurora ahead' });
    desk.applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [
            put('event', late.id, late),
            put('event', ahead.id, ahead),
            // Indexed (behind) and changed to a text still behind.
            put('event', acme[1]!.id, { ...acme[1]!, summary: 'aurora changed behind' }, 2),
            // Not indexed yet (ahead): left to the indexer, which reads its new text.
            put('event', acme[8]!.id, { ...acme[8]!, summary: 'aurora changed ahead' }, 2),
            // Indexed, and moved ahead of the position: out of the index now, the indexer puts it back.
            put('event', acme[2]!.id, { ...acme[2]!, occurredAt: minute(40), summary: 'aurora moved ahead' }, 2),
          ],
        },
      ]),
      now,
    );
    integrityCheck(desk.handle);
    expect(found(desk, 'aurora')).toEqual([late.id, acme[1]!.id].sort());
    desk.indexer.indexAll(3);
    expect(found(desk, 'aurora')).toEqual([late.id, ahead.id, acme[1]!.id, acme[8]!.id, acme[2]!.id].sort());
    expect(found(desk, 'zephyr')).toHaveLength(4 + 10 - 3);
    expect(indexedRows(desk.handle)).toBe(16);
    integrityCheck(desk.handle);
    desk.handle.db.close();
  });

  it('clears a half-indexed customer on a reset or a removal, deleting only what the index holds', () => {
    const desk = openDesk(dirs.make());
    bootstrap(desk);
    // acme's first 5 events.
    desk.indexer.runChunk(5);
    desk.applier.applyPull(
      pullResponse([], { buckets: [{ bucket: 'customer:acme', reset: true, reason: 'cursor_expired' }] }),
      now,
    );
    integrityCheck(desk.handle);
    expect(bucketRow(desk.handle, 'customer:acme')).toEqual({
      is_search_indexed: 0,
      search_after_time: null,
      search_after_id: null,
    });
    expect(indexedRows(desk.handle)).toBe(0);
    // globex's first 2, then globex is removed from this desk's scope.
    desk.indexer.runChunk(2);
    expect(indexedRows(desk.handle)).toBe(2);
    desk.applier.applyPull(pullResponse([], { removedBuckets: ['customer:globex'] }), now);
    integrityCheck(desk.handle);
    expect(indexedRows(desk.handle)).toBe(0);
    expect(desk.queries.search('zephyr', 100)).toMatchObject({ groups: [], indexing: null });
    desk.handle.db.close();
  });
});

describe('cache migration 20 (search index after the bootstrap)', () => {
  it('keeps a version 19 cache searchable: live customers count as indexed, a bootstrapping one is indexed when it finishes', () => {
    const dataDir = dirs.make();
    const db = new Database(`${dataDir}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 19),
      'cache',
    );
    db.exec(`insert into sync_bucket (bucket, state, updated_at) values
      ('customer:acme', 'live', '${now}'), ('customer:globex', 'bootstrapping', '${now}'), ('global', 'live', '${now}')`);
    for (const id of ['acme', 'globex']) {
      db.prepare(
        `insert into customers (id, name, plan, region, environment, version, lifecycle, health, created_at, updated_at, ver)
        values (?, ?, 'pro', 'eu', 'production', '1.0.0', 'live', 'ok', '${now}', '${now}', 1)`,
      ).run(id, `Customer ${id}`);
    }
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary,
      source_system, source_external_id, links, properties, ver, search_key)
      values (?, ?, ?, ?, 'deploy', 'info', ?, 'deploybot', ?, '{}', '{}', 1, 'k')`);
    insert.run('01JAAAAAAAAAAAAAAAAAAAAAA1', 'acme', minute(1), minute(1), 'comet acme', 'x1');
    insert.run('01JAAAAAAAAAAAAAAAAAAAAAA2', 'globex', minute(2), minute(2), 'comet globex', 'x2');
    // Version 19 indexed live customers only.
    db.exec(`insert into events_fts (rowid, summary, body, kind, feature, actor, search_key)
      select rid, summary, body, kind, feature, actor, search_key from events where customer_id = 'acme'`);
    db.close();

    const desk = openDesk(dataDir);
    expect(bucketRow(desk.handle, 'customer:acme').is_search_indexed).toBe(1);
    expect(bucketRow(desk.handle, 'customer:globex').is_search_indexed).toBe(0);
    expect(found(desk, 'comet')).toEqual(['01JAAAAAAAAAAAAAAAAAAAAAA1']);
    // A bootstrap still under way is not "indexing" yet: nothing of it is promised to search.
    expect(desk.queries.search('comet', 10).indexing).toBeNull();
    // acme's changes are indexed as they arrive, as before.
    const acmeLater = eventRow('acme', minute(3), { summary: 'comet acme later' });
    desk.applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('event', acmeLater.id, acmeLater)] }]), now);
    expect(found(desk, 'later')).toEqual([acmeLater.id]);
    // globex's bootstrap finishes: indexing, then found.
    desk.applier.applyPull(
      pullResponse([{ bucket: 'customer:globex', ops: [], bootstrap: { pageToken: null, done: true } }]),
      now,
    );
    expect(desk.queries.search('comet', 10).indexing).toEqual({ customers: 1, events: 0 });
    expect(desk.indexer.indexAll()).toBe(1);
    expect(found(desk, 'comet')).toEqual(['01JAAAAAAAAAAAAAAAAAAAAAA1', '01JAAAAAAAAAAAAAAAAAAAAAA2', acmeLater.id].sort());
    integrityCheck(desk.handle);
    desk.handle.db.close();
  });
});

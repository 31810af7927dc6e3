import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { createSearchIndexer } from '../../../electron/db/search-index';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS, FTS_HASH_SIZE_BYTES } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { createQueries } from '../../../electron/db/queries';
import { silentLogger } from '../../../electron/core/log';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

// Issue 13: the search index keeps up to FTS_HASH_SIZE_BYTES of pending terms in memory before it writes a
// segment (FTS5's 1 MB default made a bootstrap's bulk build write and merge a segment every few hundred events).
const dirs = tempDirs('lk-fts-hashsize-');
afterEach(() => dirs.cleanup());
const now = '2026-11-27T00:00:00Z';

const hashSize = (db: Database.Database) =>
  db.prepare<[], number>("select v from events_fts_config where k = 'hashsize'").pluck().get();

describe('cache migration 17 (search index pending terms)', () => {
  it('sets the hash size on a version 16 cache and keeps its index and searches as they were', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 16),
      'cache',
    );
    expect(hashSize(db)).toBeUndefined();
    db.exec(`insert into sync_bucket (bucket, state, updated_at) values ('customer:acme', 'live', '${now}')`);
    db.exec(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver, search_key) values
      ('E1', 'acme', '${now}', '${now}', 'alert', 'warning', 'Export queue stalled', null, 'alertmanager', 'x1', '{}', '{}', 1, 'k')`);
    db.exec(`insert into events_fts (rowid, summary, body, kind, feature, actor, search_key)
      select rid, summary, body, kind, feature, actor, search_key from events`);
    migrate(db, CACHE_MIGRATIONS, 'cache');
    expect(hashSize(db)).toBe(FTS_HASH_SIZE_BYTES);
    expect(db.prepare('select count(*) from events_fts where events_fts match \'"export"*\'').pluck().get()).toBe(1);
    db.exec("insert into events_fts (events_fts) values ('integrity-check')");
    db.close();
  });

  it('gives a new cache the setting, and a bootstrap indexed under it searches and passes the integrity check', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    expect(hashSize(handle.db)).toBe(FTS_HASH_SIZE_BYTES);
    const outbox = createOutbox(handle.db);
    const applier = createApplier(handle.db, outbox);
    applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme'] }), now);
    const events = Array.from({ length: 3000 }, (_, index) =>
      eventRow('acme', new Date(Date.parse('2026-11-01T00:00:00Z') + index * 60_000).toISOString(), {
        summary: `rollout wave${index} of quasar${index % 97} finished`,
      }),
    );
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [put('customer', 'acme', customerRow('acme')), ...events.map((event) => put('event', event.id, event))],
          cursor: 'c1',
          bootstrap: { pageToken: null, done: true },
        },
      ]),
      now,
    );
    createSearchIndexer(handle.db).indexAll();
    handle.db.exec("insert into events_fts (events_fts) values ('integrity-check')");
    const queries = createQueries(handle.db, outbox, () => 'test');
    expect(queries.search('wave2999', 10).groups[0]?.events.map((event) => event.id)).toEqual([events[2999]!.id]);
    handle.db.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-migrate-');
afterEach(() => dirs.cleanup());

describe('cache migration 4 (timeline facets)', () => {
  it('fills the facets of a cache written at version 3 from its events', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 3),
      'cache',
    );
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver) values (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 'info', 's', ?, ?, ?, '{}', '{}', 1)`);
    insert.run('E1', 'acme', 'deploy', null, 'deploybot', 'x1');
    insert.run('E2', 'acme', 'alert', 'sso', 'alertmanager', 'x2');
    insert.run('E3', 'acme', 'alert', 'sso', 'alertmanager', 'x3');
    insert.run('E4', 'globex', 'ticket', 'exports', 'zendesk', 'x4');
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 4),
      'cache',
    );
    const rows = db.prepare('select customer_id, facet, value from customer_facets order by 1, 2, 3').raw().all();
    expect(rows).toEqual([
      ['acme', 'feature', 'sso'],
      ['acme', 'kind', 'alert'],
      ['acme', 'kind', 'deploy'],
      ['acme', 'source', 'alertmanager'],
      ['acme', 'source', 'deploybot'],
      ['globex', 'feature', 'exports'],
      ['globex', 'kind', 'ticket'],
      ['globex', 'source', 'zendesk'],
    ]);
    db.close();
  });
});

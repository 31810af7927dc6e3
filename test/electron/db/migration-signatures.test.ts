import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { silentLogger } from '../../../electron/core/log';
import { eventSignature } from '../../../shared/signature';
import { eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-signatures-');
afterEach(() => dirs.cleanup());

describe('cache migration 5 (event signatures)', () => {
  it('gives events cached at version 4 the signature the server computes for them', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 4),
      'cache',
    );
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, links, properties, ver) values (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 'info', ?, ?, 'x', ?, '{}', ?, 1)`);
    const alert = { alertname: 'ExportLag', job: 'exp-12', thread: 't', status: 'open' };
    insert.run('E1', 'acme', 'alert', 'Export lag', 'exports', 'x1', JSON.stringify(alert));
    insert.run('E2', 'globex', 'alert', 'Export lag', 'exports', 'x2', JSON.stringify({ ...alert, job: 'exp-40' }));
    insert.run('E3', 'acme', 'deploy', 'Deployed', null, 'x3', '{}');
    insert.run('E4', 'acme', 'incident', 'INC-1: Broken', null, 'x4', 'not json');
    migrate(db, CACHE_MIGRATIONS, 'cache');
    const rows = db.prepare('select id, signature from events order by id').all() as { id: string; signature: string | null }[];
    const expected = eventSignature({
      customerId: 'acme',
      kind: 'alert',
      summary: 'Export lag',
      feature: 'exports',
      properties: alert,
    });
    expect(rows).toEqual([
      { id: 'E1', signature: expected },
      { id: 'E2', signature: expected },
      { id: 'E3', signature: null },
      { id: 'E4', signature: eventSignature({ customerId: 'acme', kind: 'incident', summary: 'INC-1: Broken', properties: {} }) },
    ]);
    // "Other customers with the same signature in a window" reads the signature index, not the table.
    const plan = db
      .prepare(
        "explain query plan select customer_id from events where signature = ? and occurred_at between '2026-01-01' and '2026-01-02'",
      )
      .all(expected) as { detail: string }[];
    expect(plan.map((step) => step.detail).join(' ')).toContain('events_by_signature_occurred_at');
    db.close();
  });

  it('stores the signature a pulled event row carries, and none from a server that sends none', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const applier = createApplier(handle.db, createOutbox(handle.db));
    const signed = eventRow('acme', '2026-11-01T10:00:00.000Z', { kind: 'alert', signature: 'alert:exportlag:0123456789abcdef' });
    const { signature: _omitted, ...older } = eventRow('acme', '2026-11-01T11:00:00.000Z', { kind: 'alert' });
    applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme'] }), '2026-11-27T00:00:00Z');
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:acme', ops: [put('event', signed.id, signed), put('event', older.id, older)], cursor: 'c1' },
      ]),
      '2026-11-27T00:00:00Z',
    );
    const rows = handle.db.prepare('select id, signature from events order by id').all();
    expect(rows).toEqual([
      { id: signed.id, signature: 'alert:exportlag:0123456789abcdef' },
      { id: older.id, signature: null },
    ]);
    handle.db.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { createDiagnosis } from '../../../electron/db/diagnosis';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { silentLogger } from '../../../electron/core/log';
import { changeKey } from '../../../shared/diagnosis/changes';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-change-keys-');
afterEach(() => dirs.cleanup());

type Row = { id: string; change_key: string | null };

describe('cache migration 15 (change keys for the fleet evidence)', () => {
  it('gives the changes cached at version 14 the key the diagnosis groups them by, and nothing else one', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 14),
      'cache',
    );
    const insert = db.prepare(`insert into events (id, customer_id, occurred_at, recorded_at, kind, severity, summary, feature,
      source_system, source_external_id, prev_value, new_value, links, properties, ver)
      values (?, ?, ?, ?, ?, 'info', ?, ?, 'x', ?, ?, ?, ?, ?, 1)`);
    const rows: [string, string, string, string, string | null, string | null, string | null, string, string][] = [
      ['E1', 'acme', 'version_upgrade', 'Upgraded to 26.12.0', null, '"26.11.0"', '"26.12.0"', '{}', '{}'],
      ['E2', 'globex', 'deploy', 'Deployed 26.12.0', null, null, null, '{"release":"26.12.0"}', '{}'],
      ['E3', 'acme', 'flag_change', 'sso.enforce: false → true', 'sso', 'false', 'true', '{}', '{"key":"sso.enforce"}'],
      ['E4', 'acme', 'config_change', 'exports.schedule changed', 'exports', null, 'not json', 'not json', 'not json'],
      ['E5', 'acme', 'deploy', 'Deployed export-worker', null, null, null, '{}', '{"component":"export-worker","build":"b7"}'],
      ['E6', 'acme', 'alert', 'Export lag', 'exports', null, null, '{}', '{"alertname":"ExportLag"}'],
    ];
    for (const [id, customer, kind, summary, feature, prev, next, links, properties] of rows) {
      insert.run(
        id,
        customer,
        '2026-11-01T10:00:00Z',
        '2026-11-01T10:00:00Z',
        kind,
        summary,
        feature,
        id,
        prev,
        next,
        links,
        properties,
      );
    }
    migrate(db, CACHE_MIGRATIONS, 'cache');
    expect(db.prepare('select id, change_key from events order by id').all() as Row[]).toEqual([
      { id: 'E1', change_key: 'release:26.12.0' },
      // A release's deploy and its upgrade are the same change on two customers.
      { id: 'E2', change_key: 'release:26.12.0' },
      { id: 'E3', change_key: 'flag_change:sso.enforce=true' },
      // Blobs that are not JSON read as nothing, as the diagnosis queries read them; the key comes from the summary.
      { id: 'E4', change_key: changeKey({ kind: 'config_change', summary: 'exports.schedule changed', feature: 'exports' }) },
      { id: 'E5', change_key: 'deploy:export-worker@b7' },
      { id: 'E6', change_key: null },
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(CACHE_MIGRATIONS.at(-1)!.version);
    // The affected customers' changes before their first signal come from the covering index alone.
    const plan = db
      .prepare(
        `explain query plan select change_key, count(distinct customer_id), min(kind || id) from events
         where customer_id = ? and change_key is not null and occurred_at >= ? and occurred_at <= ? group by change_key`,
      )
      .all('acme', '2026-10-31', '2026-11-02') as { detail: string }[];
    expect(plan.map((step) => step.detail).join(' ')).toContain('COVERING INDEX events_by_customer_occurred_at_change_key');
    db.close();
  });

  it('keeps the key of pulled changes as they arrive and are replaced, and who-else groups the fleet by it', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const applier = createApplier(handle.db, createOutbox(handle.db));
    const now = '2026-11-27T00:00:00Z';
    applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex', 'customer:initech'] }), now);
    const customer = (id: string) => put('customer', id, customerRow(id, { version: '26.12.0', health: 'degraded' }));
    const upgrade = (id: string, at: string) =>
      eventRow(id, at, { kind: 'version_upgrade', summary: 'Upgraded to 26.12.0', prevValue: '26.11.0', newValue: '26.12.0' });
    const alert = (id: string, at: string) =>
      eventRow(id, at, {
        kind: 'alert',
        severity: 'error',
        summary: 'Sign-in errors',
        signature: 'alert:signin:0123456789abcdef',
      });
    const flag = eventRow('acme', '2026-11-01T09:00:00.000Z', {
      kind: 'flag_change',
      summary: 'sso.enforce: false → true',
      prevValue: false,
      newValue: true,
      properties: { key: 'sso.enforce' },
    });
    const acmeAlert = alert('acme', '2026-11-01T10:00:00.000Z');
    const pages = ['acme', 'globex', 'initech'].map((id, index) => ({
      bucket: `customer:${id}`,
      ops: [
        customer(id),
        ...[
          upgrade(id, `2026-11-01T0${index + 1}:00:00.000Z`),
          index === 0 ? acmeAlert : alert(id, `2026-11-01T1${index}:30:00.000Z`),
        ].map((row) => put('event', row.id, row)),
        ...(index === 0 ? [put('event', flag.id, flag)] : []),
      ],
      cursor: 'c1',
    }));
    applier.applyPull(pullResponse(pages), now);
    const keyOf = handle.db.prepare<[string], string | null>('select change_key from events where id = ?').pluck();
    expect(keyOf.get(flag.id)).toBe('flag_change:sso.enforce=true');
    expect(keyOf.get(acmeAlert.id)).toBeNull();

    const diagnosis = createDiagnosis(handle.db, { now: () => Date.parse(now) });
    const shared = diagnosis.whoElse(acmeAlert.id).sharedChanges;
    expect(shared).toEqual([{ changeKey: 'release:26.12.0', label: 'upgrade 26.11.0 → 26.12.0', affected: 3, unaffected: 0 }]);

    // A newer version of the flag change sets it back: the key follows the row.
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('event', flag.id, { ...flag, newValue: false }, 2)], cursor: 'c2' }]),
      now,
    );
    expect(keyOf.get(flag.id)).toBe('flag_change:sso.enforce=false');
    handle.db.close();
  });
});

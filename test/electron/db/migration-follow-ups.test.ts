import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier, validatePullRows } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { silentLogger } from '../../../electron/core/log';
import type { FollowUp } from '../../../shared/follow-ups';
import { customerRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-follow-ups-cache-');
afterEach(() => dirs.cleanup());

const followUp = (id: string, overrides: Partial<FollowUp> = {}): FollowUp => ({
  id,
  customerId: 'acme',
  title: 'Renew the IdP certificate',
  owner: null,
  state: 'open',
  dueDate: null,
  runId: null,
  problemId: null,
  release: null,
  ticketUrl: null,
  source: 'hand',
  createdBy: 'dana',
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
  ...overrides,
});

describe('cache migration 8 (follow-ups)', () => {
  it('adds the follow-up table to a version-7 cache and keeps what it held', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 7),
      'cache',
    );
    db.prepare(
      `insert into notes (id, customer_id, event_id, author, body, created_at, updated_at, ver)
       values ('N1', 'acme', null, 'dana', 'kept', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`,
    ).run();
    migrate(db, CACHE_MIGRATIONS, 'cache');
    expect(db.prepare('select body from notes').pluck().all()).toEqual(['kept']);
    expect(db.prepare('select count(*) from follow_ups').pluck().get()).toBe(0);
    db.close();
  });

  it('stores pulled follow-ups by version, deletes them, and drops them with their customer', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const applier = createApplier(handle.db, createOutbox(handle.db));
    const state = () => handle.db.prepare('select id, state, ver from follow_ups order by id').all();
    applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme'] }), '2026-11-27T00:00:00Z');
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [
            put('customer', 'acme', customerRow('acme')),
            put('follow_up', 'F1', followUp('F1', { state: 'done' }), 2),
            put('follow_up', 'F2', followUp('F2')),
          ],
        },
      ]),
      '2026-11-27T00:00:00Z',
    );
    // An older copy never overwrites a newer one.
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('follow_up', 'F1', followUp('F1'), 1)] }]),
      '2026-11-27T00:00:00Z',
    );
    expect(state()).toEqual([
      { id: 'F1', state: 'done', ver: 2 },
      { id: 'F2', state: 'open', ver: 1 },
    ]);
    expect(applier.hasRow({ bucket: 'customer:acme', entity: 'follow_up', id: 'F1', ver: 2 })).toBe(true);
    expect(applier.hasRow({ bucket: 'customer:acme', entity: 'follow_up', id: 'F1', ver: 3 })).toBe(false);
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [{ op: 'del', entity: 'follow_up', id: 'F2', ver: 2 }] }]),
      '2026-11-27T00:00:00Z',
    );
    expect(state()).toEqual([{ id: 'F1', state: 'done', ver: 2 }]);
    // A follow-up of another customer in this bucket is refused before anything is written.
    expect(() =>
      validatePullRows(
        pullResponse([{ bucket: 'customer:acme', ops: [put('follow_up', 'F3', followUp('F3', { customerId: 'globex' }))] }]),
      ),
    ).toThrow(/carries a row of customer globex/);
    expect(() =>
      validatePullRows(
        pullResponse([{ bucket: 'customer:acme', ops: [put('follow_up', 'F4', { ...followUp('F4'), state: 'closed' })] }]),
      ),
    ).toThrow(/state/);
    applier.applyPull(pullResponse([], { removedBuckets: ['customer:acme'] }), '2026-11-27T00:00:00Z');
    expect(state()).toEqual([]);
    handle.db.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplier, validatePullRows } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { silentLogger } from '../../../electron/core/log';
import type { Revision } from '../../../shared/sync/wire';
import { createProblemQueries } from '../../../electron/db/problem-queries';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-problem-links-cache-');
afterEach(() => dirs.cleanup());

const problem = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  title: 'Exports lag',
  status: 'investigating',
  rules: [],
  customers: ['acme'],
  workaroundWizard: null,
  fixedVersion: null,
  fixedAt: null,
  owner: null,
  workaround: 'Restart the worker.',
  ticketUrl: 'https://tickets.example.com/OPS-1',
  fixUrl: null,
  createdBy: 'dana',
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
  ...overrides,
});

const revision = (id: string, entity: string): Revision => ({
  id,
  entity: entity as Revision['entity'],
  rowId: 'P1',
  ver: 1,
  kind: 'create',
  actor: 'dana',
  at: '2026-11-01T10:00:00.000Z',
  baseVer: null,
  fields: { title: 'Exports lag' },
});

describe('cache migration 11 (problem workaround and links)', () => {
  it('adds the columns to a version-10 cache and keeps its problems', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 10),
      'cache',
    );
    db.prepare(
      `insert into problems (id, title, status, rules, customers, created_by, created_at, updated_at, ver)
       values ('P0', 'kept', 'investigating', '[]', '["acme"]', 'dana', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)`,
    ).run();
    migrate(db, CACHE_MIGRATIONS, 'cache');
    expect(db.prepare('select title, workaround, ticket_url, fix_url from problems').all()).toEqual([
      { title: 'kept', workaround: null, ticket_url: null, fix_url: null },
    ]);
    db.close();
  });

  it('stores pulled problems with their links and their revisions from the global bucket', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const applier = createApplier(handle.db, createOutbox(handle.db));
    applier.applyPull(pullResponse([], { addedBuckets: ['global'] }), '2026-11-27T00:00:00Z');
    const response = pullResponse([
      { bucket: 'global', ops: [put('problem', 'P1', problem('P1')), put('revision', 'R1', revision('R1', 'problem'))] },
    ]);
    validatePullRows(response);
    applier.applyPull(response, '2026-11-27T00:00:00Z');
    expect(handle.db.prepare('select workaround, ticket_url from problems').get()).toEqual({
      workaround: 'Restart the worker.',
      ticket_url: 'https://tickets.example.com/OPS-1',
    });
    expect(handle.db.prepare('select customer_id, entity, row_id from revisions').all()).toEqual([
      { customer_id: '', entity: 'problem', row_id: 'P1' },
    ]);
    // Only a problem's revisions belong to the global bucket.
    expect(() =>
      validatePullRows(pullResponse([{ bucket: 'global', ops: [put('revision', 'R2', revision('R2', 'note'))] }])),
    ).toThrow(/global bucket/);
    handle.db.close();
  });

  it('counts a prefix rule and an exact rule over the signature index, each signal once', () => {
    const handle = openCache({ dataDir: dirs.make(), log: silentLogger });
    const applier = createApplier(handle.db, createOutbox(handle.db));
    applier.applyPull(pullResponse([], { addedBuckets: ['global', 'customer:acme', 'customer:globex'] }), '2026-11-27T00:00:00Z');
    const signal = (customerId: string, at: string, signature: string) => {
      const row = eventRow(customerId, at, { kind: 'alert', signature });
      return put('event', row.id, row);
    };
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [
            put('customer', 'acme', customerRow('acme', { version: '26.12.1' })),
            signal('acme', '2026-11-20T10:00:00.000Z', 'alert:exportjoblag:aaa'),
            signal('acme', '2026-11-21T10:00:00.000Z', 'alert:exportjoblag:bbb'),
            signal('acme', '2026-11-22T10:00:00.000Z', 'alert:exportjoblagging:ccc'),
          ],
        },
        {
          bucket: 'customer:globex',
          ops: [
            put('customer', 'globex', customerRow('globex', { version: '26.11.0' })),
            signal('globex', '2026-11-23T10:00:00.000Z', 'alert:exportjoblag:aaa'),
            signal('globex', '2026-11-24T10:00:00.000Z', 'alert:other:zzz'),
          ],
        },
        {
          bucket: 'global',
          ops: [
            put(
              'problem',
              'P1',
              // The exact rule and the prefix both match acme's first signal: it counts once.
              problem('P1', {
                rules: [{ prefix: 'alert:exportjoblag:' }, { signature: 'alert:exportjoblag:aaa' }],
                customers: [],
              }),
            ),
          ],
        },
      ]),
      '2026-11-27T00:00:00Z',
    );
    const detail = createProblemQueries(handle.db).get('P1', 'dana');
    expect(detail?.hits.map((hit) => [hit.customerId, hit.occurrences, hit.lastAt])).toEqual([
      ['acme', 2, '2026-11-21T10:00:00.000Z'],
      ['globex', 1, '2026-11-23T10:00:00.000Z'],
    ]);
    expect(detail?.problem).toMatchObject({ customersHit: 2, occurrences: 3 });
    handle.db.close();
  });
});

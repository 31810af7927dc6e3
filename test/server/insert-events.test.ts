import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../server/ids';
import { insertEvents } from '../../server/repo/writes';
import { createTestDatabase, type TestDatabase } from './support/database';
import { addCustomers, event } from './support/server';

/*
 * insertEvents writes a batch customer by customer (for locality), not in input
 * order; what callers see must not change: the first of events sharing a source
 * key wins, ids come back in input order, and replays store nothing new.
 */

let database: TestDatabase;
const newId = createIdGenerator();

beforeAll(async () => {
  database = await createTestDatabase();
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await database?.dispose();
});

describe('insertEvents', () => {
  it('keeps the first of events that share a source key, whatever their customers, and answers ids in input order', async () => {
    const source = { system: 'monitoring', externalId: `shared-${Date.now()}` };
    const inputs = [
      event('globex', { source, summary: 'first' }),
      event('acme', { source, summary: 'second' }),
      event('acme', { summary: 'other' }),
      event('globex', { summary: 'last' }),
    ];
    const result = await database.storage.transaction((db) => insertEvents(db, inputs, { now: Date.now(), newId }));
    expect(result).toMatchObject({ accepted: 3, duplicates: 1 });
    const [kept] = await database.storage.query<{ id: string; customer_id: string; summary: string }>(
      'select id, customer_id, summary from events where source_system = $1 and external_id = $2',
      [source.system, source.externalId],
    );
    expect(kept).toMatchObject({ customer_id: 'globex', summary: 'first' });
    expect(result.ids[0]).toBe(kept?.id);
    expect(result.ids[1]).toBe(kept?.id);
    const stored = await database.storage.query<{ id: string; summary: string }>(
      'select id, summary from events where id = any($1::text[])',
      [result.ids],
    );
    const summaries = new Map(stored.map((row) => [row.id, row.summary]));
    expect(result.ids.map((id) => summaries.get(id))).toEqual(['first', 'first', 'other', 'last']);
    // Ids are made in input order, so they sort in it too.
    expect([result.ids[0], result.ids[2], result.ids[3]]).toEqual([result.ids[0], result.ids[2], result.ids[3]].sort());

    const replay = await database.storage.transaction((db) => insertEvents(db, inputs, { now: Date.now(), newId }));
    expect(replay).toEqual({ accepted: 0, duplicates: 4, ids: result.ids, fresh: [false, false, false, false] });
  });

  it('loads history without answering ids, every event logged once', async () => {
    const inputs = Array.from({ length: 30 }, (_, index) =>
      event(index % 3 === 0 ? 'acme' : 'globex', { occurredAt: new Date(Date.UTC(2026, 0, 1 + index)).toISOString() }),
    );
    const result = await database.storage.transaction((db) =>
      insertEvents(db, inputs, { now: Date.now(), newId, isHistory: true }),
    );
    expect(result).toEqual({ accepted: 30, duplicates: 0, ids: [], fresh: [] });
    const [logged] = await database.storage.query<{ count: number }>(
      `select count(*)::integer as count from change_log c join events e on e.id = c.row_id
        where c.entity = 'event' and e.external_id = any($1::text[]) and c.bucket = 'customer:' || e.customer_id`,
      [inputs.map((input) => input.source.externalId)],
    );
    expect(logged?.count).toBe(30);
    // History ids carry the time each event occurred (recordedAt = occurredAt).
    const rows = await database.storage.query<{ same: boolean }>(
      `select recorded_at = occurred_at as same from events where external_id = any($1::text[])`,
      [inputs.map((input) => input.source.externalId)],
    );
    expect(rows.every((row) => row.same)).toBe(true);
  });
});

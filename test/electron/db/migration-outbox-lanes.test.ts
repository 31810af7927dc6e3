import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCache } from '../../../electron/db/cache';
import { OUTBOX_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox, LEGACY_BINDING } from '../../../electron/db/outbox';
import { silentLogger } from '../../../electron/core/log';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-outbox-migrate-');
afterEach(() => dirs.cleanup());

describe('outbox migration 3 (writes bound to their backend, in lanes)', () => {
  it('keeps every row of a version-2 outbox with its client id and sequence, bound to the backend used before', () => {
    const dataDir = dirs.make();
    const old = new Database(path.join(dataDir, 'outbox.sqlite'));
    migrate(
      old,
      OUTBOX_MIGRATIONS.filter((migration) => migration.version <= 2),
      'outbox',
    );
    old.prepare("insert into outbox_meta (key, value) values ('client_id', 'desk-OLD'), ('last_seq', '7')").run();
    const insert = old.prepare(
      `insert into outbox (seq, id, name, v, args, client_time, status, result_code, last_error) values (?, ?, 'note.create', 1, ?, '2026-11-01T00:00:00Z', ?, ?, ?)`,
    );
    const args = (body: string) => JSON.stringify({ noteId: body, customerId: 'acme', eventId: null, body });
    insert.run(-3, 'm3', args('refused'), 'rejected', 'forbidden', 'Not your customer.');
    insert.run(6, 'm6', args('sixth'), 'pending', null, null);
    insert.run(7, 'm7', args('seventh'), 'pending', null, null);
    old.close();

    const handle = openCache({ dataDir, log: silentLogger });
    try {
      const outbox = createOutbox(handle.db);
      const groups = outbox.groups();
      expect(
        groups.find((group) => group.binding === LEGACY_BINDING)?.rows.map((row) => [row.lane, row.seq, row.id, row.status]),
      ).toEqual([
        ['desk-OLD', -3, 'm3', 'rejected'],
        ['desk-OLD', 6, 'm6', 'pending'],
        ['desk-OLD', 7, 'm7', 'pending'],
      ]);
      // Once the desk connects to the backend it used before, those writes go there under the same client id.
      outbox.useBackend('remote:https://ops.example#ab', 'https://ops.example');
      outbox.adoptLegacy('remote:https://ops.example#ab', 'https://ops.example');
      outbox.learnIdentity('server/dana', 'https://ops.example as dana');
      expect(outbox.nextBatch(10, new Map())).toEqual({
        lane: 'desk-OLD',
        mutations: [expect.objectContaining({ seq: 6, id: 'm6' }), expect.objectContaining({ seq: 7, id: 'm7' })],
      });
      expect(
        outbox.enqueue(
          'note.create',
          { noteId: 'n8', customerId: 'acme', eventId: null, body: 'eighth' },
          '2026-11-02T00:00:00Z',
        ),
      ).toMatchObject({ lane: 'desk-OLD', seq: 8 });
    } finally {
      handle.db.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponseSchema, customerBucket, type PullResponse } from '../../shared/sync/wire';
import { createIdGenerator } from '../../server/ids';
import { insertEvents, insertNote } from '../../server/repo/writes';
import { EVENT_ROW_COLUMNS, JsonWriter, OpList, isoFromEpochMs, type EventRowText } from '../../server/sync/wire-json';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { addCustomers, event, pull, pullRequest, startTestServer, token, type TestServer } from './support/server';

/*
 * Pull responses are written as bytes from row text (server/sync/wire-json.ts),
 * and event rows are written in Node rather than by lk_event_row. These tests
 * hold the two to the same JSON, and the writer to JSON.stringify, on the inputs
 * most likely to tell them apart.
 */

const AWKWARD_STRINGS = [
  '',
  'plain ascii',
  'quote " backslash \\ slash /',
  'controls \u0000 \u0001 \b \f \n \r \t \u001f \u007f',
  'accents é ü ß, CJK 漢字, emoji 🚀👩‍💻',
  'separators \u2028 \u2029',
  'lone surrogates \ud800 x \udfff',
  'reversed pair \udc00\ud800',
  '</script><!-- html -->',
];

let database: TestDatabase;
let server: TestServer;
let adminToken: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.storage);
  adminToken = await token(database.storage, { userId: 'admin', role: 'admin' });
  await addCustomers(database.storage, ['acme', 'globex']);
});

afterAll(async () => {
  await server?.close();
  await database?.dispose();
});

describe('JsonWriter', () => {
  it('writes every string as JSON.stringify does, with each character outside ASCII escaped', () => {
    const isAscii = (bytes: Buffer) => bytes.every((byte) => byte < 0x80);
    for (const value of AWKWARD_STRINGS) {
      const writer = new JsonWriter(4);
      writer.string(value);
      const bytes = writer.bytes();
      expect(isAscii(bytes)).toBe(true);
      expect(JSON.parse(bytes.toString('ascii'))).toBe(value);
      // Escaped as JSON.stringify escapes lone surrogates: a backslash, u and four lowercase hex digits per code unit.
      const escaped = JSON.stringify(value).replace(
        /[\u0080-\uffff]/g,
        (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      expect(bytes.toString('ascii')).toBe(escaped);
    }
    expect(JSON.stringify('plain "ascii"\n')).toBe(
      (() => {
        const writer = new JsonWriter();
        writer.string('plain "ascii"\n');
        return writer.bytes().toString('ascii');
      })(),
    );
  });

  it('copies JSON text in as it is, with characters outside ASCII escaped', () => {
    const values = [{ text: 'plain' }, { text: 'accents é, CJK 漢字, emoji 🚀', list: ['ü', 1] }, ['\u2028']];
    for (const value of values) {
      const writer = new JsonWriter(4);
      writer.raw(JSON.stringify(value));
      expect(writer.bytes().every((byte) => byte < 0x80)).toBe(true);
      expect(JSON.parse(writer.bytes().toString('ascii'))).toEqual(value);
    }
    const plain = new JsonWriter(4);
    plain.raw('{"a": [1, "b"]}');
    expect(plain.bytes().toString('ascii')).toBe('{"a": [1, "b"]}');
  });

  it('grows past its first buffer without losing bytes', () => {
    const writer = new JsonWriter(8);
    const parts = Array.from({ length: 2_000 }, (_, index) => `part ${index} é 🚀`);
    writer.ascii('[');
    parts.forEach((part, index) => {
      if (index > 0) writer.ascii(',');
      writer.string(part);
    });
    writer.ascii(']');
    expect(JSON.parse(writer.bytes().toString('utf8'))).toEqual(parts);
  });
});

describe('isoFromEpochMs', () => {
  it('formats like Date.prototype.toISOString, across days, before 1970 and beyond year 9999', () => {
    const samples = [
      0, 1, 999, 1000, 86_399_999, 86_400_000, -1, -86_400_001, 1_767_323_045_678, 253_402_300_799_999, 253_402_300_800_000,
      -62_167_219_200_001,
    ];
    for (let index = 0; index < 2_000; index += 1) samples.push(Math.floor((Math.sin(index) + 1) * 2e12) - 1e12);
    for (const ms of samples) expect(isoFromEpochMs(String(ms))).toBe(new Date(ms).toISOString());
  });
});

describe('event rows written in Node', () => {
  it('are the JSON lk_event_row builds, for awkward text, JSON values and sub-millisecond times', async () => {
    const newId = createIdGenerator();
    // PostgreSQL text holds neither NUL nor lone surrogates.
    const storable = AWKWARD_STRINGS.filter((text) => !/lone|reversed/.test(text)).map((text) =>
      text.replace('\u0000', '\u0002'),
    );
    const inputs = storable.map((text, index) =>
      event(index % 2 === 0 ? 'acme' : 'globex', {
        summary: text === '' ? 'empty body' : text,
        body: text,
        actor: index % 3 === 0 ? null : text,
        feature: index % 4 === 0 ? null : 'sso',
        prevValue: [null, 'v1', 42, 1.5e-7, true, { nested: [1, 'two', null] }, [text], 2 ** 60][index % 8],
        newValue: { text, list: [1, 2.5, { deep: text }] },
        links: index % 2 === 0 ? {} : { ticket: `T-${index}` },
        properties: { text, number: index, float: index / 3, flag: index % 2 === 0, nothing: null },
      }),
    );
    await database.storage.transaction((db) => insertEvents(db, inputs, { now: Date.now(), newId }));
    // Times the API would never send but the table can hold: microseconds (lk_iso truncates them), before 1970.
    await database.storage.query(
      `update events set occurred_at = '2026-01-02T03:04:05.678999Z', recorded_at = '1969-12-31T23:59:59.999500Z'
        where id = (select min(id) from events)`,
    );

    const rows = await database.storage.query<EventRowText & { wire: unknown }>(
      `select ${EVENT_ROW_COLUMNS}, lk_event_row(e) as wire from events e`,
    );
    expect(rows.length).toBe(inputs.length);
    for (const row of rows) {
      const ops = new OpList();
      ops.putEvent(row);
      const [op] = JSON.parse(`[${ops.json.bytes().toString('utf8')}]`) as [
        { op: string; entity: string; id: string; ver: number; row: unknown },
      ];
      expect(op).toEqual({ op: 'put', entity: 'event', id: row.e_id, ver: 1, row: row.wire });
    }
  });
});

describe('POST /v1/sync/pull body', () => {
  it('is JSON with an exact content length, and exactly the PullResponse shape', async () => {
    await database.storage.transaction((db) =>
      insertNote(db, {
        id: 'note-1',
        customerId: 'acme',
        eventId: null,
        author: 'alice',
        body: 'é "quoted"',
        createdAt: '2026-03-01T00:00:00.000Z',
      }),
    );
    const response = await fetch(`${server.url}/v1/sync/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        pullRequest('shape-0001', [
          { bucket: customerBucket('acme'), cursor: null },
          { bucket: customerBucket('globex'), cursor: null },
        ]),
      ),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    // ASCII from end to end, though the note says é: the desk decodes it into one-byte strings.
    expect(bytes.every((byte) => byte < 0x80)).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    const body = JSON.parse(bytes.toString('utf8')) as PullResponse;
    // The schema strips unknown keys: equality means there were none.
    expect(PullResponseSchema.parse(body)).toEqual(body);
    const entities = body.buckets.flatMap((entry) => ('ops' in entry ? entry.ops.map((op) => op.entity) : []));
    expect(new Set(entities)).toEqual(new Set(['customer', 'event', 'note']));
    const note = body.buckets.flatMap((entry) => ('ops' in entry ? entry.ops : [])).find((op) => op.id === 'note-1');
    expect((note?.row as { body?: string } | undefined)?.body).toBe('é "quoted"');
  });

  it('carries log deletions without a row and drops puts of events that are gone', async () => {
    const bucket = customerBucket('globex');
    const desk = new MiniDesk(server.url, adminToken);
    await desk.sync();
    let cursor = desk.buckets.get(bucket)?.cursor ?? null;
    expect(cursor).not.toBeNull();
    await database.storage.transaction(async (db) => {
      await db.query(
        `insert into change_log (bucket, entity, row_id, op, ver, row) values ($1, 'event', 'no-such-event', 'put', 1, null)`,
        [bucket],
      );
      await db.query(
        `insert into change_log (bucket, entity, row_id, op, ver, row) values ($1, 'note', 'gone-note', 'del', 3, null)`,
        [bucket],
      );
    });
    const ops: { id?: string }[] = [];
    const ours = () => ops.filter((op) => op.id === 'gone-note' || op.id === 'no-such-event');
    // Another transaction on the cluster (other test files run in parallel) may hold the fence back for a
    // moment, so rows of earlier writes can still arrive here first; only this test's two log rows are judged.
    for (let round = 0; round < 500 && ours().length === 0; round += 1) {
      const response = await pull(server.url, adminToken, pullRequest('deletions-01', [{ bucket, cursor }]));
      const page = response.buckets[0];
      if (!page || 'reset' in page) throw new Error('expected a page');
      ops.push(...(page.ops as { id?: string }[]));
      cursor = page.cursor;
      if (ours().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Raw JSON, not schema-parsed: a del has no `row` key at all; the put of the missing event is dropped.
    expect(ours()).toStrictEqual([{ op: 'del', entity: 'note', id: 'gone-note', ver: 3 }]);
  });
});

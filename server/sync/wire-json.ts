import type { MutationResult } from '../../shared/sync/wire';

/*
 * Pull responses are written straight into UTF-8 bytes, never as objects to
 * serialise: row JSON that PostgreSQL already has as text (jsonb columns,
 * change-log rows, `lk_*_row(...)::text`) is copied in unparsed, and event rows,
 * nearly every op of a bootstrap, are written from their columns rather than by
 * `lk_event_row` in the database — the same JSON (test/server/wire-json.test.ts
 * holds the two equal), at a fraction of the cost, on the stateless API process
 * instead of the one database every server shares.
 *
 * Why bytes and not strings: profiles of a 5,000-op page showed template
 * strings, their flattening and the final encoding (plus the garbage collection
 * of ~200k short-lived strings) costing several times the encoding itself.
 *
 * Why ASCII: the bytes are plain ASCII, every other character escaped (`\u00e9`). The same JSON values, a few
 * bytes more for text outside ASCII, and the desk's decode and `JSON.parse` of a page stay on V8's one-byte
 * strings (issue 13: 100,000 events, 65 MB with 27,704 non-ASCII bytes: decode 0.65 -> 0.24 s, parse 0.39 -> 0.30 s).
 */

const EVENT_COLUMN_EXPRESSIONS = {
  e_id: 'e.id',
  e_customer_id: 'e.customer_id',
  e_occurred_at: 'floor(extract(epoch from e.occurred_at) * 1000)::int8::text',
  e_recorded_at: 'floor(extract(epoch from e.recorded_at) * 1000)::int8::text',
  e_kind: 'e.kind',
  e_severity: 'e.severity',
  e_source_system: 'e.source_system',
  e_external_id: 'e.external_id',
  e_actor: 'e.actor',
  e_summary: 'e.summary',
  e_body: 'e.body',
  e_feature: 'e.feature',
  e_prev_value: 'e.prev_value::text',
  e_new_value: 'e.new_value::text',
  e_links: 'e.links::text',
  e_properties: 'e.properties::text',
  e_signature: 'e.signature',
} satisfies Record<keyof EventRowText, string>;

/**
 * The columns `OpList.putEvent` reads, all as text, from an events row aliased
 * `e` (all null when a left join found no event). Times are epoch milliseconds,
 * floored like `lk_iso`'s `MS`, so their format cannot depend on session settings.
 */
export const EVENT_ROW_COLUMNS = Object.entries(EVENT_COLUMN_EXPRESSIONS)
  .map(([name, expression]) => `${expression} as ${name}`)
  .join(', ');

/** The same columns, all null: for rows of a union that are not events. */
export const NO_EVENT_COLUMNS = Object.keys(EVENT_COLUMN_EXPRESSIONS)
  .map((name) => `null::text as ${name}`)
  .join(', ');

export type EventRowText = {
  e_id: string;
  e_customer_id: string;
  e_occurred_at: string;
  e_recorded_at: string;
  e_kind: string;
  e_severity: string;
  e_source_system: string;
  e_external_id: string;
  e_actor: string | null;
  e_summary: string;
  e_body: string | null;
  e_feature: string | null;
  e_prev_value: string | null;
  e_new_value: string | null;
  e_links: string;
  e_properties: string;
  e_signature: string | null;
};

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDayText = '';

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * `Date.prototype.toISOString` of epoch milliseconds given as text. A page's
 * events fall on few days, so the date part is cached and only the time of day
 * is formatted (four times faster than a Date per value).
 */
export function isoFromEpochMs(text: string): string {
  const ms = Number(text);
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    const dayText = new Date(day * DAY_MS).toISOString();
    // Years outside 0000–9999 use the extended format; leave those to Date.
    if (dayText.length !== 24) return new Date(ms).toISOString();
    cachedDay = day;
    cachedDayText = dayText.slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedDayText}${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(seconds)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

const HEX = '0123456789abcdef';
const NON_ASCII = /[\u0080-\uffff]/;

/** JSON appended to a growing buffer, as ASCII bytes (so also UTF-8). */
export class JsonWriter {
  private buffer: Buffer<ArrayBuffer>;
  private length = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(bytes: number): void {
    if (this.buffer.length - this.length >= bytes) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Text that is ASCII and needs no escaping: JSON punctuation, keys, numbers, booleans. */
  ascii(text: string): void {
    this.reserve(text.length);
    const { buffer } = this;
    let at = this.length;
    for (let index = 0; index < text.length; index += 1) buffer[at++] = text.charCodeAt(index);
    this.length = at;
  }

  /**
   * JSON text made elsewhere (PostgreSQL's jsonb output, a stored row), copied as it is — except that a character
   * outside ASCII, which valid JSON text holds only inside a string, is written as its `\uXXXX` escape.
   */
  raw(json: string): void {
    if (!NON_ASCII.test(json)) {
      this.reserve(json.length);
      this.length += this.buffer.write(json, this.length, 'latin1');
      return;
    }
    this.reserve(json.length * 6);
    const { buffer } = this;
    let at = this.length;
    for (let index = 0; index < json.length; index += 1) {
      const code = json.charCodeAt(index);
      if (code < 0x80) buffer[at++] = code;
      else {
        buffer[at++] = 0x5c;
        at = this.unicodeEscape(code, at);
      }
    }
    this.length = at;
  }

  /**
   * A JSON string literal (`null` for null): what JSON.stringify writes, with every character outside ASCII as its
   * `\uXXXX` escape (a pair for characters beyond the BMP), so a response is ASCII from end to end. The desk then
   * decodes it into one-byte strings: one é in a 3 MB page made its whole text two-byte, and decoding and parsing
   * it took ~2× as long (issue 13).
   */
  string(value: string | null): void {
    if (value === null) {
      this.ascii('null');
      return;
    }
    // At most 6 bytes per code unit (`\u001f`, `\u00e9`), plus the quotes.
    this.reserve(value.length * 6 + 2);
    const { buffer } = this;
    let at = this.length;
    buffer[at++] = 0x22;
    for (let index = 0; index < value.length; index += 1) {
      const code = value.charCodeAt(index);
      if (code >= 0x20 && code < 0x80) {
        if (code === 0x22 || code === 0x5c) buffer[at++] = 0x5c;
        buffer[at++] = code;
      } else {
        buffer[at++] = 0x5c;
        const short =
          code === 0x08 ? 0x62 : code === 0x09 ? 0x74 : code === 0x0a ? 0x6e : code === 0x0c ? 0x66 : code === 0x0d ? 0x72 : 0;
        if (short !== 0) {
          buffer[at++] = short;
        } else {
          at = this.unicodeEscape(code, at);
        }
      }
    }
    buffer[at++] = 0x22;
    this.length = at;
  }

  /** Writes `u` and four lowercase hex digits after a backslash already written. */
  private unicodeEscape(code: number, at: number): number {
    const { buffer } = this;
    buffer[at++] = 0x75;
    buffer[at++] = HEX.charCodeAt((code >> 12) & 0xf);
    buffer[at++] = HEX.charCodeAt((code >> 8) & 0xf);
    buffer[at++] = HEX.charCodeAt((code >> 4) & 0xf);
    buffer[at++] = HEX.charCodeAt(code & 0xf);
    return at;
  }

  /** Any JSON value, serialised by JSON.stringify (for small, rare parts). */
  value(value: unknown): void {
    this.raw(JSON.stringify(value));
  }

  append(other: JsonWriter): void {
    this.reserve(other.length);
    other.buffer.copy(this.buffer, this.length, 0, other.length);
    this.length += other.length;
  }

  bytes(): Buffer<ArrayBuffer> {
    return this.buffer.subarray(0, this.length);
  }
}

/** The ops of one bucket page, written as JSON as they are read. */
export class OpList {
  readonly json = new JsonWriter();
  count = 0;

  private begin(kind: 'put' | 'del', entity: string, id: string, ver: number): void {
    this.json.ascii(this.count === 0 ? '{"op":"' : ',{"op":"');
    this.json.ascii(kind);
    this.json.ascii('","entity":');
    this.json.string(entity);
    this.json.ascii(',"id":');
    this.json.string(id);
    this.json.ascii(`,"ver":${ver}`);
    this.count += 1;
  }

  /** A `put` whose row is JSON text. */
  put(entity: string, id: string, ver: number, rowJson: string): void {
    this.begin('put', entity, id, ver);
    this.json.ascii(',"row":');
    this.json.raw(rowJson);
    this.json.ascii('}');
  }

  /** A `put` of an event, its row (a `TimelineEvent`) written from its columns: the JSON `lk_event_row` builds. */
  putEvent(row: EventRowText): void {
    const { json } = this;
    this.begin('put', 'event', row.e_id, 1);
    json.ascii(',"row":{"id":');
    json.string(row.e_id);
    json.ascii(',"customerId":');
    json.string(row.e_customer_id);
    json.ascii(',"occurredAt":"');
    json.ascii(isoFromEpochMs(row.e_occurred_at));
    json.ascii('","recordedAt":"');
    json.ascii(isoFromEpochMs(row.e_recorded_at));
    json.ascii('","kind":');
    json.string(row.e_kind);
    json.ascii(',"severity":');
    json.string(row.e_severity);
    json.ascii(',"source":{"system":');
    json.string(row.e_source_system);
    json.ascii(',"externalId":');
    json.string(row.e_external_id);
    json.ascii('},"actor":');
    json.string(row.e_actor);
    json.ascii(',"summary":');
    json.string(row.e_summary);
    json.ascii(',"body":');
    json.string(row.e_body);
    json.ascii(',"feature":');
    json.string(row.e_feature);
    json.ascii(',"prevValue":');
    json.raw(row.e_prev_value ?? 'null');
    json.ascii(',"newValue":');
    json.raw(row.e_new_value ?? 'null');
    json.ascii(',"links":');
    json.raw(row.e_links);
    json.ascii(',"properties":');
    json.raw(row.e_properties);
    json.ascii(',"signature":');
    json.string(row.e_signature);
    json.ascii('}}');
  }

  /** A `del` (no row). */
  del(entity: string, id: string, ver: number): void {
    this.begin('del', entity, id, ver);
    this.json.ascii('}');
  }
}

/** A `BucketPage` whose ops are already JSON. */
export type BucketPageJson = {
  bucket: string;
  ops: OpList;
  cursor: string;
  hasMore: boolean;
  bootstrap?: { pageToken: string | null; done: boolean };
};

export type BucketEntryJson = BucketPageJson | { bucket: string; reset: true; reason: 'cursor_expired' | 'rekeyed' };

export type PullResponseJson = {
  buckets: readonly BucketEntryJson[];
  addedBuckets: readonly string[];
  removedBuckets: readonly string[];
  acked: { lastSeq: number; results: readonly MutationResult[] };
  delayedSince: string | null;
};

/** A whole `PullResponse` as UTF-8 JSON. */
export function pullResponseBytes(response: PullResponseJson): Buffer<ArrayBuffer> {
  const size = response.buckets.reduce((sum, entry) => sum + ('ops' in entry ? entry.ops.json.bytes().length : 0), 0);
  const out = new JsonWriter(size + 64 * 1024);
  out.ascii('{"buckets":[');
  response.buckets.forEach((entry, index) => {
    if (index > 0) out.ascii(',');
    if ('reset' in entry) {
      out.value({ bucket: entry.bucket, reset: true, reason: entry.reason });
      return;
    }
    out.ascii('{"bucket":');
    out.string(entry.bucket);
    out.ascii(',"ops":[');
    out.append(entry.ops.json);
    out.ascii('],"cursor":');
    out.string(entry.cursor);
    out.ascii(`,"hasMore":${entry.hasMore}`);
    if (entry.bootstrap) {
      out.ascii(',"bootstrap":{"pageToken":');
      out.string(entry.bootstrap.pageToken);
      out.ascii(`,"done":${entry.bootstrap.done}}`);
    }
    out.ascii('}');
  });
  out.ascii('],"addedBuckets":');
  out.value(response.addedBuckets);
  out.ascii(',"removedBuckets":');
  out.value(response.removedBuckets);
  out.ascii(',"acked":');
  out.value(response.acked);
  out.ascii(',"delayedSince":');
  out.value(response.delayedSince);
  out.ascii('}');
  return out.bytes();
}

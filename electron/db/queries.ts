import type Database from 'better-sqlite3';
import {
  CHANGE_KINDS,
  type Customer,
  type CustomerFeature,
  type Health,
  type Severity,
  type TimelineEvent,
} from '../../shared/domain';
import { DeskError } from '../../shared/ipc/result';
import { eventIdLinks, LinkTemplatesSchema, type LinkTemplates } from '../../shared/links';
import type {
  CustomerDetail,
  CustomerSummary,
  Highlight,
  NoteHistory,
  NoteView,
  OpenItem,
  SearchOutput,
  TimelineFilters,
  TimelineRow,
} from '../../shared/ipc/views';
import type { EditConflict } from '../../shared/sync/wire';
import type { Outbox } from './outbox';
import { compareVersions } from '../../shared/versions';
import { createTimelinePlanner, type TimelinePlanner } from './timeline';
import { plainSnippet } from './plain-text';
import { createSearchIndexProgress } from './search-index';

type CustomerRaw = {
  id: string;
  name: string;
  plan: Customer['plan'];
  region: string;
  environment: string;
  version: string;
  lifecycle: Customer['lifecycle'];
  health: Health;
  owner: string | null;
  created_at: string;
  updated_at: string;
  last_event_at: string | null;
  open_alerts: number;
  open_incidents: number;
  open_tickets: number;
};

type EventRaw = {
  rid: number;
  id: string;
  customer_id: string;
  occurred_at: string;
  recorded_at: string;
  kind: string;
  severity: Severity;
  summary: string;
  feature: string | null;
  source_system: string;
  source_external_id: string;
  actor: string | null;
  body: string | null;
  prev_value: string | null;
  new_value: string | null;
  links: string;
  properties: string;
  signature?: string | null;
  note_count?: number;
};

const CUSTOMER_COLUMNS = `
  c.id, c.name, c.plan, c.region, c.environment, c.version, c.lifecycle, c.health, c.owner, c.created_at, c.updated_at,
  s.last_event_at,
  (select count(*) from threads t where t.customer_id = c.id and t.status = 'open' and t.kind = 'alert') as open_alerts,
  (select count(*) from threads t where t.customer_id = c.id and t.status = 'open' and t.kind = 'incident') as open_incidents,
  (select count(*) from threads t where t.customer_id = c.id and t.status = 'open' and t.kind = 'ticket') as open_tickets`;

/** Opaque keyset cursors: base64url of JSON. Invalid ones are a bad request, not a crash. */
function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw new DeskError('bad_request', 'The page cursor is not valid; start again from the first page.');
}
const isPair = (value: unknown): value is [string, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string';
const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Turns what a person types into a safe FTS5 query: each word becomes a quoted
 * prefix term, all required. Operators and quotes typed by the user are text.
 */
export function toFtsQuery(text: string, minLength = 1): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word.length >= minLength)
    .slice(0, 12);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replace(/"/g, '""')}"*`).join(' ');
}

const quoteTerm = (word: string) => `"${word.replace(/"/g, '""')}"`;
const wordsOf = (text: string, minLength: number) =>
  text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((word) => word.length >= minLength);

/**
 * The two searches behind what a person types, best first (issue 13): `exact` — every word as a whole
 * word; `prefix` — every word also as the start of a longer one (what search-as-you-type needs for the
 * word being typed), or null when it would find nothing more. Text in double quotes is a phrase in both.
 * Words shorter than `minLength` are left out; operators and quotes typed by the user stay text.
 */
export function toSearchTiers(text: string, minLength = 2): { exact: string; prefix: string | null } | null {
  const parts = text.split('"');
  // An odd part is inside quotes, unless its closing quote is missing: then it is plain words.
  const hasClosedLast = parts.length % 2 === 1;
  const words: string[] = [];
  const phrases: string[] = [];
  parts.forEach((part, index) => {
    const isPhrase = index % 2 === 1 && (hasClosedLast || index < parts.length - 1);
    const tokens = wordsOf(part, isPhrase ? 1 : minLength);
    if (isPhrase && tokens.length > 0) phrases.push(quoteTerm(tokens.join(' ')));
    else if (!isPhrase) words.push(...tokens);
  });
  const terms = words.slice(0, 12);
  const quoted = phrases.slice(0, 4);
  if (terms.length === 0 && quoted.length === 0) return null;
  return {
    exact: [...terms.map(quoteTerm), ...quoted].join(' '),
    prefix: terms.length === 0 ? null : [...terms.map((word) => `${quoteTerm(word)}*`), ...quoted].join(' '),
  };
}

const MARK_START = '\u0002';
const MARK_END = '\u0003';

/** Splits FTS5 highlight() output (with control-character markers) into plain segments. */
export function toHighlight(marked: string | null): Highlight {
  if (!marked) return [];
  const segments: Highlight = [];
  let rest = marked;
  while (rest.length > 0) {
    const start = rest.indexOf(MARK_START);
    if (start === -1) {
      segments.push({ text: rest, match: false });
      break;
    }
    if (start > 0) segments.push({ text: rest.slice(0, start), match: false });
    const end = rest.indexOf(MARK_END, start + 1);
    const stop = end === -1 ? rest.length : end;
    segments.push({ text: rest.slice(start + 1, stop), match: true });
    rest = end === -1 ? '' : rest.slice(end + 1);
  }
  return segments;
}

/** A JSON column's value; text that is not JSON reads as null (nothing can use it). */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toTimelineRow(raw: EventRaw): TimelineRow {
  return {
    id: raw.id,
    customerId: raw.customer_id,
    occurredAt: raw.occurred_at,
    recordedAt: raw.recorded_at,
    kind: raw.kind,
    severity: raw.severity,
    summary: raw.summary,
    feature: raw.feature,
    sourceSystem: raw.source_system,
    actor: raw.actor,
    noteCount: raw.note_count ?? 0,
  };
}

function toEvent(raw: EventRaw): TimelineEvent {
  return {
    id: raw.id,
    customerId: raw.customer_id,
    occurredAt: raw.occurred_at,
    recordedAt: raw.recorded_at,
    kind: raw.kind,
    severity: raw.severity,
    summary: raw.summary,
    feature: raw.feature,
    source: { system: raw.source_system, externalId: raw.source_external_id },
    actor: raw.actor,
    body: raw.body,
    prevValue: parseJson(raw.prev_value) as TimelineEvent['prevValue'],
    newValue: parseJson(raw.new_value) as TimelineEvent['newValue'],
    links: parseJson(raw.links) as TimelineEvent['links'],
    properties: parseJson(raw.properties) as TimelineEvent['properties'],
    signature: raw.signature ?? null,
  };
}

type SearchEventRaw = {
  id: string;
  customer_id: string;
  occurred_at: string;
  kind: string;
  severity: Severity;
  summary_marked: string;
  snippet_marked: string | null;
};

/** Read-side queries of the cache, all prepared once. */
/** Local writes of one note that the cache does not show yet. */
type NoteOverlay = {
  create?: { customerId: string; eventId: string | null; body: string; clientTime: string };
  body?: string;
  error: string | null;
  isPending: boolean;
  /** The newest of this user's edits that lost to a concurrent one. */
  conflict?: { mine: string; base: string | null; theirs: EditConflict };
};

export function createQueries(db: Database.Database, outbox: Outbox, me: () => string) {
  const latestReleaseRows = db.prepare<[], { version: string }>('select version from releases');
  const customerPage = db.prepare<[string, number], CustomerRaw>(
    `select ${CUSTOMER_COLUMNS} from customers c left join customer_stats s on s.customer_id = c.id where c.id > ? order by c.id limit ?`,
  );
  const customerOne = db.prepare<[string], CustomerRaw>(
    `select ${CUSTOMER_COLUMNS} from customers c left join customer_stats s on s.customer_id = c.id where c.id = ?`,
  );
  const features = db.prepare<
    [string],
    { customer_id: string; feature: string; entitled: number; enabled: number; health: Health; last_signal_at: string | null }
  >('select * from customer_features where customer_id = ? order by feature');
  const openItems = db.prepare<
    [string],
    {
      thread: string;
      kind: string;
      severity: Severity;
      summary: string;
      event_id: string;
      opened_at: string;
      feature: string | null;
    }
  >(
    "select thread, kind, severity, summary, event_id, opened_at, feature from threads where customer_id = ? and status = 'open' order by opened_at desc",
  );
  const facetValues = db
    .prepare<[string, string], string>('select value from customer_facets where customer_id = ? and facet = ? order by value')
    .pluck();
  const notesOfCustomer = db.prepare<
    [string],
    {
      id: string;
      customer_id: string;
      event_id: string | null;
      author: string;
      body: string;
      created_at: string;
      updated_at: string;
      ver: number;
    }
  >('select * from notes where customer_id = ? order by created_at');
  const latestRevision = db.prepare<[string, number], { actor: string; at: string }>(
    "select actor, at from revisions where entity = 'note' and row_id = ? and ver = ? order by id desc limit 1",
  );
  const revisionsOf = db.prepare<
    [string],
    { id: string; ver: number | null; kind: string; actor: string; at: string; fields: string }
  >("select id, ver, kind, actor, at, fields from revisions where entity = 'note' and row_id = ? order by at, id");
  const noteOne = db.prepare<
    [string],
    {
      id: string;
      customer_id: string;
      event_id: string | null;
      author: string;
      body: string;
      created_at: string;
      updated_at: string;
      ver: number;
    }
  >('select * from notes where id = ?');
  const eventOne = db.prepare<[string], EventRaw>('select * from events where id = ?');
  const customerExists = db.prepare<[string], number>('select 1 from customers where id = ?').pluck();
  const searchCustomers = db.prepare<[string, number], { id: string; name_marked: string; health: Health }>(`
    select c.id, highlight(customers_fts, 1, '${MARK_START}', '${MARK_END}') as name_marked, c.health
    from customers_fts join customers c on c.rowid = customers_fts.rowid
    where customers_fts match ? order by rank limit ?`);
  const searchEvents = db.prepare<[string, number], SearchEventRaw>(`
    select e.id, e.customer_id, e.occurred_at, e.kind, e.severity,
      highlight(events_fts, 0, '${MARK_START}', '${MARK_END}') as summary_marked,
      snippet(events_fts, 1, '${MARK_START}', '${MARK_END}', '…', 16) as snippet_marked
    from events_fts join events e on e.rid = events_fts.rowid
    where events_fts match ? order by events_fts.rowid desc limit ?`);
  const customerNames = db.prepare<[string], { id: string; name: string; health: Health }>(
    'select id, name, health from customers where id in (select value from json_each(?))',
  );

  const searchIndexProgress = createSearchIndexProgress(db);
  const isSearchIndexed = db
    .prepare<[string], number>("select is_search_indexed from sync_bucket where bucket = 'customer:' || ?")
    .pluck();

  function latestVersion(): string | null {
    let latest: string | null = null;
    for (const { version } of latestReleaseRows.all()) {
      if (latest === null || compareVersions(version, latest) > 0) latest = version;
    }
    return latest;
  }

  function versionsBehind(version: string, releases: string[]): number | null {
    if (releases.length === 0) return null;
    return releases.filter((release) => compareVersions(release, version) > 0).length;
  }

  function toSummary(raw: CustomerRaw, releases: string[]): CustomerSummary {
    return {
      id: raw.id,
      name: raw.name,
      plan: raw.plan,
      region: raw.region,
      environment: raw.environment,
      version: raw.version,
      lifecycle: raw.lifecycle,
      health: raw.health,
      owner: raw.owner,
      createdAt: raw.created_at,
      updatedAt: raw.updated_at,
      versionsBehind: versionsBehind(raw.version, releases),
      openAlerts: raw.open_alerts,
      openIncidents: raw.open_incidents,
      openTickets: raw.open_tickets,
      lastEventAt: raw.last_event_at,
      setupStuck: false,
    };
  }

  /**
   * Local note writes not yet in the cache, folded per note id over the synced
   * rows: pending ones, applied ones whose data is still on its way (their text
   * is shown, so a note never flips back), and rejected ones with the reason.
   */
  function noteOverlay(): Map<string, NoteOverlay> {
    const overlay = new Map<string, NoteOverlay>();
    for (const row of outbox.all()) {
      if (row.name !== 'note.create' && row.name !== 'note.update') continue;
      const args = row.args as { noteId: string; customerId?: string; eventId?: string | null; body: string; baseBody?: string };
      const entry = overlay.get(args.noteId) ?? { error: null, isPending: false };
      if (row.name === 'note.create') {
        entry.create = {
          customerId: args.customerId ?? '',
          eventId: args.eventId ?? null,
          body: args.body,
          clientTime: row.clientTime,
        };
      }
      if (row.status === 'conflict' && row.conflict) {
        // The note shows the text that won; the author's own waits in the conflict.
        entry.conflict = { mine: args.body, base: args.baseBody ?? null, theirs: row.conflict };
      } else entry.body = args.body;
      if (row.status === 'pending') entry.isPending = true;
      if (row.status === 'rejected')
        entry.error = `${row.lastError ?? 'The server refused this change.'} (${row.resultCode ?? 'rejected'})`;
      overlay.set(args.noteId, entry);
    }
    return overlay;
  }

  /** The conflict as the note shows it: "theirs" is the newest text the cache has, with its writer. */
  function conflictView(noteId: string, local: NoteOverlay | undefined, synced: { body: string; ver: number } | null) {
    if (!local?.conflict) return null;
    const { theirs } = local.conflict;
    const isNewer = synced !== null && synced.ver > theirs.ver;
    const writer = isNewer ? latestRevision.get(noteId, synced.ver) : undefined;
    return {
      mine: local.conflict.mine,
      base: local.conflict.base,
      theirs: isNewer
        ? { body: synced.body, ver: synced.ver, actor: writer?.actor ?? theirs.actor, at: writer?.at ?? theirs.at }
        : { body: theirs.value, ver: theirs.ver, actor: theirs.actor, at: theirs.at },
    };
  }

  function notesFor(customerId: string, eventId?: string): NoteView[] {
    const overlay = noteOverlay();
    const views: NoteView[] = [];
    for (const note of notesOfCustomer.all(customerId)) {
      if (eventId !== undefined && note.event_id !== eventId) continue;
      const local = overlay.get(note.id);
      overlay.delete(note.id);
      views.push({
        id: note.id,
        customerId: note.customer_id,
        eventId: note.event_id,
        author: note.author,
        body: local?.body ?? note.body,
        createdAt: note.created_at,
        updatedAt: note.updated_at,
        ver: note.ver,
        pending: local?.isPending === true && local.error === null,
        error: local?.error ?? null,
        conflict: conflictView(note.id, local, note),
      });
    }
    for (const [id, local] of overlay) {
      if (!local.create || local.create.customerId !== customerId) continue;
      if (eventId !== undefined && local.create.eventId !== eventId) continue;
      views.push({
        id,
        customerId,
        eventId: local.create.eventId,
        author: me(),
        body: local.body ?? local.create.body,
        createdAt: local.create.clientTime,
        updatedAt: local.create.clientTime,
        ver: 0,
        pending: local.isPending && local.error === null,
        error: local.error,
        conflict: null,
      });
    }
    return views.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  const statementCache = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statementCache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (statementCache.size > 200) statementCache.clear();
      statementCache.set(sql, statement);
    }
    return statement;
  };
  const planner = createTimelinePlanner(db);
  const countWith = (plan: ReturnType<TimelinePlanner['choose']>, analysis: ReturnType<TimelinePlanner['analyse']>) =>
    (prepared(planner.countAll(analysis, plan)).get(analysis.params) as { n: number }).n;

  return {
    latestVersion,

    customersPage(after: string | null, limit: number) {
      const releases = latestReleaseRows.all().map((row) => row.version);
      const rows = customerPage.all(after ?? '', limit + 1);
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit).map((raw) => toSummary(raw, releases));
      return { rows: page, nextCursor: hasMore ? (page.at(-1)?.id ?? null) : null, latestVersion: latestVersion() };
    },

    customerDetail(customerId: string): CustomerDetail {
      const raw = customerOne.get(customerId);
      if (!raw) {
        throw new DeskError(
          'not_found',
          `Customer "${customerId}" is not in the local cache. Check the id, or sync and try again.`,
        );
      }
      const releases = latestReleaseRows.all().map((row) => row.version);
      return {
        customer: toSummary(raw, releases),
        features: features.all(customerId).map((row): CustomerFeature => ({
          customerId: row.customer_id,
          feature: row.feature,
          entitled: row.entitled === 1,
          enabled: row.enabled === 1,
          health: row.health,
          lastSignalAt: row.last_signal_at,
        })),
        openItems: openItems.all(customerId).map((row): OpenItem => ({
          thread: row.thread,
          kind: row.kind,
          severity: row.severity,
          summary: row.summary,
          eventId: row.event_id,
          openedAt: row.opened_at,
          feature: row.feature,
        })),
        latestVersion: latestVersion(),
        notes: notesFor(customerId),
        facets: {
          kinds: facetValues.all(customerId, 'kind'),
          features: facetValues.all(customerId, 'feature'),
          sources: facetValues.all(customerId, 'source'),
        },
      };
    },

    timelinePage(input: {
      customerId: string;
      direction?: 'asc' | 'desc';
      limit?: number;
      cursor?: string | null;
      startAt?: string;
      filters?: TimelineFilters;
    }) {
      const direction = input.direction ?? 'desc';
      const limit = input.limit ?? 200;
      const fts = input.filters?.text ? toFtsQuery(input.filters.text) : null;
      const analysis = planner.analyse({ customerId: input.customerId, filters: input.filters, fts });
      const params: Record<string, unknown> = { ...analysis.params };
      const comparison = direction === 'desc' ? '<' : '>';
      let keyset = '';
      if (input.cursor) {
        const [occurredAt, id] = decodeCursor(input.cursor, isPair);
        keyset = ` and (e.occurred_at, e.id) ${comparison} (@cursorAt, @cursorId)`;
        params.cursorAt = occurredAt;
        params.cursorId = id;
      } else if (input.startAt) {
        keyset = ` and e.occurred_at ${comparison}= @startAt`;
        params.startAt = new Date(input.startAt).toISOString();
      }
      const order = direction === 'desc' ? 'desc' : 'asc';
      // Step one reads the page's keys off the chosen index; step two reads only those rows, from the time index,
      // which holds every column a row shows (cache version 19): next to each other there, not scattered over the table.
      const plan = planner.choose(analysis, limit + 1);
      const rows = prepared(
        `select e.rid, e.id, e.customer_id, e.occurred_at, e.recorded_at, e.kind, e.severity, e.summary, e.feature,
           e.source_system, e.actor, (select count(*) from notes n where n.event_id = e.id) as note_count
         from (${planner.pageIds(analysis, plan, keyset, order)}) p
         cross join events e indexed by ${planner.timeIndex}
           on e.customer_id = @customerId and e.occurred_at = p.occurred_at and e.id = p.id
         order by e.occurred_at ${order}, e.id ${order}`,
      ).all({ ...params, limit: limit + 1 }) as EventRaw[];
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      // The total: kept counts answer no filter and one list filter; others are counted here when that is
      // cheap, else left to timeline:count (null), so a page of a 100,000-event customer never waits on a count.
      let total: number | null = null;
      if (input.cursor) total = null;
      else if (analysis.exact !== null) total = analysis.exact;
      else if (!hasMore && !input.startAt) total = page.length;
      else {
        const countPlan = planner.choose(analysis, Number.POSITIVE_INFINITY);
        if (countPlan.cost <= planner.inlineCountBudget) total = countWith(countPlan, analysis);
      }
      return {
        rows: page.map(toTimelineRow),
        nextCursor: hasMore && last ? encodeCursor([last.occurred_at, last.id]) : null,
        total,
        ...(fts === null ? {} : { isTextIndexing: isSearchIndexed.get(input.customerId) !== 1 }),
      };
    },

    /** How many events match the filters, exactly (the count a page left out: off the page's path). */
    timelineCount(input: { customerId: string; filters?: TimelineFilters }): { total: number } {
      const fts = input.filters?.text ? toFtsQuery(input.filters.text) : null;
      const analysis = planner.analyse({ customerId: input.customerId, filters: input.filters, fts });
      if (analysis.exact !== null) return { total: analysis.exact };
      return { total: countWith(planner.choose(analysis, Number.POSITIVE_INFINITY), analysis) };
    },

    eventDetail(eventId: string) {
      // The server's link templates (issue 14, global bucket); ids stay plain text before the first sync.
      const linkTemplates = (): LinkTemplates | null => {
        const text: unknown = prepared("select templates from link_templates where name = 'effective'").pluck().get();
        const parsed = typeof text === 'string' ? LinkTemplatesSchema.safeParse(JSON.parse(text)) : null;
        return parsed?.success ? parsed.data : null;
      };
      const raw = eventOne.get(eventId);
      if (!raw)
        throw new DeskError(
          'not_found',
          `Event ${eventId} is not in the local cache; it may belong to a customer not synced yet.`,
        );
      const event = toEvent(raw);
      return { event, notes: notesFor(raw.customer_id, raw.id), idLinks: eventIdLinks(event, linkTemplates()) };
    },

    precedingChanges(eventId: string, windowHours: number) {
      const raw = eventOne.get(eventId);
      if (!raw) throw new DeskError('not_found', `Event ${eventId} is not in the local cache.`);
      const from = new Date(Date.parse(raw.occurred_at) - windowHours * 3_600_000).toISOString();
      const rows = prepared(
        `select e.rid, e.id, e.customer_id, e.occurred_at, e.recorded_at, e.kind, e.severity, e.summary, e.feature,
           e.source_system, e.actor, (select count(*) from notes n where n.event_id = e.id) as note_count
         from events e
         where e.customer_id = @customerId and e.kind in (select value from json_each(@kinds))
           and e.occurred_at >= @from and e.occurred_at <= @to and e.id <> @id
         order by e.occurred_at desc, e.id desc limit 500`,
      ).all({
        customerId: raw.customer_id,
        kinds: JSON.stringify(CHANGE_KINDS),
        from,
        to: raw.occurred_at,
        id: raw.id,
      }) as EventRaw[];
      return { rows: rows.map(toTimelineRow), windowHours };
    },

    /** Ranked as below; the customer the engineer is on (`firstCustomerId`), when it matches, comes first (#15, item 13). */
    search(text: string, limit: number, firstCustomerId?: string | null): SearchOutput {
      const started = performance.now();
      const fts = toFtsQuery(text);
      if (!fts) return { groups: [], indexing: searchIndexProgress(), tookMs: 0 };
      const groups = new Map<string, SearchOutput['groups'][number]>();
      for (const row of searchCustomers.all(fts, 50)) {
        groups.set(row.id, {
          customerId: row.id,
          customerName: toHighlight(row.name_marked),
          health: row.health,
          customerMatched: true,
          events: [],
        });
      }
      // Events: whole-word matches first, then words that only start with what was typed; newest first within
      // each. Each tier reads the most recently cached matches straight off the index (ranking every match of a
      // short prefix over a million events costs more than search-as-you-type can afford; docs/performance.md).
      // A one-letter word matches too much to be useful for events; customers still match it.
      const tiers = toSearchTiers(text, 2);
      const events: SearchEventRaw[] = [];
      if (tiers) {
        const seen = new Set<string>();
        // The whole-word tier ANDs in the prefix terms, which it implies: the same rows, but highlight() then marks
        // a word that only starts with what was typed (AzureAD for "azure") as well as the whole words (#15, item 13).
        const exact = tiers.prefix === null ? tiers.exact : `${tiers.exact} ${tiers.prefix}`;
        for (const query of [exact, tiers.prefix]) {
          if (query === null || events.length >= limit) continue;
          const tier = searchEvents
            .all(query, limit + seen.size)
            .filter((event) => !seen.has(event.id))
            .slice(0, limit - events.length)
            .sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : a.occurred_at > b.occurred_at ? -1 : 0));
          for (const event of tier) seen.add(event.id);
          events.push(...tier);
        }
      }
      const missing = [...new Set(events.map((event) => event.customer_id))].filter((id) => !groups.has(id));
      // Customers found only through their events, in the order of their best event.
      const named = new Map(customerNames.all(JSON.stringify(missing)).map((customer) => [customer.id, customer]));
      for (const customer of missing.flatMap((id) => named.get(id) ?? [])) {
        groups.set(customer.id, {
          customerId: customer.id,
          customerName: [{ text: customer.name, match: false }],
          health: customer.health,
          customerMatched: false,
          events: [],
        });
      }
      for (const event of events) {
        groups.get(event.customer_id)?.events.push({
          id: event.id,
          occurredAt: event.occurred_at,
          kind: event.kind,
          severity: event.severity,
          summary: toHighlight(event.summary_marked),
          snippet: toHighlight(plainSnippet(event.snippet_marked)),
        });
      }
      const ranked = [...groups.values()];
      const firstIndex = firstCustomerId ? ranked.findIndex((group) => group.customerId === firstCustomerId) : -1;
      if (firstIndex > 0) ranked.unshift(...ranked.splice(firstIndex, 1));
      return { groups: ranked, indexing: searchIndexProgress(), tookMs: performance.now() - started };
    },

    notesFor,
    /** Every write of a note the cache holds, oldest first. */
    noteHistory(noteId: string): NoteHistory {
      return {
        revisions: revisionsOf.all(noteId).map((row) => ({
          id: row.id,
          ver: row.ver,
          kind: row.kind as NoteHistory['revisions'][number]['kind'],
          actor: row.actor,
          at: row.at,
          body: (JSON.parse(row.fields) as { body?: string }).body ?? '',
        })),
      };
    },
    note(noteId: string) {
      return noteOne.get(noteId) ?? null;
    },
    hasCustomer: (customerId: string) => customerExists.get(customerId) === 1,
    hasEvent: (eventId: string) => eventOne.get(eventId) !== undefined,
    isString,
  };
}

/** The query module type. */
export type Queries = ReturnType<typeof createQueries>;

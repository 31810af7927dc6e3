import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApplier, validatePullRows } from '../../../electron/db/apply';
import { openCache, type CacheHandle } from '../../../electron/db/cache';
import { createOutbox, type Outbox } from '../../../electron/db/outbox';
import { createQueries, toFtsQuery, toHighlight, type Queries } from '../../../electron/db/queries';
import { silentLogger } from '../../../electron/core/log';
import { createSearchIndexer } from '../../../electron/db/search-index';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

const dirs = tempDirs('lk-cache-');
let dataDir: string;
let handle: CacheHandle;
let outbox: Outbox;
let applier: ReturnType<typeof createApplier>;
let queries: Queries;

function open() {
  handle = openCache({ dataDir, log: silentLogger });
  outbox = createOutbox(handle.db);
  // As the desk does it: finished bootstraps are indexed for search after the pages are applied (search-index.ts).
  const indexer = createSearchIndexer(handle.db);
  const raw = createApplier(handle.db, outbox);
  applier = {
    ...raw,
    applyPull: (...args) => {
      const summary = raw.applyPull(...args);
      indexer.indexAll();
      return summary;
    },
  };
  queries = createQueries(handle.db, outbox, () => 'you');
}

beforeEach(() => {
  dataDir = dirs.make();
  open();
  applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex', 'global'] }), '2026-11-27T00:00:00Z');
});
afterEach(() => {
  handle.db.close();
  dirs.cleanup();
});

const now = '2026-11-27T00:00:00Z';

describe('applying pulled pages', () => {
  it('indexes a bootstrapped customer for search only once its bootstrap is done, then incrementally', () => {
    const first = eventRow('acme', '2026-11-01T10:00:00.000Z', { summary: 'SAML certificate rotated' });
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [put('customer', 'acme', customerRow('acme')), put('event', first.id, first)],
          hasMore: true,
          bootstrap: { pageToken: 'p1', done: false },
        },
      ]),
      now,
    );
    expect(queries.search('SAML', 10).groups).toEqual([]);
    expect(applier.buckets.all().find((bucket) => bucket.bucket === 'customer:acme')).toMatchObject({
      state: 'bootstrapping',
      page_token: 'p1',
    });

    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [], cursor: 'c2', bootstrap: { pageToken: null, done: true } }]),
      now,
    );
    expect(queries.search('saml', 10).groups[0]?.events.map((event) => event.id)).toEqual([first.id]);

    const later = eventRow('acme', '2026-11-02T10:00:00.000Z', { summary: 'SAML login failures rising' });
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('event', later.id, later)], cursor: 'c3' }]), now);
    expect(queries.search('saml', 10).groups[0]?.events).toHaveLength(2);
    expect(applier.buckets.all().find((bucket) => bucket.bucket === 'customer:acme')).toMatchObject({
      state: 'live',
      cursor: 'c3',
    });
  });

  it('indexes every customer whose bootstrap finished in one response once, also with a later page or a removal in it', () => {
    const a1 = eventRow('acme', '2026-11-01T10:00:00.000Z', { summary: 'quasar rollout started' });
    const a2 = eventRow('acme', '2026-11-01T11:00:00.000Z', { summary: 'quasar rollout finished' });
    const g1 = eventRow('globex', '2026-11-01T10:00:00.000Z', { summary: 'quasar outage' });
    applier.applyPull(
      pullResponse(
        [
          {
            bucket: 'customer:acme',
            ops: [put('customer', 'acme', customerRow('acme')), put('event', a1.id, a1)],
            bootstrap: { pageToken: null, done: true },
          },
          {
            bucket: 'customer:globex',
            ops: [put('customer', 'globex', customerRow('globex')), put('event', g1.id, g1)],
            bootstrap: { pageToken: null, done: true },
          },
          // A second page of acme after its bootstrap finished in this same response.
          { bucket: 'customer:acme', ops: [put('event', a2.id, a2)], cursor: 'c2' },
        ],
        { removedBuckets: ['customer:globex'] },
      ),
      now,
    );
    const hits = queries.search('quasar', 10).groups;
    expect(hits.map((group) => group.customerId)).toEqual(['acme']);
    expect(hits[0]?.events.map((event) => event.id).sort()).toEqual([a1.id, a2.id].sort());
    expect(handle.db.prepare('select count(*) from events_fts where events_fts match ?').pluck().get('quasar')).toBe(2);
    handle.db.exec("insert into events_fts (events_fts) values ('integrity-check')");
  });

  it('ignores a re-sent row with an older or equal version and applies a newer one', () => {
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme', { health: 'degraded' }), 5)] }]),
      now,
    );
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme', { health: 'ok' }), 4)] }]),
      now,
    );
    expect(queries.customerDetail('acme').customer.health).toBe('degraded');
    applier.applyPull(
      pullResponse([{ bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme', { health: 'down' }), 6)] }]),
      now,
    );
    expect(queries.customerDetail('acme').customer.health).toBe('down');
  });

  it('tracks open alerts by thread, with late events placed by when they happened', () => {
    const open1 = eventRow('acme', '2026-11-01T10:00:00.000Z', {
      kind: 'alert',
      severity: 'error',
      properties: { thread: 'a1', status: 'open' },
    });
    const resolved = eventRow('acme', '2026-11-01T12:00:00.000Z', {
      kind: 'alert',
      severity: 'info',
      properties: { thread: 'a1', status: 'resolved' },
    });
    const open2 = eventRow('acme', '2026-11-02T10:00:00.000Z', {
      kind: 'ticket',
      severity: 'warning',
      properties: { thread: 't1', status: 'open' },
    });
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [put('customer', 'acme', customerRow('acme')), put('event', resolved.id, resolved), put('event', open2.id, open2)],
        },
      ]),
      now,
    );
    // The opening event arrives late: it must not reopen the resolved alert.
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('event', open1.id, open1)] }]), now);
    const detail = queries.customerDetail('acme');
    expect(detail.openItems.map((item) => item.thread)).toEqual(['t1']);
    expect(detail.customer).toMatchObject({ openAlerts: 0, openTickets: 1, lastEventAt: '2026-11-02T10:00:00.000Z' });
  });

  it("folds a response's events of a thread into the state they give one by one (late, reopened, two kinds)", () => {
    const at = (hour: number) => new Date(Date.parse('2026-11-01T00:00:00.000Z') + hour * 3_600_000).toISOString();
    const threadEvent = (hour: number, kind: string, thread: string, status: string) =>
      eventRow('acme', at(hour), { kind, severity: status === 'open' ? 'error' : 'info', properties: { thread, status } });
    // Already in the cache before the response: a1 open since hour 1, t1 resolved at hour 5.
    const earlier = [threadEvent(1, 'alert', 'a1', 'open'), threadEvent(5, 'ticket', 't1', 'resolved')];
    const response = [
      threadEvent(3, 'alert', 'a1', 'open'), // still open: keeps hour 1 as its opening
      threadEvent(2, 'alert', 'a1', 'resolved'), // late: changes nothing
      threadEvent(4, 'ticket', 't1', 'open'), // older than the cached state: changes nothing
      threadEvent(6, 'alert', 'a1', 'resolved'),
      threadEvent(8, 'alert', 'a1', 'open'), // reopened: opens at hour 8
      threadEvent(7, 'alert', 'a1', 'open'), // late
      threadEvent(9, 'ticket', 't1', 'open'),
      threadEvent(9, 'ticket', 't1', 'open'), // the same time: the later one wins, still open since 9
      threadEvent(10, 'incident', 'a1', 'open'), // another kind, the same thread key
      threadEvent(11, 'alert', 'a2', 'resolved'), // first seen resolved
    ];
    const threadsOf = (target: CacheHandle) =>
      target.db.prepare('select * from threads order by customer_id, kind, thread').all();
    const apply = (target: ReturnType<typeof createApplier>, events: ReturnType<typeof eventRow>[]) =>
      target.applyPull(
        pullResponse([{ bucket: 'customer:acme', ops: events.map((event) => put('event', event.id, event)) }]),
        now,
      );

    apply(applier, [earlier[0]!]);
    apply(applier, [earlier[1]!]);
    apply(applier, response);

    const other = openCache({ dataDir: dirs.make(), log: silentLogger });
    const oneByOne = createApplier(other.db, createOutbox(other.db));
    oneByOne.applyPull(pullResponse([], { addedBuckets: ['customer:acme'] }), now);
    for (const event of [...earlier, ...response]) apply(oneByOne, [event]);

    expect(threadsOf(handle)).toEqual(threadsOf(other));
    expect(threadsOf(handle)).toMatchObject([
      { kind: 'alert', thread: 'a1', status: 'open', opened_at: at(8), last_at: at(8), event_id: response[4]!.id },
      { kind: 'alert', thread: 'a2', status: 'resolved', opened_at: at(11), last_at: at(11) },
      { kind: 'incident', thread: 'a1', status: 'open', opened_at: at(10) },
      { kind: 'ticket', thread: 't1', status: 'open', opened_at: at(9), last_at: at(9), event_id: response[7]!.id },
    ]);
    other.db.close();
  });

  it('resets a bucket: its rows go, the bucket starts over, other customers stay', () => {
    const a = eventRow('acme', '2026-11-01T10:00:00.000Z', { summary: 'acme deploy' });
    const g = eventRow('globex', '2026-11-01T10:00:00.000Z', { summary: 'globex deploy' });
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme')), put('event', a.id, a)] },
        { bucket: 'customer:globex', ops: [put('customer', 'globex', customerRow('globex')), put('event', g.id, g)] },
      ]),
      now,
    );
    applier.applyPull(
      { ...pullResponse([]), buckets: [{ bucket: 'customer:acme', reset: true, reason: 'cursor_expired' }] },
      now,
    );
    expect(queries.hasCustomer('acme')).toBe(false);
    expect(queries.search('deploy', 10).groups.map((group) => group.customerId)).toEqual(['globex']);
    expect(applier.buckets.all().find((bucket) => bucket.bucket === 'customer:acme')).toMatchObject({
      cursor: null,
      state: 'new',
    });
    expect(handle.db.pragma('quick_check', { simple: true })).toBe('ok');
    handle.db.exec("insert into events_fts (events_fts) values ('integrity-check')");
  });

  it('refuses a whole response when one row is invalid or belongs to another customer, writing nothing', () => {
    const good = eventRow('acme', '2026-11-01T10:00:00.000Z');
    const bad = { ...eventRow('acme', '2026-11-01T11:00:00.000Z'), severity: 'apocalyptic' };
    expect(() =>
      validatePullRows(
        pullResponse([{ bucket: 'customer:acme', ops: [put('event', good.id, good), put('event', bad.id, bad)] }]),
      ),
    ).toThrow(/severity/);
    const foreign = eventRow('globex', '2026-11-01T10:00:00.000Z');
    expect(() => validatePullRows(pullResponse([{ bucket: 'customer:acme', ops: [put('event', foreign.id, foreign)] }]))).toThrow(
      /customer globex/,
    );
  });
});

describe('timeline and search queries', () => {
  beforeEach(() => {
    const rows = [
      eventRow('acme', '2026-11-01T09:00:00.000Z', {
        kind: 'flag_change',
        feature: 'sso',
        summary: 'Flag sso.enforce enabled',
        prevValue: false,
        newValue: true,
        source: { system: 'flags', externalId: 'f1' },
      }),
      eventRow('acme', '2026-11-01T10:00:00.000Z', {
        kind: 'alert',
        severity: 'error',
        feature: 'sso',
        summary: 'SSO login failures above 20%',
        source: { system: 'alertmanager', externalId: 'a1' },
      }),
      eventRow('acme', '2026-10-31T10:00:00.000Z', { kind: 'deploy', summary: 'Release 24.3.0 deployed' }),
      eventRow('acme', '2026-10-01T10:00:00.000Z', {
        kind: 'config_change',
        feature: 'exports',
        summary: 'Export schedule changed',
        source: { system: 'config', externalId: 'c1' },
      }),
      eventRow('acme', '2026-11-01T08:00:00.000Z', {
        kind: 'ticket',
        severity: 'warning',
        summary: 'Users report <b>login</b> trouble',
        source: { system: 'zendesk', externalId: 'z1' },
      }),
    ];
    applier.applyPull(
      pullResponse([
        {
          bucket: 'customer:acme',
          ops: [
            put('customer', 'acme', customerRow('acme', { name: 'Acme Robotics' })),
            ...rows.map((row) => put('event', row.id, row)),
          ],
        },
      ]),
      now,
    );
  });

  it('lists the customer facets for filter menus, kept as events arrive', () => {
    expect(queries.customerDetail('acme').facets).toEqual({
      kinds: ['alert', 'config_change', 'deploy', 'flag_change', 'ticket'],
      features: ['exports', 'sso'],
      sources: ['alertmanager', 'config', 'deploybot', 'flags', 'zendesk'],
    });
    const later = eventRow('acme', '2026-11-03T10:00:00.000Z', {
      kind: 'usage_drop',
      feature: 'analytics',
      source: { system: 'analytics', externalId: 'u1' },
    });
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('event', later.id, later)] }]), now);
    const facets = queries.customerDetail('acme').facets;
    expect(facets.kinds).toContain('usage_drop');
    expect(facets.features).toContain('analytics');
    expect(queries.timelinePage({ customerId: 'acme' }).total).toBe(6);
  });

  it('pages the timeline newest first with a keyset cursor, and oldest first on request', () => {
    const first = queries.timelinePage({ customerId: 'acme', limit: 2 });
    expect(first.total).toBe(5);
    expect(first.rows.map((row) => row.occurredAt)).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-01T09:00:00.000Z']);
    const second = queries.timelinePage({ customerId: 'acme', limit: 2, cursor: first.nextCursor });
    expect(second.rows.map((row) => row.occurredAt)).toEqual(['2026-11-01T08:00:00.000Z', '2026-10-31T10:00:00.000Z']);
    const third = queries.timelinePage({ customerId: 'acme', limit: 2, cursor: second.nextCursor });
    expect(third.rows).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    const ascending = queries.timelinePage({ customerId: 'acme', direction: 'asc', limit: 1 });
    expect(ascending.rows[0]?.occurredAt).toBe('2026-10-01T10:00:00.000Z');
  });

  it('filters by kind, severity, feature, source, time, text and changes only', () => {
    const ids = (filters: Parameters<Queries['timelinePage']>[0]['filters']) =>
      queries.timelinePage({ customerId: 'acme', filters }).rows.map((row) => row.summary);
    expect(ids({ kinds: ['alert'] })).toEqual(['SSO login failures above 20%']);
    expect(ids({ severities: ['warning', 'error'] })).toHaveLength(2);
    expect(ids({ features: ['sso'] })).toHaveLength(2);
    expect(ids({ sources: ['config'] })).toEqual(['Export schedule changed']);
    expect(ids({ from: '2026-11-01T00:00:00Z', to: '2026-11-01T09:30:00Z' })).toHaveLength(2);
    expect(ids({ text: 'login' })).toHaveLength(2);
    expect(ids({ changesOnly: true })).toEqual([
      'Flag sso.enforce enabled',
      'Release 24.3.0 deployed',
      'Export schedule changed',
    ]);
  });

  it('starts a page at a given moment (jump to date)', () => {
    const page = queries.timelinePage({ customerId: 'acme', startAt: '2026-10-31T12:00:00Z' });
    expect(page.rows[0]?.occurredAt).toBe('2026-10-31T10:00:00.000Z');
  });

  it('lists the changes before an alert, nearest first, within the window', () => {
    const alert = queries.timelinePage({ customerId: 'acme', filters: { kinds: ['alert'] } }).rows[0]!;
    const changes = queries.precedingChanges(alert.id, 24).rows.map((row) => row.summary);
    expect(changes).toEqual(['Flag sso.enforce enabled', 'Release 24.3.0 deployed']);
    expect(queries.precedingChanges(alert.id, 2).rows.map((row) => row.summary)).toEqual(['Flag sso.enforce enabled']);
  });

  it('searches customers and events, grouped by customer, with plain-text highlights', () => {
    const result = queries.search('acme', 10);
    expect(result.groups[0]).toMatchObject({ customerId: 'acme', customerMatched: true });
    expect(result.groups[0]?.customerName).toEqual([
      { text: 'Acme', match: true },
      { text: ' Robotics', match: false },
    ]);
    const login = queries.search('logi', 10).groups[0]!;
    expect(login.events).toHaveLength(2);
    const ticket = login.events.find((event) => event.kind === 'ticket')!;
    // Markup in the data stays text: it is a segment, never HTML.
    expect(ticket.summary.map((segment) => segment.text).join('')).toBe('Users report <b>login</b> trouble');
    expect(ticket.summary.filter((segment) => segment.match).map((segment) => segment.text)).toEqual(['login']);
  });

  it('gives event snippets as plain text, with the markdown markup removed (#15)', () => {
    const body = [
      '**Runbook**: restart the `export-worker` first.',
      '',
      '```',
      'kubectl rollout restart deploy/export-worker',
      '```',
      '',
      '| metric | value |',
      '| --- | --- |',
      '| lag | 42 min |',
      '',
      'See [the dashboard](https://grafana.example/d/1) for azure_ad sign-ins.',
    ].join('\n');
    const event = eventRow('acme', '2026-11-02T10:00:00.000Z', { kind: 'alert', summary: 'Export lag', body });
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('event', event.id, event)] }]), now);
    for (const word of ['runbook', 'kubectl', 'metric', 'dashboard']) {
      const hit = queries.search(word, 10).groups[0]?.events.find((candidate) => candidate.id === event.id);
      const text = hit?.snippet.map((segment) => segment.text).join('') ?? '';
      expect({ word, text }).toMatchObject({ text: expect.stringMatching(/\w/) });
      expect({ word, text }).not.toMatchObject({ text: expect.stringMatching(/\*\*|```|`|\||---|\]\(|https?:/) });
      expect(hit?.snippet.filter((segment) => segment.match).map((segment) => segment.text.toLowerCase())).toContain(word);
    }
    const azure = queries.search('dashboard', 10).groups[0]?.events.find((candidate) => candidate.id === event.id);
    expect(azure?.snippet.map((segment) => segment.text).join('')).toContain('azure_ad');
  });

  it('puts the customer the engineer is on first, and marks a word that only starts with what was typed (#15, item 13)', () => {
    const other = eventRow('globex', '2026-11-02T10:00:00.000Z', {
      kind: 'alert',
      feature: 'azure_ad',
      summary: 'azure_ad sign-ins failing',
      body: 'The azure_ad connector returns 401 for AzureAD tenants.',
    });
    const own = eventRow('acme', '2026-11-01T11:00:00.000Z', {
      kind: 'alert',
      feature: 'azure_ad',
      summary: 'AzureAD sync slow',
    });
    applier.applyPull(
      pullResponse([
        { bucket: 'customer:globex', ops: [put('customer', 'globex', customerRow('globex')), put('event', other.id, other)] },
        { bucket: 'customer:acme', ops: [put('event', own.id, own)] },
      ]),
      now,
    );
    // Ranking as before: the newest matching event's customer first.
    expect(queries.search('azure', 10).groups.map((group) => group.customerId)).toEqual(['globex', 'acme']);
    // On Acme's page, Acme first; the rest keep their order.
    const onAcme = queries.search('azure', 10, 'acme');
    expect(onAcme.groups.map((group) => group.customerId)).toEqual(['acme', 'globex']);
    const marked = (segments: { text: string; match: boolean }[]) =>
      segments.filter((segment) => segment.match).map((segment) => segment.text);
    // "azure" starts AzureAD: marked as the whole word of azure_ad (two words to the index) is.
    expect(marked(onAcme.groups[0]!.events[0]!.summary)).toEqual(['AzureAD']);
    expect(marked(onAcme.groups[1]!.events[0]!.summary)).toEqual(['azure']);
    expect(marked(onAcme.groups[1]!.events[0]!.snippet)).toEqual(['azure', 'AzureAD']);
  });

  it('treats FTS operators typed by the user as plain words', () => {
    expect(toFtsQuery('sso AND "NEAR(')).toBe('"sso"* "AND"* "NEAR"*');
    expect(toFtsQuery('  ')).toBeNull();
    expect(() => queries.search('OR ) ( * "', 10)).not.toThrow();
    expect(toHighlight('a\u0002b\u0003c')).toEqual([
      { text: 'a', match: false },
      { text: 'b', match: true },
      { text: 'c', match: false },
    ]);
  });

  it('answers bad_request for a forged cursor', () => {
    expect(() => queries.timelinePage({ customerId: 'acme', cursor: 'not-a-cursor' })).toThrow(/cursor is not valid/);
  });
});

describe('outbox', () => {
  const lane = () => outbox.clientId();

  it('hands out gapless sequence numbers that are never reused after acknowledgement', () => {
    const a = outbox.enqueue('note.create', { noteId: 'n1', customerId: 'acme', eventId: null, body: 'x' }, now);
    const b = outbox.enqueue('note.create', { noteId: 'n2', customerId: 'acme', eventId: null, body: 'y' }, now);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    handle.db.transaction(() => {
      outbox.acknowledge(lane(), [
        { seq: 1, status: 'applied', produced: [] },
        { seq: 2, status: 'applied', produced: [] },
      ]);
      outbox.settle(() => true);
    })();
    expect(outbox.pendingCount()).toBe(0);
    expect(outbox.enqueue('note.create', { noteId: 'n3', customerId: 'acme', eventId: null, body: 'z' }, now).seq).toBe(3);
  });

  it('keeps an applied row until the rows it produced are in the cache', () => {
    const row = outbox.enqueue('note.create', { noteId: 'n1', customerId: 'acme', eventId: null, body: 'x' }, now);
    const produced = [{ bucket: 'customer:acme', entity: 'note', id: 'n1', ver: 1 }];
    handle.db.transaction(() => outbox.acknowledge(lane(), [{ seq: row.seq, status: 'applied', produced }]))();
    expect(outbox.settle(applier.hasRow)).toBe(0);
    expect(outbox.pendingCount()).toBe(1);
    const note = { id: 'n1', customerId: 'acme', eventId: null, author: 'dana', body: 'x', createdAt: now, updatedAt: now };
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('note', 'n1', note)] }]), now);
    expect(outbox.pendingCount()).toBe(0);
  });

  it('renumbers pending mutations to the sequence a server asks for, keeping rejected ones apart', () => {
    const first = outbox.enqueue('note.create', { noteId: 'n1', customerId: 'acme', eventId: null, body: 'a' }, now);
    outbox.enqueue('note.create', { noteId: 'n2', customerId: 'acme', eventId: null, body: 'b' }, now);
    outbox.enqueue('note.create', { noteId: 'n3', customerId: 'acme', eventId: null, body: 'c' }, now);
    handle.db.transaction(() =>
      outbox.acknowledge(lane(), [{ seq: first.seq, status: 'rejected', code: 'forbidden', message: 'no' }]),
    )();
    // The server lost track of this client (a restored database) and expects seq 1 next.
    expect(outbox.renumberFrom(lane(), 1)).toBe(true);
    expect(outbox.nextBatch(10, new Map())?.mutations.map((row) => [row.seq, (row.args as { body: string }).body])).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(outbox.all().find((row) => row.status === 'rejected')).toMatchObject({ resultCode: 'forbidden' });
    expect(outbox.enqueue('note.create', { noteId: 'n4', customerId: 'acme', eventId: null, body: 'd' }, now).seq).toBe(3);
    expect(outbox.renumberFrom(lane(), 1)).toBe(false);
  });

  it('keeps rejected mutations, marked with the reason, and shows them on the note', () => {
    applier.applyPull(pullResponse([{ bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme'))] }]), now);
    const row = outbox.enqueue('note.create', { noteId: 'n1', customerId: 'acme', eventId: null, body: 'hello' }, now);
    expect(queries.notesFor('acme')).toMatchObject([{ id: 'n1', pending: true, error: null, author: 'you' }]);
    handle.db.transaction(() =>
      outbox.acknowledge(lane(), [{ seq: row.seq, status: 'rejected', code: 'forbidden', message: 'Not your customer.' }]),
    )();
    expect(outbox.all()).toMatchObject([{ seq: row.seq, status: 'rejected', resultCode: 'forbidden' }]);
    expect(queries.notesFor('acme')).toMatchObject([{ id: 'n1', pending: false, error: 'Not your customer. (forbidden)' }]);
  });

  it('binds writes to the backend and user they were written for, in lanes of their own', () => {
    outbox.useBackend('remote:https://a.example#1', 'https://a.example');
    const early = outbox.enqueue(
      'note.create',
      { noteId: 'n1', customerId: 'acme', eventId: null, body: 'before A answered' },
      now,
    );
    expect(outbox.binding()).toBe('pending:remote:https://a.example#1');
    outbox.learnIdentity('server-a/dana', 'https://a.example as dana');
    expect(outbox.binding()).toBe('server-a/dana');
    expect(outbox.all().map((row) => row.id)).toEqual([early.id]);

    outbox.useBackend('remote:https://b.example#2', 'https://b.example');
    outbox.learnIdentity('server-b/dana', 'https://b.example as dana');
    const onB = outbox.enqueue('note.create', { noteId: 'n2', customerId: 'acme', eventId: null, body: 'for B' }, now);
    // B's writes have their own client id and sequence; A's wait and are never in B's batches.
    expect(onB.lane).not.toBe(early.lane);
    expect(onB.seq).toBe(1);
    expect(outbox.nextBatch(10, new Map())?.mutations.map((row) => row.id)).toEqual([onB.id]);
    expect(outbox.waitingCount()).toBe(1);
    expect(outbox.groups().map((group) => [group.label, group.isCurrent, group.rows.length])).toEqual([
      ['https://a.example as dana', false, 1],
      ['https://b.example as dana', true, 1],
    ]);
    expect(() => outbox.discard('server-b/dana')).toThrow();

    // Back on A (another address, same backend and user once it answered): A's write is sent again.
    outbox.useBackend('remote:https://a2.example#1', 'https://a2.example');
    expect(outbox.nextBatch(10, new Map())).toBeNull();
    outbox.learnIdentity('server-a/dana', 'https://a2.example as dana');
    expect(outbox.nextBatch(10, new Map())?.mutations.map((row) => row.id)).toEqual([early.id]);
    expect(outbox.discard('server-b/dana')).toBe(1);
    expect(outbox.waitingCount()).toBe(0);
  });

  it('survives a corrupt cache: the cache is moved aside and rebuilt, the outbox and client id are kept', () => {
    const clientId = outbox.clientId();
    outbox.enqueue('note.create', { noteId: 'n1', customerId: 'acme', eventId: null, body: 'precious' }, now);
    handle.db.close();
    const cacheFile = `${dataDir}/cache.sqlite`;
    fs.rmSync(`${cacheFile}-wal`, { force: true });
    fs.rmSync(`${cacheFile}-shm`, { force: true });
    fs.writeFileSync(cacheFile, Buffer.alloc(8192, 7));
    open();
    expect(handle.recoveredFrom).toMatch(/cache\.sqlite\.unusable-/);
    expect(fs.existsSync(handle.recoveredFrom!)).toBe(true);
    expect(applier.buckets.all()).toEqual([]);
    expect(outbox.clientId()).toBe(clientId);
    expect(outbox.all().map((row) => (row.args as { body: string }).body)).toEqual(['precious']);
    expect(handle.db.pragma('outbox.synchronous', { simple: true })).toBe(2);
  });
});

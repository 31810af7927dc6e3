import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { createApplier } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { CACHE_MIGRATIONS } from '../../../electron/db/migrations';
import { migrate } from '../../../electron/db/open';
import { createOutbox } from '../../../electron/db/outbox';
import { systemClock } from '../../../shared/clock';
import { contract } from '../../../shared/ipc/contract';
import type { RunHistoryItem } from '../../../shared/ipc/wizard-views';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

/*
 * Issue 15, item 14: runs:history over a real cache file — wizard_run events
 * (any desk's runs, as the server recorded them) and this desk's own finished
 * runs, newest finish first, filtered, keyset-paged, each run once; and the
 * contract: answers satisfy the output schema, bad filters are refused.
 */

const dirs = tempDirs('lk-run-history-');
let desk: Desk | null = null;
afterEach(async () => {
  await desk?.stop();
  desk?.close();
  desk = null;
  dirs.cleanup();
});

const NOW = Date.parse('2026-11-20T12:00:00.000Z');

function runEvent(customerId: string, runId: string, finishedAt: string, properties: Record<string, unknown>, actor = 'alice') {
  return eventRow(customerId, finishedAt, {
    kind: 'wizard_run',
    source: { system: 'lightkeeper-wizards', externalId: runId },
    actor,
    summary: `Wizard run ${runId}`,
    links: { run: runId },
    properties: { runId, wizardVersion: 1, startedAt: null, finishedAt, path: [], followUps: [], rootCause: null, ...properties },
  });
}

function insertLocalRun(
  db: Database.Database,
  run: { id: string; customerId: string; status: string; finishedAt: string | null; outcome?: string; practice?: boolean },
) {
  db.prepare(
    `insert into wizard_runs (id, wizard_id, wizard_version, wizard_hash, title, customer_id, customer_name, practice, status, state,
       pinned, started_at, updated_at, finished_at, started_by, started_by_name)
     values (@id, 'sso-sign-in-failing', 2, 'h', 'SSO sign-in failing (this desk)', @customerId, @customerName, @practice, @status, @state,
       '{}', @startedAt, @updatedAt, @finishedAt, 'dana', 'Dana Desk')`,
  ).run({
    id: run.id,
    customerId: run.customerId,
    customerName: `Customer ${run.customerId}`,
    practice: run.practice ? 1 : 0,
    status: run.status,
    state: JSON.stringify(run.outcome ? { finish: { outcome: run.outcome } } : { finish: null }),
    startedAt: '2026-11-19T08:00:00.000Z',
    updatedAt: run.finishedAt ?? '2026-11-19T09:00:00.000Z',
    finishedAt: run.finishedAt,
  });
}

/** A cache with three recorded runs (one of them this desk's), a local run not yet recorded, and an open run. */
function seededDesk(): Desk {
  const dataDir = dirs.make();
  const handle = openCache({ dataDir, log: silentLogger });
  const events = [
    runEvent('acme', 'RUN-1', '2026-11-19T10:00:00.000Z', {
      wizardId: 'sso-sign-in-failing',
      outcome: 'remediated',
      startedAt: '2026-11-19T09:30:00.000Z',
    }),
    runEvent('globex', 'RUN-2', '2026-11-18T10:00:00.000Z', { wizardId: 'export-lagging', outcome: 'escalated' }, 'bob'),
    runEvent(
      'acme',
      'RUN-LOCAL-1',
      '2026-11-17T10:00:00.000Z',
      { wizardId: 'sso-sign-in-failing', outcome: 'workaround' },
      'dana',
    ),
    runEvent('acme', 'RUN-OLD', '2026-08-01T10:00:00.000Z', { wizardId: 'sso-sign-in-failing', outcome: 'remediated' }),
    // A record with an outcome no desk knows is left out, not answered as something else.
    runEvent('acme', 'RUN-ODD', '2026-11-19T11:00:00.000Z', { wizardId: 'sso-sign-in-failing', outcome: 'exploded' }),
  ];
  const applier = createApplier(handle.db, createOutbox(handle.db));
  // Buckets are subscribed first; their pages are applied after.
  applier.applyPull(pullResponse([], { addedBuckets: ['customer:acme', 'customer:globex', 'global'] }), '2026-11-20T00:00:00Z');
  applier.applyPull(
    pullResponse([
      {
        bucket: 'customer:acme',
        ops: [
          put('customer', 'acme', customerRow('acme', { name: 'Acme Corporation' })),
          ...events.filter((e) => e.customerId === 'acme').map((e) => put('event', e.id, e)),
        ],
      },
      {
        bucket: 'customer:globex',
        ops: [
          put('customer', 'globex', customerRow('globex', { name: 'Globex' })),
          ...events.filter((e) => e.customerId === 'globex').map((e) => put('event', e.id, e)),
        ],
      },
    ]),
    '2026-11-20T00:00:00Z',
  );
  insertLocalRun(handle.db, {
    id: 'RUN-LOCAL-1',
    customerId: 'acme',
    status: 'finished',
    finishedAt: '2026-11-17T10:00:00.000Z',
    outcome: 'workaround',
  });
  insertLocalRun(handle.db, {
    id: 'RUN-LOCAL-2',
    customerId: 'globex',
    status: 'cancelled',
    finishedAt: '2026-11-19T11:30:00.000Z',
    outcome: 'aborted',
    practice: true,
  });
  insertLocalRun(handle.db, { id: 'RUN-OPEN', customerId: 'acme', status: 'waiting', finishedAt: null });
  handle.db.close();
  return createDesk({
    dataDir,
    mode: 'browser',
    appVersion: '9.9.9',
    platform: 'linux',
    log: silentLogger,
    bundledWizardsDir: null,
    clock: { ...systemClock, now: () => NOW },
  });
}

async function history(
  input: unknown,
): Promise<{ runs: RunHistoryItem[]; next: { finishedAt: string; runId: string } | null; operators: string[] }> {
  const answer = await desk!.dispatch('runs:history', input);
  if (!answer.ok) throw new Error(`runs:history refused: ${answer.error.message}`);
  expect(contract['runs:history'].output.safeParse(answer.value).success).toBe(true);
  return answer.value as { runs: RunHistoryItem[]; next: { finishedAt: string; runId: string } | null; operators: string[] };
}

describe('runs:history (issue 15, item 14)', () => {
  it('lists every finished run once, newest finish first, from the timeline and from this desk', async () => {
    desk = seededDesk();
    const { runs, next } = await history({});
    expect(next).toBeNull();
    expect(runs.map((run) => [run.runId, run.outcome, run.isLocal])).toEqual([
      ['RUN-LOCAL-2', 'aborted', true],
      ['RUN-1', 'remediated', false],
      ['RUN-2', 'escalated', false],
      ['RUN-LOCAL-1', 'workaround', true],
      ['RUN-OLD', 'remediated', false],
    ]);
    const [local2, run1, run2, local1] = runs;
    expect(local2).toMatchObject({
      practice: true,
      eventId: null,
      customerName: 'Customer globex',
      ranBy: { userId: 'dana', name: 'Dana Desk' },
    });
    expect(run1).toMatchObject({
      customerId: 'acme',
      customerName: 'Acme Corporation',
      wizardId: 'sso-sign-in-failing',
      title: 'sso-sign-in-failing',
      startedAt: '2026-11-19T09:30:00.000Z',
      finishedAt: '2026-11-19T10:00:00.000Z',
      ranBy: { userId: 'alice', name: 'alice' },
      practice: false,
    });
    expect(run1?.eventId).toMatch(/^[0-9A-Z]{26}$/);
    expect(run2).toMatchObject({ customerName: 'Globex', ranBy: { userId: 'bob', name: 'bob' } });
    // This desk's run whose record arrived: listed once, opens as a run, with the starter and title this desk kept.
    expect(local1).toMatchObject({ title: 'SSO sign-in failing (this desk)', ranBy: { userId: 'dana', name: 'Dana Desk' } });
    expect(local1?.eventId).not.toBeNull();
  });

  it('filters by wizard, outcome and period', async () => {
    desk = seededDesk();
    expect((await history({ outcome: 'escalated' })).runs.map((run) => run.runId)).toEqual(['RUN-2']);
    expect((await history({ wizardId: 'export-lagging' })).runs.map((run) => run.runId)).toEqual(['RUN-2']);
    expect((await history({ wizardId: 'sso-sign-in-failing', outcome: 'remediated' })).runs.map((run) => run.runId)).toEqual([
      'RUN-1',
      'RUN-OLD',
    ]);
    expect((await history({ outcome: 'aborted' })).runs.map((run) => run.runId)).toEqual(['RUN-LOCAL-2']);
    expect((await history({ days: 30 })).runs.map((run) => run.runId)).toEqual(['RUN-LOCAL-2', 'RUN-1', 'RUN-2', 'RUN-LOCAL-1']);
    expect((await history({ days: 2 })).runs.map((run) => run.runId)).toEqual(['RUN-LOCAL-2', 'RUN-1']);
  });

  it("filters by who ran it (the starter this desk kept, else the record's actor) and names everyone in the period", async () => {
    desk = seededDesk();
    const all = await history({});
    expect(all.operators).toEqual(['alice', 'bob', 'Dana Desk']);
    expect((await history({ ranBy: 'bob' })).runs.map((run) => run.runId)).toEqual(['RUN-2']);
    // RUN-LOCAL-1's record says 'dana', but this desk kept its starter's name: one name for one person.
    expect((await history({ ranBy: 'Dana Desk' })).runs.map((run) => run.runId)).toEqual(['RUN-LOCAL-2', 'RUN-LOCAL-1']);
    expect((await history({ ranBy: 'dana' })).runs).toEqual([]);
    expect((await history({ ranBy: 'alice', outcome: 'remediated' })).runs.map((run) => run.runId)).toEqual(['RUN-1', 'RUN-OLD']);
    // The names follow the period, not the other filters.
    expect((await history({ days: 2, ranBy: 'bob' })).operators).toEqual(['alice', 'Dana Desk']);
  });

  it('pages on from the last row shown, across both sources, without repeating or skipping a run', async () => {
    desk = seededDesk();
    const seen: string[] = [];
    let before: { finishedAt: string; runId: string } | null = null;
    for (let page = 0; page < 10; page += 1) {
      const answer = await history({ limit: 2, ...(before ? { before } : {}) });
      seen.push(...answer.runs.map((run) => run.runId));
      before = answer.next;
      if (!before) break;
    }
    expect(seen).toEqual(['RUN-LOCAL-2', 'RUN-1', 'RUN-2', 'RUN-LOCAL-1', 'RUN-OLD']);
  });

  it('refuses filters it cannot answer, with a bad_request that names the field', async () => {
    desk = seededDesk();
    for (const input of [
      { outcome: 'exploded' },
      { days: 0 },
      { limit: 501 },
      { before: { finishedAt: 'yesterday', runId: 'x' } },
      { customer: 'acme' },
      { ranBy: '' },
      { ranBy: 'x'.repeat(201) },
    ]) {
      const answer = await desk.dispatch('runs:history', input);
      expect(answer.ok, JSON.stringify(input)).toBe(false);
      if (!answer.ok) expect(answer.error.code).toBe('bad_request');
    }
  });
});

describe('cache migration 14 (run history by finish time)', () => {
  it('indexes a version-13 cache, and the history reads the wizard_run events through the index', () => {
    const db = new Database(`${dirs.make()}/cache.sqlite`);
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 13),
      'cache',
    );
    insertLocalRun(db, {
      id: 'RUN-KEPT',
      customerId: 'acme',
      status: 'finished',
      finishedAt: '2026-11-17T10:00:00.000Z',
      outcome: 'remediated',
    });
    migrate(
      db,
      CACHE_MIGRATIONS.filter((migration) => migration.version <= 14),
      'cache',
    );
    expect(db.pragma('user_version', { simple: true })).toBe(14);
    const indexes = db
      .prepare(
        "select name from sqlite_master where type = 'index' and name like '%wizard_run%' or name = 'wizard_runs_by_finished_at'",
      )
      .pluck()
      .all();
    expect(indexes).toEqual(
      expect.arrayContaining([
        'events_by_occurred_at_wizard_run',
        'events_by_source_external_id_wizard_run',
        'wizard_runs_by_finished_at',
      ]),
    );
    expect(db.prepare('select id from wizard_runs').pluck().all()).toEqual(['RUN-KEPT']);
    const plan = db
      .prepare(
        "explain query plan select id from events where kind = 'wizard_run' and occurred_at >= '2026-01-01' order by occurred_at desc",
      )
      .all()
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
    expect(plan).toContain('events_by_occurred_at_wizard_run');
    db.close();
  });
});

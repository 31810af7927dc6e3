import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../shared/domain';
import { customerBucket } from '../../shared/sync/wire';
import { generateFleet } from '../../server/demo/fleet';
import { startLiveLoop } from '../../server/demo/live-loop';
import { seedDemo, type DemoGenerators } from '../../server/demo/seed';
import type { DemoFleet } from '../../server/demo/types';
import { silentLogger } from '../../server/log';
import { readCustomerStates } from '../../server/demo/state';
import { BAD_RELEASE_PROBLEM_ID, RECURRING_PROBLEM_ID, REGRESSED_PROBLEM_ID } from '../../server/demo/problem-stories';
import { faultRoster } from '../../server/demo/fleet';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MiniDesk } from './support/desk';
import { openStream } from './support/stream';
import { addCustomers, customer, request, startTestServer, token } from './support/server';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const SEED = 42;
const databases: TestDatabase[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

async function count(database: TestDatabase, table: string): Promise<number> {
  const [row] = await database.storage.query<{ count: number }>(`select count(*)::integer as count from ${table}`);
  return row?.count ?? 0;
}

afterAll(async () => {
  await Promise.all(databases.map((database) => database.dispose()));
});

describe('seedDemo with the demo fleet', () => {
  let database: TestDatabase;
  let fleet: DemoFleet;

  beforeAll(async () => {
    database = await freshDatabase();
    fleet = generateFleet({ seed: SEED, now: new Date(NOW), customers: 50, days: 30 });
  });

  it('loads the whole fleet into an empty database, and syncs it out', async () => {
    const result = await seedDemo(database.storage, {
      seed: SEED,
      customers: 50,
      now: NOW,
      log: silentLogger,
      generators: { generateFleet: () => fleet, padEvents: function* () {} },
    });
    // The fleet's history, plus the one wizard run the known-problem stories record (issue 12).
    expect(result).toEqual({ isSeeded: true, isNew: true, customers: fleet.customers.length, events: fleet.events.length + 1 });
    expect(await count(database, 'customer_features')).toBe(fleet.features.length);
    expect(await count(database, 'releases')).toBe(fleet.releases.length);
    expect(await readCustomerStates(database.storage)).toEqual(
      [...fleet.states].sort((a, b) => (a.customerId < b.customerId ? -1 : 1)),
    );
    // Every seeded row is in the change log too, so desks that are already syncing see it.
    const [logged] = await database.storage.query<{ count: number }>(
      "select count(*)::integer as count from change_log where entity = 'event'",
    );
    expect(logged?.count).toBe(fleet.events.length + 1);

    const server = await startTestServer(database.storage);
    try {
      const desk = new MiniDesk(
        server.url,
        await token(database.storage, { userId: 'admin', role: 'admin' }),
        'seed-desk-1',
        5_000,
      );
      await desk.sync();
      const someone = fleet.customers[0]?.id ?? '';
      const expected = fleet.events
        .filter((item) => item.customerId === someone)
        .map((item) => `${item.source.system}/${item.source.externalId}`);
      const pulled = desk.entityIds(customerBucket(someone), 'event').flatMap((id) => {
        const row = desk.row(customerBucket(someone), 'event', id) as {
          source: { system: string; externalId: string };
          recordedAt: string;
          occurredAt: string;
        };
        // History counts as recorded when it occurred.
        expect(row.recordedAt).toBe(row.occurredAt);
        return row.source.system === 'lightkeeper-wizards' ? [] : [`${row.source.system}/${row.source.externalId}`];
      });
      expect(pulled.sort()).toEqual(expected.sort());
    } finally {
      await server.close();
    }
  });

  it('does nothing the second time', async () => {
    const logBefore = await count(database, 'change_log');
    const result = await seedDemo(database.storage, {
      seed: SEED,
      customers: 50,
      now: NOW + 60_000,
      log: silentLogger,
      generators: { generateFleet: () => fleet, padEvents: function* () {} },
    });
    expect(result).toMatchObject({ isSeeded: true, isNew: false, events: fleet.events.length + 1 });
    expect(await count(database, 'change_log')).toBe(logBefore);
  });

  it('tells the known-problem stories: one recurring on a customer, one regressed after its fix, follow-ups from a past run', async () => {
    const server = await startTestServer(database.storage);
    try {
      const admin = await token(database.storage, { userId: 'admin', role: 'admin' });
      const get = async <T>(path: string) => (await request(server.url, 'GET', path, admin)).body as T;
      type Report = {
        problem: { status: string; workaroundWizard: string | null };
        hits: { customerId: string; occurrences: number }[];
        regressions: number;
      };
      const recurring = await get<Report>(`/v1/problems/${RECURRING_PROBLEM_ID}`);
      expect(recurring.problem.status).toBe('known_error');
      expect(recurring.problem.workaroundWizard).not.toBeNull();
      expect(Math.max(...recurring.hits.map((hit) => hit.occurrences))).toBeGreaterThanOrEqual(2);
      const regressed = await get<Report>(`/v1/problems/${REGRESSED_PROBLEM_ID}`);
      expect(regressed.problem.status).toBe('fixed');
      expect(regressed.regressions).toBeGreaterThanOrEqual(1);
      const fromRun = await get<{ followUps: { source: string; runId: string | null; problemId: string | null }[] }>(
        '/v1/follow-ups?state=active',
      );
      expect(fromRun.followUps.filter((item) => item.source === 'run')).toHaveLength(2);
      expect(fromRun.followUps.some((item) => item.problemId === RECURRING_PROBLEM_ID)).toBe(true);
      expect(fromRun.followUps.some((item) => item.problemId === REGRESSED_PROBLEM_ID)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('tells the bad release as a known error: its signals on every customer its defect hits, the pin as the workaround', async () => {
    const server = await startTestServer(database.storage);
    try {
      const admin = await token(database.storage, { userId: 'admin', role: 'admin' });
      const get = async <T>(path: string) => (await request(server.url, 'GET', path, admin)).body as T;
      type Report = {
        problem: {
          title: string;
          status: string;
          workaroundWizard: string | null;
          workaround: string | null;
          rules: { signature?: string }[];
        };
        hits: { customerId: string; linkedBy: string; occurrences: number }[];
      };
      const hit = faultRoster(fleet).upgrade_regression;
      expect(hit.length).toBeGreaterThanOrEqual(2);
      const regression = fleet.states.find((state) => state.customerId === hit[0])?.regression;
      const report = await get<Report>(`/v1/problems/${BAD_RELEASE_PROBLEM_ID}`);
      expect(report.problem).toMatchObject({
        title: `Billing sync fails after the upgrade to ${regression?.version}`,
        status: 'known_error',
        workaroundWizard: 'degraded-after-version-upgrade',
      });
      expect(report.problem.workaround).toContain(`Pin the customer to ${regression?.previousVersion}`);
      // The alert and the error spike the defect raises, found by signature on every customer it hits, and nobody else.
      expect(report.problem.rules.map((rule) => rule.signature?.split(':')[0]).sort()).toEqual(['alert', 'error']);
      expect(report.hits.map((row) => row.customerId).sort()).toEqual([...hit].sort());
      expect(report.hits.every((row) => row.linkedBy === 'signature' && row.occurrences >= 2)).toBe(true);
      // The other stories tell of other failures.
      for (const id of [RECURRING_PROBLEM_ID, REGRESSED_PROBLEM_ID]) {
        const other = await get<Report>(`/v1/problems/${id}`);
        for (const rule of other.problem.rules) expect(report.problem.rules).not.toContainEqual(rule);
      }
    } finally {
      await server.close();
    }
  });

  it('runs the live simulator through the repository: new events reach desks and streams, and a restart continues', async () => {
    let now = NOW + 1_000;
    const server = await startTestServer(database.storage);
    const admin = await token(database.storage, { userId: 'admin', role: 'admin' });
    const stream = await openStream(server.url, admin);
    try {
      const loop = startLiveLoop({ storage: database.storage, seed: SEED, intervalMs: 0, clock: () => now, log: silentLogger });
      await loop.tickOnce();
      now += 60_000;
      const summary = await loop.tickOnce();
      await loop.stop();
      expect(summary.isSkipped).toBe(false);
      expect(summary.events).toBeGreaterThan(0);
      expect(await count(database, 'events')).toBeGreaterThan(fleet.events.length);
      const [newest] = await database.storage.query<{ customer_id: string }>(
        'select customer_id from events order by recorded_at desc, id desc limit 1',
      );
      await stream.waitForPoke((poke) => poke.buckets.includes(customerBucket(newest?.customer_id ?? '')));

      // A restarted server's loop starts where the stored last tick left off: nothing is replayed.
      const before = await count(database, 'events');
      const restarted = startLiveLoop({
        storage: database.storage,
        seed: SEED,
        intervalMs: 0,
        clock: () => now,
        log: silentLogger,
      });
      expect((await restarted.tickOnce()).events).toBe(0);
      await restarted.stop();
      expect(await count(database, 'events')).toBe(before);
    } finally {
      stream.close();
      await server.close();
    }
  });
});

describe('seedDemo bookkeeping', () => {
  const fixture: DemoFleet = {
    customers: [customer('tiny-1'), customer('tiny-2')],
    features: [{ customerId: 'tiny-1', feature: 'sso', entitled: true, enabled: true, health: 'ok', lastSignalAt: null }],
    releases: [{ version: '1.0.0', releasedAt: '2026-01-01T00:00:00Z', notes: null }],
    states: [
      { customerId: 'tiny-1', flags: {}, config: {}, idp: null, provisioning: [], jobs: [], pinnedVersion: null, faults: [] },
    ],
    events: [
      {
        customerId: 'tiny-1',
        occurredAt: '2026-05-01T00:00:00Z',
        kind: 'deploy',
        severity: 'info',
        source: { system: 'fixture', externalId: 'f-1' },
        summary: 'deploy',
      },
    ],
  };
  const padded = (count: number, failAfterBatches = Number.POSITIVE_INFINITY): DemoGenerators['padEvents'] =>
    function* () {
      for (let start = 0, batch = 0; start < count; start += 4, batch += 1) {
        if (batch >= failAfterBatches) throw new Error('interrupted');
        yield Array.from({ length: Math.min(4, count - start) }, (_, index): EventInput => ({
          customerId: index % 2 === 0 ? 'tiny-1' : 'tiny-2',
          occurredAt: '2026-05-02T00:00:00Z',
          kind: 'alert',
          severity: 'warning',
          source: { system: 'pad', externalId: `p-${start + index}` },
          summary: 'padding',
        }));
      }
    };

  it('pads the history to exactly the requested total and resumes an interrupted padding', async () => {
    const database = await freshDatabase();
    const options = { seed: 1, events: 11, now: NOW, log: silentLogger };
    await expect(
      seedDemo(database.storage, { ...options, generators: { generateFleet: () => fixture, padEvents: padded(10, 2) } }),
    ).rejects.toThrow('interrupted');
    expect(await count(database, 'events')).toBe(1 + 8);
    const result = await seedDemo(database.storage, {
      ...options,
      generators: { generateFleet: () => fixture, padEvents: padded(10) },
    });
    expect(result).toMatchObject({ isSeeded: true, events: 11 });
    expect(await count(database, "change_log where entity = 'event'")).toBe(11);
  });

  it('never records a failed padding batch as stored, though the batches after it were already being written', async () => {
    const database = await freshDatabase();
    const options = { seed: 1, events: 11, now: NOW, log: silentLogger };
    const secondBatchFails: DemoGenerators['padEvents'] = function* (fleetInput, padOptions) {
      let batch = 0;
      for (const events of padded(10)(fleetInput, padOptions)) {
        yield batch === 1 ? events.map((event) => ({ ...event, customerId: 'no-such-customer' })) : events;
        batch += 1;
      }
    };
    await expect(
      seedDemo(database.storage, { ...options, generators: { generateFleet: () => fixture, padEvents: secondBatchFails } }),
    ).rejects.toThrow();
    // The third batch was sent while the second failed: it must not have been kept (nor counted) either.
    expect(await count(database, 'events')).toBe(1 + 4);
    const result = await seedDemo(database.storage, {
      ...options,
      generators: { generateFleet: () => fixture, padEvents: padded(10) },
    });
    expect(result).toMatchObject({ isSeeded: true, events: 11 });
  });

  it('leaves a database that already has customers alone', async () => {
    const database = await freshDatabase();
    await addCustomers(database.storage, ['real-customer']);
    const result = await seedDemo(database.storage, {
      seed: 1,
      now: NOW,
      log: silentLogger,
      generators: { generateFleet: () => fixture, padEvents: padded(10) },
    });
    expect(result).toEqual({ isSeeded: false, isNew: false, customers: 1, events: 0 });
    expect(await count(database, 'releases')).toBe(0);
  });
});

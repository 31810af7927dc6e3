import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkConvergence, deskScopes, runScale, type DeskNotes, type NoteCopy } from '../../bench/scale-run';

const ADMIN_URL = process.env.LIGHTKEEPER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function isPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const note = (id: string, customerId: string, body = `body ${id}`, ver = 1): NoteCopy => ({ id, customerId, body, ver });
const desk = (index: number, customers: string[], notes: NoteCopy[], extra: Partial<DeskNotes> = {}): DeskNotes => ({
  desk: index,
  customers,
  notes,
  pendingOutbox: 0,
  rejected: 0,
  ...extra,
});

describe('bench:scale convergence check', () => {
  const server = [note('n1', 'acme'), note('n2', 'acme'), note('n3', 'globex')];
  const written = new Map([
    ['n1', { customerId: 'acme', body: 'body n1' }],
    ['n3', { customerId: 'globex', body: 'body n3' }],
  ]);

  it('passes desks that hold exactly the notes of their customers', () => {
    const desks = [desk(0, ['acme'], [server[1]!, server[0]!]), desk(1, ['acme', 'globex'], [...server])];
    expect(checkConvergence(server, desks, written)).toEqual([]);
  });

  it('names a note a desk misses, holds at an old version, or holds outside its customers', () => {
    const desks = [
      desk(0, ['acme'], [server[0]!]),
      desk(1, ['acme'], [server[0]!, note('n2', 'acme', 'body n2', 0)]),
      desk(2, ['globex'], [server[2]!, server[0]!]),
    ];
    expect(checkConvergence(server, desks, written)).toEqual([
      'desk 0 is missing note n2 of acme',
      'desk 1 holds note n2 at version 0, the server at 1',
      'desk 2 holds note n1 of acme, outside its customers',
    ]);
  });

  it('names a written note that is lost, changed or duplicated on the server, and writes still on their way', () => {
    const lost = [note('n2', 'acme'), note('n3', 'globex', 'other text'), note('n4', 'globex', 'body n3')];
    const desks = [desk(0, ['globex'], [lost[1]!, lost[2]!], { pendingOutbox: 1, rejected: 2 })];
    expect(checkConvergence(lost, desks, written)).toEqual([
      'note n1 (written on acme) is not on the server: lost',
      'note n3 is on the server as "other text" on globex, written as "body n3"',
      'desk 0 still has 1 writes on their way',
      'desk 0 had 2 writes refused',
    ]);
    const twice = [...server, note('n5', 'acme', 'body n1')];
    expect(checkConvergence(twice, [], written)).toEqual(['"body n1" is on the server 2 times: duplicated']);
  });

  it('gives a team of desks the same customers and the next team the next ones', () => {
    expect(deskScopes({ desks: 5, teamSize: 2, customersPerTeam: 2 }, ['a', 'b', 'c', 'd', 'e'])).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
      ['a', 'e'],
    ]);
  });
});

describe('bench:scale core at a tiny size', async () => {
  const isReachable = await isPostgresReachable();
  if (!isReachable && process.env.CI) throw new Error(`CI is set but PostgreSQL at ${ADMIN_URL} is unreachable.`);

  // Two real server processes over one PostgreSQL database, three desks (real sync engines with SQLite caches)
  // alternating between them: every note must reach every desk through pokes and pulls, exactly once.
  it.skipIf(!isReachable)(
    'two servers, three desks: every desk converges to the notes the database holds, across servers',
    async () => {
      const result = await runScale({
        servers: 2,
        desks: 3,
        teamSize: 3,
        customersPerTeam: 2,
        customers: 50,
        notesPerDesk: 2,
        noteIntervalMs: 300,
        settleTimeoutMs: 120_000,
      });
      expect(result.convergence.problems).toEqual([]);
      expect(result.errors).toEqual({ count: 0, examples: [] });
      expect(result.notesWritten).toBe(6);
      expect(result.convergence.notesOnServer).toBeGreaterThanOrEqual(6);
      // Desks 0 and 2 are on server 0, desk 1 on server 1: each note reaches both others, one of them across servers.
      expect(result.visibleOtherServerMs.length + result.visibleSameServerMs.length).toBe(12);
      expect(result.visibleOtherServerMs).toHaveLength(8);
      expect(result.bootstrapMs).toHaveLength(3);
      expect(result.bootstrapCpu.serverMs).toBeGreaterThan(0);
      expect(result.bootstrapCpu.postgresMs).toBeGreaterThan(0);
    },
    600_000,
  );
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, type Desk } from '../../../electron/core/desk';
import { silentLogger } from '../../../electron/core/log';
import { createApplier } from '../../../electron/db/apply';
import { openCache } from '../../../electron/db/cache';
import { createOutbox } from '../../../electron/db/outbox';
import { CHANNELS, type Channel } from '../../../shared/ipc/channels';
import { contract } from '../../../shared/ipc/contract';
import { ERROR_CODES } from '../../../shared/ipc/result';
import { fuzzRuns, fuzzSeed, INTERNAL_TEXT, nearValid } from '../../support/fuzz';
import { customerRow, eventRow, pullResponse, put } from '../../support/rows';
import { tempDirs } from '../../support/temp';

/*
 * Property-based fuzzing of every desk contract channel (issue 9), through the
 * dispatcher both transports use (Electron IPC and the browser-mode host), over
 * a real cache and outbox: every answer is a contract Result with a known code,
 * never `internal`, never internal text; a refusal changes no row; the desk
 * still answers afterwards. Seeded (printed; FUZZ_SEED replays). A channel in
 * shared/ipc without an entry here fails the completeness test.
 */

const dirs = tempDirs('lk-ipc-fuzz-');
let desk: Desk;
const seed = fuzzSeed('desk channels');
const runs = fuzzRuns(40);
const event = eventRow('acme', '2026-02-01T10:00:00.000Z');

/** A valid input per channel (undefined: the channel takes none). */
const EXAMPLES: Record<Channel, unknown> = {
  'app:info': undefined,
  'sync:status': undefined,
  'sync:now': undefined,
  'outbox:list': undefined,
  'outbox:discard': { backendKey: 'https://a.example|epoch|dana' },
  'backend:get': undefined,
  'backend:set': { mode: 'demo' },
  'identity:get': undefined,
  'preferences:get': undefined,
  'preferences:set': { timeZone: 'utc' },
  'identity:signIn': undefined,
  'identity:signOut': { forgetCache: false },
  'identity:acceptUnprotectedSecrets': undefined,
  'customers:list': { after: null, limit: 20 },
  'customers:get': { customerId: 'acme' },
  'timeline:page': { customerId: 'acme', direction: 'desc', limit: 50, cursor: null, startAt: '2026-02-01T00:00:00Z' },
  'timeline:count': { customerId: 'acme', filters: {} },
  'releases:list': undefined,
  'customers:setup': { customerId: 'acme' },
  'events:get': { eventId: event.id },
  'events:precedingChanges': { eventId: event.id, windowHours: 24 },
  'search:query': { text: 'deployed', limit: 20, firstCustomerId: 'acme' },
  'notes:create': { customerId: 'acme', eventId: event.id, body: 'called the customer' },
  'notes:update': { noteId: 'note-unknown', body: 'edited' },
  'notes:resolveConflict': { noteId: 'note-unknown', choice: 'merge', body: 'merged' },
  'notes:history': { noteId: 'note-unknown' },
  'wizards:list': { customerId: 'acme', eventId: event.id },
  'wizards:get': { wizardId: 'sso-enforced', version: 1 },
  'runs:start': { wizardId: 'sso-enforced', customerId: 'acme', practice: true, eventId: event.id },
  'runs:get': { runId: 'run-unknown' },
  'runs:list': { customerId: 'acme', status: 'active' },
  'runs:history': {
    wizardId: 'sso-enforced',
    outcome: 'remediated',
    days: 30,
    before: { finishedAt: '2026-12-01T00:00:00Z', runId: 'run-1' },
    limit: 50,
  },
  'runs:act': { runId: 'run-unknown', act: { type: 'answer', values: { ok: true } } },
  'diagnosis:suspects': { eventId: event.id, windowHours: 24 },
  'diagnosis:whoElse': { eventId: event.id, windowHours: 24 },
  'diagnosis:customer': { customerId: 'acme' },
  'diagnosis:signalSeries': { customerId: 'acme', hoursBefore: 48 },
  'followUps:list': { scope: 'all', customerId: 'acme', includeClosed: false },
  'followUps:counts': undefined,
  'followUps:create': { customerId: 'acme', title: 'call back', owner: 'dana', dueDate: '2026-12-10' },
  'followUps:update': { followUpId: 'fu-unknown', set: { title: 'call back today' } },
  'followUps:history': { followUpId: 'fu-unknown' },
  'problems:forCustomer': { customerId: 'acme' },
  'problems:list': undefined,
  'problems:get': { problemId: 'p-1' },
  'problems:create': { title: 'Exports lag', customers: ['acme'] },
  'problems:update': { problemId: 'p-1', set: { title: 'Exports lag after the queue change' } },
  'problems:history': { problemId: 'p-1' },
  'problems:regressions': undefined,
  'insights:get': { days: 30 },
  'approvals:inbox': undefined,
  'approvals:decide': { approvalId: 'apr_1', decision: 'granted', note: '' },
  'sources:list': undefined,
  'sources:add': {
    id: 'prod-alertmanager',
    kind: 'alertmanager',
    name: 'Production Alertmanager',
    customerLabels: ['customer', 'tenant'],
    aliases: [{ alias: 'acme-prod', customerId: 'acme' }],
    defaults: { severity: 'warning', feature: null },
  },
  'sources:rotate': { id: 'prod-alertmanager' },
  'sources:remove': { id: 'prod-alertmanager' },
  'sources:update': {
    id: 'prod-alertmanager',
    kind: 'alertmanager',
    customerLabels: ['customer'],
    severityLabel: 'priority',
    severities: { p1: 'critical' },
    defaults: { severity: 'warning', feature: null },
  },
  'sources:unmatched': { id: 'prod-alertmanager' },
  'sources:mapKey': { id: 'prod-alertmanager', key: 'initech', customerId: 'acme' },
  'sources:remap': { id: 'prod-alertmanager' },
  'updates:status': undefined,
  'updates:setChannel': { channel: 'beta' },
  'updates:check': undefined,
  'updates:restart': undefined,
};

const codes = new Set<string>(ERROR_CODES);

beforeAll(() => {
  const dataDir = dirs.make();
  // A cache holding one customer and one event, so valid inputs reach the queries.
  const handle = openCache({ dataDir, log: silentLogger });
  createApplier(handle.db, createOutbox(handle.db)).applyPull(
    pullResponse(
      [{ bucket: 'customer:acme', ops: [put('customer', 'acme', customerRow('acme')), put('event', event.id, event)] }],
      { addedBuckets: ['customer:acme', 'global'] },
    ),
    '2026-11-27T00:00:00Z',
  );
  handle.db.close();
  desk = createDesk({
    dataDir,
    mode: 'browser',
    appVersion: '9.9.9',
    platform: 'linux',
    log: silentLogger,
    bundledWizardsDir: null,
  });
});

afterAll(async () => {
  await desk?.stop();
  desk?.close();
  dirs.cleanup();
});

const changes = () => desk.cache.prepare('select total_changes() as n').pluck().get() as number;

describe('fuzzing every desk contract channel (issue 9)', () => {
  it('covers exactly the channels of the contract', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...CHANNELS].sort());
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(contract).sort());
  });

  for (const channel of CHANNELS) {
    it(`${channel}: a contract Result, never internal, nothing written on refusal, still answering`, async () => {
      await fc.assert(
        fc.asyncProperty(nearValid(EXAMPLES[channel]), async (input) => {
          const before = changes();
          const answer = await desk.dispatch(channel, input);
          const label = `${channel} ${JSON.stringify(input)?.slice(0, 200)} → ${JSON.stringify(answer).slice(0, 300)}`;
          expect(JSON.stringify(answer), label).not.toMatch(INTERNAL_TEXT);
          if (answer.ok) {
            expect(contract[channel].output.safeParse(answer.value).success, label).toBe(true);
            return;
          }
          expect(codes.has(answer.error.code), label).toBe(true);
          expect(answer.error.code, label).not.toBe('internal');
          expect(answer.error.message.length, label).toBeGreaterThan(0);
          expect(changes(), `${label}: wrote although it refused`).toBe(before);
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
      expect(await desk.dispatch('app:info', undefined)).toMatchObject({ ok: true });
    });
  }
});

/**
 * Longer randomized fault schedules than CI runs (issue 9), against the real
 * server and PostgreSQL the tests use (LIGHTKEEPER_TEST_PG_URL, else PGlite):
 *
 *   npm run chaos -- --seed N --minutes M     one seed for M minutes
 *   npm run chaos -- --seed N --rounds R      one seed for R actions (what CI runs: 25)
 *   npm run chaos -- --minutes M              fresh seeds, one after another, for M minutes
 *   --rate P                                  share of sync requests that meet a fault (default 0.3)
 *
 * Two desks (child processes) edit the same notes through fault proxies while
 * they are SIGKILLed at random; the invariants are in
 * test/electron/sync/support/chaos.ts. Exit status 1 on the first broken one,
 * with the seed that replays it.
 */
import { parseArgs } from 'node:util';
import { ChaosFailure, runChaos } from '../test/electron/sync/support/chaos';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, minutes: { type: 'string' }, rounds: { type: 'string' }, rate: { type: 'string' } },
});
const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
const faultRate = values.rate === undefined ? undefined : Number(values.rate);
const fixedSeed = values.seed === undefined ? null : Number(values.seed);
const log = (text: string) => process.stdout.write(`${text}\n`);

const until = minutes !== undefined && fixedSeed === null ? Date.now() + minutes * 60_000 : null;
let runs = 0;
try {
  do {
    const seed = fixedSeed ?? Math.floor(Math.random() * 2 ** 31);
    log(`chaos: seed ${seed}${minutes !== undefined && fixedSeed !== null ? ` for ${minutes} min` : ''}`);
    const report = await runChaos({
      seed,
      rounds: rounds ?? (minutes === undefined ? 25 : undefined),
      minutes: fixedSeed !== null ? minutes : undefined,
      faultRate,
      log: (text) => log(`  ${text}`),
    });
    log(
      `chaos: seed ${seed} ok — ${report.rounds} actions, ${report.kills} kills, ${report.faults} faults, ${report.notes} notes, ${report.edits} edits, revisions ${JSON.stringify(report.revisions)}`,
    );
    runs += 1;
  } while (until !== null && Date.now() < until);
  log(`chaos: ${runs} run(s), every invariant held`);
} catch (error) {
  log(error instanceof ChaosFailure ? error.message : `chaos: failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
}

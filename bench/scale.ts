// `npm run bench:scale [-- --desks N --servers N --notes N --interval MS --quick]`: scale past one server.
// N simulated desks (default 200; --quick 20, 2 notes each 3 s apart) — each the desk's real sync engine with its own SQLite cache —
// bootstrap, are poked, pull and push notes against several reference server processes (default 2) over one
// PostgreSQL database the bench creates and drops; the baseline is the same desks against one server process
// in the same run. Loopback only, bounded (each desk writes --notes notes, one every --interval ms, then the
// run waits for every desk to hold every note of its customers). Prints one summary table, writes
// .bench/scale.json, and exits non-zero when a desk did not converge (a note lost, duplicated or missing).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runScale, type ScaleOptions, type ScaleResult } from './scale-run';
import { createSummary, ms, percentile } from './support';

const { values } = parseArgs({
  options: {
    desks: { type: 'string' },
    servers: { type: 'string', default: '2' },
    notes: { type: 'string' },
    interval: { type: 'string' },
    team: { type: 'string', default: '10' },
    'team-customers': { type: 'string', default: '3' },
    customers: { type: 'string', default: '60' },
    quick: { type: 'boolean', default: false },
  },
});
const line = (text: string) => process.stdout.write(`${text}\n`);
const base: Omit<ScaleOptions, 'servers'> = {
  desks: Number(values.desks ?? (values.quick ? 20 : 200)),
  teamSize: Number(values.team),
  customersPerTeam: Number(values['team-customers']),
  customers: Number(values.customers),
  notesPerDesk: Number(values.notes ?? (values.quick ? 2 : 3)),
  noteIntervalMs: Number(values.interval ?? (values.quick ? 3000 : 10_000)),
  settleTimeoutMs: 60_000,
  log: (text) => line(`   ${text}`),
};
const servers = Number(values.servers);
if (!Number.isInteger(servers) || servers < 2) {
  line('--servers must be 2 or more: the baseline is one server, the run is several.');
  process.exit(2);
}
const summary = createSummary('scale', { ...base, log: undefined, servers });

line(
  `Lightkeeper scale benchmark — ${base.desks} desks in teams of ${base.teamSize} (${base.customersPerTeam} customers each), ${servers} server processes over one PostgreSQL vs one server, ${os.cpus().length} cores`,
);
line(`   each desk writes ${base.notesPerDesk} notes, one every ${base.noteIntervalMs / 1000} s`);
line('');
line('1. Baseline: every desk on one server process');
const baseline = await runScale({ ...base, servers: 1 });
line(`2. The same desks spread over ${servers} server processes`);
const scaled = await runScale({ ...base, servers });

const perDesk = (cpuMs: number, result: ScaleResult) => cpuMs / result.desks;
/** CPU milliseconds per desk per second of the phase: thousandths of a core each desk keeps busy. */
const perDeskSecond = (cpuMs: number, result: ScaleResult) => cpuMs / result.desks / (result.steadyCpu.wallMs / 1000);
const oneServer = 'one server process, same desks';
const figures = (result: ScaleResult) => ({
  bootstrap: percentile(result.bootstrapMs, 95),
  bootstrapPull: percentile(result.bootstrapPullMs, 95),
  pull: percentile(result.pullMs, 95),
  visible: percentile(result.servers > 1 ? result.visibleOtherServerMs : result.visibleSameServerMs, 95),
  serverBoot: perDesk(result.bootstrapCpu.serverMs, result),
  postgresBoot: perDesk(result.bootstrapCpu.postgresMs, result),
  deskBoot: perDesk(result.bootstrapCpu.deskMs, result),
  serverSteady: perDeskSecond(result.steadyCpu.serverMs, result),
  postgresSteady: perDeskSecond(result.steadyCpu.postgresMs, result),
});
const before = figures(baseline);
const after = figures(scaled);
for (const [title, result, figure] of [
  ['one server', baseline, before],
  [`${servers} servers`, scaled, after],
] as const) {
  line('');
  line(
    `${title}: ${result.desks} desks, ${result.bootstrapOps.toLocaleString()} ops bootstrapped, ${result.notesWritten} notes written`,
  );
  line(
    `   first sync finished, p95 ${ms(figure.bootstrap)}; bootstrap pulls p95 ${ms(figure.bootstrapPull)}; live pulls p95 ${ms(figure.pull)} (n=${result.pullMs.length})`,
  );
  line(
    `   note acknowledged → in another desk's cache: other server p95 ${ms(percentile(result.visibleOtherServerMs, 95))} (n=${result.visibleOtherServerMs.length}), same server p95 ${ms(percentile(result.visibleSameServerMs, 95))} (n=${result.visibleSameServerMs.length})`,
  );
  line(
    `   CPU, bootstrap: server ${figure.serverBoot.toFixed(1)} ms/desk, PostgreSQL ${figure.postgresBoot.toFixed(1)} ms/desk, the desks themselves (this process) ${figure.deskBoot.toFixed(1)} ms/desk (${(result.bootstrapCpu.wallMs / 1000).toFixed(1)} s)`,
  );
  line(
    `   CPU, notes phase: server ${figure.serverSteady.toFixed(2)} ms/desk/s, PostgreSQL ${figure.postgresSteady.toFixed(2)} ms/desk/s (${(result.steadyCpu.wallMs / 1000).toFixed(1)} s)`,
  );
  line(`   errors: ${result.errors.count}${result.errors.examples.map((text) => `\n     ${text}`).join('')}`);
  line(
    `   convergence: ${result.convergence.problems.length === 0 ? `every desk holds exactly the server's ${result.convergence.notesOnServer} notes of its customers` : result.convergence.problems.slice(0, 10).join('\n     ')}`,
  );
}

summary.add({
  measure: `desk first sync finished (all ${base.desks} desks at once), p95`,
  value: after.bootstrap,
  unit: 'ms',
  baseline: { value: before.bootstrap, what: oneServer },
  samples: scaled.bootstrapMs.length,
});
summary.add({
  measure: 'bootstrap pull, request → validated answer, p95',
  value: after.bootstrapPull,
  unit: 'ms',
  baseline: { value: before.bootstrapPull, what: oneServer },
  samples: scaled.bootstrapPullMs.length,
});
summary.add({
  measure: 'live pull (poke, local write), request → validated answer, p95',
  value: after.pull,
  unit: 'ms',
  baseline: { value: before.pull, what: oneServer },
  goal: { of: 'value', op: '<', target: 250 },
  samples: scaled.pullMs.length,
});
summary.add({
  measure: 'note acknowledged by server A → in the cache of a desk on server B (poke + pull + apply), p95',
  value: after.visible,
  unit: 'ms',
  baseline: { value: before.visible, what: 'one server: another desk on it' },
  goal: { of: 'value', op: '<', target: 1000 },
  samples: scaled.visibleOtherServerMs.length,
});
/** Per-desk CPU rows: a second server must not make each desk cost much more than on one server. */
const withinQuarterMore = { of: 'ratio', op: '≤', target: 1.25 } as const;
const cpuRows: [measure: string, key: keyof typeof after, unit: string, gated: boolean][] = [
  ['server CPU per desk, bootstrap (all server processes)', 'serverBoot', 'ms', true],
  ['PostgreSQL CPU per desk, bootstrap (backends of the database)', 'postgresBoot', 'ms', true],
  ['desk-side CPU per desk, bootstrap (engines + SQLite caches, all in this one process)', 'deskBoot', 'ms', false],
  ['server CPU per desk, notes phase (ms per desk per second = thousandths of a core)', 'serverSteady', 'ms/s', true],
  ['PostgreSQL CPU per desk, notes phase (ms per desk per second)', 'postgresSteady', 'ms/s', true],
];
for (const [measure, key, unit, gated] of cpuRows) {
  summary.add({
    measure,
    value: after[key],
    unit,
    baseline: { value: before[key], what: oneServer },
    ...(gated ? { goal: withinQuarterMore } : {}),
  });
}
summary.add({
  measure: 'desks one server core carries at this activity (1000 / server CPU per desk-second)',
  value: 1000 / after.serverSteady,
  unit: 'desks',
  baseline: { value: 1000 / before.serverSteady, what: oneServer },
});
summary.add({
  measure: 'errors (failed pulls, pushes, broken streams)',
  value: scaled.errors.count,
  unit: '',
  baseline: { value: baseline.errors.count, what: oneServer },
  goal: { of: 'value', op: '≤', target: 0 },
});
summary.add({
  measure: 'convergence problems (a note lost, duplicated, missing or stale on a desk)',
  value: scaled.convergence.problems.length,
  unit: '',
  baseline: { value: baseline.convergence.problems.length, what: oneServer },
  goal: { of: 'value', op: '≤', target: 0 },
});
const strip = (result: ScaleResult) => ({
  ...result,
  bootstrapMs: undefined,
  bootstrapPullMs: undefined,
  pullMs: undefined,
  visibleOtherServerMs: undefined,
  visibleSameServerMs: undefined,
  figures: figures(result),
});
summary.finish({ baseline: strip(baseline), scaled: strip(scaled) });
const isConverged = baseline.convergence.problems.length === 0 && scaled.convergence.problems.length === 0;
if (!isConverged) line('NOT CONVERGED: some desk does not hold exactly the notes the database holds (see above).');
process.exit(isConverged ? 0 : 1);

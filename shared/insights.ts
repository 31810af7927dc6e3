import { z } from 'zod';

/**
 * Insights (issue 12): what operations teaches the product team — per wizard,
 * how runs end and how long a verified fix takes; per known problem, who it
 * hits, how often it comes back, how long it has been open, how many runs it
 * cost; per signature, how long from the first signal to the first action; the
 * steps where runs escalate; and the open follow-ups by age. Built from the
 * desk's cache (offline too) as plain tables, so the screen, CSV and Markdown
 * show the same thing.
 */

/** One cell: text, a number, or nothing (shown as "—", exported empty). */
export const InsightCellSchema = z.union([z.string(), z.number(), z.null()]);
export type InsightCell = z.infer<typeof InsightCellSchema>;

export const InsightTableSchema = z.object({
  id: z.enum(['wizards', 'problems', 'signatures', 'escalations', 'follow_ups']),
  title: z.string(),
  /** What the table answers, in a sentence. */
  caption: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.array(InsightCellSchema)),
});
export type InsightTable = z.infer<typeof InsightTableSchema>;

export const InsightsReportSchema = z.object({
  days: z.number().int().positive(),
  since: z.string(),
  until: z.string(),
  tables: z.array(InsightTableSchema),
});
export type InsightsReport = z.infer<typeof InsightsReportSchema>;

/** A finished run as its `wizard_run` event records it. */
export type RunFact = {
  customerId: string;
  wizardId: string;
  outcome: string;
  path: readonly string[];
  startedAt: string | null;
  finishedAt: string;
};

export type ProblemFact = {
  id: string;
  title: string;
  status: string;
  workaroundWizard: string | null;
  createdAt: string;
  fixedAt: string | null;
  /** Per customer hit: matching signals. */
  hits: readonly { customerId: string; occurrences: number; isRegression: boolean }[];
};

export type SignatureFact = {
  signature: string;
  customers: number;
  signals: number;
  firstAt: string;
  /** The first wizard run or remediation on a customer with it, at or after its first signal. */
  firstActionAt: string | null;
};

export type FollowUpFact = { createdAt: string; overdue: boolean; problemId: string | null };

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The median of some numbers, or null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const share = (part: number, whole: number): string => (whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`);
const round1 = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);

/** The report's tables from the facts the cache holds for the period. */
export function buildInsights(input: {
  days: number;
  now: number;
  runs: readonly RunFact[];
  problems: readonly ProblemFact[];
  signatures: readonly SignatureFact[];
  followUps: readonly FollowUpFact[];
}): InsightsReport {
  const { runs, now } = input;
  const byWizard = new Map<string, RunFact[]>();
  for (const run of runs) byWizard.set(run.wizardId, [...(byWizard.get(run.wizardId) ?? []), run]);
  const wizardRows = [...byWizard]
    .map(([wizardId, items]) => {
      const count = (outcome: string) => items.filter((run) => run.outcome === outcome).length;
      // A verified fix: the run ended remediated (its verify step passed); minutes from start to finish.
      const fixMinutes = items
        .filter((run) => run.outcome === 'remediated' && run.startedAt !== null)
        .map((run) => (Date.parse(run.finishedAt) - Date.parse(run.startedAt ?? run.finishedAt)) / MINUTE);
      const row: [string, number, string, string, string, string, number | null] = [
        wizardId,
        items.length,
        share(count('remediated'), items.length),
        share(count('workaround'), items.length),
        share(count('escalated'), items.length),
        share(count('no_fault_found'), items.length),
        round1(median(fixMinutes)),
      ];
      return row;
    })
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

  const problemRows = input.problems
    .map((problem) => {
      const hitCustomers = problem.hits.filter((hit) => hit.occurrences > 0);
      const recurrences = hitCustomers.reduce((sum, hit) => sum + hit.occurrences - 1, 0);
      const customers = new Set(problem.hits.map((hit) => hit.customerId));
      const wizardRuns = problem.workaroundWizard
        ? runs.filter((run) => run.wizardId === problem.workaroundWizard && customers.has(run.customerId)).length
        : 0;
      const end = problem.fixedAt ? Date.parse(problem.fixedAt) : now;
      const row: [string, string, number, number, number, number, number, number] = [
        problem.title,
        problem.status,
        problem.hits.length,
        hitCustomers.reduce((sum, hit) => sum + hit.occurrences, 0),
        recurrences,
        problem.hits.filter((hit) => hit.isRegression).length,
        Math.max(0, Math.round((end - Date.parse(problem.createdAt)) / DAY)),
        wizardRuns,
      ];
      return row;
    })
    .sort((a, b) => b[2] - a[2] || b[4] - a[4] || a[0].localeCompare(b[0]));

  const signatureRows = input.signatures.map(
    (item) =>
      [
        item.signature,
        item.customers,
        item.signals,
        item.firstAt,
        item.firstActionAt === null ? null : round1((Date.parse(item.firstActionAt) - Date.parse(item.firstAt)) / MINUTE),
      ] satisfies InsightCell[],
  );

  // Where L1 runs hand over: the last step of every escalated run.
  const escalations = new Map<string, { wizardId: string; step: string; count: number }>();
  for (const run of runs) {
    if (run.outcome !== 'escalated') continue;
    const step = run.path.at(-1) ?? '(no step)';
    const key = `${run.wizardId}\u0000${step}`;
    const entry = escalations.get(key) ?? { wizardId: run.wizardId, step, count: 0 };
    entry.count += 1;
    escalations.set(key, entry);
  }
  const escalationRows = [...escalations.values()]
    .sort((a, b) => b.count - a.count || a.wizardId.localeCompare(b.wizardId) || a.step.localeCompare(b.step))
    .map((entry) => [entry.wizardId, entry.step, entry.count] satisfies InsightCell[]);

  const ages: { label: string; from: number; to: number }[] = [
    { label: 'under 7 days', from: 0, to: 7 },
    { label: '7 to 30 days', from: 7, to: 30 },
    { label: '30 to 90 days', from: 30, to: 90 },
    { label: 'over 90 days', from: 90, to: Number.POSITIVE_INFINITY },
  ];
  const followUpRows = ages.map((age) => {
    const inAge = input.followUps.filter((item) => {
      const days = (now - Date.parse(item.createdAt)) / DAY;
      return days >= age.from && days < age.to;
    });
    return [
      age.label,
      inAge.length,
      inAge.filter((item) => item.overdue).length,
      inAge.filter((item) => item.problemId !== null).length,
    ] satisfies InsightCell[];
  });

  return {
    days: input.days,
    since: new Date(now - input.days * DAY).toISOString(),
    until: new Date(now).toISOString(),
    tables: [
      {
        id: 'wizards',
        title: 'Wizards',
        caption: 'How runs of each wizard ended in the period, and the median time to a verified fix.',
        columns: ['Wizard', 'Runs', 'Remediated', 'Workaround', 'Escalated', 'No fault found', 'Median minutes to verified fix'],
        rows: wizardRows,
      },
      {
        id: 'problems',
        title: 'Known problems',
        caption: 'Who each problem hits, how often it came back, how long it has been open, and the runs it cost.',
        columns: ['Problem', 'Status', 'Customers hit', 'Signals', 'Recurrences', 'Regressions', 'Days open', 'Wizard runs'],
        rows: problemRows,
      },
      {
        id: 'signatures',
        title: 'Top signatures',
        caption:
          'The failures that hit the most customers in the period, and the time from the first signal to the first action.',
        columns: ['Signature', 'Customers hit', 'Signals', 'First signal', 'Minutes to first action'],
        rows: signatureRows,
      },
      {
        id: 'escalations',
        title: 'Escalations',
        caption: 'The steps where runs handed over to another team: where runbooks fail their users.',
        columns: ['Wizard', 'Step', 'Escalations'],
        rows: escalationRows,
      },
      {
        id: 'follow_ups',
        title: 'Open follow-ups by age',
        caption: 'The work still open, by how long ago it was made.',
        columns: ['Age', 'Open', 'Overdue', 'Of a known problem'],
        rows: followUpRows,
      },
    ],
  };
}

import { runFollowUpId } from '../follow-ups/edits';
import { insertFollowUps, updateFollowUp } from '../repo/follow-ups';
import { insertProblem, readProblem, updateProblem } from '../repo/problems';
import type { Principal } from '../repo/tokens';
import { recordWizardRun } from '../remediation/wizard-runs';
import type { Storage } from '../storage/types';
import { readCustomerStates } from './state';

/*
 * The demo's known-problem stories (issue 12), read off the seeded history so
 * they fit whatever fleet the seed made:
 * - a known problem recurring on one customer: the alert that fired most often
 *   on a single customer, a known error with its workaround wizard;
 * - a regression after its fix shipped: another failure signature, marked
 *   fixed in the version its latest customer runs a day before that signal;
 * - follow-ups from past runs: a recorded wizard run on the recurring customer
 *   whose record step left follow-ups, and follow-ups of both problems, one overdue;
 * - the bad release: the failure the halted release brought to the customers its
 *   defect hits, a known error whose workaround wizard pins a customer to the
 *   version it ran before (seedBadReleaseProblem).
 */

const DEMO_ENGINEER: Principal = {
  kind: 'token',
  tokenId: null,
  userId: 'demo-l1',
  name: 'Dana Ortiz',
  email: null,
  roles: ['operator'],
  customers: 'all',
  scope: null,
  session: null,
};

/** The wizard that works around a failure of each feature (resources/wizards). */
const WORKAROUND_BY_FEATURE: Record<string, string> = {
  exports: 'export-job-behind',
  sso: 'sso-sign-in-failing',
  billing_sync: 'degraded-after-version-upgrade',
};

export const RECURRING_PROBLEM_ID = 'demo-problem-recurring';
export const REGRESSED_PROBLEM_ID = 'demo-problem-regressed';
export const BAD_RELEASE_PROBLEM_ID = 'demo-problem-bad-release';
/** The wizard that works around a release's defect on one customer: it pins the customer to the version before. */
const BAD_RELEASE_WORKAROUND = 'degraded-after-version-upgrade';
const STORY_RUN_ID = 'demo-run-recurring-1';
const DAY = 86_400_000;

type SignalRow = {
  signature: string;
  customer_id: string;
  name: string;
  version: string;
  summary: string;
  feature: string | null;
  n: number;
  last_at: string;
  first_at: string;
};

/** Seeds the stories once; a second call (or a database that has them) changes nothing. Returns whether it wrote. */
export async function seedProblemStories(storage: Storage, options: { now: number }): Promise<boolean> {
  return storage.transaction(async (db) => {
    if (await readProblem(db, RECURRING_PROBLEM_ID)) return false;
    // The bad release has its own problem: the other stories tell of other failures.
    const taken = new Set(
      (await readProblem(db, BAD_RELEASE_PROBLEM_ID))?.rules.flatMap((rule) => ('signature' in rule ? [rule.signature] : [])),
    );
    const all = await db.query<SignalRow>(
      `select e.signature, e.customer_id, c.name, c.version, min(e.summary) as summary, min(e.feature) as feature,
              count(*)::integer as n, lk_iso(max(e.occurred_at)) as last_at, lk_iso(min(e.occurred_at)) as first_at
         from events e join customers c on c.id = e.customer_id
        where e.signature is not null and e.kind in ('alert', 'error_spike', 'incident')
        group by e.signature, e.customer_id, c.name, c.version
        order by n desc, e.signature, e.customer_id
        limit 200`,
    );
    const signals = all.filter((row) => !taken.has(row.signature));
    // Preferably a failure one of the starter wizards works around.
    const recurring =
      signals.find((row) => row.n >= 2 && (row.feature ?? '') in WORKAROUND_BY_FEATURE) ?? signals.find((row) => row.n >= 2);
    const regressed = signals
      .filter((row) => row.signature !== recurring?.signature)
      .sort((a, b) => b.last_at.localeCompare(a.last_at))[0];
    if (!recurring || !regressed) return false;
    const at = (time: number) => new Date(Math.min(time, options.now)).toISOString();

    const wizard = WORKAROUND_BY_FEATURE[recurring.feature ?? ''] ?? 'degraded-after-version-upgrade';
    await insertProblem(db, {
      id: RECURRING_PROBLEM_ID,
      title: `${recurring.summary} keeps coming back on ${recurring.name}`,
      status: 'known_error',
      rules: [{ signature: recurring.signature }],
      customers: [],
      workaroundWizard: wizard,
      workaround: `Run the ${wizard} wizard on the customer; it clears the symptom until the fix ships.`,
      ticketUrl: null,
      owner: DEMO_ENGINEER.name,
      createdBy: DEMO_ENGINEER.name,
      createdById: DEMO_ENGINEER.userId,
      createdAt: at(Date.parse(recurring.first_at) + DAY),
    });

    const fixedAt = at(Date.parse(regressed.last_at) - DAY);
    await insertProblem(db, {
      id: REGRESSED_PROBLEM_ID,
      title: `${regressed.summary} (fixed in ${regressed.version})`,
      status: 'investigating',
      rules: [{ signature: regressed.signature }],
      customers: [],
      workaroundWizard: WORKAROUND_BY_FEATURE[regressed.feature ?? ''] ?? null,
      workaround: null,
      ticketUrl: null,
      owner: 'Priya Raman',
      createdBy: 'Priya Raman',
      createdById: 'demo-l3',
      createdAt: at(Date.parse(fixedAt) - 7 * DAY),
    });
    // Fixed in the version the customer runs, a day before the signal came back: a regression.
    await updateProblem(db, {
      id: REGRESSED_PROBLEM_ID,
      set: { status: 'fixed', fixedVersion: regressed.version, fixedAt },
      updatedAt: fixedAt,
    });

    // A past run on the recurring customer, whose record step left follow-ups.
    const finishedAt = at(Date.parse(recurring.first_at) + 2 * 3_600_000);
    await recordWizardRun(
      db,
      DEMO_ENGINEER,
      {
        runId: STORY_RUN_ID,
        customerId: recurring.customer_id,
        wizardId: wizard,
        wizardVersion: 1,
        outcome: 'workaround',
        rootCause: 'known_problem',
        path: ['check', 'workaround', 'record'],
        followUps: [
          `Ask the product team for a permanent fix of "${recurring.summary}"`,
          `Check ${recurring.name} again after the next release`,
        ],
        startedAt: at(Date.parse(finishedAt) - 20 * 60_000),
        finishedAt,
        summary: `Worked around "${recurring.summary}"`,
        body: `Worked around "${recurring.summary}" on ${recurring.name}; it has come back since (see the known problem).`,
      },
      Date.parse(finishedAt),
    );
    await updateFollowUp(db, {
      id: runFollowUpId(STORY_RUN_ID, 0),
      set: { problemId: RECURRING_PROBLEM_ID },
      updatedAt: finishedAt,
    });
    const day = (time: number) => new Date(time).toISOString().slice(0, 10);
    await insertFollowUps(db, [
      {
        id: 'demo-follow-up-regression',
        customerId: regressed.customer_id,
        title: `Tell ${regressed.name} the fix in ${regressed.version} did not hold; reopen the problem with the product team`,
        owner: DEMO_ENGINEER.name,
        state: 'open',
        dueDate: day(options.now - DAY),
        runId: null,
        problemId: REGRESSED_PROBLEM_ID,
        release: regressed.version,
        ticketUrl: 'https://tickets.example.com/OPS-2318',
        source: 'problem',
        createdBy: 'Priya Raman',
        createdById: 'demo-l3',
        createdAt: at(Date.parse(regressed.last_at)),
      },
    ]);
    return true;
  });
}

/**
 * The bad release's known problem: the signals the halted release's defect
 * raised on the customers it hits (alerts and error spikes linked to that
 * release on at least two of them), a known error whose workaround wizard pins
 * a customer to the version it ran before. Seeds once; returns whether it wrote.
 */
export async function seedBadReleaseProblem(storage: Storage, options: { now: number }): Promise<boolean> {
  return storage.transaction(async (db) => {
    if (await readProblem(db, BAD_RELEASE_PROBLEM_ID)) return false;
    const hit = (await readCustomerStates(db)).filter((state) => state.regression);
    const regression = hit[0]?.regression;
    if (!regression) return false;
    const signals = await db.query<{ signature: string; customers: number; first_at: string }>(
      `select signature, count(distinct customer_id)::integer as customers, lk_iso(min(occurred_at)) as first_at
         from events
        where customer_id in (select jsonb_array_elements_text($1::jsonb)) and signature is not null
          and kind in ('alert', 'error_spike') and feature = $2 and links->>'release' = $3
        group by signature having count(distinct customer_id) >= 2
        order by signature`,
      [JSON.stringify(hit.map((state) => state.customerId)), regression.feature, regression.version],
    );
    const [first] = [...signals].sort((a, b) => a.first_at.localeCompare(b.first_at));
    if (!first) return false;
    const feature = regression.feature.replace(/_/g, ' ');
    await insertProblem(db, {
      id: BAD_RELEASE_PROBLEM_ID,
      title: `${feature.charAt(0).toUpperCase()}${feature.slice(1)} fails after the upgrade to ${regression.version}`,
      status: 'known_error',
      rules: signals.map((row) => ({ signature: row.signature })),
      customers: [],
      workaroundWizard: BAD_RELEASE_WORKAROUND,
      workaround: `Pin the customer to ${regression.previousVersion} with the ${BAD_RELEASE_WORKAROUND} wizard; unpin it once a fix for ${regression.version} ships. The error: ${regression.error}`,
      ticketUrl: null,
      owner: 'Priya Raman',
      createdBy: 'Priya Raman',
      createdById: 'demo-l3',
      createdAt: new Date(Math.min(Date.parse(first.first_at) + 2 * 3_600_000, options.now)).toISOString(),
    });
    return true;
  });
}

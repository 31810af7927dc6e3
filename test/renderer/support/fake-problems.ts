import type { Channel } from '../../../shared/ipc/channels';
import type { ProblemDetail, ProblemView } from '../../../shared/ipc/problem-views';
import { buildInsights } from '../../../shared/insights';
import { problemChangeError, type ProblemFields } from '../../../shared/problems';
import type { Fixtures } from './fixtures';

/** A known problem as the desk shows it, for fixtures. */
export function makeProblem(overrides: Partial<ProblemView> & { id: string }): ProblemView {
  return {
    title: 'Known problem',
    status: 'investigating',
    rules: [],
    customers: [],
    workaroundWizard: null,
    fixedVersion: null,
    fixedAt: null,
    owner: null,
    workaround: null,
    ticketUrl: null,
    fixUrl: null,
    createdBy: 'sam@ops.example',
    createdAt: '2026-11-18T09:00:00.000Z',
    updatedAt: '2026-11-18T09:00:00.000Z',
    ver: 1,
    pending: false,
    error: null,
    replaced: null,
    customersHit: 0,
    occurrences: 0,
    regressions: 0,
    lastAt: null,
    ...overrides,
  };
}

/** The `problems:*` channels over the fixtures' problems, as the desk core answers them (writes pending, rule checked). */
export function createFakeProblems(fixtures: Fixtures): Partial<Record<Channel, (input: never) => unknown>> {
  const details = fixtures.problems ?? (fixtures.problems = []);
  let seq = 0;
  const refuse = (message: string) => ({ error: { code: 'bad_request', message } });
  return {
    'problems:list': () => ({ rows: details.map((detail) => detail.problem) }),
    'problems:get': (input: { problemId: string }) => {
      const detail = details.find((candidate) => candidate.problem.id === input.problemId);
      return detail
        ? { ...detail, signatures: detail.signatures ?? [] }
        : { error: { code: 'not_found', message: `Problem ${input.problemId} is not in the local cache.` } };
    },
    'problems:create': (input: {
      title: string;
      rules?: ProblemView['rules'];
      customers?: string[];
      workaroundWizard?: string | null;
    }) => {
      seq += 1;
      const problem = makeProblem({
        id: `prob-new-${seq}`,
        title: input.title,
        rules: input.rules ?? [],
        customers: input.customers ?? [],
        workaroundWizard: input.workaroundWizard ?? null,
        status: input.workaroundWizard ? 'known_error' : 'investigating',
        ver: 0,
        pending: true,
        customersHit: (input.customers ?? []).length,
      });
      const error = problemChangeError(problem);
      if (error) return refuse(error);
      details.push({ problem, hits: [] });
      return problem;
    },
    'problems:update': (input: { problemId: string; set: Partial<ProblemFields> }) => {
      const detail = details.find((candidate) => candidate.problem.id === input.problemId);
      if (!detail) return { error: { code: 'not_found', message: 'Not in the local cache.' } };
      const next = { ...detail.problem, ...input.set, pending: true };
      const error = problemChangeError(next);
      if (error) return refuse(error);
      detail.problem = next;
      return next;
    },
    'problems:history': () => ({ revisions: [] }),
    'insights:get': (input: { days: number }) =>
      buildInsights({
        days: input.days,
        now: Date.parse('2026-11-20T13:00:00.000Z'),
        runs: fixtures.events
          .filter((event) => event.kind === 'wizard_run')
          .map((event) => ({
            customerId: event.customerId,
            wizardId: String(event.properties.wizardId),
            outcome: String(event.properties.outcome),
            path: (event.properties.path as string[] | undefined) ?? [],
            startedAt: null,
            finishedAt: event.occurredAt,
          })),
        problems: details.map((detail) => ({
          ...detail.problem,
          hits: detail.hits.map((hit) => ({ ...hit, isRegression: hit.regression !== null })),
        })),
        signatures: [],
        followUps: (fixtures.followUps ?? []).map((row) => ({ ...row })),
      }),
    'problems:regressions': () => ({
      rows: details.flatMap((detail) =>
        detail.hits.flatMap((hit) =>
          hit.regression
            ? [
                {
                  customerId: hit.customerId,
                  problemId: detail.problem.id,
                  title: detail.problem.title,
                  fixedVersion: detail.problem.fixedVersion ?? '',
                  at: hit.regression.at,
                  version: hit.regression.version,
                },
              ]
            : [],
        ),
      ),
    }),
  } satisfies Partial<Record<Channel, (input: never) => unknown>>;
}

export type { ProblemDetail };

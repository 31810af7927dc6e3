import type { RunState, RunSummary } from '../run-state';

/** The run as the timeline shows it. */
export function summarizeRun(state: RunState): RunSummary {
  const finishedAt = state.finish?.finishedAt ?? null;
  return {
    runId: state.runId,
    customerId: state.customerId,
    wizard: state.wizard,
    practice: state.practice,
    status: state.status,
    path: state.steps.filter((record) => record.kind !== 'inputs').map((record) => record.path),
    outcome: state.finish?.outcome ?? null,
    rootCause: state.finish?.rootCause ?? null,
    reason: state.finish?.reason ?? null,
    followUps: [...state.followUps],
    escalations: state.escalations.map(({ team, summary, reference }) => ({ team, summary, reference })),
    actionsExecuted: state.steps.filter(
      (record) => record.kind === 'action' && record.completedAt !== null && record.result !== undefined,
    ).length,
    startedAt: state.startedAt,
    finishedAt,
    durationMs: finishedAt === null ? null : Date.parse(finishedAt) - Date.parse(state.startedAt),
  };
}

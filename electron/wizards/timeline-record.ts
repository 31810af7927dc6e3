import { WizardRunRecordArgsSchema, type WizardRunRecordArgs } from '../../shared/remediation/wire';
import { summarizeRun } from '../../shared/wizards/engine';
import { sameJson } from './run-errors';
import type { RunRecord } from './store';

/**
 * A finished run as the customer's timeline records it: the `wizardRun.record`
 * mutation's arguments, with the run told in Markdown (outcome, root cause, the
 * path with each branch's reason, action keys, verify attempts, follow-ups).
 */
export function timelineRecordArgs(record: RunRecord): WizardRunRecordArgs {
  const summary = summarizeRun(record.state);
  const outcome = summary.outcome ?? 'aborted';
  const body: string[] = [
    `**Outcome:** ${outcome}${summary.reason ? ` — ${summary.reason}` : ''}`,
    `**Root cause:** ${summary.rootCause ?? 'not determined'}`,
    `**Wizard:** ${record.title} (${record.wizardId} v${record.wizardVersion}), run ${record.id}`,
    ...(record.eventId ? [`**Started from event:** ${record.eventId}`] : []),
    '',
    '### Path',
  ];
  for (const step of record.state.steps) {
    if (step.kind === 'inputs') continue;
    let line = `- ${step.title} (${step.kind})`;
    if (step.branch) line += `: ${step.branch.reason}`;
    if (step.kind === 'action' && step.result !== undefined)
      line += `: ${isSucceeded(step.result) ? 'done' : 'failed'}${step.idempotencyKey ? ` (key ${step.idempotencyKey})` : ''}`;
    if (step.kind === 'verify') line += `: ${step.attempts?.length ?? 0} attempt(s)${step.note ? `; ${step.note}` : ''}`;
    if (step.escalation)
      line += `: to ${step.escalation.team}${step.escalation.reference ? ` (${step.escalation.reference})` : ''}`;
    body.push(line);
  }
  if (summary.followUps.length > 0) body.push('', '### Follow-ups', ...summary.followUps.map((text) => `- ${text}`));
  return WizardRunRecordArgsSchema.parse({
    runId: record.id,
    customerId: record.customerId,
    wizardId: record.wizardId,
    wizardVersion: record.wizardVersion,
    outcome,
    rootCause: summary.rootCause,
    path: summary.path.slice(0, 500).map((path) => path.slice(0, 100)),
    followUps: summary.followUps.slice(0, 50).map((text) => text.slice(0, 500)),
    startedAt: record.startedAt,
    finishedAt: summary.finishedAt ?? record.updatedAt,
    summary: `Wizard "${record.title}": ${outcome}${summary.reason ? ` — ${summary.reason}` : ''}`.slice(0, 500),
    body: body.join('\n').slice(0, 20_000),
  });
}

/** An action step's result says `ok: true` (the engine stores `{ ok, result, error }`). */
function isSucceeded(result: unknown): boolean {
  return typeof result === 'object' && result !== null && 'ok' in result && sameJson(result.ok, true);
}

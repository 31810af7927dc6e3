import type { z } from 'zod';
import type { Customer, EventInput, Severity } from '../../shared/domain';
import type { Approval, Plan, WizardRunRecordArgsSchema } from '../../shared/remediation/wire';
import type { Json } from '../../shared/json';
import { shortJson } from './json';
import type { PlannedChange } from './types';

/** Source systems of the events this module writes; `externalId` makes each write idempotent. */
export const REMEDIATION_SOURCE = 'lightkeeper-remediation';
export const WIZARD_RUN_SOURCE = 'lightkeeper-wizards';

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Plan lines that follow from the change (re-derived health and version) rather than being set by it. */
export function isConsequence(target: string): boolean {
  return target === 'customer health' || target === 'customer version' || /^feature \S+ health$/.test(target);
}

/** A markdown table cell: pipes and newlines would break the table. */
function cell(value: unknown): string {
  return `\`${shortJson(value, 200).replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/`/g, "'")}\``;
}

export type RemediationEventInput = {
  customer: Customer;
  plan: Plan;
  runId: string | null;
  wizard: { id: string; version: number } | null;
  executionId: string;
  idempotencyKey: string;
  /** The name of who executed it, as people read it. */
  actor: string;
  approval: Approval | null;
  status: 'succeeded' | 'failed';
  changes: PlannedChange[];
  error: string | null;
  feature: string | null;
  /** The catalog's own summary for a succeeded execution, when it declares one. */
  summary?: string | null;
  /** How many times the call was sent to the target (retries with the same idempotency key); default 1. */
  attempts?: number;
  now: number;
};

/** The `remediation` event an execution writes on the customer's timeline (before → after in the body). */
export function remediationEvent(input: RemediationEventInput): EventInput {
  const { plan, changes } = input;
  const isSucceeded = input.status === 'succeeded';
  const headline = changes[0]
    ? `${changes[0].target} ${shortJson(changes[0].from, 40)} → ${shortJson(changes[0].to, 40)}`
    : 'nothing to change';
  const more = changes.length > 1 ? ` (+${changes.length - 1} more)` : '';
  const attempts = input.attempts ?? 1;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const summary = clip(
    isSucceeded
      ? input.summary
        ? `${plan.action}: ${input.summary}${tries}`
        : `${plan.action}: ${headline}${more}${tries}`
      : `${plan.action} failed: ${input.error ?? 'unknown error'}`,
    500,
  );
  const lines = [
    `**${plan.action}** (v${plan.actionVersion}, ${plan.risk} risk) on ${input.customer.name} by ${input.actor}: **${input.status}**.`,
    '',
  ];
  if (changes.length > 0) {
    lines.push(
      '| what | before | after |',
      '| --- | --- | --- |',
      ...changes.map((change) => `| ${change.target.replace(/\|/g, '\\|')} | ${cell(change.from)} | ${cell(change.to)} |`),
      '',
    );
  }
  if (input.error) lines.push(`**Error:** ${input.error}`, '');
  if (attempts > 1)
    lines.push(
      `Sent ${attempts} times to the target, each time with idempotency key \`${input.idempotencyKey}\` (the earlier attempts failed for a transient reason).`,
      '',
    );
  lines.push(`Parameters: ${cell(plan.params)}`);
  if (input.wizard) lines.push(`Wizard: ${input.wizard.id} v${input.wizard.version}${input.runId ? `, run ${input.runId}` : ''}`);
  else if (input.runId) lines.push(`Run: ${input.runId}`);
  if (input.approval)
    lines.push(
      `Approved by ${input.approval.decidedByName ?? input.approval.decidedBy ?? 'nobody'}${input.approval.note ? `: ${input.approval.note}` : ''}`,
    );
  lines.push(`Plan ${plan.planId}, execution ${input.executionId}.`);
  // prevValue/newValue carry what the action set; health and version lines are its consequences.
  const direct = changes.filter((change) => !isConsequence(change.target));
  const single = direct.length === 1 ? direct[0] : undefined;
  const prevValue: Json = single
    ? single.from
    : direct.length > 0
      ? Object.fromEntries(direct.map((change) => [change.target, change.from]))
      : null;
  const newValue: Json = single
    ? single.to
    : direct.length > 0
      ? Object.fromEntries(direct.map((change) => [change.target, change.to]))
      : null;
  return {
    customerId: input.customer.id,
    occurredAt: new Date(input.now).toISOString(),
    kind: 'remediation',
    severity: isSucceeded ? 'notice' : 'warning',
    source: { system: REMEDIATION_SOURCE, externalId: input.executionId },
    actor: input.actor,
    summary,
    body: clip(lines.join('\n'), 20_000),
    feature: input.feature,
    prevValue,
    newValue,
    links: input.runId ? { run: input.runId } : {},
    properties: {
      action: plan.action,
      actionVersion: plan.actionVersion,
      risk: plan.risk,
      status: input.status,
      planId: plan.planId,
      executionId: input.executionId,
      idempotencyKey: input.idempotencyKey,
      attempts,
      params: plan.params,
      ...(input.wizard ? { wizardId: input.wizard.id, wizardVersion: input.wizard.version } : {}),
      ...(input.approval ? { approvalId: input.approval.approvalId, approvedBy: input.approval.decidedBy } : {}),
    },
  };
}

type WizardRunArgs = z.infer<typeof WizardRunRecordArgsSchema>;

const OUTCOME_SEVERITY: Readonly<Record<string, Severity>> = {
  remediated: 'notice',
  workaround: 'notice',
  escalated: 'warning',
  no_fault_found: 'info',
  aborted: 'info',
};

/** The markdown a run is recorded with when the desk sent none. */
function wizardRunBody(args: WizardRunArgs): string {
  const lines = [
    `**Outcome:** ${args.outcome}`,
    `**Root cause:** ${args.rootCause ?? 'not determined'}`,
    `**Wizard:** ${args.wizardId} v${args.wizardVersion}, run ${args.runId}`,
    '',
    '### Path',
  ];
  lines.push(...(args.path.length > 0 ? args.path.map((step) => `- ${step}`) : ['- (no steps)']));
  if (args.followUps.length > 0) lines.push('', '### Follow-ups', ...args.followUps.map((text) => `- ${text}`));
  return lines.join('\n');
}

/** The `wizard_run` event of a finished run; `runId` is its external id, so recording twice writes one event. */
export function wizardRunEvent(args: WizardRunArgs, input: { actor: string; now: number; feature: string | null }): EventInput {
  const finishedAt = Math.min(Date.parse(args.finishedAt), input.now);
  return {
    customerId: args.customerId,
    occurredAt: new Date(finishedAt).toISOString(),
    kind: 'wizard_run',
    severity: OUTCOME_SEVERITY[args.outcome] ?? 'info',
    source: { system: WIZARD_RUN_SOURCE, externalId: args.runId },
    actor: input.actor,
    summary: clip(args.summary.trim() || `Wizard ${args.wizardId} v${args.wizardVersion}: ${args.outcome}`, 500),
    body: args.body.trim() ? args.body : wizardRunBody(args),
    feature: input.feature,
    prevValue: null,
    newValue: null,
    links: { run: args.runId },
    properties: {
      runId: args.runId,
      wizardId: args.wizardId,
      wizardVersion: args.wizardVersion,
      outcome: args.outcome,
      rootCause: args.rootCause,
      path: args.path,
      followUps: args.followUps,
      startedAt: args.startedAt,
      finishedAt: args.finishedAt,
    },
  };
}

import { renderText } from '../cel';
import type { Json } from '../../json';
import type { DiagnosticRequest, Need, NeedBase } from '../run-state';
import type { Run } from './run';
import { Refusal } from './support';
import { summarizeRun } from './summary';

/** What the host must do next, read from where the run stands. */
export function needOf(run: Run): Need {
  if (run.state.status === 'finished') return { need: 'done', practice: run.state.practice, summary: summarizeRun(run.state) };
  const frame = run.frame;
  const definition = run.definitionOf(frame);
  const practice = run.state.practice;
  if (frame.cursor.at === 'inputs') {
    return {
      need: 'input',
      practice,
      wizardId: definition.id,
      stepId: null,
      path: `${frame.prefix}$inputs`,
      title: `Inputs of ${definition.title}`,
      fields: definition.inputs,
      values: frame.inputs,
    };
  }
  const { step } = run.stepOf(frame, frame.cursor.stepId);
  const base: NeedBase = {
    practice,
    wizardId: definition.id,
    stepId: step.id,
    path: `${frame.prefix}${step.id}`,
    title: step.title,
  };
  const phase = frame.cursor.phase;
  const requestOf = (params: Record<string, Json>): DiagnosticRequest =>
    step.kind === 'check' || step.kind === 'verify'
      ? step.source === 'cache'
        ? { source: 'cache', query: step.query, params }
        : { source: 'probe', probe: step.probe, params }
      : { source: 'cache', query: 'customer', params };
  const actionName = step.kind === 'action' ? step.action : '';
  switch (phase.name) {
    case 'input': {
      if (step.kind !== 'input') throw new Refusal('unsupported-state', `step "${step.id}" is not an input step`);
      // Questions may quote evidence ("did it start after ${version}?"): fill them in for the operator.
      const bindings = run.bindings(frame);
      const fields = step.fields.map((field) => ({
        ...field,
        label: renderText(field.label, bindings),
        ...(field.help ? { help: renderText(field.help, bindings) } : {}),
      }));
      return { ...base, need: 'input', fields, values: run.prefill(step.fields, {}) };
    }
    case 'check':
      return { ...base, need: 'check', request: requestOf(phase.params), isSimulated: practice, lastError: phase.lastError };
    case 'parallel': {
      if (step.kind !== 'parallel') throw new Refusal('unsupported-state', `step "${step.id}" is not a parallel group`);
      const checks = step.checks
        .filter((check) => !Object.hasOwn(phase.results, check.id))
        .map((check) => {
          const params = phase.params[check.id] ?? {};
          const request: DiagnosticRequest =
            check.source === 'cache'
              ? { source: 'cache', query: check.query, params }
              : { source: 'probe', probe: check.probe, params };
          return {
            id: check.id,
            title: check.title,
            path: `${frame.prefix}${check.id}`,
            request,
            lastError: phase.errors[check.id] ?? null,
          };
        });
      return { ...base, need: 'parallel', isSimulated: practice, checks, landed: Object.keys(phase.results) };
    }
    case 'guidance':
      return { ...base, need: 'guidance', text: phase.text, confirm: step.kind === 'guidance' ? (step.confirm ?? null) : null };
    case 'simulated-action':
      return { ...base, need: 'simulated-action', action: actionName, params: phase.params };
    case 'action-plan':
      return { ...base, need: 'action-plan', action: actionName, params: phase.params };
    case 'action-confirm':
      return {
        ...base,
        need: 'action-confirm',
        action: actionName,
        params: phase.params,
        plan: phase.plan,
        ...(phase.replanned === undefined ? {} : { replanned: phase.replanned }),
      };
    case 'action-execute':
      return {
        ...base,
        need: 'action-execute',
        action: actionName,
        params: phase.params,
        plan: phase.plan,
        idempotencyKey: phase.idempotencyKey,
      };
    case 'approval':
      return { ...base, need: 'approval', reason: phase.reason, who: step.kind === 'approval' ? step.who : '' };
    case 'verify': {
      const after = Math.max(0, Date.parse(phase.dueAt) - Date.parse(run.state.lastEventAt));
      return {
        ...base,
        need: 'verify-attempt',
        request: requestOf(phase.params),
        isSimulated: practice,
        attempt: phase.attempts + 1,
        after,
        dueAt: phase.dueAt,
        deadline: phase.deadline,
        until: step.kind === 'verify' ? step.until : '',
      };
    }
    case 'link-load':
      return { ...base, need: 'wizard', linkedWizardId: step.kind === 'link' ? step.wizard : '' };
    case 'escalate':
      return { ...base, need: 'escalate', team: step.kind === 'escalate' ? step.team : '', summary: phase.summary };
  }
}

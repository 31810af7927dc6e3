import type { Json } from '../../../../shared/json';
import { fieldValueProblem } from '../../../../shared/wizards/fields';
import type { Need, RunState, StepRecord } from '../../../../shared/wizards/run-state';
import { durationToMs, stepEdges } from '../../../../shared/wizards/graph';
import type { InputField, Step, WizardDefinition } from '../../../../shared/wizards/format';

/**
 * Pure helpers for the runner: the path ahead, input validation by the
 * engine's rules, values for people.
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of a wizard definition in the definitions cache. */
export function definitionKey(wizardId: string, version: number): string {
  return `${wizardId}@${version}`;
}

/** Identifies "where the run stands", so focus moves only when the step (or its phase) really changes. */
export function needKey(need: Need | null): string | null {
  if (!need) return null;
  return need.need === 'done' ? 'done' : `${need.need}:${need.path}`;
}

/** The step the run is on: the last record not yet completed. */
export function currentRecord(state: RunState): StepRecord | null {
  const last = state.steps[state.steps.length - 1];
  return last && last.completedAt === null ? last : null;
}

/** One step expected after the current one, on the path the wizard takes unless a decision says otherwise. */
export type UpcomingStep = { path: string; title: string; kind: Step['kind'] };

/**
 * The steps that follow the current one by their `next` (or list order), up to
 * and including the first decision, record or escalate: what comes after a
 * decision depends on evidence not gathered yet.
 */
export function upcomingSteps(
  definition: WizardDefinition,
  currentStepId: string | null,
  prefix = '',
  limit = 12,
): UpcomingStep[] {
  const steps = definition.steps;
  let index = currentStepId === null ? -1 : steps.findIndex((step) => step.id === currentStepId);
  const following = (at: number): number => {
    if (at < 0) return steps.length > 0 ? 0 : -1;
    const target = stepEdges(steps, at).targets.find((edge) => edge.via === 'next')?.target;
    return target === undefined ? -1 : steps.findIndex((step) => step.id === target);
  };
  if (currentStepId !== null && index < 0) return [];
  const current = index >= 0 ? steps[index] : undefined;
  if (current && (current.kind === 'decision' || current.kind === 'record')) return [];
  const seen = new Set<number>([index]);
  const result: UpcomingStep[] = [];
  for (index = following(index); index >= 0 && !seen.has(index) && result.length < limit; index = following(index)) {
    seen.add(index);
    const step = steps[index];
    if (!step) break;
    result.push({ path: `${prefix}${step.id}`, title: step.title, kind: step.kind });
    if (step.kind === 'decision' || step.kind === 'record' || (step.kind === 'escalate' && !step.next)) break;
  }
  return result;
}

/** How many attempts a verify step makes at most: one at once, then one every `every` until `timeout`. */
export function maxVerifyAttempts(step: Step | undefined): number | null {
  if (!step || step.kind !== 'verify') return null;
  try {
    return Math.floor(durationToMs(step.timeout) / durationToMs(step.every)) + 1;
  } catch {
    return null;
  }
}

/** A step of a definition by id. */
export function stepById(definition: WizardDefinition | null, stepId: string | null): Step | undefined {
  if (!definition || stepId === null) return undefined;
  return definition.steps.find((step) => step.id === stepId);
}

const OUTCOME_WORDS: Record<string, string> = {
  remediated: 'Remediated',
  workaround: 'Workaround in place',
  escalated: 'Escalated',
  no_fault_found: 'No fault found',
  aborted: 'Aborted',
};

/** An outcome in words. */
export function outcomeLabel(outcome: string | null): string {
  if (outcome === null) return 'Not finished';
  return OUTCOME_WORDS[outcome] ?? outcome;
}

/** "configuration-change" → "Configuration change". */
export function rootCauseLabel(rootCause: string | null): string {
  if (rootCause === null) return 'Not determined';
  const spaced = rootCause.replace(/[-_]+/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const STEP_KIND_WORDS: Record<string, string> = {
  inputs: 'Inputs',
  input: 'Question',
  check: 'Check',
  parallel: 'Checks together',
  decision: 'Decision',
  guidance: 'Guidance',
  action: 'Action',
  approval: 'Approval',
  verify: 'Verify',
  link: 'Linked wizard',
  escalate: 'Escalation',
  record: 'Outcome',
};

/** A step kind in words. */
export function stepKindLabel(kind: string): string {
  return STEP_KIND_WORDS[kind] ?? kind;
}

// ---- input fields --------------------------------------------------------------

/** What the form holds for a field: text as typed, `'true'`/`'false'` for yes/no, `''` when empty. */
export type RawValue = string;

/** The form's starting value for a field from a JSON value (prefill or an earlier answer). */
export function rawFromValue(field: InputField, value: Json | undefined): RawValue {
  if (value === null || value === undefined) return '';
  if (field.type === 'boolean') return value === true ? 'true' : value === false ? 'false' : '';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** The JSON value the engine receives for a raw form value (`null` when left empty). */
export function valueFromRaw(field: InputField, raw: RawValue): Json {
  if (field.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : null;
  if (field.type === 'number') return raw.trim() === '' ? null : Number(raw);
  return raw === '' ? null : raw;
}

/**
 * Why a raw value does not fit its field, as a sentence for the operator, or
 * null: the engine's own rule (shared/wizards/fields.ts), checked before
 * sending so mistakes show at the field.
 */
export function fieldProblem(field: InputField, raw: RawValue): string | null {
  const value = valueFromRaw(field, raw);
  if (value === null) {
    if (!field.required) return null;
    return field.type === 'boolean' || field.type === 'choice' ? 'Choose an answer.' : 'Enter a value.';
  }
  const problem = fieldValueProblem(field, value);
  if (problem === null) return null;
  const hint = field.type === 'customer-id' ? ' (letters, digits, “.”, “_” or “-”)' : '';
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}${hint}.`;
}

/** A field label as the definition has it, with `${ … }` templates shown as "…" (they are filled in only when asked). */
export function plainLabel(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, '…');
}

// ---- values for people -----------------------------------------------------------

/** One row of a compact key/value table; `isFolded` rows are lists or larger objects shown on request. */
export type ValueRow = { key: string; value: Json; isFolded: boolean };

/** Nested objects with at most this many fields are spread into dotted rows; bigger ones are folded. */
const SPREAD_FIELDS = 5;

/** Flattens a result into rows: small nested objects as dotted keys, lists and big objects folded. */
export function flattenValue(value: Json, prefix = ''): ValueRow[] {
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (prefix === '' || (entries.length > 0 && entries.length <= SPREAD_FIELDS)) {
      return entries.flatMap(([key, inner]) => flattenValue(inner as Json, prefix ? `${prefix}.${key}` : key));
    }
    return [{ key: prefix, value, isFolded: entries.length > 0 }];
  }
  return [{ key: prefix || 'value', value, isFolded: Array.isArray(value) }];
}

/** A scalar as text: strings as they are, `(none)` for null. */
export function scalarText(value: Json): string {
  if (value === null) return '(none)';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

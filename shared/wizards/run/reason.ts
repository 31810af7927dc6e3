import { collectReferences, evaluate, parseCondition, renderText, type CelBindings } from '../cel';
import type { Step, WizardDefinition } from '../format';
import type { Json } from '../../json';
import type { ReasonCondition, ReasonEvidence, StepReason, StepRecord } from '../run-state';

/**
 * "Why this step" (#15): how the run came to a step, as a structured reason the
 * step panel shows in words with the evidence behind it, and the conditions and
 * values behind a Details toggle. The planner (./run.ts, ./steps.ts) says how it
 * moved; this module turns that into the reason.
 */

/** How the planner moved to the next step; the evidence of a decision is gathered by {@link weighBranches}. */
export type Arrival =
  | { via: 'next' }
  | { via: 'branch' | 'otherwise'; conditions: ReasonCondition[] }
  | { via: 'on-failure'; error: string | null }
  | { via: 'on-denied'; by: string; note: string | null }
  | { via: 'on-timeout'; note: string | null }
  | { via: 'loop-item'; index: number; count: number; item: Json }
  | { via: 'on-too-many'; count: number; max: number };

const MAX_JSON = 300;
const MAX_LIST_WORDS = 5;

function quoted(title: string): string {
  return `“${title}”`;
}

/** A value in the words a support engineer reads. */
export function valueInWords(value: Json | undefined): string {
  if (value === undefined) return 'not there';
  if (value === null) return 'none';
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value === '' ? '(empty text)' : value;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    const count = `${value.length} ${value.length === 1 ? 'item' : 'items'}`;
    const scalars = value.every((item) => item === null || typeof item !== 'object');
    if (!scalars || value.length > MAX_LIST_WORDS) return count;
    return `${count}: ${value.map((item) => valueInWords(item)).join(', ')}`;
  }
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty record' : `a record with ${keys.join(', ')}`;
}

/** A loop's item in words: its name (or id, title, key) when it is a record that has one. */
function itemInWords(item: Json): string {
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    const named = ['name', 'id', 'title', 'key'].map((key) => item[key]).find((value) => typeof value === 'string');
    if (typeof named === 'string') return named;
  }
  return valueInWords(item);
}

function compactJson(value: Json | undefined): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON - 1)}…` : text;
}

function valueAt(bindings: CelBindings, path: readonly string[]): Json | undefined {
  let current: Json | undefined = bindings[path[0] ?? ''];
  for (const segment of path.slice(1)) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/** The step whose result a `checks.<name>` reads: by step id, or by its `save` name. */
function producerOf(definition: WizardDefinition, name: string): Step | undefined {
  return definition.steps.find((step) => step.id === name || ('save' in step && step.save === name));
}

function fieldLabel(definition: WizardDefinition, variable: 'inputs' | 'answers', id: string): string | null {
  const fields =
    variable === 'inputs' ? definition.inputs : definition.steps.flatMap((step) => (step.kind === 'input' ? step.fields : []));
  return fields.find((field) => field.id === id)?.label ?? null;
}

/** `checks.health.health` → `health from “Customer health”`; `answers.scope` → `your answer to “Who is affected?”`. */
export function referenceInWords(definition: WizardDefinition, path: readonly string[], bindings: CelBindings = {}): string {
  const [variable, name, ...rest] = path;
  const field = rest.join('.');
  if (variable === 'checks' && name !== undefined) {
    const producer = producerOf(definition, name);
    const source = producer ? quoted(producer.title) : `the result “${name}”`;
    return field ? `${field} from ${source}` : `the result of ${source}`;
  }
  if ((variable === 'inputs' || variable === 'answers') && name !== undefined) {
    const label = fieldLabel(definition, variable, name);
    // Questions may quote evidence ("Who is affected at ${customer.name}?"): as the operator was asked.
    const asked = label ? quoted(renderText(label, bindings)) : `“${name}”`;
    const words = variable === 'inputs' ? `the wizard input ${asked}` : `your answer to ${asked}`;
    return rest.length > 0 ? `${field} of ${words}` : words;
  }
  if (variable === 'customer' && name !== undefined) return `the customer’s ${[name, ...rest].join('.')}`;
  return path.join('.');
}

function referenceName(path: readonly string[]): string {
  return path
    .map((segment, index) =>
      index === 0 ? segment : /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `['${segment}']`,
    )
    .join('');
}

/** The values a condition reads, in words and as JSON; a presence test shows whether the value is there. */
export function evidenceOf(when: string, bindings: CelBindings, definition: WizardDefinition): ReasonEvidence[] {
  const parsed = parseCondition(when);
  if (!parsed.ok) return [];
  const evidence: ReasonEvidence[] = [];
  const seen = new Set<string>();
  for (const reference of collectReferences(parsed)) {
    // A whole variable (`checks`, `customer`) says nothing on its own.
    if (reference.path.length < 2) continue;
    const name = referenceName(reference.path);
    if (seen.has(name)) continue;
    seen.add(name);
    const value = valueAt(bindings, reference.path);
    const shown = reference.isTestOnly ? (value === undefined ? 'not there' : 'there') : valueInWords(value);
    evidence.push({ name, label: referenceInWords(definition, reference.path, bindings), shown, json: compactJson(value) });
  }
  return evidence;
}

/**
 * Weighs a decision's branches in order, as the engine does: the first that
 * holds is taken; when none does, every one of them is the reason for `otherwise`.
 */
export function weighBranches(
  step: Extract<Step, { kind: 'decision' }>,
  bindings: CelBindings,
  definition: WizardDefinition,
): { conditions: ReasonCondition[]; taken: { goto: string; label: string | null; when: string } | null } {
  const conditions: ReasonCondition[] = [];
  for (const branch of step.branches) {
    const result = evaluate(branch.when, bindings);
    const base = { when: branch.when, label: branch.label ?? null, evidence: evidenceOf(branch.when, bindings, definition) };
    if (!result.ok) conditions.push({ ...base, value: 'error', detail: result.error });
    else if (typeof result.value !== 'boolean')
      conditions.push({ ...base, value: 'error', detail: `is ${JSON.stringify(result.value)}, not true or false` });
    else conditions.push({ ...base, value: result.value ? 'true' : 'false', detail: null });
    if (result.ok && result.value === true)
      return { conditions, taken: { goto: branch.goto, label: branch.label ?? null, when: branch.when } };
  }
  return { conditions, taken: null };
}

function caseWords(condition: ReasonCondition, index: number): string {
  const name = condition.label ?? `case ${index + 1}`;
  return condition.value === 'error' ? `${name} (could not be checked)` : name;
}

/** What a finished step of each kind led to, when the run simply went on. */
function afterWords(from: StepRecord): string {
  const title = quoted(from.title);
  switch (from.kind) {
    case 'inputs':
      return `It comes first in this wizard, after its inputs.`;
    case 'input':
      return `It comes after your answers to ${title}.`;
    case 'check':
      return `It comes after the check ${title}${from.isSimulated ? ' (simulated for practice)' : ''}.`;
    case 'action':
      return from.isSimulated ? `The action ${title} was simulated for practice.` : `The action ${title} ran.`;
    case 'approval':
      return from.approval ? `${from.approval.by} approved ${title}.` : `${title} was approved.`;
    case 'verify':
      return `${title} confirmed the fix: its condition held.`;
    case 'link':
      return `The linked wizard ${title} ended${from.outcome ? ` (${from.outcome.replace(/_/g, ' ')})` : ''}.`;
    case 'escalate':
      return `It comes after the escalation ${title}.`;
    default:
      return `It comes after ${title}.`;
  }
}

/** The reason for a step the run enters after `from` (null: the top wizard's first step). */
export function reasonFor(arrival: Arrival, from: StepRecord | null): StepReason {
  const origin = from ? { path: from.path, title: from.title, kind: from.kind } : null;
  const title = from ? quoted(from.title) : '';
  switch (arrival.via) {
    case 'next':
      return {
        via: 'next',
        text: from ? afterWords(from) : 'It is the first step of this wizard.',
        from: origin,
        conditions: [],
      };
    case 'branch': {
      const held = arrival.conditions[arrival.conditions.length - 1];
      const text = held?.label ? `${title} found that ${held.label}.` : `${title} found that its condition for this path held.`;
      return { via: 'branch', text, from: origin, conditions: held ? [held] : [] };
    }
    case 'otherwise': {
      const cases = arrival.conditions.map(caseWords);
      const text =
        cases.length === 0
          ? `${title} goes here by default.`
          : `${title} found none of its cases: not ${cases.join('; not ')}. This is its fallback path.`;
      return { via: 'otherwise', text, from: origin, conditions: arrival.conditions };
    }
    case 'on-failure':
      return {
        via: 'on-failure',
        text: `${from?.kind === 'parallel' ? 'The checks of' : 'The action'} ${title} failed${arrival.error ? `: ${arrival.error}` : ''}. This is its fallback path.`,
        from: origin,
        conditions: [],
      };
    case 'on-denied':
      return {
        via: 'on-denied',
        text: `${arrival.by} denied ${title}${arrival.note ? ` (“${arrival.note}”)` : ''}.`,
        from: origin,
        conditions: [],
      };
    case 'loop-item':
      return {
        via: 'loop-item',
        text: `${title} goes on with item ${arrival.index + 1} of ${arrival.count}: ${itemInWords(arrival.item)}.`,
        from: origin,
        conditions: [],
      };
    case 'on-too-many':
      return {
        via: 'on-too-many',
        text: `${title} found ${arrival.count} items, more than the ${arrival.max} it may handle, so none was handled.`,
        from: origin,
        conditions: [],
      };
    case 'on-timeout':
      return {
        via: 'on-timeout',
        text: `${title} did not confirm the fix in time${arrival.note ? `: ${arrival.note}` : ''}.`,
        from: origin,
        conditions: [],
      };
  }
}

/** The reason for the first step of a wizard: the top one, or one opened by a link step. */
export function startReason(wizardTitle: string, linkRecord: StepRecord | null): StepReason {
  if (!linkRecord) return { via: 'start', text: `It is the first step of ${quoted(wizardTitle)}.`, from: null, conditions: [] };
  return {
    via: 'start',
    text: `It is the first step of the linked wizard ${quoted(wizardTitle)}, opened by ${quoted(linkRecord.title)}.`,
    from: { path: linkRecord.path, title: linkRecord.title, kind: linkRecord.kind },
    conditions: [],
  };
}

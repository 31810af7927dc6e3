import { diffLines } from 'diff';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { PublishedCatalog } from '../catalog/format';
import { catalogSpecs } from '../catalog/publish';
import type { Json } from '../json';
import { applyEvent, createRun, type Need, type RunEvent, type RunResult, type RunState, type RunSummary } from './engine';
import { OUTCOMES, ROOT_CAUSES, WizardIdSchema, type WizardDefinition } from './format';

/**
 * Scenario tests for wizards: given answers, check results and action results,
 * a wizard must take an expected path to an expected outcome. The runner plays
 * the host's part against the real engine, with a simulated clock, and pushes
 * the run state through JSON after every step as the desk does.
 */

const ActionOutcomeSchema = z.strictObject({
  ok: z.boolean().default(true),
  plan: z.json().optional().describe('The dry-run plan the server would return (live scenarios).'),
  result: z.json().optional(),
  error: z.string().optional(),
});

/** One `*.scenario.yaml` file. Keys under answers, checks, actions and approvals are step paths (`link-step/step-id` inside a link). */
export const ScenarioSchema = z.strictObject({
  scenario: z.string().min(1).max(200).describe('What this scenario shows, in words.'),
  wizard: WizardIdSchema,
  version: z.int().min(1).optional().describe('Run this version; default: the newest in the library.'),
  practice: z.boolean().default(false).describe('Run as a practice run (actions are simulated by the engine itself).'),
  startedAt: z.iso.datetime({ offset: true }).default('2026-01-05T09:00:00Z'),
  customer: z.record(z.string(), z.json()).optional(),
  inputs: z.record(z.string(), z.json()).default({}).describe("The wizard's inputs."),
  answers: z
    .record(z.string(), z.record(z.string(), z.json()))
    .default({})
    .describe('Answers per input step (or `link/$inputs` for a linked wizard that asks).'),
  checks: z
    .record(z.string(), z.json())
    .default({})
    .describe('Result per check or verify step; a list gives one result per visit or attempt, the last one repeating.'),
  failures: z
    .record(z.string(), z.string().min(1).max(2000))
    .default({})
    .describe('Checks of a parallel group that fail, by check path, with the error the host reports.'),
  actions: z
    .record(z.string(), z.union([ActionOutcomeSchema, z.array(ActionOutcomeSchema).min(1)]))
    .default({})
    .describe('Action outcomes (default: ok).'),
  approvals: z
    .record(
      z.string(),
      z.strictObject({ granted: z.boolean(), by: z.string().default('scenario-approver'), note: z.string().optional() }),
    )
    .default({})
    .describe('Approval decisions (default: granted).'),
  expect: z.strictObject({
    path: z.array(z.string()).min(1),
    outcome: z.enum(OUTCOMES),
    rootCause: z.enum(ROOT_CAUSES).nullable().optional(),
    followUps: z.array(z.string()).optional(),
    escalatedTo: z.array(z.string()).optional(),
    actions: z
      .record(
        z.string(),
        z
          .strictObject({
            action: z.string().optional().describe('The action name (default: not compared).'),
            params: z.record(z.string(), z.json()).optional().describe('The exact parameters, templates filled in.'),
            paramsInclude: z
              .record(z.string(), z.json())
              .optional()
              .describe('A subset: these parameters (nested objects compared key by key), others not compared.'),
          })
          .refine((want) => (want.params === undefined) !== (want.paramsInclude === undefined), {
            message: 'give either params (the exact parameters) or paramsInclude (a subset of them), not both',
          }),
      )
      .optional()
      .describe('Per action step path: what the run would send to the server (its last plan request).'),
    texts: z
      .record(z.string(), z.string())
      .optional()
      .describe('Per step path: the guidance text, escalation summary or approval reason exactly as shown (last visit).'),
    escalations: z
      .array(z.strictObject({ team: z.string(), summary: z.string().optional() }))
      .optional()
      .describe('The escalations in order, with their summaries as rendered.'),
    polls: z.record(z.string(), z.int().min(0)).optional().describe('Per verify step path: how many times it polled.'),
    iterations: z
      .record(z.string(), z.array(z.json()))
      .optional()
      .describe('Per loop step path: the items its body ran for, in order (empty: none).'),
    results: z
      .record(z.string(), z.json())
      .optional()
      .describe(
        "Per step path or parallel check path: its result as recorded (last visit) — a parallel group's summary, a check's evidence, a loop's summary. Objects are compared key by key and keys left out are not compared; lists are compared whole.",
      ),
  }),
});
/** A parsed scenario. */
export type Scenario = z.infer<typeof ScenarioSchema>;

/** A scenario file that could not be read, with the line of the problem. */
export type ScenarioProblem = { line: number; column: number; message: string };

/** Parses a scenario file. */
export function parseScenario(
  source: string,
): { scenario: Scenario; problems: [] } | { scenario: null; problems: ScenarioProblem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      scenario: null,
      problems: document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { line: position.line, column: position.col, message: error.message.split('\n')[0] ?? error.message };
      }),
    };
  }
  const parsed = ScenarioSchema.safeParse(document.toJS({ maxAliasCount: 1000 }));
  if (parsed.success) return { scenario: parsed.data, problems: [] };
  return {
    scenario: null,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
      let node: unknown = null;
      for (let length = path.length; length >= 0 && !node; length -= 1)
        node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
      const offset = node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? Number(node.range[0]) : 0;
      const position = lineCounter.linePos(offset);
      return { line: position.line, column: position.col, message: `${path.join('.') || 'scenario'}: ${issue.message}` };
    }),
  };
}

/** The outcome of one scenario. */
export type ScenarioResult = { name: string; passed: boolean; failures: string[]; summary: RunSummary | null; needs: string[] };

/**
 * Plays a scenario through the engine. `library` holds every wizard it may
 * reach (links included); probe results given by the scenario are checked
 * against `catalog`, as a desk checks a server's answers.
 */
export function runScenario(
  scenario: Scenario,
  library: readonly WizardDefinition[],
  catalog: PublishedCatalog | null,
): ScenarioResult {
  const failures: string[] = [];
  const needs: string[] = [];
  const result = (summary: RunSummary | null): ScenarioResult => ({
    name: scenario.scenario,
    passed: failures.length === 0,
    failures,
    summary,
    needs,
  });
  const candidates = library.filter(
    (definition) =>
      definition.id === scenario.wizard && (scenario.version === undefined || definition.version === scenario.version),
  );
  const definition = candidates.sort((a, b) => b.version - a.version)[0];
  if (!definition) {
    failures.push(
      `wizard "${scenario.wizard}"${scenario.version ? ` version ${scenario.version}` : ''} is not among the wizards given`,
    );
    return result(null);
  }

  const observed: Observed = { sent: new Map(), texts: new Map(), polls: new Map() };
  let clock = Date.parse(scenario.startedAt);
  const visits = new Map<string, number>();
  const nextVisit = (path: string) => {
    const count = visits.get(path) ?? 0;
    visits.set(path, count + 1);
    return count;
  };
  const pick = <T>(value: T | T[] | undefined, index: number): T | undefined =>
    Array.isArray(value) ? (value[Math.min(index, value.length - 1)] ?? undefined) : value;

  let outcome: RunResult = createRun(
    definition,
    {
      runId: 'scenario',
      customerId: String(scenario.customer?.id ?? 'scenario-customer'),
      startedAt: scenario.startedAt,
      practice: scenario.practice,
      ...(scenario.customer ? { customer: scenario.customer } : {}),
    },
    library,
    catalog,
  );
  for (let turn = 0; turn < 2000; turn += 1) {
    if (!outcome.ok) {
      failures.push(`the engine refused: ${outcome.error.code}: ${outcome.error.message}`);
      return result(null);
    }
    // The desk persists the state as JSON after every step; the run must survive that.
    const state: RunState = JSON.parse(JSON.stringify(outcome.state));
    const need: Need = outcome.need;
    if (need.need === 'done') {
      compare(scenario, need.summary, failures);
      compareObserved(scenario, need.summary, observed, failures);
      compareResults(scenario, state, failures);
      return result(need.summary);
    }
    needs.push(`${need.need} ${need.path}`);
    const refused = observe(need, observed, catalog);
    if (refused) {
      failures.push(refused);
      return result(null);
    }
    const event = eventFor(need);
    if (typeof event === 'string') {
      failures.push(event);
      return result(null);
    }
    outcome = applyEvent(library, state, event, catalog);
  }
  failures.push('the run did not finish within 2000 events');
  return result(null);

  function eventFor(need: Exclude<Need, { need: 'done' }>): RunEvent | string {
    const isVerify = need.need === 'verify-attempt';
    clock += isVerify ? need.after : 1000;
    const at = new Date(clock).toISOString();
    const path = need.path;
    switch (need.need) {
      case 'input': {
        const given = path === '$inputs' ? scenario.inputs : scenario.answers[path];
        if (
          given === undefined &&
          path !== '$inputs' &&
          need.fields.some((field) => field.required && need.values[field.id] == null)
        ) {
          return `no answers given for "${path}" (add answers: { ${path}: { … } })`;
        }
        return { type: need.stepId === null ? 'inputs' : 'answer', at, values: given ?? {} };
      }
      case 'check':
      case 'verify-attempt': {
        const given = scenario.checks[path];
        if (given === undefined)
          return `no result given for ${need.need === 'check' ? 'check' : 'verify'} "${path}" (add checks: { ${path}: … })`;
        const value = pick<Json>(given, nextVisit(path));
        if (value === undefined) return `the result list for "${path}" is empty`;
        return need.need === 'check' ? { type: 'check-result', at, result: value } : { type: 'verify-result', at, result: value };
      }
      case 'parallel': {
        // One check at a time, in the group's order: the state goes through JSON between them, as the desk's does.
        // A check that failed this round waits for the others (an onFailure group moves on once all have answered).
        const check = need.checks.find((candidate) => candidate.lastError === null) ?? need.checks[0];
        if (!check) return `step "${path}" waits for no check`;
        const error = scenario.failures[check.path];
        if (error !== undefined) {
          if (check.lastError !== null)
            return `check "${check.path}" of "${path}" failed and the group has no onFailure: the run stops there until the check is run again`;
          return { type: 'group-check-failed', at, check: check.id, error };
        }
        const given = scenario.checks[check.path];
        if (given === undefined)
          return `no result given for check "${check.path}" of "${path}" (add checks: { ${check.path}: … })`;
        const value = pick<Json>(given, nextVisit(check.path));
        if (value === undefined) return `the result list for "${check.path}" is empty`;
        return { type: 'group-check-result', at, check: check.id, result: value };
      }
      case 'guidance':
        return { type: 'continue', at, confirmed: true };
      case 'action-plan':
        return {
          type: 'action-planned',
          at,
          plan: pick(scenario.actions[path], visits.get(path) ?? 0)?.plan ?? { action: need.action, params: need.params },
        };
      case 'action-confirm':
        return { type: 'action-confirmed', at, by: 'scenario' };
      case 'action-execute':
      case 'simulated-action': {
        const given = pick(scenario.actions[path], nextVisit(path)) ?? { ok: true };
        return {
          type: 'action-result',
          at,
          ok: given.ok,
          ...(given.result === undefined ? {} : { result: given.result }),
          ...(given.error === undefined ? {} : { error: given.error }),
        };
      }
      case 'approval': {
        const given = scenario.approvals[path] ?? { granted: true, by: 'scenario-approver' };
        return given.granted
          ? { type: 'approval-granted', at, by: given.by }
          : { type: 'approval-denied', at, by: given.by, ...(given.note ? { note: given.note } : {}) };
      }
      case 'escalate':
        return { type: 'escalated', at, reference: `scenario:${path}` };
      case 'wizard':
        return `step "${path}" links to wizard "${need.linkedWizardId}", which is not among the wizards given`;
    }
  }
}

function compare(scenario: Scenario, summary: RunSummary, failures: string[]): void {
  const expected = scenario.expect;
  if (JSON.stringify(summary.path) !== JSON.stringify(expected.path)) {
    failures.push(`path: expected ${expected.path.join(' → ')}\n     got      ${summary.path.join(' → ')}`);
  }
  if (summary.outcome !== expected.outcome)
    failures.push(
      `outcome: expected ${expected.outcome}, got ${summary.outcome ?? 'none'}${summary.reason ? ` (${summary.reason})` : ''}`,
    );
  if (expected.rootCause !== undefined && summary.rootCause !== expected.rootCause) {
    failures.push(`rootCause: expected ${expected.rootCause ?? 'none'}, got ${summary.rootCause ?? 'none'}`);
  }
  if (expected.followUps && JSON.stringify(summary.followUps) !== JSON.stringify(expected.followUps)) {
    failures.push(`followUps: expected ${JSON.stringify(expected.followUps)}, got ${JSON.stringify(summary.followUps)}`);
  }
  const teams = summary.escalations.map((escalation) => escalation.team);
  if (expected.escalatedTo && JSON.stringify(teams) !== JSON.stringify(expected.escalatedTo)) {
    failures.push(`escalatedTo: expected ${JSON.stringify(expected.escalatedTo)}, got ${JSON.stringify(teams)}`);
  }
}

/** What the run sent and showed, by step path: the last plan request, the last text, the number of polls. */
type Observed = {
  sent: Map<string, { action: string; params: Json }>;
  texts: Map<string, string>;
  polls: Map<string, number>;
};

/** Notes what a need sends or shows; a plan the server would refuse (params that do not fit the catalog) fails the scenario. */
function observe(need: Exclude<Need, { need: 'done' }>, observed: Observed, catalog: PublishedCatalog | null): string | null {
  switch (need.need) {
    case 'action-plan':
    case 'simulated-action': {
      observed.sent.set(need.path, { action: need.action, params: need.params });
      const spec = catalog ? catalogSpecs(catalog).actions.get(need.action) : undefined;
      if (!catalog) return null;
      if (!spec)
        return `action "${need.path}": the server would refuse the plan (404): no action "${need.action}" in the catalog`;
      const checked = spec.params.safeParse(need.params);
      if (checked.success) return null;
      const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`);
      return `action "${need.path}": the server would refuse the plan (400 invalid_params): ${problems.join('; ')}`;
    }
    case 'guidance':
      observed.texts.set(need.path, need.text);
      return null;
    case 'escalate':
      observed.texts.set(need.path, need.summary);
      return null;
    case 'approval':
      observed.texts.set(need.path, need.reason);
      return null;
    case 'verify-attempt':
      observed.polls.set(need.path, (observed.polls.get(need.path) ?? 0) + 1);
      return null;
    default:
      return null;
  }
}

/** A line diff of two texts: ` ` same, `-` expected only, `+` actual only. */
export function lineDiff(expected: string, actual: string): string {
  return diffLines(expected, actual)
    .flatMap((part) => {
      const marker = part.added ? '+' : part.removed ? '-' : ' ';
      const lines = part.value.endsWith('\n') ? part.value.slice(0, -1).split('\n') : part.value.split('\n');
      return lines.map((line) => `${marker}${line}`);
    })
    .join('\n');
}

function compareObserved(scenario: Scenario, summary: RunSummary, observed: Observed, failures: string[]): void {
  const expected = scenario.expect;
  for (const [path, want] of Object.entries(expected.actions ?? {})) {
    const sent = observed.sent.get(path);
    if (!sent) {
      failures.push(`action "${path}": expected it to be sent, but the run never planned it`);
      continue;
    }
    // A subset compares only the keys it names: the sent params are cut down to them, so the diff shows only those.
    // Key order never counts.
    const isSubset = want.paramsInclude !== undefined;
    const params = want.paramsInclude ?? want.params ?? {};
    const sentParams = alignTo(params, sent.params, isSubset);
    const key = isSubset ? 'paramsInclude' : 'params';
    const wanted = want.action === undefined ? { [key]: params } : { action: want.action, [key]: params };
    const got = want.action === undefined ? { [key]: sentParams } : { action: sent.action, [key]: sentParams };
    const [left, right] = [JSON.stringify(wanted, null, 2), JSON.stringify(got, null, 2)];
    if (left !== right)
      failures.push(`action "${path}": what it would send differs (- expected, + sent):\n${lineDiff(left, right)}`);
  }
  for (const [path, want] of Object.entries(expected.texts ?? {})) {
    const shown = observed.texts.get(path);
    if (shown === undefined) failures.push(`text of "${path}": expected it to be shown, but the run never reached it`);
    else if (shown !== want)
      failures.push(
        `text of "${path}" differs (- expected, + shown):\n${lineDiff(want.endsWith('\n') ? want : `${want}\n`, shown.endsWith('\n') ? shown : `${shown}\n`)}`,
      );
  }
  if (expected.escalations) {
    const got = summary.escalations.map((escalation, index) =>
      expected.escalations?.[index]?.summary === undefined
        ? { team: escalation.team }
        : { team: escalation.team, summary: escalation.summary },
    );
    const [left, right] = [JSON.stringify(expected.escalations, null, 2), JSON.stringify(got, null, 2)];
    if (left !== right) failures.push(`escalations differ (- expected, + got):\n${lineDiff(left, right)}`);
  }
  for (const [path, want] of Object.entries(expected.polls ?? {})) {
    const got = observed.polls.get(path) ?? 0;
    if (got !== want) failures.push(`polls of "${path}": expected ${want}, got ${got}`);
  }
}

/** The recorded result of a step path (its last visit) or of a parallel group's check. */
function recordedResult(state: RunState, path: string): { found: boolean; value: Json } {
  for (const record of [...state.steps].reverse()) {
    if (record.path === path) return { found: record.result !== undefined, value: record.result ?? null };
    const prefix = record.path.slice(0, record.path.length - record.stepId.length);
    const entry = record.group?.find((check) => `${prefix}${check.id}` === path);
    if (entry) return { found: entry.landed, value: entry.result };
  }
  return { found: false, value: null };
}

function compareResults(scenario: Scenario, state: RunState, failures: string[]): void {
  for (const [path, want] of Object.entries(scenario.expect.iterations ?? {})) {
    const got = state.steps
      .filter((record) => record.path === path && record.kind === 'loop' && record.iteration)
      .map((record) => record.iteration?.item ?? null);
    const [left, right] = [JSON.stringify(want, null, 2), JSON.stringify(got, null, 2)];
    if (left !== right) failures.push(`iterations of "${path}" differ (- expected, + ran):\n${lineDiff(left, right)}`);
  }
  for (const [path, want] of Object.entries(scenario.expect.results ?? {})) {
    const got = recordedResult(state, path);
    if (!got.found) {
      failures.push(`result of "${path}": expected one, but the run recorded none`);
      continue;
    }
    const [left, right] = [JSON.stringify(want, null, 2), JSON.stringify(alignTo(want, got.value, true), null, 2)];
    if (left !== right) failures.push(`result of "${path}" differs (- expected, + recorded):\n${lineDiff(left, right)}`);
  }
}

/**
 * `actual` with its keys in the order of `expected`, object by object (lists
 * and values are kept whole), so key order never makes a difference. With
 * `isSubset`, keys `expected` does not name are left out: the result equals
 * `expected` exactly when `expected` is a subset of `actual`.
 */
function alignTo(expected: Json, actual: Json, isSubset: boolean): Json {
  const isObject = (value: Json): value is { [key: string]: Json } =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(expected) || !isObject(actual)) return actual;
  const aligned: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(expected)) {
    const found = actual[key];
    if (found !== undefined) aligned[key] = alignTo(value, found, isSubset);
  }
  if (!isSubset) for (const [key, value] of Object.entries(actual)) if (!(key in aligned)) aligned[key] = value;
  return aligned;
}

/** Whether a YAML text looks like a scenario (has a top-level `scenario` key) rather than a wizard. */
export function isScenarioSource(source: string): boolean {
  const document = parseDocument(source);
  return isMap(document.contents) && document.contents.has('scenario');
}

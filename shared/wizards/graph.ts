import type { Step, StepKind } from './format';

/**
 * Plain helpers over parsed wizard definitions, without zod: the renderer's first
 * screen uses them (the runner's model), and importing them from ./format would
 * load zod with the page (#15). ./format re-exports them for everyone else.
 */

/** A duration as authors write it: a positive whole number and one unit. */
export const DURATION_PATTERN = /^([1-9][0-9]*)(ms|s|m|h|d)$/;

/** Milliseconds in a duration written as in `DurationSchema` (./format); throws on anything else. */
export function durationToMs(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** Step kinds whose `next` defaults to the following step in the list. */
export const FALLS_THROUGH: ReadonlySet<StepKind> = new Set([
  'input',
  'check',
  'parallel',
  'loop',
  'guidance',
  'action',
  'approval',
  'verify',
  'link',
]);

/**
 * The steps a step can lead to, with the reason for each edge. `fallsOffEnd` is
 * true when a step that continues to "the following step" is the last one.
 */
export function stepEdges(
  steps: readonly Step[],
  index: number,
): { targets: { target: string; via: string }[]; fallsOffEnd: boolean } {
  const step = steps[index];
  if (!step) return { targets: [], fallsOffEnd: false };
  const targets: { target: string; via: string }[] = [];
  let fallsOffEnd = false;
  if (step.kind === 'decision') {
    for (const branch of step.branches) targets.push({ target: branch.goto, via: 'goto' });
    targets.push({ target: step.otherwise, via: 'otherwise' });
  } else if (step.kind === 'escalate') {
    if (step.next) targets.push({ target: step.next, via: 'next' });
  } else if (step.kind !== 'record') {
    if (step.next) targets.push({ target: step.next, via: 'next' });
    else {
      const following = steps[index + 1];
      if (following) targets.push({ target: following.id, via: 'next' });
      else fallsOffEnd = true;
    }
    if (step.kind === 'verify') targets.push({ target: step.onTimeout, via: 'onTimeout' });
    if (step.kind === 'loop') {
      targets.push({ target: step.do, via: 'do' });
      if (step.onTooMany) targets.push({ target: step.onTooMany, via: 'onTooMany' });
    }
    if ((step.kind === 'action' || step.kind === 'parallel') && step.onFailure)
      targets.push({ target: step.onFailure, via: 'onFailure' });
    if (step.kind === 'approval' && step.onDenied) targets.push({ target: step.onDenied, via: 'onDenied' });
  }
  return { targets, fallsOffEnd };
}

/**
 * The body of the loop step at `loopIndex`: the steps on a way from its `do`
 * back to it (reachable from `do` without passing the loop step, and able to
 * reach the loop step). `item` is bound only there; a step of the body that
 * leaves it (e.g. to an escalation) ends the loop.
 */
export function loopBody(steps: readonly Step[], loopIndex: number): Set<number> {
  const loop = steps[loopIndex];
  const body = new Set<number>();
  if (!loop || loop.kind !== 'loop') return body;
  const indexOf = new Map(steps.map((step, index) => [step.id, index] as const));
  const successorsOf = (index: number) =>
    stepEdges(steps, index)
      .targets.map(({ target }) => indexOf.get(target))
      .filter((successor): successor is number => successor !== undefined);
  const start = indexOf.get(loop.do);
  if (start === undefined || start === loopIndex) return body;
  const forward = new Set<number>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const index = queue.shift() ?? 0;
    for (const successor of successorsOf(index))
      if (successor !== loopIndex && !forward.has(successor)) {
        forward.add(successor);
        queue.push(successor);
      }
  }
  // Backwards from the loop step, within the forward set.
  const predecessors = new Map<number, number[]>();
  for (const index of forward)
    for (const successor of successorsOf(index)) predecessors.set(successor, [...(predecessors.get(successor) ?? []), index]);
  const back = [loopIndex];
  while (back.length > 0) {
    const index = back.shift() ?? 0;
    for (const predecessor of predecessors.get(index) ?? [])
      if (!body.has(predecessor)) {
        body.add(predecessor);
        back.push(predecessor);
      }
  }
  return body;
}

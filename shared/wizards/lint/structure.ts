import { fieldSpecProblem } from '../fields';
import { stepEdges, type InputField } from '../format';
import { stronglyConnected } from './graph';
import { add, diagnosticFieldsOf, loopBodies, pathOfTarget, resultFieldsOf, successors, type Lint } from './lint';

/** Checks of the wizard's shape: ids, input fields, step targets, reachability and cycles. */

export function checkIds(lint: Lint): void {
  lint.definition.inputs.forEach((field, index) => {
    if (lint.inputIds.has(field.id)) add(lint, ['inputs', index, 'id'], 'duplicate-id', `input "${field.id}" is declared twice`);
    lint.inputIds.add(field.id);
  });
  lint.steps.forEach((step, index) => {
    if (lint.indexById.has(step.id)) {
      const first = (lint.indexById.get(step.id) ?? 0) + 1;
      add(lint, ['steps', index, 'id'], 'duplicate-id', `step id "${step.id}" is already used by step ${first}`, step.id);
    } else lint.indexById.set(step.id, index);
  });
  lint.steps.forEach((step, index) => {
    if (step.kind === 'input') {
      step.fields.forEach((field, fieldIndex) => {
        const askedBy = lint.answerSources.get(field.id);
        if (askedBy && !askedBy.includes(step.id)) {
          add(
            lint,
            ['steps', index, 'fields', fieldIndex, 'id'],
            'duplicate-id',
            `answer "${field.id}" is already asked in step "${askedBy[0]}"`,
            step.id,
          );
        } else if (askedBy) {
          add(
            lint,
            ['steps', index, 'fields', fieldIndex, 'id'],
            'duplicate-id',
            `field "${field.id}" appears twice in this step`,
            step.id,
          );
        }
        lint.answerSources.set(field.id, [...(askedBy ?? []), step.id]);
      });
    }
    const fields = resultFieldsOf(lint, step);
    if (fields === undefined) return;
    lint.checkFields.set(step.id, fields);
    if ('save' in step && step.save) {
      if (lint.checkFields.has(step.save) || lint.indexById.has(step.save)) {
        add(
          lint,
          ['steps', index, 'save'],
          'duplicate-id',
          `save name "${step.save}" is already a step id or a save name`,
          step.id,
        );
      } else lint.checkFields.set(step.save, fields);
    }
    if (step.kind !== 'parallel') return;
    step.checks.forEach((check, checkIndex) => {
      const checkFields = diagnosticFieldsOf(lint, check);
      const names: [string, (string | number)[], string][] = [[check.id, ['id'], 'check id']];
      if (check.save) names.push([check.save, ['save'], 'save name']);
      for (const [name, key, what] of names) {
        if (lint.checkFields.has(name) || lint.indexById.has(name)) {
          add(
            lint,
            ['steps', index, 'checks', checkIndex, ...key],
            'duplicate-id',
            `${what} "${name}" is already a step id, a check id or a save name`,
            step.id,
          );
        } else lint.checkFields.set(name, checkFields);
      }
    });
  });
}

export function checkInputSpecs(lint: Lint): void {
  lint.definition.inputs.forEach((field, index) => checkField(lint, field, ['inputs', index]));
  lint.steps.forEach((step, index) => {
    if (step.kind === 'input')
      step.fields.forEach((field, fieldIndex) => checkField(lint, field, ['steps', index, 'fields', fieldIndex], step.id));
  });
}

export function checkField(lint: Lint, field: InputField, path: (string | number)[], stepId?: string): void {
  const problem = fieldSpecProblem(field);
  if (problem) add(lint, [...path, problem.key], 'input-spec', `field "${field.id}": ${problem.message}`, stepId);
}

export function checkTargets(lint: Lint): void {
  lint.steps.forEach((step, index) => {
    const { targets, fallsOffEnd } = stepEdges(lint.steps, index);
    for (const { target, via } of targets) {
      if (!lint.indexById.has(target)) {
        const path = pathOfTarget(lint, step, index, target, via);
        add(lint, path, 'dangling-target', `"${via}" goes to "${target}", which is not a step in this wizard`, step.id);
      }
    }
    if (fallsOffEnd) {
      add(
        lint,
        ['steps', index, 'kind'],
        'falls-off-end',
        `step "${step.id}" is the last step but is not a record or escalate step: add "next" or a record step after it`,
        step.id,
      );
    }
  });
}

export function checkReachability(lint: Lint): void {
  const queue = [0];
  const seen = new Set<number>([0]);
  while (queue.length > 0) {
    const index = queue.shift() ?? 0;
    for (const successor of successors(lint, index)) {
      if (!seen.has(successor)) {
        seen.add(successor);
        queue.push(successor);
      }
    }
  }
  lint.steps.forEach((step, index) => {
    if (seen.has(index)) lint.reachable.add(step.id);
    else if (lint.indexById.get(step.id) === index) {
      add(lint, ['steps', index, 'id'], 'unreachable-step', `step "${step.id}" can never run: no step leads to it`, step.id);
    }
  });
}

/**
 * A loop's body: it comes back to the loop step, it is entered only through
 * the loop (its `item` is bound only there), the loop goes on outside it, and
 * loops do not nest.
 */
export function checkLoops(lint: Lint): void {
  for (const [loopIndex, body] of loopBodies(lint)) {
    const loop = lint.steps[loopIndex];
    if (loop?.kind !== 'loop' || !lint.indexById.has(loop.do)) continue;
    if (body.size === 0) {
      add(
        lint,
        ['steps', loopIndex, 'do'],
        'loop-body',
        `the body of loop "${loop.id}" (from "${loop.do}") never comes back to it: end the body with next: ${loop.id}`,
        loop.id,
      );
      continue;
    }
    const after = stepEdges(lint.steps, loopIndex)
      .targets.filter((edge) => edge.via === 'next')
      .map((edge) => lint.indexById.get(edge.target))
      .filter((successor): successor is number => successor !== undefined);
    if (body.has(0)) {
      const first = lint.steps[0];
      add(
        lint,
        ['steps', 0, 'id'],
        'loop-body',
        `step "${first?.id}" is the first step of the wizard but also in the body of loop "${loop.id}" (it leads back to the loop): the body is entered only through the loop`,
        first?.id,
      );
    }
    for (const successor of after)
      if (body.has(successor))
        add(
          lint,
          ['steps', loopIndex, loop.next ? 'next' : 'kind'],
          'loop-body',
          `loop "${loop.id}" goes on to "${lint.steps[successor]?.id}" after its last item, but that step is in its body: give the loop a "next" outside the body`,
          loop.id,
        );
    for (const member of body) {
      const step = lint.steps[member];
      if (!step) continue;
      if (step.kind === 'loop')
        add(
          lint,
          ['steps', member, 'kind'],
          'loop-body',
          `loop "${step.id}" is inside the body of loop "${loop.id}": loops do not nest; link to a wizard with its own loop instead`,
          step.id,
        );
      lint.steps.forEach((candidate, index) => {
        if (index === loopIndex || body.has(index) || !lint.reachable.has(candidate.id)) return;
        if (!successors(lint, index).includes(member)) return;
        add(
          lint,
          ['steps', index, 'id'],
          'loop-body',
          `step "${candidate.id}" leads into "${step.id}", which is in the body of loop "${loop.id}": the body is entered only through the loop (item is set there)`,
          candidate.id,
        );
      });
    }
  }
}

/**
 * Repeating is bounded only by a `loop` step (its body comes back to it at most
 * `max` times) or by a verify step that can leave the cycle (every/timeout).
 * The edges from a loop's body back to it are the bounded ones.
 */
export function checkCycles(lint: Lint): void {
  const bodies = loopBodies(lint);
  const boundedSuccessors = (index: number) => successors(lint, index).filter((successor) => !bodies.get(successor)?.has(index));
  for (const component of stronglyConnected(lint.steps.length, boundedSuccessors)) {
    const isLoop = component.length > 1 || boundedSuccessors(component[0] ?? 0).includes(component[0] ?? -1);
    if (!isLoop) continue;
    const members = new Set(component);
    const hasVerifyExit = component.some((index) => {
      const step = lint.steps[index];
      return step?.kind === 'verify' && boundedSuccessors(index).some((successor) => !members.has(successor));
    });
    if (hasVerifyExit) continue;
    const ordered = [...component].sort((a, b) => a - b);
    const first = ordered[0] ?? 0;
    const names = ordered.map((index) => lint.steps[index]?.id).join(' → ');
    const firstStep = lint.steps[first];
    add(
      lint,
      ['steps', first, 'id'],
      'unbounded-cycle',
      `steps ${names} form a cycle with no bound: repeat with a loop step (forEach, max) whose body comes back to it, or let a verify step (every/timeout) leave the cycle`,
      firstStep?.id,
    );
  }
}

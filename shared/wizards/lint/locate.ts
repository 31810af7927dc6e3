import { isMap, isNode, isPair, isScalar, Scalar, type Document, type LineCounter } from 'yaml';
import { type z } from 'zod';
import { STEP_KINDS } from '../format';
import type { ValidationCode, ValidationIssue } from '../validate';

/** Turns positions in the YAML document into file, line and column. */
export class Locator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly source: string,
    readonly file: string,
  ) {}

  /** The node at a path, or the nearest ancestor that exists. */
  private nodeAt(path: readonly (string | number)[]): { node: unknown; exact: boolean } {
    for (let length = path.length; length > 0; length -= 1) {
      const node = this.document.getIn(path.slice(0, length), true);
      if (isNode(node)) return { node, exact: length === path.length };
    }
    return { node: this.document.contents, exact: path.length === 0 };
  }

  position(path: readonly (string | number)[]): { line: number; column: number } {
    const { node } = this.nodeAt(path);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const position = this.lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  }

  /** The position of a key inside the mapping at `path` (for "unknown key" errors). */
  keyPosition(path: readonly (string | number)[], key: string): { line: number; column: number } {
    const { node, exact } = this.nodeAt(path);
    if (exact && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key) && pair.key.range) {
        const position = this.lineCounter.linePos(pair.key.range[0]);
        return { line: position.line, column: position.col };
      }
    }
    return this.position(path);
  }

  /** The position of a character inside a string scalar (for errors inside a CEL expression). */
  offsetPosition(path: readonly (string | number)[], offset: number): { line: number; column: number } {
    const { node, exact } = this.nodeAt(path);
    if (!exact || !isScalar(node) || !node.range || typeof node.value !== 'string') return this.position(path);
    const start = this.lineCounter.linePos(node.range[0]);
    if (node.type === Scalar.PLAIN) return { line: start.line, column: start.col + offset };
    if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)
      return { line: start.line, column: start.col + 1 + offset };
    if (node.type === Scalar.BLOCK_LITERAL) {
      // Literal block lines keep their breaks: count lines before the offset, and
      // add the block's indentation as it appears in the source.
      const before = node.value.slice(0, offset);
      const lineInBlock = before.split('\n').length - 1;
      const columnInLine = offset - (before.lastIndexOf('\n') + 1);
      const line = start.line + 1 + lineInBlock;
      const lineStart = this.lineCounter.lineStarts[line - 1] ?? 0;
      const indent = /^ */.exec(this.source.slice(lineStart))?.[0].length ?? 0;
      return { line, column: indent + columnInLine + 1 };
    }
    return { line: start.line, column: start.col };
  }

  issue(
    path: readonly (string | number)[],
    code: ValidationCode,
    message: string,
    stepId?: string,
    at?: { line: number; column: number },
  ): ValidationIssue {
    const position = at ?? this.position(path);
    return {
      file: this.file,
      line: position.line,
      column: position.column,
      ...(stepId === undefined ? {} : { stepId }),
      code,
      message,
    };
  }
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function describePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export function schemaIssues(zodIssues: readonly z.core.$ZodIssue[], raw: unknown, located: Locator): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const zodIssue of zodIssues) {
    const path = zodIssue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const stepIndex = path[0] === 'steps' && typeof path[1] === 'number' ? path[1] : undefined;
    const stepIdValue = stepIndex === undefined ? undefined : valueAt(raw, ['steps', stepIndex, 'id']);
    const stepId = typeof stepIdValue === 'string' ? stepIdValue : undefined;
    const last = path.at(-1);
    const where = describePath(path);
    const value = valueAt(raw, path);

    if (zodIssue.code === 'invalid_union' && 'note' in zodIssue && zodIssue.note === 'No matching discriminator') {
      const isStepKind = stepIndex !== undefined && path.length === 3 && last === 'kind';
      if (isStepKind) {
        const message =
          value === undefined
            ? `step has no "kind"; use one of ${STEP_KINDS.join(', ')}`
            : `unknown step kind "${String(value)}"; use one of ${STEP_KINDS.join(', ')}`;
        issues.push(located.issue(path, 'unknown-step-kind', message, stepId));
        continue;
      }
      const options =
        'options' in zodIssue && Array.isArray(zodIssue.options) ? zodIssue.options.map(String).join(' or ') : 'a known value';
      issues.push(
        located.issue(
          path,
          'schema',
          `${where} must be ${options}${value === undefined ? '' : `, not "${String(value)}"`}`,
          stepId,
        ),
      );
      continue;
    }
    if (zodIssue.code === 'unrecognized_keys') {
      for (const key of zodIssue.keys) {
        issues.push(
          located.issue(
            path,
            'schema',
            `unknown key "${key}"${where ? ` in ${where}` : ''}`,
            stepId,
            located.keyPosition(path, key),
          ),
        );
      }
      continue;
    }
    if (value === undefined && zodIssue.code === 'invalid_type') {
      const isDecisionDefault = stepIndex !== undefined && path.length === 3 && last === 'otherwise';
      if (isDecisionDefault) {
        issues.push(
          located.issue(
            path,
            'decision-without-otherwise',
            'a decision needs "otherwise": the step to take when no branch holds',
            stepId,
          ),
        );
        continue;
      }
      issues.push(
        located.issue(
          path,
          'schema',
          `missing required "${String(last)}"${path.length > 1 ? ` in ${describePath(path.slice(0, -1))}` : ''}`,
          stepId,
        ),
      );
      continue;
    }
    issues.push(located.issue(path, 'schema', `${where || 'the file'}: ${zodIssue.message}`, stepId));
  }
  return issues;
}

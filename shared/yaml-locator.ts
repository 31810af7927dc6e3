import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, Scalar, type Document } from 'yaml';

/** A 1-based line and column in a source file. */
export type SourcePosition = { line: number; column: number };

/**
 * A YAML document with positions: parses with duplicate keys refused, and turns
 * a path inside the parsed value (`['probes', 'sso.login', 'call', 'url']`) into
 * the line and column of that node, of a key, or of a character inside a string
 * (for errors inside an expression).
 */
export class YamlSource {
  readonly document: Document;
  private readonly lineCounter = new LineCounter();

  constructor(readonly text: string) {
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
  }

  /** YAML syntax errors with their positions (empty when the text parsed). */
  syntaxErrors(): { position: SourcePosition; message: string }[] {
    return this.document.errors.map((error) => ({
      position: this.at(error.pos[0]),
      message: error.message.split('\n')[0] ?? error.message,
    }));
  }

  /** The plain value, or the error that stopped the conversion (alias bombs). */
  toValue(): { ok: true; value: unknown } | { ok: false; message: string } {
    try {
      return { ok: true, value: this.document.toJS({ maxAliasCount: 100 }) };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The line and column of a character offset in the text. */
  at(offset: number): SourcePosition {
    const position = this.lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  }

  /** The node at a path, or the nearest ancestor that exists. */
  private nodeAt(path: readonly (string | number)[]): { node: unknown; isExact: boolean } {
    for (let length = path.length; length > 0; length -= 1) {
      const node = this.document.getIn(path.slice(0, length), true);
      if (isNode(node)) return { node, isExact: length === path.length };
    }
    return { node: this.document.contents, isExact: path.length === 0 };
  }

  /** Where the value at `path` starts (or its nearest existing ancestor). */
  position(path: readonly (string | number)[]): SourcePosition {
    const { node } = this.nodeAt(path);
    return this.at(isNode(node) && node.range ? node.range[0] : 0);
  }

  /** Where a key of the mapping at `path` is written (for "unknown key" errors). */
  keyPosition(path: readonly (string | number)[], key: string): SourcePosition {
    const { node, isExact } = this.nodeAt(path);
    if (isExact && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
    }
    return this.position(path);
  }

  /** Where the character at `offset` of the string at `path` is written. */
  offsetPosition(path: readonly (string | number)[], offset: number): SourcePosition {
    const { node, isExact } = this.nodeAt(path);
    if (!isExact || !isScalar(node) || !node.range || typeof node.value !== 'string') return this.position(path);
    const start = this.at(node.range[0]);
    if (node.type === Scalar.PLAIN) return { line: start.line, column: start.column + offset };
    if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)
      return { line: start.line, column: start.column + 1 + offset };
    if (node.type === Scalar.BLOCK_LITERAL) {
      // Literal block lines keep their breaks: count the lines before the offset, then add the block's indentation.
      const before = node.value.slice(0, offset);
      const lineInBlock = before.split('\n').length - 1;
      const columnInLine = offset - (before.lastIndexOf('\n') + 1);
      const line = start.line + 1 + lineInBlock;
      const lineStart = this.lineCounter.lineStarts[line - 1] ?? 0;
      const indent = /^ */.exec(this.text.slice(lineStart))?.[0].length ?? 0;
      return { line, column: indent + columnInLine + 1 };
    }
    return start;
  }
}

/** `a.b[2].c` for messages. */
export function describeYamlPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

import fs from 'node:fs';
import { isMap, isScalar, isSeq } from 'yaml';
import type { z } from 'zod';
import { LINK_KINDS, LINK_PLACEHOLDERS, LinkTemplatesSchema, type LinkTemplates } from '../../shared/links';
import { issuePath } from '../../shared/issues';
import { YamlSource, type SourcePosition } from '../../shared/yaml-locator';
import { errorMessage } from '../log';

/*
 * The link templates of a server (`--links-config <file>`, env
 * LIGHTKEEPER_LINKS_CONFIG, issue 14): per source system, where its tickets,
 * incidents and alerts are read (shared/links.ts). Checked before the server
 * opens its database: any problem refuses the whole file with a
 * LinksConfigError naming the file, the line and column, the field and what to
 * change — a file is applied whole or not at all, so desks never get half of it.
 *
 * The file is JSON. JSON is YAML too, so the YAML locator finds the line of a
 * field, and its parser refuses a key written twice (JSON.parse would quietly
 * keep the last one); the value itself comes from JSON.parse, strict JSON.
 */

/** One problem of a links config: where it is (a file's line and column; none for a value given in-process) and what to change. */
export type LinksConfigIssue = { line?: number; column?: number; field: string; message: string };

/** A links config that was refused; nothing from it was applied. */
export class LinksConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly LinksConfigIssue[],
  ) {
    const lines = issues.map((issue) => {
      const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
      return `  ${where}: ${issue.field ? `${issue.field}: ` : ''}${issue.message}`;
    });
    super(
      `The links config ${file} has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing from it was applied — change it and start again:\n${lines.join('\n')}`,
    );
    this.name = 'LinksConfigError';
  }
}

type Path = (string | number)[];

const FIELDS_OF: Record<'top' | 'template', readonly string[]> = {
  top: ['templates'],
  template: ['system', 'kind', 'template'],
};

const MISSING_HINT: Record<string, string> = {
  templates: 'add "templates": [ … ], a list of { "system", "kind", "template" }',
  system: `add "system": the events' source.system it applies to, e.g. "zendesk"`,
  kind: `add "kind": ${quotedList(LINK_KINDS)}`,
  template: `add "template": an https:// address with placeholders (${LINK_PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}), e.g. "https://help.example.com/tickets/{id}"`,
};

function quotedList(values: readonly string[], conjunction: 'or' | 'and' = 'or'): string {
  const quoted = values.map((value) => `"${value}"`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted.at(-1)}`;
}

function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const part of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

type Locator = { at: (path: Path) => SourcePosition; keyAt: (path: Path, key: string) => SourcePosition };

/** The problems of one zod issue, in words that say what to change. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown, locate: Locator | null): LinksConfigIssue[] {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const place = (at: SourcePosition | undefined) => (at ? { line: at.line, column: at.column } : {});
  if (issue.code === 'unrecognized_keys') {
    const fields = FIELDS_OF[path.length === 0 ? 'top' : 'template'];
    return issue.keys.map((key) => ({
      ...place(locate?.keyAt(path, key)),
      field: issuePath([...path, key]),
      message: `unknown field "${key}": ${path.length === 0 ? 'the file has' : 'a template has'} ${quotedList(fields, 'and')} — rename or remove it`,
    }));
  }
  const field = issuePath(path);
  const value = valueAt(raw, path);
  const name = path.at(-1);
  if (value === undefined && typeof name === 'string' && MISSING_HINT[name]) {
    // A missing field is pointed at the object that lacks it.
    return [{ ...place(locate?.at(path.slice(0, -1))), field, message: `missing: ${MISSING_HINT[name]}` }];
  }
  let message = issue.message;
  if (name === 'kind' && issue.code === 'invalid_value')
    message = `${JSON.stringify(value)} is not a kind: use ${quotedList(LINK_KINDS)}`;
  else if (issue.code === 'invalid_type')
    message = `${issue.message}${name && MISSING_HINT[name] ? ` (${MISSING_HINT[name]})` : ''}`;
  return [{ ...place(locate?.at(path)), field, message }];
}

function check(raw: unknown, file: string, locate: Locator | null): LinkTemplates {
  const parsed = LinkTemplatesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, locate));
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new LinksConfigError(file, issues);
}

/** Checks a link templates value given in-process; a LinksConfigError names every problem by field. */
export function parseLinksConfig(raw: unknown, source = 'links config'): LinkTemplates {
  return check(raw, source, null);
}

/** Where a JSON.parse error is, from the offset V8 reports. */
function jsonErrorPosition(text: string, error: unknown): SourcePosition {
  const offset = Number(/at position (\d+)/.exec(errorMessage(error))?.[1] ?? 0);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Reads and checks a links config file; a LinksConfigError names every problem with its line. */
export function loadLinksConfig(file: string): LinkTemplates {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new LinksConfigError(file, [{ line: 1, column: 1, field: '', message: `cannot be read (${errorMessage(error)})` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const at = jsonErrorPosition(text, error);
    throw new LinksConfigError(file, [
      { ...at, field: '', message: `not valid JSON (${errorMessage(error)}): fix the syntax there` },
    ]);
  }
  const source = new YamlSource(text);
  const twice = source.document.errors.filter((error) => error.code === 'DUPLICATE_KEY');
  if (twice.length > 0)
    throw new LinksConfigError(
      file,
      twice.map((error) => ({
        ...source.at(error.pos[0]),
        field: issuePath(keyPathAt(source.document.contents, error.pos[0]) ?? []),
        message: 'this field is written twice: keep one of them',
      })),
    );
  return check(raw, file, { at: (path) => source.position(path), keyAt: (path, key) => source.keyPosition(path, key) });
}

/** The path of the mapping key written at a text offset, or null. */
function keyPathAt(node: unknown, offset: number, path: Path = []): Path | null {
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const found = keyPathAt(item, offset, [...path, index]);
      if (found) return found;
    }
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key : null;
      const name = key && (typeof key.value === 'string' || typeof key.value === 'number') ? key.value : null;
      if (name === null) continue;
      if (key?.range?.[0] === offset) return [...path, name];
      const found = keyPathAt(pair.value, offset, [...path, name]);
      if (found) return found;
    }
  }
  return null;
}

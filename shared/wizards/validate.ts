import type { PublishedCatalog } from '../catalog/format';
import { LineCounter, parseDocument } from 'yaml';
import { WizardSchema, type WizardDefinition } from './format';
import { checkExpressions, computeAvailability } from './lint/expressions';
import { createLint, type Lint } from './lint/lint';
import { Locator, schemaIssues } from './lint/locate';
import { checkCatalog, checkLinks } from './lint/references';
import { checkCycles, checkIds, checkInputSpecs, checkLoops, checkReachability, checkTargets } from './lint/structure';

/** Every problem the validator reports, by stable code (docs/wizards.md explains each). */
export const VALIDATION_CODES = [
  'yaml-syntax',
  'schema',
  'unknown-step-kind',
  'decision-without-otherwise',
  'duplicate-id',
  'input-spec',
  'dangling-target',
  'falls-off-end',
  'unreachable-step',
  'unbounded-cycle',
  'loop-body',
  'verify-timing',
  'unknown-query',
  'unknown-probe',
  'unknown-action',
  'invalid-params',
  'unknown-wizard',
  'recursive-link',
  'link-input',
  'cel-syntax',
  'cel-unknown-variable',
  'cel-unknown-check',
  'cel-unknown-field',
  'cel-not-available',
  'cel-type',
  'cel-null',
] as const;
/** One of {@link VALIDATION_CODES}. */
export type ValidationCode = (typeof VALIDATION_CODES)[number];

/** One problem in a wizard file, at a 1-based line and column. */
export type ValidationIssue = {
  file: string;
  line: number;
  column: number;
  stepId?: string;
  code: ValidationCode;
  message: string;
};

/** What a linked wizard expects, so link steps can be checked without its whole file. */
export type WizardSignature = { id: string; inputs: { id: string; required: boolean; hasDefault: boolean }[] };

/** What a wizard may use from outside itself: the server's catalog and the wizard library. */
export type ValidationContext = {
  /**
   * The probes and actions wizards may call: a server's effective catalog
   * (issue 11). `null` when none is known yet (a desk before its first sync):
   * probe and action names and types are then not checked, and the desk checks
   * its wizards again once a catalog arrives. Cache queries are the desk's own.
   */
  catalog: PublishedCatalog | null;
  /** Wizard ids (or signatures, which also check input mappings) a `link` may name; without it links are not checked. */
  knownWizards?: readonly (string | WizardSignature)[];
};

/** The context that checks wizards against a catalog. */
export function catalogContext(catalog: PublishedCatalog | null): ValidationContext {
  return { catalog };
}

/** The inputs a wizard declares, in the form link checks use. */
export function wizardSignature(definition: WizardDefinition): WizardSignature {
  return {
    id: definition.id,
    inputs: definition.inputs.map((field) => ({
      id: field.id,
      required: field.required,
      hasDefault: field.default !== undefined || field.type === 'customer-id',
    })),
  };
}

/** Validates a wizard file; an empty list means the file is good. */
export function validateWizard(source: string, file: string, context: ValidationContext): ValidationIssue[] {
  return parseWizard(source, file, context).issues;
}

/** Validates a wizard file and returns its definition when there are no issues. */
export function parseWizard(
  source: string,
  file: string,
  context: ValidationContext,
): { definition: WizardDefinition | null; issues: ValidationIssue[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const located = new Locator(document, lineCounter, source, file);
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        file,
        line: position.line,
        column: position.col,
        code: 'yaml-syntax' as const,
        message: error.message.split('\n')[0] ?? error.message,
      };
    });
    return { definition: null, issues };
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return {
      definition: null,
      issues: [located.issue([], 'yaml-syntax', error instanceof Error ? error.message : String(error))],
    };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      definition: null,
      issues: [located.issue([], 'schema', 'a wizard file is a YAML mapping with id, version, title and steps')],
    };
  }
  const parsed = WizardSchema.safeParse(raw);
  if (!parsed.success) return { definition: null, issues: schemaIssues(parsed.error.issues, raw, located) };
  const issues = semanticIssues(createLint(parsed.data, located, context));
  return { definition: issues.length === 0 ? parsed.data : null, issues };
}

/** The semantic checks, in order, over a definition that passed the schema. */
function semanticIssues(lint: Lint): ValidationIssue[] {
  checkIds(lint);
  checkInputSpecs(lint);
  checkTargets(lint);
  checkReachability(lint);
  checkLoops(lint);
  checkCycles(lint);
  checkCatalog(lint);
  checkLinks(lint);
  computeAvailability(lint);
  checkExpressions(lint);
  return lint.issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

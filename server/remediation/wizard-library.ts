import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { WizardRow } from '../../shared/remediation/wire';
import type { PublishedCatalog } from '../../shared/catalog/format';
import { EMPTY_CATALOG } from '../../shared/catalog/publish';
import { definitionHash } from '../../shared/wizards/engine';
import { WizardSchema, type WizardDefinition } from '../../shared/wizards/format';
import { isScenarioSource } from '../../shared/wizards/scenario';
import { parseWizard, wizardSignature, type ValidationIssue, type WizardSignature } from '../../shared/wizards/validate';
import { errorMessage, type Logger } from '../log';
import { insertWizard, listWizards, readWizard } from '../repo/wizards';
import type { Queryable, Storage } from '../storage/types';

/** A wizard file the validator refused; `issues` lists every problem (file, line, step). */
export class WizardRejectedError extends Error {
  readonly issues: ValidationIssue[];
  constructor(file: string, issues: ValidationIssue[]) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was published`);
    this.name = 'WizardRejectedError';
    this.issues = issues;
  }
}

/** The id+version is already published with other content; versions are immutable, so raise the version. */
export class WizardVersionConflictError extends Error {
  readonly existing: WizardRow;
  constructor(existing: WizardRow) {
    super(
      `${existing.id} version ${existing.version} is already published (by ${existing.publishedBy} at ${existing.publishedAt}) with different content; published versions never change, so raise the version`,
    );
    this.name = 'WizardVersionConflictError';
    this.existing = existing;
  }
}

export type PublishResult = { status: 'published' | 'unchanged'; wizard: WizardRow };

export type PublishInput = {
  source: string;
  file: string;
  publishedBy: string;
  now: number;
  /** Wizards being published together (the bundled library), so their links resolve whatever the order. */
  alsoKnown?: readonly WizardSignature[];
  /** The server's effective catalog: probes and actions a wizard calls must be in it (null: none, so a wizard may call none). */
  catalog: PublishedCatalog | null;
};

/** The signature of a wizard source, or null when it does not even parse (links to it are then unknown). */
function signatureOf(source: string): WizardSignature | null {
  const document = parseDocument(source);
  if (document.errors.length > 0) return null;
  const parsed = WizardSchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  return parsed.success ? wizardSignature(parsed.data) : null;
}

async function librarySignatures(db: Queryable): Promise<WizardSignature[]> {
  const latest = await listWizards(db, { latestOnly: true });
  return latest.map((row) => signatureOf(row.source)).filter((signature): signature is WizardSignature => signature !== null);
}

/**
 * Validates a wizard against the catalog and the library and stores it as a new
 * version. The hash is the desk's `definitionHash` (layout and comments do not
 * count), so republishing the same content is a no-op and runs pinned to a
 * hash find it. Throws WizardRejectedError or WizardVersionConflictError.
 */
export async function publishWizard(storage: Storage, input: PublishInput): Promise<PublishResult> {
  return storage.transaction(async (db) => {
    const known = [...(input.alsoKnown ?? []), ...(await librarySignatures(db))];
    const parsed = parseWizard(input.source, input.file, { catalog: input.catalog ?? EMPTY_CATALOG, knownWizards: known });
    if (!parsed.definition) throw new WizardRejectedError(input.file, parsed.issues);
    // The desk hashes the JSON-plain copy a run pins; hash the same so pins match.
    const plain = JSON.parse(JSON.stringify(parsed.definition)) as WizardDefinition;
    const candidate: WizardRow = {
      id: plain.id,
      version: plain.version,
      title: plain.title,
      source: input.source,
      hash: definitionHash(plain),
      publishedAt: new Date(input.now).toISOString(),
      publishedBy: input.publishedBy,
    };
    const inserted = await insertWizard(db, candidate);
    if (inserted) return { status: 'published', wizard: inserted };
    const existing = await readWizard(db, candidate.id, candidate.version);
    if (!existing) throw new Error(`wizard ${candidate.id}@${candidate.version} conflicted but cannot be read`);
    if (existing.hash !== candidate.hash) throw new WizardVersionConflictError(existing);
    return { status: 'unchanged', wizard: existing };
  });
}

export type BundledPublishReport = { published: string[]; unchanged: string[]; skipped: string[] };

/**
 * Publishes the starter library (resources/wizards/*.yaml, scenarios skipped)
 * at server start. A missing or empty folder publishes nothing; a file that is
 * invalid or conflicts with a stored version is logged and skipped — never fatal.
 */
export async function publishBundledWizards(
  storage: Storage,
  options: { directory: string; now: number; log: Logger; catalog: PublishedCatalog | null },
): Promise<BundledPublishReport> {
  const report: BundledPublishReport = { published: [], unchanged: [], skipped: [] };
  let names: string[];
  try {
    names = fs
      .readdirSync(options.directory)
      .filter((name) => /\.ya?ml$/.test(name) && !/\.scenario\.ya?ml$/.test(name))
      .sort();
  } catch {
    return report;
  }
  const files = names.flatMap((name) => {
    try {
      const source = fs.readFileSync(path.join(options.directory, name), 'utf8');
      return isScenarioSource(source) ? [] : [{ name, source }];
    } catch (error) {
      options.log.warn('could not read a bundled wizard', { file: name, error: errorMessage(error) });
      report.skipped.push(name);
      return [];
    }
  });
  const alsoKnown = files
    .map((file) => signatureOf(file.source))
    .filter((signature): signature is WizardSignature => signature !== null);
  for (const file of files) {
    try {
      const result = await publishWizard(storage, {
        source: file.source,
        file: file.name,
        publishedBy: 'bundled',
        now: options.now,
        alsoKnown,
        catalog: options.catalog,
      });
      (result.status === 'published' ? report.published : report.unchanged).push(file.name);
    } catch (error) {
      report.skipped.push(file.name);
      const problems =
        error instanceof WizardRejectedError
          ? error.issues
              .slice(0, 5)
              .map(
                (issue) =>
                  `${issue.line}:${issue.column}${issue.stepId ? ` [${issue.stepId}]` : ''} ${issue.code} ${issue.message}`,
              )
          : [errorMessage(error)];
      options.log.warn('skipped a bundled wizard', { file: file.name, problems });
    }
  }
  if (report.published.length > 0) options.log.info('bundled wizards published', { published: report.published });
  return report;
}

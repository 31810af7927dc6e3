import fs from 'node:fs';
import { z } from 'zod';
import { describeYamlPath, YamlSource } from '../../shared/yaml-locator';
import { deleteSource, listSources } from '../repo/ingest';
import type { Storage } from '../storage/types';
import { SourceConfigSchema, usesHmac, type SourceConfig } from './config';
import { declareFileSource } from './sources';

/*
 * `--sources sources.yaml`: ingest sources declared in a file, applied at start
 * (docs/ingest.md). The file is the truth for the sources it declares: they are
 * created or updated, and sources declared in an earlier file that are gone from
 * this one are removed. Credentials never sit in the file in the clear unless
 * the admin insists: `tokenEnv` / `secretEnv` name an environment variable.
 * Every problem is reported as `file:line:column: where: message`.
 */

export class SourcesFileError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`The sources file has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${issues.join('\n')}`);
  }
}

const CREDENTIAL_KEYS = ['token', 'tokenEnv', 'secret', 'secretEnv'] as const;

const FileSchema = z.strictObject({ sources: z.array(z.record(z.string(), z.unknown())).max(1_000) });

export type DeclaredSource = { config: SourceConfig; credential: string };

/** Reads and checks the file; throws SourcesFileError listing every problem with its position. */
export function parseSourcesFile(text: string, file: string, env: NodeJS.ProcessEnv): DeclaredSource[] {
  const source = new YamlSource(text);
  const at = (path: (string | number)[]) => {
    const position = source.position(path);
    return `${file}:${position.line}:${position.column}`;
  };
  const syntax = source.syntaxErrors();
  if (syntax.length > 0)
    throw new SourcesFileError(
      syntax.map((error) => `${file}:${error.position.line}:${error.position.column}: ${error.message}`),
    );
  const raw = source.toValue();
  if (!raw.ok) throw new SourcesFileError([`${file}:1:1: ${raw.message}`]);
  const top = FileSchema.safeParse(raw.value);
  if (!top.success) throw new SourcesFileError([`${file}:1:1: a sources file is a mapping with a list "sources:"`]);
  const issues: string[] = [];
  const declared: DeclaredSource[] = [];
  const seen = new Set<string>();
  top.data.sources.forEach((entry, index) => {
    const base: (string | number)[] = ['sources', index];
    const rest = Object.fromEntries(
      Object.entries(entry).filter(([key]) => !(CREDENTIAL_KEYS as readonly string[]).includes(key)),
    );
    const parsed = SourceConfigSchema.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...base, ...issue.path.filter((part): part is string | number => typeof part !== 'symbol')];
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
            : issue.message;
        issues.push(`${at(path)}: ${describeYamlPath(path)}: ${message}`);
      }
      return;
    }
    const config = parsed.data;
    if (seen.has(config.id))
      issues.push(`${at([...base, 'id'])}: ${describeYamlPath([...base, 'id'])}: source ${config.id} is declared twice`);
    seen.add(config.id);
    const hmac = usesHmac(config.kind);
    const [plainKey, envKey] = hmac ? (['secret', 'secretEnv'] as const) : (['token', 'tokenEnv'] as const);
    const wrong = hmac ? ['token', 'tokenEnv'] : ['secret', 'secretEnv'];
    for (const key of wrong)
      if (key in entry)
        issues.push(
          `${at([...base, key])}: ${describeYamlPath([...base, key])}: a ${config.kind} source takes ${plainKey} or ${envKey}, not ${key}`,
        );
    let credential: unknown = entry[plainKey];
    const envName = entry[envKey];
    if (envName !== undefined) {
      if (typeof envName !== 'string' || env[envName] === undefined || env[envName] === '') {
        issues.push(
          `${at([...base, envKey])}: ${describeYamlPath([...base, envKey])}: the environment variable ${String(envName)} is not set`,
        );
        return;
      }
      credential = env[envName];
    }
    if (credential === undefined) {
      issues.push(
        `${at(base)}: ${describeYamlPath(base)}: source ${config.id} needs ${envKey} (an environment variable holding its ${plainKey}) or ${plainKey}`,
      );
      return;
    }
    if (typeof credential !== 'string' || credential.length < 24) {
      const key = [...base, envName === undefined ? plainKey : envKey];
      issues.push(`${at(key)}: ${describeYamlPath(key)}: the ${plainKey} must be a string of at least 24 characters (quote it)`);
      return;
    }
    declared.push({ config, credential });
  });
  if (issues.length > 0) throw new SourcesFileError(issues);
  return declared;
}

/** Reads and checks the sources file (before the server opens its database: a bad file stops it at once). */
export function readSourcesFile(file: string, env: NodeJS.ProcessEnv): DeclaredSource[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SourcesFileError([`${file}: cannot be read (${error instanceof Error ? error.message : String(error)})`]);
  }
  return parseSourcesFile(text, file, env);
}

/** Applies a checked file: declared sources created or updated, file sources no longer declared removed. */
export async function applySourcesFile(
  storage: Storage,
  file: string,
  declared: readonly DeclaredSource[],
  now: number,
): Promise<{ declared: string[]; removed: string[] }> {
  const iso = new Date(now).toISOString();
  return storage.transaction(async (db) => {
    const ids = new Set(declared.map((item) => item.config.id));
    const existing = await listSources(db);
    const clash = existing.find((row) => ids.has(row.id) && row.origin === 'api');
    if (clash)
      throw new SourcesFileError([
        `${file}: source ${clash.id} was registered through the admin API; remove it there or pick another id`,
      ]);
    for (const item of declared) await declareFileSource(db, item.config, item.credential, iso);
    const removed = existing.filter((row) => row.origin === 'file' && !ids.has(row.id)).map((row) => row.id);
    for (const id of removed) await deleteSource(db, id);
    return { declared: [...ids], removed };
  });
}

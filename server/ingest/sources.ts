import crypto from 'node:crypto';
import { describeZodIssues } from '../../shared/issues';
import { ApiFailure } from '../errors';
import { hashToken } from '../repo/tokens';
import { findSource, insertSource, setSourceConfig, setSourceCredential, upsertFileSource, type SourceRow } from '../repo/ingest';
import type { Queryable } from '../storage/types';
import { alertmanagerModule } from './alertmanager';
import { cloudEventsModule } from './cloudevents';
import { SourceConfigSchema, usesHmac, type SourceConfig, type SourceConfigInput, type SourceKind } from './config';
import { genericModule } from './generic';
import { githubModule } from './github';
import type { SourceKindModule } from './types';

/** The module of each source kind. */
export const SOURCE_MODULES: { [K in SourceKind]: SourceKindModule<Extract<SourceConfig, { kind: K }>> } = {
  alertmanager: alertmanagerModule,
  cloudevents: cloudEventsModule,
  github: githubModule,
  generic: genericModule,
};

export function moduleFor(config: SourceConfig): SourceKindModule {
  return SOURCE_MODULES[config.kind] as SourceKindModule;
}

/** A source as the pipeline uses it: the stored row with its config parsed. */
export type Source = { row: SourceRow; config: SourceConfig };

/**
 * Parsed configs by their stored text: the row is read on every request (a rotation or an edit made through
 * another server process counts at once), but parsing it again each time cost more than parsing a small
 * notification. Bounded: emptied when it holds more configs than a deployment has sources.
 */
const parsedConfigs = new Map<string, ReturnType<typeof SourceConfigSchema.safeParse>>();

function parseStoredConfig(row: SourceRow): ReturnType<typeof SourceConfigSchema.safeParse> {
  const key = `${row.id}\n${row.kind}\n${JSON.stringify(row.config)}`;
  let parsed = parsedConfigs.get(key);
  if (!parsed) {
    parsed = SourceConfigSchema.safeParse({ ...row.config, id: row.id, kind: row.kind });
    if (parsedConfigs.size >= 1_000) parsedConfigs.clear();
    parsedConfigs.set(key, parsed);
  }
  return parsed;
}

export async function loadSource(db: Queryable, id: string): Promise<Source | null> {
  const row = await findSource(db, id);
  if (!row) return null;
  const parsed = parseStoredConfig(row);
  // Stored configs were validated when written; one this version cannot read is the admin's to fix, not the producer's.
  if (!parsed.success)
    throw new ApiFailure(503, 'source_misconfigured', `source ${id} has a config this server cannot read; ask an admin`);
  return { row, config: parsed.data };
}

/** A fresh per-source credential: a URL token, or an HMAC secret. Shown once. */
export function generateCredential(kind: SourceKind): string {
  return usesHmac(kind) ? crypto.randomBytes(32).toString('hex') : `lks_${crypto.randomBytes(24).toString('base64url')}`;
}

function credentialColumns(kind: SourceKind, credential: string): { tokenHash: string | null; secret: string | null } {
  return usesHmac(kind) ? { tokenHash: null, secret: credential } : { tokenHash: hashToken(credential), secret: null };
}

export function parseSourceConfig(input: unknown): SourceConfig {
  const parsed = SourceConfigSchema.safeParse(input);
  if (!parsed.success) throw new ApiFailure(400, 'invalid_source', describeZodIssues(parsed.error, 3));
  return parsed.data;
}

/** The stored columns of a source: its config without id and kind (columns of their own), and its credential. */
function sourceColumns(config: SourceConfig, credential: string) {
  const { id, kind, ...rest } = config;
  return { id, kind, name: config.name ?? id, config: rest, ...credentialColumns(kind, credential) };
}

/** Registers a source (admin API); the credential is returned once and only its hash kept (HMAC: the secret). */
export async function registerSource(
  db: Queryable,
  input: SourceConfigInput,
  options: { credential?: string; now: string },
): Promise<{ config: SourceConfig; credential: string }> {
  const config = parseSourceConfig(input);
  const credential = options.credential ?? generateCredential(config.kind);
  const inserted = await insertSource(db, { ...sourceColumns(config, credential), origin: 'api' }, options.now);
  if (!inserted)
    throw new ApiFailure(409, 'source_exists', `a source ${config.id} exists; pick another id or rotate its credential`);
  return { config, credential };
}

/** Writes a source declared in the --sources file (its credential comes from the file or its environment). */
export async function declareFileSource(db: Queryable, config: SourceConfig, credential: string, now: string): Promise<void> {
  await upsertFileSource(db, sourceColumns(config, credential), now);
}

/** Replaces a source's credential; the old one stops working at once. */
export async function rotateSource(db: Queryable, id: string, now: string, credential?: string): Promise<string> {
  const source = await findSource(db, id);
  if (!source) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
  if (source.origin === 'file')
    throw new ApiFailure(409, 'source_from_file', `source ${id} is declared in the --sources file: change its credential there`);
  const next = credential ?? generateCredential(source.kind as SourceKind);
  await setSourceCredential(db, id, credentialColumns(source.kind as SourceKind, next), now);
  return next;
}

/** Keys a change may not carry: a source's id is in its producer's URL, its kind decides its credential. */
const FIXED_KEYS = ['id', 'kind'] as const;

/**
 * Changes a source's settings (admin API): the given config keys replace the stored ones, the rest stay,
 * and the whole is checked as at registration. Its credential, aliases added since and counts stay.
 */
export async function updateSource(
  db: Queryable,
  id: string,
  patch: Record<string, unknown>,
  now: string,
): Promise<SourceConfig> {
  const fixed = FIXED_KEYS.find((key) => key in patch);
  if (fixed)
    throw new ApiFailure(
      400,
      'invalid_source',
      `${fixed}: a source's ${fixed} cannot change (${fixed === 'id' ? 'it is in the producer’s URL' : 'it decides the credential'}); add a new source instead`,
    );
  const source = await findSource(db, id);
  if (!source) throw new ApiFailure(404, 'unknown_source', `no source ${id}`);
  if (source.origin === 'file')
    throw new ApiFailure(409, 'source_from_file', `source ${id} is declared in the --sources file: change it there`);
  const config = parseSourceConfig({ ...source.config, ...patch, id, kind: source.kind });
  const stored: Record<string, unknown> = { ...config };
  delete stored.id;
  delete stored.kind;
  await setSourceConfig(db, id, { name: config.name ?? id, config: stored }, now);
  return config;
}

/** Whether `presented` is the source's URL token, compared in constant time. */
export function tokenMatches(row: SourceRow, presented: string | undefined): boolean {
  if (row.tokenHash === null || presented === undefined) return false;
  const expected = Buffer.from(row.tokenHash, 'hex');
  const actual = Buffer.from(hashToken(presented), 'hex');
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** The path a producer posts to (the token part only for token sources). */
export function ingestPath(id: string, kind: SourceKind, token?: string): string {
  return usesHmac(kind) ? `/v1/ingest/${id}` : `/v1/ingest/${id}/${token ?? '<token>'}`;
}

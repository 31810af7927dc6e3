import fs from 'node:fs';
import { parse } from 'yaml';
import type { SecretReference } from '../../shared/catalog/format';
import type { Json } from '../../shared/json';

/**
 * Secrets a catalog names by reference: environment variables of the server
 * process, or keys of a secrets file on the server (`--secrets-file`). Values
 * never leave this module except into an outgoing call; everything the server
 * stores, logs or answers passes through {@link SecretRedactor} first.
 */
export type SecretSource = {
  resolve(reference: SecretReference): string | undefined;
};

/** Reads a secrets file: a YAML or JSON mapping of names to strings, readable by the server's user only. */
export function readSecretsFile(file: string): Record<string, string> {
  const stat = fs.statSync(file);
  // Group- or world-readable secrets are already leaked to every account on the machine.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new Error(`secrets file ${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const parsed: unknown = parse(fs.readFileSync(file, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`secrets file ${file}: must be a mapping of names to strings`);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new Error(`secrets file ${file}: "${key}" must be a string`);
    values[key] = value;
  }
  return values;
}

/** Secrets from an environment and an optional secrets file. */
export function createSecretSource(
  env: Readonly<Record<string, string | undefined>>,
  fileValues: Readonly<Record<string, string>> = {},
): SecretSource {
  return {
    resolve(reference) {
      if ('env' in reference) return env[reference.env] || undefined;
      return Object.hasOwn(fileValues, reference.file) ? fileValues[reference.file] : undefined;
    },
  };
}

/** The shortest value worth redacting: shorter ones would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every known secret value with `[secret <name>]`, in text and at any depth of JSON. */
export class SecretRedactor {
  private readonly entries: { name: string; value: string }[];

  constructor(secrets: Readonly<Record<string, string>>) {
    // Longest first, so a secret that contains another is replaced whole.
    this.entries = Object.entries(secrets)
      .filter(([, value]) => value.length >= MIN_SECRET_LENGTH)
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => b.value.length - a.value.length);
  }

  text(value: string): string {
    let result = value;
    for (const entry of this.entries) result = result.split(entry.value).join(`[secret ${entry.name}]`);
    return result;
  }

  json(value: Json): Json {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.json(item));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.json(item)]));
    return value;
  }
}

import { sha256Hex } from './wizards/hash';

/**
 * Signatures: a stable key for "the same failure" (DESIGN.md). Two signals
 * share a signature when they are the same alert rule on the same feature with
 * the same identifying labels, or the same error fingerprint, whichever
 * customer they happened to. Diagnosis ("who else is hit"), known problems and
 * recurrence detection group by it.
 *
 * The server computes it once, in the one insert path every event goes through,
 * stores it as a column and sends it on the wire row; the desk stores what the
 * server sent (and computes the same value for rows cached before signatures
 * existed). The function is pure and versioned: changing what it returns for an
 * existing input breaks grouping of history, so such a change needs a new
 * `SIGNATURE_VERSION` prefix, never a silent edit (test/shared/signature.test.ts
 * pins known inputs to known outputs).
 *
 * Shape: `<family>:<name>:<hash>` — family `alert`, `error` or `incident`; name a
 * readable slug (alert name, error type); hash 16 hex digits of SHA-256 over the
 * canonical key (version, family, name, feature, normalised labels or fingerprint).
 */

/** Bumped only when the key for an existing input must change; part of every hash. */
export const SIGNATURE_VERSION = 1;

/** Event kinds that get a signature, by family. Other kinds get none (null). */
export const SIGNATURE_FAMILIES = {
  alert: 'alert',
  error: 'error',
  error_spike: 'error',
  exception: 'error',
  incident: 'incident',
} as const satisfies Record<string, 'alert' | 'error' | 'incident'>;

/**
 * Labels that say *where* or *when* a failure happened, not *what* failed: they
 * differ per customer, host or notification, so they never enter an alert's
 * signature. Compared case-insensitively. The alert-thread properties
 * (`status`, `thread`) and values measured at the time (`value`, `threshold`)
 * are left out for the same reason; `severity` is left out so an alert that
 * escalates from warning to critical stays the same failure.
 */
export const SIGNATURE_IGNORED_LABELS: readonly string[] = [
  'alertname',
  'status',
  'thread',
  'severity',
  'value',
  'threshold',
  'renotification',
  'fingerprint',
  'signature',
  'customer',
  'customer_id',
  'customerid',
  'tenant',
  'tenant_id',
  'tenantid',
  'account',
  'account_id',
  'org',
  'org_id',
  'instance',
  'pod',
  'pod_name',
  'container',
  'container_id',
  'host',
  'hostname',
  'node',
  'node_name',
  'ip',
  'address',
  'namespace',
  'cluster',
  'region',
  'zone',
  'availability_zone',
  'environment',
  'env',
  'cell',
  'shard',
  'replica',
  'prometheus',
  'prometheus_replica',
  'receiver',
  'generatorurl',
  'startsat',
  'endsat',
  'runbook_url',
];
const IGNORED = new Set(SIGNATURE_IGNORED_LABELS);

/** What the signature reads from an event (a subset of `EventInput`). */
export type SignatureInput = {
  customerId: string;
  kind: string;
  summary: string;
  feature?: string | null;
  properties?: Readonly<Record<string, unknown>> | null;
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const LONG_HEX = /\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/g;
const DIGITS = /\d+/g;
const SPACES = /\s+/g;

/**
 * A value with what varies between occurrences taken out: lower case, trimmed,
 * inner whitespace collapsed, UUIDs and long hex ids → `<id>`, runs of digits →
 * `#` (`export-worker-7` and `export-worker-12` are one worker pool; `job exp-1841`
 * and `job exp-1902` one kind of job).
 */
export function normaliseSignatureValue(value: string): string {
  return value.trim().toLowerCase().replace(UUID, '<id>').replace(LONG_HEX, '<id>').replace(DIGITS, '#').replace(SPACES, ' ');
}

function slug(value: string): string {
  const text = normaliseSignatureValue(value)
    .replace(/[^a-z0-9#<>._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return text.slice(0, 80) || 'unnamed';
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The labels that identify an alert: `properties.labels` when the producer
 * kept them apart (Alertmanager ingest does), else the event's scalar
 * properties; minus the ignored ones and any whose value names the customer.
 */
function identifyingLabels(event: SignatureInput): [string, string][] {
  const properties = event.properties ?? {};
  const source = isRecord(properties['labels']) ? properties['labels'] : properties;
  const customer = normaliseSignatureValue(event.customerId);
  const out: [string, string][] = [];
  for (const [key, raw] of Object.entries(source)) {
    const name = key.toLowerCase();
    if (IGNORED.has(name) || name === 'labels' || name === 'annotations') continue;
    const text = scalarText(raw);
    if (text === null) continue;
    const value = normaliseSignatureValue(text);
    if (value === '' || value === customer) continue;
    out.push([name, value]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function alertName(event: SignatureInput): string {
  const properties = event.properties ?? {};
  const labels = isRecord(properties['labels']) ? properties['labels'] : {};
  return scalarText(labels['alertname']) ?? scalarText(properties['alertname']) ?? event.summary;
}

/** Error trackers' own grouping key, when the event carries one. */
function errorFingerprint(event: SignatureInput): string | null {
  const properties = event.properties ?? {};
  for (const key of ['fingerprint', 'signature', 'issueId', 'groupKey']) {
    const value = properties[key];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('\u0000');
    const text = scalarText(value);
    if (text !== null && text.trim() !== '') return text.trim();
  }
  return null;
}

function errorName(event: SignatureInput): string {
  const properties = event.properties ?? {};
  return scalarText(properties['errorType']) ?? scalarText(properties['error']) ?? event.summary;
}

/**
 * The signature of an event, or null for kinds that are not failures (see
 * `SIGNATURE_FAMILIES`). Pure and stable: equal inputs give equal output on
 * every machine and in every version with the same `SIGNATURE_VERSION`.
 *
 * - alert: name = `labels.alertname` / `properties.alertname` / the summary;
 *   key = name + feature + identifying labels (normalised, sorted).
 * - error: key = the producer's fingerprint (`fingerprint`, `signature`,
 *   `issueId`, `groupKey`) as given, else error type/message + feature, normalised.
 * - incident: key = normalised summary (after an incident number prefix) + feature.
 */
export function eventSignature(event: SignatureInput): string | null {
  const family = SIGNATURE_FAMILIES[event.kind as keyof typeof SIGNATURE_FAMILIES];
  if (family === undefined) return null;
  const feature = event.feature ?? '';
  let name: string;
  let key: unknown[];
  if (family === 'alert') {
    name = alertName(event);
    key = [normaliseSignatureValue(name), feature, identifyingLabels(event)];
  } else if (family === 'error') {
    const fingerprint = errorFingerprint(event);
    name = errorName(event);
    key = fingerprint === null ? ['message', normaliseSignatureValue(name), feature] : ['fingerprint', fingerprint];
  } else {
    // "INC-2041: Exports failing in eu-west-1" and "INC-2107 resolved: …" name one failure only by their title.
    name = event.summary.replace(/^[A-Za-z]+-\d+( resolved)?:\s*/, '');
    key = [normaliseSignatureValue(name), feature];
  }
  const hash = sha256Hex(JSON.stringify([SIGNATURE_VERSION, family, ...key])).slice(0, 16);
  return `${family}:${slug(name)}:${hash}`;
}

/** A signature as people read it: "alert:billingsyncerrorrate:…" → "billingsyncerrorrate (alert)". */
export function signatureLabel(signature: string): string {
  const [family = '', name = ''] = signature.split(':');
  return name === '' ? signature : `${name} (${family})`;
}

import { normaliseSignatureValue } from '../signature';

/**
 * What a change *is*, independent of the customer it happened to: the key that
 * says two customers had "the same change" (the same flag set to the same value,
 * an upgrade to the same version, a deploy of the same component build), and the
 * change in words. Suspect scoring ("the same change preceded the same signal on
 * 2 other customers") and who-else ("7 of 9 affected customers upgraded to
 * 26.12.0") both group by it.
 */

/** The parts of a timeline event a change is read from (rows of the cache or the wire). */
export type ChangeFacts = {
  kind: string;
  summary: string;
  feature: string | null;
  prevValue?: unknown;
  newValue?: unknown;
  links?: Readonly<Record<string, unknown>> | null;
  properties?: Readonly<Record<string, unknown>> | null;
};

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** The flag or config key a change sets: `properties.key`, else the text before ":" or " " in the summary. */
export function changedKey(change: ChangeFacts): string | null {
  const key = text(change.properties?.['key']);
  if (key !== null && key.trim() !== '') return key.trim();
  if (change.kind !== 'flag_change' && change.kind !== 'config_change') return null;
  const match = /^([A-Za-z0-9_.-]+)[:\s]/.exec(change.summary);
  return match?.[1] ?? null;
}

/** The release a change brings: the upgrade's new version, or a deploy's `links.release`. */
export function changedRelease(change: ChangeFacts): string | null {
  if (change.kind === 'version_upgrade') return text(change.newValue) ?? text(change.links?.['release']);
  if (change.kind === 'deploy') return text(change.links?.['release']);
  return null;
}

/**
 * The customer-independent identity of a change, or null for events that are not
 * changes. Equal keys on two customers mean "the same change":
 * - version upgrade, or a deploy of a release: `release:<version>` (a release's deploy and its upgrade are one change);
 * - flag or config change: `<kind>:<key>=<new value>`;
 * - deploy of a component: `deploy:<component>@<build>`;
 * - anything else: `<kind>:<summary>` with ids and numbers normalised (shared/signature.ts).
 */
export function changeKey(change: ChangeFacts): string {
  const release = changedRelease(change);
  if (release !== null) return `release:${release}`;
  const key = changedKey(change);
  if (key !== null) return `${change.kind}:${key}=${JSON.stringify(change.newValue ?? null)}`;
  const component = text(change.properties?.['component']);
  if (change.kind === 'deploy' && component !== null) return `deploy:${component}@${text(change.properties?.['build']) ?? '?'}`;
  return `${change.kind}:${normaliseSignatureValue(change.summary)}`;
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return text(value) ?? JSON.stringify(value);
}

/** The change in a few words: "sso.enforce turned on", "upgrade 26.11.0 → 26.12.0", "exports.schedule changed to …". */
export function describeChange(change: ChangeFacts): string {
  const key = changedKey(change);
  if (change.kind === 'version_upgrade') {
    const from = text(change.prevValue);
    const to = changedRelease(change) ?? '?';
    return from ? `upgrade ${from} → ${to}` : `upgrade to ${to}`;
  }
  if (change.kind === 'flag_change' && key !== null) {
    if (change.newValue === true) return `${key} turned on`;
    if (change.newValue === false) return `${key} turned off`;
    return `${key} set to ${valueText(change.newValue)}`;
  }
  if (change.kind === 'config_change' && key !== null) return `${key} changed to ${valueText(change.newValue)}`;
  return change.summary;
}

/** "sso", "billing_sync" → word stems ("sso"; "billing", "sync"), plural "s" dropped, so "exports" matches "export-worker". */
function stems(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => (part.length > 3 && part.endsWith('s') ? part.slice(0, -1) : part));
}

/**
 * Whether a change's flag/config key or deployed component names the feature:
 * the key's first segment (`sso` of `sso.enforce`, `exports` of `exports.schedule`)
 * or the component's first word (`export` of `export-worker`) equals the feature's
 * first word, plural "s" aside. A change *on* a feature is already scored as
 * "same feature"; this is the key itself saying it concerns it.
 */
export function touchesFeature(change: ChangeFacts, feature: string | null): boolean {
  if (feature === null || feature === '') return false;
  const named = changedKey(change) ?? (change.kind === 'deploy' ? text(change.properties?.['component']) : null);
  if (named === null) return false;
  const [first] = stems(named);
  const [featureFirst] = stems(feature);
  return first !== undefined && first === featureFirst;
}

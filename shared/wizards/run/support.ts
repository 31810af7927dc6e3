import type { Json } from '../../json';
import type { WizardDefinition } from '../format';
import { canonicalJson, sha256Hex } from '../hash';
import type { FieldIssue, PinnedWizard, RunErrorCode } from '../run-state';

/** A step entered more often than this ends the run: a loop the author did not bound. */
export const MAX_VISITS_PER_STEP = 20;
/** Upper bound on steps in one run, linked wizards included. */
export const MAX_STEPS_PER_RUN = 400;

/** Thrown inside a transition and turned into `{ ok: false }` by the engine; never escapes it. */
export class Refusal extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }
}

const definitionHashes = new WeakMap<WizardDefinition, string>();

/** The content hash a run pins: SHA-256 of the definition's canonical JSON (layout and comments do not count). */
export function definitionHash(definition: WizardDefinition): string {
  let hash = definitionHashes.get(definition);
  if (!hash) {
    hash = sha256Hex(canonicalJson(definition));
    definitionHashes.set(definition, hash);
  }
  return hash;
}

/** The pin of a definition: id, version and content hash. */
export function pinOf(definition: WizardDefinition): PinnedWizard {
  return { id: definition.id, version: definition.version, hash: definitionHash(definition) };
}

/** A deep copy that is guaranteed to be plain JSON (the state is persisted as JSON after every step). */
export function toPlainJson<T>(value: T): T {
  const copy: T = JSON.parse(JSON.stringify(value));
  return copy;
}

/** Whether a JSON value is an object (not null, not a list). */
export function isRecord(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

import type { ChangeFacts } from '../../shared/diagnosis/changes';
import { parseJson } from './queries';

/** The columns of an `events` row a change is read from (shared/diagnosis/changes.ts). */
export type StoredChangeColumns = {
  kind: string;
  summary: string;
  feature: string | null;
  prev_value: string | null;
  new_value: string | null;
  links: string;
  properties: string;
};

/** A stored JSON object column; anything else (not JSON, an array, a scalar) reads as an empty object. */
export function storedRecord(text: string): Record<string, unknown> {
  const value = parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A cached event row as the change rules read it, parsed the same way wherever it is read (queries, migrations). */
export function storedChangeFacts(raw: StoredChangeColumns): ChangeFacts {
  return {
    kind: raw.kind,
    summary: raw.summary,
    feature: raw.feature,
    prevValue: parseJson(raw.prev_value),
    newValue: parseJson(raw.new_value),
    links: storedRecord(raw.links),
    properties: storedRecord(raw.properties),
  };
}

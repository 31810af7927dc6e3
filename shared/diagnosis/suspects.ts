import { formatDuration } from '../durations';
import { changeKey, describeChange, touchesFeature, type ChangeFacts } from './changes';

/**
 * Suspect changes: the changes on a customer before a signal (alert, error
 * spike, incident, ticket, an unhealthy feature), ranked by a documented score
 * and explained in words. Pure: the desk reads the candidates and the fleet
 * evidence from its cache (electron/db/diagnosis.ts) and calls this.
 *
 * The score is a sum of five parts, 0–100 in all (`SUSPECT_WEIGHTS`):
 *
 * | part      | points | when |
 * |-----------|--------|------|
 * | proximity | ≤ 30   | 30 × ½^(gap / 2 h): 29.3 at 4 min, 15 at 2 h, 3.8 at 6 h, ~0 after a day |
 * | feature   | 25     | the change is on the signal's feature |
 * | key       | 20     | its flag/config key or deployed component names the feature (`sso.enforce` for `sso`) |
 * | upgrade   | 10     | it brought a new version (an upgrade, or the deploy of a release) |
 * | fleet     | ≤ 15   | 7.5 per other customer where the same change (shared/diagnosis/changes.ts `changeKey`) preceded the same signature, 2 or more give 15 |
 *
 * The key counts more than an hour or two of distance: a config key on the
 * failing feature two hours before beats an unrelated deploy ten minutes before.
 * Changes after the signal's start are never suspects (a cause comes first).
 * Ties go to the nearer change. The documented cases are in
 * test/shared/diagnosis/suspects.test.ts.
 */

export const SUSPECT_WEIGHTS = { proximity: 30, feature: 25, key: 20, upgrade: 10, fleet: 15 } as const;
/** The gap after which a change's proximity points have halved. */
export const PROXIMITY_HALF_LIFE_MS = 2 * 3_600_000;
/** Points per other customer where the same change preceded the same signal (capped at `SUSPECT_WEIGHTS.fleet`). */
export const FLEET_POINTS_PER_CUSTOMER = 7.5;

/** What went wrong: the first occurrence of a signal on the customer. */
export type SignalFacts = {
  kind: string;
  /** When it started (the first event of the signal in the window). */
  occurredAt: string;
  feature: string | null;
  summary: string;
  signature: string | null;
};

/** A change on the customer, as read from the cache. */
export type CandidateChange = ChangeFacts & { id: string; occurredAt: string; actor: string | null };

export type SuspectParts = { proximity: number; feature: number; key: number; upgrade: number; fleet: number };

export type RankedSuspect = {
  eventId: string;
  kind: string;
  occurredAt: string;
  summary: string;
  feature: string | null;
  actor: string | null;
  changeKey: string;
  /** 0–100, rounded to one decimal. */
  score: number;
  parts: SuspectParts;
  gapMs: number;
  /** Other customers where the same change preceded the same signature. */
  otherCustomers: number;
  /** Each part that scored, in words, strongest reason first. */
  reasons: string[];
  /** The reasons as one sentence. */
  reason: string;
};

/** "alert", "error spike", … — how a reason names the signal. */
export function signalNoun(kind: string): string {
  switch (kind) {
    case 'alert':
      return 'alert';
    case 'error_spike':
    case 'error':
    case 'exception':
      return 'error spike';
    case 'incident':
      return 'incident';
    case 'ticket':
      return 'ticket';
    case 'usage_drop':
      return 'usage drop';
    case 'feature_health':
      return 'health problem';
    default:
      return 'signal';
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Ranks the candidate changes as causes of the signal. `fleetEcho` maps a
 * `changeKey` to the number of *other* customers where that change preceded the
 * same signature (0 or absent when unknown, e.g. a signal without signature).
 */
export function rankSuspects(
  signal: SignalFacts,
  candidates: readonly CandidateChange[],
  fleetEcho: ReadonlyMap<string, number> = new Map(),
): RankedSuspect[] {
  const start = Date.parse(signal.occurredAt);
  const noun = signalNoun(signal.kind);
  const ranked: RankedSuspect[] = [];
  for (const change of candidates) {
    const gapMs = start - Date.parse(change.occurredAt);
    if (!(gapMs >= 0)) continue;
    const key = changeKey(change);
    const others = fleetEcho.get(key) ?? 0;
    const isSameFeature = signal.feature !== null && change.feature === signal.feature;
    const isKeyOnFeature = touchesFeature(change, signal.feature);
    const isUpgrade = key.startsWith('release:');
    const parts: SuspectParts = {
      proximity: round(SUSPECT_WEIGHTS.proximity * 0.5 ** (gapMs / PROXIMITY_HALF_LIFE_MS)),
      feature: isSameFeature ? SUSPECT_WEIGHTS.feature : 0,
      key: isKeyOnFeature ? SUSPECT_WEIGHTS.key : 0,
      upgrade: isUpgrade ? SUSPECT_WEIGHTS.upgrade : 0,
      fleet: Math.min(SUSPECT_WEIGHTS.fleet, others * FLEET_POINTS_PER_CUSTOMER),
    };
    const what = describeChange(change);
    const reasons = [`${what} ${formatDuration(gapMs)} before the first ${noun}`];
    if (isSameFeature) reasons.push(`on the same feature (${signal.feature})`);
    if (isKeyOnFeature && !isSameFeature) reasons.push(`it changes ${signal.feature ?? 'the feature'}`);
    if (isUpgrade) reasons.push('it brought a new version');
    if (others > 0)
      reasons.push(`the same change preceded the same ${noun} on ${plural(others, 'other customer', 'other customers')}`);
    const score = round(parts.proximity + parts.feature + parts.key + parts.upgrade + parts.fleet);
    ranked.push({
      eventId: change.id,
      kind: change.kind,
      occurredAt: change.occurredAt,
      summary: change.summary,
      feature: change.feature,
      actor: change.actor,
      changeKey: key,
      score,
      parts,
      gapMs,
      otherCustomers: others,
      reasons,
      reason: reasons.join('; '),
    });
  }
  return ranked.sort((a, b) => b.score - a.score || a.gapMs - b.gapMs || (a.eventId < b.eventId ? -1 : 1));
}

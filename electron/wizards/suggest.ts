import type Database from 'better-sqlite3';
import { CHANGE_KINDS } from '../../shared/domain';
import { DeskError } from '../../shared/ipc/result';
import type { LibraryEntry } from './library';

/**
 * Which wizards to suggest first: a wizard's `appliesTo` (features, event
 * kinds, symptoms) against what the cache knows about a customer or an event.
 * Each match adds to a score and to the reason shown to the operator, so the
 * strongest evidence (an open alert on the wizard's feature) outranks weak
 * evidence (a recent change on it).
 */

type Item = { kind: string; feature: string | null; summary: string };

/** What the cache says about the thing the operator looks at. */
export type SuggestionContext =
  | {
      scope: 'customer';
      /** Features whose health is degraded or down. */
      unhealthyFeatures: { feature: string; health: string }[];
      openItems: Item[];
      /** Changes in the last week, newest first. */
      recentChanges: Item[];
    }
  | { scope: 'event'; event: Item };

/** A wizard with its score and reasons for one context. */
export type Suggestion = { entry: LibraryEntry; score: number; reasons: string[]; isSuggested: boolean };

/** How far back a change counts as recent evidence. */
export const RECENT_CHANGE_WINDOW_MS = 7 * 24 * 3_600_000;

/** The lowest score that makes a wizard a suggestion: one unhealthy feature, one open item on its feature, or a symptom match. */
const SUGGESTION_THRESHOLD = 2;

function quote(text: string): string {
  return `“${text.length > 80 ? `${text.slice(0, 77)}…` : text}”`;
}

function symptomIn(entry: LibraryEntry, text: string): string | null {
  const lower = text.toLowerCase();
  return entry.appliesTo.symptoms.find((symptom) => lower.includes(symptom.toLowerCase())) ?? null;
}

/** Loads the customer context from the cache; throws not_found for an unknown customer. */
export function customerContext(db: Database.Database, customerId: string, now: number): SuggestionContext {
  const exists = db.prepare('select 1 from customers where id = ?').pluck().get(customerId);
  if (!exists) throw new DeskError('not_found', `Customer "${customerId}" is not in the local cache. Sync, then try again.`);
  const unhealthyFeatures = db
    .prepare<[string], { feature: string; health: string }>(
      "select feature, health from customer_features where customer_id = ? and health in ('degraded', 'down') order by feature",
    )
    .all(customerId);
  // Incidents and alerts first: they are the strongest evidence and lead the reason.
  const openItems = db
    .prepare<[string], Item>(
      `select kind, feature, summary from threads where customer_id = ? and status = 'open'
       order by case kind when 'incident' then 0 when 'alert' then 1 else 2 end, opened_at desc limit 200`,
    )
    .all(customerId);
  const recentChanges = db
    .prepare<[string, string, string], Item>(
      `select kind, feature, summary from events where customer_id = ? and occurred_at >= ?
       and kind in (select value from json_each(?)) order by occurred_at desc limit 200`,
    )
    .all(customerId, new Date(now - RECENT_CHANGE_WINDOW_MS).toISOString(), JSON.stringify(CHANGE_KINDS));
  return { scope: 'customer', unhealthyFeatures, openItems, recentChanges };
}

/** Loads an event's context from the cache; throws not_found for an unknown event. */
export function eventContext(db: Database.Database, eventId: string): SuggestionContext {
  const event = db.prepare<[string], Item>('select kind, feature, summary from events where id = ?').get(eventId);
  if (!event)
    throw new DeskError('not_found', `Event ${eventId} is not in the local cache; it may belong to a customer not synced yet.`);
  return { scope: 'event', event };
}

function scoreForCustomer(
  entry: LibraryEntry,
  context: Extract<SuggestionContext, { scope: 'customer' }>,
): { score: number; reasons: string[] } {
  const { features, eventKinds } = entry.appliesTo;
  let score = 0;
  const reasons: string[] = [];
  for (const unhealthy of context.unhealthyFeatures) {
    if (!features.includes(unhealthy.feature)) continue;
    score += 3;
    reasons.push(`feature ${unhealthy.feature} is ${unhealthy.health}`);
  }
  for (const item of context.openItems) {
    const isFeature = item.feature !== null && features.includes(item.feature);
    const symptom = symptomIn(entry, item.summary);
    if (isFeature) {
      score += eventKinds.includes(item.kind) ? 4 : 2;
      reasons.push(`open ${item.kind} on ${item.feature}: ${quote(item.summary)}`);
    } else if (symptom) {
      score += 2;
      reasons.push(`open ${item.kind} ${quote(item.summary)} mentions “${symptom}”`);
    }
  }
  // Changes corroborate; they never make a suggestion on their own beyond two points.
  let changePoints = 0;
  const hasUnhealthyFeature = context.unhealthyFeatures.length > 0;
  for (const change of context.recentChanges) {
    if (changePoints >= 2) break;
    if (change.feature !== null && features.includes(change.feature)) {
      changePoints += 1;
      reasons.push(`recent ${change.kind} on ${change.feature}: ${quote(change.summary)}`);
    } else if (features.length === 0 && eventKinds.includes(change.kind) && hasUnhealthyFeature) {
      // A wizard for any feature (e.g. "degraded after an upgrade") is corroborated by its kind of change.
      changePoints += 1;
      reasons.push(`degraded after a recent ${change.kind}: ${quote(change.summary)}`);
    }
  }
  return { score: score + changePoints, reasons };
}

function scoreForEvent(entry: LibraryEntry, event: Item): { score: number; reasons: string[]; isRelevant: boolean } {
  const { features, eventKinds } = entry.appliesTo;
  let score = 0;
  const reasons: string[] = [];
  const isFeature = event.feature !== null && features.includes(event.feature);
  const symptom = symptomIn(entry, event.summary);
  if (isFeature) {
    score += 4;
    reasons.push(`the ${event.kind} is about ${event.feature}`);
  }
  if (symptom) {
    score += 2;
    reasons.push(`the ${event.kind} mentions “${symptom}”`);
  }
  if (eventKinds.includes(event.kind)) {
    score += 1;
    reasons.push(`answers ${event.kind} events`);
  }
  return { score, reasons, isRelevant: isFeature || symptom !== null };
}

/** Scores every wizard for the context; suggested ones first, strongest match first, then by title. */
export function rankWizards(entries: readonly LibraryEntry[], context: SuggestionContext | null): Suggestion[] {
  const ranked = entries.map((entry): Suggestion => {
    if (!context) return { entry, score: 0, reasons: [], isSuggested: false };
    if (context.scope === 'event') {
      const scored = scoreForEvent(entry, context.event);
      return {
        entry,
        score: scored.score,
        reasons: scored.reasons,
        isSuggested: scored.isRelevant && scored.score >= SUGGESTION_THRESHOLD,
      };
    }
    const scored = scoreForCustomer(entry, context);
    return { entry, score: scored.score, reasons: scored.reasons, isSuggested: scored.score >= SUGGESTION_THRESHOLD };
  });
  return ranked.sort(
    (a, b) =>
      Number(b.isSuggested) - Number(a.isSuggested) ||
      (a.isSuggested ? b.score - a.score : 0) ||
      a.entry.title.localeCompare(b.entry.title),
  );
}

/** The reason in words, at most a few pieces of evidence. */
export function describeReasons(reasons: readonly string[]): string | null {
  if (reasons.length === 0) return null;
  const shown = reasons.slice(0, 3).join('; ');
  return reasons.length > 3 ? `${shown}; and ${reasons.length - 3} more` : shown;
}

import type Database from 'better-sqlite3';
import { CHANGE_KINDS } from '../../shared/domain';
import { DeskError } from '../../shared/ipc/result';
import { RunStateSchema } from '../../shared/wizards/run-state';
import { summarizeRun } from '../../shared/wizards/engine';
import type { LibraryEntry } from './library';

/**
 * Which wizards to suggest first: a wizard's `appliesTo` (features, event
 * kinds, symptoms) against what the cache knows about a customer or an event.
 * Each match adds to a score and to the reason shown to the operator, so the
 * strongest evidence (an open alert on the wizard's feature) outranks weak
 * evidence (a recent change on it).
 */

/** A piece of evidence; `at` is when it last said something (an open item's newest event, a change's time). */
type Item = { kind: string; feature: string | null; summary: string; at: string };

/**
 * The newest finished run of a wizard on a customer that fixed something
 * (outcome remediated or workaround): from this desk's own runs, or recorded on
 * the customer's timeline by any desk.
 */
export type ResolvingRun = {
  wizardId: string;
  runId: string;
  outcome: string;
  finishedAt: string;
  /** Who ran it, when the timeline says (a run of this desk not synced yet does not). */
  actor: string | null;
  /** The run is in this desk's own runs (the runner can open it). */
  isLocal: boolean;
};

/** What the cache says about the thing the operator looks at. */
export type SuggestionContext =
  | {
      scope: 'customer';
      /** Features whose health is degraded or down. */
      unhealthyFeatures: { feature: string; health: string }[];
      openItems: Item[];
      /** Changes in the last week, newest first. */
      recentChanges: Item[];
      /** By wizard id. */
      resolvedBy: ReadonlyMap<string, ResolvingRun>;
    }
  | {
      scope: 'event';
      event: Item;
      /** The event's alert, incident or ticket is resolved now (its thread's newest event says so). */
      isResolved: boolean;
      resolvedBy: ReadonlyMap<string, ResolvingRun>;
    };

/** A wizard with its score and reasons for one context. */
export type Suggestion = {
  entry: LibraryEntry;
  score: number;
  reasons: string[];
  isSuggested: boolean;
  /** The run that fixed what this wizard is for, when the evidence since then does not call for it again. */
  resolvedBy: ResolvingRun | null;
};

/** Run outcomes that mean the customer was fixed (the record step's outcome). */
const RESOLVING_OUTCOMES: ReadonlySet<string> = new Set(['remediated', 'workaround']);

/**
 * The newest resolving run of each wizard on the customer. The timeline's
 * wizard_run events carry runs of every desk; this desk's finished runs count
 * at once, before their record has made the round trip through the server.
 */
export function resolvingRuns(db: Database.Database, customerId: string): Map<string, ResolvingRun> {
  const found = new Map<string, ResolvingRun>();
  const keep = (run: ResolvingRun) => {
    const known = found.get(run.wizardId);
    if (!RESOLVING_OUTCOMES.has(run.outcome)) return;
    if (!known || known.finishedAt < run.finishedAt) found.set(run.wizardId, run);
    else if (known.runId === run.runId) found.set(run.wizardId, { ...known, actor: known.actor ?? run.actor, isLocal: true });
  };
  const recorded = db
    .prepare<
      [string],
      { runId: string | null; wizardId: string | null; outcome: string | null; at: string; actor: string | null }
    >(
      `select json_extract(properties, '$.runId') as runId, json_extract(properties, '$.wizardId') as wizardId,
         json_extract(properties, '$.outcome') as outcome, occurred_at as at, actor
       from events where customer_id = ? and kind = 'wizard_run' order by occurred_at desc limit 200`,
    )
    .all(customerId);
  for (const row of recorded) {
    if (typeof row.runId !== 'string' || typeof row.wizardId !== 'string' || typeof row.outcome !== 'string') continue;
    keep({
      wizardId: row.wizardId,
      runId: row.runId,
      outcome: row.outcome,
      finishedAt: row.at,
      actor: row.actor,
      isLocal: false,
    });
  }
  const local = db
    .prepare<[string], { id: string; wizard_id: string; state: string; finished_at: string | null; updated_at: string }>(
      `select id, wizard_id, state, finished_at, updated_at from wizard_runs
       where customer_id = ? and status = 'finished' and practice = 0 order by updated_at desc limit 50`,
    )
    .all(customerId);
  for (const row of local) {
    const state = RunStateSchema.safeParse(JSON.parse(row.state));
    if (!state.success) continue;
    const summary = summarizeRun(state.data);
    keep({
      wizardId: row.wizard_id,
      runId: row.id,
      outcome: summary.outcome ?? 'aborted',
      finishedAt: summary.finishedAt ?? row.finished_at ?? row.updated_at,
      actor: null,
      isLocal: true,
    });
  }
  return found;
}

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
      `select kind, feature, summary, last_at as at from threads where customer_id = ? and status = 'open'
       order by case kind when 'incident' then 0 when 'alert' then 1 else 2 end, opened_at desc limit 200`,
    )
    .all(customerId);
  const recentChanges = db
    .prepare<[string, string, string], Item>(
      `select kind, feature, summary, occurred_at as at from events where customer_id = ? and occurred_at >= ?
       and kind in (select value from json_each(?)) order by occurred_at desc limit 200`,
    )
    .all(customerId, new Date(now - RECENT_CHANGE_WINDOW_MS).toISOString(), JSON.stringify(CHANGE_KINDS));
  return { scope: 'customer', unhealthyFeatures, openItems, recentChanges, resolvedBy: resolvingRuns(db, customerId) };
}

/** Loads an event's context from the cache; throws not_found for an unknown event. */
export function eventContext(db: Database.Database, eventId: string): SuggestionContext {
  const event = db
    .prepare<[string], Item & { customerId: string; thread: string | null }>(
      `select kind, feature, summary, occurred_at as at, customer_id as customerId,
         json_extract(properties, '$.thread') as thread from events where id = ?`,
    )
    .get(eventId);
  if (!event)
    throw new DeskError('not_found', `Event ${eventId} is not in the local cache; it may belong to a customer not synced yet.`);
  const threadStatus =
    typeof event.thread === 'string'
      ? db
          .prepare<[string, string, string], string>(
            'select status from threads where customer_id = ? and kind = ? and thread = ?',
          )
          .pluck()
          .get(event.customerId, event.kind, event.thread)
      : undefined;
  return {
    scope: 'event',
    event: { kind: event.kind, feature: event.feature, summary: event.summary, at: event.at },
    isResolved: threadStatus === 'resolved',
    resolvedBy: resolvingRuns(db, event.customerId),
  };
}

function scoreForCustomer(
  entry: LibraryEntry,
  context: Extract<SuggestionContext, { scope: 'customer' }>,
): { score: number; reasons: string[] } {
  const { features, eventKinds } = entry.appliesTo;
  let score = 0;
  const reasons: string[] = [];
  // After a run of this wizard fixed the customer, only what happened since counts; the feature's health is now.
  const since = context.resolvedBy.get(entry.id)?.finishedAt ?? '';
  for (const unhealthy of context.unhealthyFeatures) {
    if (!features.includes(unhealthy.feature)) continue;
    score += 3;
    reasons.push(`feature ${unhealthy.feature} is ${unhealthy.health}`);
  }
  for (const item of context.openItems) {
    if (item.at <= since) continue;
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
    if (change.at <= since) continue;
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

/**
 * Scores every wizard for the context; suggested ones first, strongest match first, then by title.
 * Suggestions follow the live state (#15): an event whose alert, incident or ticket is resolved,
 * or that a run of the wizard fixed after it happened, suggests nothing; on a customer, a fixed
 * wizard comes back only on evidence newer than its run (or a feature unhealthy now).
 */
export function rankWizards(entries: readonly LibraryEntry[], context: SuggestionContext | null): Suggestion[] {
  const ranked = entries.map((entry): Suggestion => {
    if (!context) return { entry, score: 0, reasons: [], isSuggested: false, resolvedBy: null };
    const resolving = context.resolvedBy.get(entry.id) ?? null;
    if (context.scope === 'event') {
      const scored = scoreForEvent(entry, context.event);
      const isFixedSince = resolving !== null && resolving.finishedAt >= context.event.at;
      return {
        entry,
        score: scored.score,
        reasons: scored.reasons,
        isSuggested: scored.isRelevant && scored.score >= SUGGESTION_THRESHOLD && !context.isResolved && !isFixedSince,
        resolvedBy: isFixedSince ? resolving : null,
      };
    }
    const scored = scoreForCustomer(entry, context);
    const isSuggested = scored.score >= SUGGESTION_THRESHOLD;
    return {
      entry,
      score: scored.score,
      reasons:
        isSuggested && resolving ? [...scored.reasons, `it is back after run ${resolving.runId} fixed it`] : scored.reasons,
      isSuggested,
      resolvedBy: isSuggested ? null : resolving,
    };
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

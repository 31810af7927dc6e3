import crypto from 'node:crypto';
import type { EventInput } from '../../shared/domain';
import { StrictEventInputSchema } from '../api/validation';
import { deleteUnmatched, insertUnmatched, listUnmatched, lookupCustomerRefs, type UnmatchedRow } from '../repo/ingest';
import { insertEvents } from '../repo/writes';
import type { Queryable, Storage } from '../storage/types';
import type { SourceConfig } from './config';
import { invalidItem, type EventDraft, type IngestItem } from './types';

/*
 * The one path every source kind's items take: validate → resolve customers
 * (source aliases, aliases for every source, ids, the source's rules) → keep
 * items that match no customer as unmatched, with the reason → store the rest
 * with their signatures (repo/writes.ts insertEvents), all in one transaction.
 * An invalid item refuses the whole request before anything is written; an
 * unmatched one never refuses the others.
 */

export type ItemResult = {
  /** The item's place in the request (`alerts[1]`). */
  item: string;
  status: 'stored' | 'duplicate' | 'unmatched';
  /** Customers it was stored for. */
  customers: string[];
  /** Stored event ids, one per customer. */
  ids: string[];
  /** Why it matched no customer (status unmatched). */
  reason?: string;
};

export type IngestOutcome = {
  accepted: number;
  duplicates: number;
  unmatched: number;
  items: ItemResult[];
};

export type PipelineDeps = {
  storage: Storage;
  newId: (time: number) => string;
};

/** Idempotency keys become `source.externalId` (≤ 256 characters): long ones are hashed. */
export function externalIdFor(key: string): string {
  return key.length <= 256 ? key : `sha256:${crypto.createHash('sha256').update(key).digest('hex')}`;
}

function applyRule(ref: string, rule: { match: string; customer: string }): string | null {
  const pattern = new RegExp(rule.match, 'u');
  return pattern.test(ref) ? ref.replace(pattern, rule.customer) : null;
}

type Resolution = { customers: string[]; unresolved: string[] };

/** What each item's references name, by alias (config, then stored), id, or rule. */
async function resolveRefs(
  db: Queryable,
  source: { id: string; config: SourceConfig },
  refs: readonly string[],
): Promise<(ref: string) => string | null> {
  const { aliases, rules } = source.config;
  const candidates = new Set<string>();
  for (const ref of refs) {
    candidates.add(ref);
    for (const rule of rules) {
      const rewritten = applyRule(ref, rule);
      if (rewritten !== null) candidates.add(rewritten);
    }
  }
  const found = await lookupCustomerRefs(db, source.id, [...candidates]);
  return (ref) => {
    const configured = aliases[ref];
    if (configured !== undefined) return configured;
    const direct = found.get(ref);
    if (direct !== undefined) return direct;
    for (const rule of rules) {
      const rewritten = applyRule(ref, rule);
      const byRule = rewritten === null ? undefined : found.get(rewritten);
      if (byRule !== undefined) return byRule;
    }
    return null;
  };
}

function resolveItem(item: { customerRefs: readonly string[] }, resolve: (ref: string) => string | null): Resolution {
  const customers = new Set<string>();
  const unresolved: string[] = [];
  for (const ref of item.customerRefs) {
    const customer = resolve(ref);
    if (customer === null) unresolved.push(ref);
    else customers.add(customer);
  }
  return { customers: [...customers], unresolved };
}

function unmatchedReason(refs: readonly string[], sourceId: string): string {
  if (refs.length === 0) return 'the payload names no customer (see the source’s customer mapping in docs/ingest.md)';
  const named = refs
    .slice(0, 5)
    .map((ref) => `"${ref}"`)
    .join(', ');
  return `no customer is known as ${named}; add an alias (PUT /v1/aliases, source ${sourceId}) or a rule, then remap`;
}

/** The stored event for one item and customer; a bad draft refuses the request, naming the item and field. */
function toEvent(draft: EventDraft, customerId: string, system: string, externalId: string, itemPath: string): EventInput {
  const parsed = StrictEventInputSchema.safeParse({ ...draft, customerId, source: { system, externalId } });
  if (!parsed.success) throw invalidItem('invalid_item', itemPath, parsed.error, ' (in the event it makes)');
  return parsed.data;
}

type Planned = {
  events: EventInput[];
  unmatched: UnmatchedRow[];
  /** Per item: the events (by index into `events`) and unmatched rows it made. */
  plan: { item: string; customers: string[]; events: number[]; unmatched: number; reason?: string }[];
};

function planItems(
  items: readonly IngestItem[],
  resolve: (ref: string) => string | null,
  source: { id: string },
  receivedAt: string,
  newId: (time: number) => string,
  now: number,
): Planned {
  const planned: Planned = { events: [], unmatched: [], plan: [] };
  for (const item of items) {
    const { customers, unresolved } = resolveItem(item, resolve);
    const fansOut = item.customerRefs.length > 1;
    const entry: Planned['plan'][number] = { item: item.path, customers, events: [], unmatched: 0 };
    for (const customerId of customers) {
      const externalId = externalIdFor(fansOut ? `${item.key}@${customerId}` : item.key);
      entry.events.push(planned.events.length);
      planned.events.push(toEvent(item.event, customerId, source.id, externalId, item.path));
    }
    const missing = customers.length === 0 && unresolved.length === 0 ? [null] : unresolved;
    for (const ref of missing) {
      const key = ref !== null && fansOut ? `${item.key}@${ref}` : item.key;
      planned.unmatched.push({
        id: newId(now),
        sourceId: source.id,
        idempotencyKey: externalIdFor(key),
        customerRefs: ref === null ? [] : [ref],
        reason: unmatchedReason(ref === null ? [] : [ref], source.id),
        event: item.event as Record<string, unknown>,
        receivedAt,
      });
      entry.unmatched += 1;
      entry.reason = unmatchedReason(ref === null ? item.customerRefs : unresolved, source.id);
    }
    planned.plan.push(entry);
  }
  return planned;
}

/** Stores one request's items for a source (see the top of this file). */
export async function ingestItems(
  deps: PipelineDeps,
  source: { id: string; config: SourceConfig },
  items: readonly IngestItem[],
  now: number,
): Promise<IngestOutcome> {
  const receivedAt = new Date(now).toISOString();
  return deps.storage.transaction(async (db) => {
    const resolve = await resolveRefs(
      db,
      source,
      items.flatMap((item) => item.customerRefs),
    );
    const planned = planItems(items, resolve, source, receivedAt, deps.newId, now);
    const stored =
      planned.events.length > 0
        ? await insertEvents(db, planned.events, { now, newId: deps.newId })
        : { accepted: 0, duplicates: 0, ids: [], fresh: [] };
    await insertUnmatched(db, planned.unmatched);
    const results: ItemResult[] = planned.plan.map((entry) => {
      const ids = entry.events.map((index) => stored.ids[index] ?? '');
      if (entry.unmatched > 0 && ids.length === 0)
        return { item: entry.item, status: 'unmatched', customers: [], ids: [], reason: entry.reason };
      const isNew = entry.events.some((index) => stored.fresh[index] === true);
      return {
        item: entry.item,
        status: isNew ? 'stored' : 'duplicate',
        customers: entry.customers,
        ids,
        ...(entry.unmatched > 0 ? { reason: entry.reason } : {}),
      };
    });
    return {
      accepted: stored.accepted,
      duplicates: stored.duplicates,
      unmatched: planned.unmatched.length,
      items: results,
    };
  });
}

/**
 * Tries the source's unmatched items again (after an alias or rule was added):
 * those that now match are stored and leave the queue. Returns the counts.
 */
export async function remapUnmatched(
  deps: PipelineDeps,
  source: { id: string; config: SourceConfig },
  now: number,
): Promise<{ remapped: number; stillUnmatched: number }> {
  return deps.storage.transaction(async (db) => {
    const rows = await listUnmatched(db, { sourceId: source.id, limit: 10_000 });
    const resolve = await resolveRefs(
      db,
      source,
      rows.flatMap((row) => row.customerRefs),
    );
    const events: EventInput[] = [];
    const done: string[] = [];
    for (const row of rows) {
      const customerId = row.customerRefs.length === 1 ? resolve(row.customerRefs[0] ?? '') : null;
      if (customerId === null) continue;
      events.push(toEvent(row.event as EventDraft, customerId, source.id, row.idempotencyKey, `unmatched ${row.id}`));
      done.push(row.id);
    }
    if (events.length > 0) await insertEvents(db, events, { now, newId: deps.newId });
    await deleteUnmatched(db, done);
    return { remapped: done.length, stillUnmatched: rows.length - done.length };
  });
}

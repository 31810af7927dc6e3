import type Database from 'better-sqlite3';
import { CHANGE_KINDS, type Health, type Severity } from '../../shared/domain';
import type { Json } from '../../shared/json';
import { CACHE_QUERIES, querySpec } from '../../shared/wizards/catalog';
import { durationToMs } from '../../shared/wizards/format';

/**
 * The catalog's cache queries (`source: cache` checks), answered from the desk
 * cache so they work offline. Every answer is parsed with the catalog's result
 * schema before it leaves this module: a wizard author reads exactly the fields
 * the catalog documents.
 */

/** A query that cannot be answered (unknown name, bad parameters, customer not cached); the message says why. */
export class CacheQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheQueryError';
  }
}

/** Lists in results are capped; `count` always says how many matched. */
export const MAX_QUERY_ITEMS = 50;

type EventRow = {
  id: string;
  kind: string;
  severity: Severity;
  occurred_at: string;
  feature: string | null;
  actor: string | null;
  summary: string;
  prev_value: string | null;
  new_value: string | null;
  links: string;
  properties: string;
};

function parseJson(text: string | null): Json {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return null;
  }
}

function changeItem(row: EventRow): Record<string, Json> {
  const properties = parseJson(row.properties);
  const key =
    properties !== null && typeof properties === 'object' && !Array.isArray(properties) && typeof properties.key === 'string'
      ? properties.key
      : null;
  return {
    id: row.id,
    kind: row.kind,
    occurredAt: row.occurred_at,
    feature: row.feature,
    key,
    actor: row.actor,
    summary: row.summary,
    prevValue: parseJson(row.prev_value),
    newValue: parseJson(row.new_value),
  };
}

function eventItem(
  row: Pick<EventRow, 'id' | 'kind' | 'severity' | 'occurred_at' | 'feature' | 'summary'>,
): Record<string, Json> {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity,
    occurredAt: row.occurred_at,
    feature: row.feature,
    summary: row.summary,
  };
}

/** Prepared statements for the catalog's cache queries over one cache connection. */
export function createCacheQueries(db: Database.Database) {
  const eventColumns = 'id, kind, severity, occurred_at, feature, actor, summary, prev_value, new_value, links, properties';
  const windowWhere = `customer_id = @customerId and occurred_at >= @from
    and (@kinds is null or kind in (select value from json_each(@kinds)))
    and (@feature is null or feature = @feature)`;
  const windowRows = db.prepare<
    { customerId: string; from: string; kinds: string | null; feature: string | null; limit: number },
    EventRow
  >(`select ${eventColumns} from events where ${windowWhere} order by occurred_at desc, id desc limit @limit`);
  const windowCount = db
    .prepare<{ customerId: string; from: string; kinds: string | null; feature: string | null }, number>(
      `select count(*) from events where ${windowWhere}`,
    )
    .pluck();
  // Only events that change the product version count: an infrastructure deploy (a component build,
  // no release, no new value) is not an upgrade, and the live fleet emits them every few minutes (#15).
  const latestDeploy = db.prepare<[string], EventRow>(
    `select ${eventColumns} from events where customer_id = ?
       and (kind = 'version_upgrade' or (kind = 'deploy' and (new_value is not null or json_extract(links, '$.release') is not null)))
     order by occurred_at desc, kind = 'version_upgrade' desc, id desc limit 1`,
  );
  const openItemWhere =
    "customer_id = @customerId and status = 'open' and (@kind is null or kind = @kind) and (@feature is null or feature = @feature)";
  const openItems = db.prepare<
    { customerId: string; kind: string | null; feature: string | null; limit: number },
    { event_id: string; kind: string; severity: Severity; opened_at: string; feature: string | null; summary: string }
  >(
    `select event_id, kind, severity, opened_at, feature, summary from threads where ${openItemWhere} order by opened_at desc, thread limit @limit`,
  );
  const openItemCount = db
    .prepare<{ customerId: string; kind: string | null; feature: string | null }, number>(
      `select count(*) from threads where ${openItemWhere}`,
    )
    .pluck();
  const customer = db.prepare<
    [string],
    { id: string; name: string; plan: string; lifecycle: string; health: Health; version: string }
  >('select id, name, plan, lifecycle, health, version from customers where id = ?');
  const features = db.prepare<[string], { feature: string; entitled: number; enabled: number; health: Health }>(
    'select feature, entitled, enabled, health from customer_features where customer_id = ? order by feature',
  );

  function requireCustomer(customerId: string): void {
    if (!customer.get(customerId))
      throw new CacheQueryError(`customer "${customerId}" is not in the local cache; sync, then retry`);
  }

  const answer = {
    changes(
      customerId: string,
      params: { within: string; feature?: string; kinds?: string[] },
      now: number,
    ): Record<string, Json> {
      const filter = {
        customerId,
        from: new Date(now - durationToMs(params.within)).toISOString(),
        kinds: JSON.stringify(params.kinds ?? CHANGE_KINDS),
        feature: params.feature ?? null,
      };
      const items = windowRows.all({ ...filter, limit: MAX_QUERY_ITEMS }).map(changeItem);
      const flags = items.filter((item) => item.kind === 'flag_change');
      return { count: windowCount.get(filter) ?? 0, items, flags, latest: items[0] ?? null };
    },
    latestDeploy(customerId: string, now: number): Record<string, Json> {
      const row = latestDeploy.get(customerId);
      if (!row) return { found: false, version: null, previousVersion: null, occurredAt: null, ageMinutes: null };
      const links = parseJson(row.links);
      const release =
        links !== null && typeof links === 'object' && !Array.isArray(links) && typeof links.release === 'string'
          ? links.release
          : null;
      const newValue = parseJson(row.new_value);
      const prevValue = parseJson(row.prev_value);
      return {
        found: true,
        version: typeof newValue === 'string' ? newValue : release,
        previousVersion: typeof prevValue === 'string' ? prevValue : null,
        occurredAt: row.occurred_at,
        ageMinutes: Math.max(0, Math.floor((now - Date.parse(row.occurred_at)) / 60_000)),
      };
    },
    openItems(customerId: string, params: { kind?: string; feature?: string }): Record<string, Json> {
      const filter = { customerId, kind: params.kind ?? null, feature: params.feature ?? null };
      const items = openItems.all({ ...filter, limit: MAX_QUERY_ITEMS }).map((row) =>
        eventItem({
          id: row.event_id,
          kind: row.kind,
          severity: row.severity,
          occurred_at: row.opened_at,
          feature: row.feature,
          summary: row.summary,
        }),
      );
      return { count: openItemCount.get(filter) ?? 0, items };
    },
    events(
      customerId: string,
      params: { within: string; kinds?: string[]; feature?: string },
      now: number,
    ): Record<string, Json> {
      const filter = {
        customerId,
        from: new Date(now - durationToMs(params.within)).toISOString(),
        kinds: params.kinds ? JSON.stringify(params.kinds) : null,
        feature: params.feature ?? null,
      };
      const items = windowRows.all({ ...filter, limit: MAX_QUERY_ITEMS }).map(eventItem);
      return { count: windowCount.get(filter) ?? 0, items };
    },
    customer(customerId: string): Record<string, Json> {
      const row = customer.get(customerId);
      if (!row) throw new CacheQueryError(`customer "${customerId}" is not in the local cache; sync, then retry`);
      return {
        ...row,
        features: features.all(customerId).map((feature) => ({
          feature: feature.feature,
          entitled: feature.entitled === 1,
          enabled: feature.enabled === 1,
          health: feature.health,
        })),
      };
    },
  };

  return {
    /**
     * Runs one cache query for one customer at time `now` (ms). Throws
     * CacheQueryError for an unknown query, invalid parameters or a customer the
     * cache does not hold.
     */
    run(query: string, params: Record<string, Json>, customerId: string, now: number): Record<string, Json> {
      const spec = querySpec(query);
      if (!spec) throw new CacheQueryError(`unknown cache query "${query}"`);
      const checkedParams = <T>(schema: {
        safeParse(
          value: unknown,
        ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
      }): T => {
        const parsed = schema.safeParse(params);
        if (parsed.success) return parsed.data;
        const issue = parsed.error.issues[0];
        throw new CacheQueryError(
          `query "${query}": ${issue?.path.map(String).join('.') || 'params'} ${issue?.message ?? 'invalid'}`,
        );
      };
      let result: Record<string, Json>;
      switch (query) {
        case 'changes': {
          const given = checkedParams(CACHE_QUERIES.changes.params);
          requireCustomer(customerId);
          result = answer.changes(customerId, given, now);
          break;
        }
        case 'latestDeploy':
          checkedParams(CACHE_QUERIES.latestDeploy.params);
          requireCustomer(customerId);
          result = answer.latestDeploy(customerId, now);
          break;
        case 'openItems': {
          const given = checkedParams(CACHE_QUERIES.openItems.params);
          requireCustomer(customerId);
          result = answer.openItems(customerId, given);
          break;
        }
        case 'events': {
          const given = checkedParams(CACHE_QUERIES.events.params);
          requireCustomer(customerId);
          result = answer.events(customerId, given, now);
          break;
        }
        case 'customer':
          checkedParams(CACHE_QUERIES.customer.params);
          result = answer.customer(customerId);
          break;
        default:
          throw new CacheQueryError(`cache query "${query}" is in the catalog but this desk cannot answer it`);
      }
      // The catalog is the contract: an answer that does not fit it is a bug here, not the author's problem.
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new CacheQueryError(
          `query "${query}" produced an answer outside its catalog schema (${issue?.path.join('.')}: ${issue?.message})`,
        );
      }
      return result;
    },
  };
}

/** The cache query module type. */
export type CacheQueries = ReturnType<typeof createCacheQueries>;

import type Database from 'better-sqlite3';
import {
  isHoldingValue,
  isUpgradeSetting,
  lagReason,
  releaseVerdicts,
  stepState,
  type LagFacts,
} from '../../shared/diagnosis/releases';
import { changedKey } from '../../shared/diagnosis/changes';
import type { CustomerSetup, ReleaseHealth, ReleasesOutput } from '../../shared/ipc/diagnosis-views';
import { DeskError } from '../../shared/ipc/result';
import { signatureLabel } from '../../shared/signature';
import { compareVersions } from '../../shared/versions';
import { parseJson } from './queries';

/**
 * Release health and setup from the cache (issue 12): per version its customers
 * and how they fare, signatures new since the release, the suspect flag; who
 * lags behind the latest release and why; onboarding checklists and features
 * paid for but off. The rules are in shared/diagnosis/releases.ts.
 */

type CustomerRow = { id: string; name: string; version: string; lifecycle: string; health: string };
type EventRow = {
  id: string;
  occurred_at: string;
  kind: string;
  severity: string;
  summary: string;
  actor: string | null;
  prev_value: string | null;
  new_value: string | null;
  links: string;
  properties: string;
};

function record(text: string): Record<string, unknown> {
  const value = parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

export function createReleaseQueries(db: Database.Database, options: { now: () => number }) {
  const releaseRows = db.prepare<[], { version: string; released_at: string; notes: string | null }>(
    'select version, released_at, notes from releases',
  );
  const customerRows = db.prepare<[], CustomerRow>(
    "select id, name, version, lifecycle, health from customers where lifecycle <> 'churned' order by name, id",
  );
  const customerOne = db.prepare<[string], CustomerRow>(
    'select id, name, version, lifecycle, health from customers where id = ?',
  );
  const firstSeen = db.prepare<[string], { signature: string; first_at: string }>(
    'select signature, min(occurred_at) as first_at from events where signature is not null group by signature having first_at >= ?',
  );
  const signatureCustomers = db
    .prepare<[string, string], string>('select distinct customer_id from events where signature = ? and occurred_at >= ?')
    .pluck();
  const lagEvents = db.prepare<[string], EventRow>(
    `select id, occurred_at, kind, severity, summary, actor, prev_value, new_value, links, properties from events
     where customer_id = ? and kind in ('remediation', 'version_upgrade', 'config_change', 'flag_change')
     order by occurred_at desc limit 300`,
  );
  const provisioning = db.prepare<[string], EventRow & { step: string | null; at: string }>(
    `select id, occurred_at, kind, severity, summary, actor, prev_value, new_value, links, properties,
       json_extract(properties, '$.step') as step, max(occurred_at) as at
     from events where customer_id = ? and kind = 'provisioning_step' group by step order by at`,
  );
  // Newest first, bounded: the first row of each key is its value now (keys are read by changedKey, as the suspects do).
  const settingEvents = db.prepare<[string], EventRow>(
    `select id, occurred_at, kind, severity, summary, actor, prev_value, new_value, links, properties from events
     where customer_id = ? and kind in ('flag_change', 'config_change')
     order by occurred_at desc, id desc limit 2000`,
  );
  const entitledOff = db
    .prepare<[string], string>(
      'select feature from customer_features where customer_id = ? and entitled = 1 and enabled = 0 order by feature',
    )
    .pluck();

  function latest(): string | null {
    let best: string | null = null;
    for (const { version } of releaseRows.all()) if (best === null || compareVersions(version, best) > 0) best = version;
    return best;
  }

  function lagFacts(customer: CustomerRow): LagFacts {
    const facts: LagFacts = { lifecycle: customer.lifecycle, pin: null, failedUpgrade: null, blockingSetting: null };
    const settled = new Set<string>();
    let hasUpgraded = false;
    for (const row of lagEvents.all(customer.id)) {
      const properties = record(row.properties);
      if (row.kind === 'remediation' && properties['action'] === 'version.pin' && facts.pin === null && !settled.has('pin')) {
        settled.add('pin');
        const params =
          typeof properties['params'] === 'object' && properties['params'] !== null
            ? (properties['params'] as Record<string, unknown>)
            : {};
        const version = text(params['version']);
        if (version !== null && properties['status'] !== 'failed')
          facts.pin = { version, at: row.occurred_at, actor: row.actor, run: text(record(row.links)['run']) };
      } else if (row.kind === 'version_upgrade' && !hasUpgraded) {
        const isFailed = row.severity === 'error' || row.severity === 'critical' || properties['status'] === 'failed';
        if (isFailed && facts.failedUpgrade === null)
          facts.failedUpgrade = { version: text(parseJson(row.new_value)), at: row.occurred_at, summary: row.summary };
        if (!isFailed) hasUpgraded = true;
      } else if (row.kind === 'config_change' || row.kind === 'flag_change') {
        const key = changedKey({ kind: row.kind, summary: row.summary, feature: null, properties });
        if (key === null || !isUpgradeSetting(key) || settled.has(key)) continue;
        settled.add(key);
        const value = text(parseJson(row.new_value)) ?? 'null';
        if (facts.blockingSetting === null && isHoldingValue(value))
          facts.blockingSetting = { key, value, at: row.occurred_at, actor: row.actor };
      }
    }
    return facts;
  }

  function checklist(customerId: string, now: number): CustomerSetup['steps'] {
    return provisioning.all(customerId).flatMap((row) => {
      if (row.step === null) return [];
      const status = text(parseJson(row.new_value)) ?? text(record(row.properties)['status']) ?? 'pending';
      return [
        {
          step: row.step,
          status,
          at: row.at,
          summary: row.summary,
          eventId: row.id,
          state: stepState(row.step, status, row.at, now),
        },
      ];
    });
  }

  function settings(customerId: string): CustomerSetup['settings'] {
    const byKey = new Map<string, CustomerSetup['settings'][number]>();
    for (const row of settingEvents.all(customerId)) {
      const properties = record(row.properties);
      const key = changedKey({ kind: row.kind, summary: row.summary, feature: null, properties });
      const kind = row.kind === 'flag_change' ? 'flag' : 'config';
      if (key === null || byKey.has(`${kind}:${key}`)) continue;
      const value = parseJson(row.new_value);
      byKey.set(`${kind}:${key}`, {
        kind,
        key,
        value: value === null || value === undefined ? null : (text(value) ?? JSON.stringify(value)),
        at: row.occurred_at,
        actor: row.actor,
        eventId: row.id,
      });
    }
    return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind < b.kind ? -1 : 1)).slice(0, 100);
  }

  return {
    /** The customers whose onboarding has a stuck step (the fleet's "onboarding and stuck" filter). */
    stuckOnboarding(): Set<string> {
      const now = options.now();
      const stuck = new Set<string>();
      for (const customer of customerRows.all()) {
        if (customer.lifecycle !== 'onboarding') continue;
        if (checklist(customer.id, now).some((step) => step.state === 'stuck')) stuck.add(customer.id);
      }
      return stuck;
    },

    setup(customerId: string): CustomerSetup {
      const customer = customerOne.get(customerId);
      if (!customer)
        throw new DeskError('not_found', `Customer "${customerId}" is not in the local cache. Sync, then try again.`);
      const latestVersion = latest();
      const behind =
        latestVersion === null ? 0 : releaseRows.all().filter((row) => compareVersions(row.version, customer.version) > 0).length;
      return {
        steps: checklist(customerId, options.now()),
        entitledNotEnabled: entitledOff.all(customerId),
        lag: behind > 0 ? { behind, ...lagReason(lagFacts(customer)) } : null,
        latestVersion,
        settings: settings(customerId),
      };
    },

    health(): ReleasesOutput {
      const now = options.now();
      const releases = releaseRows.all().sort((a, b) => compareVersions(b.version, a.version));
      const customers = customerRows.all();
      const latestVersion = releases[0]?.version ?? null;
      const byVersion = new Map<string, CustomerRow[]>();
      for (const customer of customers) byVersion.set(customer.version, [...(byVersion.get(customer.version) ?? []), customer]);
      const versions = [...new Set([...releases.map((row) => row.version), ...byVersion.keys()])].sort((a, b) =>
        compareVersions(b, a),
      );
      const releasedAt = new Map(releases.map((row) => [row.version, row]));
      const versionOf = new Map(customers.map((customer) => [customer.id, customer.version]));
      // Signatures first seen after the oldest release shown: which versions' customers they hit.
      const oldest = releases.at(-1)?.released_at ?? new Date(now).toISOString();
      const fresh = firstSeen.all(oldest).map((row) => ({
        ...row,
        customers: signatureCustomers.all(row.signature, row.first_at),
      }));
      const health: ReleaseHealth[] = versions.map((version) => {
        const onIt = byVersion.get(version) ?? [];
        const release = releasedAt.get(version);
        const since = release?.released_at ?? null;
        const newSignatures = fresh
          .filter((row) => since !== null && row.first_at >= since)
          .map((row) => ({ row, hit: row.customers.filter((id) => versionOf.get(id) === version).length }))
          .filter((entry) => entry.hit > 0)
          .map((entry) => ({
            signature: entry.row.signature,
            label: signatureLabel(entry.row.signature),
            customers: entry.hit,
            firstAt: entry.row.first_at,
          }));
        return {
          version,
          releasedAt: since ?? new Date(now).toISOString(),
          notes: release?.notes ?? null,
          customers: onIt.length,
          degraded: onIt.filter((customer) => customer.health === 'degraded').length,
          down: onIt.filter((customer) => customer.health === 'down').length,
          affectedShare: 0,
          newSignatures,
          previousVersion: null,
          suspect: null,
          comparedWith: '',
          customerIds: onIt.slice(0, 500).map((customer) => customer.id),
        };
      });
      const verdicts = releaseVerdicts(
        health.map((entry) => ({ version: entry.version, customers: entry.customers, affected: entry.degraded + entry.down })),
      );
      health.forEach((entry, index) => {
        entry.affectedShare = entry.customers === 0 ? 0 : (entry.degraded + entry.down) / entry.customers;
        const verdict = verdicts[index];
        entry.previousVersion = verdict?.previousVersion ?? null;
        entry.suspect = verdict?.suspect ?? null;
        entry.comparedWith = verdict?.comparedWith ?? '';
      });
      const lagging = customers
        .filter((customer) => latestVersion !== null && compareVersions(customer.version, latestVersion) < 0)
        .map((customer) => ({
          customerId: customer.id,
          name: customer.name,
          version: customer.version,
          lifecycle: customer.lifecycle as ReleasesOutput['lagging'][number]['lifecycle'],
          behind: releases.filter((row) => compareVersions(row.version, customer.version) > 0).length,
          ...lagReason(lagFacts(customer)),
        }));
      const onboarding = customers
        .filter((customer) => customer.lifecycle === 'onboarding')
        .map((customer) => {
          const steps = checklist(customer.id, now);
          return {
            customerId: customer.id,
            name: customer.name,
            done: steps.filter((step) => step.state === 'done').length,
            stuck: steps.filter((step) => step.state === 'stuck').map((step) => step.step),
            waiting: steps.filter((step) => step.state === 'waiting_on_customer').map((step) => step.step),
            total: steps.length,
          };
        });
      return {
        latestVersion,
        releases: health,
        lagging,
        onboarding,
        names: Object.fromEntries(customers.map((customer) => [customer.id, customer.name])),
      };
    },
  };
}

export type ReleaseQueries = ReturnType<typeof createReleaseQueries>;

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosis, type Diagnosis } from '../../../electron/db/diagnosis';
import type { CacheHandle } from '../../../electron/db/cache';
import { openDemoCache } from '../../support/demo-cache';
import { tempDirs } from '../../support/temp';

/** Suspects and who-else on a realistic cache: the demo fleet's 90 days as a bootstrap leaves them. */

const NOW = new Date('2026-11-20T12:00:00.000Z');
const dirs = tempDirs('lk-diagnosis-');
let handle: CacheHandle;
let diagnosis: Diagnosis;
let roster: ReturnType<typeof openDemoCache>['roster'];
let fleet: ReturnType<typeof openDemoCache>['fleet'];

beforeAll(() => {
  const built = openDemoCache(dirs.make(), { now: NOW });
  handle = built.handle;
  roster = built.roster;
  fleet = built.fleet;
  diagnosis = createDiagnosis(handle.db, { now: () => NOW.getTime() });
});
afterAll(() => {
  handle.db.close();
  dirs.cleanup();
});

const versionOf = (customerId: string) => fleet.customers.find((customer) => customer.id === customerId)?.version;
const firstId = (ids: string[]) => {
  const [id] = ids;
  if (id === undefined) throw new Error('the demo fleet has no such customer');
  return id;
};

describe('the customer page diagnosis', () => {
  it('names the upgrade to the bad release as the top suspect, and the other customers on that version', () => {
    const hit = roster.upgrade_regression;
    expect(hit.length).toBeGreaterThanOrEqual(4);
    const customerId = firstId(hit);
    const version = versionOf(customerId);
    const answer = diagnosis.customer(customerId);
    expect(answer.signal).toMatchObject({ customerId, feature: 'billing_sync' });
    const [top] = answer.suspects;
    expect(top?.kind).toBe('version_upgrade');
    expect(top?.summary).toContain(`→ ${version}`);
    expect(top?.reason).toMatch(new RegExp(`^upgrade .* → ${version!.replace(/\./g, '\\.')} .* before the first`));
    expect(top?.otherCustomers).toBe(hit.length - 1);
    expect(top?.reason).toContain(`on ${hit.length - 1} other customers`);
    expect(answer.impact).toMatchObject({ others: hit.length - 1, sameVersionOthers: hit.length - 1, thisVersion: version });
    expect(answer.impact?.headline).toBe(`${hit.length - 1} other customers on ${version} have the same alert`);
  });

  it('names sso.enforce for the SSO customer, with its reason in words', () => {
    const customerId = firstId(roster.sso_enforced_without_idp);
    const answer = diagnosis.customer(customerId);
    expect(answer.signal?.feature).toBe('sso');
    expect(answer.suspects[0]?.summary).toBe('sso.enforce enabled');
    expect(answer.suspects[0]?.reason).toMatch(
      /^sso\.enforce turned on \d+ min before the first alert; on the same feature \(sso\)/,
    );
    expect(answer.impact?.headline).toBe('No other customer has the same alert');
  });

  it('says nothing is wrong for a healthy customer without signals', () => {
    const healthy = fleet.customers.find(
      (customer) =>
        customer.health === 'ok' && customer.lifecycle === 'live' && !Object.values(roster).flat().includes(customer.id),
    );
    const answer = diagnosis.customer(healthy!.id);
    if (answer.signal === null) expect(answer).toEqual({ signal: null, suspects: [], impact: null });
    else expect(answer.signal.customerId).toBe(healthy!.id);
  });
});

describe('who else is hit', () => {
  function regressionAlert(customerId: string): string {
    const id = handle.db
      .prepare<[string], string>(
        "select id from events where customer_id = ? and kind = 'alert' and feature = 'billing_sync' order by occurred_at limit 1",
      )
      .pluck()
      .get(customerId);
    if (!id) throw new Error(`no billing_sync alert on ${customerId}`);
    return id;
  }

  it('lists the other affected customers, the share of the fleet and what they share, with counts', () => {
    const hit = roster.upgrade_regression;
    const customerId = firstId(hit);
    const version = versionOf(customerId)!;
    const answer = diagnosis.whoElse(regressionAlert(customerId));
    expect(answer.others).toBe(hit.length - 1);
    expect(answer.affectedCount).toBe(hit.length);
    expect(answer.customers.map((customer) => customer.id).sort()).toEqual(hit.filter((id) => id !== customerId).sort());
    const live = fleet.customers.filter((customer) => customer.lifecycle !== 'churned');
    expect(answer.fleetSize).toBe(live.length);
    const onVersion = answer.breakdown.version.find((entry) => entry.value === version);
    expect(onVersion).toEqual({
      value: version,
      affected: hit.length,
      fleet: live.filter((customer) => customer.version === version).length,
    });
    // Every other version: none affected.
    expect(answer.breakdown.version.filter((entry) => entry.value !== version).every((entry) => entry.affected === 0)).toBe(true);
    expect(answer.breakdown.plan.reduce((sum, entry) => sum + entry.affected, 0)).toBe(hit.length);
    const upgrade = answer.sharedChanges.find((entry) => entry.changeKey === `release:${version}`);
    expect(upgrade).toMatchObject({ affected: hit.length, unaffected: onVersion!.fleet - hit.length });
    expect(answer.lines[0]).toBe(
      `${hit.length} customers of ${live.length} (${Math.round((hit.length / live.length) * 100)}% of the fleet) had the same alert within 72 h.`,
    );
    expect(answer.lines[1]).toMatch(
      new RegExp(
        `^${hit.length} of ${hit.length} affected customers had “upgrade .* → ${version.replace(/\./g, '\\.')}” in the 24 h before`,
      ),
    );
    expect(answer.lines[2]).toMatch(
      new RegExp(`^${hit.length} of ${onVersion!.fleet} on ${version.replace(/\./g, '\\.')} are affected; 0 of \\d+ on `),
    );
  });

  it('counts how often the signal’s signature was seen: in the window, on how many customers, first and last in the cache', async () => {
    const customerId = firstId(roster.upgrade_regression);
    const answer = diagnosis.whoElse(regressionAlert(customerId));
    const signature = answer.signal.signature!;
    // The same facts from every cached event, filtered here rather than by the signature index.
    const rows = handle.db
      .prepare<[], { signature: string | null; customer_id: string; occurred_at: string }>(
        'select signature, customer_id, occurred_at from events',
      )
      .all();
    const expected = (matches: (signature: string) => boolean, from: string, to: string) => {
      const all = rows.filter((row) => row.signature !== null && matches(row.signature));
      const inWindow = all.filter((row) => row.occurred_at >= from && row.occurred_at <= to);
      const times = all.map((row) => row.occurred_at).sort();
      return {
        hits: inWindow.length,
        customers: new Set(inWindow.map((row) => row.customer_id)).size,
        firstAt: times[0] ?? null,
        lastAt: times.at(-1) ?? null,
      };
    };
    expect(answer.seen).toEqual({
      signature,
      label: `${signature.split(':')[1]} (alert)`,
      from: answer.from,
      to: answer.to,
      ...expected((candidate) => candidate === signature, answer.from, answer.to),
    });
    expect(answer.seen?.customers).toBe(roster.upgrade_regression.length);
    // A prefix rule (a problem's "every signature starting so"), over the problem page's window, on a busier family.
    const { createSignatureSeen } = await import('../../../electron/db/signature-seen');
    const seen = createSignatureSeen(handle.db);
    const from = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();
    const to = NOW.toISOString();
    const prefix = 'alert:';
    const counted = seen.seen({ prefix }, from, to);
    expect(counted).toMatchObject(expected((candidate) => candidate.startsWith(prefix), from, to));
    expect(counted.hits).toBeGreaterThan(counted.customers);
    expect(counted.signature).toBe('alert:*');
    // Never seen: zero, and no first or last.
    expect(seen.seen('alert:nosuchalert:0000000000000000', from, to)).toMatchObject({
      hits: 0,
      customers: 0,
      firstAt: null,
      lastAt: null,
    });
  });

  it('refuses a change as the signal, and an event the cache does not hold, saying what to do', () => {
    const change = handle.db.prepare<[], string>("select id from events where kind = 'version_upgrade' limit 1").pluck().get()!;
    expect(() => diagnosis.whoElse(change)).toThrow(/is a change \(version_upgrade\), not a signal; open the alert/);
    expect(() => diagnosis.suspects('01JNOPE0000000000000000000')).toThrow(/not in the local cache; sync, then try again/);
  });
});

describe('release health and setup', () => {
  it('flags the bad release as suspect against the version before, and says who lags and why', async () => {
    const { createReleaseQueries } = await import('../../../electron/db/releases');
    const releases = createReleaseQueries(handle.db, { now: () => NOW.getTime() });
    const health = releases.health();
    const bad = versionOf(firstId(roster.upgrade_regression))!;
    const entry = health.releases.find((release) => release.version === bad);
    expect(entry?.suspect).toMatch(/^\d+% of its customers are degraded or down \(\d+ of \d+\), against \d+% \(\d+ of \d+\) on /);
    expect(entry?.newSignatures.some((row) => row.customers >= roster.upgrade_regression.length)).toBe(true);
    expect(health.releases.filter((release) => release.version !== bad && release.suspect !== null)).toEqual([]);
    // A version with too few customers is never the baseline: the release is compared with the rest of the fleet, in words.
    const { SUSPECT_MIN_COMPARED } = await import('../../../shared/diagnosis/releases');
    for (const release of health.releases) {
      const previous = health.releases.find((candidate) => candidate.version === release.previousVersion);
      if (previous && previous.customers < SUSPECT_MIN_COMPARED)
        expect(release.comparedWith).toMatch(
          new RegExp(
            `^Compared with \\d+% \\(\\d+ of \\d+\\) on the rest of the fleet; too few customers on ${previous.version.replaceAll('.', '\\.')} \\(${previous.customers}\\) to compare$`,
          ),
        );
      else if (previous)
        expect(release.comparedWith).toMatch(
          new RegExp(`^Compared with \\d+% \\(\\d+ of \\d+\\) on ${previous.version.replaceAll('.', '\\.')}$`),
        );
    }
    const held = health.lagging.filter((row) => row.reason === 'blocked_by_setting');
    expect(held.length).toBeGreaterThan(0);
    expect(held[0]?.detail).toMatch(/^Held back by upgrades\.hold = true/);
    const stuck = releases.stuckOnboarding();
    for (const id of roster.provisioning_stuck) expect(stuck.has(id)).toBe(true);
    const setup = releases.setup(firstId(roster.provisioning_stuck));
    expect(setup.steps.some((step) => step.state === 'stuck')).toBe(true);
    expect(setup.steps.some((step) => step.state === 'done')).toBe(true);
  });

  it("gives a customer's flags and config as they stand: the newest change of each key", async () => {
    const { createReleaseQueries } = await import('../../../electron/db/releases');
    const releases = createReleaseQueries(handle.db, { now: () => NOW.getTime() });
    const held = releases.health().lagging.find((row) => row.reason === 'blocked_by_setting');
    if (!held) throw new Error('the demo fleet holds no customer back by a setting');
    const setup = releases.setup(held.customerId);
    expect(setup.settings).toContainEqual(expect.objectContaining({ key: 'upgrades.hold', value: 'true' }));
    // Every key once, and its value the newest change's in the cache.
    const keys = setup.settings.map((row) => `${row.kind}:${row.key}`);
    expect(new Set(keys).size).toBe(keys.length);
    const newest = handle.db.prepare<[string, string], { id: string }>(
      `select id from events where customer_id = ? and kind in ('flag_change', 'config_change') and coalesce(json_extract(properties, '$.key'), '') = ?
       order by occurred_at desc, id desc limit 1`,
    );
    for (const row of setup.settings) {
      const expected = newest.get(held.customerId, row.key);
      if (expected) expect(row.eventId).toBe(expected.id);
    }
    const ssoCustomer = firstId(roster.sso_enforced_without_idp);
    const sso = releases.setup(ssoCustomer).settings.find((row) => row.key === 'sso.enforce');
    expect(sso?.kind).toBe('flag');
  });
});

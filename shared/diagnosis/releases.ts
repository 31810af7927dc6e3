/**
 * Release health and keeping customers current (issue 12), as pure rules: when
 * a release is suspect, why a customer lags behind the latest release, and what
 * state each onboarding (provisioning) step is in. The desk reads the facts from
 * its cache (electron/db/releases.ts).
 */

/** A release is suspect when at least this many of its customers are degraded or down … */
export const SUSPECT_MIN_AFFECTED = 2;
/** … and its affected share is at least this many times the previous version's … */
export const SUSPECT_SHARE_RATIO = 2;
/** … and at least this many percentage points above it. */
export const SUSPECT_SHARE_POINTS = 10;
/**
 * The fewest customers a version needs for its share to be compared with. Below
 * five, one customer moves the share by more than 20 points, twice
 * {@link SUSPECT_SHARE_POINTS}: a share from one or two customers is noise, so the
 * release is compared with the rest of the fleet instead.
 */
export const SUSPECT_MIN_COMPARED = 5;

export type VersionHealth = { version: string; customers: number; affected: number };
/** Customers and how many are degraded or down, on every version but the release's own. */
export type FleetHealth = { customers: number; affected: number };

/** What a release was compared with, and whether it is suspect, each in words. */
export type ReleaseVerdict = {
  /** Why the release is suspect, or null. */
  suspect: string | null;
  /** What its share was compared with ("Compared with 13% (4 of 30) on 26.11.0"), or why it could not be, as a sentence. */
  comparedWith: string;
};

function share(health: { customers: number; affected: number }): number {
  return health.customers === 0 ? 0 : health.affected / health.customers;
}

function pct(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/**
 * Whether a release's customers fare far worse than the others: at least
 * {@link SUSPECT_MIN_AFFECTED} degraded or down, a share at least
 * {@link SUSPECT_SHARE_RATIO}× and {@link SUSPECT_SHARE_POINTS} points above the
 * baseline's. The baseline is the previous version when at least
 * {@link SUSPECT_MIN_COMPARED} customers run it; otherwise the rest of the fleet
 * (`rest`: every other version) when that many run it; otherwise there is none,
 * only the count and the points above 0 count, and the words say the others are
 * too few to compare. Returns both in words.
 */
export function releaseSuspicion(
  current: VersionHealth,
  previous: VersionHealth | null,
  rest: FleetHealth | null,
): ReleaseVerdict {
  const tooFew =
    previous && previous.customers > 0
      ? `too few customers on ${previous.version} (${previous.customers}) to compare`
      : 'no earlier version with customers to compare';
  let baseline: { share: number; words: string } | null = null;
  if (previous && previous.customers >= SUSPECT_MIN_COMPARED) {
    baseline = {
      share: share(previous),
      words: `${pct(share(previous))} (${previous.affected} of ${previous.customers}) on ${previous.version}`,
    };
  } else if (rest && rest.customers >= SUSPECT_MIN_COMPARED) {
    baseline = {
      share: share(rest),
      words: `${pct(share(rest))} (${rest.affected} of ${rest.customers}) on the rest of the fleet; ${tooFew}`,
    };
  }
  const others = rest && rest.customers > 0 ? rest.customers : 0;
  const noBaseline =
    previous && previous.customers > 0
      ? `too few customers on ${previous.version} (${previous.customers}) or on the rest of the fleet (${others}) to compare`
      : others > 0
        ? `no earlier version with customers, and too few customers on the rest of the fleet (${others}) to compare`
        : 'no other version to compare';
  const words = baseline ? `compared with ${baseline.words}` : noBaseline;
  const comparedWith = words.charAt(0).toUpperCase() + words.slice(1);
  const verdict = (suspect: string | null): ReleaseVerdict => ({ suspect, comparedWith });
  if (current.affected < SUSPECT_MIN_AFFECTED) return verdict(null);
  const mine = share(current);
  const theirs = baseline?.share ?? 0;
  if (mine - theirs < SUSPECT_SHARE_POINTS / 100) return verdict(null);
  if (theirs > 0 && mine < SUSPECT_SHARE_RATIO * theirs) return verdict(null);
  const against = baseline ? `against ${baseline.words}` : `with ${noBaseline}`;
  return verdict(`${pct(mine)} of its customers are degraded or down (${current.affected} of ${current.customers}), ${against}`);
}

/**
 * Every version's verdict, for versions given newest first (the same order
 * out): each is compared with its previous version, the nearest older one that
 * has customers, and with the rest of the fleet, every other version's customers.
 */
export function releaseVerdicts(versions: readonly VersionHealth[]): Array<ReleaseVerdict & { previousVersion: string | null }> {
  const total = versions.reduce((sum, entry) => sum + entry.customers, 0);
  const totalAffected = versions.reduce((sum, entry) => sum + entry.affected, 0);
  return versions.map((entry, index) => {
    const previous = versions.slice(index + 1).find((candidate) => candidate.customers > 0) ?? null;
    const rest = { customers: total - entry.customers, affected: totalAffected - entry.affected };
    return { ...releaseSuspicion(entry, previous, rest), previousVersion: previous?.version ?? null };
  });
}

/** Why a customer is not on the latest release. */
export const LAG_REASONS = ['pinned', 'upgrade_failed', 'blocked_by_setting', 'onboarding', 'not_yet'] as const;
export type LagReason = (typeof LAG_REASONS)[number];

/** The evidence the desk finds for one lagging customer, newest first within each kind. */
export type LagFacts = {
  lifecycle: string;
  /** The newest version pin that still holds (a remediation `version.pin` with a version), if any. */
  pin: { version: string; at: string; actor: string | null; run: string | null } | null;
  /** The newest upgrade attempt that failed since the customer's last successful upgrade. */
  failedUpgrade: { version: string | null; at: string; summary: string } | null;
  /** The newest flag or config change that holds upgrades back (`upgrades.*`, `release.*` on, `channel` held). */
  blockingSetting: { key: string; value: string; at: string; actor: string | null } | null;
};

/** Flag and config keys that can hold a customer's upgrades back. */
export function isUpgradeSetting(key: string): boolean {
  return /^(upgrades?|release|releases|rollout|version)[._-]/i.test(key) || /(^|[._-])(hold|pin|freeze|channel)$/i.test(key);
}

/** Whether a setting's value holds upgrades (on, held, frozen, pinned, a version) rather than releasing them. */
export function isHoldingValue(value: string): boolean {
  return !/^(false|off|0|none|null|auto|latest|stable|broad|""|)$/i.test(value.trim());
}

/** The most specific reason a customer lags, in order: a pin, a failed upgrade, a setting, onboarding, else not yet reached. */
export function lagReason(facts: LagFacts): { reason: LagReason; detail: string } {
  if (facts.pin) {
    return {
      reason: 'pinned',
      detail: `Pinned to ${facts.pin.version}${facts.pin.actor ? ` by ${facts.pin.actor}` : ''}${facts.pin.run ? ` in run ${facts.pin.run}` : ''}`,
    };
  }
  if (facts.failedUpgrade) {
    return {
      reason: 'upgrade_failed',
      detail: `Upgrade${facts.failedUpgrade.version ? ` to ${facts.failedUpgrade.version}` : ''} failed: ${facts.failedUpgrade.summary}`,
    };
  }
  if (facts.blockingSetting) {
    return {
      reason: 'blocked_by_setting',
      detail: `Held back by ${facts.blockingSetting.key} = ${facts.blockingSetting.value}${facts.blockingSetting.actor ? ` (set by ${facts.blockingSetting.actor})` : ''}`,
    };
  }
  if (facts.lifecycle === 'onboarding' || facts.lifecycle === 'trial')
    return { reason: 'onboarding', detail: `Still ${facts.lifecycle === 'trial' ? 'in trial' : 'onboarding'}` };
  return { reason: 'not_yet', detail: 'Not upgraded yet: its rollout wave has not reached it' };
}

/** Provisioning steps only the customer can move on (a DNS record, their data file, their identity provider). */
export const CUSTOMER_STEPS: readonly string[] = ['dns', 'data_import', 'sso_setup'];
/** A step running longer than this is stuck. */
export const STEP_STUCK_AFTER_MS = 24 * 3_600_000;

export const STEP_STATES = ['done', 'stuck', 'waiting_on_customer', 'running', 'pending'] as const;
export type StepState = (typeof STEP_STATES)[number];

/**
 * An onboarding step's state from its newest status: done; failed → stuck;
 * running longer than a day → stuck; running or pending on a step only the
 * customer can move (`CUSTOMER_STEPS`) → waiting on the customer; else running or pending.
 */
export function stepState(step: string, status: string, at: string, now: number): StepState {
  if (status === 'done') return 'done';
  if (status === 'failed') return 'stuck';
  if (status === 'running' && now - Date.parse(at) > STEP_STUCK_AFTER_MS) return 'stuck';
  if (CUSTOMER_STEPS.includes(step)) return 'waiting_on_customer';
  return status === 'running' ? 'running' : 'pending';
}

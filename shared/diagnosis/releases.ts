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

export type VersionHealth = { version: string; customers: number; affected: number };

function share(health: VersionHealth): number {
  return health.customers === 0 ? 0 : health.affected / health.customers;
}

function pct(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/**
 * Whether a release's customers fare far worse than the previous version's:
 * at least {@link SUSPECT_MIN_AFFECTED} degraded or down, a share at least
 * {@link SUSPECT_SHARE_RATIO}× and {@link SUSPECT_SHARE_POINTS} points above
 * the previous version's. With no previous version (or nobody on it) only the
 * count and the points above 0 count. Returns the reason in words, or null.
 */
export function releaseSuspicion(current: VersionHealth, previous: VersionHealth | null): string | null {
  if (current.affected < SUSPECT_MIN_AFFECTED) return null;
  const mine = share(current);
  const theirs = previous && previous.customers > 0 ? share(previous) : 0;
  if (mine - theirs < SUSPECT_SHARE_POINTS / 100) return null;
  if (theirs > 0 && mine < SUSPECT_SHARE_RATIO * theirs) return null;
  const against =
    previous && previous.customers > 0
      ? `against ${pct(theirs)} (${previous.affected} of ${previous.customers}) on ${previous.version}`
      : 'with no earlier version to compare';
  return `${pct(mine)} of its customers are degraded or down (${current.affected} of ${current.customers}), ${against}`;
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

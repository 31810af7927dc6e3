/**
 * The domain's value lists (plans, lifecycle stages, health, severities, event
 * kinds), without zod: the page's first screen (fleet filters, timeline badges)
 * needs them, and importing them from ./domain would load zod with it (#15).
 * ./domain builds its schemas from these and re-exports them.
 */

export const PLANS = ['free', 'starter', 'pro', 'enterprise'] as const;
export const LIFECYCLE_STAGES = ['trial', 'onboarding', 'live', 'churned'] as const;
export const HEALTH_STATES = ['ok', 'degraded', 'down', 'unknown'] as const;
export const SEVERITIES = ['info', 'notice', 'warning', 'error', 'critical'] as const;

/** Event kinds the app knows how to draw; others are accepted and shown generically. */
export const EVENT_KINDS = [
  'deploy',
  'version_upgrade',
  'flag_change',
  'config_change',
  'provisioning_step',
  'alert',
  'error_spike',
  'incident',
  'ticket',
  'usage_drop',
  'remediation',
  'wizard_run',
  'note',
  'plan_change',
  'recovery',
] as const;

/** Kinds that record a change to the customer ("what changed just before?"). */
export const CHANGE_KINDS = [
  'deploy',
  'version_upgrade',
  'flag_change',
  'config_change',
  'provisioning_step',
  'plan_change',
] as const;

export type Health = (typeof HEALTH_STATES)[number];
export type Severity = (typeof SEVERITIES)[number];

import type { Customer, CustomerFeature, EventInput, Release } from '../../shared/domain';

/**
 * The demo fleet's model. The generator (server/demo/fleet.ts) produces it
 * deterministically from a seed; the server stores it (customers, features,
 * events, releases in their tables; `DemoCustomerState` as JSON per customer) and
 * the live simulator, probes and remediation actions read and change the state.
 */

/** Faults the demo fleet can carry; each has state, a history that explains it, a probe, an action and a verify. */
export const DEMO_FAULTS = [
  /** A flag change enforced SSO while the customer's identity provider is not ready: logins fail. */
  'sso_enforced_without_idp',
  /** The customer pays for a feature, but its flag is off after a plan change (or on without entitlement). */
  'feature_entitlement_mismatch',
  /** An onboarding customer is stuck on a failed provisioning step that was never retried. */
  'provisioning_stuck',
  /** A data export job lags hours behind after a schedule config change or a stuck worker. */
  'export_lag',
  /** Errors on one feature right after a version upgrade wave; pinning the previous version restores it. */
  'upgrade_regression',
] as const;
export type DemoFault = (typeof DEMO_FAULTS)[number];

export type ProvisioningStep = {
  step: string;
  status: 'pending' | 'running' | 'failed' | 'done';
  attempts: number;
  error: string | null;
  updatedAt: string;
};

export type DemoJob = {
  id: string;
  kind: 'export' | 'billing_sync';
  schedule: string;
  lagMinutes: number;
  worker: 'ok' | 'stuck';
  lastRunAt: string;
};

/** The simulated operational state of one customer (stored as JSON, changed by actions). */
export type DemoCustomerState = {
  customerId: string;
  /** Feature flags, e.g. `{ 'sso.enforce': true }`. */
  flags: Record<string, boolean | string | number>;
  /** Configuration values, e.g. `{ 'exports.schedule': 'daily' }`. */
  config: Record<string, boolean | string | number>;
  /** Identity provider readiness, when the customer has SSO. */
  idp: { metadataReady: boolean; certificateExpiresAt: string } | null;
  provisioning: ProvisioningStep[];
  jobs: DemoJob[];
  /** A version the customer is pinned to (rolled back), or null to follow the waves. */
  pinnedVersion: string | null;
  /** Faults currently active, derived from the state above (kept in step by `deriveHealth`). */
  faults: DemoFault[];
  /** The version the release waves put the customer on; `pinnedVersion` overrides it. */
  version?: string;
  /** Features the customer's plan pays for (feature flags are `feature.<name>`). */
  entitlements?: string[];
  /** A defect of one release that this customer's configuration hits (upgrade_regression). */
  regression?: DemoRegression | null;
  /** Open alerts and tickets that are symptoms of a fault, so recovery can resolve them. */
  symptoms?: DemoSymptom[];
};

export type DemoRegression = {
  version: string;
  /** The version the customer ran before the upgrade: the safe pin. */
  previousVersion: string;
  feature: string;
  /** Shared by every customer the defect hits (alerts carry it in `properties.signature`). */
  signature: string;
  error: string;
};

export type DemoSymptom = {
  fault: DemoFault;
  kind: 'alert' | 'ticket';
  /** `properties.thread` of the open event. */
  thread: string;
  feature: string | null;
  summary: string;
  openedAt: string;
  /** Alert name or ticket key, for re-notifications. */
  name: string;
  /** When the fault was seen gone; tickets wait for the customer's confirmation. */
  clearedAt?: string;
};

/** Everything the generator produces. Events carry `source.externalId` so seeding is idempotent. */
export type DemoFleet = {
  customers: Customer[];
  features: CustomerFeature[];
  events: EventInput[];
  releases: Release[];
  states: DemoCustomerState[];
};

import type { Customer, CustomerFeature, EventInput, Release } from '../../shared/domain';
import {
  ACCOUNT_OWNERS,
  BILLING_TARGETS,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  CONTACT_FIRST_NAMES,
  CONTACT_LAST_NAMES,
  EXPORT_FORMATS,
  EXPORT_SCHEDULES,
  PLAN_ENTITLEMENTS,
  REGIONS,
  SSO_PROVIDERS,
  type DemoFeature,
} from './catalog';
import { buildCustomer } from './customer';
import { DAY, HOUR, MINUTE, iso } from './events';
import {
  FAULT_ROLES,
  TICKET_PLACEHOLDER,
  type FaultRole,
  type FleetIncident,
  type FleetWindow,
  type Plan,
  type PlannedRelease,
  type Profile,
  type Ring,
  type TicketCounter,
} from './model';
import { createRandom, hashSeed, itemAt, type Random } from './random';
import type { DemoCustomerState, DemoFault, DemoFleet } from './types';

export { padEvents, type PadOptions } from './pad';
export { FAULT_ROLES, type FaultRole } from './model';

/**
 * The demo fleet generator: customers, features, releases, 90 days of history and
 * each customer's operational state, all from a seed and a clock reading. The
 * designated faulty customers carry a fault in their state and the history that
 * explains it (the change right before the first symptom), so the wizards can
 * diagnose them from evidence and fix them through actions.
 */

export type FleetOptions = {
  seed: number;
  now: Date;
  /** Number of customers; at least 50. */
  customers?: number;
  /** Days of history before `now`; at least 30. */
  days?: number;
};

export const DEFAULT_CUSTOMERS = 60;
export const MIN_CUSTOMERS = 50;
export const MAX_CUSTOMERS = 5000;
export const DEFAULT_DAYS = 90;
export const MIN_DAYS = 30;

/** How many customers carry each role. The regression hits several customers of one wave (the bad release of issue 12). */
const ROLE_COUNTS: Readonly<Record<FaultRole, number>> = {
  sso_enforced: 1,
  entitlement_missing: 1,
  entitlement_unpaid: 1,
  provisioning_dns: 1,
  provisioning_import: 1,
  export_schedule: 1,
  export_worker: 1,
  upgrade_regression: 6,
};

function checkOptions(options: FleetOptions): { seed: number; nowMs: number; startMs: number; customerCount: number } {
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be a safe integer, got ${String(options.seed)}`);
  const nowMs = options.now instanceof Date ? options.now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');
  const customerCount = options.customers ?? DEFAULT_CUSTOMERS;
  if (!Number.isInteger(customerCount) || customerCount < MIN_CUSTOMERS || customerCount > MAX_CUSTOMERS) {
    throw new RangeError(`customers must be an integer from ${MIN_CUSTOMERS} to ${MAX_CUSTOMERS}, got ${String(customerCount)}`);
  }
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < MIN_DAYS || days > 3650)
    throw new RangeError(`days must be an integer from ${MIN_DAYS} to 3650, got ${String(days)}`);
  return { seed: options.seed, nowMs, startMs: nowMs - days * DAY, customerCount };
}

/** Generates the whole demo fleet. Same seed and `now` → the same fleet, deep-equal. */
export function generateFleet(options: FleetOptions): DemoFleet {
  const { seed, nowMs, startMs, customerCount } = checkOptions(options);
  const window: FleetWindow = { startMs, nowMs };
  const releases = planReleases(createRandom(hashSeed(seed, 'releases')), window);
  const profiles = planProfiles(createRandom(hashSeed(seed, 'profiles')), customerCount, window);
  assignRoles(createRandom(hashSeed(seed, 'roles')), profiles, window);
  const incidents = planIncidents(createRandom(hashSeed(seed, 'incidents')), profiles, window);
  const tickets: TicketCounter = { next: 0 };

  const customers: Customer[] = [];
  const features: CustomerFeature[] = [];
  const events: EventInput[] = [];
  const states: DemoCustomerState[] = [];
  for (const profile of profiles) {
    const built = buildCustomer(
      createRandom(hashSeed(seed, 'customer', profile.id)),
      profile,
      releases,
      incidents,
      tickets,
      window,
    );
    customers.push(built.customer);
    features.push(...built.features);
    events.push(...built.events);
    states.push(built.state);
  }
  events.sort(
    (left, right) =>
      compareText(left.occurredAt, right.occurredAt) || compareText(left.source.externalId, right.source.externalId),
  );
  renumberTickets(events, states, 4100 + createRandom(hashSeed(seed, 'tickets')).int(0, 600));
  return {
    customers,
    features,
    events,
    releases: releases.map(
      (release) => ({ version: release.version, releasedAt: iso(release.releasedAt), notes: release.notes }) satisfies Release,
    ),
    states,
  };
}

/** Which customers carry each fault right now (ids in fleet order), e.g. to pick the SSO customer in a test. */
export function faultRoster(fleet: Pick<DemoFleet, 'states'>): Record<DemoFault, string[]> {
  const roster: Record<DemoFault, string[]> = {
    sso_enforced_without_idp: [],
    feature_entitlement_mismatch: [],
    provisioning_stuck: [],
    export_lag: [],
    upgrade_regression: [],
  };
  for (const state of fleet.states) for (const fault of state.faults) roster[fault].push(state.customerId);
  return roster;
}

function compareText(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

// ---------------------------------------------------------------------------
// Releases

const RELEASE_CHANGES = [
  'Exports: Parquet output is now streamed, halving memory use',
  'Billing sync: NetSuite connector moved to the REST API',
  'Billing sync: retries honour the target’s Retry-After',
  'SSO: SCIM group sync for Azure AD',
  'SSO: clearer error when the IdP certificate is expired',
  'Webhooks: HMAC-SHA256 signatures (v2)',
  'Analytics: dashboard queries cached for 60 s',
  'API: cursor pagination on /v2/records',
  'Audit log: filter by actor and IP range',
  'Data import: XLSX files up to 200 MB',
  'Session service: faster token refresh',
  'Search: typo-tolerant matching for names',
  'Fixes a rare duplicate invoice line on credit notes',
  'Fixes export of custom fields with line breaks',
  'Security: dependencies updated (OpenSSL 3.0.15)',
] as const;

function releaseNotes(random: Random, isPatch: boolean): string {
  if (isPatch)
    return `Hotfix.\n\n- ${random.pick(RELEASE_CHANGES.filter((line) => line.startsWith('Fixes') || line.startsWith('Security')))}`;
  return random
    .shuffle(RELEASE_CHANGES)
    .slice(0, random.int(3, 5))
    .map((line) => `- ${line}`)
    .join('\n');
}

function waveStarts(random: Random, releasedAt: number): Record<Ring, number> {
  return {
    canary: releasedAt + random.int(2, 8) * HOUR,
    early: releasedAt + DAY + random.int(2, 10) * HOUR,
    broad: releasedAt + 3 * DAY + random.int(2, 10) * HOUR,
  };
}

function planReleases(random: Random, window: FleetWindow): PlannedRelease[] {
  const year = new Date(window.nowMs).getUTCFullYear() % 100;
  const releases: PlannedRelease[] = [];
  let minor = random.int(1, 3);
  const add = (version: string, releasedAt: number, isPatch: boolean, isHalted = false): void => {
    releases.push({
      version,
      releasedAt,
      notes: releaseNotes(random, isPatch),
      isHalted,
      waveStart: waveStarts(random, releasedAt),
    });
  };
  // Two releases before the window: where customers stand when the history starts.
  add(`${year}.${minor}.0`, window.startMs - random.int(18, 24) * DAY, false);
  minor += 1;
  add(`${year}.${minor}.0`, window.startMs - random.int(5, 9) * DAY, false);
  const firstAt = window.startMs + random.int(3, 7) * DAY + random.int(8, 12) * HOUR;
  const lastAt = window.nowMs - random.int(80, 100) * HOUR;
  // Evenly spaced minors (about every 10 days, jittered by up to a day and a half), then the newest.
  const intervals = Math.max(1, Math.round((lastAt - firstAt) / (10.5 * DAY)));
  const step = (lastAt - firstAt) / intervals;
  for (let index = 0; index < intervals; index += 1) {
    const at = Math.round((firstAt + index * step + (index === 0 ? 0 : random.between(-1.5, 1.5) * DAY)) / HOUR) * HOUR;
    minor += 1;
    add(`${year}.${minor}.0`, at, false);
    if (random.chance(0.4) && step >= 7 * DAY) add(`${year}.${minor}.1`, at + random.int(2, 4) * DAY, true);
  }
  minor += 1;
  // The newest release: rolled out to canary and early waves, then halted.
  add(`${year}.${minor}.0`, lastAt, false, true);
  return releases;
}

// ---------------------------------------------------------------------------
// Customers

function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function companyNames(random: Random, count: number): string[] {
  const prefixes = random.shuffle(COMPANY_PREFIXES);
  const suffixes = random.shuffle(COMPANY_SUFFIXES);
  const names: string[] = [];
  const seen = new Set<string>();
  for (let index = 0; names.length < count; index += 1) {
    const prefix = itemAt(prefixes, index % prefixes.length);
    const round = Math.floor(index / prefixes.length);
    const suffix = itemAt(suffixes, (index * 7 + round * 3) % suffixes.length);
    let name = `${prefix} ${suffix}`;
    if (round * prefixes.length >= prefixes.length * suffixes.length) name = `${name} ${round}`;
    if (seen.has(slug(name))) continue;
    seen.add(slug(name));
    names.push(name);
  }
  return names;
}

function lifecycleCounts(count: number): Record<Customer['lifecycle'], number> {
  const churned = Math.max(2, Math.round(count * 0.05));
  const onboarding = Math.max(5, Math.round(count * 0.1));
  const trial = Math.max(4, Math.round(count * 0.1));
  return { churned, onboarding, trial, live: count - churned - onboarding - trial };
}

function planProfiles(random: Random, count: number, window: FleetWindow): Profile[] {
  const names = companyNames(random, count);
  const windowDays = Math.floor((window.nowMs - window.startMs) / DAY);
  const counts = lifecycleCounts(count);
  const stages = random.shuffle([
    ...Array.from({ length: counts.live }, () => 'live' as const),
    ...Array.from({ length: counts.onboarding }, () => 'onboarding' as const),
    ...Array.from({ length: counts.trial }, () => 'trial' as const),
    ...Array.from({ length: counts.churned }, () => 'churned' as const),
  ]);
  return names.map((name, index) => {
    const id = slug(name);
    const lifecycle = itemAt(stages, index);
    const plan: Plan =
      lifecycle === 'trial'
        ? random.pick(['starter', 'pro'] as const)
        : random.weighted<Plan>([
            ['free', 0.12],
            ['starter', 0.28],
            ['pro', 0.35],
            ['enterprise', 0.25],
          ]);
    // Live and churned customers predate the window by at least a month, so their whole window is history.
    const createdAt =
      lifecycle === 'live' || lifecycle === 'churned'
        ? window.startMs - random.int(30, 1300) * DAY - random.int(0, 23) * HOUR
        : window.nowMs -
          random.int(lifecycle === 'onboarding' ? 1 : 2, lifecycle === 'onboarding' ? 20 : 27) * DAY -
          random.int(0, 23) * HOUR;
    const domain = `${id}.example`;
    const contacts = [0, 1].map(
      () => `${random.pick(CONTACT_FIRST_NAMES).toLowerCase()}.${random.pick(CONTACT_LAST_NAMES).toLowerCase()}@${domain}`,
    );
    return {
      index,
      id,
      name,
      domain,
      plan,
      startPlan: plan,
      planChangeAt: null,
      lifecycle,
      region: random.weighted(REGIONS),
      environment: lifecycle === 'trial' ? 'sandbox' : random.chance(0.1) ? 'staging' : 'production',
      owner: plan === 'free' ? null : random.pick(ACCOUNT_OWNERS),
      createdAt,
      // Late enough in the window that the decline before the churn is inside it.
      churnAt:
        lifecycle === 'churned'
          ? window.startMs + random.int(Math.min(35, windowDays - 12), windowDays - 12) * DAY + random.int(8, 17) * HOUR
          : null,
      ring: random.weighted<Ring>([
        ['canary', 0.12],
        ['early', 0.38],
        ['broad', 0.5],
      ]),
      isHeldBack: plan === 'enterprise' && random.chance(0.35),
      contacts,
      role: null,
      billingTarget: random.weighted([
        [itemAt(BILLING_TARGETS, 0), 0.45],
        [itemAt(BILLING_TARGETS, 1), 0.2],
        [itemAt(BILLING_TARGETS, 2), 0.15],
        [itemAt(BILLING_TARGETS, 3), 0.2],
      ]),
      ssoProvider: random.pick(SSO_PROVIDERS),
      exportSchedule: random.pick(EXPORT_SCHEDULES),
      exportFormat: random.pick(EXPORT_FORMATS),
    } satisfies Profile;
  });
}

/** Picks the faulty customers and shapes their profiles so their story holds. */
function assignRoles(random: Random, profiles: Profile[], window: FleetWindow): void {
  const live = random.shuffle(profiles.filter((profile) => profile.lifecycle === 'live'));
  const onboarding = random.shuffle(profiles.filter((profile) => profile.lifecycle === 'onboarding'));
  const take = (pool: Profile[], role: FaultRole): Profile => {
    const profile = pool.shift();
    if (!profile) throw new Error(`not enough customers for the ${role} fault`);
    profile.role = role;
    profile.environment = 'production';
    profile.isHeldBack = false;
    return profile;
  };
  for (const role of FAULT_ROLES) {
    for (let count = 0; count < ROLE_COUNTS[role]; count += 1) {
      const isOnboarding = role === 'provisioning_dns' || role === 'provisioning_import';
      const profile = take(isOnboarding ? onboarding : live, role);
      switch (role) {
        case 'sso_enforced':
          profile.plan = profile.startPlan = 'enterprise';
          profile.ssoProvider = 'okta';
          break;
        case 'entitlement_missing':
          profile.startPlan = 'starter';
          profile.plan = 'pro';
          profile.planChangeAt = window.nowMs - 3 * DAY + random.int(-6, 6) * HOUR;
          profile.billingTarget = 'stripe';
          break;
        case 'entitlement_unpaid':
          profile.startPlan = 'pro';
          profile.plan = 'starter';
          profile.planChangeAt = window.nowMs - 12 * DAY + random.int(-12, 12) * HOUR;
          break;
        case 'provisioning_dns':
          profile.createdAt = window.nowMs - 7 * DAY + random.int(0, 10) * HOUR;
          break;
        case 'provisioning_import':
          profile.plan = profile.startPlan = 'pro';
          profile.createdAt = window.nowMs - 9 * DAY + random.int(0, 10) * HOUR;
          break;
        case 'export_schedule':
          profile.exportSchedule = '*/30 * * * *';
          break;
        case 'export_worker':
          // Hourly, so hours without a run are plainly lag (a daily job would hide it).
          profile.exportSchedule = '0 * * * *';
          break;
        case 'upgrade_regression':
          if (profile.plan !== 'enterprise') profile.plan = profile.startPlan = 'pro';
          profile.ring = 'early';
          profile.billingTarget = 'netsuite';
          break;
      }
      if (profile.owner === null && profile.plan !== 'free') profile.owner = random.pick(ACCOUNT_OWNERS);
    }
  }
  // Only the regression customers may run NetSuite in the waves that got the halted release;
  // NetSuite customers in the broad wave stay on the previous version and healthy.
  for (const profile of profiles) {
    if (profile.role !== 'upgrade_regression' && profile.billingTarget === 'netsuite' && profile.ring !== 'broad')
      profile.billingTarget = 'stripe';
  }
  // A few customers upgrade their plan during the window; their flags follow within minutes.
  for (const profile of profiles) {
    if (profile.role !== null || profile.lifecycle !== 'live' || !random.chance(0.12)) continue;
    if (profile.plan === 'starter' || profile.plan === 'pro') {
      profile.startPlan = profile.plan === 'pro' ? 'starter' : 'free';
      profile.planChangeAt =
        window.startMs + random.int(5, Math.floor((window.nowMs - window.startMs) / DAY) - 5) * DAY + random.int(8, 18) * HOUR;
    }
  }
}

const INCIDENT_TITLES: ReadonlyArray<{ feature: DemoFeature; title: string }> = [
  { feature: 'api_access', title: 'Elevated API error rate (load balancer pool exhausted)' },
  { feature: 'analytics', title: 'Dashboard queries timing out (query engine node failure)' },
  { feature: 'webhooks', title: 'Webhook deliveries delayed (queue backlog)' },
  { feature: 'exports', title: 'Exports delayed (object storage throttling)' },
];

function planIncidents(random: Random, profiles: Profile[], window: FleetWindow): FleetIncident[] {
  const incidents: FleetIncident[] = [];
  const count = random.int(2, 3);
  const titles = random.shuffle(INCIDENT_TITLES);
  let number = random.int(2100, 2400);
  for (let index = 0; index < count; index += 1) {
    const spec = itemAt(titles, index);
    const region = random.weighted(REGIONS);
    const at =
      window.startMs +
      random.int(4, Math.floor((window.nowMs - window.startMs) / DAY) - 6) * DAY +
      random.int(0, 23) * HOUR +
      random.int(0, 59) * MINUTE;
    const affected = profiles.filter(
      (profile) =>
        profile.region === region &&
        profile.createdAt < at - 3 * DAY &&
        profile.role !== 'provisioning_dns' &&
        profile.role !== 'provisioning_import' &&
        (profile.churnAt === null || profile.churnAt > at + DAY) &&
        PLAN_ENTITLEMENTS[profile.startPlan].includes(spec.feature) &&
        PLAN_ENTITLEMENTS[profile.plan].includes(spec.feature),
    );
    number += random.int(3, 40);
    incidents.push({
      key: `INC-${number}`,
      title: spec.title,
      feature: spec.feature,
      region,
      at,
      durationMinutes: random.int(35, 210),
      severity: random.chance(0.4) ? 'critical' : 'error',
      customers: new Set(
        random
          .shuffle(affected)
          .slice(0, 8)
          .map((profile) => profile.id),
      ),
    });
  }
  return incidents;
}

/** Ticket keys grow with time, as in a real help desk: number the placeholders in order of first appearance. */
function renumberTickets(events: EventInput[], states: DemoCustomerState[], first: number): void {
  const keys = new Map<string, string>();
  const rename = (text: string): string =>
    text.replace(TICKET_PLACEHOLDER, (placeholder) => {
      let key = keys.get(placeholder);
      if (key === undefined) {
        key = `SUP-${first + keys.size}`;
        keys.set(placeholder, key);
      }
      return key;
    });
  for (const event of events) {
    event.summary = rename(event.summary);
    if (event.body) event.body = rename(event.body);
    if (event.links?.ticket) event.links.ticket = rename(event.links.ticket);
    const thread = event.properties?.['thread'];
    if (event.properties && typeof thread === 'string') event.properties['thread'] = rename(thread);
  }
  for (const state of states) {
    state.symptoms = state.symptoms?.map((symptom) => ({
      ...symptom,
      thread: rename(symptom.thread),
      name: rename(symptom.name),
      summary: rename(symptom.summary),
    }));
  }
}

import type { Customer, CustomerFeature, EventInput, Release } from '../../shared/domain';
import {
  ACCOUNT_OWNERS,
  BILLING_TARGETS,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  CONTACT_FIRST_NAMES,
  CONTACT_LAST_NAMES,
  DEMO_FEATURES,
  ENGINEERS,
  EXPORT_FORMATS,
  EXPORT_SCHEDULES,
  HOWTO_TICKETS,
  PLAN_ENTITLEMENTS,
  PROVISIONING_STEPS,
  PROVISIONING_STEP_FEATURES,
  REGIONS,
  ROUTINE_ALERTS,
  ROUTINE_CONFIG,
  ROUTINE_FLAGS,
  ROUTINE_TICKETS,
  SSO_PROVIDERS,
  featureFlag,
  type DemoFeature,
} from './catalog';
import { DAY, HOUR, MINUTE, alertOpen, alertResolved, formatCount, formatMinutes, iso, ticketOpen, ticketResolved } from './events';
import { activeFaults, deriveHealth, jobId } from './health';
import { createRandom, hashSeed, itemAt, type Random } from './random';
import type { DemoCustomerState, DemoFleet, DemoJob, DemoRegression, DemoSymptom, ProvisioningStep } from './types';

export { padEvents, type PadOptions } from './pad';

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

type Plan = Customer['plan'];
type Ring = 'canary' | 'early' | 'broad';

/** The faulty customers' roles; each maps to one of the `DEMO_FAULTS`. */
export const FAULT_ROLES = [
  'sso_enforced',
  'entitlement_missing',
  'entitlement_unpaid',
  'provisioning_dns',
  'provisioning_import',
  'export_schedule',
  'export_worker',
  'upgrade_regression',
] as const;
export type FaultRole = (typeof FAULT_ROLES)[number];

/** How many customers carry each role. The regression hits several customers of one wave. */
const ROLE_COUNTS: Readonly<Record<FaultRole, number>> = {
  sso_enforced: 1,
  entitlement_missing: 1,
  entitlement_unpaid: 1,
  provisioning_dns: 1,
  provisioning_import: 1,
  export_schedule: 1,
  export_worker: 1,
  upgrade_regression: 3,
};

type PlannedRelease = {
  version: string;
  releasedAt: number;
  notes: string;
  /** Rollout stopped after the early wave (the regression). */
  isHalted: boolean;
  waveStart: Record<Ring, number>;
};

type Profile = {
  index: number;
  id: string;
  name: string;
  domain: string;
  plan: Plan;
  startPlan: Plan;
  planChangeAt: number | null;
  lifecycle: Customer['lifecycle'];
  region: string;
  environment: string;
  owner: string | null;
  createdAt: number;
  churnAt: number | null;
  ring: Ring;
  isHeldBack: boolean;
  contacts: string[];
  role: FaultRole | null;
  billingTarget: string;
  ssoProvider: string;
  exportSchedule: string;
  exportFormat: string;
};

type FleetIncident = {
  key: string;
  title: string;
  feature: DemoFeature;
  region: string;
  at: number;
  durationMinutes: number;
  severity: 'error' | 'critical';
  customers: Set<string>;
};

type Window = { startMs: number; nowMs: number };

function checkOptions(options: FleetOptions): { seed: number; nowMs: number; startMs: number; customerCount: number } {
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be a safe integer, got ${String(options.seed)}`);
  const nowMs = options.now instanceof Date ? options.now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid Date');
  const customerCount = options.customers ?? DEFAULT_CUSTOMERS;
  if (!Number.isInteger(customerCount) || customerCount < MIN_CUSTOMERS || customerCount > MAX_CUSTOMERS) {
    throw new RangeError(`customers must be an integer from ${MIN_CUSTOMERS} to ${MAX_CUSTOMERS}, got ${String(customerCount)}`);
  }
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < MIN_DAYS || days > 3650) throw new RangeError(`days must be an integer from ${MIN_DAYS} to 3650, got ${String(days)}`);
  return { seed: options.seed, nowMs, startMs: nowMs - days * DAY, customerCount };
}

/** Generates the whole demo fleet. Same seed and `now` → the same fleet, deep-equal. */
export function generateFleet(options: FleetOptions): DemoFleet {
  const { seed, nowMs, startMs, customerCount } = checkOptions(options);
  const window: Window = { startMs, nowMs };
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
    const built = buildCustomer(createRandom(hashSeed(seed, 'customer', profile.id)), profile, releases, incidents, tickets, window);
    customers.push(built.customer);
    features.push(...built.features);
    events.push(...built.events);
    states.push(built.state);
  }
  events.sort((left, right) => compareText(left.occurredAt, right.occurredAt) || compareText(left.source.externalId, right.source.externalId));
  renumberTickets(events, states, 4100 + createRandom(hashSeed(seed, 'tickets')).int(0, 600));
  return {
    customers,
    features,
    events,
    releases: releases.map((release) => ({ version: release.version, releasedAt: iso(release.releasedAt), notes: release.notes }) satisfies Release),
    states,
  };
}

function compareText(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** Semantic version order. */
export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
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
  if (isPatch) return `Hotfix.\n\n- ${random.pick(RELEASE_CHANGES.filter((line) => line.startsWith('Fixes') || line.startsWith('Security')))}`;
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

function planReleases(random: Random, window: Window): PlannedRelease[] {
  const year = new Date(window.nowMs).getUTCFullYear() % 100;
  const releases: PlannedRelease[] = [];
  let minor = random.int(1, 3);
  const add = (version: string, releasedAt: number, isPatch: boolean, isHalted = false): void => {
    releases.push({ version, releasedAt, notes: releaseNotes(random, isPatch), isHalted, waveStart: waveStarts(random, releasedAt) });
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

function planProfiles(random: Random, count: number, window: Window): Profile[] {
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
        : window.nowMs - random.int(lifecycle === 'onboarding' ? 1 : 2, lifecycle === 'onboarding' ? 20 : 27) * DAY - random.int(0, 23) * HOUR;
    const domain = `${id}.example`;
    const contacts = [0, 1].map(() => `${random.pick(CONTACT_FIRST_NAMES).toLowerCase()}.${random.pick(CONTACT_LAST_NAMES).toLowerCase()}@${domain}`);
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
      churnAt: lifecycle === 'churned' ? window.startMs + random.int(Math.min(35, windowDays - 12), windowDays - 12) * DAY + random.int(8, 17) * HOUR : null,
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
function assignRoles(random: Random, profiles: Profile[], window: Window): void {
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
    if (profile.role !== 'upgrade_regression' && profile.billingTarget === 'netsuite' && profile.ring !== 'broad') profile.billingTarget = 'stripe';
  }
  // A few customers upgrade their plan during the window; their flags follow within minutes.
  for (const profile of profiles) {
    if (profile.role !== null || profile.lifecycle !== 'live' || !random.chance(0.12)) continue;
    if (profile.plan === 'starter' || profile.plan === 'pro') {
      profile.startPlan = profile.plan === 'pro' ? 'starter' : 'free';
      profile.planChangeAt = window.startMs + random.int(5, Math.floor((window.nowMs - window.startMs) / DAY) - 5) * DAY + random.int(8, 18) * HOUR;
    }
  }
}

const INCIDENT_TITLES: ReadonlyArray<{ feature: DemoFeature; title: string }> = [
  { feature: 'api_access', title: 'Elevated API error rate (load balancer pool exhausted)' },
  { feature: 'analytics', title: 'Dashboard queries timing out (query engine node failure)' },
  { feature: 'webhooks', title: 'Webhook deliveries delayed (queue backlog)' },
  { feature: 'exports', title: 'Exports delayed (object storage throttling)' },
];

function planIncidents(random: Random, profiles: Profile[], window: Window): FleetIncident[] {
  const incidents: FleetIncident[] = [];
  const count = random.int(2, 3);
  const titles = random.shuffle(INCIDENT_TITLES);
  let number = random.int(2100, 2400);
  for (let index = 0; index < count; index += 1) {
    const spec = itemAt(titles, index);
    const region = random.weighted(REGIONS);
    const at = window.startMs + random.int(4, Math.floor((window.nowMs - window.startMs) / DAY) - 6) * DAY + random.int(0, 23) * HOUR + random.int(0, 59) * MINUTE;
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
      customers: new Set(random.shuffle(affected).slice(0, 8).map((profile) => profile.id)),
    });
  }
  return incidents;
}

// ---------------------------------------------------------------------------
// One customer's history and state

type Emit = Omit<EventInput, 'customerId' | 'occurredAt' | 'source'> & { system: string };

/** One customer's events; whatever would fall before the window is cut off, as a store keeping 90 days would. */
class History {
  readonly events: EventInput[] = [];
  private counter = 0;
  constructor(
    readonly profile: Profile,
    readonly startMs: number,
    readonly nowMs: number,
  ) {}

  /** A fresh, deterministic external id: `<system>:<customer>#<n>`. */
  nextId(system: string): string {
    this.counter += 1;
    return `${system}:${this.profile.id}#${this.counter.toString().padStart(4, '0')}`;
  }

  add(at: number, event: Emit): EventInput {
    const { system, ...rest } = event;
    const built: EventInput = { customerId: this.profile.id, occurredAt: iso(Math.min(at, this.nowMs)), source: { system, externalId: this.nextId(system) }, ...rest };
    this.push(built);
    return built;
  }

  push(event: EventInput): void {
    if (Date.parse(event.occurredAt) < this.startMs) return;
    this.events.push(event);
  }
}

type TicketCounter = { next: number };

/** A placeholder ticket key; `renumberTickets` gives the real keys in the order the tickets were opened. */
function nextTicket(tickets: TicketCounter): string {
  tickets.next += 1;
  return `SUP-#${tickets.next}#`;
}

const TICKET_PLACEHOLDER = /SUP-#(\d+)#/g;

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
    state.symptoms = state.symptoms?.map((symptom) => ({ ...symptom, thread: rename(symptom.thread), name: rename(symptom.name), summary: rename(symptom.summary) }));
  }
}

/** Feature flags as the entitlements of a plan set them. */
function planFlags(plan: Plan): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const feature of DEMO_FEATURES) flags[featureFlag(feature)] = PLAN_ENTITLEMENTS[plan].includes(feature);
  return flags;
}

/**
 * The last time one of the demo's schedules fired at or before `at`: every N
 * minutes (`*\/N * * * *`), every N hours (`0 *\/N * * *`), hourly, or daily at
 * `M H * * *` (UTC).
 */
function lastScheduledRun(schedule: string, at: number): number {
  const [minute = '0', hour = '*'] = schedule.split(' ');
  if (minute.startsWith('*/')) return floorTo(at, Number(minute.slice(2)) * MINUTE);
  if (hour.startsWith('*/')) return floorTo(at - Number(minute) * MINUTE, Number(hour.slice(2)) * HOUR) + Number(minute) * MINUTE;
  if (hour === '*') return floorTo(at - Number(minute) * MINUTE, HOUR) + Number(minute) * MINUTE;
  const offset = (Number(hour) * 60 + Number(minute)) * MINUTE;
  return floorTo(at - offset, DAY) + offset;
}

function floorTo(at: number, period: number): number {
  return Math.floor(at / period) * period;
}

function buildCustomer(
  random: Random,
  profile: Profile,
  releases: PlannedRelease[],
  incidents: FleetIncident[],
  tickets: TicketCounter,
  window: Window,
): { customer: Customer; features: CustomerFeature[]; events: EventInput[]; state: DemoCustomerState } {
  const history = new History(profile, window.startMs, window.nowMs);
  const from = Math.max(window.startMs, profile.createdAt);
  const to = profile.churnAt ?? window.nowMs;
  const role = profile.role;
  const engineer = (): string => random.pick(ENGINEERS);
  const contact = (): string => random.pick(profile.contacts);
  /** A random moment in [low, high] on the minute, or null when the range is empty (young customers). */
  const momentBetween = (low: number, high: number): number | null => (high - low < MINUTE ? null : Math.floor(random.between(low, high) / MINUTE) * MINUTE);

  const state: DemoCustomerState = {
    customerId: profile.id,
    flags: planFlags(profile.startPlan),
    config: {
      'exports.schedule': profile.exportSchedule,
      'exports.format': profile.exportFormat,
      'exports.destination': `s3://${profile.id}-exports/lightkeeper/`,
      'session.timeout_minutes': random.pick([30, 60, 240, 480]),
      'api.rate_limit_rpm': random.pick([600, 1200, 3000]),
      'webhooks.max_retries': random.pick([3, 5, 8]),
      'data_retention_days': random.pick([180, 365, 730]),
    },
    idp: null,
    provisioning: [],
    jobs: [],
    pinnedVersion: null,
    faults: [],
    version: '',
    entitlements: [...PLAN_ENTITLEMENTS[profile.startPlan]],
    regression: null,
    symptoms: [],
  };
  for (const flag of ROUTINE_FLAGS) state.flags[flag.key] = random.chance(0.3);
  const hasEntitlement = (feature: DemoFeature): boolean => PLAN_ENTITLEMENTS[profile.plan].includes(feature) || PLAN_ENTITLEMENTS[profile.startPlan].includes(feature);
  if (hasEntitlement('billing_sync')) {
    state.config['billing_sync.target'] = profile.billingTarget;
    state.config['billing_sync.schedule'] = random.pick(['*/15 * * * *', '0 * * * *']);
  }
  if (hasEntitlement('sso')) {
    state.config['sso.provider'] = profile.ssoProvider;
    state.flags['sso.enforce'] = role === 'sso_enforced' ? false : random.chance(0.7);
    state.idp = { metadataReady: true, certificateExpiresAt: iso(window.nowMs + random.int(45, 700) * DAY) };
  }

  // Features that must not get routine noise because a fault's story is told on them.
  const quietFeatures = new Set<string>(
    role === 'sso_enforced' ? ['sso'] : role === 'export_schedule' || role === 'export_worker' ? ['exports'] : role === 'upgrade_regression' ? ['billing_sync'] : role === 'entitlement_missing' ? ['audit_log'] : role === 'entitlement_unpaid' ? ['data_import'] : [],
  );

  buildProvisioning(random, history, profile, state, window);
  const versionBefore = buildVersions(random, history, profile, state, releases, window);
  buildPlanChange(random, history, profile, state);

  const isActive = profile.lifecycle !== 'churned';
  const enabledAt = (at: number): DemoFeature[] => DEMO_FEATURES.filter((feature) => PLAN_ENTITLEMENTS[profile.planChangeAt !== null && at < profile.planChangeAt ? profile.startPlan : profile.plan].includes(feature));

  // Weekly usage summaries, the customer's pulse.
  const seatBase = { free: [3, 15], starter: [10, 80], pro: [50, 600], enterprise: [400, 5000] }[profile.plan];
  let seats = random.int(seatBase[0] ?? 5, seatBase[1] ?? 50);
  const requestsPerSeat = random.int(200, 1200);
  // Usage starts once the tenant is provisioned; a stuck onboarding has none.
  const provisionedAt = state.provisioning.every((step) => step.status === 'done') ? Math.max(...state.provisioning.map((step) => Date.parse(step.updatedAt)), from) : to;
  for (let at = provisionedAt + random.int(1, 6) * DAY + 6 * HOUR; at < to - HOUR; at += 7 * DAY) {
    const change = random.between(-6, 9);
    seats = Math.max(2, Math.round(seats * (1 + change / 100)));
    const requests = Math.round(seats * requestsPerSeat * random.between(0.93, 1.07));
    history.add(at, {
      system: 'analytics',
      kind: 'usage',
      severity: 'info',
      actor: null,
      summary: `Weekly usage: ${formatCount(seats)} active users, ${formatCount(requests)} API requests (${change >= 0 ? '+' : ''}${change.toFixed(1)}% w/w)`,
      body: null,
      feature: null,
      properties: { activeUsers: seats, apiRequests: requests, changePercent: Number(change.toFixed(1)) },
    });
  }

  if (profile.lifecycle === 'live' || profile.lifecycle === 'churned') {
    buildRoutineFlags(random, history, profile, state, from, to, contact, engineer, momentBetween);
    buildRoutineConfig(random, history, profile, state, from, to, contact, engineer, momentBetween);
  }

  // Routine alerts: fire, then resolve within hours.
  const alertCount = profile.lifecycle === 'live' ? random.int(0, 3) : random.int(0, 1);
  for (let index = 0; index < alertCount; index += 1) {
    const at = momentBetween(from + 2 * HOUR, to - 8 * HOUR);
    if (at === null) continue;
    const candidates = enabledAt(at).filter((feature) => !quietFeatures.has(feature));
    if (candidates.length === 0) continue;
    const feature = random.pick(candidates);
    const spec = ROUTINE_ALERTS[feature];
    const isError = random.chance(0.3);
    const value = Math.round(spec.threshold * random.between(1.2, isError ? 4 : 2) * 10) / 10;
    const thread = `am-${random.hex(12)}`;
    const summary = `${spec.text}: ${value}${spec.unit} (threshold ${spec.threshold}${spec.unit})`;
    if (isError) {
      history.add(at - 3 * MINUTE, {
        system: 'alertmanager',
        kind: 'error_spike',
        severity: 'error',
        actor: null,
        summary: `${feature}: error rate ${random.int(3, 18)}× baseline for ${random.int(3, 12)} minutes`,
        body: null,
        feature,
        properties: { thread },
      });
    }
    history.push(alertOpen({ customerId: profile.id, at, externalId: history.nextId('alertmanager'), thread, alertname: spec.name, severity: isError ? 'error' : 'warning', summary, feature, value, threshold: spec.threshold }));
    const duration = random.int(8, 180);
    history.push(alertResolved({ customerId: profile.id, at: at + duration * MINUTE, externalId: history.nextId('alertmanager'), thread, alertname: spec.name, summary, feature, firedForMinutes: duration }));
  }

  // Routine tickets; a recent one may still be open.
  const ticketCount = profile.lifecycle === 'live' ? random.int(0, 2) : random.int(0, 1);
  for (let index = 0; index < ticketCount; index += 1) {
    const at = momentBetween(from + 4 * HOUR, to - 2 * HOUR);
    if (at === null) continue;
    const candidates = enabledAt(at).filter((feature) => !quietFeatures.has(feature));
    const useHowTo = profile.lifecycle !== 'live' || candidates.length === 0 || random.chance(0.25);
    const feature = useHowTo ? null : random.pick(candidates);
    const template = feature === null ? random.pick(HOWTO_TICKETS) : random.pick(ROUTINE_TICKETS[feature]);
    const ticket = nextTicket(tickets);
    history.push(ticketOpen({ customerId: profile.id, at, externalId: history.nextId('zendesk'), ticket, subject: template.subject, requester: contact(), message: template.ask, feature }));
    const solvedAt = at + random.int(2 * 60, 4 * 24 * 60) * MINUTE;
    const staysOpen = solvedAt > to - 10 * MINUTE || (to - at < 2 * DAY && random.chance(0.5));
    if (staysOpen && isActive) continue;
    history.push(ticketResolved({ customerId: profile.id, at: Math.min(solvedAt, to - 5 * MINUTE), externalId: history.nextId('zendesk'), ticket, subject: template.subject, agent: engineer(), resolution: template.answer, feature }));
  }

  // Occasional usage drop, and the recovery after it.
  const dropAt = profile.lifecycle === 'live' && random.chance(0.25) ? momentBetween(from + DAY, to - 7 * DAY) : null;
  const dropFeatures = dropAt === null ? [] : enabledAt(dropAt).filter((candidate) => candidate === 'api_access' || candidate === 'analytics' || candidate === 'exports');
  if (dropAt !== null && dropFeatures.length > 0) {
    const at = dropAt;
    const feature = random.pick(dropFeatures);
    const drop = random.int(35, 70);
    const reason = random.pick(['Customer paused their nightly integration during a data migration.', 'Public holiday in the customer’s main market.', 'Customer moved a team to another tool for a pilot.']);
    history.add(at, {
      system: 'analytics',
      kind: 'usage_drop',
      severity: 'warning',
      actor: null,
      summary: `${feature} usage down ${drop}% against the 4-week baseline`,
      body: `Usage of **${feature}** fell ${drop}% below its 4-week baseline for 24 hours.`,
      feature,
      properties: { dropPercent: drop },
    });
    history.add(at + random.int(2, 5) * DAY, {
      system: 'analytics',
      kind: 'recovery',
      severity: 'notice',
      actor: null,
      summary: `${feature} usage back to baseline`,
      body: `Account owner note: ${reason}`,
      feature,
      properties: {},
    });
  }

  // An account note now and then.
  const noteAt = profile.owner !== null && profile.lifecycle === 'live' && random.chance(0.35) ? momentBetween(from + DAY, to - DAY) : null;
  if (noteAt !== null) {
    history.add(noteAt, {
      system: 'crm',
      kind: 'note',
      severity: 'info',
      actor: profile.owner,
      summary: random.pick(['Quarterly business review held', 'Renewal discussion started', 'Executive sponsor changed', 'Customer asked about the roadmap for audit exports']),
      body: random.pick([
        'QBR went well. They plan to roll the product out to two more departments next quarter.',
        'Renewal is due in 60 days. Main ask: better SSO group mapping.',
        'New VP of Operations is our sponsor now; intro call booked.',
        'Shared the public roadmap; they want scheduled audit log exports.',
      ]),
      feature: null,
      properties: {},
    });
  }

  for (const incident of incidents) {
    if (!incident.customers.has(profile.id)) continue;
    const properties = { thread: incident.key, region: incident.region };
    history.add(incident.at - 4 * MINUTE, {
      system: 'alertmanager',
      kind: 'error_spike',
      severity: 'error',
      actor: null,
      summary: `${incident.feature}: error rate ${random.int(8, 40)}× baseline in ${incident.region}`,
      body: null,
      feature: incident.feature,
      links: { incident: incident.key },
      properties: { region: incident.region },
    });
    history.add(incident.at, {
      system: 'pagerduty',
      kind: 'incident',
      severity: incident.severity,
      actor: 'pagerduty',
      summary: `${incident.key}: ${incident.title}`,
      body: `Incident declared for **${incident.region}**. Customers in this region may see failures on ${incident.feature}.\n\nStatus page updated.`,
      feature: incident.feature,
      links: { incident: incident.key },
      properties: { status: 'open', ...properties },
    });
    history.add(incident.at + incident.durationMinutes * MINUTE, {
      system: 'pagerduty',
      kind: 'incident',
      severity: 'info',
      actor: engineer(),
      summary: `${incident.key} resolved: ${incident.title}`,
      body: `Mitigated after ${formatMinutes(incident.durationMinutes)}. Postmortem to follow in the incident channel.`,
      feature: incident.feature,
      links: { incident: incident.key },
      properties: { status: 'resolved', ...properties },
    });
  }

  if (profile.lifecycle === 'churned' && profile.churnAt !== null) buildChurn(random, history, profile, state, tickets, contact, engineer);

  buildJobs(random, profile, state, window);
  if (role !== null) buildFaultStory(random, history, profile, state, tickets, releases, versionBefore, window, contact, engineer);

  state.faults = activeFaults(state);
  const customer: Customer = {
    id: profile.id,
    name: profile.name,
    plan: profile.plan,
    region: profile.region,
    environment: profile.environment,
    version: state.pinnedVersion ?? state.version ?? '',
    lifecycle: profile.lifecycle,
    health: 'unknown',
    owner: profile.owner,
    createdAt: iso(profile.createdAt),
    updatedAt: iso(profile.createdAt),
  };
  const lastSignal = new Map<string, number>();
  let lastEventAt = profile.createdAt;
  for (const event of history.events) {
    const at = Date.parse(event.occurredAt);
    lastEventAt = Math.max(lastEventAt, at);
    if (event.feature) lastSignal.set(event.feature, Math.max(lastSignal.get(event.feature) ?? 0, at));
  }
  customer.updatedAt = iso(lastEventAt);
  const rows: CustomerFeature[] = DEMO_FEATURES.map((feature) => {
    const enabled = state.flags[featureFlag(feature)] === true;
    // Enabled features in use report a signal in the last hours; their last event may be older.
    const heartbeat = isActive && enabled ? window.nowMs - random.int(1, 240) * MINUTE : 0;
    const signal = Math.max(lastSignal.get(feature) ?? 0, heartbeat);
    return {
      customerId: profile.id,
      feature,
      entitled: state.entitlements?.includes(feature) ?? false,
      enabled,
      health: 'unknown',
      lastSignalAt: signal > 0 ? iso(Math.min(signal, window.nowMs)) : null,
    };
  });
  const derived = deriveHealth(customer, rows, state);
  customer.health = derived.health;
  return { customer, features: derived.features, events: history.events, state };
}

function provisioningSteps(plan: Plan, lifecycle: Customer['lifecycle']): string[] {
  if (lifecycle === 'trial') return ['tenant_create', 'region_allocation', 'smoke_test'];
  return PROVISIONING_STEPS.filter((step) => {
    const feature = PROVISIONING_STEP_FEATURES[step];
    return feature === undefined || (PLAN_ENTITLEMENTS[plan] as readonly string[]).includes(feature);
  });
}

function stepSummary(step: string, profile: Profile, status: ProvisioningStep['status']): string {
  if (status === 'running') return `Provisioning: ${step} started`;
  if (status === 'failed') return `Provisioning: ${step} failed`;
  switch (step) {
    case 'tenant_create':
      return `Provisioning: tenant created in ${profile.region}`;
    case 'region_allocation':
      return `Provisioning: database shard allocated in ${profile.region}`;
    case 'dns':
      return `Provisioning: custom domain app.${profile.domain} verified`;
    case 'sso_setup':
      return `Provisioning: SSO connection to ${profile.ssoProvider} ready`;
    case 'data_import':
      return 'Provisioning: initial data import finished';
    case 'smoke_test':
      return 'Provisioning: smoke tests passed';
    default:
      return `Provisioning: ${step} done`;
  }
}

function provisioningEvent(history: History, profile: Profile, at: number, step: ProvisioningStep, previous: ProvisioningStep['status'], body: string | null): void {
  history.add(at, {
    system: 'provisioner',
    kind: 'provisioning_step',
    severity: step.status === 'failed' ? 'error' : 'info',
    actor: 'provisioner',
    summary: stepSummary(step.step, profile, step.status),
    body,
    feature: PROVISIONING_STEP_FEATURES[step.step] ?? null,
    prevValue: previous,
    newValue: step.status,
    properties: { step: step.step, attempt: step.attempts, status: step.status },
  });
}

const FAILING_STEP: Partial<Record<FaultRole, { step: string; error: string }>> = {
  provisioning_dns: { step: 'dns', error: 'DNS verification failed: TXT record _lightkeeper-verify not found for app.{domain}' },
  provisioning_import: { step: 'data_import', error: "Import aborted: 1,204 rows rejected in accounts.csv (column 'account_id' missing)" },
};

function buildProvisioning(random: Random, history: History, profile: Profile, state: DemoCustomerState, window: Window): void {
  const steps = provisioningSteps(profile.plan, profile.lifecycle);
  if (profile.createdAt < window.startMs) {
    let at = profile.createdAt;
    state.provisioning = steps.map((step) => {
      at += random.int(2, 30) * MINUTE;
      return { step, status: 'done', attempts: 1, error: null, updatedAt: iso(at) };
    });
    return;
  }
  const failing = profile.role ? FAILING_STEP[profile.role] : undefined;
  // The newest onboarding customers are still being provisioned.
  const inProgressAt = profile.lifecycle === 'onboarding' && !failing && window.nowMs - profile.createdAt < 2 * DAY ? random.int(1, steps.length - 1) : steps.length;
  let at = profile.createdAt;
  let blocked = false;
  state.provisioning = steps.map((name, index) => {
    if (blocked || index > inProgressAt) return { step: name, status: 'pending', attempts: 0, error: null, updatedAt: iso(profile.createdAt) };
    at += (name === 'dns' ? random.int(20, 180) : name === 'data_import' ? random.int(30, 240) : random.int(2, 25)) * MINUTE;
    at = Math.min(at, window.nowMs - 10 * MINUTE);
    if (index === inProgressAt) {
      const step: ProvisioningStep = { step: name, status: 'running', attempts: 1, error: null, updatedAt: iso(at) };
      provisioningEvent(history, profile, at, step, 'pending', null);
      blocked = true;
      return step;
    }
    if (failing && failing.step === name) {
      const error = failing.error.replace('{domain}', profile.domain);
      const step: ProvisioningStep = { step: name, status: 'failed', attempts: 1, error, updatedAt: iso(at) };
      provisioningEvent(history, profile, at, step, 'running', `\`\`\`\n${error}\n\`\`\`\nThe provisioner does not retry this step automatically.`);
      blocked = true;
      return step;
    }
    const step: ProvisioningStep = { step: name, status: 'done', attempts: 1, error: null, updatedAt: iso(at) };
    provisioningEvent(history, profile, at, step, 'running', null);
    return step;
  });
  if (profile.lifecycle === 'onboarding' && (PLAN_ENTITLEMENTS[profile.plan] as readonly string[]).includes('sso') && state.idp) {
    // SSO is ready only once its provisioning step is done.
    const ssoStep = state.provisioning.find((step) => step.step === 'sso_setup');
    state.idp.metadataReady = ssoStep?.status === 'done';
    state.flags['sso.enforce'] = false;
  }
}

/** Replays the release waves for this customer; returns its version just before each upgrade. */
function buildVersions(random: Random, history: History, profile: Profile, state: DemoCustomerState, releases: PlannedRelease[], window: Window): Map<string, string> {
  const versionBefore = new Map<string, string>();
  const generallyAvailable = releases.filter((release) => !release.isHalted);
  const atCreation = [...generallyAvailable].reverse().find((release) => release.releasedAt <= Math.max(profile.createdAt, window.startMs));
  const preWindow = releases.filter((release) => release.releasedAt < window.startMs);
  let version = (profile.createdAt < window.startMs ? (profile.isHeldBack ? preWindow[0] : preWindow[preWindow.length - 1]) : atCreation)?.version ?? itemAt(releases, 0).version;
  let skipped = 0;
  const offset = random.int(0, 180) * MINUTE;
  const until = Math.min(profile.churnAt ?? window.nowMs, window.nowMs - 10 * MINUTE);
  for (const release of releases) {
    if (release.releasedAt < window.startMs || compareVersions(release.version, version) <= 0) continue;
    if (release.isHalted && profile.ring === 'broad') continue;
    const deployAt = release.waveStart[profile.ring] + offset;
    if (deployAt <= profile.createdAt || deployAt + 10 * MINUTE > until) continue;
    if (profile.isHeldBack && skipped < 2 && random.chance(0.6)) {
      skipped += 1;
      continue;
    }
    skipped = 0;
    const upgradeAt = deployAt + random.int(3, 9) * MINUTE;
    history.add(deployAt, {
      system: 'deploybot',
      kind: 'deploy',
      severity: 'info',
      actor: 'deploybot',
      summary: `Deploy ${release.version} to ${profile.id} (${profile.ring} wave)`,
      body: `Release **${release.version}**\n\n${release.notes}`,
      feature: null,
      links: { release: release.version },
      properties: { wave: profile.ring, region: profile.region, build: `${release.version}+${random.int(4000, 9999)}` },
    });
    history.add(upgradeAt, {
      system: 'deploybot',
      kind: 'version_upgrade',
      severity: 'notice',
      actor: 'deploybot',
      summary: `Upgraded ${version} → ${release.version}`,
      body: `Schema migrations applied: ${random.int(0, 6)}. Health checks passed.`,
      feature: null,
      prevValue: version,
      newValue: release.version,
      links: { release: release.version },
      properties: { wave: profile.ring, upgradedAt: iso(upgradeAt) },
    });
    versionBefore.set(release.version, version);
    version = release.version;
  }
  state.version = version;
  return versionBefore;
}

/** A plan change and the entitlement sync that follows it (the fault roles break that sync on purpose). */
function buildPlanChange(random: Random, history: History, profile: Profile, state: DemoCustomerState): void {
  const at = profile.planChangeAt;
  if (at === null || profile.plan === profile.startPlan) {
    state.entitlements = [...PLAN_ENTITLEMENTS[profile.plan]];
    return;
  }
  const before = PLAN_ENTITLEMENTS[profile.startPlan];
  const after = PLAN_ENTITLEMENTS[profile.plan];
  const isUpgrade = after.length > before.length;
  history.add(at, {
    system: 'billing',
    kind: 'plan_change',
    severity: 'notice',
    actor: isUpgrade ? random.pick(profile.contacts) : `sales: ${profile.owner ?? 'self-serve'}`,
    summary: `Plan ${isUpgrade ? 'upgraded' : 'downgraded'}: ${profile.startPlan} → ${profile.plan}`,
    body: isUpgrade
      ? `Self-serve checkout. New entitlements: ${after.filter((feature) => !before.includes(feature)).join(', ')}.`
      : `Contract renegotiated at renewal. Entitlements removed: ${before.filter((feature) => !after.includes(feature)).join(', ')}.`,
    feature: null,
    prevValue: profile.startPlan,
    newValue: profile.plan,
    links: {},
    properties: { invoice: `INV-${random.int(100000, 999999)}` },
  });
  state.entitlements = [...after];
  const changed = DEMO_FEATURES.filter((feature) => before.includes(feature) !== after.includes(feature));
  let syncAt = at + random.int(1, 3) * MINUTE;
  for (const feature of changed) {
    const enabled = after.includes(feature);
    // The entitlement sync dropped exactly this flag for the faulty customers.
    if (profile.role === 'entitlement_missing' && feature === 'audit_log') continue;
    if (profile.role === 'entitlement_unpaid' && feature === 'data_import') continue;
    history.add(syncAt, {
      system: 'flags',
      kind: 'flag_change',
      severity: 'info',
      actor: 'entitlements-sync',
      summary: `${featureFlag(feature)} ${enabled ? 'enabled' : 'disabled'} (plan ${profile.plan})`,
      body: `Applied by entitlements-sync after the plan change to **${profile.plan}**.`,
      feature,
      prevValue: !enabled,
      newValue: enabled,
      properties: { key: featureFlag(feature) },
    });
    state.flags[featureFlag(feature)] = enabled;
    syncAt += random.int(5, 40) * 1000;
  }
}

function buildRoutineFlags(
  random: Random,
  history: History,
  profile: Profile,
  state: DemoCustomerState,
  from: number,
  to: number,
  contact: () => string,
  engineer: () => string,
  momentBetween: (low: number, high: number) => number | null,
): void {
  const chosen = random.shuffle(ROUTINE_FLAGS).slice(0, random.int(0, 3));
  for (const flag of chosen) {
    const changes = random.int(1, 2);
    const moments = Array.from({ length: changes }, () => momentBetween(from + DAY, to - 2 * HOUR))
      .filter((moment) => moment !== null)
      .sort((left, right) => left - right);
    for (const at of moments) {
      const previous = state.flags[flag.key] === true;
      const byCustomer = random.chance(0.6);
      history.add(at, {
        system: 'flags',
        kind: 'flag_change',
        severity: 'info',
        actor: byCustomer ? contact() : engineer(),
        summary: `${flag.key} ${previous ? 'disabled' : 'enabled'}`,
        body: byCustomer ? `Changed in the admin console. Reason given: ${flag.why}.` : `${flag.why}. Requested by ${profile.name}.`,
        feature: null,
        prevValue: previous,
        newValue: !previous,
        properties: { key: flag.key },
      });
      state.flags[flag.key] = !previous;
    }
  }
}

function buildRoutineConfig(
  random: Random,
  history: History,
  profile: Profile,
  state: DemoCustomerState,
  from: number,
  to: number,
  contact: () => string,
  engineer: () => string,
  momentBetween: (low: number, high: number) => number | null,
): void {
  const specs: Array<{ key: string; values: ReadonlyArray<string | number>; why: string }> = [...ROUTINE_CONFIG];
  if (profile.role !== 'export_schedule' && profile.role !== 'export_worker') {
    specs.push({ key: 'exports.schedule', values: EXPORT_SCHEDULES, why: 'Data team wants fresher exports' });
  }
  const chosen = random.shuffle(specs).slice(0, random.int(0, 2));
  for (const spec of chosen) {
    const at = momentBetween(from + DAY, to - 3 * HOUR);
    if (at === null) continue;
    const previous = state.config[spec.key];
    const options = spec.values.filter((value) => value !== previous);
    if (options.length === 0) continue;
    const next = random.pick(options);
    const byCustomer = random.chance(0.5);
    history.add(at, {
      system: 'config',
      kind: 'config_change',
      severity: 'info',
      actor: byCustomer ? contact() : engineer(),
      summary: `${spec.key}: ${String(previous)} → ${String(next)}`,
      body: `${spec.why}.`,
      feature: spec.key.startsWith('exports.') ? 'exports' : spec.key.startsWith('webhooks.') ? 'webhooks' : spec.key.startsWith('api.') ? 'api_access' : null,
      prevValue: previous ?? null,
      newValue: next,
      properties: { key: spec.key },
    });
    state.config[spec.key] = next;
  }
}

function buildChurn(random: Random, history: History, profile: Profile, state: DemoCustomerState, tickets: TicketCounter, contact: () => string, engineer: () => string): void {
  const churnAt = profile.churnAt ?? 0;
  history.add(churnAt - random.int(20, 30) * DAY, {
    system: 'analytics',
    kind: 'usage_drop',
    severity: 'warning',
    actor: null,
    summary: `Active users down ${random.int(45, 80)}% against the 4-week baseline`,
    body: 'Sustained drop across all features.',
    feature: null,
    properties: {},
  });
  const ticket = nextTicket(tickets);
  const askedAt = churnAt - random.int(10, 16) * DAY;
  const subject = 'Cancel our subscription at the end of the term';
  history.push(ticketOpen({ customerId: profile.id, at: askedAt, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message: 'We have consolidated tooling and will not renew. Please confirm the data export and deletion process.', severity: 'notice' }));
  history.push(ticketResolved({ customerId: profile.id, at: askedAt + random.int(1, 3) * DAY, externalId: history.nextId('zendesk'), ticket, subject, agent: engineer(), resolution: 'Final export delivered; deletion scheduled 30 days after the term ends.' }));
  history.add(churnAt, {
    system: 'billing',
    kind: 'lifecycle_change',
    severity: 'notice',
    actor: 'billing',
    summary: 'Subscription ended: customer churned',
    body: `Term ended without renewal. Plan was **${profile.plan}**.`,
    feature: null,
    prevValue: 'live',
    newValue: 'churned',
    properties: {},
  });
  history.add(churnAt + 2 * MINUTE, {
    system: 'config',
    kind: 'config_change',
    severity: 'notice',
    actor: 'billing',
    summary: 'tenant.active: true → false',
    body: 'Tenant deactivated at the end of the term; all features switched off.',
    feature: null,
    prevValue: true,
    newValue: false,
    properties: { key: 'tenant.active' },
  });
  state.config['tenant.active'] = false;
  for (const feature of DEMO_FEATURES) state.flags[featureFlag(feature)] = false;
  state.flags['sso.enforce'] = false;
  state.entitlements = [];
}

function buildJobs(random: Random, profile: Profile, state: DemoCustomerState, window: Window): void {
  const jobs: DemoJob[] = [];
  const specs = [
    { kind: 'export', feature: 'exports', scheduleKey: 'exports.schedule' },
    { kind: 'billing_sync', feature: 'billing_sync', scheduleKey: 'billing_sync.schedule' },
  ] as const;
  for (const spec of specs) {
    if (state.flags[featureFlag(spec.feature)] !== true) continue;
    const schedule = String(state.config[spec.scheduleKey] ?? '0 * * * *');
    state.config[spec.scheduleKey] = schedule;
    const lastRunAt = lastScheduledRun(schedule, window.nowMs - random.int(0, 4) * MINUTE);
    jobs.push({ id: jobId(profile.id, spec.kind), kind: spec.kind, schedule, lagMinutes: random.int(0, 9), worker: 'ok', lastRunAt: iso(lastRunAt) });
  }
  state.jobs = jobs;
}

/** Records a symptom event in the state, so recovery can later resolve it. */
function addSymptom(state: DemoCustomerState, symptom: DemoSymptom): void {
  state.symptoms = [...(state.symptoms ?? []), symptom];
}

const REGRESSION: Omit<DemoRegression, 'version' | 'previousVersion'> = {
  feature: 'billing_sync',
  signature: 'netsuite-subsidiary-required',
  error: "NetSuite connector: 422 Unprocessable Entity — field 'subsidiary' is required",
};

function buildFaultStory(
  random: Random,
  history: History,
  profile: Profile,
  state: DemoCustomerState,
  tickets: TicketCounter,
  releases: PlannedRelease[],
  versionBefore: Map<string, string>,
  window: Window,
  contact: () => string,
  engineer: () => string,
): void {
  const now = window.nowMs;
  const id = profile.id;
  switch (profile.role) {
    case 'sso_enforced': {
      const providerAt = now - 30 * HOUR - random.int(0, 90) * MINUTE;
      const admin = contact();
      history.add(providerAt, {
        system: 'config',
        kind: 'config_change',
        severity: 'notice',
        actor: admin,
        summary: 'sso.provider: okta → azure_ad',
        body: 'Switching our identity provider to Azure AD. Federation metadata XML will be uploaded by IT.',
        feature: 'sso',
        prevValue: 'okta',
        newValue: 'azure_ad',
        properties: { key: 'sso.provider' },
      });
      state.config['sso.provider'] = 'azure_ad';
      if (state.idp) state.idp.metadataReady = false;
      const requestTicket = nextTicket(tickets);
      const requestAt = now - 8 * HOUR - random.int(0, 60) * MINUTE;
      const requestSubject = 'Please enforce SSO for all users';
      history.push(ticketOpen({ customerId: id, at: requestAt, externalId: history.nextId('zendesk'), ticket: requestTicket, subject: requestSubject, requester: admin, message: 'We moved to Azure AD. Please make SSO mandatory for everyone so nobody uses passwords any more.', feature: 'sso' }));
      const enforceAt = now - 5 * HOUR - random.int(0, 40) * MINUTE;
      const agent = engineer();
      history.add(enforceAt, {
        system: 'flags',
        kind: 'flag_change',
        severity: 'notice',
        actor: agent,
        summary: 'sso.enforce enabled',
        body: `Enforced SSO for all users as requested in ${requestTicket}.`,
        feature: 'sso',
        prevValue: false,
        newValue: true,
        links: { ticket: requestTicket },
        properties: { key: 'sso.enforce' },
      });
      state.flags['sso.enforce'] = true;
      history.push(ticketResolved({ customerId: id, at: enforceAt + 2 * MINUTE, externalId: history.nextId('zendesk'), ticket: requestTicket, subject: requestSubject, agent, resolution: 'SSO is now enforced for all users.', feature: 'sso' }));
      const failures = random.int(300, 700);
      history.add(enforceAt + 2 * MINUTE, {
        system: 'alertmanager',
        kind: 'error_spike',
        severity: 'error',
        actor: null,
        summary: `sso: ${failures} failed SAML logins in 10 minutes`,
        body: '```\nSAML response rejected: no IdP metadata configured for azure_ad\n```',
        feature: 'sso',
        properties: { failures, error: 'SAML response rejected: no IdP metadata configured for azure_ad' },
      });
      const thread = `am-sso-login-failures-${id}`;
      const summary = 'SSO login failure rate 100% (threshold 10%)';
      history.push(alertOpen({ customerId: id, at: enforceAt + 4 * MINUTE, externalId: history.nextId('alertmanager'), thread, alertname: 'SsoLoginFailures', severity: 'critical', summary, feature: 'sso', value: '100%', threshold: '10%' }));
      addSymptom(state, { fault: 'sso_enforced_without_idp', kind: 'alert', thread, feature: 'sso', summary, openedAt: iso(enforceAt + 4 * MINUTE), name: 'SsoLoginFailures' });
      const ticket = nextTicket(tickets);
      const subject = 'Users cannot sign in — SAML error';
      history.push(ticketOpen({ customerId: id, at: enforceAt + 25 * MINUTE, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message: 'Nobody in our company can log in since this morning. The login page says "SAML response could not be validated".', severity: 'error', feature: 'sso' }));
      addSymptom(state, { fault: 'sso_enforced_without_idp', kind: 'ticket', thread: ticket, feature: 'sso', summary: subject, openedAt: iso(enforceAt + 25 * MINUTE), name: ticket });
      history.add(enforceAt + 65 * MINUTE, {
        system: 'analytics',
        kind: 'usage_drop',
        severity: 'warning',
        actor: null,
        summary: `Active sessions down ${random.int(90, 97)}% against the same hour last week`,
        body: null,
        feature: 'sso',
        properties: {},
      });
      return;
    }
    case 'entitlement_missing': {
      const ticket = nextTicket(tickets);
      const at = now - DAY - random.int(0, 8) * HOUR;
      const subject = 'Audit log not visible after upgrading to Pro';
      history.push(ticketOpen({ customerId: id, at, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message: 'We upgraded to Pro on Monday mainly for the audit log, but the Audit log menu is not there for any of our admins.', severity: 'warning', feature: 'audit_log' }));
      addSymptom(state, { fault: 'feature_entitlement_mismatch', kind: 'ticket', thread: ticket, feature: 'audit_log', summary: subject, openedAt: iso(at), name: ticket });
      return;
    }
    case 'entitlement_unpaid': {
      const ticket = nextTicket(tickets);
      const at = now - 2 * DAY - random.int(0, 8) * HOUR;
      const subject = 'Entitlement audit: data_import enabled on the Starter plan';
      history.push(ticketOpen({ customerId: id, at, externalId: history.nextId('billing'), ticket, subject, requester: 'billing-audit', message: `Nightly entitlement audit: feature.data_import is on, but plan starter does not include data_import (downgraded from pro).`, severity: 'notice', feature: 'data_import', system: 'billing' }));
      addSymptom(state, { fault: 'feature_entitlement_mismatch', kind: 'ticket', thread: ticket, feature: 'data_import', summary: subject, openedAt: iso(at), name: ticket });
      return;
    }
    case 'provisioning_dns':
    case 'provisioning_import': {
      const failed = state.provisioning.find((step) => step.status === 'failed');
      if (!failed) throw new Error(`fault story for ${id}: no failed provisioning step`);
      const failedAt = Date.parse(failed.updatedAt);
      const thread = `am-provisioning-${failed.step}-${id}`;
      const summary = `Provisioning step ${failed.step} failed and is not being retried`;
      const feature = PROVISIONING_STEP_FEATURES[failed.step] ?? null;
      history.push(alertOpen({ customerId: id, at: failedAt + 2 * MINUTE, externalId: history.nextId('alertmanager'), thread, alertname: 'ProvisioningStepFailed', severity: 'error', summary, feature, extra: { step: failed.step } }));
      addSymptom(state, { fault: 'provisioning_stuck', kind: 'alert', thread, feature, summary, openedAt: iso(failedAt + 2 * MINUTE), name: 'ProvisioningStepFailed' });
      const ticket = nextTicket(tickets);
      const at = now - 2 * DAY - random.int(0, 12) * HOUR;
      const subject = failed.step === 'dns' ? 'Our new workspace is still not ready' : 'Initial data import failed';
      const message =
        failed.step === 'dns'
          ? `We added the TXT record for app.${profile.domain} on Monday, but the onboarding page still says "verifying domain".`
          : 'The onboarding page shows the data import as failed. We fixed the accounts.csv file since; can you run it again?';
      history.push(ticketOpen({ customerId: id, at, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message, severity: 'warning', feature }));
      addSymptom(state, { fault: 'provisioning_stuck', kind: 'ticket', thread: ticket, feature, summary: subject, openedAt: iso(at), name: ticket });
      return;
    }
    case 'export_schedule': {
      const changeAt = now - 9 * HOUR - random.int(0, 50) * MINUTE;
      const broken = '*/30 * * *';
      history.add(changeAt, {
        system: 'config',
        kind: 'config_change',
        severity: 'info',
        actor: contact(),
        summary: `exports.schedule: */30 * * * * → ${broken}`,
        body: 'Changed in the admin console: "every 30 minutes, business days".',
        feature: 'exports',
        prevValue: '*/30 * * * *',
        newValue: broken,
        properties: { key: 'exports.schedule' },
      });
      state.config['exports.schedule'] = broken;
      const job = state.jobs.find((candidate) => candidate.kind === 'export');
      if (!job) throw new Error(`fault story for ${id}: no export job`);
      job.schedule = broken;
      job.lastRunAt = iso(lastScheduledRun('*/30 * * * *', changeAt));
      job.lagMinutes = Math.floor((now - Date.parse(job.lastRunAt)) / MINUTE);
      const thread = `am-export-lag-${id}`;
      const summary = 'Export job lag above 2h';
      const firstAt = Date.parse(job.lastRunAt) + 2 * HOUR + 5 * MINUTE;
      history.push(alertOpen({ customerId: id, at: firstAt, externalId: history.nextId('alertmanager'), thread, alertname: 'ExportLagHigh', severity: 'warning', summary, feature: 'exports', value: '2h 5m', threshold: '2h', extra: { job: job.id } }));
      history.push(alertOpen({ customerId: id, at: firstAt + 4 * HOUR, externalId: history.nextId('alertmanager'), thread, alertname: 'ExportLagHigh', severity: 'error', summary: 'Export job lag above 6h', feature: 'exports', value: '6h 5m', threshold: '2h', extra: { job: job.id } }));
      addSymptom(state, { fault: 'export_lag', kind: 'alert', thread, feature: 'exports', summary, openedAt: iso(firstAt), name: 'ExportLagHigh' });
      const ticket = nextTicket(tickets);
      const at = now - HOUR - random.int(0, 30) * MINUTE;
      const subject = 'Export files missing in our S3 bucket since this morning';
      history.push(ticketOpen({ customerId: id, at, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message: `The last file in ${String(state.config['exports.destination'])} is from ${job.lastRunAt.slice(11, 16)} UTC. Our reporting is stale.`, severity: 'warning', feature: 'exports' }));
      addSymptom(state, { fault: 'export_lag', kind: 'ticket', thread: ticket, feature: 'exports', summary: subject, openedAt: iso(at), name: ticket });
      return;
    }
    case 'export_worker': {
      const deployAt = now - 14 * HOUR - random.int(10, 50) * MINUTE;
      history.add(deployAt, {
        system: 'deploybot',
        kind: 'deploy',
        severity: 'info',
        actor: 'deploybot',
        summary: `Deployed export-worker 5.8.2 to the ${profile.region} cell`,
        body: 'Rolling deploy of **export-worker** 5.8.2 (new Parquet writer); no product version change.',
        feature: 'exports',
        properties: { component: 'export-worker', build: '5.8.2', region: profile.region },
      });
      const job = state.jobs.find((candidate) => candidate.kind === 'export');
      if (!job) throw new Error(`fault story for ${id}: no export job`);
      job.worker = 'stuck';
      job.lastRunAt = iso(deployAt + 6 * MINUTE);
      job.lagMinutes = Math.floor((now - Date.parse(job.lastRunAt)) / MINUTE);
      const heartbeatThread = `am-export-worker-heartbeat-${id}`;
      const heartbeatSummary = `Export worker for ${job.id} sends no heartbeat`;
      history.push(alertOpen({ customerId: id, at: deployAt + 21 * MINUTE, externalId: history.nextId('alertmanager'), thread: heartbeatThread, alertname: 'ExportWorkerHeartbeatMissing', severity: 'error', summary: heartbeatSummary, feature: 'exports', extra: { job: job.id, worker: `export-worker-${random.int(1, 12)}` } }));
      addSymptom(state, { fault: 'export_lag', kind: 'alert', thread: heartbeatThread, feature: 'exports', summary: heartbeatSummary, openedAt: iso(deployAt + 21 * MINUTE), name: 'ExportWorkerHeartbeatMissing' });
      const lagThread = `am-export-lag-${id}`;
      const lagSummary = 'Export job lag above 2h';
      const lagAt = Date.parse(job.lastRunAt) + 2 * HOUR + 5 * MINUTE;
      history.push(alertOpen({ customerId: id, at: lagAt, externalId: history.nextId('alertmanager'), thread: lagThread, alertname: 'ExportLagHigh', severity: 'warning', summary: lagSummary, feature: 'exports', value: '2h 5m', threshold: '2h', extra: { job: job.id } }));
      addSymptom(state, { fault: 'export_lag', kind: 'alert', thread: lagThread, feature: 'exports', summary: lagSummary, openedAt: iso(lagAt), name: 'ExportLagHigh' });
      return;
    }
    case 'upgrade_regression': {
      const halted = releases.find((release) => release.isHalted);
      const upgrade = history.events.find((event) => event.kind === 'version_upgrade' && event.newValue === halted?.version);
      if (!halted || !upgrade) throw new Error(`fault story for ${id}: no upgrade to the halted release`);
      const previousVersion = versionBefore.get(halted.version) ?? '';
      state.regression = { ...REGRESSION, version: halted.version, previousVersion };
      const upgradedAt = Date.parse(upgrade.occurredAt);
      const failedInvoices = random.int(9, 40);
      history.add(upgradedAt + random.int(8, 14) * MINUTE, {
        system: 'alertmanager',
        kind: 'error_spike',
        severity: 'error',
        actor: null,
        summary: `billing_sync: ${failedInvoices} invoices failed to sync in 15 minutes`,
        body: `\`\`\`\n${REGRESSION.error}\n\`\`\``,
        feature: 'billing_sync',
        links: { release: halted.version },
        properties: { signature: REGRESSION.signature, error: REGRESSION.error, version: halted.version },
      });
      const thread = `am-billing-sync-errors-${id}`;
      const summary = 'Billing sync error rate 38% (threshold 5%)';
      const alertAt = upgradedAt + 16 * MINUTE;
      history.push(
        alertOpen({
          customerId: id,
          at: alertAt,
          externalId: history.nextId('alertmanager'),
          thread,
          alertname: 'BillingSyncErrorRate',
          severity: 'error',
          summary,
          feature: 'billing_sync',
          value: '38%',
          threshold: '5%',
          extra: { signature: REGRESSION.signature, target: 'netsuite', version: halted.version },
          links: { release: halted.version },
        }),
      );
      addSymptom(state, { fault: 'upgrade_regression', kind: 'alert', thread, feature: 'billing_sync', summary, openedAt: iso(alertAt), name: 'BillingSyncErrorRate' });
      if (profile.plan === 'enterprise' || random.chance(0.5)) {
        const ticket = nextTicket(tickets);
        const at = alertAt + random.int(2, 6) * HOUR;
        const subject = 'Invoices not syncing to NetSuite since the update';
        history.push(ticketOpen({ customerId: id, at, externalId: history.nextId('zendesk'), ticket, subject, requester: contact(), message: `Since yesterday's update about a third of our invoices fail to reach NetSuite with "subsidiary is required". Nothing changed on our side.`, severity: 'warning', feature: 'billing_sync' }));
        addSymptom(state, { fault: 'upgrade_regression', kind: 'ticket', thread: ticket, feature: 'billing_sync', summary: subject, openedAt: iso(at), name: ticket });
      }
      return;
    }
    case null:
      return;
  }
}

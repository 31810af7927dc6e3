import type { Customer, CustomerFeature, EventInput } from '../../shared/domain';
import {
  DEMO_FEATURES,
  ENGINEERS,
  EXPORT_SCHEDULES,
  HOWTO_TICKETS,
  PLAN_ENTITLEMENTS,
  PROVISIONING_STEPS,
  PROVISIONING_STEP_FEATURES,
  ROUTINE_ALERTS,
  ROUTINE_CONFIG,
  ROUTINE_FLAGS,
  ROUTINE_TICKETS,
  featureFlag,
  isDemoFeature,
  type DemoFeature,
} from './catalog';
import {
  DAY,
  HOUR,
  MINUTE,
  alertOpen,
  alertResolved,
  formatCount,
  formatMinutes,
  iso,
  ticketOpen,
  ticketResolved,
} from './events';
import { compareVersions } from '../../shared/versions';
import { activeFaults, deriveHealth, jobId } from './health';
import {
  History,
  lastScheduledRun,
  nextTicket,
  type CustomerContext,
  type FaultRole,
  type FleetIncident,
  type FleetWindow,
  type Plan,
  type PlannedRelease,
  type Profile,
  type TicketCounter,
} from './model';
import { itemAt, type Random } from './random';
import { FAILING_STEP, buildFaultStory } from './stories';
import type { DemoCustomerState, DemoJob, ProvisioningStep } from './types';

/**
 * One customer's 90 days: provisioning, release waves, plan and configuration
 * changes, usage, routine alerts, tickets and incidents — and the state all of
 * it leaves behind. Fault stories are told in stories.ts.
 */

/** One customer: its history over the window, its final state, and its rows. */
export function buildCustomer(
  random: Random,
  profile: Profile,
  releases: readonly PlannedRelease[],
  incidents: readonly FleetIncident[],
  tickets: TicketCounter,
  window: FleetWindow,
): { customer: Customer; features: CustomerFeature[]; events: EventInput[]; state: DemoCustomerState } {
  const ctx: CustomerContext = {
    random,
    history: new History(profile, window.startMs, window.nowMs),
    profile,
    state: initialState(random, profile, window),
    window,
    tickets,
    from: Math.max(window.startMs, profile.createdAt),
    to: profile.churnAt ?? window.nowMs,
    contact: () => random.pick(profile.contacts),
    engineer: () => random.pick(ENGINEERS),
    momentBetween: (low, high) => (high - low < MINUTE ? null : Math.floor(random.between(low, high) / MINUTE) * MINUTE),
  };
  const quiet = quietFeatures(profile.role);
  buildProvisioning(ctx);
  const versionBefore = buildVersions(ctx, releases);
  buildPlanChange(ctx);
  buildWeeklyUsage(ctx);
  if (profile.lifecycle === 'live' || profile.lifecycle === 'churned') {
    buildRoutineFlags(ctx);
    buildRoutineConfig(ctx);
  }
  buildRoutineAlerts(ctx, quiet);
  buildRoutineTickets(ctx, quiet);
  buildUsageDrop(ctx);
  buildAccountNote(ctx);
  buildIncidents(ctx, incidents);
  if (profile.lifecycle === 'churned') buildChurn(ctx);
  buildJobs(ctx);
  if (profile.role !== null) buildFaultStory(ctx, releases, versionBefore);
  ctx.state.faults = activeFaults(ctx.state);
  const rows = finish(ctx);
  return { ...rows, events: ctx.history.events, state: ctx.state };
}

/** The state a customer starts the window with: its plan's flags, its configuration, its IdP. */
function initialState(random: Random, profile: Profile, window: FleetWindow): DemoCustomerState {
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
      data_retention_days: random.pick([180, 365, 730]),
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
  const hasEntitlement = (feature: DemoFeature): boolean =>
    PLAN_ENTITLEMENTS[profile.plan].includes(feature) || PLAN_ENTITLEMENTS[profile.startPlan].includes(feature);
  if (hasEntitlement('billing_sync')) {
    state.config['billing_sync.target'] = profile.billingTarget;
    state.config['billing_sync.schedule'] = random.pick(['*/15 * * * *', '0 * * * *']);
  }
  if (hasEntitlement('sso')) {
    state.config['sso.provider'] = profile.ssoProvider;
    state.flags['sso.enforce'] = profile.role === 'sso_enforced' ? false : random.chance(0.7);
    state.idp = { metadataReady: true, certificateExpiresAt: iso(window.nowMs + random.int(45, 700) * DAY) };
  }
  return state;
}

/** Features that get no routine noise because a fault's story is told on them. */
function quietFeatures(role: FaultRole | null): ReadonlySet<string> {
  switch (role) {
    case 'sso_enforced':
      return new Set(['sso']);
    case 'export_schedule':
    case 'export_worker':
      return new Set(['exports']);
    case 'upgrade_regression':
      return new Set(['billing_sync']);
    case 'entitlement_missing':
      return new Set(['audit_log']);
    case 'entitlement_unpaid':
      return new Set(['data_import']);
    default:
      return new Set();
  }
}

/** The features the customer's plan switched on at a moment (before or after its plan change). */
function enabledAt(profile: Profile, at: number): DemoFeature[] {
  const plan = profile.planChangeAt !== null && at < profile.planChangeAt ? profile.startPlan : profile.plan;
  return DEMO_FEATURES.filter((feature) => PLAN_ENTITLEMENTS[plan].includes(feature));
}

function buildWeeklyUsage(ctx: CustomerContext): void {
  const { random, history, profile, state, from, to } = ctx;
  // Weekly usage summaries, the customer's pulse.
  const seatBase = { free: [3, 15], starter: [10, 80], pro: [50, 600], enterprise: [400, 5000] }[profile.plan];
  let seats = random.int(seatBase[0] ?? 5, seatBase[1] ?? 50);
  const requestsPerSeat = random.int(200, 1200);
  // Usage starts once the tenant is provisioned; a stuck onboarding has none.
  const provisionedAt = state.provisioning.every((step) => step.status === 'done')
    ? Math.max(...state.provisioning.map((step) => Date.parse(step.updatedAt)), from)
    : to;
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
}

function buildRoutineAlerts(ctx: CustomerContext, quiet: ReadonlySet<string>): void {
  const { random, history, profile, from, to, momentBetween } = ctx;
  // Routine alerts: fire, then resolve within hours.
  const alertCount = profile.lifecycle === 'live' ? random.int(0, 3) : random.int(0, 1);
  for (let index = 0; index < alertCount; index += 1) {
    const at = momentBetween(from + 2 * HOUR, to - 8 * HOUR);
    if (at === null) continue;
    const candidates = enabledAt(profile, at).filter((feature) => !quiet.has(feature));
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
    history.push(
      alertOpen({
        customerId: profile.id,
        at,
        externalId: history.nextId('alertmanager'),
        thread,
        alertname: spec.name,
        severity: isError ? 'error' : 'warning',
        summary,
        feature,
        value,
        threshold: spec.threshold,
      }),
    );
    const duration = random.int(8, 180);
    history.push(
      alertResolved({
        customerId: profile.id,
        at: at + duration * MINUTE,
        externalId: history.nextId('alertmanager'),
        thread,
        alertname: spec.name,
        summary,
        feature,
        firedForMinutes: duration,
      }),
    );
  }
}

function buildRoutineTickets(ctx: CustomerContext, quiet: ReadonlySet<string>): void {
  const { random, history, profile, tickets, from, to, contact, engineer, momentBetween } = ctx;
  // Routine tickets; a recent one may still be open.
  const ticketCount = profile.lifecycle === 'live' ? random.int(0, 2) : random.int(0, 1);
  for (let index = 0; index < ticketCount; index += 1) {
    const at = momentBetween(from + 4 * HOUR, to - 2 * HOUR);
    if (at === null) continue;
    const candidates = enabledAt(profile, at).filter((feature) => !quiet.has(feature));
    const useHowTo = profile.lifecycle !== 'live' || candidates.length === 0 || random.chance(0.25);
    const feature = useHowTo ? null : random.pick(candidates);
    const template = feature === null ? random.pick(HOWTO_TICKETS) : random.pick(ROUTINE_TICKETS[feature]);
    const ticket = nextTicket(tickets);
    history.push(
      ticketOpen({
        customerId: profile.id,
        at,
        externalId: history.nextId('zendesk'),
        ticket,
        subject: template.subject,
        requester: contact(),
        message: template.ask,
        feature,
      }),
    );
    const solvedAt = at + random.int(2 * 60, 4 * 24 * 60) * MINUTE;
    const staysOpen = solvedAt > to - 10 * MINUTE || (to - at < 2 * DAY && random.chance(0.5));
    if (staysOpen && profile.lifecycle !== 'churned') continue;
    history.push(
      ticketResolved({
        customerId: profile.id,
        at: Math.min(solvedAt, to - 5 * MINUTE),
        externalId: history.nextId('zendesk'),
        ticket,
        subject: template.subject,
        agent: engineer(),
        resolution: template.answer,
        feature,
      }),
    );
  }
}

function buildUsageDrop(ctx: CustomerContext): void {
  const { random, history, profile, from, to, momentBetween } = ctx;
  // Occasional usage drop, and the recovery after it.
  const dropAt = profile.lifecycle === 'live' && random.chance(0.25) ? momentBetween(from + DAY, to - 7 * DAY) : null;
  const dropFeatures =
    dropAt === null
      ? []
      : enabledAt(profile, dropAt).filter(
          (candidate) => candidate === 'api_access' || candidate === 'analytics' || candidate === 'exports',
        );
  if (dropAt !== null && dropFeatures.length > 0) {
    const at = dropAt;
    const feature = random.pick(dropFeatures);
    const drop = random.int(35, 70);
    const reason = random.pick([
      'Customer paused their nightly integration during a data migration.',
      'Public holiday in the customer’s main market.',
      'Customer moved a team to another tool for a pilot.',
    ]);
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
}

function buildAccountNote(ctx: CustomerContext): void {
  const { random, history, profile, from, to, momentBetween } = ctx;
  // An account note now and then.
  const noteAt =
    profile.owner !== null && profile.lifecycle === 'live' && random.chance(0.35) ? momentBetween(from + DAY, to - DAY) : null;
  if (noteAt !== null) {
    history.add(noteAt, {
      system: 'crm',
      kind: 'note',
      severity: 'info',
      actor: profile.owner,
      summary: random.pick([
        'Quarterly business review held',
        'Renewal discussion started',
        'Executive sponsor changed',
        'Customer asked about the roadmap for audit exports',
      ]),
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
}

function buildIncidents(ctx: CustomerContext, incidents: readonly FleetIncident[]): void {
  const { random, history, profile, engineer } = ctx;
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
}

/** The customer row and its feature rows, with health derived from the final state. */
function finish(ctx: CustomerContext): { customer: Customer; features: CustomerFeature[] } {
  const { random, history, profile, state, window } = ctx;
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
    const heartbeat = profile.lifecycle !== 'churned' && enabled ? window.nowMs - random.int(1, 240) * MINUTE : 0;
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
  return { customer, features: derived.features };
}

/** Feature flags as the entitlements of a plan set them. */
function planFlags(plan: Plan): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const feature of DEMO_FEATURES) flags[featureFlag(feature)] = PLAN_ENTITLEMENTS[plan].includes(feature);
  return flags;
}

function provisioningSteps(plan: Plan, lifecycle: Customer['lifecycle']): string[] {
  if (lifecycle === 'trial') return ['tenant_create', 'region_allocation', 'smoke_test'];
  return PROVISIONING_STEPS.filter((step) => {
    const feature = PROVISIONING_STEP_FEATURES[step];
    return feature === undefined || (isDemoFeature(feature) && PLAN_ENTITLEMENTS[plan].includes(feature));
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

function provisioningEvent(
  history: History,
  profile: Profile,
  at: number,
  step: ProvisioningStep,
  previous: ProvisioningStep['status'],
  body: string | null,
): void {
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

function buildProvisioning(ctx: CustomerContext): void {
  const { random, history, profile, state, window } = ctx;
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
  const inProgressAt =
    profile.lifecycle === 'onboarding' && !failing && window.nowMs - profile.createdAt < 2 * DAY
      ? random.int(1, steps.length - 1)
      : steps.length;
  let at = profile.createdAt;
  let blocked = false;
  state.provisioning = steps.map((name, index) => {
    if (blocked || index > inProgressAt)
      return { step: name, status: 'pending', attempts: 0, error: null, updatedAt: iso(profile.createdAt) };
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
      provisioningEvent(
        history,
        profile,
        at,
        step,
        'running',
        `\`\`\`\n${error}\n\`\`\`\nThe provisioner does not retry this step automatically.`,
      );
      blocked = true;
      return step;
    }
    const step: ProvisioningStep = { step: name, status: 'done', attempts: 1, error: null, updatedAt: iso(at) };
    provisioningEvent(history, profile, at, step, 'running', null);
    return step;
  });
  if (profile.lifecycle === 'onboarding' && PLAN_ENTITLEMENTS[profile.plan].includes('sso') && state.idp) {
    // SSO is ready only once its provisioning step is done.
    const ssoStep = state.provisioning.find((step) => step.step === 'sso_setup');
    state.idp.metadataReady = ssoStep?.status === 'done';
    state.flags['sso.enforce'] = false;
  }
}

/** Replays the release waves for this customer; returns its version just before each upgrade. */
function buildVersions(ctx: CustomerContext, releases: readonly PlannedRelease[]): Map<string, string> {
  const { random, history, profile, state, window } = ctx;
  const versionBefore = new Map<string, string>();
  const generallyAvailable = releases.filter((release) => !release.isHalted);
  const atCreation = [...generallyAvailable]
    .reverse()
    .find((release) => release.releasedAt <= Math.max(profile.createdAt, window.startMs));
  const preWindow = releases.filter((release) => release.releasedAt < window.startMs);
  let version =
    (profile.createdAt < window.startMs ? (profile.isHeldBack ? preWindow[0] : preWindow[preWindow.length - 1]) : atCreation)
      ?.version ?? itemAt(releases, 0).version;
  if (profile.isHeldBack) {
    // Why it lags (issue 12): the account team holds upgrades for this customer's change-approval board.
    history.add(Math.max(window.startMs + DAY, profile.createdAt + HOUR), {
      system: 'config',
      kind: 'config_change',
      severity: 'notice',
      actor: profile.owner ?? 'account team',
      summary: 'upgrades.hold: false → true',
      body: 'Upgrades need the customer’s change-approval board; releases wait for their monthly window.',
      feature: null,
      prevValue: false,
      newValue: true,
      properties: { key: 'upgrades.hold' },
    });
    state.config['upgrades.hold'] = true;
  }
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
function buildPlanChange(ctx: CustomerContext): void {
  const { random, history, profile, state } = ctx;
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

function buildRoutineFlags(ctx: CustomerContext): void {
  const { random, history, profile, state, from, to, contact, engineer, momentBetween } = ctx;
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
        body: byCustomer
          ? `Changed in the admin console. Reason given: ${flag.why}.`
          : `${flag.why}. Requested by ${profile.name}.`,
        feature: null,
        prevValue: previous,
        newValue: !previous,
        properties: { key: flag.key },
      });
      state.flags[flag.key] = !previous;
    }
  }
}

function buildRoutineConfig(ctx: CustomerContext): void {
  const { random, history, profile, state, from, to, contact, engineer, momentBetween } = ctx;
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
      feature: spec.key.startsWith('exports.')
        ? 'exports'
        : spec.key.startsWith('webhooks.')
          ? 'webhooks'
          : spec.key.startsWith('api.')
            ? 'api_access'
            : null,
      prevValue: previous ?? null,
      newValue: next,
      properties: { key: spec.key },
    });
    state.config[spec.key] = next;
  }
}

function buildChurn(ctx: CustomerContext): void {
  const { random, history, profile, state, tickets, contact, engineer } = ctx;
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
  history.push(
    ticketOpen({
      customerId: profile.id,
      at: askedAt,
      externalId: history.nextId('zendesk'),
      ticket,
      subject,
      requester: contact(),
      message: 'We have consolidated tooling and will not renew. Please confirm the data export and deletion process.',
      severity: 'notice',
    }),
  );
  history.push(
    ticketResolved({
      customerId: profile.id,
      at: askedAt + random.int(1, 3) * DAY,
      externalId: history.nextId('zendesk'),
      ticket,
      subject,
      agent: engineer(),
      resolution: 'Final export delivered; deletion scheduled 30 days after the term ends.',
    }),
  );
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

function buildJobs(ctx: CustomerContext): void {
  const { random, profile, state, window } = ctx;
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
    jobs.push({
      id: jobId(profile.id, spec.kind),
      kind: spec.kind,
      schedule,
      lagMinutes: random.int(0, 9),
      worker: 'ok',
      lastRunAt: iso(lastRunAt),
    });
  }
  state.jobs = jobs;
}

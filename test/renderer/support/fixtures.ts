import type { Approval } from '../../../shared/remediation/wire';
import type { LinkTemplates } from '../../../shared/links';
import type { CustomerFeature, TimelineEvent } from '../../../shared/domain';
import type { CustomerSummary, NoteView, OpenItem } from '../../../shared/ipc/views';
import type {
  CustomerDiagnosis,
  CustomerSetup,
  ReleasesOutput,
  SignalSeries,
  WhoElseOutput,
} from '../../../shared/ipc/diagnosis-views';
import type { FollowUpView } from '../../../shared/ipc/follow-up-views';
import type { ProblemDetail } from '../../../shared/ipc/problem-views';
import type { SourceView, UnmatchedItem } from '../../../shared/ipc/source-views';

/** Everything the fake desk answers from: the state of a small, realistic cache. */
export type Fixtures = {
  customers: CustomerSummary[];
  latestVersion: string | null;
  features: CustomerFeature[];
  openItems: Record<string, OpenItem[]>;
  events: TimelineEvent[];
  notes: NoteView[];
  /** `diagnosis:customer` answers by customer id (default: nothing to explain). */
  diagnosis?: Record<string, CustomerDiagnosis>;
  /** `diagnosis:signalSeries` answers by customer id (default: counted from `events` for the `diagnosis` signal). */
  signalSeries?: Record<string, SignalSeries>;
  /** `diagnosis:whoElse` answers by event id (default: no other customer has it). */
  whoElse?: Record<string, WhoElseOutput>;
  /** `releases:list`'s answer (no releases when absent). */
  releases?: ReleasesOutput;
  /** `customers:setup` answers by customer id (nothing to set up when absent). */
  setup?: Record<string, CustomerSetup>;
  /** Follow-ups the fake desk answers `followUps:*` from (none when absent). */
  followUps?: FollowUpView[];
  /** Known problems the fake desk answers `problems:*` from (none when absent). */
  /** The problems and who they hit; `signatures` (how often each rule was seen) only where a test needs them. */
  problems?: (Omit<ProblemDetail, 'signatures'> & Partial<Pick<ProblemDetail, 'signatures'>>)[];
  /** The server's link templates as synced (ids stay plain text when absent). */
  linkTemplates?: LinkTemplates;
  /** Pending approvals the server would list (the fake desk leaves out the signed-in person's own, as the core does). */
  approvals?: Approval[];
  /** The server's ingest sources the fake desk answers `sources:*` from (none when absent; admins only). */
  sources?: SourceView[];
  /** Each source's unmatched items, by source id (`sources:unmatched`; mapping a name moves its items out). */
  unmatched?: Record<string, UnmatchedItem[]>;
};

let counter = 0;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped id whose time part follows `iso`, so ids sort like the events they name. */
export function ulidAt(iso: string): string {
  counter += 1;
  let time = Date.parse(iso);
  let timePart = '';
  for (let index = 0; index < 10; index += 1) {
    timePart = CROCKFORD[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  let random = counter;
  let randomPart = '';
  for (let index = 0; index < 16; index += 1) {
    randomPart = CROCKFORD[random % 32] + randomPart;
    random = Math.floor(random / 32);
  }
  return timePart + randomPart;
}

export function makeCustomer(overrides: Partial<CustomerSummary> & { id: string }): CustomerSummary {
  return {
    name: overrides.id.replace(/-/g, ' ').replace(/\b\w/g, (letter) => letter.toUpperCase()),
    plan: 'pro',
    region: 'eu-west-1',
    environment: 'production',
    version: '4.12.0',
    lifecycle: 'live',
    health: 'ok',
    owner: 'dana@ops.example',
    createdAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
    versionsBehind: 0,
    openAlerts: 0,
    openIncidents: 0,
    openTickets: 0,
    lastEventAt: '2026-11-20T12:00:00.000Z',
    setupStuck: false,
    ...overrides,
  };
}

export function makeEvent(
  overrides: Partial<TimelineEvent> & { customerId: string; occurredAt: string; kind: string },
): TimelineEvent {
  const id = overrides.id ?? ulidAt(overrides.occurredAt);
  return {
    id,
    recordedAt: overrides.occurredAt,
    severity: 'info',
    source: { system: 'deployer', externalId: `ext-${id.slice(-6)}` },
    actor: null,
    summary: `${overrides.kind} at ${overrides.occurredAt}`,
    body: null,
    feature: null,
    prevValue: null,
    newValue: null,
    signature: null,
    links: {},
    properties: {},
    ...overrides,
  };
}

export function makeNote(overrides: Partial<NoteView> & { customerId: string; body: string }): NoteView {
  return {
    id: `note-${ulidAt('2026-11-20T12:00:00.000Z')}`,
    eventId: null,
    author: 'sam@ops.example',
    createdAt: '2026-11-19T10:00:00.000Z',
    updatedAt: '2026-11-19T10:00:00.000Z',
    ver: 1,
    pending: false,
    error: null,
    conflict: null,
    ...overrides,
  };
}

/**
 * Acme (degraded) had a bad week: a deploy and a flag change, then an error spike
 * and an alert on SSO, a ticket, and a late-arriving usage event. Times are at
 * midday UTC so the local day is the same in every time zone from UTC−11 to UTC+11.
 */
export function standardFixtures(): Fixtures {
  const acme = 'acme';
  const events: TimelineEvent[] = [
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-18T11:00:00.000Z',
      kind: 'deploy',
      severity: 'notice',
      summary: 'Deployed release 4.12.0',
      actor: 'ci-bot',
      source: { system: 'deployer', externalId: 'deploy-7781' },
      prevValue: '4.11.2',
      newValue: '4.12.0',
      links: { release: 'https://releases.example.com/4.12.0' },
    }),
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-19T10:30:00.000Z',
      kind: 'flag_change',
      severity: 'notice',
      summary: 'Flag sso.strict_audience turned on',
      feature: 'sso',
      actor: 'maria@ops.example',
      source: { system: 'flags', externalId: 'flag-audit-9921' },
      prevValue: { enabled: false, rollout: 0 },
      newValue: { enabled: true, rollout: 100, audience: ['acme'] },
      properties: { flag: 'sso.strict_audience', environment: 'production' },
    }),
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-19T11:15:00.000Z',
      kind: 'config_change',
      severity: 'info',
      summary: 'SAML certificate rotated',
      feature: 'sso',
      source: { system: 'admin-console', externalId: 'cfg-311' },
      prevValue: 'cert-2025',
      newValue: 'cert-2026',
    }),
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-19T12:40:00.000Z',
      kind: 'error_spike',
      severity: 'error',
      summary: 'SSO login errors at 38%',
      feature: 'sso',
      source: { system: 'metrics', externalId: 'spike-55' },
      body: 'Login failures **jumped** after the change.\n\n- audience mismatch\n- [runbook](https://wiki.example.com/sso)',
      properties: { errorRate: 0.38, window: '5m' },
    }),
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-19T12:45:00.000Z',
      kind: 'alert',
      severity: 'critical',
      summary: 'SSO login failing for most users',
      feature: 'sso',
      source: { system: 'alertmanager', externalId: 'alert-1201' },
      links: { incident: 'https://status.example.com/incidents/88', ticket: 'TICKET-4411' },
    }),
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-20T09:05:00.000Z',
      kind: 'ticket',
      severity: 'warning',
      summary: 'Customer reports users cannot sign in',
      source: { system: 'helpdesk', externalId: 'TICKET-4411' },
    }),
    // Happened on the 18th, recorded two days later: it belongs under the 18th.
    makeEvent({
      customerId: acme,
      occurredAt: '2026-11-18T13:00:00.000Z',
      recordedAt: '2026-11-20T12:30:00.000Z',
      kind: 'usage_drop',
      severity: 'warning',
      summary: 'Nightly export volume fell by half',
      feature: 'exports',
      source: { system: 'usage', externalId: 'usage-backfill-3' },
    }),
    makeEvent({
      customerId: 'globex',
      occurredAt: '2026-11-20T10:00:00.000Z',
      kind: 'deploy',
      severity: 'notice',
      summary: 'Deployed release 4.12.0',
      source: { system: 'deployer', externalId: 'deploy-7790' },
    }),
  ];
  return {
    latestVersion: '4.12.0',
    customers: [
      makeCustomer({
        id: 'acme',
        name: 'Acme Corporation',
        health: 'degraded',
        plan: 'enterprise',
        region: 'us-east-1',
        openAlerts: 2,
        openTickets: 1,
        lastEventAt: '2026-11-20T09:05:00.000Z',
      }),
      makeCustomer({
        id: 'globex',
        name: 'Globex',
        health: 'ok',
        plan: 'pro',
        region: 'eu-west-1',
        lastEventAt: '2026-11-20T10:00:00.000Z',
      }),
      makeCustomer({
        id: 'initech',
        name: 'Initech',
        health: 'down',
        plan: 'starter',
        region: 'us-east-1',
        version: '4.10.1',
        versionsBehind: 3,
        openIncidents: 1,
        lastEventAt: '2026-11-17T08:00:00.000Z',
      }),
      makeCustomer({
        id: 'umbrella',
        name: 'Umbrella Health',
        health: 'degraded',
        plan: 'enterprise',
        region: 'ap-south-1',
        lifecycle: 'onboarding',
        version: '4.11.2',
        versionsBehind: 1,
        openAlerts: 5,
      }),
      makeCustomer({
        id: 'hooli',
        name: 'Hooli',
        health: 'unknown',
        plan: 'free',
        region: 'eu-west-1',
        lifecycle: 'trial',
        versionsBehind: null,
        lastEventAt: null,
      }),
    ],
    features: [
      {
        customerId: acme,
        feature: 'sso',
        entitled: true,
        enabled: true,
        health: 'down',
        lastSignalAt: '2026-11-20T11:00:00.000Z',
      },
      {
        customerId: acme,
        feature: 'exports',
        entitled: true,
        enabled: true,
        health: 'degraded',
        lastSignalAt: '2026-11-20T10:00:00.000Z',
      },
      { customerId: acme, feature: 'billing_sync', entitled: false, enabled: false, health: 'unknown', lastSignalAt: null },
    ],
    openItems: {
      [acme]: [
        {
          thread: 'alert-1201',
          kind: 'alert',
          severity: 'critical',
          summary: 'SSO login failing for most users',
          eventId: events[4]!.id,
          openedAt: '2026-11-19T12:45:00.000Z',
          feature: 'sso',
        },
        {
          thread: 'TICKET-4411',
          kind: 'ticket',
          severity: 'warning',
          summary: 'Customer reports users cannot sign in',
          eventId: events[5]!.id,
          openedAt: '2026-11-20T09:05:00.000Z',
          feature: null,
        },
      ],
    },
    events,
    notes: [makeNote({ customerId: acme, body: 'Customer uses Okta with a custom audience.', author: 'sam@ops.example' })],
  };
}

/** The event of a fixture set with this summary. */
export function eventBySummary(fixtures: Fixtures, summary: string): TimelineEvent {
  const event = fixtures.events.find((candidate) => candidate.summary === summary);
  if (!event) throw new Error(`no fixture event "${summary}"`);
  return event;
}

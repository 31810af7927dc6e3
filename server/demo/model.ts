import type { Customer, EventInput } from '../../shared/domain';
import type { DemoFeature } from './catalog';
import { DAY, HOUR, MINUTE, iso } from './events';
import type { Random } from './random';
import type { DemoCustomerState } from './types';

/**
 * The demo fleet generator's internal model: who each customer is (a profile),
 * the release plan, fleet incidents, and the per-customer context the history
 * builders (customer.ts, stories.ts) write into.
 */

export type Plan = Customer['plan'];
export type Ring = 'canary' | 'early' | 'broad';

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

export type PlannedRelease = {
  version: string;
  releasedAt: number;
  notes: string;
  /** Rollout stopped after the early wave (the regression). */
  isHalted: boolean;
  waveStart: Record<Ring, number>;
};

export type Profile = {
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

export type FleetIncident = {
  key: string;
  title: string;
  feature: DemoFeature;
  region: string;
  at: number;
  durationMinutes: number;
  severity: 'error' | 'critical';
  customers: Set<string>;
};

export type FleetWindow = { startMs: number; nowMs: number };

export type Emit = Omit<EventInput, 'customerId' | 'occurredAt' | 'source'> & { system: string };

/** One customer's events; whatever would fall before the window is cut off, as a store keeping 90 days would. */
export class History {
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
    const built: EventInput = {
      customerId: this.profile.id,
      occurredAt: iso(Math.min(at, this.nowMs)),
      source: { system, externalId: this.nextId(system) },
      ...rest,
    };
    this.push(built);
    return built;
  }

  push(event: EventInput): void {
    if (Date.parse(event.occurredAt) < this.startMs) return;
    this.events.push(event);
  }
}

export type TicketCounter = { next: number };

/** A placeholder ticket key; `renumberTickets` gives the real keys in the order the tickets were opened. */
export function nextTicket(tickets: TicketCounter): string {
  tickets.next += 1;
  return `SUP-#${tickets.next}#`;
}

export const TICKET_PLACEHOLDER = /SUP-#(\d+)#/g;

/**
 * The last time one of the demo's schedules fired at or before `at`: every N
 * minutes (`*\/N * * * *`), every N hours (`0 *\/N * * *`), hourly, or daily at
 * `M H * * *` (UTC).
 */
export function lastScheduledRun(schedule: string, at: number): number {
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

/** What a customer's history builders share: its profile, its state so far, its events, and its random source. */
export type CustomerContext = {
  random: Random;
  history: History;
  profile: Profile;
  state: DemoCustomerState;
  window: FleetWindow;
  tickets: TicketCounter;
  /** The customer's own window: from its creation (or the window start) to its churn (or now). */
  from: number;
  to: number;
  /** One of the customer's contacts, at random. */
  contact(): string;
  /** One of our engineers, at random. */
  engineer(): string;
  /** A random moment in [low, high] on the minute, or null when the range is empty (young customers). */
  momentBetween(low: number, high: number): number | null;
};

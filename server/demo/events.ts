import type { EventInput, Severity } from '../../shared/domain';

/**
 * Builders for the demo fleet's events, shared by the history generator, the
 * live simulator and the benchmark filler so that one kind of event always reads
 * and is shaped the same way. Alerts, incidents and tickets are threads
 * (shared/threads.ts): `properties.status` is 'open' or 'resolved' and
 * `properties.thread` names the alert/incident/ticket; a later 'resolved' event
 * on the same thread closes it.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `1284` → `1,284`, the way dashboards print counts (by hand: Intl is slow for a million events). */
export function formatCount(value: number): string {
  const digits = String(Math.abs(Math.round(value)));
  let out = '';
  for (let index = 0; index < digits.length; index += 1) {
    if (index > 0 && (digits.length - index) % 3 === 0) out += ',';
    out += digits.charAt(index);
  }
  return value < 0 ? `-${out}` : out;
}

/** `545` minutes → `9h 5m`. */
export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = Math.round(minutes % 60);
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h ${rest}m`;
}

type Base = {
  customerId: string;
  at: number;
  externalId: string;
  feature?: string | null;
};

export type AlertOpen = Base & {
  thread: string;
  alertname: string;
  severity: Extract<Severity, 'info' | 'notice' | 'warning' | 'error' | 'critical'>;
  summary: string;
  body?: string;
  value?: number | string;
  threshold?: number | string;
  extra?: Record<string, string | number | boolean>;
  links?: EventInput['links'];
};

/** An alert firing (or re-notifying) on `thread`. */
export function alertOpen(alert: AlertOpen): EventInput {
  const labels: Record<string, string | number | boolean> = { alertname: alert.alertname, ...(alert.extra ?? {}) };
  if (alert.value !== undefined) labels['value'] = alert.value;
  if (alert.threshold !== undefined) labels['threshold'] = alert.threshold;
  return {
    customerId: alert.customerId,
    occurredAt: iso(alert.at),
    kind: 'alert',
    severity: alert.severity,
    source: { system: 'alertmanager', externalId: alert.externalId },
    actor: 'alertmanager',
    summary: alert.summary,
    body: alert.body ?? alertBody(alert.alertname, labels),
    feature: alert.feature ?? null,
    links: alert.links ?? {},
    properties: { status: 'open', thread: alert.thread, ...labels },
  };
}

function alertBody(alertname: string, labels: Record<string, string | number | boolean>): string {
  const rows = Object.entries(labels)
    .map(([key, value]) => `| ${key} | ${String(value)} |`)
    .join('\n');
  return `**${alertname}** is firing.\n\n| label | value |\n|---|---|\n${rows}`;
}

/** The alert on `thread` stopped firing. */
export function alertResolved(
  alert: Base & { thread: string; alertname: string; summary: string; firedForMinutes?: number },
): EventInput {
  const duration = alert.firedForMinutes === undefined ? '' : ` after ${formatMinutes(alert.firedForMinutes)}`;
  return {
    customerId: alert.customerId,
    occurredAt: iso(alert.at),
    kind: 'alert',
    severity: 'info',
    source: { system: 'alertmanager', externalId: alert.externalId },
    actor: 'alertmanager',
    summary: `Resolved: ${alert.summary}`,
    body: `**${alert.alertname}** stopped firing${duration}.`,
    feature: alert.feature ?? null,
    links: {},
    properties: { status: 'resolved', thread: alert.thread, alertname: alert.alertname },
  };
}

export type TicketOpen = Base & {
  ticket: string;
  subject: string;
  requester: string;
  message: string;
  severity?: Severity;
  system?: string;
};

/** A support ticket opened (or updated while still open) by `requester`. */
export function ticketOpen(ticket: TicketOpen): EventInput {
  return {
    customerId: ticket.customerId,
    occurredAt: iso(ticket.at),
    kind: 'ticket',
    severity: ticket.severity ?? 'notice',
    source: { system: ticket.system ?? 'zendesk', externalId: ticket.externalId },
    actor: ticket.requester,
    summary: `${ticket.ticket}: ${ticket.subject}`,
    body: `> ${ticket.message.replace(/\n/g, '\n> ')}\n\n— ${ticket.requester}`,
    feature: ticket.feature ?? null,
    links: { ticket: ticket.ticket },
    properties: { status: 'open', thread: ticket.ticket, requester: ticket.requester },
  };
}

/** The ticket was solved by `agent`. */
export function ticketResolved(
  ticket: Base & { ticket: string; subject: string; agent: string; resolution: string; system?: string },
): EventInput {
  return {
    customerId: ticket.customerId,
    occurredAt: iso(ticket.at),
    kind: 'ticket',
    severity: 'info',
    source: { system: ticket.system ?? 'zendesk', externalId: ticket.externalId },
    actor: ticket.agent,
    summary: `${ticket.ticket} solved: ${ticket.subject}`,
    body: `**Resolution:** ${ticket.resolution}`,
    feature: ticket.feature ?? null,
    links: { ticket: ticket.ticket },
    properties: { status: 'resolved', thread: ticket.ticket },
  };
}

/** A usage signal from analytics, the heartbeat that tells a feature is in use. */
export function usageSignal(base: Base & { feature: string; amount: number; unit: string; window: string }): EventInput {
  return {
    customerId: base.customerId,
    occurredAt: iso(base.at),
    kind: 'usage',
    severity: 'info',
    source: { system: 'analytics', externalId: base.externalId },
    actor: null,
    summary: `${base.feature}: ${formatCount(base.amount)} ${base.unit} in the last ${base.window}`,
    body: null,
    feature: base.feature,
    links: {},
    properties: { amount: base.amount, unit: base.unit, window: base.window },
  };
}

/** A routine infrastructure deploy that does not change the customer's product version. */
export function infraDeploy(base: Base & { component: string; build: string; region: string }): EventInput {
  return {
    customerId: base.customerId,
    occurredAt: iso(base.at),
    kind: 'deploy',
    severity: 'info',
    source: { system: 'deploybot', externalId: base.externalId },
    actor: 'deploybot',
    summary: `Deployed ${base.component} ${base.build} to the ${base.region} cell`,
    body: `Rolling deploy of **${base.component}** ${base.build}; no product version change.`,
    feature: base.feature ?? null,
    links: {},
    properties: { component: base.component, build: base.build, region: base.region },
  };
}

/** Units of each feature's usage signal. */
export const USAGE_UNITS: Readonly<Record<string, { unit: string; perMinute: [number, number] }>> = {
  sso: { unit: 'SSO logins', perMinute: [1, 40] },
  exports: { unit: 'rows exported', perMinute: [200, 40_000] },
  billing_sync: { unit: 'invoices synced', perMinute: [1, 60] },
  audit_log: { unit: 'audit records', perMinute: [20, 2_000] },
  api_access: { unit: 'API requests', perMinute: [100, 20_000] },
  analytics: { unit: 'dashboard queries', perMinute: [5, 900] },
  webhooks: { unit: 'webhook deliveries', perMinute: [10, 3_000] },
  data_import: { unit: 'records imported', perMinute: [50, 10_000] },
};

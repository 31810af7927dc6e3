import crypto from 'node:crypto';
import { z } from 'zod';
import type { Severity } from '../../shared/domain';
import { describeZodIssues, issuePath } from '../../shared/issues';
import type { ThreadProperties } from '../../shared/threads';
import { ApiFailure } from '../errors';
import { AlertmanagerConfigSchema, type AlertmanagerConfig } from './config';
import { parseJsonBody } from './json-body';
import { clip, invalidItem, type IngestItem, type SourceKindModule } from './types';

/*
 * Prometheus Alertmanager's webhook receiver (`webhook_configs`, payload
 * version 4). One notification carries a group of alerts; each alert becomes
 * one event on its customer's timeline, in the alert thread `am:<fingerprint>`
 * (shared/threads.ts): firing opens (or keeps open) the thread, resolved
 * closes it. Alertmanager re-sends a group on every change and every
 * repeat_interval: the idempotency key (fingerprint, startsAt, status) makes a
 * re-notification change nothing.
 */

const LabelSetSchema = z.record(z.string(), z.string());

/** What Alertmanager sends (its template.Data); extra fields are tolerated, as later versions add some. */
const AlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: LabelSetSchema,
  annotations: LabelSetSchema.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.string().default(''),
  generatorURL: z.string().max(2048).default(''),
  fingerprint: z.string().max(64).optional(),
});

const NotificationSchema = z.object({
  version: z.literal('4', { message: 'only webhook payload version "4" is understood' }),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  groupKey: z.string().default(''),
  groupLabels: LabelSetSchema.default({}),
  commonLabels: LabelSetSchema.default({}),
  commonAnnotations: LabelSetSchema.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(z.unknown()).min(1, 'alerts must not be empty'),
});

type Alert = z.infer<typeof AlertSchema>;

/** What an alert's event keeps of it (the thread first, shared/threads.ts). */
type AlertProperties = ThreadProperties & {
  alertname: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  receiver?: string;
};

/** Alertmanager writes the zero time for "not ended". */
function endedAt(alert: Alert): string | null {
  const parsed = Date.parse(alert.endsAt);
  return Number.isNaN(parsed) || parsed <= 0 || alert.endsAt.startsWith('0001-') ? null : alert.endsAt;
}

/** Older Alertmanagers send no fingerprint: the same hash of the sorted labels stands in. */
function fingerprintOf(alert: Alert): string {
  if (alert.fingerprint) return alert.fingerprint;
  const labels = Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return crypto.createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
}

function severityOf(labels: Record<string, string>, config: AlertmanagerConfig): Severity {
  const value = labels[config.severityLabel];
  return (value === undefined ? undefined : config.severities[value.toLowerCase()]) ?? config.defaults.severity;
}

function labelTable(labels: Record<string, string>): string {
  const rows = Object.entries(labels)
    .map(([key, value]) => `| ${key} | ${value.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`)
    .join('\n');
  return `| label | value |\n|---|---|\n${rows}`;
}

function toItem(
  alert: Alert,
  index: number,
  notification: z.infer<typeof NotificationSchema>,
  config: AlertmanagerConfig,
): IngestItem {
  const labels = alert.labels;
  const fingerprint = fingerprintOf(alert);
  const alertname = labels['alertname'] ?? 'alert';
  const title = alert.annotations['summary'] ?? alert.annotations['title'] ?? alertname;
  const description = alert.annotations['description'] ?? alert.annotations['message'] ?? '';
  const isResolved = alert.status === 'resolved';
  const ended = endedAt(alert);
  const thread: ThreadProperties = { thread: `am:${fingerprint}`, status: isResolved ? 'resolved' : 'open' };
  const customerLabel = config.customerLabels.find((name) => labels[name] ?? notification.commonLabels[name]);
  const customerRef =
    customerLabel === undefined ? undefined : (labels[customerLabel] ?? notification.commonLabels[customerLabel]);
  const feature = labels[config.featureLabel] ?? config.defaults.feature;
  // Built by assignment, not by spreading optional parts into a literal: the spreads left a slow object that
  // cost more than the rest of the alert here and again in every check after (issue 10, bench:ingest).
  const properties: AlertProperties = {
    thread: thread.thread,
    status: thread.status,
    alertname,
    fingerprint,
    labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
  };
  if (ended) properties.endsAt = ended;
  if (notification.receiver) properties.receiver = notification.receiver;
  const body = isResolved
    ? `**${alertname}** stopped firing${ended ? ` at ${ended}` : ''}.${description ? `\n\n${description}` : ''}`
    : `**${alertname}** is firing.${description ? `\n\n${description}` : ''}\n\n${labelTable(labels)}`;
  return {
    path: `alerts[${index}]`,
    key: `${fingerprint}:${alert.startsAt}:${alert.status}`,
    customerRefs: customerRef === undefined ? [] : [customerRef],
    event: {
      occurredAt: isResolved ? (ended ?? alert.startsAt) : alert.startsAt,
      kind: 'alert',
      severity: isResolved ? 'info' : severityOf(labels, config),
      actor: 'alertmanager',
      summary: clip(isResolved ? `Resolved: ${title}` : title, 500),
      body: clip(body, 20_000),
      feature: feature !== null && /^[a-z][a-z0-9_.-]{0,63}$/.test(feature) ? feature : config.defaults.feature,
      prevValue: null,
      newValue: null,
      links: alert.generatorURL ? { url: alert.generatorURL } : {},
      properties,
    },
  };
}

export const alertmanagerModule: SourceKindModule<AlertmanagerConfig> = {
  kind: 'alertmanager',
  configSchema: AlertmanagerConfigSchema,
  parse(request, config) {
    const body = parseJsonBody(request, ['application/json']);
    const notification = NotificationSchema.safeParse(body);
    if (!notification.success) {
      throw new ApiFailure(
        400,
        'invalid_notification',
        `not an Alertmanager webhook notification: ${describeZodIssues(notification.error, 3)}; nothing was stored`,
        { field: issuePath(notification.error.issues[0]?.path ?? []) },
      );
    }
    // Every alert is checked before any is kept: a malformed one names itself and nothing is stored.
    const items = notification.data.alerts.map((raw, index) => {
      const alert = AlertSchema.safeParse(raw);
      if (!alert.success) throw invalidItem('invalid_alert', `alerts[${index}]`, alert.error);
      return toItem(alert.data, index, notification.data, config);
    });
    return { type: 'items', items };
  },
};

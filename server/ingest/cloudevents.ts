import { SEVERITIES, type Severity } from '../../shared/domain';
import { THREAD_STATUSES } from '../../shared/threads';
import { ApiFailure } from '../errors';
import { CloudEventsConfigSchema, type CloudEventsConfig } from './config';
import { bodyText, parseJsonBody } from './json-body';
import { clip, header, type IngestItem, type IngestRequest, type SourceKindModule } from './types';

/*
 * CloudEvents 1.0 over HTTP (the HTTP protocol binding): structured mode
 * (`application/cloudevents+json`), binary mode (`ce-*` headers, the body is
 * the data) and batch mode (`application/cloudevents-batch+json`). The webhook
 * validation handshake (OPTIONS) is answered in routes.ts. Parsed here rather
 * than with the `cloudevents` SDK (which the tests use as the producer): a spec
 * violation must answer 400 naming the attribute and the event's place in the
 * batch, and the SDK's validation reports ajv schema paths, not attributes.
 */

const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const CONTEXT_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'datacontenttype', 'dataschema', 'subject', 'time']);
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
const severities: ReadonlySet<string> = new Set(SEVERITIES);

type CloudEvent = {
  attributes: Record<string, string>;
  data: unknown;
  /** Data that is neither JSON nor text (binary mode), base64. */
  dataBase64: string | null;
};

function violation(where: string, attribute: string, message: string): ApiFailure {
  return new ApiFailure(400, 'invalid_cloudevent', `${where}: ${message}; nothing was stored`, { item: where, field: attribute });
}

function checkContext(attributes: Record<string, unknown>, where: string): Record<string, string> {
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (value === undefined || value === null) throw violation(where, name, `the required attribute "${name}" is missing`);
    if (typeof value !== 'string' || value === '')
      throw violation(where, name, `the attribute "${name}" must be a non-empty string`);
  }
  if (attributes['specversion'] !== '1.0')
    throw violation(where, 'specversion', `specversion "${String(attributes['specversion'])}" is not supported; send "1.0"`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (!ATTRIBUTE_NAME.test(name))
      throw violation(where, name, `"${name}" is not a valid attribute name (lower-case letters and digits, at most 20)`);
    if (value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw violation(where, name, `the attribute "${name}" must be a string, number or boolean`);
    out[name] = String(value);
  }
  const time = out['time'];
  if (time !== undefined && Number.isNaN(Date.parse(time)))
    throw violation(where, 'time', `time "${time}" is not an RFC 3339 timestamp`);
  return out;
}

function structured(value: unknown, where: string): CloudEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw violation(where, '', 'a CloudEvent in structured mode is a JSON object');
  const record = value as Record<string, unknown>;
  const attributes = checkContext(record, where);
  const base64 = record['data_base64'];
  if (base64 !== undefined && typeof base64 !== 'string') throw violation(where, 'data_base64', 'data_base64 must be a string');
  return { attributes, data: record['data'] ?? null, dataBase64: typeof base64 === 'string' ? base64 : null };
}

function binary(request: IngestRequest): CloudEvent {
  const attributes: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(request.headers)) {
    if (!name.startsWith('ce-')) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    try {
      attributes[name.slice(3)] = decodeURIComponent(value);
    } catch {
      attributes[name.slice(3)] = value;
    }
  }
  const contentType = header(request, 'content-type');
  if (contentType) attributes['datacontenttype'] = contentType;
  const context = checkContext(attributes, 'the event');
  const media = request.mediaType;
  if (request.body.length === 0) return { attributes: context, data: null, dataBase64: null };
  if (media === 'application/json' || media.endsWith('+json'))
    return { attributes: context, data: parseJsonBody(request, [media]), dataBase64: null };
  if (media.startsWith('text/') || media === 'application/xml')
    return { attributes: context, data: bodyText(request), dataBase64: null };
  return { attributes: context, data: null, dataBase64: request.body.toString('base64') };
}

function kindOf(type: string, config: CloudEventsConfig): string {
  const exact = config.kinds[type];
  if (exact !== undefined) return exact;
  let best: { length: number; kind: string } | null = null;
  for (const [pattern, kind] of Object.entries(config.kinds)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (type.startsWith(prefix) && (best === null || prefix.length > best.length)) best = { length: prefix.length, kind };
  }
  return best?.kind ?? config.defaultKind;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function toItem(event: CloudEvent, where: string, receivedAt: number, config: CloudEventsConfig): IngestItem {
  const { attributes } = event;
  const type = attributes['type'] ?? '';
  const source = attributes['source'] ?? '';
  const data =
    typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data)
      ? (event.data as Record<string, unknown>)
      : {};
  const severityText = (text(data['severity']) ?? attributes['severity'] ?? '').toLowerCase();
  const severity: Severity = severities.has(severityText) ? (severityText as Severity) : config.defaults.severity;
  const feature = text(data['feature']) ?? attributes['feature'] ?? config.defaults.feature;
  const customerRef = attributes[config.customerAttribute];
  const status = text(data['status']);
  const thread = text(data['thread']);
  const extensions = Object.fromEntries(Object.entries(attributes).filter(([name]) => !CONTEXT_ATTRIBUTES.has(name)));
  const time = attributes['time'];
  return {
    path: where,
    key: `${source}#${attributes['id'] ?? ''}`,
    customerRefs: customerRef === undefined ? [] : [customerRef],
    event: {
      occurredAt: time !== undefined ? new Date(Date.parse(time)).toISOString() : new Date(receivedAt).toISOString(),
      kind: kindOf(type, config),
      severity,
      actor: text(data['actor']) ?? source,
      summary: clip(text(data['summary']) ?? text(data['title']) ?? text(data['message']) ?? type, 500),
      body: text(data['description']) === null ? null : clip(String(data['description']), 20_000),
      feature: feature !== null && /^[a-z][a-z0-9_.-]{0,63}$/.test(feature) ? feature : config.defaults.feature,
      prevValue: (data['previous'] ?? data['prevValue'] ?? null) as never,
      newValue: (data['current'] ?? data['newValue'] ?? null) as never,
      links: text(data['url']) ? { url: clip(String(data['url']), 2048) } : {},
      properties: {
        ...(thread !== null && status !== null && (THREAD_STATUSES as readonly string[]).includes(status)
          ? { thread, status }
          : {}),
        cloudevent: {
          type,
          source,
          id: attributes['id'] ?? '',
          ...(attributes['subject'] !== undefined ? { subject: attributes['subject'] } : {}),
          ...(attributes['datacontenttype'] !== undefined ? { datacontenttype: attributes['datacontenttype'] } : {}),
          ...(attributes['dataschema'] !== undefined ? { dataschema: attributes['dataschema'] } : {}),
          ...extensions,
        },
        data: (event.data ?? null) as never,
        ...(event.dataBase64 !== null ? { dataBase64: event.dataBase64 } : {}),
      },
    },
  };
}

export const cloudEventsModule: SourceKindModule<CloudEventsConfig> = {
  kind: 'cloudevents',
  configSchema: CloudEventsConfigSchema,
  parse(request, config) {
    let events: { event: CloudEvent; where: string }[];
    if (request.mediaType === 'application/cloudevents-batch+json') {
      const body = parseJsonBody(request, ['application/cloudevents-batch+json']);
      if (!Array.isArray(body)) throw violation('the batch', '', 'a batch is a JSON array of structured events');
      if (body.length > 5_000)
        throw new ApiFailure(413, 'batch_too_large', `the batch holds ${body.length} events; at most 5000`);
      events = body.map((item, index) => ({ event: structured(item, `events[${index}]`), where: `events[${index}]` }));
    } else if (request.mediaType === 'application/cloudevents+json') {
      events = [{ event: structured(parseJsonBody(request, ['application/cloudevents+json']), 'the event'), where: 'event' }];
    } else if (header(request, 'ce-specversion') !== undefined || header(request, 'ce-id') !== undefined) {
      events = [{ event: binary(request), where: 'event' }];
    } else {
      throw new ApiFailure(
        415,
        'unsupported_media_type',
        'send a CloudEvent: structured (content-type application/cloudevents+json), batch ' +
          '(application/cloudevents-batch+json), or binary (ce-specversion, ce-id, ce-source and ce-type headers)',
      );
    }
    return { type: 'items', items: events.map(({ event, where }) => toItem(event, where, request.receivedAt, config)) };
  },
};

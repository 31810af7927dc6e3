/*
 * The generic webhook's shipped mappings (JSONata, https://jsonata.org): each
 * turns one producer's payload into the generic event shape (generic.ts,
 * GenericEventSchema). docs/ingest/generic.md shows them with the payloads they
 * are tested with; an admin's own mapping is written the same way.
 */

/** Zendesk ticket events (webhooks subscribed to zen:event-type:ticket.*): one thread per ticket. */
const ticket = `(
  $priority := {'URGENT': 'critical', 'HIGH': 'error', 'NORMAL': 'warning', 'LOW': 'notice'};
  $status := $uppercase(detail.status);
  {
    'key': id,
    'customer': $string(detail.organization_id),
    'occurredAt': time,
    'kind': 'ticket',
    'severity': $lookup($priority, $uppercase(detail.priority)),
    'summary': $join(['#', $string(detail.id), ' ', detail.subject]),
    'body': detail.description,
    'actor': $string(detail.requester_id),
    'thread': 'zendesk:' & $string(detail.id),
    'status': $status in ['SOLVED', 'CLOSED'] ? 'resolved' : 'open',
    'prevValue': event.previous,
    'newValue': event.current,
    'links': { 'ticket': $string(detail.id) },
    'properties': { 'zendeskEvent': type, 'ticketStatus': detail.status, 'priority': detail.priority, 'tags': detail.tags }
  }
)`;

/** Unleash feature-flag events (its webhook addon's default JSON): customers from the flag's `customer` tags. */
const flagChange = `(
  $customers := tags[type = 'customer'].value;
  {
    'key': $string(id),
    'customer': $count($customers) > 0 ? $customers : environment,
    'occurredAt': createdAt,
    'kind': 'flag_change',
    'severity': 'notice',
    'summary': $join([featureName, ' ', $replace(type, 'feature-', ''), environment ? ' in ' & environment : '']),
    'actor': createdBy,
    'feature': tags[type = 'feature'].value[0],
    'prevValue': $contains(type, 'environment-enabled') ? false : $contains(type, 'environment-disabled') ? true : preData,
    'newValue': $contains(type, 'environment-enabled') ? true : $contains(type, 'environment-disabled') ? false : data,
    'properties': { 'flag': featureName, 'unleashEvent': type, 'project': project, 'environment': environment }
  }
)`;

/** Sentry issue alerts (legacy webhook integration, event_alert): customer from the event's `customer` tag. */
const errorTracker = `(
  $tags := $merge($map(data.event.tags, function($pair) { { $pair[0]: $pair[1] } }));
  $tag := function($name) { $lookup($tags, $name) };
  $level := {'fatal': 'critical', 'error': 'error', 'warning': 'warning', 'info': 'info', 'debug': 'info'};
  {
    'key': data.event.event_id,
    'customer': [$tag('customer'), $tag('tenant')][0],
    'occurredAt': data.event.datetime,
    'kind': 'error_spike',
    'severity': $lookup($level, data.event.level),
    'summary': data.event.title,
    'body': data.event.culprit ? 'In ' & data.event.culprit : undefined,
    'actor': 'sentry',
    'feature': $tag('feature'),
    'links': { 'url': data.event.web_url },
    'properties': {
      'issueId': $string(data.event.issue_id),
      'rule': data.triggered_rule,
      'level': data.event.level,
      'platform': data.event.platform,
      'release': $tag('release')
    }
  }
)`;

export const GENERIC_MAPPINGS = { ticket, 'flag-change': flagChange, 'error-tracker': errorTracker } as const;

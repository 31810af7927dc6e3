import { z } from 'zod';

/*
 * Ticket and incident links (issue 14): the server's configuration holds, per
 * source system, a template for the address of a ticket, an incident or an
 * alert in that system; desks get them by sync (global bucket, entity `links`)
 * and turn the ids on an event into links opened in the system browser.
 *
 *   { "templates": [
 *       { "system": "zendesk", "kind": "ticket", "template": "https://acme.zendesk.com/agent/tickets/{id}" },
 *       { "system": "alertmanager", "kind": "alert", "template": "{generatorURL}" } ] }
 *
 * Only https addresses: a template starts with `https://<host>/` written out
 * (no placeholder in the host), or is exactly `{generatorURL}` — the address the
 * producer sent with the event, used only when it is https itself.
 */

/** What an id on an event names. */
export const LINK_KINDS = ['ticket', 'incident', 'alert'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** The placeholders a template may use; values are URL-encoded, except `{generatorURL}`, which is the whole address. */
export const LINK_PLACEHOLDERS = ['id', 'externalId', 'customerId', 'generatorURL'] as const;

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why a template cannot be used, or null when it can. */
export function templateProblem(template: string): string | null {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!(LINK_PLACEHOLDERS as readonly string[]).includes(name)) {
      return `unknown placeholder {${name}} (known: ${LINK_PLACEHOLDERS.map((known) => `{${known}}`).join(', ')})`;
    }
  }
  if (template.replace(PLACEHOLDER, '').includes('{') || template.replace(PLACEHOLDER, '').includes('}')) {
    return 'has an unmatched { or }';
  }
  if (template === '{generatorURL}') return null;
  if (template.includes('{generatorURL}')) return '{generatorURL} must be the whole template';
  const host = /^https:\/\/([^/?#]*)/i.exec(template);
  if (!host) return 'must start with https:// (links open in the browser, never over plain http)';
  if (host[1] === '' || host[1]?.includes('{')) return 'must name its host without placeholders';
  let url: URL;
  try {
    url = new URL(template.replace(PLACEHOLDER, 'x'));
  } catch {
    return 'is not an address';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  return null;
}

export const LinkTemplateSchema = z.strictObject({
  /** The event's `source.system`, e.g. `zendesk`, `alertmanager`. */
  system: z.string().min(1).max(100),
  kind: z.enum(LINK_KINDS),
  template: z
    .string()
    .min(1)
    .max(2000)
    .superRefine((template, context) => {
      const problem = templateProblem(template);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
});
export type LinkTemplate = z.infer<typeof LinkTemplateSchema>;

/** The link templates in force (the server's `--links-config`; synced as entity `links`, id `effective`). */
export const LinkTemplatesSchema = z.strictObject({
  templates: z
    .array(LinkTemplateSchema)
    .max(500)
    .superRefine((templates, context) => {
      const seen = new Set<string>();
      for (const [index, { system, kind }] of templates.entries()) {
        const key = `${system}\u0000${kind}`;
        if (seen.has(key))
          context.addIssue({ code: 'custom', path: [index], message: `a second ${kind} template for ${system}` });
        seen.add(key);
      }
    }),
});
export type LinkTemplates = z.infer<typeof LinkTemplatesSchema>;

/** An id shown on an event, with its address when a template gives one. */
export const EventIdLinkSchema = z.object({
  kind: z.enum(LINK_KINDS),
  id: z.string(),
  url: z.string().nullable(),
});
export type EventIdLink = z.infer<typeof EventIdLinkSchema>;

/** The parts of an event its ids are read from. */
export type LinkedEvent = {
  customerId: string;
  kind: string;
  source: { system: string; externalId: string };
  links: { ticket?: string; incident?: string; url?: string };
  properties: Record<string, unknown>;
};

/** An https address, or null (also for any other scheme, and for addresses with credentials). */
export function httpsUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && !url.username && !url.password ? url.href : null;
  } catch {
    return null;
  }
}

/** The template's address for one id of an event, or null when it gives no https address. */
export function applyTemplate(template: string, event: LinkedEvent, id: string): string | null {
  if (templateProblem(template) !== null) return null;
  if (template === '{generatorURL}') return event.links.url ? httpsUrl(event.links.url) : null;
  const values: Record<string, string> = { id, externalId: event.source.externalId, customerId: event.customerId };
  return httpsUrl(template.replace(PLACEHOLDER, (_match, name: string) => encodeURIComponent(values[name] ?? '')));
}

/**
 * The template of a system for a kind. An id that came from another system (a
 * ticket id an alert refers to) uses the only template of its kind when there
 * is just one: most teams have one ticket system. An event's own id never does.
 */
function templateFor(templates: LinkTemplates | null, system: string, kind: LinkKind, isReference: boolean) {
  const ofKind = templates?.templates.filter((entry) => entry.kind === kind) ?? [];
  const template =
    ofKind.find((entry) => entry.system === system) ?? (isReference && ofKind.length === 1 ? ofKind[0] : undefined);
  return template ? (event: LinkedEvent, id: string) => applyTemplate(template.template, event, id) : null;
}

/** The ticket id, incident id and alert name of an event, each with its link from the templates. */
export function eventIdLinks(event: LinkedEvent, templates: LinkTemplates | null): EventIdLink[] {
  const own = (kind: string) => (event.kind === kind ? event.source.externalId : undefined);
  const ids: { kind: LinkKind; id: string | undefined; isReference: boolean }[] = [
    { kind: 'ticket', id: event.links.ticket || own('ticket'), isReference: Boolean(event.links.ticket) },
    { kind: 'incident', id: event.links.incident || own('incident'), isReference: Boolean(event.links.incident) },
    {
      kind: 'alert',
      id: event.kind === 'alert' && typeof event.properties['alertname'] === 'string' ? event.properties['alertname'] : undefined,
      isReference: false,
    },
  ];
  return ids.flatMap(({ kind, id, isReference }) => {
    if (!id) return [];
    // A producer that sent an address as the id gave its link (https only).
    if (httpsUrl(id) !== null) return [{ kind, id, url: httpsUrl(id) }];
    const link = templateFor(templates, event.source.system, kind, isReference);
    return [{ kind, id, url: link?.(event, id) ?? null }];
  });
}

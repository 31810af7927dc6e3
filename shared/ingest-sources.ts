import { z } from 'zod';
import { CustomerIdSchema, FeatureNameSchema, SEVERITIES } from './domain';
import { issuePath } from './issues';

/*
 * Ingest sources as both sides see them (issue 10): the server's source config
 * (server/ingest/config.ts) is built from these rules, and the desk's Sources
 * page checks an admin's draft with the same ones before it is sent, so a field
 * is refused in place with the words the server would use.
 */

export const SOURCE_KINDS = ['alertmanager', 'cloudevents', 'github', 'generic'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What each kind is called on screen. */
export const SOURCE_KIND_LABELS: Record<SourceKind, string> = {
  alertmanager: 'Prometheus Alertmanager',
  cloudevents: 'CloudEvents',
  github: 'GitHub webhooks',
  generic: 'JSON webhook (ready mapping)',
};

/** Source ids appear in URLs and as the `source.system` of their events. */
export const SourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must be 1–48 lower-case letters, digits or "-", such as prod-alertmanager');

/** Alertmanager: the labels tried when a source names none (alert labels first, then the group's common labels). */
export const DEFAULT_CUSTOMER_LABELS: readonly string[] = ['customer', 'tenant', 'customer_id'];
/** CloudEvents: the attribute read when a source names none. */
export const DEFAULT_CUSTOMER_ATTRIBUTE = 'subject';
/** GitHub: where a deployment's customers are looked for when a source says nothing. */
export const DEFAULT_CUSTOMERS_FROM: readonly string[] = ['payload.customers', 'environment'];

/** Alertmanager: the labels naming the customer, tried in order. */
export const CustomerLabelsSchema = z.array(z.string().min(1).max(100)).min(1).max(10);

/** CloudEvents: the context attribute (or extension) naming the customer. */
export const CustomerAttributeSchema = z
  .string()
  .regex(/^[a-z0-9]{1,20}$/, 'must be a CloudEvents attribute name (lower-case letters and digits)');

/** GitHub: where a deployment names its customers, tried in order. */
export const CustomersFromSchema = z
  .array(
    z.union(
      [z.enum(['environment', 'repository']), z.string().regex(/^payload\.[A-Za-z0-9_]{1,64}$/)],
      'must be environment, repository or payload.<key>',
    ),
  )
  .min(1)
  .max(5);

/** The ready mappings the generic webhook ships (server/ingest/mappings.ts). */
export const GENERIC_PRESETS = ['ticket', 'flag-change', 'error-tracker'] as const;
export type GenericPreset = (typeof GENERIC_PRESETS)[number];

export const GENERIC_PRESET_LABELS: Record<GenericPreset, string> = {
  ticket: 'Ticket webhook (Zendesk ticket events)',
  'flag-change': 'Feature-flag change (Unleash feature events)',
  'error-tracker': 'Error-tracker issue alert (Sentry)',
};

/** Whether a kind authenticates with an HMAC signature over the body (else a URL or bearer token). */
export function usesHmac(kind: SourceKind): boolean {
  return kind === 'github';
}

const AliasSchema = z.strictObject({ alias: z.string().trim().min(1).max(256), customerId: CustomerIdSchema });

const DraftCommon = {
  id: SourceIdSchema,
  name: z.string().trim().max(200).optional(),
  aliases: z
    .array(AliasSchema)
    .max(1000)
    .refine((aliases) => new Set(aliases.map((alias) => alias.alias)).size === aliases.length, 'names an alias twice'),
  defaults: z.strictObject({ severity: z.enum(SEVERITIES), feature: FeatureNameSchema.nullable() }),
};

/** A new source as an admin fills it in on the desk's Sources page (`sources:add`). */
export const SourceDraftSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...DraftCommon, kind: z.literal('alertmanager'), customerLabels: CustomerLabelsSchema }),
  z.strictObject({ ...DraftCommon, kind: z.literal('cloudevents'), customerAttribute: CustomerAttributeSchema }),
  z.strictObject({ ...DraftCommon, kind: z.literal('github'), customersFrom: CustomersFromSchema }),
  z.strictObject({ ...DraftCommon, kind: z.literal('generic'), preset: z.enum(GENERIC_PRESETS) }),
]);
export type SourceDraft = z.output<typeof SourceDraftSchema>;

/** The form fields a problem with a draft is shown under. */
export const DRAFT_FIELDS = ['id', 'name', 'kind', 'customer', 'aliases', 'severity', 'feature', 'form'] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

/** The form field of a path into a draft or into the server's source config. */
export function draftFieldOf(path: readonly PropertyKey[]): DraftField {
  const [head, next] = path;
  if (head === 'id' || head === 'name' || head === 'kind' || head === 'aliases') return head;
  if (head === 'customerLabels' || head === 'customerAttribute' || head === 'customersFrom' || head === 'preset')
    return 'customer';
  if (head === 'mapping') return 'customer';
  if (head === 'defaults') return next === 'feature' ? 'feature' : 'severity';
  return 'form';
}

/**
 * Checks a draft as `sources:add` will, with each problem under its form field
 * (an alias's problem names its line), so the Sources page refuses in place.
 */
export function checkSourceDraft(
  input: unknown,
): { ok: true; draft: SourceDraft } | { ok: false; problems: { field: DraftField; message: string }[] } {
  const parsed = SourceDraftSchema.safeParse(input);
  if (parsed.success) return { ok: true, draft: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const field = draftFieldOf(issue.path);
      const [, line] = issue.path;
      if (field === 'aliases' && typeof line === 'number') return { field, message: `Line ${line + 1}: ${issue.message}` };
      if (field === 'form' && issue.path.length > 0) return { field, message: `${issuePath(issue.path)}: ${issue.message}` };
      return { field, message: issue.message };
    }),
  };
}

/**
 * The aliases of a draft that name a customer not known where it is checked
 * (`isKnown` answers null when it cannot tell: nothing is refused then), one
 * problem a line, counted from 1 as the form shows them.
 */
export function unknownAliasProblems(
  aliases: SourceDraft['aliases'],
  isKnown: (customerId: string) => boolean | null,
): { field: 'aliases'; message: string }[] {
  return aliases.flatMap((alias, index) =>
    isKnown(alias.customerId) === false
      ? [
          {
            field: 'aliases' as const,
            message: `Line ${index + 1}: no customer ${alias.customerId} is known here; check the id on the Customers page.`,
          },
        ]
      : [],
  );
}

/** The body of `POST /v1/sources` for a draft: the server's config keys. */
export function sourceConfigOfDraft(draft: SourceDraft): Record<string, unknown> {
  const common = {
    id: draft.id,
    kind: draft.kind,
    ...(draft.name ? { name: draft.name } : {}),
    aliases: Object.fromEntries(draft.aliases.map((alias) => [alias.alias, alias.customerId])),
    defaults: draft.defaults,
  };
  switch (draft.kind) {
    case 'alertmanager':
      return { ...common, customerLabels: draft.customerLabels };
    case 'cloudevents':
      return { ...common, customerAttribute: draft.customerAttribute };
    case 'github':
      return { ...common, customersFrom: draft.customersFrom };
    case 'generic':
      return { ...common, mapping: { preset: draft.preset } };
  }
}

/** A stored refusal reason (`401 unauthorized: that is not the token…`) in its parts. */
export function parseRefusalReason(reason: string): { status: number | null; code: string | null; message: string } {
  const match = /^(\d{3})(?: ([a-z_]+))?(?:: ([\s\S]*))?$/.exec(reason);
  if (!match) return { status: null, code: null, message: reason };
  return { status: Number(match[1]), code: match[2] ?? null, message: match[3] ?? '' };
}

/**
 * Why a producer's delivery was refused and what to do about it, in the words of
 * a support engineer rather than of HTTP (the server's own message stays beside it).
 */
export function explainRefusal(kind: SourceKind, reason: string): { headline: string; next: string } {
  const { status, code } = parseRefusalReason(reason);
  if (status === 401) {
    return usesHmac(kind)
      ? {
          headline: 'The signature did not match: the hook’s secret is not this source’s secret.',
          next: 'Rotate the secret here and paste the new one into the hook’s Secret field (Settings → Webhooks).',
        }
      : {
          headline: 'The producer sent no token, or an old one (the token was rotated, or the tool dropped part of the URL).',
          next: 'Rotate the token here and paste the new URL into the producer’s configuration.',
        };
  }
  if (code === 'mapping_too_costly')
    return {
      headline: 'The source’s mapping ran too long on a payload and was stopped.',
      next: 'Simplify the mapping in the sources file (or remove and add the source with a ready mapping).',
    };
  if (status === 413)
    return {
      headline: 'A delivery was larger than this source takes.',
      next: 'Have the producer send smaller batches (Alertmanager: smaller groups), or raise limits.maxBodyBytes in the sources file.',
    };
  if (status === 415)
    return {
      headline: 'The producer sent a content type this kind of source does not take.',
      next:
        kind === 'cloudevents'
          ? 'Send application/cloudevents+json, application/cloudevents-batch+json, or binary mode with ce-* headers.'
          : 'Set the producer to send application/json.',
    };
  if (status === 429)
    return {
      headline: 'The producer sent more requests per minute than this source allows; it was told to retry later.',
      next: 'Producers retry on their own. If it keeps happening, raise limits.requestsPerMinute or group more per request.',
    };
  if (status === 403)
    return {
      headline: 'The producer’s origin is not allowed to send to this source.',
      next: 'Add its origin to allowedOrigins of the source, or leave the list empty to allow any.',
    };
  if (status === 503)
    return {
      headline: 'This server cannot read the source’s settings.',
      next: 'Remove the source and add it again, or correct it in the sources file.',
    };
  if (status === 400)
    return {
      headline: 'The producer sent a payload that does not follow its format; nothing of it was stored.',
      next: 'The server’s message names the item and field to fix in the producer (or its template).',
    };
  return {
    headline: `The server refused a delivery${status === null ? '' : ` (${status})`}.`,
    next: 'Read the server’s message below; the producer will resend if it retries.',
  };
}

/** How to point a producer at a source: the steps, and a snippet to paste where the producer takes one. */
export type ProducerSetup = { steps: string[]; snippet: string | null };

/**
 * What to paste into the producer. `url` is the source's address; `secret` the
 * HMAC secret when one was just made (GitHub), else a placeholder.
 */
export function producerSetup(kind: SourceKind, url: string, secret: string | null = null): ProducerSetup {
  switch (kind) {
    case 'alertmanager':
      return {
        steps: [
          'Add a receiver with this URL to alertmanager.yml and route the customer-facing alerts to it.',
          'Keep send_resolved: true so that a resolved alert closes its thread.',
          'Reload Alertmanager (kill -HUP, or POST /-/reload).',
        ],
        snippet: [
          'receivers:',
          '  - name: lightkeeper',
          '    webhook_configs:',
          `      - url: ${url}`,
          '        send_resolved: true',
        ].join('\n'),
      };
    case 'github':
      return {
        steps: [
          'In the repository (or organization): Settings → Webhooks → Add webhook.',
          `Payload URL: ${url}`,
          'Content type: application/json.',
          secret === null ? 'Secret: the secret shown when the source was added or last rotated.' : `Secret: ${secret}`,
          'Events: Deployments, Deployment statuses and Releases.',
        ],
        snippet: null,
      };
    case 'cloudevents':
      return {
        steps: [
          'Send CloudEvents 1.0 over HTTP POST to this URL: structured (application/cloudevents+json), binary (ce-* headers) or batch (application/cloudevents-batch+json).',
          'Put the customer in the subject attribute (or the attribute this source reads).',
        ],
        snippet: `curl -X POST '${url}' \\\n  -H 'content-type: application/cloudevents+json' \\\n  -d '{"specversion":"1.0","id":"1","source":"ci","type":"com.example.deploy","subject":"acme"}'`,
      };
    case 'generic':
      return {
        steps: [
          'Point the tool’s webhook at this URL, method POST, content type application/json.',
          'The ready mapping reads the tool’s own payload; add an alias when it names a customer differently.',
        ],
        snippet: null,
      };
  }
}

/** How much of an unmatched item's event the desk shows (characters of indented JSON). */
export const UNMATCHED_PREVIEW_CHARS = 2_000;

/** Keys whose values are never shown in a preview: credentials a producer may put into labels or properties. */
const SECRET_KEY =
  /passw(or)?d|^pass$|secret|token|api[-_]?key|authori[sz]ation|^auth$|cookie|credential|signature|private[-_]?key/i;
const HIDDEN = '[hidden]';

/** The credentials a text carries as a URL: user info and credential-like query parameters. */
function secretsInUrl(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  try {
    const url = new URL(text);
    const found = [url.password, decodeURIComponent(url.password)].filter((part) => part !== '');
    for (const [key, value] of url.searchParams) if (SECRET_KEY.test(key) && value !== '') found.push(value);
    return found;
  } catch {
    return [];
  }
}

/** Every credential-like value in an event: under a credential-like key, or in a URL. */
function collectSecrets(value: unknown, depth: number, found: Set<string>): void {
  if (typeof value === 'string') {
    for (const secret of secretsInUrl(value)) found.add(secret);
    return;
  }
  if (depth > 20 || value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEY.test(key) && (typeof item === 'string' || typeof item === 'number')) found.add(String(item));
    else collectSecrets(item, depth + 1, found);
  }
}

function hideSecrets(value: unknown, depth: number, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let text = value;
    // A label's value also shows in the body the producer's module wrote (Alertmanager's label table).
    for (const secret of secrets) text = text.split(secret).join(HIDDEN);
    return text;
  }
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => hideSecrets(item, depth + 1, secrets));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? HIDDEN : hideSecrets(item, depth + 1, secrets)]),
  );
}

/**
 * An unmatched item's event as an admin may see it on the Sources page: indented
 * JSON with the values of credential-like keys (`token`, `password`, `apiKey`…),
 * URL passwords and credential-like query parameters replaced by `[hidden]`
 * wherever they appear (a label's value is in the body's label table too), cut
 * to {@link UNMATCHED_PREVIEW_CHARS}.
 */
export function unmatchedPreview(event: unknown): string {
  const found = new Set<string>();
  collectSecrets(event, 0, found);
  // Longest first, so a secret that contains another is hidden whole; very short values would hide ordinary words.
  const secrets = [...found].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  const text = JSON.stringify(hideSecrets(event, 0, secrets), null, 2) ?? 'null';
  if (text.length <= UNMATCHED_PREVIEW_CHARS) return text;
  // Never between the halves of an emoji.
  const end = /[\ud800-\udbff]/.test(text[UNMATCHED_PREVIEW_CHARS - 2] ?? '')
    ? UNMATCHED_PREVIEW_CHARS - 2
    : UNMATCHED_PREVIEW_CHARS - 1;
  return `${text.slice(0, end)}…`;
}

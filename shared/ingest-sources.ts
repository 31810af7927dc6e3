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

/** A timeline event kind a source's mapping produces. */
export const EventKindSchema = z
  .string()
  .regex(/^[a-z][a-z_]{0,47}$/, 'must be an event kind in lower_snake_case, such as deploy');

/** Alertmanager: a label name the source reads (the severity, the feature). */
export const LabelNameSchema = z.string().trim().min(1, 'must name a label, such as severity').max(100);

/** Alertmanager: label value → severity; values not listed fall back to the source's default severity. */
export const SeverityMapSchema = z.record(z.string().min(1).max(64), z.enum(SEVERITIES));

/** Alertmanager: what an alert's severity label means when a source says nothing. */
export const DEFAULT_SEVERITIES: Readonly<Record<string, (typeof SEVERITIES)[number]>> = {
  critical: 'critical',
  page: 'critical',
  error: 'error',
  major: 'error',
  warning: 'warning',
  warn: 'warning',
  minor: 'notice',
  notice: 'notice',
  info: 'info',
  none: 'info',
};
export const DEFAULT_SEVERITY_LABEL = 'severity';
export const DEFAULT_FEATURE_LABEL = 'feature';

/** CloudEvents: `type` → event kind; a key ending in `*` matches a prefix. */
export const CloudEventKindsSchema = z.record(z.string().min(1).max(256), EventKindSchema);
/** CloudEvents: the kind of types the source's map does not list, when it says nothing. */
export const DEFAULT_EVENT_KIND = 'signal';

/** The generic webhook: an admin's own JSONata expression (the server also checks that it compiles). */
export const JsonataExpressionSchema = z
  .string()
  .trim()
  .min(1, 'write a JSONata expression, or pick a ready mapping')
  .max(20_000);

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

const SettingsCommon = {
  id: SourceIdSchema,
  name: z.string().trim().max(200).optional(),
  defaults: z.strictObject({ severity: z.enum(SEVERITIES), feature: FeatureNameSchema.nullable() }),
};

/** What an admin sets per kind: how payloads name customers, and the kind's mapping rules (absent: the server's defaults). */
const KIND_SETTINGS = {
  alertmanager: {
    kind: z.literal('alertmanager'),
    customerLabels: CustomerLabelsSchema,
    severityLabel: LabelNameSchema.optional(),
    severities: SeverityMapSchema.optional(),
    featureLabel: LabelNameSchema.optional(),
  },
  cloudevents: {
    kind: z.literal('cloudevents'),
    customerAttribute: CustomerAttributeSchema,
    kinds: CloudEventKindsSchema.optional(),
    defaultKind: EventKindSchema.optional(),
  },
  github: { kind: z.literal('github'), customersFrom: CustomersFromSchema },
  generic: {
    kind: z.literal('generic'),
    /** A ready mapping, or `jsonata`: the admin's own expression; exactly one. */
    preset: z.enum(GENERIC_PRESETS).optional(),
    jsonata: JsonataExpressionSchema.optional(),
  },
} as const;

function oneMapping(value: { preset?: unknown; jsonata?: unknown }, context: z.RefinementCtx): void {
  if ((value.preset === undefined) === (value.jsonata === undefined))
    context.addIssue({
      code: 'custom',
      path: ['jsonata'],
      message:
        value.preset === undefined
          ? 'pick a ready mapping or write a JSONata expression'
          : 'a ready mapping or a JSONata expression, not both',
    });
}

const aliasesSchema = z
  .array(AliasSchema)
  .max(1000)
  .refine((aliases) => new Set(aliases.map((alias) => alias.alias)).size === aliases.length, 'names an alias twice');

/** A new source as an admin fills it in on the desk's Sources page (`sources:add`). */
export const SourceDraftSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...SettingsCommon, aliases: aliasesSchema, ...KIND_SETTINGS.alertmanager }),
  z.strictObject({ ...SettingsCommon, aliases: aliasesSchema, ...KIND_SETTINGS.cloudevents }),
  z.strictObject({ ...SettingsCommon, aliases: aliasesSchema, ...KIND_SETTINGS.github }),
  z.strictObject({ ...SettingsCommon, aliases: aliasesSchema, ...KIND_SETTINGS.generic }).superRefine(oneMapping),
]);
export type SourceDraft = z.output<typeof SourceDraftSchema>;

/**
 * A source's settings as an admin changes them (`sources:update`, `PATCH /v1/sources/:id`): a draft
 * without aliases (those are added one by one, and kept), for a source whose id and kind stay.
 */
export const SourceSettingsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...SettingsCommon, ...KIND_SETTINGS.alertmanager }),
  z.strictObject({ ...SettingsCommon, ...KIND_SETTINGS.cloudevents }),
  z.strictObject({ ...SettingsCommon, ...KIND_SETTINGS.github }),
  z.strictObject({ ...SettingsCommon, ...KIND_SETTINGS.generic }).superRefine(oneMapping),
]);
export type SourceSettings = z.output<typeof SourceSettingsSchema>;

/** The form fields a problem with a draft is shown under. */
export const DRAFT_FIELDS = [
  'id',
  'name',
  'kind',
  'customer',
  'aliases',
  'severity',
  'feature',
  'severityLabel',
  'severities',
  'featureLabel',
  'kinds',
  'defaultKind',
  'jsonata',
  'form',
] as const;
export type DraftField = (typeof DRAFT_FIELDS)[number];

/** The form field of a path into a draft or into the server's source config. */
export function draftFieldOf(path: readonly PropertyKey[]): DraftField {
  const [head, next] = path;
  if (head === 'id' || head === 'name' || head === 'kind' || head === 'aliases') return head;
  if (head === 'customerLabels' || head === 'customerAttribute' || head === 'customersFrom' || head === 'preset')
    return 'customer';
  if (
    head === 'severityLabel' ||
    head === 'severities' ||
    head === 'featureLabel' ||
    head === 'kinds' ||
    head === 'defaultKind' ||
    head === 'jsonata'
  )
    return head;
  if (head === 'mapping') return next === 'jsonata' ? 'jsonata' : 'customer';
  if (head === 'defaults') return next === 'feature' ? 'feature' : 'severity';
  return 'form';
}

type DraftCheck<T> = { ok: true; draft: T } | { ok: false; problems: { field: DraftField; message: string }[] };

function problemsOfIssues(issues: readonly z.core.$ZodIssue[]): { field: DraftField; message: string }[] {
  return issues.map((issue) => {
    const field = draftFieldOf(issue.path);
    const [, second] = issue.path;
    if (field === 'aliases' && typeof second === 'number') return { field, message: `Line ${second + 1}: ${issue.message}` };
    // A map's entry is named by its key, as the form's line starts with it.
    if ((field === 'severities' || field === 'kinds') && typeof second === 'string')
      return { field, message: `"${second}": ${issue.message}` };
    if (field === 'form' && issue.path.length > 0) return { field, message: `${issuePath(issue.path)}: ${issue.message}` };
    return { field, message: issue.message };
  });
}

/**
 * Checks a draft as `sources:add` will, with each problem under its form field
 * (an alias's problem names its line, a map entry its key), so the Sources page refuses in place.
 */
export function checkSourceDraft(input: unknown): DraftCheck<SourceDraft> {
  const parsed = SourceDraftSchema.safeParse(input);
  return parsed.success ? { ok: true, draft: parsed.data } : { ok: false, problems: problemsOfIssues(parsed.error.issues) };
}

/** Checks changed settings as `sources:update` will, each problem under its form field. */
export function checkSourceSettings(input: unknown): DraftCheck<SourceSettings> {
  const parsed = SourceSettingsSchema.safeParse(input);
  return parsed.success ? { ok: true, draft: parsed.data } : { ok: false, problems: problemsOfIssues(parsed.error.issues) };
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

/** The server's config keys of a source's settings (`PATCH /v1/sources/:id`); rules left out keep the server's. */
export function sourceConfigOfSettings(settings: SourceSettings): Record<string, unknown> {
  const common = { ...(settings.name ? { name: settings.name } : {}), defaults: settings.defaults };
  switch (settings.kind) {
    case 'alertmanager': {
      const { customerLabels, severityLabel, severities, featureLabel } = settings;
      return { ...common, customerLabels, ...defined({ severityLabel, severities, featureLabel }) };
    }
    case 'cloudevents': {
      const { customerAttribute, kinds, defaultKind } = settings;
      return { ...common, customerAttribute, ...defined({ kinds, defaultKind }) };
    }
    case 'github':
      return { ...common, customersFrom: settings.customersFrom };
    case 'generic':
      return {
        ...common,
        mapping: settings.jsonata !== undefined ? { jsonata: settings.jsonata } : { preset: settings.preset ?? 'ticket' },
      };
  }
}

function defined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** The body of `POST /v1/sources` for a draft: the server's config keys. */
export function sourceConfigOfDraft(draft: SourceDraft): Record<string, unknown> {
  const { aliases, ...settings } = draft;
  return {
    id: draft.id,
    kind: draft.kind,
    ...sourceConfigOfSettings(settings),
    aliases: Object.fromEntries(aliases.map((alias) => [alias.alias, alias.customerId])),
  };
}

/**
 * A source's settings read from the config the server lists (`GET /v1/sources`), for the
 * page's change form; null when this desk cannot read it (a newer server, say).
 */
export function sourceSettingsOfConfig(id: string, kind: SourceKind, config: Record<string, unknown>): SourceSettings | null {
  const mapping = (config.mapping ?? {}) as { preset?: unknown; jsonata?: unknown };
  const picked = {
    id,
    kind,
    ...(typeof config.name === 'string' && config.name !== id ? { name: config.name } : {}),
    defaults: config.defaults,
    ...defined(
      kind === 'alertmanager'
        ? {
            customerLabels: config.customerLabels,
            severityLabel: config.severityLabel,
            severities: config.severities,
            featureLabel: config.featureLabel,
          }
        : kind === 'cloudevents'
          ? { customerAttribute: config.customerAttribute, kinds: config.kinds, defaultKind: config.defaultKind }
          : kind === 'github'
            ? { customersFrom: config.customersFrom }
            : { preset: mapping.preset, jsonata: mapping.jsonata },
    ),
  };
  const parsed = SourceSettingsSchema.safeParse(picked);
  return parsed.success ? parsed.data : null;
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

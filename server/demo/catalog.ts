import type { Customer } from '../../shared/domain';

/** The product's features, as feature keys on events and feature rows. */
export const DEMO_FEATURES = [
  'sso',
  'exports',
  'billing_sync',
  'audit_log',
  'api_access',
  'analytics',
  'webhooks',
  'data_import',
] as const;
export type DemoFeature = (typeof DEMO_FEATURES)[number];

type Plan = Customer['plan'];

/** What each plan pays for. A feature is on when its flag `feature.<name>` is true. */
export const PLAN_ENTITLEMENTS: Readonly<Record<Plan, readonly DemoFeature[]>> = {
  free: ['analytics', 'exports'],
  starter: ['analytics', 'exports', 'webhooks', 'api_access'],
  pro: ['analytics', 'exports', 'webhooks', 'api_access', 'billing_sync', 'audit_log', 'data_import'],
  enterprise: ['analytics', 'exports', 'webhooks', 'api_access', 'billing_sync', 'audit_log', 'data_import', 'sso'],
};

/** The flag that switches a feature on for a customer. */
export function featureFlag(feature: string): string {
  return `feature.${feature}`;
}

export function isDemoFeature(value: string): value is DemoFeature {
  return (DEMO_FEATURES as readonly string[]).includes(value);
}

/** Which job kind backs a feature, and the config key of its schedule. */
export const JOB_FEATURES = {
  export: { feature: 'exports', scheduleKey: 'exports.schedule' },
  billing_sync: { feature: 'billing_sync', scheduleKey: 'billing_sync.schedule' },
} as const;

/** Provisioning steps in the order the provisioner runs them. */
export const PROVISIONING_STEPS = [
  'tenant_create',
  'region_allocation',
  'dns',
  'sso_setup',
  'data_import',
  'smoke_test',
] as const;

/** The feature a provisioning step sets up, when there is one. */
export const PROVISIONING_STEP_FEATURES: Readonly<Record<string, string>> = {
  sso_setup: 'sso',
  data_import: 'data_import',
};

export const REGIONS = [
  ['eu-west', 0.26],
  ['eu-central', 0.14],
  ['us-east', 0.28],
  ['us-west', 0.12],
  ['ap-south', 0.1],
  ['ap-southeast', 0.1],
] as const;

// prettier-ignore
export const COMPANY_PREFIXES = [
  'Northwind', 'Bluefin', 'Cobalt', 'Harbor', 'Juniper', 'Keystone', 'Lumen', 'Meridian', 'Nimbus', 'Orchard',
  'Pioneer', 'Quarry', 'Redwood', 'Summit', 'Tidal', 'Vantage', 'Willow', 'Atlas', 'Beacon', 'Cascade',
  'Driftwood', 'Evergreen', 'Foxglove', 'Granite', 'Halcyon', 'Ironbark', 'Jasper', 'Kestrel', 'Lattice', 'Mosaic',
  'Nordlicht', 'Obsidian', 'Pinecrest', 'Quill', 'Riverside', 'Saffron', 'Tandem', 'Upland', 'Verdant', 'Wavelength',
  'Yarrow', 'Zephyr', 'Alder', 'Brightline', 'Copperleaf', 'Dovetail', 'Ember', 'Fairway', 'Gladstone', 'Highmark',
  'Inkwell', 'Larkspur', 'Marlowe', 'Northstar', 'Oakridge', 'Parallax', 'Rookery', 'Silverline', 'Thistle', 'Bramble',
  'Solstice', 'Corvid', 'Helix', 'Lodestar', 'Mariner', 'Sable', 'Talisman', 'Arbor', 'Clearwater', 'Fennel',
] as const;

// prettier-ignore
export const COMPANY_SUFFIXES = [
  'Logistics', 'Health', 'Analytics', 'Foods', 'Robotics', 'Labs', 'Insurance', 'Capital', 'Energy', 'Retail',
  'Media', 'Travel', 'Learning', 'Biotech', 'Freight', 'Dental', 'Legal', 'Software', 'Manufacturing', 'Outdoor',
  'Pharma', 'Telecom', 'Security', 'Studios', 'Mobility', 'Realty', 'Hospitality', 'Payments', 'Clinics', 'Systems',
] as const;

// prettier-ignore
export const CONTACT_FIRST_NAMES = [
  'Ana', 'Ben', 'Chloe', 'Dario', 'Elif', 'Farah', 'Gustav', 'Hana', 'Ivan', 'Jade', 'Kenji', 'Lena', 'Mateo', 'Nadia',
  'Omar', 'Paula', 'Quentin', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wen', 'Yusuf', 'Zoe',
] as const;
// prettier-ignore
export const CONTACT_LAST_NAMES = [
  'Andersen', 'Bauer', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jansen', 'Kowalski', 'Laine',
  'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Silva', 'Tanaka', 'Ueda', 'Varga', 'Weber', 'Yilmaz',
] as const;

/** Customer success managers who own accounts. */
export const ACCOUNT_OWNERS = [
  'Priya Raman',
  'Jonas Weber',
  'Maya Lindqvist',
  'Tomás Herrera',
  'Grace Okoye',
  'Lukas Novak',
  'Aiko Sato',
] as const;

/** Support and operations engineers who act on customers (actors in the history). */
export const ENGINEERS = [
  'k.osei',
  'r.santos',
  'm.keller',
  'a.lindgren',
  'd.chen',
  's.patel',
  'j.ortiz',
  'e.nowak',
  'f.dubois',
] as const;

/** Flags customers and engineers toggle in everyday operation (never the ones a fault hangs on). */
export const ROUTINE_FLAGS = [
  { key: 'ui.new_navigation', why: 'Opted in to the new navigation beta' },
  { key: 'search.semantic', why: 'Semantic search pilot' },
  { key: 'reports.scheduled_pdf', why: 'Scheduled PDF reports for the finance team' },
  { key: 'api.v2_pagination', why: 'Moved integration to cursor pagination' },
  { key: 'notifications.digest', why: 'Daily digest instead of per-event emails' },
  { key: 'webhooks.signing_v2', why: 'Rotating to HMAC-SHA256 webhook signatures' },
] as const;

export const EXPORT_SCHEDULES = ['*/30 * * * *', '0 * * * *', '0 */6 * * *', '0 2 * * *'] as const;
export const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
export const BILLING_TARGETS = ['stripe', 'chargebee', 'zuora', 'netsuite'] as const;
export const SSO_PROVIDERS = ['okta', 'azure_ad', 'google_workspace', 'onelogin'] as const;

/** Routine configuration changes: key, the values it moves between, and why. */
export const ROUTINE_CONFIG = [
  { key: 'session.timeout_minutes', values: [30, 60, 240, 480], why: 'Security review asked for a different session timeout' },
  { key: 'api.rate_limit_rpm', values: [600, 1200, 3000, 6000], why: 'Integration traffic grew; raised the API rate limit' },
  { key: 'webhooks.max_retries', values: [3, 5, 8, 12], why: 'Receiver has maintenance windows; tuned webhook retries' },
  { key: 'data_retention_days', values: [180, 365, 730], why: 'Retention aligned with the customer’s records policy' },
  { key: 'exports.format', values: ['csv', 'jsonl'], why: 'Data team switched export format' },
] as const;

/** Routine alerts per feature: the alert name, what it says and the measured value. */
export const ROUTINE_ALERTS: Readonly<Record<DemoFeature, { name: string; text: string; unit: string; threshold: number }>> = {
  sso: { name: 'SamlLatencyHigh', text: 'SAML assertion round trip above threshold', unit: 'ms', threshold: 1500 },
  exports: { name: 'ExportJobSlow', text: 'Export job duration above threshold', unit: 'min', threshold: 20 },
  billing_sync: { name: 'BillingSyncRetries', text: 'Billing sync retry rate above threshold', unit: '%', threshold: 2 },
  audit_log: { name: 'AuditLogIngestDelay', text: 'Audit log ingest delay above threshold', unit: 's', threshold: 120 },
  api_access: { name: 'ApiLatencyP95High', text: 'API p95 latency above threshold', unit: 'ms', threshold: 800 },
  analytics: { name: 'DashboardQueryTimeouts', text: 'Dashboard query timeouts above threshold', unit: '%', threshold: 1 },
  webhooks: { name: 'WebhookDeliveryFailures', text: 'Webhook delivery failure rate above threshold', unit: '%', threshold: 5 },
  data_import: { name: 'ImportRowsRejected', text: 'Import row rejection rate above threshold', unit: '%', threshold: 3 },
};

/** Everyday support tickets per feature: subject, the customer's words, the resolution. */
export const ROUTINE_TICKETS: Readonly<Record<DemoFeature, ReadonlyArray<{ subject: string; ask: string; answer: string }>>> = {
  sso: [
    {
      subject: 'Add a second SAML signing certificate',
      ask: 'We are rotating our IdP certificate next week. Can we upload the new one before the old one expires?',
      answer: 'Both certificates are now accepted; remove the old one after the rotation.',
    },
    {
      subject: 'New hires not getting the right role via SSO',
      ask: 'Users created through SSO land in the Viewer role instead of Editor.',
      answer: 'Group-to-role mapping was missing the `eng-all` group; customer added it in the IdP.',
    },
  ],
  exports: [
    {
      subject: 'Export CSV is missing custom fields',
      ask: 'Our nightly export no longer includes the custom field columns.',
      answer: 'Custom fields must be ticked in the export template; walked the admin through it.',
    },
    {
      subject: 'How do we export to our own S3 bucket?',
      ask: 'We would like exports delivered to s3://our-bucket instead of downloading them.',
      answer: 'Sent the bucket policy and the destination settings; first delivery confirmed.',
    },
  ],
  billing_sync: [
    {
      subject: 'Invoice totals differ from our ledger',
      ask: 'Two invoices from last week show different totals in our accounting system.',
      answer: 'Rounding setting differed; aligned it and re-synced the two invoices.',
    },
    {
      subject: 'Billing sync skipped a credit note',
      ask: 'A credit note issued on Friday never reached our billing system.',
      answer: 'Credit note was created in a closed period; synced manually after the period was reopened.',
    },
  ],
  audit_log: [
    {
      subject: 'Audit log retention for compliance',
      ask: 'Our auditors need 2 years of audit log. Is that possible?',
      answer: 'Enabled the 730-day retention option and confirmed the export path.',
    },
  ],
  api_access: [
    {
      subject: 'Getting 429 Too Many Requests',
      ask: 'Our sync script gets 429s every night around 02:00.',
      answer: 'Script bursts above the rate limit; suggested backoff honouring Retry-After.',
    },
    {
      subject: 'How do I rotate an API key?',
      ask: 'A contractor left; we need to rotate the key they used.',
      answer: 'Explained key rotation with overlap; old key revoked by the customer.',
    },
  ],
  analytics: [
    {
      subject: 'Dashboard shows yesterday’s numbers',
      ask: 'The revenue dashboard seems a day behind.',
      answer: 'Dashboard was set to the previous reporting day; switched to live data.',
    },
    {
      subject: 'Share a dashboard with an external auditor',
      ask: 'Can we share one dashboard read-only with someone outside the company?',
      answer: 'Created a guest link with expiry; customer confirmed access.',
    },
  ],
  webhooks: [
    {
      subject: 'Webhook deliveries failing with 410',
      ask: 'We see failed deliveries in the log since we moved our receiver.',
      answer: 'Endpoint URL was outdated; customer updated it and replayed the failed deliveries.',
    },
  ],
  data_import: [
    {
      subject: 'Import rejects dates in DD.MM.YYYY',
      ask: 'Our CSV import rejects every row with a German date format.',
      answer: 'Set the import locale to de-DE; rows imported.',
    },
  ],
};

export const HOWTO_TICKETS = [
  {
    subject: 'How do I invite my team?',
    ask: 'We just started the trial. Where do I invite colleagues?',
    answer: 'Pointed to Settings → Members; invites sent.',
  },
  {
    subject: 'Change the billing contact',
    ask: 'Please change our billing contact to finance@ our domain.',
    answer: 'Billing contact updated.',
  },
  {
    subject: 'Question about the invoice',
    ask: 'Our last invoice lists 12 seats, we have 10.',
    answer: 'Two deactivated users still counted; removed them and credited the difference.',
  },
  {
    subject: 'Two-factor reset for an admin',
    ask: 'One of our admins lost their phone and cannot log in.',
    answer: 'Identity verified with the account owner; 2FA reset.',
  },
] as const;

export const INFRA_COMPONENTS = [
  'edge-proxy',
  'search-indexer',
  'export-worker',
  'billing-connector',
  'webhook-dispatcher',
  'session-service',
  'query-engine',
] as const;

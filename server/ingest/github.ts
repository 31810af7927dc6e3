import { verify } from '@octokit/webhooks-methods';
import { z } from 'zod';
import type { Severity } from '../../shared/domain';
import { describeZodIssues } from '../../shared/issues';
import { ApiFailure } from '../errors';
import { GitHubConfigSchema, type GitHubConfig } from './config';
import { bodyText, parseJsonText } from './json-body';
import { clip, header, type EventDraft, type IngestItem, type IngestRequest, type SourceKindModule } from './types';

/*
 * GitHub webhooks: `deployment`, `deployment_status` and `release` become
 * change events on the customers the deployment names; `ping` is answered.
 * Every delivery is signed (X-Hub-Signature-256, HMAC-SHA256 of the body with
 * the source's secret), checked in constant time by @octokit/webhooks-methods
 * before anything is parsed. X-GitHub-Delivery is the idempotency key (GitHub's
 * "Redeliver" resends the same one).
 */

const RepositorySchema = z.object({ full_name: z.string(), html_url: z.string().default('') });
const UserSchema = z.object({ login: z.string() }).nullable().optional();

const DeploymentSchema = z.object({
  id: z.number(),
  ref: z.string().default(''),
  sha: z.string().default(''),
  environment: z.string().default(''),
  description: z.string().nullable().optional(),
  payload: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .nullable()
    .optional(),
  creator: UserSchema,
  created_at: z.string(),
  updated_at: z.string().optional(),
});

const DeploymentPayloadSchema = z.object({
  action: z.string().default('created'),
  deployment: DeploymentSchema,
  repository: RepositorySchema,
  sender: UserSchema,
});

const DeploymentStatusPayloadSchema = DeploymentPayloadSchema.extend({
  deployment_status: z.object({
    id: z.number(),
    state: z.string(),
    description: z.string().nullable().optional(),
    environment: z.string().optional(),
    target_url: z.string().nullable().optional(),
    environment_url: z.string().nullable().optional(),
    log_url: z.string().nullable().optional(),
    creator: UserSchema,
    created_at: z.string(),
    updated_at: z.string().optional(),
  }),
});

const ReleasePayloadSchema = z.object({
  action: z.string(),
  release: z.object({
    id: z.number(),
    tag_name: z.string(),
    name: z.string().nullable().optional(),
    html_url: z.string().default(''),
    body: z.string().nullable().optional(),
    prerelease: z.boolean().default(false),
    author: UserSchema,
    created_at: z.string().nullable().optional(),
    published_at: z.string().nullable().optional(),
  }),
  repository: RepositorySchema,
  sender: UserSchema,
});

/** deployment_status state → severity. */
const STATE_SEVERITY: Record<string, Severity> = {
  error: 'error',
  failure: 'error',
  success: 'notice',
  inactive: 'info',
  pending: 'info',
  queued: 'info',
  in_progress: 'info',
};

function payloadOf(request: IngestRequest): unknown {
  const text = bodyText(request);
  let json = text;
  if (request.mediaType === 'application/x-www-form-urlencoded') {
    json = new URLSearchParams(text).get('payload') ?? '';
  } else if (request.mediaType !== 'application/json') {
    throw new ApiFailure(415, 'unsupported_media_type', 'set the hook’s content type to application/json');
  }
  return parseJsonText(json);
}

function parsePayload<T extends z.ZodType>(schema: T, payload: unknown, event: string): z.output<T> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    throw new ApiFailure(
      400,
      'invalid_payload',
      `not a GitHub ${event} payload: ${describeZodIssues(parsed.error, 3)}; nothing was stored`,
    );
  return parsed.data;
}

function refsFromPayload(value: unknown): string[] {
  if (typeof value === 'string' && value !== '')
    return value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}

/** The customers a deployment names, by the source's customersFrom (first that yields any). */
function customerRefs(config: GitHubConfig, deployment: z.infer<typeof DeploymentSchema> | null, repository: string): string[] {
  for (const from of config.customersFrom) {
    let refs: string[] = [];
    if (from === 'environment') refs = deployment?.environment ? [deployment.environment] : [];
    else if (from === 'repository') refs = [repository];
    else if (deployment && typeof deployment.payload === 'object' && deployment.payload !== null)
      refs = refsFromPayload(deployment.payload[from.slice('payload.'.length)]);
    if (refs.length > 0) return [...new Set(refs)];
  }
  return [];
}

function iso(value: string | null | undefined, fallback: number): string {
  const parsed = value ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? fallback : parsed).toISOString();
}

function deploymentItem(
  event: 'deployment' | 'deployment_status',
  payload: z.infer<typeof DeploymentPayloadSchema> & Partial<z.infer<typeof DeploymentStatusPayloadSchema>>,
  delivery: string,
  config: GitHubConfig,
  receivedAt: number,
): IngestItem {
  const { deployment, repository } = payload;
  const status = payload.deployment_status;
  const environment = status?.environment ?? deployment.environment;
  const short = deployment.sha.slice(0, 7);
  const what = `${deployment.ref || short}${deployment.ref && short ? ` (${short})` : ''}`;
  const summary = status
    ? `Deploy of ${repository.full_name} ${what} to ${environment}: ${status.state}`
    : `Deploy of ${repository.full_name} ${what} to ${environment} started`;
  const description = status?.description || deployment.description || '';
  const draft: EventDraft = {
    occurredAt: iso(status?.updated_at ?? status?.created_at ?? deployment.created_at, receivedAt),
    kind: 'deploy',
    severity: status ? (STATE_SEVERITY[status.state] ?? config.defaults.severity) : 'info',
    actor: status?.creator?.login ?? deployment.creator?.login ?? payload.sender?.login ?? null,
    summary: clip(summary, 500),
    body: description ? clip(description, 20_000) : null,
    feature: config.defaults.feature,
    prevValue: null,
    newValue: deployment.ref || deployment.sha || null,
    links: {
      url: clip(status?.target_url || status?.log_url || status?.environment_url || repository.html_url || '', 2048),
      release: deployment.sha,
    },
    properties: {
      github: event,
      repository: repository.full_name,
      environment,
      ref: deployment.ref,
      sha: deployment.sha,
      deploymentId: deployment.id,
      ...(status ? { state: status.state, statusId: status.id } : {}),
    },
  };
  if (!draft.links?.url) delete draft.links?.url;
  return { path: event, key: delivery, customerRefs: customerRefs(config, deployment, repository.full_name), event: draft };
}

function releaseItem(
  payload: z.infer<typeof ReleasePayloadSchema>,
  delivery: string,
  config: GitHubConfig,
  receivedAt: number,
): IngestItem {
  const { release, repository } = payload;
  return {
    path: 'release',
    key: delivery,
    customerRefs: customerRefs(config, null, repository.full_name),
    event: {
      occurredAt: iso(release.published_at ?? release.created_at, receivedAt),
      kind: 'release',
      severity: payload.action === 'deleted' ? 'notice' : 'info',
      actor: release.author?.login ?? payload.sender?.login ?? null,
      summary: clip(`Release ${release.name || release.tag_name} ${payload.action} in ${repository.full_name}`, 500),
      body: release.body ? clip(release.body, 20_000) : null,
      feature: config.defaults.feature,
      prevValue: null,
      newValue: release.tag_name,
      links: { ...(release.html_url ? { url: clip(release.html_url, 2048) } : {}), release: release.tag_name },
      properties: {
        github: 'release',
        action: payload.action,
        repository: repository.full_name,
        tag: release.tag_name,
        prerelease: release.prerelease,
        releaseId: release.id,
      },
    },
  };
}

const DELIVERY = /^[A-Za-z0-9-]{1,100}$/;

export const githubModule: SourceKindModule<GitHubConfig> = {
  kind: 'github',
  configSchema: GitHubConfigSchema,
  async verify(request, secret) {
    const signature = header(request, 'x-hub-signature-256');
    if (!signature)
      throw new ApiFailure(401, 'signature_missing', 'the delivery has no X-Hub-Signature-256: set the hook’s secret in GitHub');
    let isValid: boolean;
    try {
      isValid = request.body.length > 0 && (await verify(secret, bodyText(request), signature));
    } catch {
      isValid = false;
    }
    if (!isValid)
      throw new ApiFailure(
        401,
        'signature_invalid',
        'X-Hub-Signature-256 does not match this source’s secret; nothing was stored (check the hook’s secret)',
      );
  },
  parse(request, config) {
    const event = header(request, 'x-github-event');
    if (!event) throw new ApiFailure(400, 'invalid_request', 'the X-GitHub-Event header is missing');
    const payload = payloadOf(request);
    if (event === 'ping') return { type: 'reply', status: 200, body: { ok: true, event: 'ping' } };
    const delivery = header(request, 'x-github-delivery');
    if (!delivery || !DELIVERY.test(delivery))
      throw new ApiFailure(400, 'invalid_request', 'the X-GitHub-Delivery header is missing or malformed');
    if (event === 'deployment')
      return {
        type: 'items',
        items: [
          deploymentItem(event, parsePayload(DeploymentPayloadSchema, payload, event), delivery, config, request.receivedAt),
        ],
      };
    if (event === 'deployment_status')
      return {
        type: 'items',
        items: [
          deploymentItem(
            event,
            parsePayload(DeploymentStatusPayloadSchema, payload, event),
            delivery,
            config,
            request.receivedAt,
          ),
        ],
      };
    if (event === 'release')
      return {
        type: 'items',
        items: [releaseItem(parsePayload(ReleasePayloadSchema, payload, event), delivery, config, request.receivedAt)],
      };
    // Events this source does not record are accepted (so GitHub shows the hook healthy) and not stored.
    return { type: 'reply', status: 202, body: { ok: true, ignored: event, message: `GitHub ${event} events are not recorded` } };
  },
};

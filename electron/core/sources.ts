import { z } from 'zod';
import { SEVERITIES } from '../../shared/domain';
import {
  draftFieldOf,
  explainRefusal,
  parseRefusalReason,
  sourceConfigOfDraft,
  sourceConfigOfSettings,
  sourceSettingsOfConfig,
  unknownAliasProblems,
  unmatchedPreview,
  type SourceDraft,
  type SourceSettings,
} from '../../shared/ingest-sources';
import { DeskError, type ErrorCode } from '../../shared/ipc/result';
import type {
  DraftProblem,
  NewCredential,
  SourceAddOutput,
  SourceMapKeyInput,
  SourceMapKeyOutput,
  SourceRemapOutput,
  SourceRotateOutput,
  SourcesList,
  SourceUnmatchedOutput,
  SourceUpdateOutput,
  SourceView,
  UnmatchedItem,
} from '../../shared/ipc/source-views';
import {
  BackendError,
  type BackendClient,
  type ServerCredential,
  type ServerSource,
  type ServerUnmatched,
} from '../backend/client';

/*
 * The Sources page (issue 10): the server's ingest sources, read and changed over
 * its admin API with the signed-in person's own credentials. The server stays the
 * authority (403 for anyone but an admin); the desk turns its answers into words.
 * A new credential passes through once, in the answer of add or rotate; nothing
 * here keeps or logs it.
 */

export type SourceHandlerOptions = {
  backend: () => BackendClient | null;
  /** The roles the server last said the person at the desk holds (for the words of a refusal); null when unknown. */
  roles: () => readonly string[] | null;
  /** Whether a customer id is in the cache; null when the cache holds no customers yet (nothing to check against). */
  isKnownCustomer: (customerId: string) => boolean | null;
};

const DefaultsSchema = z.object({ severity: z.enum(SEVERITIES), feature: z.string().nullable() });

function viewOf(source: ServerSource, baseUrl: string): SourceView {
  const defaults = DefaultsSchema.safeParse(source.config.defaults);
  const lastRefusal = source.lastRefusal
    ? {
        at: source.lastRefusal.at,
        ...parseRefusalReason(source.lastRefusal.reason),
        ...explainRefusal(source.kind, source.lastRefusal.reason),
      }
    : null;
  const state =
    source.lastDeliveryAt === null
      ? 'waiting'
      : lastRefusal !== null && lastRefusal.at === source.lastDeliveryAt
        ? 'refusing'
        : 'receiving';
  return {
    id: source.id,
    kind: source.kind,
    name: source.name,
    origin: source.origin,
    credential: source.credential,
    url: `${baseUrl}${source.path}`,
    customerMapping: source.customerMapping,
    defaults: defaults.success ? defaults.data : { severity: 'warning', feature: null },
    accepted: source.accepted,
    refused: source.refused,
    unmatched: source.unmatched,
    lastDeliveryAt: source.lastDeliveryAt,
    lastRefusal,
    state,
    settings: sourceSettingsOfConfig(source.id, source.kind, { ...source.config, name: source.name }),
  };
}

/** What the server lists at most of a source's unmatched items (server/ingest/routes.ts). */
const SERVER_UNMATCHED_LIMIT = 1_000;

function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** An unmatched item for the page: the name it used, why it is waiting in support words, and a preview without secrets. */
function unmatchedItemOf(row: ServerUnmatched): UnmatchedItem {
  const customerKey = row.customerRefs[0] ?? null;
  return {
    id: row.id,
    receivedAt: row.receivedAt,
    customerKey,
    reason:
      customerKey === null
        ? 'The payload names no customer where this source looks for one: change the source’s customer mapping, or have the producer send the customer.'
        : `No customer is known as "${customerKey}" to this source: map that name to a customer and the item moves to its timeline.`,
    kind: textOf(row.event.kind),
    summary: textOf(row.event.summary),
    occurredAt: textOf(row.event.occurredAt),
    preview: unmatchedPreview(row.event),
  };
}

function credentialOf(answer: ServerCredential, baseUrl: string): NewCredential {
  const value = answer.secret ?? answer.token;
  if (value === undefined)
    throw new DeskError('internal', 'The server made a credential but did not send it; rotate to get one.');
  return { kind: answer.secret === undefined ? 'url_token' : 'hmac', value, url: `${baseUrl}${answer.path}` };
}

function whoYouAre(roles: readonly string[] | null): string {
  if (roles === null) return '';
  return roles.length === 0 ? ' You have no role on this server.' : ` You are ${roles.join(', ')}.`;
}

/** A backend failure as a contract error with the server's reason. */
function deskErrorOf(error: unknown): DeskError {
  if (error instanceof DeskError) return error;
  if (!(error instanceof BackendError)) return new DeskError('internal', String(error));
  if (error.kind !== 'http') return new DeskError('offline', `The server cannot be reached: ${error.message}`);
  const byStatus: Record<number, ErrorCode> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    422: 'bad_request',
  };
  return new DeskError(byStatus[error.status ?? 0] ?? 'unavailable', error.message);
}

/** The server's `invalid_source` message (`aliases.x: …; customerLabels[0]: …`) as problems per field. */
function problemsOf(message: string): DraftProblem[] {
  return message.split('; ').map((part) => {
    const match = /^([A-Za-z]+)((?:\.[^:\s]+|\[\d+\])*): ([\s\S]+)$/.exec(part);
    if (!match) return { field: 'form', message: part };
    const path = [match[1] ?? '', ...(match[2] ?? '').split(/[.[\]]/).filter(Boolean)];
    return { field: draftFieldOf(path), message: part };
  });
}

export function createSourceHandlers(options: SourceHandlerOptions) {
  function requireBackend(): BackendClient {
    const backend = options.backend();
    if (!backend) throw new DeskError('unavailable', 'Connect to your server on the Sync page to manage its sources.');
    return backend;
  }

  function forbidden(error: unknown, doing: string): never {
    if (error instanceof BackendError && error.status === 403)
      throw new DeskError(
        'forbidden',
        `Only an admin of the server can ${doing}.${whoYouAre(options.roles())} The server said: ${error.message}`,
      );
    throw deskErrorOf(error);
  }

  async function list(backend: BackendClient): Promise<SourceView[]> {
    return (await backend.sources()).map((source) => viewOf(source, backend.baseUrl));
  }

  return {
    'sources:list': async (): Promise<SourcesList> => {
      const backend = options.backend();
      if (!backend)
        return { sources: [], unavailable: 'Connect to your server on the Sync page to see where its signals come from.' };
      try {
        return { sources: await list(backend), unavailable: null };
      } catch (error) {
        if (error instanceof BackendError && error.status === 403)
          return {
            sources: [],
            unavailable: `Ingest sources are managed by admins of the server.${whoYouAre(options.roles())} Ask an admin to add a source or to tell you why a producer’s signals do not arrive.`,
          };
        if (error instanceof BackendError && error.status === 401)
          return {
            sources: [],
            unavailable: `The server refused your sign-in: ${error.message} Sign in again on the Sync page.`,
          };
        throw deskErrorOf(error);
      }
    },

    'sources:add': async (draft: SourceDraft): Promise<SourceAddOutput> => {
      const backend = requireBackend();
      const unknown = unknownAliasProblems(draft.aliases, options.isKnownCustomer);
      if (unknown.length > 0) return { status: 'refused', problems: unknown };
      let answer: ServerCredential;
      try {
        answer = await backend.addSource(sourceConfigOfDraft(draft));
      } catch (error) {
        if (error instanceof BackendError && error.status === 409 && error.code === 'source_exists')
          return {
            status: 'refused',
            problems: [{ field: 'id', message: `A source ${draft.id} exists already; pick another id.` }],
          };
        if (error instanceof BackendError && error.status === 400)
          return {
            status: 'refused',
            problems: error.code === 'invalid_source' ? problemsOf(error.message) : [{ field: 'form', message: error.message }],
          };
        forbidden(error, 'add a source');
      }
      const credential = credentialOf(answer, backend.baseUrl);
      let source: SourceView | undefined;
      try {
        source = (await list(backend)).find((candidate) => candidate.id === answer.id);
      } catch (error) {
        throw deskErrorOf(error);
      }
      if (!source)
        throw new DeskError('conflict', `Source ${answer.id} was added, then removed by someone else before it could be shown.`);
      return { status: 'created', source, credential };
    },

    'sources:update': async (settings: SourceSettings): Promise<SourceUpdateOutput> => {
      const backend = requireBackend();
      let updated: ServerSource;
      try {
        updated = await backend.updateSource(settings.id, sourceConfigOfSettings(settings));
      } catch (error) {
        if (error instanceof BackendError && error.status === 400)
          return {
            status: 'refused',
            problems: error.code === 'invalid_source' ? problemsOf(error.message) : [{ field: 'form', message: error.message }],
          };
        if (error instanceof BackendError && error.status === 409 && error.code === 'source_from_file')
          return {
            status: 'refused',
            problems: [{ field: 'form', message: `${error.message}: the server reads it from that file at start.` }],
          };
        forbidden(error, 'change a source');
      }
      return { status: 'updated', source: viewOf(updated, backend.baseUrl) };
    },

    'sources:rotate': async (input: { id: string }): Promise<SourceRotateOutput> => {
      const backend = requireBackend();
      try {
        return { id: input.id, credential: credentialOf(await backend.rotateSource(input.id), backend.baseUrl) };
      } catch (error) {
        forbidden(error, 'rotate a source’s credential');
      }
    },

    'sources:unmatched': async (input: { id: string }): Promise<SourceUnmatchedOutput> => {
      const backend = requireBackend();
      try {
        const rows = await backend.unmatched(input.id);
        return { id: input.id, items: rows.map(unmatchedItemOf), isCut: rows.length >= SERVER_UNMATCHED_LIMIT };
      } catch (error) {
        forbidden(error, 'see a source’s unmatched items');
      }
    },

    'sources:mapKey': async (input: SourceMapKeyInput): Promise<SourceMapKeyOutput> => {
      const backend = requireBackend();
      const unknownCustomer = {
        status: 'refused' as const,
        problems: [
          {
            field: 'customer' as const,
            message: `No customer ${input.customerId} is known here: pick one from the list (type part of its name or id).`,
          },
        ],
      };
      if (options.isKnownCustomer(input.customerId) === false) return unknownCustomer;
      try {
        await backend.putAliases([{ source: input.id, alias: input.key, customerId: input.customerId }]);
      } catch (error) {
        if (error instanceof BackendError && error.status === 422 && error.code === 'unknown_customers') return unknownCustomer;
        forbidden(error, 'map a name to a customer');
      }
      try {
        const outcome = await backend.remapSource(input.id);
        return { status: 'mapped', id: input.id, key: input.key, customerId: input.customerId, ...outcome };
      } catch (error) {
        const cause = deskErrorOf(error);
        // The alias is stored: saying so keeps the admin from adding it again; remapping later picks the items up.
        throw new DeskError(
          cause.code,
          `"${input.key}" now maps to ${input.customerId}, but its items could not be moved yet: ${cause.message} Use Re-map to try again.`,
        );
      }
    },

    'sources:remap': async (input: { id: string }): Promise<SourceRemapOutput> => {
      const backend = requireBackend();
      try {
        return { id: input.id, ...(await backend.remapSource(input.id)) };
      } catch (error) {
        forbidden(error, 're-map a source’s unmatched items');
      }
    },

    'sources:remove': async (input: { id: string }): Promise<{ removed: string }> => {
      const backend = requireBackend();
      try {
        await backend.removeSource(input.id);
        return { removed: input.id };
      } catch (error) {
        forbidden(error, 'remove a source');
      }
    },
  };
}

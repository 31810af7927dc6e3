import {
  DEFAULT_SEVERITIES,
  unknownAliasProblems,
  usesHmac,
  type SourceDraft,
  type SourceSettings,
} from '../../../shared/ingest-sources';
import type { Channel } from '../../../shared/ipc/channels';
import type { SourceMapKeyInput, SourceView, UnmatchedItem } from '../../../shared/ipc/source-views';
import type { Fixtures } from './fixtures';

const BASE_URL = 'http://127.0.0.1:4000';

/** The mapping line the server would give (`describeCustomerMapping`), for the kinds' fields. */
function mappingOf(draft: SourceSettings): string {
  switch (draft.kind) {
    case 'alertmanager':
      return `labels ${draft.customerLabels.join(', ')}`;
    case 'cloudevents':
      return `attribute ${draft.customerAttribute}`;
    case 'github':
      return `from ${draft.customersFrom.join(', ')}`;
    case 'generic':
      return draft.jsonata !== undefined ? 'a JSONata mapping' : `mapping ${draft.preset}`;
  }
}

/** The settings the server keeps for a source of a kind when nothing else was said. */
function settingsFor(source: Pick<SourceView, 'id' | 'kind' | 'defaults'>): SourceSettings {
  const common = { id: source.id, defaults: source.defaults };
  switch (source.kind) {
    case 'alertmanager':
      return {
        ...common,
        kind: 'alertmanager',
        customerLabels: ['customer', 'tenant', 'customer_id'],
        severityLabel: 'severity',
        severities: { ...DEFAULT_SEVERITIES },
        featureLabel: 'feature',
      };
    case 'cloudevents':
      return { ...common, kind: 'cloudevents', customerAttribute: 'subject', kinds: {}, defaultKind: 'signal' };
    case 'github':
      return { ...common, kind: 'github', customersFrom: ['payload.customers', 'environment'] };
    case 'generic':
      return { ...common, kind: 'generic', preset: 'ticket' };
  }
}

/** An ingest source as the Sources page shows it, for fixtures. */
export function makeSource(overrides: Partial<SourceView> & { id: string }): SourceView {
  const kind = overrides.kind ?? 'alertmanager';
  const defaults = overrides.defaults ?? { severity: 'warning' as const, feature: null };
  return {
    settings: {
      ...settingsFor({ id: overrides.id, kind, defaults }),
      ...(overrides.name && overrides.name !== overrides.id ? { name: overrides.name } : {}),
    },
    kind: 'alertmanager',
    name: overrides.id,
    origin: 'api',
    credential: overrides.kind === 'github' ? 'hmac' : 'url_token',
    url: overrides.kind === 'github' ? `${BASE_URL}/v1/ingest/${overrides.id}` : `${BASE_URL}/v1/ingest/${overrides.id}/<token>`,
    customerMapping: 'labels customer, tenant, customer_id',
    defaults: { severity: 'warning', feature: null },
    accepted: 0,
    refused: 0,
    unmatched: 0,
    lastDeliveryAt: null,
    lastRefusal: null,
    state: 'waiting',
    ...overrides,
  };
}

/** An unmatched item as the core lists it, for fixtures. */
export function makeUnmatched(overrides: Partial<UnmatchedItem> & { id: string }): UnmatchedItem {
  const customerKey = overrides.customerKey === undefined ? 'initech' : overrides.customerKey;
  return {
    receivedAt: '2026-11-22T11:00:00.000Z',
    customerKey,
    reason:
      customerKey === null
        ? 'The payload names no customer where this source looks for one: change the source’s customer mapping, or have the producer send the customer.'
        : `No customer is known as "${customerKey}" to this source: map that name to a customer and the item moves to its timeline.`,
    kind: 'alert',
    summary: 'Export queue lagging',
    occurredAt: '2026-11-22T10:59:00.000Z',
    preview: JSON.stringify(
      { kind: 'alert', summary: 'Export queue lagging', properties: { labels: { customer: customerKey } } },
      null,
      2,
    ),
    ...overrides,
  };
}

/**
 * The `sources:*` channels as the desk core answers them over a server (electron/core/sources.ts):
 * admins only (anyone else gets the list's `unavailable` words or a forbidden change), a taken id or
 * an alias to an unknown customer refused under its field, a credential made fresh on add and rotate,
 * sources from the server's file not changed here.
 */
export function createFakeSources(
  fixtures: Fixtures,
  roles: () => readonly string[] | null,
): Partial<Record<Channel, (input: never) => unknown>> {
  const sources = fixtures.sources ?? (fixtures.sources = []);
  let seq = 0;
  const isAdmin = () => roles()?.includes('admin') ?? true;
  const forbidden = (doing: string) => ({
    error: { code: 'forbidden', message: `Only an admin of the server can ${doing}. You are ${(roles() ?? []).join(', ')}.` },
  });
  const credentialFor = (source: { id: string; kind: SourceView['kind'] }) => {
    seq += 1;
    const value = `${usesHmac(source.kind) ? 'secret' : 'token'}-${source.id}-${seq}`;
    return usesHmac(source.kind)
      ? { kind: 'hmac' as const, value, url: `${BASE_URL}/v1/ingest/${source.id}` }
      : { kind: 'url_token' as const, value, url: `${BASE_URL}/v1/ingest/${source.id}/${value}` };
  };
  const find = (id: string) => sources.find((source) => source.id === id);
  return {
    'sources:list': () =>
      isAdmin()
        ? { sources, unavailable: null }
        : {
            sources: [],
            unavailable: `Ingest sources are managed by admins of the server. You are ${(roles() ?? []).join(', ')}. Ask an admin to add a source or to tell you why a producer’s signals do not arrive.`,
          },
    'sources:add': (draft: SourceDraft) => {
      if (!isAdmin()) return forbidden('add a source');
      const unknown = unknownAliasProblems(draft.aliases, (id) => fixtures.customers.some((customer) => customer.id === id));
      if (unknown.length > 0) return { status: 'refused', problems: unknown };
      if (find(draft.id))
        return {
          status: 'refused',
          problems: [{ field: 'id', message: `A source ${draft.id} exists already; pick another id.` }],
        };
      const { aliases: _aliases, ...settings } = draft;
      const source = makeSource({
        id: draft.id,
        kind: draft.kind,
        name: draft.name ?? draft.id,
        customerMapping: mappingOf(settings),
        defaults: draft.defaults,
        settings,
      });
      sources.push(source);
      return { status: 'created', source, credential: credentialFor(source) };
    },
    'sources:update': (settings: SourceSettings) => {
      if (!isAdmin()) return forbidden('change a source');
      const source = find(settings.id);
      if (!source) return { error: { code: 'not_found', message: `no source ${settings.id}` } };
      if (source.origin === 'file')
        return {
          status: 'refused',
          problems: [{ field: 'form', message: `source ${settings.id} is declared in the --sources file: change it there` }],
        };
      Object.assign(source, {
        name: settings.name ?? settings.id,
        customerMapping: mappingOf(settings),
        defaults: settings.defaults,
        settings,
      });
      return { status: 'updated', source };
    },
    'sources:rotate': (input: { id: string }) => {
      if (!isAdmin()) return forbidden('rotate a source’s credential');
      const source = find(input.id);
      if (!source) return { error: { code: 'not_found', message: `no source ${input.id}` } };
      if (source.origin === 'file')
        return {
          error: {
            code: 'conflict',
            message: `source ${input.id} is declared in the --sources file: change its credential there`,
          },
        };
      return { id: source.id, credential: credentialFor(source) };
    },
    'sources:unmatched': (input: { id: string }) => {
      if (!isAdmin()) return forbidden('see a source’s unmatched items');
      if (!find(input.id)) return { error: { code: 'not_found', message: `no source ${input.id}` } };
      return { id: input.id, items: fixtures.unmatched?.[input.id] ?? [], isCut: false };
    },
    'sources:mapKey': (input: SourceMapKeyInput) => {
      if (!isAdmin()) return forbidden('map a name to a customer');
      const source = find(input.id);
      if (!source) return { error: { code: 'not_found', message: `no source ${input.id}` } };
      if (!fixtures.customers.some((customer) => customer.id === input.customerId))
        return {
          status: 'refused',
          problems: [
            {
              field: 'customer',
              message: `No customer ${input.customerId} is known here: pick one from the list (type part of its name or id).`,
            },
          ],
        };
      const items = fixtures.unmatched?.[input.id] ?? [];
      const left = items.filter((item) => item.customerKey !== input.key);
      if (fixtures.unmatched) fixtures.unmatched[input.id] = left;
      source.unmatched = left.length;
      return {
        status: 'mapped',
        id: input.id,
        key: input.key,
        customerId: input.customerId,
        remapped: items.length - left.length,
        stillUnmatched: left.length,
      };
    },
    'sources:remap': (input: { id: string }) => {
      if (!isAdmin()) return forbidden('re-map a source’s unmatched items');
      if (!find(input.id)) return { error: { code: 'not_found', message: `no source ${input.id}` } };
      return { id: input.id, remapped: 0, stillUnmatched: fixtures.unmatched?.[input.id]?.length ?? 0 };
    },
    'sources:remove': (input: { id: string }) => {
      if (!isAdmin()) return forbidden('remove a source');
      const index = sources.findIndex((source) => source.id === input.id);
      if (index < 0) return { error: { code: 'not_found', message: `no source ${input.id}` } };
      sources.splice(index, 1);
      return { removed: input.id };
    },
  };
}

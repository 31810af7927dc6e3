import type { z } from 'zod';
import type { EventInput } from '../../shared/domain';
import { issuePath, type IssueLike } from '../../shared/issues';
import { ApiFailure } from '../errors';
import type { SourceConfig, SourceKind } from './config';

/**
 * One module per source kind (alertmanager.ts, cloudevents.ts, github.ts,
 * generic.ts) behind this interface. A module knows its producer's wire format
 * and nothing about storage: it checks the request, and turns the payload into
 * drafts of timeline events with the producer's references to customers and an
 * idempotency key per item. The pipeline (pipeline.ts) resolves customers, keeps
 * unmatched items and stores the rest.
 */

/** A request as the module sees it: the raw body (signatures are over the bytes) and the headers. */
export type IngestRequest = {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The media type in lower case without parameters (`application/json`), '' when absent. */
  mediaType: string;
  body: Buffer;
  /** Milliseconds since the epoch. */
  receivedAt: number;
};

/** A timeline event without the customer and source, which the pipeline fills in. */
export type EventDraft = Omit<EventInput, 'customerId' | 'source'>;

export type IngestItem = {
  /** Where the item is in the request, in the producer's terms: `alerts[2]`, `events[0]`, `deployment_status`. */
  path: string;
  /** Unique within the source for this item's delivery: a resend has the same key and changes nothing. */
  key: string;
  /** What the payload calls its customers (ids, aliases, anything rules map); one item may concern several. */
  customerRefs: string[];
  event: EventDraft;
};

export type ParseResult =
  | { type: 'items'; items: IngestItem[] }
  /** Answered without storing anything (GitHub's ping, an event the source does not record). */
  | { type: 'reply'; status: number; body: Record<string, unknown> };

export type SourceKindModule<C extends SourceConfig = SourceConfig> = {
  kind: SourceKind;
  /** The kind's config schema (config.ts), for messages. */
  configSchema: z.ZodType<C>;
  /**
   * Checks the request's signature against the source's secret (HMAC kinds); throws ApiFailure 401 when it
   * does not hold. Kinds authenticated by URL token have none.
   */
  verify?(request: IngestRequest, secret: string): Promise<void>;
  /** Turns a request into items; spec violations throw ApiFailure 4xx naming the item and attribute. */
  parse(request: IngestRequest, config: C): ParseResult | Promise<ParseResult>;
};

export function header(request: IngestRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Cuts text to `max` UTF-16 units with an ellipsis (summaries are ≤ 500), never between the halves of an emoji. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // A cut after a high surrogate would leave half a character, which no database stores (a 400 for a valid alert).
  const end = /[\ud800-\udbff]/.test(text[max - 2] ?? '') ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** 400 for one bad item of a request, naming its place and field: `alerts[1].startsAt: …; nothing was stored`. */
export function invalidItem(code: string, item: string, error: { readonly issues: readonly IssueLike[] }, note = ''): ApiFailure {
  const first = error.issues[0];
  const field = first ? issuePath(first.path) : '';
  return new ApiFailure(
    400,
    code,
    `${item}${field ? `.${field}` : ''}: ${first?.message ?? 'invalid'}${note}; nothing was stored`,
    {
      item,
      field,
    },
  );
}

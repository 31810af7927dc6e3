/**
 * The channel and event names of the desk contract, and nothing else. Kept free of
 * zod so the sandboxed preload can import it without pulling in validation code.
 * `contract.ts` checks that every name here has a schema and vice versa.
 */
export const CHANNELS = [
  'app:info',
  'sync:status',
  'sync:now',
  'outbox:list',
  'outbox:discard',
  'backend:get',
  'backend:set',
  'identity:get',
  'identity:signIn',
  'identity:signOut',
  'identity:acceptUnprotectedSecrets',
  'preferences:get',
  'preferences:set',
  'customers:list',
  'customers:get',
  'timeline:page',
  'timeline:count',
  'events:get',
  'events:precedingChanges',
  'diagnosis:suspects',
  'diagnosis:whoElse',
  'diagnosis:customer',
  'diagnosis:signalSeries',
  'releases:list',
  'customers:setup',
  'search:query',
  'notes:create',
  'notes:update',
  'notes:resolveConflict',
  'notes:history',
  'wizards:list',
  'wizards:get',
  'runs:start',
  'runs:get',
  'runs:list',
  'runs:history',
  'runs:act',
  'followUps:list',
  'followUps:counts',
  'followUps:create',
  'followUps:update',
  'followUps:history',
  'problems:forCustomer',
  'problems:list',
  'problems:get',
  'problems:create',
  'problems:update',
  'problems:history',
  'problems:regressions',
  'insights:get',
  'approvals:inbox',
  'approvals:decide',
  'sources:list',
  'sources:add',
  'sources:rotate',
  'sources:remove',
  'sources:update',
  'sources:unmatched',
  'sources:mapKey',
  'sources:remap',
  'updates:status',
  'updates:setChannel',
  'updates:check',
  'updates:restart',
] as const;

/** Events the desk core emits to the renderer; always past tense. */
export const EVENTS = [
  'sync:changed',
  'cache:changed',
  'app:linkOpened',
  'runs:changed',
  'identity:changed',
  'updates:changed',
] as const;

/** A request/response channel name, `domain:verb`. */
export type Channel = (typeof CHANNELS)[number];
/** An event name, `domain:pastTense`. */
export type EventName = (typeof EVENTS)[number];

type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
type VerbOf<C extends string, D extends string> = C extends `${D}:${infer V}` ? V : never;

/** Domains that have at least one channel (`app`, `sync`, …). */
export type Domain = DomainOf<Channel>;
/** Verbs of one domain. */
export type Verb<D extends Domain> = VerbOf<Channel, D>;

/** Splits `domain:verb` into its parts. */
export function splitChannel(channel: string): { domain: string; verb: string } {
  const index = channel.indexOf(':');
  return { domain: channel.slice(0, index), verb: channel.slice(index + 1) };
}

/** Event names in the shape the API exposes them: `sync:changed` → `syncChanged`. */
export function eventKey(name: EventName): string {
  const { domain, verb } = splitChannel(name);
  return domain + verb.charAt(0).toUpperCase() + verb.slice(1);
}

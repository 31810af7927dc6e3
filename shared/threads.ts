import { z } from 'zod';

/**
 * Alert threads (issue 10): alerts, incidents and tickets are *threads* — a row
 * of immutable events about one alert (one Alertmanager fingerprint), one
 * incident, one ticket. Each event of a thread carries two properties:
 *
 * - `thread`: the thread's key, unique per customer and kind (for Alertmanager
 *   `am:<fingerprint>`, for a ticket its ticket id);
 * - `status`: `open` (firing, re-notified, reopened) or `resolved`.
 *
 * The newest event of a thread says whether it is open: a `resolved` event
 * closes the thread (open items, fleet counts), a later `open` one reopens it.
 * Producers (server/ingest, the demo fleet) write these properties; the desk
 * cache (electron/db/apply.ts) derives its `threads` table from them.
 */

/** Event kinds that form threads. */
export const THREAD_KINDS = ['alert', 'incident', 'ticket'] as const;
export type ThreadKind = (typeof THREAD_KINDS)[number];

export const THREAD_STATUSES = ['open', 'resolved'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** The thread properties of an event (other properties are kept beside them). */
export const ThreadPropertiesSchema = z.object({
  thread: z.string().min(1).max(256),
  status: z.enum(THREAD_STATUSES),
});
export type ThreadProperties = z.infer<typeof ThreadPropertiesSchema>;

const threadKinds: ReadonlySet<string> = new Set(THREAD_KINDS);

/** The thread an event belongs to, or null when it is not part of one. */
export function threadOf(event: { kind: string; properties: Record<string, unknown> }): ThreadProperties | null {
  if (!threadKinds.has(event.kind)) return null;
  const { thread, status } = event.properties;
  if (typeof thread !== 'string' || thread.length === 0) return null;
  if (status !== 'open' && status !== 'resolved') return null;
  return { thread, status };
}

/**
 * A customer's term in the full-text index (issue 13): every event is indexed with one extra token naming its
 * customer (column `search_key` of `events` and of `events_fts`), so the timeline's text filter asks the index
 * for "this customer's events with these words" and reads only this customer's matches, not the whole fleet's.
 *
 * The token is two characters of Unicode's private use area (U+E000–U+F8FF, 6,400 code points) from a 32-bit
 * FNV-1a hash of the customer id: the tokenizer keeps them as one word, and no search can contain them, because
 * what people type is split at every character that is not a letter, digit or underscore (`toFtsQuery`,
 * `toSearchTiers`). Two characters keep the index small (a token shorter than a prefix length gets no entry in
 * that prefix index). Two customers with the same key (one pair in ~40 million) only read each other's matches
 * too: every query still checks `customer_id`.
 *
 * Never change this function: the index is maintained by deleting rows with the values they were indexed with.
 */
export function customerSearchKey(customerId: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < customerId.length; index += 1) {
    hash ^= customerId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const AREA = 0xe000;
  const SIZE = 6400;
  return String.fromCharCode(AREA + (hash % SIZE), AREA + (Math.floor(hash / SIZE) % SIZE));
}

/** The FTS5 term matching every event of a customer. */
export function customerSearchTerm(customerId: string): string {
  return `"${customerSearchKey(customerId)}"`;
}

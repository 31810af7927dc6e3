/**
 * Request ids for answers that may arrive out of order. The counter never goes
 * back (not even when the store is reset), so an answer to an old request can
 * never be mistaken for the answer to a newer one.
 */
let lastRequestId = 0;

/** A fresh id; compare it with the one kept in state when the answer arrives. */
export function nextRequestId(): number {
  lastRequestId += 1;
  return lastRequestId;
}

/** Where a piece of data loaded through the contract stands. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

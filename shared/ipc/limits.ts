/**
 * Limits of the contract the page needs at run time, without zod: importing them
 * from ./views would load zod with the page's first screen (#15). ./views uses
 * and re-exports them.
 */

/** The most rows one page of a list channel carries. */
export const MAX_PAGE = 1000;
